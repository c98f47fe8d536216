// log_softmax_node.hpp — the autograd node of nn::logsoftmax, private to core/src/nn so that
// nll_loss can see a log-softmax input and fuse the two into one closed-form node.
// Not public API, and not a place for the forward (functional.cpp).
#pragma once

#include <minitorch/tensor/autograd.hpp>

namespace mt::nn::detail {

struct LogSoftmaxNode final : Node {
  int64_t dim = 0;
  Tensor out;  // the detached log-probabilities
  const char* name() const override { return "nn::LogSoftmax"; }
  // d/dx = g − softmax · Σ_dim g, with softmax = exp(out).
  std::vector<Tensor> backward(const Tensor& g) override { return {g - out.exp() * g.sum(dim)}; }
};

}  // namespace mt::nn::detail
