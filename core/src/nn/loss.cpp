// loss.cpp — losses composed from recorded primitives, except the two BCEs and NLL of a
// logsoftmax (so cross_entropy): single autograd nodes with a closed-form backward (right at
// clamped logs and z = 0; (softmax − target) for NLL). Each with torch's reduction modes.
// Not a place for metrics such as accuracy.
#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "nn/log_softmax_node.hpp"
#include "tensor/dispatch.hpp"

#include <cmath>
#include <string>

namespace mt::nn {

namespace {

using Grads = std::vector<Tensor>;

// ArgumentError for a Reduction value outside the enum (e.g. cast from a bad int).
void check_reduction(Reduction reduction, const char* what) {
  if (reduction != Reduction::none && reduction != Reduction::mean && reduction != Reduction::sum)
    throw ArgumentError(std::string(what) + ": reduction " +
                        std::to_string(static_cast<int>(reduction)) +
                        " is not one of none, mean, sum");
}

// The per-item losses combined as `reduction` asks.
Tensor reduce(const Tensor& per_item, Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return per_item;
    case Reduction::sum:
      return per_item.sum();
    case Reduction::mean:
      break;
  }
  return per_item.mean();
}

// What a reduced node's backward multiplies by: 1/N for the mean, else 1.
double reduction_scale(Reduction reduction, int64_t count) {
  return reduction == Reduction::mean ? 1.0 / static_cast<double>(count) : 1.0;
}

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
  // d/dp = (p − y) / max(p(1 − p), 1e-12) · scale (PyTorch's guarded form);
  // d/dy = (log(1 − p) − log p) · scale with the clamped logs. scale is 1/N for the mean,
  // else 1; g is (1) when reduced or the input's shape for none, and broadcasts either way.
  double scale = 1.0;
  Grads backward(const Tensor& g) override {
    const Tensor& p = inputs[0];
    const Tensor& y = inputs[1];
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
  // d/dz = (sigmoid(z) − y) · scale; d/dy = −z · scale (scale as in BinaryCrossEntropy).
  double scale = 1.0;
  Grads backward(const Tensor& g) override {
    const Tensor& z = inputs[0];
    const Tensor& y = inputs[1];
    const Tensor scaled = g * scale;
    return {needs_grad(0) ? (z.sigmoid() - y) * scaled : Tensor(),
            needs_grad(1) ? -z * scaled : Tensor()};
  }
};

// nll_loss of logsoftmax(logits, 1) as one node on the logits: loss = −Σ w·log_softmax(x)·scale,
// so d/dx = (softmax · Σ_c w − w) · g · scale. Rows that are one-hot (class-index targets) sum
// to 1 and skip the row sums.
struct LogSoftmaxNllLoss final : Node {
  const char* name() const override { return "nn::LogSoftmaxNllLoss"; }
  Tensor log_probs;  // detached (B, C)
  Tensor weights;    // detached (B, C) targets
  bool one_hot_rows = false;
  bool per_item = false;  // Reduction::none: g is (B), else (1)
  double scale = 1.0;
  Grads backward(const Tensor& g) override {
    const Tensor softmax = log_probs.exp();
    const Tensor spread = one_hot_rows ? softmax : softmax * weights.sum(1);
    const Tensor g_rows = per_item ? g.reshape({g.numel(), 1}) : g;
    return {(spread - weights) * (scale == 1.0 ? g_rows : g_rows * scale)};
  }
};

// The logsoftmax node that made `log_probs` when nll_loss can fuse with it: over dim 1 of a
// (B, C) tensor, with targets that are data (no gradient).
const detail::LogSoftmaxNode* fusable_logsoftmax(const Tensor& log_probs, const Tensor& weights) {
  if (!grad_enabled() || !log_probs.requires_grad() || weights.requires_grad())
    return nullptr;
  const auto* node = dynamic_cast<const detail::LogSoftmaxNode*>(log_probs.grad_fn().get());
  return node != nullptr && node->dim == 1 ? node : nullptr;
}

// The NLL of (B, C) log-probabilities against (B, C) target rows.
Tensor nll_of_rows(const Tensor& log_probs, const Tensor& weights, bool one_hot_rows,
                   Reduction reduction) {
  const int64_t batch = log_probs.size(0);
  const double scale = reduction_scale(reduction, batch);
  const detail::LogSoftmaxNode* fused = fusable_logsoftmax(log_probs, weights);
  if (fused == nullptr) {
    if (reduction == Reduction::none)
      return (log_probs * weights).sum(1).reshape({batch}) * -1.0;
    return (log_probs * weights).sum() * (-scale);
  }
  // The same forward ops as the composition above, unrecorded; one node on the logits.
  Tensor out;
  const Tensor lp = log_probs.detach();
  const Tensor w = weights.detach();
  {
    NoGradGuard no_grad;
    out = reduction == Reduction::none ? (lp * w).sum(1).reshape({batch}) * -1.0
                                       : (lp * w).sum() * (-scale);
  }
  if (auto* node = record<LogSoftmaxNllLoss>(out, fused->inputs[0])) {
    node->log_probs = lp;
    node->weights = w;
    node->one_hot_rows = one_hot_rows;
    node->per_item = reduction == Reduction::none;
    node->scale = scale;
  }
  return out;
}

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

namespace {

// log_probs checked as (batch >= 1, classes), for nll_loss.
void check_log_probs(const Tensor& log_probs, Reduction reduction) {
  check_reduction(reduction, "nll_loss");
  if (log_probs.dims() != 2 || log_probs.size(0) == 0) {
    throw ShapeError("nll_loss: log_probs " + shape_to_string(log_probs.shape()) +
                     " must be (batch, classes) with batch >= 1");
  }
}

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, Reduction reduction) {
  check_log_probs(log_probs, reduction);
  const int64_t batch = log_probs.size(0);
  if (targets.dims() == 2 && targets.shape() == log_probs.shape())
    return nll_of_rows(log_probs, targets, false, reduction);
  if (targets.dims() != 1 || targets.size(0) != batch) {
    throw ShapeError("nll_loss: targets " + shape_to_string(targets.shape()) +
                     " do not fit log_probs " + shape_to_string(log_probs.shape()) +
                     ": give one-hot rows of the same shape or (" + std::to_string(batch) +
                     ") class indices");
  }
  return nll_of_rows(log_probs, indices_to_one_hot(targets, log_probs, "nll_loss"), true,
                     reduction);
}

Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& targets, Reduction reduction) {
  if (log_probs.dims() != 2 || static_cast<int64_t>(targets.size()) != log_probs.size(0)) {
    throw ShapeError("nll_loss: log_probs " + shape_to_string(log_probs.shape()) +
                     " must be (batch, classes) with one class index per row; got " +
                     std::to_string(targets.size()) + " indices");
  }
  check_log_probs(log_probs, reduction);
  return nll_of_rows(log_probs, one_hot(targets, log_probs.size(1), log_probs.options()), true,
                     reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  if (logits.dims() != 2) {
    throw ShapeError("cross_entropy: logits " + shape_to_string(logits.shape()) +
                     " must be (batch, classes)");
  }
  return nll_loss(logsoftmax(logits, 1), targets, reduction);
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     Reduction reduction) {
  if (logits.dims() != 2) {
    throw ShapeError("cross_entropy: logits " + shape_to_string(logits.shape()) +
                     " must be (batch, classes)");
  }
  return nll_loss(logsoftmax(logits, 1), targets, reduction);
}

Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets, Reduction reduction) {
  check_reduction(reduction, "binary_cross_entropy");
  check_same_shape(probs, targets, "binary_cross_entropy");
  dispatch::check_compatible(probs, targets, "binary_cross_entropy");
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor p = probs.detach();
    const Tensor y = targets.detach();
    const Tensor per_item = -(y * clamped_log(p) + (1.0 - y) * clamped_log(1.0 - p));
    out = reduce(per_item, reduction);
  }
  if (auto* node = record<BinaryCrossEntropy>(out, probs, targets))
    node->scale = reduction_scale(reduction, probs.numel());
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction) {
  check_reduction(reduction, "binary_cross_entropy_with_logits");
  check_same_shape(logits, targets, "binary_cross_entropy_with_logits");
  dispatch::check_compatible(logits, targets, "binary_cross_entropy_with_logits");
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor z = logits.detach();
    const Tensor y = targets.detach();
    // max(z, 0) − z·y + log(1 + e^−|z|), the last term as −log(sigmoid(|z|)): the same value
    // in 7 plugin calls instead of 10 (no negation, no constant 1, no add).
    const Tensor per_item = z.relu() - z * y - z.abs().sigmoid().log();
    out = reduce(per_item, reduction);
  }
  if (auto* node = record<BinaryCrossEntropyWithLogits>(out, logits, targets))
    node->scale = reduction_scale(reduction, logits.numel());
  return out;
}

