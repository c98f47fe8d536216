// conv.cpp — conv1d / conv2d as autograd functions (MiniTorch's Conv1dFun and
// Conv2dFun): the forward and both gradients are each one backend conv call on
// views, with MiniTorch's permute trick for the weight gradient and the
// reversed convolution for the input gradient. No im2col or padding logic here.
#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "tensor/dispatch.hpp"

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

Tensor conv_forward(const Tensor& input, const Tensor& weight) {
  Shape out_shape = input.shape();
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
  Tensor out = conv_forward(input, weight);
  record<ConvNode>(out, input, weight);
  return out;
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight) {
  return conv(input, weight, 1, "conv1d");
}

Tensor conv2d(const Tensor& input, const Tensor& weight) {
  return conv(input, weight, 2, "conv2d");
}

}  // namespace mt::nn
