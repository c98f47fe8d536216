// gemm_kernels.cpp — one micro-kernel template written with GCC vector
// extensions, instantiated inside functions compiled for AVX-512, AVX2+FMA
// and the baseline target (the plugin as a whole is built for generic
// x86-64, so only these functions use wide registers, and only after the
// run-time check in runtime.cpp picked them). This file is compiled with
// -ffp-contract=fast so `acc += a * b` becomes one FMA.
// Not here: packing and blocking loops (gemm.hpp).
#include "gemm_kernels.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace mt::par {

namespace {

// acc[MR][NV] vector registers hold the tile; each k step loads NV vectors of
// B and broadcasts MR scalars of A. Every loop has a constant trip count and
// is fully unrolled, so the accumulators never leave registers. B row p is
// b + p * NR (packed) or, with ROWS, b + b_off[p] (rows read in place).
template <class T, int VB, int MR, int NV, bool ROWS>
[[gnu::always_inline]] inline void micro_body(int64_t kc, const T* __restrict a,
                                              const T* __restrict b,
                                              const int64_t* __restrict b_off, T* __restrict c,
                                              int64_t rs_c, int accumulate) {
  constexpr int VL = VB / static_cast<int>(sizeof(T));
  constexpr int NR = NV * VL;
  typedef T V __attribute__((vector_size(VB)));
  // The C tile is read (accumulate) or written only after the whole k loop;
  // fetching its lines now hides a likely cache miss behind the FMAs.
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    __builtin_prefetch(c + r * rs_c, 1);
    __builtin_prefetch(c + r * rs_c + NR - 1, 1);
  }
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[r][v] = V{};
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
    const T* brow = ROWS ? b + b_off[p] : b + p * NR;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      std::memcpy(&bv[v], brow + v * VL, VB);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      // x - 0 is exactly x (also for -0), so this is a pure broadcast.
      const V av = a[p * MR + r] - V{};
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] += av * bv[v];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      T* cp = c + r * rs_c + v * VL;
      V out = acc[r][v];
      if (accumulate) {
        V old;
        std::memcpy(&old, cp, VB);
        out += old;
      }
      std::memcpy(cp, &out, VB);
    }
}

// acc[MO][MP] vectors of partial dot products; per vector step MP vectors of
// x are loaded once and each of the MO a vectors is used against all of
// them. The lanes are summed once at the end (in a fixed order).
template <class T, int VB, int MO, int MP>
[[gnu::always_inline]] inline void dot_body(int64_t rows, int64_t nvec, int64_t tail,
                                            const T* __restrict a, int64_t a_row, int64_t a_o,
                                            const T* __restrict x, const int64_t* __restrict x_off,
                                            const int64_t* __restrict px_off, T* __restrict out) {
  constexpr int VL = VB / static_cast<int>(sizeof(T));
  typedef T V __attribute__((vector_size(VB)));
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef I VI __attribute__((vector_size(VB)));
  // Lanes of the last vector past the row's end: x there is a neighbour's
  // data (possibly inf/NaN), so it is zeroed rather than trusted to meet a
  // zero weight.
  VI keep;
  for (int l = 0; l < VL; ++l)
    keep[l] = l < tail ? I(-1) : I(0);
  V acc[MO][MP];
#pragma GCC unroll 8
  for (int o = 0; o < MO; ++o)
#pragma GCC unroll 8
    for (int q = 0; q < MP; ++q)
      acc[o][q] = V{};
  int64_t px[MP];
#pragma GCC unroll 8
  for (int q = 0; q < MP; ++q)
    px[q] = px_off[q];
  for (int64_t r = 0; r < rows; ++r) {
    const T* ar = a + r * a_row;
    const T* xr = x + x_off[r];
    for (int64_t v = 0; v < nvec; ++v) {
      V xv[MP];
#pragma GCC unroll 8
      for (int q = 0; q < MP; ++q)
        std::memcpy(&xv[q], xr + px[q] + v * VL, VB);
      if (v == nvec - 1) {
#pragma GCC unroll 8
        for (int q = 0; q < MP; ++q)
          xv[q] = keep ? xv[q] : V{};
      }
#pragma GCC unroll 8
      for (int o = 0; o < MO; ++o) {
        V av;
        std::memcpy(&av, ar + o * a_o + v * VL, VB);
#pragma GCC unroll 8
        for (int q = 0; q < MP; ++q)
          acc[o][q] += av * xv[q];
      }
    }
  }
  for (int o = 0; o < MO; ++o)
    for (int q = 0; q < MP; ++q) {
      T sum = T(0);
      for (int l = 0; l < VL; ++l)
        sum += acc[o][q][l];
      out[o * MP + q] = sum;
    }
}