const char* reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return "none";
    case Reduction::mean:
      return "mean";
    case Reduction::sum:
      return "sum";
  }
  return "unknown";
}

Reduction parse_reduction(std::string_view text) {
  for (const Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    if (text == reduction_name(r))
      return r;
  }
  throw ArgumentError("reduction \"" + std::string(text) + "\" is not one of none, mean, sum");
}

// ---- regression losses ----------------------------------------------------------------

namespace {

// input − target after the shared checks.
Tensor checked_difference(const Tensor& input, const Tensor& target, Reduction reduction,
                          const char* what) {
  check_reduction(reduction, what);
  check_same_shape(input, target, what);
  dispatch::check_compatible(input, target, what);
  return input - target;
}

void check_threshold(double value, bool zero_allowed, const char* what, const char* name) {
  if (!std::isfinite(value) || value < 0.0 || (!zero_allowed && value == 0.0)) {
    throw ArgumentError(std::string(what) + ": " + name + " must be " +
                        (zero_allowed ? ">= 0" : "> 0") + " and finite, got " +
                        std::to_string(value));
  }
}

// 0.5·d² where |d| < t, else t·(|d| − 0.5·t), scaled by `factor` (1/t for smooth-L1, 1 for
// Huber). The mask is a constant, so each branch gets its own gradient.
Tensor quadratic_then_linear(const Tensor& d, double t, double factor) {
  const Tensor ad = d.abs();
  const Tensor inside = ad < t;
  return (inside * (d * d * 0.5) + (1.0 - inside) * ((ad - 0.5 * t) * t)) * factor;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const Tensor d = checked_difference(input, target, reduction, "mse_loss");
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce(checked_difference(input, target, reduction, "l1_loss").abs(), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_threshold(beta, true, "smooth_l1_loss", "beta");
  const Tensor d = checked_difference(input, target, reduction, "smooth_l1_loss");
  if (beta == 0.0)
    return reduce(d.abs(), reduction);
  return reduce(quadratic_then_linear(d, beta, 1.0 / beta), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_threshold(delta, false, "huber_loss", "delta");
  const Tensor d = checked_difference(input, target, reduction, "huber_loss");
  return reduce(quadratic_then_linear(d, delta, 1.0), reduction);
}

}  // namespace mt::nn
