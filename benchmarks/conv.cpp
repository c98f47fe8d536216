// conv.cpp — conv2d at the LeNet-style shapes (B16, 1→4 and 4→8, 3×3) and a
// ResNet-style layer (B32, 64→64, 3×3, 56×56), and conv1d at the sentiment
// model's (B10, 50→100, k3, W52) and the IMDB Kim CNN's widest (B32, 100→100,
// k5, W200), forward and backward, in GFLOP/s.
// Backward times the two raw conv calls nn's ConvNode::backward makes, with
// the same views (the reversed conv of the output gradient with the weight's
// channels swapped, and the forward conv of the permuted input with the
// permuted gradient as "weight"); it is not the autograd call, so no graph
// bookkeeping or allocation is in the figure. `bwd_maxpool` is the same
// backward with the output gradient a max-pool over the width hands back
// (one non-zero per (batch, channel) row), as the IMDB Kim CNN's; its
// GFLOP/s count the dense conv's work, so it reads as an effective rate.
#include "lab.hpp"

#include <algorithm>
#include <span>
#include <string>

namespace mt::bench {

namespace {

struct ConvShape {
  const char* label;
  int spatial;                                                      // 1 or 2
  int64_t batch, in_channels, out_channels, kernel, height, width;  // height 1 for conv1d
  bool run_on_reference;  // false: minutes on the reference plugin
};

// One forward pass: every output position sums Cin·KH·KW products (terms past
// the edge count, as they do for the reference and every padded GEMM).
double forward_flops(const ConvShape& s) {
  const double kernel_area = s.spatial == 2 ? double(s.kernel * s.kernel) : double(s.kernel);
  return 2.0 * double(s.batch) * double(s.out_channels) * double(s.in_channels) * kernel_area *
         double(s.height) * double(s.width);
}

Shape image_shape(const ConvShape& s, int64_t batch, int64_t channels) {
  return s.spatial == 2 ? Shape{batch, channels, s.height, s.width}
                        : Shape{batch, channels, s.width};
}

Shape weight_shape(const ConvShape& s) {
  return s.spatial == 2 ? Shape{s.out_channels, s.in_channels, s.kernel, s.kernel}
                        : Shape{s.out_channels, s.in_channels, s.kernel};
}

std::vector<int64_t> swap_first_two(int spatial) {
  return spatial == 2 ? std::vector<int64_t>{1, 0, 2, 3} : std::vector<int64_t>{1, 0, 2};
}

// The gradient of a max over the last dim: one non-zero per row, at a place
// and with a value taken from host_values (deterministic, as every tensor here).
Tensor max_pool_gradient(const Shape& shape, DType dtype, const BackendPtr& backend,
                         uint64_t seed) {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  const int64_t width = shape.back();
  const std::vector<double> draws = host_values(2 * (count / width), seed);
  std::vector<double> values(static_cast<std::size_t>(count), 0.0);
  for (int64_t r = 0; r < count / width; ++r) {
    const double unit = (draws[static_cast<std::size_t>(2 * r)] + 1.0) / 2.0;  // [0, 1)
    const int64_t at = std::min(width - 1, static_cast<int64_t>(unit * static_cast<double>(width)));
    values[static_cast<std::size_t>(r * width + at)] = draws[static_cast<std::size_t>(2 * r + 1)];
  }
  const TensorOptions options{.dtype = dtype, .backend = backend};
  if (dtype == DType::f64)
    return Tensor::from_host(std::span<const double>(values), shape, options);
  const std::vector<float> narrow(values.begin(), values.end());
  return Tensor::from_host(std::span<const float>(narrow), shape, options);
}

Case conv_case(const ConvShape& s, bool backward, bool max_pooled = false) {
  Case c;
  c.name = std::string(s.spatial == 2 ? "conv2d/" : "conv1d/") +
           (backward ? (max_pooled ? "bwd_maxpool/" : "bwd/") : "fwd/") + s.label;
  c.flops = forward_flops(s) * (backward ? 2.0 : 1.0);
  c.tolerance = 1e-4;
  c.run_on_reference = s.run_on_reference;
  // Large problems: the reference recomputes one image (or one input channel).
  const int64_t slice = s.run_on_reference ? 0 : 1;
  c.build = [s, backward, slice, max_pooled](const BackendPtr& backend, DType dtype) {
    const Family family = s.spatial == 2 ? Family::conv2d : Family::conv1d;
    const Tensor input = random_tensor(image_shape(s, s.batch, s.in_channels), dtype, backend, 20);
    const Tensor weight = random_tensor(weight_shape(s), dtype, backend, 21);
    if (!backward) {
      Step step{.family = family};
      step.operands = {empty_tensor(image_shape(s, s.batch, s.out_channels), dtype, backend), input,
                       weight};
      step.slice_dims = {0, 0, -1};
      step.slice_len = slice;
      return std::vector<Step>{step};
    }
    const std::vector<int64_t> swap = swap_first_two(s.spatial);
    const Shape grad_shape = image_shape(s, s.batch, s.out_channels);
    const Tensor grad_out = max_pooled ? max_pool_gradient(grad_shape, dtype, backend, 22)
                                       : random_tensor(grad_shape, dtype, backend, 22);
    // grad_input = reversed conv of grad_out with weight (Cin, Cout, K…).
    Step grad_input{.family = family, .reverse = true};
    grad_input.operands = {empty_tensor(input.shape(), dtype, backend), grad_out,
                           weight.permute(swap)};
    grad_input.slice_dims = {0, 0, -1};
    grad_input.slice_len = slice;
    // grad_weight (Cout, Cin, K…) written through its (Cin, Cout, K…) view:
    // input channels act as the batch, the batch as the channels.
    Step grad_weight{.family = family};
    grad_weight.operands = {empty_tensor(weight.shape(), dtype, backend).permute(swap),
                            input.permute(swap), grad_out.permute(swap)};
    grad_weight.slice_dims = {0, 0, -1};
    grad_weight.slice_len = slice;
    return std::vector<Step>{grad_input, grad_weight};
  };
  return c;
}

}  // namespace

void register_conv(const std::vector<BackendPtr>& backends, const BackendPtr& reference) {
  const ConvShape shapes[] = {
      {"B16_1to4_3x3_28x28", 2, 16, 1, 4, 3, 28, 28, true},
      {"B16_4to8_3x3_14x14", 2, 16, 4, 8, 3, 14, 14, true},
      {"B32_64to64_3x3_56x56", 2, 32, 64, 64, 3, 56, 56, false},
      {"B10_50to100_k3_W52", 1, 10, 50, 100, 3, 1, 52, true},
      {"B32_100to100_k5_W200", 1, 32, 100, 100, 5, 1, 200, false},
  };
  for (const ConvShape& s : shapes) {
    register_case(conv_case(s, false), backends, reference);
    register_case(conv_case(s, true), backends, reference);
  }
  // The IMDB Kim CNN's backward as training sees it: the gradient behind
  // relu and the max over time.
  register_case(conv_case(shapes[4], true, true), backends, reference);
}

}  // namespace mt::bench
