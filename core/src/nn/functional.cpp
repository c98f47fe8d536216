// functional.cpp — MiniTorch's nn.py on Tensor: tile, pooling, max/argmax_one_hot,
// softmax, logsoftmax and dropout. Everything except max and logsoftmax is composed from
// recorded Tensor primitives, so autograd comes for free; max has its own node because its
// gradient picks one winner per slice, logsoftmax one with the closed-form backward (which
// nll_loss fuses with). Convolutions are in conv.cpp.
#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "nn/log_softmax_node.hpp"
#include "tensor/dispatch.hpp"

#include <cmath>
#include <string>

namespace mt::nn {

namespace {

using Grads = std::vector<Tensor>;

// Checks a (B, C, H, W) input and a (kh, kw) window that divides it.
void check_window(const Tensor& input, int64_t kh, int64_t kw, const char* what) {
  if (input.dims() != 4) {
    throw ShapeError(std::string(what) +
                     " needs a 4-D input (batch, channels, height, width), got " +
                     shape_to_string(input.shape()));
  }
  if (kh < 1 || kw < 1) {
    throw ArgumentError(std::string(what) + ": kernel (" + std::to_string(kh) + ", " +
                        std::to_string(kw) + ") must have both sizes >= 1");
  }
  if (input.size(2) % kh != 0 || input.size(3) % kw != 0) {
    throw ShapeError(std::string(what) + ": kernel (" + std::to_string(kh) + ", " +
                     std::to_string(kw) + ") does not divide the input's height x width " +
                     std::to_string(input.size(2)) + " x " + std::to_string(input.size(3)) +
                     " (input shape " + shape_to_string(input.shape()) + ")");
  }
}

// (B, C, H, W) seen as (B, C, H/kh, kh, W/kw, kw): a view when the input is
// contiguous, so pooling can reduce dims 5 and 3 without copying.
Tensor windows_view(const Tensor& input, int64_t kh, int64_t kw) {
  return input.reshape(
      {input.size(0), input.size(1), input.size(2) / kh, kh, input.size(3) / kw, kw});
}

// 0/1 mask, input's shape, with a 1 at the first maximum of each slice along
// `dim`. `maxima` is the max along dim (kept). Ties are broken by scoring
// every maximum with n − index and keeping the highest score, all on the
// backend. Not recorded.
Tensor first_max_mask(const Tensor& input, int64_t dim, const Tensor& maxima) {
  NoGradGuard no_grad;
  const int64_t n = input.size(dim);
  std::vector<double> ranks(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    ranks[static_cast<std::size_t>(i)] = static_cast<double>(n - i);
  Shape rank_shape(static_cast<std::size_t>(input.dims()), 1);
  rank_shape[static_cast<std::size_t>(dim)] = n;
  const Tensor rank = Tensor::from_values(ranks, std::move(rank_shape), input.options());
  const Tensor score = (input.detach() == maxima) * rank;
  return score == score.max(dim);
}

struct MaxNode final : Node {
  int64_t dim = 0;
  Tensor out;  // detached forward result
  const char* name() const override { return "nn::Max"; }
  Grads backward(const Tensor& g) override { return {g * first_max_mask(inputs[0], dim, out)}; }
};

}  // namespace

// ---- pooling ----------------------------------------------------------------

Tensor tile(const Tensor& input, int64_t kh, int64_t kw) {
  check_window(input, kh, kw, "tile");
  const int64_t b = input.size(0), c = input.size(1);
  const int64_t nh = input.size(2) / kh, nw = input.size(3) / kw;
  // (B, C, nh, kh, nw, kw) -> (B, C, nh, nw, kh, kw): each window's elements
  // become adjacent, row-major within the window.
  return windows_view(input, kh, kw)
      .permute({0, 1, 2, 4, 3, 5})
      .contiguous()
      .view({b, c, nh, nw, kh * kw});
}

Tensor avgpool2d(const Tensor& input, int64_t kh, int64_t kw) {
  check_window(input, kh, kw, "avgpool2d");
  const Tensor sums = windows_view(input, kh, kw).sum(5).sum(3);
  return sums.view({input.size(0), input.size(1), input.size(2) / kh, input.size(3) / kw}) *
         (1.0 / static_cast<double>(kh * kw));
}

Tensor maxpool2d(const Tensor& input, int64_t kh, int64_t kw) {
  check_window(input, kh, kw, "maxpool2d");
  // Row maxima first, then the max of those: each step gives its gradient to
  // one element, so each window's gradient lands on exactly one input.
  const Tensor maxima = max(max(windows_view(input, kh, kw), 5), 3);
  return maxima.view({input.size(0), input.size(1), input.size(2) / kh, input.size(3) / kw});
}

// ---- max, argmax_one_hot, softmax----------------------------------------------------

Tensor max(const Tensor& input, int64_t dim) {
  const int64_t d = dispatch::normalize_dim(dim, input.dims(), "nn::max");
  Tensor out = input.detach().max(d);
  if (auto* node = record<MaxNode>(out, input)) {
    node->dim = d;
    node->out = out.detach();
  }
  return out;
}

Tensor argmax_one_hot(const Tensor& input, int64_t dim) {
  const int64_t d = dispatch::normalize_dim(dim, input.dims(), "nn::argmax_one_hot");
  NoGradGuard no_grad;
  return first_max_mask(input, d, input.detach().max(d));
}

Tensor softmax(const Tensor& input, int64_t dim) {
  const int64_t d = dispatch::normalize_dim(dim, input.dims(), "nn::softmax");
  const Tensor shift = input.detach().max(d);
  const Tensor e = (input - shift).exp();
  return e / e.sum(d);
}

Tensor logsoftmax(const Tensor& input, int64_t dim) {
  const int64_t d = dispatch::normalize_dim(dim, input.dims(), "nn::logsoftmax");
  // The stable forward (shift by the max), unrecorded; one node for the whole op.
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor x = input.detach();
    const Tensor shifted = x - x.max(d);
    out = shifted - shifted.exp().sum(d).log();
  }
  if (auto* node = record<detail::LogSoftmaxNode>(out, input)) {
    node->dim = d;
    node->out = out.detach();
  }
  return out;
}

// ---- dropout --------------------------------------------------------------------

Tensor dropout(const Tensor& input, double rate, bool training) {
  if (!(rate >= 0.0 && rate <= 1.0)) {
    throw ArgumentError("dropout rate must be in [0, 1] (1 drops everything), got " +
                        std::to_string(rate));
  }
  if (!training || rate == 0.0)
    return input;
  if (rate == 1.0)
    return input * 0.0;  // still recorded, so the gradient is an explicit zero
  // MiniTorch keeps an element when rand > rate; the kept ones are scaled so
  // the expected activation is the same in training and evaluation.
  const Tensor keep = (rand(input.shape(), input.options()) > rate) * (1.0 / (1.0 - rate));
  return input * keep;
}

}  // namespace mt::nn
