// device_common.cuh — what every kernel file shares: strided layouts passed
// by value, host-side dim coalescing, index decoding, vector packs, grid
// sizing and the single launch point. Not a tensor library.
//
// The CUDA sources are C++17 (CMake 3.25 knows no C++20 flag for nvcc).
#ifndef MT_CUDA_DEVICE_COMMON_CUH
#define MT_CUDA_DEVICE_COMMON_CUH

#include "cuda_error.hpp"
#include "launch.hpp"

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

// Only the device pass sees the pragma; the host compiler would warn on it.
#if defined(__CUDA_ARCH__)
#define MT_UNROLL _Pragma("unroll")
#else
#define MT_UNROLL
#endif

namespace mt::cuda {

// NV views walked together over one shape (views[0] is the output). Passed to
// kernels by value: at most 16 + 16 * NV int64 values, far below the 4 KiB
// kernel parameter limit.
template <int NV>
struct Layout {
  int32_t ndim = 0;
  int64_t shape[MT_MAX_DIMS] = {};
  int64_t strides[NV][MT_MAX_DIMS] = {};
};

// Builds the layout of NV views over `shape`, dropping dims of size 1 and
// merging neighbouring dims that every view steps through as one (outer
// stride == inner stride * inner size). Row-major order of the linear index
// is kept, so index i still names the same element. The caller handles
// shapes with a zero dim (no elements) before calling.
template <int NV>
Layout<NV> coalesce(int32_t ndim, const int64_t* shape, const int64_t* const (&strides)[NV]) {
  Layout<NV> out;
  for (int32_t d = 0; d < ndim; ++d) {
    if (shape[d] == 1)
      continue;
    bool merge = out.ndim > 0;
    for (int v = 0; merge && v < NV; ++v)
      merge = out.strides[v][out.ndim - 1] == strides[v][d] * shape[d];
    if (merge) {
      out.shape[out.ndim - 1] *= shape[d];
      for (int v = 0; v < NV; ++v)
        out.strides[v][out.ndim - 1] = strides[v][d];
    } else {
      out.shape[out.ndim] = shape[d];
      for (int v = 0; v < NV; ++v)
        out.strides[v][out.ndim] = strides[v][d];
      ++out.ndim;
    }
  }
  return out;
}

// Element positions (relative to each view's base pointer) of linear index
// `i` in row-major order. Index is uint32_t when the element count fits in
// 31 bits (cheap division on the GPU), else int64_t.
template <class Index, int NV>
__host__ __device__ __forceinline__ void decode_positions(const Layout<NV>& layout, Index i,
                                                          int64_t (&pos)[NV]) {
  MT_UNROLL
  for (int v = 0; v < NV; ++v)
    pos[v] = 0;
  for (int32_t d = layout.ndim - 1; d >= 0; --d) {
    const Index size = static_cast<Index>(layout.shape[d]);
    const Index q = i / size;
    const int64_t c = static_cast<int64_t>(i - q * size);
    i = q;
    MT_UNROLL
    for (int v = 0; v < NV; ++v)
      pos[v] += c * layout.strides[v][d];
  }
}

// W elements of T moved as one 16-byte access (float4 / double2 width).
template <class T, int W>
struct alignas(sizeof(T) * W) Pack {
  T v[W];
};

template <class T>
inline constexpr int kVectorWidth = static_cast<int>(16 / sizeof(T));

__host__ __device__ __forceinline__ int64_t min64(int64_t a, int64_t b) {
  return a < b ? a : b;
}

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// Blocks for a grid-stride loop over `work` items with `threads` per block:
// enough to cover the work, capped at a few waves of resident blocks (each
// thread then loops) so huge tensors do not launch millions of blocks.
inline unsigned grid_for(const LaunchEnv& env, int64_t work, int threads) {
  const int64_t per_sm = std::max<int64_t>(1, env.max_threads_per_sm / threads);
  const int64_t cap = std::max<int64_t>(1, int64_t{env.sm_count} * per_sm * 4);
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(ceil_div(work, threads), cap)));
}

// The single launch point: the <<<>>> syntax lives here only, so every other
// line of the kernel files is ordinary C++. Launch errors (bad configuration,
// no kernel image, a sticky error from earlier work) throw naming `what`.
template <class... Params, class... Args>
void launch_kernel(const char* what, void (*kernel)(Params...), dim3 grid, dim3 block,
                   const LaunchEnv& env, Args&&... args) {
#if defined(__CUDACC__)
  kernel<<<grid, block, 0, env.stream>>>(std::forward<Args>(args)...);
#else
  // Host builds of these files exist only for the kernel emulation test,
  // which provides this function (tests/emulation).
  (void)env;
  mt_emulate_launch(kernel, grid, block, std::forward<Args>(args)...);
#endif
  check_cuda(cudaGetLastError(), (std::string(what) + " kernel launch").c_str());
}

}  // namespace mt::cuda

#endif  // MT_CUDA_DEVICE_COMMON_CUH
