// norm.cpp — BatchNorm and LayerNorm as compositions of recorded tensor ops (mean over the
// normalised dims kept at size 1, centred square, sqrt), so backward is autograd's; the
// running statistics are updated in place outside the graph. Not a fused kernel.
#include <minitorch/nn/norm.hpp>
#include <minitorch/tensor/autograd.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

namespace mt::nn {

namespace {

// Python's repr of a float for the small numbers options hold ("1e-05", "0.1").
std::string float_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  std::string text = buffer;
  if (text.find_first_of(".en") == std::string::npos)
    text += ".0";
  return text;
}

const char* bool_text(bool value) {
  return value ? "True" : "False";
}

void check_eps(const std::string& layer, double eps) {
  if (!(eps > 0.0) || !std::isfinite(eps))
    throw ArgumentError(layer + ": eps must be > 0 and finite, got " + std::to_string(eps));
}

// The mean over `dims` (each kept at size 1).
Tensor mean_over(const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor out = x;
  for (const int64_t d : dims)
    out = out.mean(d);
  return out;
}

// The shape of a per-channel (C) tensor broadcast against a rank-`rank` input: (1, C, 1, …).
Shape channel_shape(int64_t channels, int64_t rank) {
  Shape shape(static_cast<std::size_t>(rank), 1);
  shape[1] = channels;
  return shape;
}

}  // namespace

// ---- BatchNorm --------------------------------------------------------------------------

BatchNorm::BatchNorm(const char* kind, int64_t num_features, BatchNormOptions options,
                     TensorOptions tensor_options, int64_t min_rank, int64_t max_rank)
    : kind_(kind),
      num_features_(num_features),
      options_(options),
      min_rank_(min_rank),
      max_rank_(max_rank) {
  if (num_features < 1) {
    throw ArgumentError(std::string(kind) + ": num_features must be >= 1, got " +
                        std::to_string(num_features));
  }
  check_eps(kind, options.eps);
  if (options.momentum && !(*options.momentum >= 0.0 && *options.momentum <= 1.0)) {
    throw ArgumentError(std::string(kind) + ": momentum must be in [0, 1] (or nullopt for the " +
                        "cumulative average), got " + std::to_string(*options.momentum));
  }
  tensor_options.requires_grad = false;
  if (options.affine) {
    weight_ = &add_parameter("weight", ones({num_features}, tensor_options));
    bias_ = &add_parameter("bias", zeros({num_features}, tensor_options));
  }
  if (options.track_running_stats) {
    running_mean_ = &register_buffer("running_mean", zeros({num_features}, tensor_options));
    running_var_ = &register_buffer("running_var", ones({num_features}, tensor_options));
    num_batches_tracked_ = &register_buffer("num_batches_tracked", zeros(Shape{}, tensor_options));
  }
}

Parameter& BatchNorm::weight() const {
  if (weight_ == nullptr)
    throw ArgumentError(std::string(kind_) + " was made with affine = false: it has no weight");
  return *weight_;
}

Parameter& BatchNorm::bias() const {
  if (bias_ == nullptr)
    throw ArgumentError(std::string(kind_) + " was made with affine = false: it has no bias");
  return *bias_;
}

Tensor& BatchNorm::running_mean() const {
  if (running_mean_ == nullptr) {
    throw ArgumentError(std::string(kind_) +
                        " was made with track_running_stats = false: it has no running_mean");
  }
  return *running_mean_;
}

Tensor& BatchNorm::running_var() const {
  if (running_var_ == nullptr) {
    throw ArgumentError(std::string(kind_) +
                        " was made with track_running_stats = false: it has no running_var");
  }
  return *running_var_;
}

Tensor& BatchNorm::num_batches_tracked() const {
  if (num_batches_tracked_ == nullptr) {
    throw ArgumentError(std::string(kind_) +
                        " was made with track_running_stats = false: it has no "
                        "num_batches_tracked");
  }
  return *num_batches_tracked_;
}

