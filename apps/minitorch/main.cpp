// main.cpp — the `minitorch` command line: parses arguments with CLI11 and
// dispatches to a command. Bad arguments exit non-zero with a message that
// says what is allowed; library errors are printed, never left to abort.
#include "commands.hpp"

#include <minitorch/errors.hpp>

#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"MiniTorch C++: tensors, autograd and pluggable compute backends"};
  app.require_subcommand(1);

  mt::cli::BackendsOptions backends;
  auto* backends_cmd = app.add_subcommand("backends", "List backend plugins and the load report");
  backends_cmd->add_flag("--json", backends.json, "Print the report as JSON");

  mt::cli::TrainOptions train;
  auto* train_cmd = app.add_subcommand("train", "Train a model on a dataset");
  train_cmd
      ->add_option("--dataset", train.dataset,
                   "simple|diag|split|xor|circle|spiral (2-D MLP) or mnist|fashion-mnist|imdb")
      ->check(CLI::IsMember(
          {"simple", "diag", "split", "xor", "circle", "spiral", "mnist", "fashion-mnist", "imdb"}))
      ->capture_default_str();
  train_cmd->add_option("--backend", train.backend, "Backend name, or auto")->capture_default_str();
  train_cmd->add_option("--dtype", train.dtype, "f32 or f64")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  train_cmd->add_option("--hidden", train.hidden, "Hidden layer size")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  train_cmd->add_option("--rate", train.rate, "Learning rate")
      ->check(CLI::Range(1e-9, 1e3))
      ->capture_default_str();
  train_cmd->add_option("--epochs", train.epochs, "Epochs")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  train_cmd->add_option("--points", train.points, "Points in a 2-D dataset")
      ->check(CLI::Range(2, 10000000))
      ->capture_default_str();
  train_cmd->add_option("--batch", train.batch, "Batch size")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  train_cmd->add_option("--seed", train.seed, "Random seed")->capture_default_str();
  train_cmd->add_option("--metrics", train.metrics, "Write per-epoch metrics to this JSON file");
  train_cmd->add_option("--plot", train.plot, "Draw loss/accuracy curves to this PNG file");
  train_cmd->add_option("--save", train.save, "Write a checkpoint to this file at the end");
  train_cmd->add_option("--load", train.load, "Resume from this checkpoint");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*backends_cmd)
      return mt::cli::run_backends(backends);
    if (*train_cmd)
      return mt::cli::run_train(train);
  } catch (const mt::Error& e) {
    std::cerr << "minitorch: error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "minitorch: internal error: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
