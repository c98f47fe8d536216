// vector_math.cpp — the exp / log / sigmoid loops of vector_math.hpp compiled
// again for AVX2 and AVX-512, picked at run time like the GEMM kernels: these
// ops are compute-bound, so 8- and 16-lane vectors pay where plain
// element-wise ops (memory-bound) gain nothing over the baseline build.
// Built without FMA contraction, so every lane rounds exactly like the
// baseline loop and the strided paths.
#include "vector_math.hpp"

#include "runtime.hpp"

#include <minitorch/plugin_abi.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mt::par {

namespace {

template <class T, int OP>
[[gnu::always_inline]] inline void loop(int64_t n, T* o, const T* x) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (OP == MT_MAP_EXP)
      o[i] = vm::exp<T>(x[i]);
    else if constexpr (OP == MT_MAP_LOG)
      o[i] = vm::log<T>(x[i]);
    else
      o[i] = vm::sigmoid<T>(x[i]);
  }
}

#if defined(__x86_64__)
#define MT_WIDE_LOOPS(SUFFIX, ATTR)                      \
  template <class T, int OP>                             \
  ATTR void loop_##SUFFIX(int64_t n, T* o, const T* x) { \
    loop<T, OP>(n, o, x);                                \
  }
MT_WIDE_LOOPS(avx512, __attribute__((target("avx512f,avx2,fma,prefer-vector-width=512"))))
MT_WIDE_LOOPS(avx2, __attribute__((target("avx2,fma"))))
#undef MT_WIDE_LOOPS

// exp with AVX-512's vscalef: p * 2^n in one instruction, rounded once, which
// is exactly what vm::exp's two-factor scaling computes (p * 2^n1 is exact,
// the multiply by 2^n2 rounds once), so the result is bit for bit the same.
// It saves the integer exponent arithmetic and two multiplies per vector;
// exp is compute-bound even at 16M elements here. Each step below is the
// matching line of vm::exp_f32 / exp_f64, without FMA contraction.
#define MT_TARGET_AVX512 __attribute__((target("avx512f")))
// GCC 12's max/min/scalef intrinsics pass _mm512_undefined_ps() as the
// pass-through operand, which -Wmaybe-uninitialized flags once inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

MT_TARGET_AVX512 inline __m512 exp16(__m512 x) {
  // _mm512_max_ps(a, b) returns b when either is NaN: x second keeps NaN.
  __m512 xc = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
  xc = _mm512_min_ps(_mm512_set1_ps(89.0f), xc);
  const __m512 magic = _mm512_set1_ps(12582912.0f);
  const __m512 t = _mm512_add_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), magic);
  const __m512 n = _mm512_sub_ps(t, magic);
  __m512 r = _mm512_sub_ps(xc, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
  r = _mm512_sub_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(-2.12194440054690583e-4f)));
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  for (const float c : {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f})
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(c));
  const __m512 y = _mm512_scalef_ps(p, n);
  // NaN in, the same NaN out (as vm::exp returns x itself).
  return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

MT_TARGET_AVX512 inline __m512d exp8(__m512d x) {
  __m512d xc = _mm512_max_pd(_mm512_set1_pd(-746.0), x);
  xc = _mm512_min_pd(_mm512_set1_pd(710.0), xc);
  const __m512d magic = _mm512_set1_pd(6755399441055744.0);
  const __m512d t = _mm512_add_pd(_mm512_mul_pd(xc, _mm512_set1_pd(1.4426950408889634074)), magic);
  const __m512d n = _mm512_sub_pd(t, magic);
  __m512d r = _mm512_sub_pd(xc, _mm512_mul_pd(n, _mm512_set1_pd(6.93147180369123816490e-01)));
  r = _mm512_sub_pd(r, _mm512_mul_pd(n, _mm512_set1_pd(1.90821492927058770002e-10)));
  __m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
  for (const double c :
       {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0})
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(c));
  const __m512d y = _mm512_scalef_pd(p, n);
  return _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), x);
}

MT_TARGET_AVX512 void exp_avx512_f32(int64_t n, float* o, const float* x) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(o + i, exp16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(o + i, m, exp16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

MT_TARGET_AVX512 void exp_avx512_f64(int64_t n, double* o, const double* x) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm512_storeu_pd(o + i, exp8(_mm512_loadu_pd(x + i)));
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(o + i, m, exp8(_mm512_maskz_loadu_pd(m, x + i)));
  }
}
#pragma GCC diagnostic pop
#undef MT_TARGET_AVX512

template <class T>
MapLoop<T> exp_avx512() {
  if constexpr (sizeof(T) == 4)
    return &exp_avx512_f32;
  else
    return &exp_avx512_f64;
}

template <class T>
MapLoop<T> pick(Isa isa, int32_t op) {
  const bool wide = isa == Isa::avx512;
  switch (op) {
    case MT_MAP_EXP:
      return wide ? exp_avx512<T>() : &loop_avx2<T, MT_MAP_EXP>;
    case MT_MAP_LOG:
      return wide ? &loop_avx512<T, MT_MAP_LOG> : &loop_avx2<T, MT_MAP_LOG>;
    case MT_MAP_SIGMOID:
      return wide ? &loop_avx512<T, MT_MAP_SIGMOID> : &loop_avx2<T, MT_MAP_SIGMOID>;
    default:
      return nullptr;
  }
}
#endif

}  // namespace

template <class T>
MapLoop<T> wide_map_loop(int32_t op) {
#if defined(__x86_64__)
  const Isa isa = settings().isa;
  if (isa != Isa::generic)
    return pick<T>(isa, op);
#endif
  (void)op;
  return nullptr;
}

template MapLoop<float> wide_map_loop<float>(int32_t op);
template MapLoop<double> wide_map_loop<double>(int32_t op);

}  // namespace mt::par
