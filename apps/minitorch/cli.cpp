// cli.cpp — the `minitorch` arguments (CLI11): every subcommand and option,
// parsed into plain option structs; `train`'s hyper-parameters are the rows of
// the table in minitorch/apps/hyperparams.hpp (ranges, choices, help, the
// defaults in --help), which `train --load` also reads. Nothing here runs a
// command, touches core or prints (main.cpp does).
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

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
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const hyper::RecipeInfo& r : hyper::kRecipes) {
      std::string_view rest = r.datasets;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        out.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
      }
    }
    return out;
  }();
  return names;
}

const std::vector<std::string>& dtype_choices() {
  static const std::vector<std::string> names{"f32", "f64"};
  return names;
}

const std::vector<std::string>& optimizer_choices() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    std::string_view rest = hyper::param_by_key("optimizer")->choices;
    while (!rest.empty()) {
      const std::size_t bar = rest.find('|');
      out.emplace_back(rest.substr(0, bar));
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    return out;
  }();
  return names;
}

std::optional<std::string> check_value(const hyper::Param& row, std::string_view text,
                                       std::string& problem) {
  switch (row.kind) {
    case hyper::Kind::whole: {
      const auto v = parse_whole(whole_range(row.option), text, problem);
      return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
    }
    case hyper::Kind::real:
      return parse_real(real_range(row.option), text, problem) ? std::optional<std::string>(text)
                                                               : std::nullopt;
    case hyper::Kind::choice:
      if (hyper::is_choice(row, text))
        return std::string(text);
      {
        std::string allowed(row.choices);
        for (std::size_t bar = allowed.find('|'); bar != std::string::npos;
             bar = allowed.find('|', bar))
          allowed.replace(bar, 1, ", ");
        problem = "\"" + std::string(text) + "\" is not an " + std::string(row.key) +
                  " `train` knows (allowed: " + allowed + ")";
        return std::nullopt;
      }
  }
  return std::nullopt;
}

namespace {

// Appends `item` to `out`, starting a new indented line past ~96 columns.
void wrap_append(std::string& out, std::size_t& column, const std::string& item,
                 const std::string& indent) {
  if (column > indent.size() && column + item.size() + 2 > 96) {
    out += "\n" + indent;
    column = indent.size();
  } else if (column > indent.size()) {
    out += "  ";
    column += 2;
  }
  out += item;
  column += item.size();
}

}  // namespace

std::string defaults_text() {
  std::string out = "Defaults (for what neither the command line nor --load sets):\n";
  for (const hyper::RecipeInfo& r : hyper::kRecipes) {
    out += "  " + std::string(r.title) + " (" + std::string(r.datasets) + "):\n    ";
    std::size_t column = 4;
    for (const hyper::Param& p : hyper::kParams) {
      if (!hyper::uses(p, r))
        continue;
      const std::string_view base = hyper::default_value(r, "", "", p.key);
      std::string item = std::string(p.option) + " " + std::string(base);
      for (const std::string& optimizer : optimizer_choices()) {
        const std::string_view v = hyper::default_value(r, "", optimizer, p.key);
        if (v != base)
          item += " (" + optimizer + ": " + std::string(v) + ")";
      }
      wrap_append(out, column, item, "    ");
    }
    out += "\n";
    // Per-dataset rules, one line per dataset, in the table's order.
    std::vector<std::string_view> seen;
    for (const hyper::DefaultRule& d : hyper::kDefaults) {
      if (hyper::recipe_of(d.scope) != &r ||
          std::find(seen.begin(), seen.end(), d.scope) != seen.end())
        continue;
      seen.push_back(d.scope);
      std::string line = "    " + std::string(d.scope) + ":";
      std::size_t line_column = line.size();
      for (const hyper::DefaultRule& e : hyper::kDefaults) {
        if (e.scope != d.scope)
          continue;
        std::string item =
            std::string(hyper::param_by_key(e.key)->option) + " " + std::string(e.value);
        if (!e.optimizer.empty())
          item += " (with " + std::string(e.optimizer) + ")";
        wrap_append(line, line_column, item, "      ");
      }
      out += line + "\n";
    }
  }
  return out;
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
// `into` is a whole-number field or the option's text (a table row's value).
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

template <class T>
CLI::Option* real_option(CLI::App& cmd, std::string_view name, T& into, const std::string& help) {
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
  cmd.add_option("--load", eval.load, "The checkpoint to evaluate (from train --save)")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& path) {
            return path.empty() ? std::string("the checkpoint path is empty") : std::string();
          },
          "PATH", "non-empty"));
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
  cmd.add_flag("--distributed", eval.distributed,
               "One rank of an mpirun job: each rank evaluates its slice of every batch and the "
               "sums are allreduced (docs/distributed.md)");
}

