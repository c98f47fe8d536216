// minitorch/nn/functional.hpp — MiniTorch's Module-4 functions (fast_conv.py
// and nn.py) as differentiable free functions in mt::nn: convolutions,
// tiling and pooling, max/argmax_one_hot, softmax, logsoftmax, dropout. Stateless:
// the layers that own parameters are in layers.hpp, the losses in loss.hpp.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>

namespace mt::nn {

// ---- convolutions (MiniTorch's layout: no bias, no stride, no padding
// argument; the output keeps the input's spatial size and terms past the far
// edge count as 0, see plugin_abi.h) ------------------------------------------

// input (B, Cin, W), weight (Cout, Cin, K) -> (B, Cout, W):
//   out[b,o,t] = Σ_c Σ_k input[b,c,t+k] · weight[o,c,k]   (t+k < W).
// ShapeError (naming both shapes) for a wrong rank or a channel mismatch;
// ArgumentError when the tensors differ in backend or dtype.
Tensor conv1d(const Tensor& input, const Tensor& weight);

// input (B, Cin, H, W), weight (Cout, Cin, KH, KW) -> (B, Cout, H, W), the
// same anchored at the top-left.
Tensor conv2d(const Tensor& input, const Tensor& weight);

// ---- convolutions with torch's options (torch.nn.functional.conv1d/conv2d:
// cross-correlation, zero padding on both sides, no groups) -----------------

// One size per spatial dim, given as one number for both (2) or as {h, w},
// like torch's int-or-tuple arguments.
struct Size2 {
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit on purpose
  Size2(int64_t height, int64_t width) : h(height), w(width) {}
  int64_t h;
  int64_t w;
};

// torch's defaults; with designated initializers: {.stride = 2, .padding = 1}.
struct Conv1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;  // zeros added at both ends
  int64_t dilation = 1;
};
struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
};

// input (B, Cin, L), weight (Cout, Cin, K), bias (Cout) or undefined ->
// (B, Cout, Lout) with Lout = floor((L + 2p − d(K−1) − 1) / s) + 1:
//   out[b,o,t] = bias[o] + Σ_c Σ_k padded[b,c,t·s + k·d] · weight[o,c,k].
// Note the options are what select torch's form: conv1d(x, w, {}) is a
// "valid" convolution (Lout = L − K + 1), unlike MiniTorch's conv1d(x, w).
// Built on the same-size conv slot: the input is zero-padded, the weight
// dilated with zeros, and a stride splits each dim into stride phases taken
// as extra channels, so the slot computes exactly the outputs; each step is
// differentiable. ArgumentError for stride or dilation < 1, padding < 0, or a
// bias of another backend or dtype; ShapeError for the conv1d rank and
// channel rules, a bias that is not (Cout), or a (dilated) kernel longer than
// the padded input.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dOptions& options,
              const Tensor& bias = {});

// input (B, Cin, H, W), weight (Cout, Cin, KH, KW), bias (Cout) or undefined
// -> (B, Cout, Hout, Wout), each output size by the conv1d formula with its
// dim's stride, padding and dilation.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dOptions& options,
              const Tensor& bias = {});

// ---- pooling ------------------------------------------------------------------

// (B, C, H, W) -> (B, C, H/kh, W/kw, kh·kw): each pooling window flattened
// row-major (kh outer) into the last dim. Makes one contiguous copy.
// ShapeError unless the input is 4-D and kh divides H and kw divides W;
// ArgumentError for kernel sizes < 1.
Tensor tile(const Tensor& input, int64_t kh, int64_t kw);

// Mean / maximum of each (kh, kw) window: (B, C, H, W) -> (B, C, H/kh, W/kw).
// Same argument rules as tile. Neither copies the input (they reduce a view).
// maxpool2d sends each window's gradient to one element (see max).
Tensor avgpool2d(const Tensor& input, int64_t kh, int64_t kw);
Tensor maxpool2d(const Tensor& input, int64_t kh, int64_t kw);

// ---- max, argmax_one_hot, softmax----------------------------------------------------
// `dim` may be negative (counts from the end); IndexingError when out of range.
// The reduced dim is kept with size 1, as in MiniTorch.

// Maximum along dim. The gradient goes to a single element per slice: the
// first (lowest index) of the tied maxima, as torch.max(dim) does. MiniTorch
// gives every tied element the full gradient (so a tie doubles it);
// Tensor::max shares it evenly among them (torch.amax's rule).
Tensor max(const Tensor& input, int64_t dim);

// One-hot (0/1, the input's shape) marking the first maximum along dim; not
// differentiable. This is MiniTorch's argmax (which marks every tied maximum);
// for torch's argmax, the indices, use mt::argmax / Tensor::argmax.
Tensor argmax_one_hot(const Tensor& input, int64_t dim);

// exp(x) / Σ_dim exp(x), computed as exp(x − m) / Σ exp(x − m) with m the
// (detached) max along dim, so large inputs do not overflow.
Tensor softmax(const Tensor& input, int64_t dim);

// x − m − log Σ_dim exp(x − m), m the detached max along dim (log-sum-exp).
Tensor logsoftmax(const Tensor& input, int64_t dim);
// torch's spelling of logsoftmax.
inline Tensor log_softmax(const Tensor& input, int64_t dim) {
  return logsoftmax(input, dim);
}

// ---- dropout --------------------------------------------------------------------

// Zeros each element with probability `rate` and scales the kept ones by
// 1/(1 − rate) (inverted dropout, PyTorch's convention), so the expected value
// is unchanged. rate 0 returns the input; rate 1 zeros everything. When
// `training` is false it returns the input unchanged (the Dropout module
// passes its training() flag; MiniTorch's scripts never switched it off).
// The mask is drawn on the host from mt::generator() (see mt::rand), so every
// backend drops the same elements for the same seed. ArgumentError unless
// 0 <= rate <= 1.
Tensor dropout(const Tensor& input, double rate, bool training = true);

}  // namespace mt::nn
