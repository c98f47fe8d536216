// transpose.cpp — the AVX-512 16 x 16 f32 block transpose of transpose.hpp:
// four rounds of 16 shuffles (pairs of floats, pairs of doubles, then 128-bit
// lanes twice), a quarter of a shuffle per element where 4 x 4 SSE blocks
// need half. No arithmetic, so results are exact copies.
#include "transpose.hpp"

#include "runtime.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mt::par {

namespace {

#if defined(__x86_64__)
// GCC 12's shuffle intrinsics pass _mm512_undefined_ps() through, which
// -Wmaybe-uninitialized flags once inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void transpose16_avx512(float* dst, int64_t ld, const float* src,
                                                           int64_t step, int64_t blocks,
                                                           int64_t ahead, int64_t limit) {
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t i0 = blk * 16;
    for (int64_t q = 0; q < 16; ++q)
      if (i0 + q + ahead < limit)
        __builtin_prefetch(src + (i0 + q + ahead) * step);
    __m512 r[16], a[16], b[16];
    for (int q = 0; q < 16; ++q)
      r[q] = _mm512_loadu_ps(src + (i0 + q) * step);
    // a[2k], a[2k+1]: rows 2k and 2k+1 interleaved per pair of columns.
    for (int k = 0; k < 8; ++k) {
      a[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
      a[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    // b[4k + j], 128-bit lane L: column 4L + j of rows 4k .. 4k+3.
    for (int k = 0; k < 4; ++k) {
      const __m512d a0 = _mm512_castps_pd(a[4 * k]), a1 = _mm512_castps_pd(a[4 * k + 1]);
      const __m512d a2 = _mm512_castps_pd(a[4 * k + 2]), a3 = _mm512_castps_pd(a[4 * k + 3]);
      b[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
      b[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
      b[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
      b[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    // Column 4L + j gathers lane L of b[j], b[4 + j], b[8 + j], b[12 + j].
    for (int j = 0; j < 4; ++j) {
      const __m512 c0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x44);
      const __m512 c1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x44);
      const __m512 c2 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xEE);
      const __m512 c3 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xEE);
      _mm512_storeu_ps(dst + (0 + j) * ld + i0, _mm512_shuffle_f32x4(c0, c1, 0x88));
      _mm512_storeu_ps(dst + (4 + j) * ld + i0, _mm512_shuffle_f32x4(c0, c1, 0xDD));
      _mm512_storeu_ps(dst + (8 + j) * ld + i0, _mm512_shuffle_f32x4(c2, c3, 0x88));
      _mm512_storeu_ps(dst + (12 + j) * ld + i0, _mm512_shuffle_f32x4(c2, c3, 0xDD));
    }
  }
}
#pragma GCC diagnostic pop
#endif

}  // namespace

Transpose16 transpose16_f32() {
#if defined(__x86_64__)
  if (settings().isa == Isa::avx512)
    return &transpose16_avx512;
#endif
  return nullptr;
}

}  // namespace mt::par
