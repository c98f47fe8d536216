// loop.hpp (private to libminitorch_apps) — the one training loop every
// recipe runs: shuffle, mini-batch steps, eval-mode evaluation, checkpoints
// (at the end, every --save-every epochs, and at the batch boundary where
// Ctrl-C stops it). It knows no model or data: a recipe hands it functions
// that turn a batch of example indices into a mean loss and a hit count.
#pragma once

#include <minitorch/apps/recipes.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>

namespace mt::detail {

// A batch of example indices -> mean loss over the batch (shape (1)), and the
// number of those examples the model got right (written to *correct).
// The seam for a DataLoader (core's data API, issue 15): the loop owns the
// shuffled order (so checkpoints can resume mid-epoch), and a recipe may
// build the batch for those indices however it likes; today each gathers
// its rows on the host (ImageSet::images, SentimentData::embed).
using BatchLoss = std::function<Tensor(std::span<const int64_t>, int64_t* correct)>;

struct LoopSpec {
  std::string recipe;  // "mlp2d", "lenet", "kim-cnn"
  int64_t train_count = 0;
  int64_t eval_count = 0;
  BatchLoss train_loss;
  BatchLoss eval_loss;
};

// Checks the config's sizes for `spec` (ArgumentError naming the value).
void check_config(const RecipeConfig& config, const LoopSpec& spec);

RecipeResult run_loop(const std::shared_ptr<Module>& model, const RecipeConfig& config,
                      const LoopSpec& spec, const RecipeCallbacks& callbacks);

}  // namespace mt::detail
