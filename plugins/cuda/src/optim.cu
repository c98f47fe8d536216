// optim.cu — optim_step: one grid-stride kernel launch per parameter that
// reads p, g and the state once and writes them once, with the SDK's
// per-element update (mt::sdk::optim_update) and the step's kind as a
// template argument. Compiled with --fmad=false (see CMakeLists.txt), so it
// rounds like core's element-wise path; sqrt and division are IEEE-rounded
// (nvcc's defaults). Not a multi-tensor-apply: a model's few tens of
// parameters cost a few tens of launches.
#include "device_common.cuh"

#include <cstdint>

namespace mt::cuda {
namespace {

constexpr int kThreads = 256;

template <class T, int32_t Kind>
__global__ void __launch_bounds__(kThreads)
    optim_kernel(mt::sdk::OptimCoefficients<T> c, int64_t n, T* p, const T* g, T* b0, T* b1) {
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = first; i < n; i += step) {
    T unused0{}, unused1{};
    mt::sdk::optim_update<T, Kind>(c, p[i], g[i], b0 != nullptr ? b0[i] : unused0,
                                   b1 != nullptr ? b1[i] : unused1);
  }
}

}  // namespace

void launch_optim_step(const LaunchEnv& env, const mt_optim_step& step, int32_t count,
                       const mt_view* params, const mt_view* grads, const mt_view* state0,
                       const mt_view* state1) {
  if (count == 0)
    return;
  const bool uses0 = mt::sdk::optim_uses_state0(step), uses1 = mt::sdk::optim_uses_state1(step);
  mt::sdk::dispatch_dtype(params[0].dtype, [&](auto zero) {
    using T = decltype(zero);
    const mt::sdk::OptimCoefficients<T> c = mt::sdk::optim_coefficients<T>(step);
    mt::sdk::dispatch_optim_kind(step.kind, [&](auto kind) {
      for (int32_t i = 0; i < count; ++i) {
        const int64_t n = mt::sdk::element_count(params[i]);
        if (n == 0)
          continue;
        T* b0 = uses0 ? mt::sdk::typed_data<T>(state0[i]) : nullptr;
        T* b1 = uses1 ? mt::sdk::typed_data<T>(state1[i]) : nullptr;
        launch_kernel("optim_step", &optim_kernel<T, decltype(kind)::value>,
                      dim3(grid_for(env, n, kThreads)), dim3(kThreads), env, c, n,
                      mt::sdk::typed_data<T>(params[i]), mt::sdk::typed_data<T>(grads[i]), b0, b1);
      }
    });
  });
}

}  // namespace mt::cuda
