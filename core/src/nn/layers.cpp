// layers.cpp — construction (sizes checked, PyTorch-style init) and forward
// passes of Linear, Conv1d, Conv2d (both forms) and Dropout. The math lives in
// functional.cpp and conv.cpp; this file only wires parameters to it.
#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/init.hpp>
#include <minitorch/nn/layers.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string>

namespace mt::nn {

namespace {

void check_sizes(const char* layer, std::initializer_list<std::pair<const char*, int64_t>> sizes) {
  for (const auto& [name, value] : sizes) {
    if (value < 1) {
      throw ArgumentError(std::string(layer) + ": " + name + " must be >= 1, got " +
                          std::to_string(value));
    }
  }
}

// stride >= 1, padding >= 0, dilation >= 1 for each (stride, padding,
// dilation) triple, checked when the layer is made rather than at forward.
void check_conv_options(const char* layer, std::initializer_list<std::array<int64_t, 3>> per_dim) {
  for (const auto& [stride, padding, dilation] : per_dim) {
    if (stride < 1 || padding < 0 || dilation < 1) {
      throw ArgumentError(std::string(layer) + ": stride " + std::to_string(stride) + ", padding " +
                          std::to_string(padding) + ", dilation " + std::to_string(dilation) +
                          " is not allowed; need stride >= 1, padding >= 0, dilation >= 1");
    }
  }
}

// A parameter tensor drawn from U(−bound, bound) beside `options`.
Tensor uniform_parameter(Shape shape, double bound, TensorOptions options) {
  options.requires_grad = true;
  return init::uniform(std::move(shape), -bound, bound, options);
}

}  // namespace

// ---- Linear ---------------------------------------------------------------------

Linear::Linear(int64_t in_features, int64_t out_features, TensorOptions options, bool bias)
    : in_features_(in_features), out_features_(out_features) {
  check_sizes("Linear", {{"in_features", in_features}, {"out_features", out_features}});
  const double bound = init::default_bound(in_features);
  weights_ =
      &add_parameter("weights", uniform_parameter({in_features, out_features}, bound, options));
  if (bias)
    bias_ = &add_parameter("bias", uniform_parameter({out_features}, bound, options));
}

Parameter& Linear::bias() const {
  if (!bias_)
    throw ArgumentError("Linear: this layer was made with bias = false; it has no bias");
  return *bias_;
}

Tensor Linear::forward(const Tensor& x) const {
  if (x.dims() < 1 || x.size(-1) != in_features_) {
    throw ShapeError("Linear(" + std::to_string(in_features_) + " -> " +
                     std::to_string(out_features_) + "): input " + shape_to_string(x.shape()) +
                     " must end in " + std::to_string(in_features_) + " features (weights " +
                     shape_to_string(weights_->value().shape()) + ")");
  }
  const Tensor y = x.matmul(weights_->value());
  return bias_ ? y + bias_->value() : y;
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) +
         ", out_features=" + std::to_string(out_features_) + (bias_ ? "" : ", bias=false");
}

// ---- Conv1d ---------------------------------------------------------------------

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_width,
               TensorOptions options)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_width_(kernel_width) {
  check_sizes("Conv1d", {{"in_channels", in_channels},
                         {"out_channels", out_channels},
                         {"kernel_width", kernel_width}});
  // The weight's element count is checked first (it names the shape when it
  // is too large), so the fan-in product below cannot overflow.
  const Shape weight_shape{out_channels, in_channels, kernel_width};
  shape_size(weight_shape);
  const double bound = init::default_bound(in_channels * kernel_width);
  weights_ = &add_parameter("weights", uniform_parameter(weight_shape, bound, options));
  bias_ = &add_parameter("bias", uniform_parameter({1, out_channels, 1}, bound, options));
}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_width,
               const Conv1dOptions& conv, TensorOptions options, bool bias)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_width_(kernel_width),
      conv_(conv) {
  check_sizes("Conv1d", {{"in_channels", in_channels},
                         {"out_channels", out_channels},
                         {"kernel_width", kernel_width}});
  check_conv_options("Conv1d", {{conv.stride, conv.padding, conv.dilation}});
  const Shape weight_shape{out_channels, in_channels, kernel_width};
  shape_size(weight_shape);  // checked first, as above
  const double bound = init::default_bound(in_channels * kernel_width);
  weights_ = &add_parameter("weights", uniform_parameter(weight_shape, bound, options));
  if (bias)
    bias_ = &add_parameter("bias", uniform_parameter({out_channels}, bound, options));
}

Tensor Conv1d::forward(const Tensor& x) const {
  if (conv_)
    return conv1d(x, weights_->value(), *conv_, bias_ ? bias_->value() : Tensor());
  return conv1d(x, weights_->value()) + bias_->value();
}

Parameter& Conv1d::bias() const {
  if (!bias_)
    throw ArgumentError("Conv1d: this layer was made with bias = false; it has no bias");
  return *bias_;
}

