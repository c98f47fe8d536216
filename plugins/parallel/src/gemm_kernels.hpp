// gemm_kernels.hpp — the register-tiled GEMM micro-kernels and their block
// sizes, one set per instruction set (AVX-512, AVX2+FMA, portable), chosen
// once at run time from runtime.hpp's Isa. Not the blocking loops: those are
// in gemm.hpp.
#pragma once

#include "runtime.hpp"

#include <cstdint>

namespace mt::par {

// A micro-kernel computes one mr x nr tile of C from panels:
//   a: packed kc x mr, element (p, r) at a[p * mr + r]
//   b: with b_off == NULL, packed kc x nr, element (p, c) at b[p * nr + c];
//      otherwise row p is read in place at b + b_off[p] (nr contiguous
//      elements, any alignment)
//   c: row r, column j at c[r * rs_c + j]  (unit column stride)
// accumulate == 0 stores the product, else adds it to what c holds.
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, const int64_t* b_off, T* c,
                             int64_t rs_c, int accumulate);

// Largest mr * nr of any tile (the driver's edge-tile buffer size), and the
// largest mr or nr (packing helpers size their stack buffers by it).
inline constexpr int kMaxTileElements = 512;
inline constexpr int kMaxTileEdge = 32;

// One register tile shape: mr rows by the kernel set's nr columns.
template <class T>
struct Tile {
  int mr;
  MicroKernel<T> micro;
};

// A product too small to repay packing: C (m x n) = A (m x k) * B (k x n),
// B's and C's rows contiguous (unit column stride), A with any strides; vector
// registers hold 6 rows of C across 4 vectors of columns or 8 rows across 3,
// 2 or 1 with AVX-512 (2 rows across 4, 2 or 1 vectors without); columns
// past whole vectors in one more vector that ends at column n, recomputing
// a few columns of its neighbour (the same bits), not in scalar loops.
template <class T>
using SmallGemm = void (*)(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs,
                           const T* b, int64_t b_rs, T* c, int64_t c_rs);

template <class T>
struct GemmKernel {
  const char* name;
  Tile<T> wide;    // the fastest tile
  Tile<T> narrow;  // fewer rows, for row counts the wide one would pad a lot (e.g. 64 = 5.3 x 12)
  Tile<T> thin;    // one row, for 1-3 rows (a convolution's input gradient with Cin = 1)
  Tile<T> half;    // half the narrow one's rows where that is more than thin's (LeNet's 4 channels)
  int nr;          // columns of the register tile
  int64_t mc;      // rows of A per task block, a multiple of both mr
  int64_t kc;      // depth per packed block (a kc x nr panel of B stays in L1)
  int64_t nc;      // columns of B per packed block (kc x nc sized for L2), a multiple of nr
  SmallGemm<T> small;

  // The tile for m rows: the narrow one only when the wide one would
  // compute over 5% more (padded) rows, which is about what the narrow
  // tile loses in speed (fewer accumulators per loaded B vector).
  const Tile<T>& tile_for(int64_t m) const {
    // 1-3 rows: the one-row tile (3 loads per 2 FMAs per row) beats the
    // narrow one computing 8 rows (10 loads per 16 FMAs) for them.
    if (m <= 3)
      return thin;
    // 4 rows on AVX-512: the narrow tile would compute 8, half of them padding.
    if (m <= half.mr)
      return half;
    const int64_t wide_rows = (m + wide.mr - 1) / wide.mr * wide.mr;
    const int64_t narrow_rows = (m + narrow.mr - 1) / narrow.mr * narrow.mr;
    return narrow_rows * 20 < wide_rows * 19 ? narrow : wide;
  }
};

// Dot-product kernel: mo x mp results, each a dot product along rows of
// vl-padded vectors, for products whose operands are both contiguous along
// the summed dim (a convolution's weight gradient: out 3x3, kernel 28x28).
//   out[o * mp + q] = sum_{r < rows} sum_{e < len}
//                       a[o * a_o + r * a_row + e] * x[x_off[r] + px_off[q] + e]
// with len = (nvec - 1) * vl + tail: every vl-vector of a row is read whole
// (a's rows are zero-padded to nvec * vl), x's lanes past len are ignored.
template <class T>
struct DotKernel {
  int mo;  // weight rows per call
  int mp;  // pixels per call
  int vl;  // elements per vector
  void (*run)(int64_t rows, int64_t nvec, int64_t tail, const T* a, int64_t a_row, int64_t a_o,
              const T* x, const int64_t* x_off, const int64_t* px_off, T* out);
};

// The kernels for `isa` (falling back to narrower ones if not compiled in).
template <class T>
const GemmKernel<T>& gemm_kernel(Isa isa);
template <>
const GemmKernel<float>& gemm_kernel<float>(Isa isa);
template <>
const GemmKernel<double>& gemm_kernel<double>(Isa isa);

template <class T>
const DotKernel<T>& dot_kernel(Isa isa);
template <>
const DotKernel<float>& dot_kernel<float>(Isa isa);
template <>
const DotKernel<double>& dot_kernel<double>(Isa isa);

// The same with at most 4 weight rows per call (the wide one's 8 would be
// half padding for LeNet's 4 channels); dot_kernel's own where that has 4.
template <class T>
const DotKernel<T>& dot_kernel_narrow(Isa isa);
template <>
const DotKernel<float>& dot_kernel_narrow<float>(Isa isa);
template <>
const DotKernel<double>& dot_kernel_narrow<double>(Isa isa);

// The kernels for the ISA in settings().
template <class T>
const GemmKernel<T>& gemm_kernel() {
  return gemm_kernel<T>(settings().isa);
}
template <class T>
const DotKernel<T>& dot_kernel() {
  return dot_kernel<T>(settings().isa);
}
template <class T>
const DotKernel<T>& dot_kernel_narrow() {
  return dot_kernel_narrow<T>(settings().isa);
}

}  // namespace mt::par