Tensor BatchNorm::forward(const Tensor& x) const {
  const int64_t rank = x.dims();
  if (rank < min_rank_ || rank > max_rank_ || x.size(1) != num_features_) {
    const std::string c = std::to_string(num_features_);
    const std::string allowed = max_rank_ == 3   ? "(N, " + c + ") or (N, " + c + ", L)"
                                : max_rank_ == 4 ? "(N, " + c + ", H, W)"
                                                 : "(N, " + c + ", ...)";
    throw ShapeError(std::string(kind_) + "(" + c + "): input " + shape_to_string(x.shape()) +
                     " must be " + allowed);
  }
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < rank; ++d)
    dims.push_back(d);
  const Shape per_channel = channel_shape(num_features_, rank);
  const bool use_batch = training() || running_mean_ == nullptr;
  Tensor mean;
  Tensor var;
  if (use_batch) {
    const int64_t count = x.numel() / num_features_;
    if (training() && count <= 1) {
      throw ShapeError(std::string(kind_) + ": input " + shape_to_string(x.shape()) +
                       " has 1 value per channel; training needs more than 1 (torch's rule)");
    }
    mean = mean_over(x, dims);
    const Tensor centred = x - mean;
    var = mean_over(centred * centred, dims);
    if (training() && running_mean_ != nullptr) {
      NoGradGuard no_grad;
      num_batches_tracked_->add_(full(Shape{}, 1.0, num_batches_tracked_->options()));
      // The cumulative average reads the count (one host read); a set momentum does not.
      const double m = options_.momentum ? *options_.momentum : 1.0 / num_batches_tracked_->item();
      const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      const Tensor batch_mean = mean.detach().reshape({num_features_});
      const Tensor batch_var = var.detach().reshape({num_features_});
      const Tensor new_mean = *running_mean_ * (1.0 - m) + batch_mean * m;
      const Tensor new_var = *running_var_ * (1.0 - m) + batch_var * (m * unbias);
      running_mean_->copy_(new_mean);
      running_var_->copy_(new_var);
    }
  } else {
    mean = running_mean_->reshape(per_channel);
    var = running_var_->reshape(per_channel);
  }
  Tensor y = (x - mean) / (var + options_.eps).sqrt();
  if (weight_ != nullptr)
    y = y * weight_->value().reshape(per_channel) + bias_->value().reshape(per_channel);
  return y;
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + float_text(options_.eps) +
         ", momentum=" + (options_.momentum ? float_text(*options_.momentum) : "None") +
         ", affine=" + bool_text(options_.affine) +
         ", track_running_stats=" + bool_text(options_.track_running_stats);
}

// ---- LayerNorm --------------------------------------------------------------------------

LayerNorm::LayerNorm(Shape normalized_shape, LayerNormOptions options, TensorOptions tensor_options)
    : normalized_shape_(std::move(normalized_shape)), options_(options) {
  if (normalized_shape_.empty())
    throw ArgumentError(
        "LayerNorm: normalized_shape is empty; give the trailing dims to normalise");
  for (const int64_t size : normalized_shape_) {
    if (size < 1) {
      throw ArgumentError("LayerNorm: normalized_shape " + shape_to_string(normalized_shape_) +
                          " has a size < 1");
    }
  }
  check_eps("LayerNorm", options.eps);
  tensor_options.requires_grad = false;
  if (options.elementwise_affine) {
    weight_ = &add_parameter("weight", ones(normalized_shape_, tensor_options));
    if (options.bias)
      bias_ = &add_parameter("bias", zeros(normalized_shape_, tensor_options));
  }
}

Parameter& LayerNorm::weight() const {
  if (weight_ == nullptr)
    throw ArgumentError("LayerNorm was made with elementwise_affine = false: it has no weight");
  return *weight_;
}

Parameter& LayerNorm::bias() const {
  if (bias_ == nullptr)
    throw ArgumentError("LayerNorm was made without a bias (elementwise_affine or bias false)");
  return *bias_;
}

Tensor LayerNorm::forward(const Tensor& x) const {
  const auto n = static_cast<int64_t>(normalized_shape_.size());
  const int64_t rank = x.dims();
  const bool fits = rank >= n && Shape(x.shape().end() - n, x.shape().end()) == normalized_shape_;
  if (!fits) {
    throw ShapeError("LayerNorm: input " + shape_to_string(x.shape()) +
                     " must end in normalized_shape " + shape_to_string(normalized_shape_));
  }
  std::vector<int64_t> dims;
  for (int64_t d = rank - n; d < rank; ++d)
    dims.push_back(d);
  const Tensor mean = mean_over(x, dims);
  const Tensor centred = x - mean;
  const Tensor var = mean_over(centred * centred, dims);
  Tensor y = centred / (var + options_.eps).sqrt();
  if (weight_ != nullptr)
    y = y * weight_->value();
  if (bias_ != nullptr)
    y = y + bias_->value();
  return y;
}

std::string LayerNorm::extra_repr() const {
  std::string dims = "(";
  for (std::size_t i = 0; i < normalized_shape_.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(normalized_shape_[i]);
  if (normalized_shape_.size() == 1)
    dims += ",";
  dims += ")";
  return dims + ", eps=" + float_text(options_.eps) +
         ", elementwise_affine=" + bool_text(options_.elementwise_affine);
}

}  // namespace mt::nn
