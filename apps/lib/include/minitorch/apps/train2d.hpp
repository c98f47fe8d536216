// minitorch/apps/train2d.hpp — MiniTorch's run_fast_tensor recipe as a library
// call: the 2 -> H -> H -> 1 MLP (ReLU, ReLU, sigmoid) trained with SGD on one
// of the six 2-D datasets. The CLI's `train --dataset xor` is a thin wrapper.
#pragma once

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

struct Train2DConfig {
  std::string dataset = "simple";
  int points = 50;
  int hidden = 10;
  double rate = 0.05;
  int epochs = 500;
  int batch = 10;
  uint64_t seed = 42;
  BackendPtr backend;  // null: default_backend()
  DType dtype = DType::f32;
  // Checkpoints (see checkpoint.hpp): resume_from continues a run saved with
  // the same dataset and hyper-parameters up to `epochs` in total, with the
  // same numbers an uninterrupted run gives; save_to is rewritten after
  // every epoch. Empty paths: neither.
  std::filesystem::path resume_from;
  std::filesystem::path save_to;
};

struct EpochStats {
  int epoch = 0;    // 1-based
  double loss = 0;  // summed BCE over the epoch's batches
  int correct = 0;  // over the whole dataset after the epoch
  int total = 0;
  double seconds = 0;  // wall time of the epoch's training steps
};

struct Train2DResult {
  std::vector<EpochStats> epochs;  // every epoch of the run, resumed ones included
  int resumed_epochs = 0;          // how many of them came from the checkpoint
  Graph data;
  std::shared_ptr<Mlp2D> model;
};

// Trains and calls on_epoch after every (new) epoch. Throws ArgumentError for
// a bad dataset name or non-positive sizes, DataError for a checkpoint that is
// corrupt or does not match the config.
Train2DResult train_2d(const Train2DConfig& config,
                       const std::function<void(const EpochStats&)>& on_epoch = {});

}  // namespace mt
