// optim.cpp — optim_step for the parallel backend: the SDK's per-element
// update (mt::sdk::optim_update) over contiguous rows, with the step's
// branches (weight decay, momentum, nesterov) made compile-time so each
// variant is one straight vector loop; AVX2 / AVX-512 builds of the loops are
// picked at run time like the GEMM kernels (Adam's sqrt and divide are the
// cost). Built without FMA contraction, so every lane rounds exactly like
// core's element-wise path. All parameters of a call form one index space:
// a small model's whole step runs inline, a large one is split across the
// arena regardless of how it is cut into tensors.
#include "optim.hpp"

#include "runtime.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <vector>

namespace mt::par {

namespace {

template <class T>
using Row = void (*)(const sdk::OptimCoefficients<T>& c, int64_t n, T* p, const T* g, T* b0, T* b1);

// One contiguous stretch of one parameter. Flags are template arguments, so
// the branches of the formula fold away inside the loop.
template <class T, int32_t Kind, bool Decay, bool Momentum, bool Nesterov>
[[gnu::always_inline]] inline void row_body(const sdk::OptimCoefficients<T>& coefficients,
                                            int64_t n, T* __restrict p, const T* __restrict g,
                                            T* __restrict b0, T* __restrict b1) {
  sdk::OptimCoefficients<T> c = coefficients;
  c.has_weight_decay = Decay;
  c.has_momentum = Momentum;
  c.nesterov = Nesterov;
  if constexpr (Kind == MT_OPTIM_SGD && !Momentum) {
    T unused0{}, unused1{};
    for (int64_t i = 0; i < n; ++i)
      sdk::optim_update<T, Kind>(c, p[i], g[i], unused0, unused1);
  } else if constexpr (Kind == MT_OPTIM_SGD) {
    T unused{};
    for (int64_t i = 0; i < n; ++i)
      sdk::optim_update<T, Kind>(c, p[i], g[i], b0[i], unused);
  } else {
    for (int64_t i = 0; i < n; ++i)
      sdk::optim_update<T, Kind>(c, p[i], g[i], b0[i], b1[i]);
  }
}

#define MT_OPTIM_ROWS(SUFFIX, ATTR)                                                              \
  template <class T, int32_t Kind, bool Decay, bool Momentum, bool Nesterov>                     \
  ATTR void row_##SUFFIX(const sdk::OptimCoefficients<T>& c, int64_t n, T* p, const T* g, T* b0, \
                         T* b1) {                                                                \
    row_body<T, Kind, Decay, Momentum, Nesterov>(c, n, p, g, b0, b1);                            \
  }
MT_OPTIM_ROWS(generic, )
#if defined(__x86_64__)
MT_OPTIM_ROWS(avx512, __attribute__((target("avx512f,avx2,fma,prefer-vector-width=512"))))
MT_OPTIM_ROWS(avx2, __attribute__((target("avx2,fma"))))
#endif
#undef MT_OPTIM_ROWS

template <class T, int32_t Kind, bool Decay, bool Momentum, bool Nesterov>
Row<T> row_for(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::avx512)
    return &row_avx512<T, Kind, Decay, Momentum, Nesterov>;
  if (isa == Isa::avx2)
    return &row_avx2<T, Kind, Decay, Momentum, Nesterov>;
#endif
  (void)isa;
  return &row_generic<T, Kind, Decay, Momentum, Nesterov>;
}

// The row loop for this step's kind and flags.
template <class T>
Row<T> pick_row(const sdk::OptimCoefficients<T>& c, Isa isa) {
  const bool decay = c.has_weight_decay;
  switch (c.kind) {
    case MT_OPTIM_SGD:
      if (!c.has_momentum)
        return decay ? row_for<T, MT_OPTIM_SGD, true, false, false>(isa)
                     : row_for<T, MT_OPTIM_SGD, false, false, false>(isa);
      if (c.nesterov)
        return decay ? row_for<T, MT_OPTIM_SGD, true, true, true>(isa)
                     : row_for<T, MT_OPTIM_SGD, false, true, true>(isa);
      return decay ? row_for<T, MT_OPTIM_SGD, true, true, false>(isa)
                   : row_for<T, MT_OPTIM_SGD, false, true, false>(isa);
    case MT_OPTIM_ADAM:
      return decay ? row_for<T, MT_OPTIM_ADAM, true, false, false>(isa)
                   : row_for<T, MT_OPTIM_ADAM, false, false, false>(isa);
    default:
      return decay ? row_for<T, MT_OPTIM_ADAMW, true, false, false>(isa)
                   : row_for<T, MT_OPTIM_ADAMW, false, false, false>(isa);
  }
}

// Elements per task: SGD is a few cheap operations per element (the
// element-wise ops' grain); Adam adds a sqrt and a divide, about four times
// the work per element.
int64_t grain(int32_t kind) {
  const int64_t cheap = grain_for(sdk::Cost::cheap);
  return kind == MT_OPTIM_SGD ? cheap : cheap / 4;
}

template <class T>
void run(const mt_optim_step& step, int32_t count, const mt_view* params, const mt_view* grads,
         const mt_view* state0, const mt_view* state1) {
  const sdk::OptimCoefficients<T> c = sdk::optim_coefficients<T>(step);
  const Row<T> row = pick_row<T>(c, settings().isa);
  const bool uses0 = sdk::optim_uses_state0(step), uses1 = sdk::optim_uses_state1(step);
  // Where each parameter starts in the one index space of the call.
  std::vector<int64_t> start(static_cast<std::size_t>(count) + 1, 0);
  for (int32_t i = 0; i < count; ++i)
    start[static_cast<std::size_t>(i) + 1] =
        start[static_cast<std::size_t>(i)] + sdk::element_count(params[i]);
  const auto body = [&](int64_t begin, int64_t end) {
    // The parameter holding `begin`, then each one the range reaches.
    auto i = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), begin) -
                                      start.begin() - 1);
    for (; begin < end; ++i) {
      const int64_t from = begin - start[i];
      const int64_t n = std::min(end, start[i + 1]) - begin;
      if (n > 0) {
        T* b0 = uses0 ? sdk::typed_data<T>(state0[i]) + from : nullptr;
        T* b1 = uses1 ? sdk::typed_data<T>(state1[i]) + from : nullptr;
        row(c, n, sdk::typed_data<T>(params[i]) + from, sdk::typed_data<T>(grads[i]) + from, b0,
            b1);
      }
      begin += n;
    }
  };
  parallel_for(0, start.back(), grain(step.kind), body);
}

}  // namespace

void optim_step(const mt_optim_step& step, int32_t count, const mt_view* params,
                const mt_view* grads, const mt_view* state0, const mt_view* state1) {
  if (count == 0)
    return;
  sdk::dispatch_dtype(params[0].dtype, [&](auto zero) {
    run<decltype(zero)>(step, count, params, grads, state0, state1);
  });
}

}  // namespace mt::par
