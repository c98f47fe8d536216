// loop.hpp (private to libminitorch_apps) — the one training loop every
// recipe runs: shuffle, mini-batch steps, eval-mode evaluation, checkpoints
// (at the end, every --save-every epochs, and at the batch boundary where
// Ctrl-C stops it). It knows no model: a recipe hands it its data as
// Datasets and a function that turns a batch into a mean loss and a hit count.
#pragma once

#include <minitorch/apps/recipes.hpp>
#include <minitorch/data/dataset.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>

namespace mt::detail {

// A batch (data and target stacked along dim 0, on the run's backend) and
// the indices of its examples -> mean loss over the batch (shape (1)), and
// the number of those examples the model got right (written to *correct).
using BatchLoss =
    std::function<Tensor(const Example& batch, std::span<const int64_t> indices, int64_t* correct)>;

// The loop batches both sets through core's DataLoader: the training set
// shuffled per epoch from config.seed (so the order of epoch e depends on
// (seed, e) alone, and a checkpoint needs no shuffle state), the evaluation
// set in order; batches are prefetched on the host where the set allows.
struct LoopSpec {
  std::string recipe;  // "mlp2d", "lenet", "kim-cnn"
  std::shared_ptr<const Dataset> train_set;
  std::shared_ptr<const Dataset> eval_set;
  BatchLoss train_loss;  // on train_set's batches, in train mode
  BatchLoss eval_loss;   // on eval_set's batches, in eval mode, without gradients
};

// Checks the config's sizes for `spec` (ArgumentError naming the value).
void check_config(const RecipeConfig& config, const LoopSpec& spec);

RecipeResult run_loop(const std::shared_ptr<Module>& model, const RecipeConfig& config,
                      const LoopSpec& spec, const RecipeCallbacks& callbacks);

}  // namespace mt::detail