// Rows [i, i + rows) (rows <= R) of NV vectors of columns of C, vector v
// at columns j + v * VL except the last, at j + last (last <= (NV - 1) * VL:
// a block that ends at a column count not a multiple of VL moves its last
// vector back to end there, recomputing a few columns of the one before
// with the same k-ordered sum, so the same bits are stored twice). In
// registers: R * NV accumulators, NV loaded B vectors, one broadcast. A
// partial group recomputes its last row in the unused slots (nothing is
// stored from them). The stores are unrolled over R with a guard, so the
// accumulators stay in registers (a loop to a run-time row count would put
// them on the stack).
template <class T, int VB, int R, int NV, bool MOVED>
[[gnu::always_inline]] inline void small_rows(int64_t i, int64_t rows, int64_t j, int64_t last,
                                              int64_t k, const T* __restrict a, int64_t a_rs,
                                              int64_t a_cs, const T* __restrict b, int64_t b_rs,
                                              T* __restrict c, int64_t c_rs) {
  constexpr int VL = VB / static_cast<int>(sizeof(T));
  typedef T V __attribute__((vector_size(VB)));
  // A constant offset where the last vector is not moved.
  if constexpr (!MOVED)
    last = (NV - 1) * VL;
  const T* ar[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
    ar[r] = a + (i + std::min<int64_t>(r, rows - 1)) * a_rs;
  V acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[r][v] = V{};
  const T* bp = b + j;
  for (int64_t p = 0; p < k; ++p, bp += b_rs) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      std::memcpy(&bv[v], bp + (v == NV - 1 ? last : v * VL), VB);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      // x - 0 is exactly x (also for -0), so this is a pure broadcast.
      const V x = ar[r][p * a_cs] - V{};
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] += x * bv[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
    if (r < rows)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        std::memcpy(c + (i + r) * c_rs + j + (v == NV - 1 ? last : v * VL), &acc[r][v], VB);
}

// Columns [j, j + NV * VL) of C for all m rows, R rows at a time; the k x
// NV * VL block of B stays in L1 while every row group uses it. A last
// group of at most R / 4 or R / 2 rows runs at that height (12 rows with R =
// 8: 8 + 4, not 8 + 8 with 4 recomputed; 7 with R = 6: 6 + 1, not 6 + 3).
template <class T, int VB, int R, int NV, bool MOVED>
[[gnu::always_inline]] inline void small_columns(int64_t m, int64_t j, int64_t last, int64_t k,
                                                 const T* __restrict a, int64_t a_rs, int64_t a_cs,
                                                 const T* __restrict b, int64_t b_rs,
                                                 T* __restrict c, int64_t c_rs) {
  int64_t i = 0;
  for (; i + R <= m; i += R)
    small_rows<T, VB, R, NV, MOVED>(i, R, j, last, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
  const int64_t left = m - i;
  if (left <= 0)
    return;
  if constexpr (R >= 4) {
    if (left <= R / 4) {
      small_rows<T, VB, R / 4, NV, MOVED>(i, left, j, last, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
      return;
    }
    if (left <= R / 2) {
      small_rows<T, VB, R / 2, NV, MOVED>(i, left, j, last, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
      return;
    }
  }
  small_rows<T, VB, R, NV, MOVED>(i, left, j, last, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
}

// The block of NV vectors at column j: its vectors at constant offsets,
// except in the block that would run past n (the last one, only when n is
// not a multiple of VL), whose last vector moves back by `back` columns.
template <class T, int VB, int R, int NV>
[[gnu::always_inline]] inline void small_block(int64_t m, int64_t n, int64_t j, int64_t back,
                                               int64_t k, const T* __restrict a, int64_t a_rs,
                                               int64_t a_cs, const T* __restrict b, int64_t b_rs,
                                               T* __restrict c, int64_t c_rs) {
  constexpr int VL = VB / static_cast<int>(sizeof(T));
  if (j + NV * VL > n)
    small_columns<T, VB, R, NV, true>(m, j, (NV - 1) * VL - back, k, a, a_rs, a_cs, b, b_rs, c,
                                      c_rs);
  else
    small_columns<T, VB, R, NV, false>(m, j, 0, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
}

// Blocks of vectors of columns, each with its own rows per group (R4 for
// blocks of 4 vectors, R3 for 3, ...): with 32 registers, 4 x 6, 3 x 8 and
// 2 x 8 tiles keep 16-24 accumulators busy, and n = 96 (6 vectors) goes as
// 3 + 3 rather than 4 + 2 (whose 2-vector block would do 12 FMAs per 8
// loads). R3 == 0: no 3-vector blocks (4, then 2, then 1). Columns past the
// last whole vector (n % VL of them) make one more vector, the last block's
// last one moved back to end at n (small_rows), so n = 40 goes as one
// 3-vector block like 48; n < VL runs on half-width vectors (n = 8..15 on
// 32-byte ones with AVX-512), below 16-byte ones as scalar loops. Every
// element is the same k-ordered sum whatever block holds it.
template <class T, int VB, int R4, int R3, int R2, int R1>
[[gnu::always_inline]] inline void small_body(int64_t m, int64_t n, int64_t k,
                                              const T* __restrict a, int64_t a_rs, int64_t a_cs,
                                              const T* __restrict b, int64_t b_rs, T* __restrict c,
                                              int64_t c_rs) {
  constexpr int VL = VB / static_cast<int>(sizeof(T));
  if (n < VL) {
    if constexpr (VB > 16) {
      small_body<T, VB / 2, R4, R3, R2, R1>(m, n, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
    } else {
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < m; ++i) {
          T s = T(0);
          for (int64_t p = 0; p < k; ++p)
            s += a[i * a_rs + p * a_cs] * b[p * b_rs + j];
          c[i * c_rs + j] = s;
        }
    }
    return;
  }
  const int64_t nv = (n + VL - 1) / VL;
  // How far the last vector moves back (0 when n is a multiple of VL).
  const int64_t back = nv * VL - n;
  // How many blocks of 4, 3, 2 and 1 vectors.
  int64_t n4 = nv / 4, n3 = 0, n2 = 0, n1 = 0;
  const int64_t rem = nv % 4;
  if (R3 == 0) {
    n2 = rem / 2;
    n1 = rem % 2;
  } else if (rem == 3) {
    n3 = 1;
  } else if (rem == 2) {
    if (n4 >= 1) {
      n4 -= 1;
      n3 = 2;
    } else {
      n2 = 1;
    }
  } else if (rem == 1) {
    if (n4 >= 2) {
      n4 -= 2;
      n3 = 3;
    } else if (n4 == 1) {
      n4 = 0;
      n3 = 1;
      n2 = 1;
    } else {
      n1 = 1;
    }
  }
  int64_t j = 0;
  for (int64_t q = 0; q < n4; ++q, j += 4 * VL)
    small_block<T, VB, R4, 4>(m, n, j, back, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
  if constexpr (R3 > 0)
    for (int64_t q = 0; q < n3; ++q, j += 3 * VL)
      small_block<T, VB, R3, 3>(m, n, j, back, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
  for (int64_t q = 0; q < n2; ++q, j += 2 * VL)
    small_block<T, VB, R2, 2>(m, n, j, back, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
  for (int64_t q = 0; q < n1; ++q, j += VL)
    small_block<T, VB, R1, 1>(m, n, j, back, k, a, a_rs, a_cs, b, b_rs, c, c_rs);
}

#define MT_DEFINE_SMALL(NAME, ATTR, T, VB, R4, R3, R2, R1)                                \
  ATTR void NAME(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, \
                 const T* b, int64_t b_rs, T* c, int64_t c_rs) {                          \
    small_body<T, VB, R4, R3, R2, R1>(m, n, k, a, a_rs, a_cs, b, b_rs, c, c_rs);          \
  }

#define MT_DEFINE_DOT(NAME, ATTR, T, VB, MO, MP)                                                   \
  ATTR void NAME(int64_t rows, int64_t nvec, int64_t tail, const T* a, int64_t a_row, int64_t a_o, \
                 const T* x, const int64_t* x_off, const int64_t* px_off, T* out) {                \
    dot_body<T, VB, MO, MP>(rows, nvec, tail, a, a_row, a_o, x, x_off, px_off, out);               \
  }

// One entry point per (type, ISA, tile); the b_off test sits outside the k loop.
#define MT_DEFINE_KERNEL(NAME, ATTR, T, VB, MR, NV)                                            \
  ATTR void NAME(int64_t kc, const T* a, const T* b, const int64_t* b_off, T* c, int64_t rs_c, \
                 int accumulate) {                                                             \
    if (b_off == nullptr)                                                                      \
      micro_body<T, VB, MR, NV, false>(kc, a, b, nullptr, c, rs_c, accumulate);                \
    else                                                                                       \
      micro_body<T, VB, MR, NV, true>(kc, a, b, b_off, c, rs_c, accumulate);                   \
  }

#if defined(__x86_64__)
#define MT_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define MT_TARGET_AVX2 __attribute__((target("avx2,fma")))
MT_DEFINE_KERNEL(sgemm_avx512_12, MT_TARGET_AVX512, float, 64, 12, 2)
MT_DEFINE_KERNEL(sgemm_avx512_8, MT_TARGET_AVX512, float, 64, 8, 2)
MT_DEFINE_KERNEL(sgemm_avx512_4, MT_TARGET_AVX512, float, 64, 4, 2)
MT_DEFINE_KERNEL(sgemm_avx512_1, MT_TARGET_AVX512, float, 64, 1, 2)
MT_DEFINE_KERNEL(dgemm_avx512_12, MT_TARGET_AVX512, double, 64, 12, 2)
MT_DEFINE_KERNEL(dgemm_avx512_8, MT_TARGET_AVX512, double, 64, 8, 2)
MT_DEFINE_KERNEL(dgemm_avx512_4, MT_TARGET_AVX512, double, 64, 4, 2)
MT_DEFINE_KERNEL(dgemm_avx512_1, MT_TARGET_AVX512, double, 64, 1, 2)
MT_DEFINE_KERNEL(sgemm_avx2_6, MT_TARGET_AVX2, float, 32, 6, 2)
MT_DEFINE_KERNEL(sgemm_avx2_4, MT_TARGET_AVX2, float, 32, 4, 2)
MT_DEFINE_KERNEL(sgemm_avx2_1, MT_TARGET_AVX2, float, 32, 1, 2)
MT_DEFINE_KERNEL(dgemm_avx2_6, MT_TARGET_AVX2, double, 32, 6, 2)
MT_DEFINE_KERNEL(dgemm_avx2_4, MT_TARGET_AVX2, double, 32, 4, 2)
MT_DEFINE_KERNEL(dgemm_avx2_1, MT_TARGET_AVX2, double, 32, 1, 2)
#endif
// Baseline: 16-byte vectors (SSE2 / NEON), 12 accumulators of 16 registers.
MT_DEFINE_KERNEL(sgemm_generic_6, , float, 16, 6, 2)
MT_DEFINE_KERNEL(sgemm_generic_4, , float, 16, 4, 2)
MT_DEFINE_KERNEL(sgemm_generic_1, , float, 16, 1, 2)
MT_DEFINE_KERNEL(dgemm_generic_6, , double, 16, 6, 2)
MT_DEFINE_KERNEL(dgemm_generic_4, , double, 16, 4, 2)
MT_DEFINE_KERNEL(dgemm_generic_1, , double, 16, 1, 2)
#if defined(__x86_64__)
// 32 vector registers with AVX-512: 6 x 4 accumulators; 16 otherwise: 2 x 4.
MT_DEFINE_SMALL(ssmall_avx512, MT_TARGET_AVX512, float, 64, 6, 8, 8, 8)
MT_DEFINE_SMALL(dsmall_avx512, MT_TARGET_AVX512, double, 64, 6, 8, 8, 8)
MT_DEFINE_SMALL(ssmall_avx2, MT_TARGET_AVX2, float, 32, 2, 0, 2, 2)
MT_DEFINE_SMALL(dsmall_avx2, MT_TARGET_AVX2, double, 32, 2, 0, 2, 2)
#endif
MT_DEFINE_SMALL(ssmall_generic, , float, 16, 2, 0, 2, 2)
MT_DEFINE_SMALL(dsmall_generic, , double, 16, 2, 0, 2, 2)
#undef MT_DEFINE_SMALL
#if defined(__x86_64__)
MT_DEFINE_DOT(sdot_avx512, MT_TARGET_AVX512, float, 64, 8, 3)
MT_DEFINE_DOT(ddot_avx512, MT_TARGET_AVX512, double, 64, 8, 3)
MT_DEFINE_DOT(sdot_avx512_4, MT_TARGET_AVX512, float, 64, 4, 3)
MT_DEFINE_DOT(ddot_avx512_4, MT_TARGET_AVX512, double, 64, 4, 3)
MT_DEFINE_DOT(sdot_avx2, MT_TARGET_AVX2, float, 32, 4, 3)
MT_DEFINE_DOT(ddot_avx2, MT_TARGET_AVX2, double, 32, 4, 3)
#endif
MT_DEFINE_DOT(sdot_generic, , float, 16, 4, 3)
MT_DEFINE_DOT(ddot_generic, , double, 16, 4, 3)
#undef MT_DEFINE_KERNEL
#undef MT_DEFINE_DOT

// Block sizes. The driver keeps an mr x kc sliver of A in L1 while kc x nr
// panels of B stream past it from L2, so kc x nc of B (about 1 MiB) is sized
// for L2 and kc x nr (16-32 KiB) for L1; mc only sets the task granularity.
constexpr GemmKernel<float> kSgemmGeneric{"generic",
                                          {6, &sgemm_generic_6},
                                          {4, &sgemm_generic_4},
                                          {1, &sgemm_generic_1},
                                          {4, &sgemm_generic_4},
                                          8,
                                          192,
                                          256,
                                          1024,
                                          &ssmall_generic};
constexpr GemmKernel<double> kDgemmGeneric{"generic",
                                           {6, &dgemm_generic_6},
                                           {4, &dgemm_generic_4},
                                           {1, &dgemm_generic_1},
                                           {4, &dgemm_generic_4},
                                           4,
                                           96,
                                           256,
                                           512,
                                           &dsmall_generic};
#if defined(__x86_64__)
constexpr GemmKernel<float> kSgemmAvx2{"avx2",
                                       {6, &sgemm_avx2_6},
                                       {4, &sgemm_avx2_4},
                                       {1, &sgemm_avx2_1},
                                       {4, &sgemm_avx2_4},
                                       16,
                                       192,
                                       256,
                                       1024,
                                       &ssmall_avx2};
constexpr GemmKernel<double> kDgemmAvx2{"avx2",
                                        {6, &dgemm_avx2_6},
                                        {4, &dgemm_avx2_4},
                                        {1, &dgemm_avx2_1},
                                        {4, &dgemm_avx2_4},
                                        8,
                                        96,
                                        256,
                                        512,
                                        &dsmall_avx2};
constexpr GemmKernel<float> kSgemmAvx512{"avx512",
                                         {12, &sgemm_avx512_12},
                                         {8, &sgemm_avx512_8},
                                         {1, &sgemm_avx512_1},
                                         {4, &sgemm_avx512_4},
                                         32,
                                         192,
                                         256,
                                         1024,
                                         &ssmall_avx512};
constexpr GemmKernel<double> kDgemmAvx512{"avx512",
                                          {12, &dgemm_avx512_12},
                                          {8, &dgemm_avx512_8},
                                          {1, &dgemm_avx512_1},
                                          {4, &dgemm_avx512_4},
                                          16,
                                          192,
                                          256,
                                          512,
                                          &dsmall_avx512};
#endif

template <class T>
constexpr bool valid(const GemmKernel<T>& k) {
  return k.wide.mr * k.nr <= kMaxTileElements && k.wide.mr <= kMaxTileEdge &&
         k.nr <= kMaxTileEdge && k.narrow.mr <= k.wide.mr && k.mc % k.wide.mr == 0 &&
         k.mc % k.narrow.mr == 0 && k.thin.mr <= k.narrow.mr && k.thin.mr < k.half.mr &&
         k.half.mr <= k.narrow.mr && k.mc % k.half.mr == 0 && k.nc % k.nr == 0;
}
static_assert(valid(kSgemmGeneric) && valid(kDgemmGeneric));
#if defined(__x86_64__)
static_assert(valid(kSgemmAvx2) && valid(kDgemmAvx2) && valid(kSgemmAvx512) && valid(kDgemmAvx512));
#endif

constexpr DotKernel<float> kSdotGeneric{4, 3, 4, &sdot_generic};
constexpr DotKernel<double> kDdotGeneric{4, 3, 2, &ddot_generic};
#if defined(__x86_64__)
constexpr DotKernel<float> kSdotAvx2{4, 3, 8, &sdot_avx2};
constexpr DotKernel<double> kDdotAvx2{4, 3, 4, &ddot_avx2};
constexpr DotKernel<float> kSdotAvx512{8, 3, 16, &sdot_avx512};
constexpr DotKernel<double> kDdotAvx512{8, 3, 8, &ddot_avx512};
constexpr DotKernel<float> kSdotAvx512Narrow{4, 3, 16, &sdot_avx512_4};
constexpr DotKernel<double> kDdotAvx512Narrow{4, 3, 8, &ddot_avx512_4};
#endif

}  // namespace

template <>
const DotKernel<float>& dot_kernel<float>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kSdotAvx512;
  if (isa == Isa::avx2)
    return kSdotAvx2;
#endif
  (void)isa;
  return kSdotGeneric;
}

template <>
const DotKernel<double>& dot_kernel<double>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kDdotAvx512;
  if (isa == Isa::avx2)
    return kDdotAvx2;
#endif
  (void)isa;
  return kDdotGeneric;
}

template <>
const DotKernel<float>& dot_kernel_narrow<float>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kSdotAvx512Narrow;
#endif
  return dot_kernel<float>(isa);
}

template <>
const DotKernel<double>& dot_kernel_narrow<double>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kDdotAvx512Narrow;
#endif
  return dot_kernel<double>(isa);
}

template <>
const GemmKernel<float>& gemm_kernel<float>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kSgemmAvx512;
  if (isa == Isa::avx2)
    return kSgemmAvx2;
#endif
  (void)isa;
  return kSgemmGeneric;
}

template <>
const GemmKernel<double>& gemm_kernel<double>(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return kDgemmAvx512;
  if (isa == Isa::avx2)
    return kDgemmAvx2;
#endif
  (void)isa;
  return kDgemmGeneric;
}

}  // namespace mt::par