std::string Conv1d::extra_repr() const {
  std::string text = "in_channels=" + std::to_string(in_channels_) +
                     ", out_channels=" + std::to_string(out_channels_) +
                     ", kernel_width=" + std::to_string(kernel_width_);
  if (conv_) {
    text += ", stride=" + std::to_string(conv_->stride) +
            ", padding=" + std::to_string(conv_->padding) +
            ", dilation=" + std::to_string(conv_->dilation) + (bias_ ? "" : ", bias=false");
  }
  return text;
}

// ---- Conv2d ---------------------------------------------------------------------

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
               TensorOptions options)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_h_(kernel_h),
      kernel_w_(kernel_w) {
  check_sizes("Conv2d", {{"in_channels", in_channels},
                         {"out_channels", out_channels},
                         {"kernel_h", kernel_h},
                         {"kernel_w", kernel_w}});
  const Shape weight_shape{out_channels, in_channels, kernel_h, kernel_w};
  shape_size(weight_shape);  // checked first, as in Conv1d
  const double bound = init::default_bound(in_channels * kernel_h * kernel_w);
  weights_ = &add_parameter("weights", uniform_parameter(weight_shape, bound, options));
  bias_ = &add_parameter("bias", uniform_parameter({out_channels, 1, 1}, bound, options));
}

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, const Conv2dOptions& conv,
               TensorOptions options, bool bias)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_h_(kernel.h),
      kernel_w_(kernel.w),
      conv_(conv) {
  check_sizes("Conv2d", {{"in_channels", in_channels},
                         {"out_channels", out_channels},
                         {"kernel_h", kernel.h},
                         {"kernel_w", kernel.w}});
  check_conv_options("Conv2d", {{conv.stride.h, conv.padding.h, conv.dilation.h},
                                {conv.stride.w, conv.padding.w, conv.dilation.w}});
  const Shape weight_shape{out_channels, in_channels, kernel.h, kernel.w};
  shape_size(weight_shape);  // checked first, as in Conv1d
  const double bound = init::default_bound(in_channels * kernel.h * kernel.w);
  weights_ = &add_parameter("weights", uniform_parameter(weight_shape, bound, options));
  if (bias)
    bias_ = &add_parameter("bias", uniform_parameter({out_channels}, bound, options));
}

Tensor Conv2d::forward(const Tensor& x) const {
  if (conv_)
    return conv2d(x, weights_->value(), *conv_, bias_ ? bias_->value() : Tensor());
  return conv2d(x, weights_->value()) + bias_->value();
}

Parameter& Conv2d::bias() const {
  if (!bias_)
    throw ArgumentError("Conv2d: this layer was made with bias = false; it has no bias");
  return *bias_;
}

std::string Conv2d::extra_repr() const {
  std::string text = "in_channels=" + std::to_string(in_channels_) +
                     ", out_channels=" + std::to_string(out_channels_) + ", kernel=(" +
                     std::to_string(kernel_h_) + ", " + std::to_string(kernel_w_) + ")";
  if (conv_) {
    const auto pair = [](const Size2& s) {
      return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
    };
    text += ", stride=" + pair(conv_->stride) + ", padding=" + pair(conv_->padding) +
            ", dilation=" + pair(conv_->dilation) + (bias_ ? "" : ", bias=false");
  }
  return text;
}

// ---- Flatten --------------------------------------------------------------------

Flatten::Flatten(int64_t start_dim, int64_t end_dim) : start_dim_(start_dim), end_dim_(end_dim) {}

Tensor Flatten::forward(const Tensor& x) const {
  // As torch does, a 0-d tensor flattens like a 1-d one of one element.
  const int64_t rank = std::max<int64_t>(x.dims(), 1);
  const auto normal = [&](int64_t dim, const char* which) {
    const int64_t d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw ArgumentError("Flatten: " + std::string(which) + " " + std::to_string(dim) +
                          " is out of range for a tensor of shape " + shape_to_string(x.shape()) +
                          " (allowed " + std::to_string(-rank) + ".." + std::to_string(rank - 1) +
                          ")");
    }
    return d;
  };
  const int64_t start = normal(start_dim_, "start_dim");
  const int64_t end = normal(end_dim_, "end_dim");
  if (start > end) {
    throw ArgumentError("Flatten: start_dim " + std::to_string(start_dim_) +
                        " comes after end_dim " + std::to_string(end_dim_) +
                        " for a tensor of shape " + shape_to_string(x.shape()));
  }
  Shape shape;
  int64_t merged = 1;
  for (int64_t d = 0; d < x.dims(); ++d) {
    if (d < start || d > end) {
      shape.push_back(x.size(d));
    } else {
      merged *= x.size(d);
      if (d == end) {
        shape.push_back(merged);
      }
    }
  }
  if (x.dims() == 0) {
    shape = {1};
  }
  return x.reshape(shape);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

// ---- Dropout --------------------------------------------------------------------

Dropout::Dropout(double rate) : rate_(rate) {
  if (!(rate >= 0.0 && rate <= 1.0)) {
    throw ArgumentError("Dropout rate must be in [0, 1] (1 drops everything), got " +
                        std::to_string(rate));
  }
}

Tensor Dropout::forward(const Tensor& x) const {
  return dropout(x, rate_, training());
}

std::string Dropout::extra_repr() const {
  return "rate=" + std::to_string(rate_);
}

}  // namespace mt::nn
