// conv.cpp — conv1d / conv2d as autograd functions (MiniTorch's Conv1dFun and
// Conv2dFun): the forward and both gradients are each one backend conv call on
// views, with MiniTorch's permute trick for the weight gradient and the
// reversed convolution for the input gradient; and torch's padding / stride /
// dilation options built around that same slot from differentiable
// zero-embeddings (padding, dilation) and a phase split (stride). No im2col,
// no groups.
#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "tensor/dispatch.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

namespace mt::nn {

namespace {

using Grads = std::vector<Tensor>;

// The argument checks shared by both ranks; `spatial` is 1 or 2.
void check_conv_args(const Tensor& input, const Tensor& weight, int64_t spatial, const char* what) {
  const int64_t rank = spatial + 2;
  const char* input_layout =
      spatial == 1 ? "(batch, in_channels, width)" : "(batch, in_channels, height, width)";
  const char* weight_layout = spatial == 1 ? "(out_channels, in_channels, kernel_width)"
                                           : "(out_channels, in_channels, kernel_h, kernel_w)";
  if (input.dims() != rank || weight.dims() != rank) {
    throw ShapeError(std::string(what) + ": input " + shape_to_string(input.shape()) +
                     " and weight " + shape_to_string(weight.shape()) + " must both be " +
                     std::to_string(rank) + "-D: input " + input_layout + ", weight " +
                     weight_layout);
  }
  if (input.size(1) != weight.size(1)) {
    throw ShapeError(std::string(what) + ": input " + shape_to_string(input.shape()) + " has " +
                     std::to_string(input.size(1)) + " channels but weight " +
                     shape_to_string(weight.shape()) + " expects " +
                     std::to_string(weight.size(1)) + " (dim 1 of both must agree)");
  }
  dispatch::check_compatible(input, weight, what);
}

// The (1, 0, 2[, 3]) permutation that swaps the first two dims.
std::vector<int64_t> swap_first_two(int64_t rank) {
  std::vector<int64_t> order{1, 0, 2};
  if (rank == 4)
    order.push_back(3);
  return order;
}

// The conv slot's output has the spatial sizes of `out_shape` (MiniTorch's
// same-size conv passes the input's; the slot allows any).
Tensor conv_forward(const Tensor& input, const Tensor& weight, Shape out_shape) {
  out_shape[1] = weight.size(0);
  Tensor out = Tensor::empty(std::move(out_shape), input.options());
  dispatch::conv_into(out, input, weight, false);
  return out;
}

struct ConvNode final : Node {
  const char* name() const override { return inputs[0].dims() == 3 ? "Conv1d" : "Conv2d"; }

