// minitorch/nn/loss.hpp — losses with torch's reductions (mean, sum, none): NLL, cross-entropy,
// both BCEs, MSE, L1, smooth-L1 and Huber; a reduced loss has shape (1). No class weights,
// label smoothing or target broadcasting (shapes must match).
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace mt::nn {

// How a loss combines its per-item values (torch's reduction=): their mean (the default),
// their sum (both of shape (1)), or none (the per-item tensor: one value per row for
// nll_loss / cross_entropy, one per element for the element-wise losses).
enum class Reduction { none, mean, sum };
// "none" / "mean" / "sum".
const char* reduction_name(Reduction reduction);
// Parses "none" / "mean" / "sum"; ArgumentError naming the text otherwise.
Reduction parse_reduction(std::string_view text);

// (B, C) rows with a 1 in column classes[b]; values in the options' dtype
// and backend. ArgumentError naming the entry unless every class is in [0, C).
Tensor one_hot(const std::vector<int64_t>& classes, int64_t num_classes,
               TensorOptions options = {});

// Negative log-likelihood of log-probabilities `log_probs` (B, C): per row
//   ℓ_b = −Σ_c log_probs[b,c] · targets[b,c],
// reduced over the batch (mean: (1/B) Σ_b ℓ_b; none: the (B) vector of ℓ_b).
// Targets come in one of two forms, told apart by their rank:
//   - (B, C): one-hot rows (or any per-class weights, e.g. soft labels);
//   - (B):    class indices stored as numbers (0, 1, … C−1).
// ShapeError naming both shapes for any other shape; ArgumentError when an
// index is not an integer in [0, C); ShapeError for an empty batch.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets,
                Reduction reduction = Reduction::mean);
// Class indices given on the host (one per row).
Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& targets,
                Reduction reduction = Reduction::mean);

// nll_loss(logsoftmax(logits, 1), targets) for logits (B, C); the same
// target forms, reductions and errors as nll_loss.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     Reduction reduction = Reduction::mean);
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     Reduction reduction = Reduction::mean);

// −(y·log p + (1−y)·log(1−p)) per element, reduced (mean by default), with each log
// clamped to >= −100 as PyTorch does, so p = 0 or 1 gives a finite loss and
// gradient. probs and targets must have the same shape (ShapeError naming
// both). probs outside [0, 1] give NaN (not checked, to avoid a device sync).
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets,
                            Reduction reduction = Reduction::mean);

// binary_cross_entropy(sigmoid(logits), targets) computed stably per element
// as max(z, 0) − z·y + log(1 + e^−|z|), reduced, with the exact gradient
// (sigmoid(z) − y) (/N for the mean) also at z = 0. Same shape rule.
// (mt::binary_cross_entropy_with_logits in train2d.hpp sums over the batch instead of averaging.)
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction = Reduction::mean);

// ---- regression losses: input and target of the same shape (ShapeError naming both, also
// for an empty input); d = input − target per element. ----------------------------------------

// Squared error d².
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// Absolute error |d| (gradient sign(d), 0 at d = 0, as torch).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// torch's smooth_l1_loss: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta; beta = 0 is
// l1_loss. ArgumentError unless beta >= 0 (and finite).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::mean, double beta = 1.0);
// torch's huber_loss: 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta) (smooth_l1_loss
// times delta). ArgumentError unless delta > 0 (and finite).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                  double delta = 1.0);

}  // namespace mt::nn
