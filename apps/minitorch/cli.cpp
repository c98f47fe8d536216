// cli.cpp — the `minitorch` arguments (CLI11): every subcommand, option and
// default, parsed into plain option structs, checked against the ranges and
// choices of cli.hpp (which `train --load` also reads). Nothing here runs a
// command, touches core or prints (main.cpp does).
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace mt::cli {

const WholeRange& whole_range(std::string_view option) {
  for (const WholeRange& r : kWholeRanges)
    if (r.option == option)
      return r;
  throw std::logic_error("no whole-number range for option " + std::string(option));
}

const RealRange& real_range(std::string_view option) {
  for (const RealRange& r : kRealRanges)
    if (r.option == option)
      return r;
  throw std::logic_error("no range for option " + std::string(option));
}

std::string range_text(const WholeRange& range) {
  return std::to_string(range.low) + " to " + std::to_string(range.high);
}

std::string range_text(const RealRange& range) {
  char text[64];
  std::snprintf(text, sizeof text, "%g to %g", range.low, range.high);
  return text;
}

std::optional<uint64_t> parse_whole(const WholeRange& range, std::string_view text,
                                    std::string& problem) {
  const std::string allowed = " (allowed: " + range_text(range) + ")";
  bool digits_only = !text.empty();
  for (const char c : text)
    digits_only = digits_only && c >= '0' && c <= '9';
  if (!digits_only) {
    problem = "\"" + std::string(text) + "\" is not a whole number" + allowed;
    return std::nullopt;
  }
  uint64_t value = 0;
  bool too_big = false;
  for (const char c : text) {
    const auto digit = static_cast<uint64_t>(c - '0');
    too_big = too_big || value > (UINT64_MAX - digit) / 10;
    if (!too_big)
      value = value * 10 + digit;
  }
  if (too_big || value < range.low || value > range.high) {
    problem = std::string(text) + " is out of range" + allowed;
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_real(const RealRange& range, std::string_view text,
                                 std::string& problem) {
  const std::string allowed = " (allowed: " + range_text(range) + ")";
  // Decimal notation only: strtod alone would also take spaces, hex, nan, inf.
  bool decimal = !text.empty() && text.front() != 'e' && text.front() != 'E';
  for (const char c : text)
    decimal = decimal &&
              ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-');
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double value = decimal ? std::strtod(copy.c_str(), &end) : 0.0;
  if (!decimal || end != copy.c_str() + copy.size()) {
    problem = "\"" + copy + "\" is not a number" + allowed;
    return std::nullopt;
  }
  if (errno == ERANGE || !std::isfinite(value) || value < range.low || value > range.high) {
    problem = copy + " is out of range" + allowed;
    return std::nullopt;
  }
  return value;
}

const std::vector<std::string>& dataset_choices() {
  static const std::vector<std::string> names{"simple", "diag",  "split",         "xor", "circle",
                                              "spiral", "mnist", "fashion-mnist", "imdb"};
  return names;
}

const std::vector<std::string>& dtype_choices() {
  static const std::vector<std::string> names{"f32", "f64"};
  return names;
}

const std::vector<std::string>& optimizer_choices() {
  static const std::vector<std::string> names{"sgd", "adam"};
  return names;
}

std::string choices_text(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices)
    out += (out.empty() ? "" : ", ") + c;
  return out;
}

namespace {

// The table's range as a CLI11 check. A whole number is also rewritten in
// plain decimal, so CLI11's own conversion (strtoll base 0) cannot read
// "010" as octal 8.
template <class T>
CLI::Option* whole_option(CLI::App& cmd, std::string_view name, T& into, const std::string& help) {
  const WholeRange& range = whole_range(name);
  CLI::Validator check(
      [&range](std::string& input) {
        std::string problem;
        const auto value = parse_whole(range, input, problem);
        if (!value)
          return problem;
        input = std::to_string(*value);
        return std::string();
      },
      "in " + range_text(range));
  return cmd.add_option(std::string(name), into, help)->transform(check);
}

CLI::Option* real_option(CLI::App& cmd, std::string_view name, double& into,
                         const std::string& help) {
  const RealRange& range = real_range(name);
  CLI::Validator check(
      [&range](std::string& input) {
        std::string problem;
        return parse_real(range, input, problem) ? std::string() : problem;
      },
      "in " + range_text(range));
  return cmd.add_option(std::string(name), into, help)->check(check);
}

void add_backends_options(CLI::App& cmd, BackendsOptions& backends) {
  cmd.add_flag("--json", backends.json, "Print the report as JSON");
  cmd.add_flag("--reprobe", backends.reprobe,
               "Probe every plugin again, ignoring (and then refreshing) the cache");
}

// --verbose and --threads, shared by the commands that load a backend.
void add_backend_choice(CLI::App& cmd, bool& verbose, int& threads) {
  cmd.add_flag("--verbose", verbose,
               "Print the whole plugin load report (default: one line naming the backend)");
  whole_option(cmd, "--threads", threads,
               "Threads of the parallel backend (sets MT_NUM_THREADS; default: every core)");
}

void add_eval_options(CLI::App& cmd, EvalOptions& eval) {
  cmd.add_option("--load", eval.load, "The checkpoint to evaluate (from train --save)")->required();
  cmd.add_option("--dataset", eval.dataset,
                 "Evaluate on this dataset (default: the checkpoint's; it must train the same "
                 "model)")
      ->check(CLI::IsMember(dataset_choices()));
  cmd.add_option("--backend", eval.backend, "Backend name, or auto")->capture_default_str();
  cmd.add_option("--metrics", eval.metrics,
                 "Write the result as JSON to this file (- for standard output)");
  cmd.add_option("--data-dir", eval.data_dir,
                 "Dataset cache folder (default: $MINITORCH_DATA, else "
                 "$XDG_CACHE_HOME/minitorch or ~/.cache/minitorch)");
  whole_option(cmd, "--test-size", eval.test_size,
               "CNN recipes: evaluation examples (0 = as the checkpoint's run did)")
      ->capture_default_str();
  whole_option(cmd, "--batch", eval.batch, "Evaluation batch size")->capture_default_str();
  add_backend_choice(cmd, eval.verbose, eval.threads);
}

void add_train_options(CLI::App& cmd, TrainOptions& train) {
  cmd.add_option("--dataset", train.dataset,
                 "simple|diag|split|xor|circle|spiral (2-D MLP) or mnist|fashion-mnist|imdb")
      ->check(CLI::IsMember(dataset_choices()))
      ->capture_default_str();
  cmd.add_option("--backend", train.backend, "Backend name, or auto")->capture_default_str();
  cmd.add_option("--dtype", train.dtype, "f32 or f64")
      ->check(CLI::IsMember(dtype_choices()))
      ->capture_default_str();
  whole_option(cmd, "--hidden", train.hidden, "Hidden layer size (2-D MLP)")->capture_default_str();
  real_option(cmd, "--rate", train.rate,
              "Learning rate (default shown is the 2-D MLP's; CNN recipes: 0.001 adam, 0.01 sgd)")
      ->capture_default_str();
  whole_option(cmd, "--epochs", train.epochs,
               "Epochs in total (2-D default shown; mnist/fashion-mnist: 5, imdb: 3)")
      ->capture_default_str();
  whole_option(cmd, "--points", train.points, "Points in a 2-D dataset")->capture_default_str();
  whole_option(cmd, "--batch", train.batch,
               "Batch size (2-D default shown; mnist/fashion-mnist: 16, imdb: 32)")
      ->capture_default_str();
  whole_option(cmd, "--seed", train.seed, "Random seed")->capture_default_str();
  cmd.add_option("--metrics", train.metrics, "Write per-epoch metrics to this JSON file");
  cmd.add_option("--plot", train.plot,
                 "Draw loss/accuracy curves (and the decision boundary for 2-D data) to "
                 "this PNG file with gnuplot");
  cmd.add_option("--save", train.save, "Write a checkpoint to this file after every epoch");
  cmd.add_option("--load", train.load,
                 "Resume from this checkpoint (--epochs is the total to reach; options "
                 "not given are taken from the checkpoint)");
  cmd.add_option("--optimizer", train.optimizer,
                 "CNN recipes: adam (default, lr 0.001) or sgd (lr 0.01)")
      ->check(CLI::IsMember(optimizer_choices()))
      ->capture_default_str();
  real_option(cmd, "--momentum", train.momentum,
              "CNN recipes: SGD momentum in [0, 1) (default 0.9 for the CNN recipes' sgd)")
      ->capture_default_str();
  real_option(cmd, "--dropout", train.dropout,
              "CNN recipes: dropout rate in [0, 1) (default: 0.25 LeNet, 0.5 Kim CNN)");
  whole_option(cmd, "--train-size", train.train_size,
               "CNN recipes: use only this many training examples (0 = all)")
      ->capture_default_str();
  whole_option(cmd, "--test-size", train.test_size,
               "CNN recipes: evaluation examples (0 = the whole MNIST test set; "
               "IMDB validation split, default 10000)")
      ->capture_default_str();
  whole_option(cmd, "--max-length", train.max_length, "IMDB: tokens per review (cut/padded)")
      ->capture_default_str();
  cmd.add_option("--data-dir", train.data_dir,
                 "Dataset cache folder (default: $MINITORCH_DATA, else "
                 "$XDG_CACHE_HOME/minitorch or ~/.cache/minitorch)");
  add_backend_choice(cmd, train.verbose, train.threads);
}

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
  ParsedCommandLine parsed;
  CLI::App app{"MiniTorch C++: tensors, autograd and pluggable compute backends"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("minitorch ") + MT_VERSION_STRING,
                       "Print the version and exit");
  if (!args.empty())
    app.name(args.front());

  auto* backends_cmd = app.add_subcommand("backends", "List backend plugins and the load report");
  add_backends_options(*backends_cmd, parsed.backends);
  auto* train_cmd = app.add_subcommand("train", "Train a model on a dataset");
  add_train_options(*train_cmd, parsed.train);
  auto* eval_cmd =
      app.add_subcommand("eval", "Evaluate a checkpoint on its dataset's test split (no training)");
  add_eval_options(*eval_cmd, parsed.eval);

  // CLI11 takes the arguments last first, without the program name.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty())
    reversed.pop_back();
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    parsed.exit_code = app.exit(e, out, err);
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
  }
  // Which options were given matters for recipe defaults and for --load.
  for (const CLI::Option* option : train_cmd->get_options())
    if (option->count() > 0 && !option->get_lnames().empty())
      parsed.train.given.insert("--" + option->get_lnames().front());
  for (const CLI::Option* option : eval_cmd->get_options())
    if (option->count() > 0 && !option->get_lnames().empty())
      parsed.eval.given.insert("--" + option->get_lnames().front());
  if (*backends_cmd)
    parsed.command = Command::backends;
  else if (*train_cmd)
    parsed.command = Command::train;
  else if (*eval_cmd)
    parsed.command = Command::eval;
  return parsed;
}

}  // namespace mt::cli
