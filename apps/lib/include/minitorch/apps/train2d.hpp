// minitorch/apps/train2d.hpp — MiniTorch's run_fast_tensor recipe: the
// 2 -> H -> H -> 1 MLP (ReLU, ReLU, sigmoid) trained on one of the six 2-D
// datasets through the same loop as the CNN recipes (recipes.hpp). The CLI's
// `train --dataset xor` is a thin wrapper. No loop of its own.
#pragma once

#include <minitorch/apps/plot.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/teaching/datasets.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mt {

// MiniTorch's Linear of run_fast_tensor: y = x @ W + b with W ~ U[-0.5, 0.5)
// and b = 0.1 (nn::Linear uses PyTorch's initialisation instead).
class MiniTorchLinear : public Module {
 public:
  MiniTorchLinear(int64_t in_features, int64_t out_features, const TensorOptions& options);
  Tensor operator()(const Tensor& x) const;

 private:
  Parameter* weight_;
  Parameter* bias_;
};

// 2 -> hidden -> hidden -> 1. forward() returns the logit; the probability is
// its sigmoid (the loss uses the logit for numerical stability).
class Mlp2D : public Module {
 public:
  Mlp2D(int64_t hidden, const TensorOptions& options);
  Tensor logits(const Tensor& x) const;                                     // (B, 1)
  Tensor operator()(const Tensor& x) const { return logits(x).sigmoid(); }  // MiniTorch's output

 private:
  std::shared_ptr<MiniTorchLinear> layer1_, layer2_, layer3_;
};

// Binary cross-entropy of sigmoid(logits) against 0/1 labels, summed over the
// batch, computed as max(z,0) − z·y + log(1 + e^−|z|): the value MiniTorch's
// −log(p·y + (p−1)(y−1)) gives, without its log(0) = −inf when p saturates.
// Its gradient is sigmoid(z) − y for every z, z = 0 included.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& labels);

// MiniTorch's run_fast_tensor.py as a recipe of the one training loop: trains
// Mlp2D on `data` with mean BCE per batch and evaluates on the same points
// after every epoch (MiniTorch reports accuracy on its training set; there is
// no test set). Make `data` with make_dataset(config.dataset, config.points,
// config.seed): the checkpoint records points and seed, not the points
// themselves. ArgumentError for bad sizes, DataError for a checkpoint that
// is corrupt or does not match the config.
RecipeResult train_mlp2d_recipe(const Graph& data, const RecipeConfig& config,
                                const RecipeCallbacks& callbacks = {});

// The model's P(class 1) over [0,1]^2 on a resolution^2 grid, and the points.
DecisionBoundary decision_boundary(const Mlp2D& model, const Graph& data,
                                   const TensorOptions& options, int resolution = 60);

}  // namespace mt
