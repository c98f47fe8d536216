// train_command.cpp — `minitorch train`: picks the backend, runs a recipe
// from core and prints progress every 10 epochs plus a summary; --metrics
// writes the per-epoch figures as JSON. The recipes themselves live in core.
#include "commands.hpp"

#include <minitorch/backend.hpp>
#include <minitorch/io.hpp>
#include <minitorch/train2d.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace mt::cli {

namespace {

BackendPtr pick_backend(const std::string& name) {
  auto& registry = BackendRegistry::global();
  std::string why;
  BackendPtr backend = registry.get(name, &why);
  std::cout << why << '\n';
  set_default_backend(backend);
  return backend;
}

int run_train_2d(const TrainOptions& options, const BackendPtr& backend) {
  Train2DConfig config;
  config.dataset = options.dataset;
  config.points = options.points;
  config.hidden = options.hidden;
  config.rate = options.rate;
  config.epochs = options.epochs;
  config.batch = options.batch;
  config.seed = options.seed;
  config.backend = backend;
  config.dtype = parse_dtype(options.dtype);

  std::printf(
      "Training MiniTorch's MLP 2 -> %d -> %d -> 1 on '%s' (%d points), batch %d, "
      "rate %g, %d epochs, %s on backend '%s'\n",
      config.hidden, config.hidden, config.dataset.c_str(), config.points, config.batch,
      config.rate, config.epochs, dtype_name(config.dtype), backend->name().c_str());
  double total_seconds = 0;
  const auto result = train_2d(config, [&](const EpochStats& s) {
    total_seconds += s.seconds;
    if (s.epoch % 10 == 0 || s.epoch == 1 || s.epoch == config.epochs) {
      std::printf("Epoch %5d  loss %10.4f  correct %d/%d  time %.3f ms/epoch\n", s.epoch, s.loss,
                  s.correct, s.total, 1e3 * s.seconds);
      std::fflush(stdout);
    }
  });
  const EpochStats& last = result.epochs.back();
  std::printf("Final: correct %d/%d (%.1f%%), loss %.4f, mean %.3f ms/epoch over %d epochs\n",
              last.correct, last.total, 100.0 * last.correct / last.total, last.loss,
              1e3 * total_seconds / static_cast<double>(result.epochs.size()),
              static_cast<int>(result.epochs.size()));

  if (!options.metrics.empty()) {
    nlohmann::json j;
    j["dataset"] = config.dataset;
    j["backend"] = backend->name();
    j["dtype"] = dtype_name(config.dtype);
    j["hidden"] = config.hidden;
    j["rate"] = config.rate;
    j["batch"] = config.batch;
    j["points"] = config.points;
    j["seed"] = config.seed;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& s : result.epochs) {
      epochs.push_back({{"epoch", s.epoch},
                        {"loss", s.loss},
                        {"correct", s.correct},
                        {"total", s.total},
                        {"seconds", s.seconds}});
    }
    j["epochs"] = epochs;
    write_file_atomically(options.metrics, j.dump(2) + "\n");
    std::printf("Wrote metrics to %s\n", options.metrics.c_str());
  }
  return 0;
}

}  // namespace

int run_train(const TrainOptions& options) {
  print_load_report(std::cout);
  const BackendPtr backend = pick_backend(options.backend);
  if (options.dataset == "mnist" || options.dataset == "fashion-mnist" ||
      options.dataset == "imdb") {
    throw ArgumentError("dataset '" + options.dataset +
                        "' needs the CNN recipes, which are not in this build yet; "
                        "available: simple, diag, split, xor, circle, spiral");
  }
  if (!options.plot.empty() || !options.save.empty() || !options.load.empty()) {
    throw ArgumentError("--plot, --save and --load are not available for 2-D datasets yet");
  }
  return run_train_2d(options, backend);
}

}  // namespace mt::cli
