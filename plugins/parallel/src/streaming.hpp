// streaming.hpp — non-temporal (cache-bypassing) stores for element-wise
// outputs too large to stay in cache: the line is written without first
// being read, which cuts a third of the memory traffic of `out = a + b`.
// SSE2 on x86-64; plain stores elsewhere. Not for data read again soon.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace mt::par {

// Outputs of at least this many bytes are written with streaming stores
// (well above what a core's caches could keep for the next op anyway).
inline constexpr int64_t kStreamBytes = int64_t{32} << 20;

// dst[0..n) = src[0..n) with non-temporal stores where dst is 16-aligned.
template <class T>
inline void stream_copy(T* dst, const T* src, int64_t n) {
#if defined(__SSE2__)
  constexpr int64_t kLanes = 16 / sizeof(T);
  int64_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(dst + i) & 15) != 0; ++i)
    dst[i] = src[i];
  for (; i + kLanes <= n; i += kLanes) {
    if constexpr (sizeof(T) == 4)
      _mm_stream_ps(reinterpret_cast<float*>(dst + i),
                    _mm_loadu_ps(reinterpret_cast<const float*>(src + i)));
    else
      _mm_stream_pd(reinterpret_cast<double*>(dst + i),
                    _mm_loadu_pd(reinterpret_cast<const double*>(src + i)));
  }
  for (; i < n; ++i)
    dst[i] = src[i];
#else
  std::memcpy(dst, src, sizeof(T) * static_cast<std::size_t>(n));
#endif
}

// dst[0..n) = value, with non-temporal stores where dst is 16-aligned.
template <class T>
inline void stream_fill(T* dst, T value, int64_t n) {
#if defined(__SSE2__)
  constexpr int64_t kLanes = 16 / sizeof(T);
  int64_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(dst + i) & 15) != 0; ++i)
    dst[i] = value;
  if constexpr (sizeof(T) == 4) {
    const __m128 v = _mm_set1_ps(static_cast<float>(value));
    for (; i + kLanes <= n; i += kLanes)
      _mm_stream_ps(reinterpret_cast<float*>(dst + i), v);
  } else {
    const __m128d v = _mm_set1_pd(static_cast<double>(value));
    for (; i + kLanes <= n; i += kLanes)
      _mm_stream_pd(reinterpret_cast<double*>(dst + i), v);
  }
  for (; i < n; ++i)
    dst[i] = value;
#else
  for (int64_t i = 0; i < n; ++i)
    dst[i] = value;
#endif
}

// Streaming stores are weakly ordered: each task fences before it ends, so
// the data is in memory before anyone is told the task is done.
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

}  // namespace mt::par