  Grads backward(const Tensor& g) override {
    const Tensor& input = inputs[0];
    const Tensor& weight = inputs[1];
    const std::vector<int64_t> swap = swap_first_two(input.dims());
    Tensor grad_input;
    Tensor grad_weight;
    if (needs_grad(0)) {
      // gi[b,c,t] = Σ_o Σ_k g[b,o,t−k] · w[o,c,k]: the reversed conv of g
      // with the weight's channel dims swapped, (Cin, Cout, K).
      grad_input = Tensor::empty(input.shape(), input.options());
      dispatch::conv_into(grad_input, g, weight.permute(swap), true);
    }
    if (needs_grad(1)) {
      // gw[o,c,k] = Σ_b Σ_t in[b,c,t+k] · g[b,o,t]: a forward conv where the
      // input channels act as the batch and the batch as the channels. The
      // result is (Cin, Cout, K); writing it through a permuted view of a
      // (Cout, Cin, K) tensor leaves the gradient contiguous.
      grad_weight = Tensor::empty(weight.shape(), weight.options());
      dispatch::conv_into(grad_weight.permute(swap), input.permute(swap), g.permute(swap), false);
    }
    return {grad_input, grad_weight};
  }
};

Tensor conv(const Tensor& input, const Tensor& weight, int64_t spatial, const char* what) {
  check_conv_args(input, weight, spatial, what);
  Tensor out = conv_forward(input, weight, input.shape());
  record<ConvNode>(out, input, weight);
  return out;
}

// ---- torch's options on top of the same-size conv ----------------------------

// A strided window of `t`: along every dim d, count[d] elements starting at
// start[d], step[d] apart (a view sharing t's storage, not recorded).
Tensor strided_window(const Tensor& t, const Shape& start, const Shape& step, const Shape& count) {
  Strides strides = t.strides();
  int64_t offset = t.offset();
  for (std::size_t d = 0; d < strides.size(); ++d) {
    offset += start[d] * strides[d];
    strides[d] *= step[d];
  }
  return Tensor::from_storage(t.storage(), Layout(count, std::move(strides), offset));
}

// Embed: zeros of `shape` with the input written into the strided window
// (start, step). Padding (step 1, start p) and weight dilation (step d) are
// both this; its gradient is the same window of g.
struct Embed final : Node {
  Shape start;
  Shape step;
  const char* name() const override { return "ConvEmbed"; }
  Grads backward(const Tensor& g) override {
    return {strided_window(g, start, step, inputs[0].shape())};
  }
};

bool is_identity(const Shape& start, const Shape& step) {
  return std::all_of(start.begin(), start.end(), [](int64_t v) { return v == 0; }) &&
         std::all_of(step.begin(), step.end(), [](int64_t v) { return v == 1; });
}

Tensor embed(const Tensor& input, Shape shape, Shape start, Shape step) {
  if (is_identity(start, step) && shape == input.shape())
    return input;
  Tensor out = zeros(std::move(shape), input.options());
  strided_window(out, start, step, input.shape()).copy_(input.detach());
  if (auto* node = record<Embed>(out, input)) {
    node->start = std::move(start);
    node->step = std::move(step);
  }
  return out;
}

// Per spatial dim: stride, padding, dilation.
struct SpatialOptions {
  int64_t stride;
  int64_t padding;
  int64_t dilation;
};

Tensor conv_with_options(const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const std::vector<SpatialOptions>& dims, const char* what) {
  const auto spatial = static_cast<int64_t>(dims.size());
  check_conv_args(input, weight, spatial, what);
  const char* axis[] = {"height", "width"};
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::string where = spatial == 1 ? std::string() : std::string(" (") + axis[i] + ")";
    const SpatialOptions& o = dims[i];
    if (o.stride < 1 || o.dilation < 1 || o.padding < 0) {
      throw ArgumentError(std::string(what) + where + ": stride " + std::to_string(o.stride) +
                          ", padding " + std::to_string(o.padding) + ", dilation " +
                          std::to_string(o.dilation) +
                          " is not allowed; need stride >= 1, padding >= 0, dilation >= 1");
    }
  }
  const int64_t rank = spatial + 2;
  Shape padded_shape = input.shape();
  Shape pad_start(static_cast<std::size_t>(rank), 0);
  Shape dilated_shape = weight.shape();
  Shape ones(static_cast<std::size_t>(rank), 1);
  Shape dilation_step = ones;
  Shape stride_step = ones;
  Shape out_shape = input.shape();
  out_shape[1] = weight.size(0);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::size_t d = i + 2;
    const SpatialOptions& o = dims[i];
    const int64_t length = input.shape()[d];
    const int64_t k = weight.shape()[d];
    if (k < 1) {
      throw ShapeError(std::string(what) + ": weight " + shape_to_string(weight.shape()) +
                       " has an empty kernel in dim " + std::to_string(d));
    }
    int64_t padded = 0;
    int64_t span = 0;  // d(k − 1) + 1, the dilated kernel's extent
    if (!checked_mul(o.padding, 2, padded) ||
        padded > std::numeric_limits<int64_t>::max() - length ||
        !checked_mul(o.dilation, k - 1, span) || span == std::numeric_limits<int64_t>::max()) {
      throw ArgumentError(std::string(what) + ": padding " + std::to_string(o.padding) +
                          " or dilation " + std::to_string(o.dilation) + " is too large");
    }
    padded += length;
    span += 1;
    if (span > padded) {
      throw ShapeError(std::string(what) + ": input " + shape_to_string(input.shape()) +
                       " padded by " + std::to_string(o.padding) + " is " + std::to_string(padded) +
                       " long in dim " + std::to_string(d) + ", shorter than the kernel " +
                       shape_to_string(weight.shape()) + " spans with dilation " +
                       std::to_string(o.dilation) + " (" + std::to_string(span) + ")");
    }
    padded_shape[d] = padded;
    pad_start[d] = o.padding;
    dilated_shape[d] = span;
    dilation_step[d] = o.dilation;
    stride_step[d] = o.stride;
    out_shape[d] = (padded - span) / o.stride + 1;
  }
  if (bias.defined()) {
    dispatch::check_compatible(input, bias, what);
    if (bias.dims() != 1 || bias.size(0) != weight.size(0)) {
      throw ShapeError(std::string(what) + ": bias " + shape_to_string(bias.shape()) +
                       " must be 1-D with one value per output channel (" +
                       std::to_string(weight.size(0)) + ", from weight " +
                       shape_to_string(weight.shape()) + ")");
    }
  }
  // Stride by phases: a stride-s dim of length s·n is seen as s phase
  // channels of length n (x[u·s + r] is phase r at u), and the dilated kernel,
  // zero-extended to s·Q taps, as Q taps per phase. Then
  //   out[t] = Σ_j x[t·s + j]·w[j] = Σ_r Σ_q phase_r[t + q]·w[q·s + r],
  // a stride-1 conv that computes exactly the strided outputs (no discarded
  // work). With every stride 1 the views below are the identity.
  Shape x_shape = padded_shape;
  Shape w_shape = dilated_shape;
  Shape x_split{input.size(0), input.size(1)};
  Shape w_split{weight.size(0), weight.size(1)};
  Shape x_phases{input.size(0), input.size(1)};
  Shape w_phases{weight.size(0), weight.size(1)};
  std::vector<int64_t> order{0, 1};
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::size_t d = i + 2;
    const int64_t stride = stride_step[d];
    const int64_t n = (padded_shape[d] + stride - 1) / stride;   // phase length
    const int64_t q = (dilated_shape[d] + stride - 1) / stride;  // taps per phase
    x_shape[d] = n * stride;
    w_shape[d] = q * stride;
    x_split.insert(x_split.end(), {n, stride});
    w_split.insert(w_split.end(), {q, stride});
    x_phases[1] *= stride;
    w_phases[1] *= stride;
    order.push_back(static_cast<int64_t>(2 * i + 3));  // the phase dims first ...
  }
  for (std::size_t i = 0; i < dims.size(); ++i) {
    order.push_back(static_cast<int64_t>(2 * i + 2));  // ... then the positions
    x_phases.push_back(x_split[2 * i + 2]);
    w_phases.push_back(w_split[2 * i + 2]);
  }
  Tensor x = embed(input, x_shape, pad_start, ones);
  Tensor w = embed(weight, w_shape, Shape(static_cast<std::size_t>(rank), 0), dilation_step);
  const bool strided =
      std::any_of(stride_step.begin(), stride_step.end(), [](int64_t v) { return v != 1; });
  if (strided) {
    x = x.reshape(x_split).permute(order).reshape(x_phases);
    w = w.reshape(w_split).permute(order).reshape(w_phases);
  }
  Tensor out = conv_forward(x, w, out_shape);
  record<ConvNode>(out, x, w);
  if (!bias.defined())
    return out;
  Shape bias_shape(static_cast<std::size_t>(rank), 1);
  bias_shape[1] = weight.size(0);
  return out + bias.reshape(std::move(bias_shape));
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dOptions& options,
              const Tensor& bias) {
  return conv_with_options(input, weight, bias,
                           {{options.stride, options.padding, options.dilation}}, "conv1d");
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dOptions& options,
              const Tensor& bias) {
  return conv_with_options(input, weight, bias,
                           {{options.stride.h, options.padding.h, options.dilation.h},
                            {options.stride.w, options.padding.w, options.dilation.w}},
                           "conv2d");
}

Tensor conv1d(const Tensor& input, const Tensor& weight) {
  return conv(input, weight, 1, "conv1d");
}

Tensor conv2d(const Tensor& input, const Tensor& weight) {
  return conv(input, weight, 2, "conv2d");
}

}  // namespace mt::nn
