// cuda_emulation.hpp — just enough of the CUDA runtime and device language to
// compile the plugin's kernel files (src/*.cu) as plain C++ and run them on
// CPU threads: one std::thread per CUDA thread of a block, blocks one after
// another, __syncthreads and __shfl_down_sync as barriers. It exists to test
// the kernels' indexing, reductions and tiling without a GPU. It is NOT a
// CUDA simulator: no warp-level lockstep, no memory model, no timing.
#ifndef MT_CUDA_EMULATION_HPP
#define MT_CUDA_EMULATION_HPP

#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__CUDACC__)
#error "cuda_emulation.hpp is for host compilers only"
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static  // blocks run one at a time, so one copy is per-block
#define __launch_bounds__(...)

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
  unsigned x, y, z;
};

inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
};
typedef struct CUstream_st* cudaStream_t;

namespace mt_emu {

// The block being run by this emulated thread.
struct BlockContext {
  explicit BlockContext(unsigned threads) : barrier(threads), slots(threads) {
    for (unsigned w = 0; w < threads / 32; ++w)
      warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
  }
  std::barrier<> barrier;
  std::vector<std::unique_ptr<std::barrier<>>> warp_barriers;
  std::vector<std::uint64_t> slots;  // one shuffle slot per thread
};

inline thread_local BlockContext* block = nullptr;
inline thread_local unsigned linear_thread = 0;
inline cudaError_t last_error = cudaSuccess;  // launches happen on one host thread

}  // namespace mt_emu

inline cudaError_t cudaGetLastError() {
  const cudaError_t error = mt_emu::last_error;
  mt_emu::last_error = cudaSuccess;
  return error;
}
inline const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
  }
  return "cudaErrorUnknown";
}
inline const char* cudaGetErrorString(cudaError_t error) {
  return error == cudaSuccess ? "no error" : "emulated error";
}

// A barrier every thread of the block must reach (a divergent one hangs
// the emulation, as it is undefined behaviour on a GPU).
inline void __syncthreads() {
  mt_emu::block->barrier.arrive_and_wait();
}

// Full-warp shuffle: every lane publishes its value, then reads lane +
// delta's (its own when that is past lane 31), as the hardware does.
template <class T>
T __shfl_down_sync(unsigned mask, T value, unsigned delta) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t) && std::is_trivially_copyable_v<T>);
  if (mask != 0xffffffffu)
    std::abort();  // the plugin only shuffles full warps
  mt_emu::BlockContext& b = *mt_emu::block;
  const unsigned tid = mt_emu::linear_thread;
  std::memcpy(&b.slots[tid], &value, sizeof(T));
  b.warp_barriers[tid / 32]->arrive_and_wait();
  T result = value;
  if (tid % 32 + delta < 32)
    std::memcpy(&result, &b.slots[tid + delta], sizeof(T));
  b.warp_barriers[tid / 32]->arrive_and_wait();
  return result;
}

// Runs kernel<<<grid, block>>>(args...) to completion. Rejects what a GPU
// would reject (and, stricter, blocks that are not whole warps, which the
// plugin never launches) by setting the last error, as a failed launch does.
template <class... Params, class... Args>
void mt_emulate_launch(void (*kernel)(Params...), dim3 grid, dim3 block, Args&&... args) {
  const unsigned long long threads = static_cast<unsigned long long>(block.x) * block.y * block.z;
  if (threads == 0 || threads > 1024 || threads % 32 != 0 || block.z > 64 || grid.x == 0 ||
      grid.y == 0 || grid.z == 0 || grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535) {
    mt_emu::last_error = cudaErrorInvalidConfiguration;
    return;
  }
  // Arguments converted to the kernel's parameter types, as a launch does.
  const std::tuple<std::decay_t<Params>...> params(std::forward<Args>(args)...);
  mt_emu::BlockContext context(static_cast<unsigned>(threads));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      mt_emu::block = &context;
      mt_emu::linear_thread = t;
      threadIdx = {t % block.x, t / block.x % block.y, t / (block.x * block.y)};
      blockDim = block;
      gridDim = grid;
      for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
          for (unsigned x = 0; x < grid.x; ++x) {
            blockIdx = {x, y, z};
            std::apply(kernel, params);
            context.barrier.arrive_and_wait();  // the block ends before the next starts
          }
    });
  }
  for (std::thread& thread : pool)
    thread.join();
}

#endif  // MT_CUDA_EMULATION_HPP
