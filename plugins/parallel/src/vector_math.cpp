// vector_math.cpp — the exp / log / sigmoid loops of vector_math.hpp compiled
// again for AVX2 and AVX-512, picked at run time like the GEMM kernels: these
// ops are compute-bound, so 8- and 16-lane vectors pay where plain
// element-wise ops (memory-bound) gain nothing over the baseline build.
// Built without FMA contraction, so every lane rounds exactly like the
// baseline loop and the strided paths.
#include "vector_math.hpp"

#include "runtime.hpp"

#include <minitorch/plugin_abi.h>

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

template <class T>
MapLoop<T> pick(Isa isa, int32_t op) {
  const bool wide = isa == Isa::avx512;
  switch (op) {
    case MT_MAP_EXP:
      return wide ? &loop_avx512<T, MT_MAP_EXP> : &loop_avx2<T, MT_MAP_EXP>;
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
