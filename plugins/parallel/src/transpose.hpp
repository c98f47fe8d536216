// transpose.hpp — a 16 x 16 f32 block transpose in AVX-512 registers for the
// transposed element-wise walk (elementwise.cpp). Not a general transpose:
// one fixed block shape, picked at run time like the GEMM kernels.
#pragma once

#include <cstdint>

namespace mt::par {

// dst[e * ld + i] = src[i * step + e] for e < 16 and i < 16 * blocks, the
// source rows read 16 at a time (one 64-byte row piece each). Rows up to
// `prefetch_limit` (counted from src) are prefetched `prefetch_ahead` ahead.
// Null when this CPU (or build) has no AVX-512.
using Transpose16 = void (*)(float* dst, int64_t ld, const float* src, int64_t step, int64_t blocks,
                             int64_t prefetch_ahead, int64_t prefetch_limit);
Transpose16 transpose16_f32();

}  // namespace mt::par