// Every row of the table becomes an option whose text lands in `raw`
// (by key); parse_command_line keeps the ones given.
void add_train_options(CLI::App& cmd, TrainOptions& train,
                       std::map<std::string, std::string>& raw) {
  cmd.add_option("--dataset", train.dataset,
                 "simple|diag|split|xor|circle|spiral (2-D MLP), mnist|fashion-mnist (LeNet) or "
                 "imdb (Kim CNN)")
      ->check(CLI::IsMember(dataset_choices()))
      ->capture_default_str();
  cmd.add_option("--backend", train.backend, "Backend name, or auto")->capture_default_str();
  cmd.add_option("--dtype", train.dtype, "f32 or f64")
      ->check(CLI::IsMember(dtype_choices()))
      ->capture_default_str();
  for (const hyper::Param& p : hyper::kParams) {
    std::string& into = raw[std::string(p.key)];
    std::string help = std::string(p.help);
    if (p.recipes != hyper::kAllRecipes) {
      help += " [";
      bool first = true;
      for (const hyper::RecipeInfo& r : hyper::kRecipes)
        if (hyper::uses(p, r)) {
          help += (first ? "" : ", ") + std::string(r.title);
          first = false;
        }
      help += " only]";
    }
    help += " (defaults below)";
    switch (p.kind) {
      case hyper::Kind::whole:
        whole_option(cmd, p.option, into, help)->type_name("N");
        break;
      case hyper::Kind::real:
        real_option(cmd, p.option, into, help)->type_name("X");
        break;
      case hyper::Kind::choice:
        cmd.add_option(std::string(p.option), into, help)
            ->check(CLI::IsMember(optimizer_choices()))
            ->type_name("NAME");
        break;
    }
  }
  cmd.add_option("--metrics", train.metrics,
                 "Write the run's configuration and per-epoch metrics to this JSON file "
                 "(schema minitorch.metrics/1, docs/metrics.md)");
  cmd.add_option("--plot", train.plot,
                 "Draw loss/accuracy curves (and the decision boundary for 2-D data) to "
                 "this PNG file with gnuplot");
  cmd.add_option("--save", train.save,
                 "Write a checkpoint to this file at the end (see --save-every) and on Ctrl-C");
  cmd.add_option("--load", train.load,
                 "Resume from this checkpoint (--epochs is the total to reach; options "
                 "not given are taken from the checkpoint)");
  cmd.add_option("--data-dir", train.data_dir,
                 "Dataset cache folder (default: $MINITORCH_DATA, else "
                 "$XDG_CACHE_HOME/minitorch or ~/.cache/minitorch)");
  add_backend_choice(cmd, train.verbose, train.threads);
  cmd.add_flag("--distributed", train.distributed,
               "One rank of an mpirun job (mpirun -np N minitorch train ... --distributed): "
               "--batch is per rank, the global batch is batch x N, gradients are averaged "
               "with MPI allreduce and rank 0 alone prints and writes files "
               "(docs/distributed.md)");
  whole_option(cmd, "--bucket-kb", train.bucket_kb,
               "With --distributed: gradients are allreduced in buckets of about this many KiB, "
               "each started as soon as backward has finished its gradients")
      ->capture_default_str();
  cmd.add_flag("--no-overlap", train.no_overlap,
               "With --distributed: allreduce every bucket after backward instead of during it "
               "(to measure what the overlap saves)");
  cmd.footer(defaults_text());
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
  std::map<std::string, std::string> raw;
  add_train_options(*train_cmd, parsed.train, raw);
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
  for (const hyper::Param& p : hyper::kParams)
    if (parsed.train.given.count(std::string(p.option)) != 0)
      parsed.train.values[std::string(p.key)] = raw[std::string(p.key)];
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
