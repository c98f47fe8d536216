// minitorch/nn/norm.hpp — torch's normalisation layers: BatchNorm1d, BatchNorm2d and LayerNorm,
// built from tensor ops so autograd gives their gradients, with torch's parameter and buffer
// names (state dicts interchange). Not fused kernels; no GroupNorm or InstanceNorm.
#pragma once

#include <minitorch/nn/module.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mt::nn {

// torch.nn.BatchNorm*d's keyword arguments; with designated initializers:
// BatchNorm2d(16, {.momentum = 0.01}).
struct BatchNormOptions {
  double eps = 1e-5;  // added to the variance; > 0
  // running = (1 − momentum)·running + momentum·batch, momentum in [0, 1]; nullopt (torch's
  // None) is the cumulative average: momentum = 1 / num_batches_tracked.
  std::optional<double> momentum = 0.1;
  bool affine = true;  // learn "weight" (ones) and "bias" (zeros), each (C)
  // Keep the buffers "running_mean" (zeros, C), "running_var" (ones, C) and
  // "num_batches_tracked" (0, shape (), in the module's dtype: exact up to 2^24 in f32).
  bool track_running_stats = true;
};

// Normalises each channel (dim 1) over every other dim. In training mode (or without running
// stats) it uses the batch's mean and biased variance, and updates the running statistics
// with the unbiased variance, as torch; in eval mode it uses the running statistics.
// Shared by BatchNorm1d and BatchNorm2d, which only fix the accepted ranks.
class BatchNorm : public Module {
 public:
  // Tensor-free accessors; weight()/bias() need affine, the running stats need tracking
  // (ArgumentError otherwise).
  Parameter& weight() const;
  Parameter& bias() const;
  Tensor& running_mean() const;
  Tensor& running_var() const;
  Tensor& num_batches_tracked() const;
  int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }

  // ShapeError naming the shape unless the rank is allowed and dim 1 is num_features;
  // ShapeError in training mode when a channel has a single value.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 protected:
  // ArgumentError unless num_features >= 1, eps > 0 and momentum (when set) in [0, 1].
  BatchNorm(const char* kind, int64_t num_features, BatchNormOptions options,
            TensorOptions tensor_options, int64_t min_rank, int64_t max_rank);

 private:
  const char* kind_;
  int64_t num_features_;
  BatchNormOptions options_;
  int64_t min_rank_;
  int64_t max_rank_;
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
  Tensor* running_mean_ = nullptr;
  Tensor* running_var_ = nullptr;
  Tensor* num_batches_tracked_ = nullptr;
};

// Input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {},
                       TensorOptions tensor_options = {})
      : BatchNorm("BatchNorm1d", num_features, options, std::move(tensor_options), 2, 3) {}
};

// Input (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {},
                       TensorOptions tensor_options = {})
      : BatchNorm("BatchNorm2d", num_features, options, std::move(tensor_options), 4, 4) {}
};

struct LayerNormOptions {
  double eps = 1e-5;               // > 0
  bool elementwise_affine = true;  // learn "weight" (ones) of normalized_shape
  bool bias = true;                // and "bias" (zeros), when elementwise_affine
};

// torch.nn.LayerNorm: normalises over the trailing dims given by normalized_shape, with the
// biased variance, the same in training and eval.
class LayerNorm : public Module {
 public:
  // ArgumentError unless normalized_shape is non-empty with every size >= 1, and eps > 0.
  explicit LayerNorm(Shape normalized_shape, LayerNormOptions options = {},
                     TensorOptions tensor_options = {});

  // ShapeError naming both shapes unless x ends in normalized_shape.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  // ArgumentError when there is no such parameter.
  Parameter& weight() const;
  Parameter& bias() const;
  const Shape& normalized_shape() const { return normalized_shape_; }
  std::string extra_repr() const override;

 private:
  Shape normalized_shape_;
  LayerNormOptions options_;
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
};

}  // namespace mt::nn
