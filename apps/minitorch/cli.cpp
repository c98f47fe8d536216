// cli.cpp — the `minitorch` arguments (CLI11): every subcommand, option,
// default and allowed range, parsed into plain option structs. Nothing here
// runs a command, touches core or prints (main.cpp does).
#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <sstream>

namespace mt::cli {

namespace {

void add_backends_options(CLI::App& cmd, BackendsOptions& backends) {
  cmd.add_flag("--json", backends.json, "Print the report as JSON");
  cmd.add_flag("--reprobe", backends.reprobe,
               "Probe every plugin again, ignoring (and then refreshing) the cache");
}

void add_train_options(CLI::App& cmd, TrainOptions& train) {
  cmd.add_option("--dataset", train.dataset,
                 "simple|diag|split|xor|circle|spiral (2-D MLP) or mnist|fashion-mnist|imdb")
      ->check(CLI::IsMember(
          {"simple", "diag", "split", "xor", "circle", "spiral", "mnist", "fashion-mnist", "imdb"}))
      ->capture_default_str();
  cmd.add_option("--backend", train.backend, "Backend name, or auto")->capture_default_str();
  cmd.add_option("--dtype", train.dtype, "f32 or f64")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  cmd.add_option("--hidden", train.hidden, "Hidden layer size (2-D MLP)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd.add_option(
         "--rate", train.rate,
         "Learning rate (default shown is the 2-D MLP's; CNN recipes: 0.001 adam, 0.01 sgd)")
      ->check(CLI::Range(1e-9, 1e3))
      ->capture_default_str();
  cmd.add_option("--epochs", train.epochs,
                 "Epochs in total (2-D default shown; mnist/fashion-mnist: 5, imdb: 3)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd.add_option("--points", train.points, "Points in a 2-D dataset")
      ->check(CLI::Range(2, 10000000))
      ->capture_default_str();
  cmd.add_option("--batch", train.batch,
                 "Batch size (2-D default shown; mnist/fashion-mnist: 16, imdb: 32)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd.add_option("--seed", train.seed, "Random seed")->capture_default_str();
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
      ->check(CLI::IsMember({"sgd", "adam"}))
      ->capture_default_str();
  cmd.add_option("--momentum", train.momentum,
                 "CNN recipes: SGD momentum in [0, 1) (default 0.9 for the CNN recipes' sgd)")
      ->check(CLI::Range(0.0, 0.999999))
      ->capture_default_str();
  cmd.add_option("--dropout", train.dropout,
                 "CNN recipes: dropout rate in [0, 1) (default: 0.25 LeNet, 0.5 Kim CNN)")
      ->check(CLI::Range(0.0, 0.999999));
  cmd.add_option("--train-size", train.train_size,
                 "CNN recipes: use only this many training examples (0 = all)")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}))
      ->capture_default_str();
  cmd.add_option("--test-size", train.test_size,
                 "CNN recipes: evaluation examples (0 = the whole MNIST test set; "
                 "IMDB validation split, default 10000)")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}))
      ->capture_default_str();
  cmd.add_option("--max-length", train.max_length, "IMDB: tokens per review (cut/padded)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  cmd.add_option("--data-dir", train.data_dir,
                 "Dataset cache folder (default: $MINITORCH_DATA, else "
                 "$XDG_CACHE_HOME/minitorch or ~/.cache/minitorch)");
}

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
  ParsedCommandLine parsed;
  CLI::App app{"MiniTorch C++: tensors, autograd and pluggable compute backends"};
  app.require_subcommand(1);
  if (!args.empty())
    app.name(args.front());

  auto* backends_cmd = app.add_subcommand("backends", "List backend plugins and the load report");
  add_backends_options(*backends_cmd, parsed.backends);
  auto* train_cmd = app.add_subcommand("train", "Train a model on a dataset");
  add_train_options(*train_cmd, parsed.train);

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
  if (*backends_cmd)
    parsed.command = Command::backends;
  else if (*train_cmd)
    parsed.command = Command::train;
  return parsed;
}

}  // namespace mt::cli
