// loss.cpp — NLL / cross-entropy composed from recorded primitives, and the
// two binary cross-entropies as single autograd nodes whose backward is the
// closed form (so clamped logs and z = 0 get the right gradient). Not a place
// for metrics such as accuracy.
#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "tensor/dispatch.hpp"

#include <string>

namespace mt::nn {

namespace {

using Grads = std::vector<Tensor>;

// Each log clamped at −100 (PyTorch's BCELoss rule), not recorded.
Tensor clamped_log(const Tensor& x) {
  return dispatch::zip(MT_ZIP_MAX, x.log(), dispatch::scalar_like(-100.0, x), "bce clamp");
}

void check_same_shape(const Tensor& input, const Tensor& targets, const char* what) {
  if (input.shape() != targets.shape()) {
    throw ShapeError(std::string(what) + ": input " + shape_to_string(input.shape()) +
                     " and targets " + shape_to_string(targets.shape()) +
                     " must have the same shape");
  }
  if (input.numel() == 0)
    throw ShapeError(std::string(what) + ": input " + shape_to_string(input.shape()) + " is empty");
}

// (1, C) row 0, 1, … C−1 beside `like`.
Tensor class_row(int64_t num_classes, const Tensor& like) {
  std::vector<double> values(static_cast<std::size_t>(num_classes));
  for (int64_t c = 0; c < num_classes; ++c)
    values[static_cast<std::size_t>(c)] = static_cast<double>(c);
  return Tensor::from_values(values, {1, num_classes}, like.options());
}

// Turns a (B) tensor of class indices into (B, C) one-hot rows beside
// `like` (the (B, C) log-probabilities). An index that is not an integer in [0, C) matches no
// column, so counting the ones (one read of one number) validates every index.
Tensor indices_to_one_hot(const Tensor& targets, const Tensor& like, const char* what) {
  const int64_t num_classes = like.size(1);
  NoGradGuard no_grad;
  const int64_t batch = targets.size(0);
  // Labels are data, not part of the graph: bring them beside log_probs.
  const Tensor labels = targets.detach().to(like.backend()).to(like.dtype());
  const Tensor rows = labels.reshape({batch, 1}) == class_row(num_classes, like);
  const double matched = rows.sum().item();
  if (matched != static_cast<double>(batch)) {
    throw ArgumentError(std::string(what) + ": " +
                        std::to_string(batch - static_cast<int64_t>(matched)) + " of " +
                        std::to_string(batch) + " class-index targets are not integers in [0, " +
                        std::to_string(num_classes) + ")");
  }
  return rows;
}

struct BinaryCrossEntropy final : Node {
  const char* name() const override { return "nn::BinaryCrossEntropy"; }
  // d/dp = (p − y) / max(p(1 − p), 1e-12) / N (PyTorch's guarded form);
  // d/dy = (log(1 − p) − log p) / N with the clamped logs.
  Grads backward(const Tensor& g) override {
    const Tensor& p = inputs[0];
    const Tensor& y = inputs[1];
    const double scale = 1.0 / static_cast<double>(p.numel());
    Tensor grad_p;
    Tensor grad_y;
    if (needs_grad(0)) {
      const Tensor denom =
          dispatch::zip(MT_ZIP_MAX, p * (1.0 - p), dispatch::scalar_like(1e-12, p), "bce backward");
      grad_p = (p - y) / denom * (g * scale);
    }
    if (needs_grad(1))
      grad_y = (clamped_log(1.0 - p) - clamped_log(p)) * (g * scale);
    return {grad_p, grad_y};
  }
};

struct BinaryCrossEntropyWithLogits final : Node {
  const char* name() const override { return "nn::BinaryCrossEntropyWithLogits"; }
  // d/dz = (sigmoid(z) − y) / N; d/dy = −z / N.
  Grads backward(const Tensor& g) override {
    const Tensor& z = inputs[0];
    const Tensor& y = inputs[1];
    const Tensor scaled = g * (1.0 / static_cast<double>(z.numel()));
    return {needs_grad(0) ? (z.sigmoid() - y) * scaled : Tensor(),
            needs_grad(1) ? -z * scaled : Tensor()};
  }
};

}  // namespace

Tensor one_hot(const std::vector<int64_t>& classes, int64_t num_classes, TensorOptions options) {
  if (num_classes < 1)
    throw ArgumentError("one_hot: num_classes must be >= 1, got " + std::to_string(num_classes));
  const Shape shape{static_cast<int64_t>(classes.size()), num_classes};
  auto values = host_vector<double>(shape_size(shape), [&] {
    return "the values of a one_hot " + shape_to_string(shape) + " tensor";
  });
  for (std::size_t b = 0; b < classes.size(); ++b) {
    if (classes[b] < 0 || classes[b] >= num_classes) {
      throw ArgumentError("one_hot: class " + std::to_string(classes[b]) + " at position " +
                          std::to_string(b) + " is outside [0, " + std::to_string(num_classes) +
                          ")");
    }
    values[b * static_cast<std::size_t>(num_classes) + static_cast<std::size_t>(classes[b])] = 1.0;
  }
  options.requires_grad = false;
  return Tensor::from_values(values, shape, options);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets) {
  if (log_probs.dims() != 2 || log_probs.size(0) == 0) {
    throw ShapeError("nll_loss: log_probs " + shape_to_string(log_probs.shape()) +
                     " must be (batch, classes) with batch >= 1");
  }
  const int64_t batch = log_probs.size(0);
  Tensor weights;
  if (targets.dims() == 2 && targets.shape() == log_probs.shape()) {
    weights = targets;
  } else if (targets.dims() == 1 && targets.size(0) == batch) {
    weights = indices_to_one_hot(targets, log_probs, "nll_loss");
  } else {
    throw ShapeError("nll_loss: targets " + shape_to_string(targets.shape()) +
                     " do not fit log_probs " + shape_to_string(log_probs.shape()) +
                     ": give one-hot rows of the same shape or (" + std::to_string(batch) +
                     ") class indices");
  }
  return (log_probs * weights).sum() * (-1.0 / static_cast<double>(batch));
}

Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& targets) {
  if (log_probs.dims() != 2 || static_cast<int64_t>(targets.size()) != log_probs.size(0)) {
    throw ShapeError("nll_loss: log_probs " + shape_to_string(log_probs.shape()) +
                     " must be (batch, classes) with one class index per row; got " +
                     std::to_string(targets.size()) + " indices");
  }
  return nll_loss(log_probs, one_hot(targets, log_probs.size(1), log_probs.options()));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets) {
  if (logits.dims() != 2) {
    throw ShapeError("cross_entropy: logits " + shape_to_string(logits.shape()) +
                     " must be (batch, classes)");
  }
  return nll_loss(logsoftmax(logits, 1), targets);
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets) {
  if (logits.dims() != 2) {
    throw ShapeError("cross_entropy: logits " + shape_to_string(logits.shape()) +
                     " must be (batch, classes)");
  }
  return nll_loss(logsoftmax(logits, 1), targets);
}

Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets) {
  check_same_shape(probs, targets, "binary_cross_entropy");
  dispatch::check_compatible(probs, targets, "binary_cross_entropy");
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor p = probs.detach();
    const Tensor y = targets.detach();
    const Tensor per_item = y * clamped_log(p) + (1.0 - y) * clamped_log(1.0 - p);
    out = per_item.sum() * (-1.0 / static_cast<double>(p.numel()));
  }
  record<BinaryCrossEntropy>(out, probs, targets);
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets) {
  check_same_shape(logits, targets, "binary_cross_entropy_with_logits");
  dispatch::check_compatible(logits, targets, "binary_cross_entropy_with_logits");
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor z = logits.detach();
    const Tensor y = targets.detach();
    const Tensor per_item = z.relu() - z * y + ((-z.abs()).exp() + 1.0).log();
    out = per_item.sum() * (1.0 / static_cast<double>(z.numel()));
  }
  record<BinaryCrossEntropyWithLogits>(out, logits, targets);
  return out;
}

}  // namespace mt::nn
