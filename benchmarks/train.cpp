// train.cpp — end to end: `minitorch train --dataset split --hidden 100
// --batch 10 --rate 0.05` (50 points) through mt::train_mlp2d_recipe on each
// usable backend. One repetition trains kEpochs epochs; its time is the median
// of the per-epoch training times the recipe reports (what the CLI prints as
// ms/epoch: forward, backward and SGD over the epoch's batches; the
// accuracy pass is not included). Not a convergence test.
#include "lab.hpp"

#include <minitorch/apps/train2d.hpp>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

namespace mt::bench {

namespace {

constexpr int kEpochs = 100;

double median(std::vector<double> values) {
  if (values.empty())
    return 0.0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

void bm_train_split(benchmark::State& state, const BackendPtr& backend) {
  RecipeConfig config;
  config.dataset = "split";
  config.hidden = 100;
  config.points = 50;
  config.batch = 10;
  config.optimizer = "sgd";
  config.lr = 0.05;
  config.momentum = 0.0;
  config.epochs = kEpochs;
  config.backend = backend;
  double accuracy = 0.0;
  double mean_ms = 0.0;
  try {
    for (auto _ : state) {
      std::vector<double> seconds;
      seconds.reserve(kEpochs);
      RecipeCallbacks callbacks;
      callbacks.on_epoch = [&](const EpochReport& r) { seconds.push_back(r.train_seconds); };
      const RecipeResult result =
          train_mlp2d_recipe(make_dataset("split", 50, config.seed), config, callbacks);
      state.SetIterationTime(median(seconds));
      double total = 0.0;
      for (double s : seconds)
        total += s;
      mean_ms = 1e3 * total / static_cast<double>(std::max<std::size_t>(seconds.size(), 1));
      accuracy = result.history.back().test_accuracy;
    }
  } catch (const std::exception& e) {
    const std::string message = "train split on " + backend->name() + ": " + e.what();
    state.SkipWithError(message.c_str());
    return;
  }
  state.counters["mean_ms_per_epoch"] = mean_ms;
  state.counters["final_accuracy"] = accuracy;
  state.counters["epochs"] = kEpochs;
}

}  // namespace

void register_train(const std::vector<BackendPtr>& backends) {
  for (const BackendPtr& backend : backends) {
    const std::string name = "train/split_h100_b10/" + backend->name();
    benchmark::RegisterBenchmark(
        name.c_str(), [backend](benchmark::State& state) { bm_train_split(state, backend); })
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace mt::bench
