// minitorch/nn/layers.hpp — the layers of MiniTorch's Module-4 networks as
// mt::Module subclasses: Linear, Conv1d, Conv2d and Dropout, with PyTorch's
// default initialisation. Parameters are named "weights" and "bias" as in
// MiniTorch. The conv layers have two forms: MiniTorch's same-size one and
// torch's (stride, padding, dilation, optional bias). Not containers.
#pragma once

#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mt::nn {

// y = x @ weights + bias; weights (in, out), bias (out); x (..., in).
// Both drawn from U(−1/√in, 1/√in). `options` picks dtype and backend
// (its requires_grad is ignored: parameters always require grad). With
// bias = false (torch's bias=False) there is no bias parameter: y = x @ weights.
class Linear : public Module {
 public:
  // ArgumentError unless both sizes are >= 1.
  Linear(int64_t in_features, int64_t out_features, TensorOptions options = {}, bool bias = true);

  // ShapeError naming both shapes unless x's last dim is in_features.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  Parameter& weights() const { return *weights_; }
  // ArgumentError when the layer was made with bias = false.
  Parameter& bias() const;
  bool has_bias() const { return bias_ != nullptr; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  std::string extra_repr() const override;

 private:
  int64_t in_features_;
  int64_t out_features_;
  Parameter* weights_;
  Parameter* bias_ = nullptr;
};

// conv1d(x, weights) + bias: x (B, in, W) -> (B, out, W); weights
// (out, in, k), bias (1, out, 1) broadcast over batch and width. Both drawn
// from U(−b, b) with b = 1/√(in·k) (PyTorch's default).
class Conv1d : public Module {
 public:
  // ArgumentError unless every size is >= 1.
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_width,
         TensorOptions options = {});
  // torch.nn.Conv1d: nn::conv1d(x, weights, conv, bias), x (B, in, L) ->
  // (B, out, Lout); weights (out, in, k), bias (out) when `bias` is true (no
  // "bias" parameter otherwise); the same initialisation. E.g.
  // Conv1d(3, 8, 5, {.stride = 2, .padding = 2}). ArgumentError for sizes < 1
  // or bad conv options.
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_width, const Conv1dOptions& conv,
         TensorOptions options = {}, bool bias = true);

  // ShapeError (from nn::conv1d) for a wrong rank or channel count.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  Parameter& weights() const { return *weights_; }
  // ArgumentError for a torch-form layer made with bias = false.
  Parameter& bias() const;
  bool has_bias() const { return bias_ != nullptr; }
  // The torch options, or none for MiniTorch's same-size form.
  const std::optional<Conv1dOptions>& conv_options() const { return conv_; }
  std::string extra_repr() const override;

 private:
  int64_t in_channels_;
  int64_t out_channels_;
  int64_t kernel_width_;
  std::optional<Conv1dOptions> conv_;
  Parameter* weights_;
  Parameter* bias_ = nullptr;
};

// conv2d(x, weights) + bias: x (B, in, H, W) -> (B, out, H, W); weights
// (out, in, kh, kw), bias (out, 1, 1) broadcast over batch, height and width.
// Both drawn from U(−b, b) with b = 1/√(in·kh·kw).
class Conv2d : public Module {
 public:
  // ArgumentError unless every size is >= 1.
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
         TensorOptions options = {});
  // torch.nn.Conv2d: nn::conv2d(x, weights, conv, bias), weights
  // (out, in, kh, kw), bias (out) when `bias` is true. `kernel` is 3 or {3, 5}.
  // E.g. Conv2d(1, 6, 5, {.padding = 2}). ArgumentError for sizes < 1 or bad
  // conv options.
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, const Conv2dOptions& conv,
         TensorOptions options = {}, bool bias = true);

  // ShapeError (from nn::conv2d) for a wrong rank or channel count.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  Parameter& weights() const { return *weights_; }
  // ArgumentError for a torch-form layer made with bias = false.
  Parameter& bias() const;
  bool has_bias() const { return bias_ != nullptr; }
  const std::optional<Conv2dOptions>& conv_options() const { return conv_; }
  std::string extra_repr() const override;

 private:
  int64_t in_channels_;
  int64_t out_channels_;
  int64_t kernel_h_;
  int64_t kernel_w_;
  std::optional<Conv2dOptions> conv_;
  Parameter* weights_;
  Parameter* bias_ = nullptr;
};

// x.relu() and x.sigmoid() as modules, for a Sequential (torch::nn::ReLU / Sigmoid).
class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) const { return x.relu(); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) const { return x.sigmoid(); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

// Merges dims start_dim..end_dim into one (torch::nn::Flatten; by default every dim but the
// batch): (B, C, H, W) -> (B, C·H·W). Negative dims count from the end.
class Flatten : public Module {
 public:
  // Checked when called: ArgumentError unless both dims are in range and start <= end.
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  int64_t start_dim_;
  int64_t end_dim_;
};

// nn::dropout(x, rate, training()): active only in training mode, so eval()
// turns it off (MiniTorch's scripts left it on during evaluation).
class Dropout : public Module {
 public:
  // ArgumentError unless 0 <= rate <= 1.
  explicit Dropout(double rate);

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  double rate() const { return rate_; }
  std::string extra_repr() const override;

 private:
  double rate_;
};

}  // namespace mt::nn
