// minitorch/nn/loss.hpp — classification losses in mt::nn, each the mean over
// the batch as a one-element tensor of shape (1) (ready for backward()):
// NLL, cross-entropy, and binary cross-entropy on probabilities or logits.
// No reduction options, class weights or label smoothing.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <vector>

namespace mt::nn {

// (B, C) rows with a 1 in column classes[b]; values in the options' dtype
// and backend. ArgumentError naming the entry unless every class is in [0, C).
Tensor one_hot(const std::vector<int64_t>& classes, int64_t num_classes,
               TensorOptions options = {});

// Negative log-likelihood of log-probabilities `log_probs` (B, C):
//   −(1/B) Σ_b Σ_c log_probs[b,c] · targets[b,c].
// Targets come in one of two forms, told apart by their rank:
//   - (B, C): one-hot rows (or any per-class weights, e.g. soft labels);
//   - (B):    class indices stored as numbers (0, 1, … C−1).
// ShapeError naming both shapes for any other shape; ArgumentError when an
// index is not an integer in [0, C); ShapeError for an empty batch.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets);
// Class indices given on the host (one per row).
Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& targets);

// nll_loss(logsoftmax(logits, 1), targets) for logits (B, C); the same
// target forms and errors as nll_loss.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets);
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets);

// Mean of −(y·log p + (1−y)·log(1−p)) over every element, with each log
// clamped to >= −100 as PyTorch does, so p = 0 or 1 gives a finite loss and
// gradient. probs and targets must have the same shape (ShapeError naming
// both). probs outside [0, 1] give NaN (not checked, to avoid a device sync).
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets);

// binary_cross_entropy(sigmoid(logits), targets) computed stably as the mean
// of max(z, 0) − z·y + log(1 + e^−|z|), with the exact gradient
// (sigmoid(z) − y)/N also at z = 0. Same shape rule. (mt::binary_cross_entropy_with_logits
// in train2d.hpp sums over the batch instead of averaging.)
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets);

}  // namespace mt::nn
