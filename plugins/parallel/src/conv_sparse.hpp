// conv_sparse.hpp — conv1d/conv2d when `in` or `weight` is mostly zeros (the
// backward of a conv followed by max-pooling: one non-zero output gradient
// per row). Computed by scattering each non-zero against the other operand;
// not a general sparse-tensor format (the operands are dense views).
#pragma once

#include <cstdint>

namespace mt::par {

// A conv operand lifted to 4-D (conv1d's (B, C, W) as (B, C, 1, W)): shape
// and strides (in elements) of 4 dims each.
struct ConvOperand {
  const int64_t* shape;
  const int64_t* strides;
};

// Computes out = conv(in, weight) (reverse as in plugin_abi.h) by scatter when
// `in` or `weight` holds few enough non-zeros and the other operand is all
// finite (a skipped 0 times an inf or NaN would be NaN). Returns false, with
// out untouched, when the dense forms should run instead.
template <class T>
bool conv_sparse(ConvOperand out_g, T* out, ConvOperand in_g, const T* in, ConvOperand w_g,
                 const T* w, bool reverse);

extern template bool conv_sparse<float>(ConvOperand, float*, ConvOperand, const float*, ConvOperand,
                                        const float*, bool);
extern template bool conv_sparse<double>(ConvOperand, double*, ConvOperand, const double*,
                                         ConvOperand, const double*, bool);

}  // namespace mt::par
