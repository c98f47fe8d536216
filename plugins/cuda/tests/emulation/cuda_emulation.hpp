// cuda_emulation.hpp — just enough CUDA runtime and device language to run the
// plugin's kernel files on CPU threads (one std::thread per CUDA thread).
// NOT a CUDA simulator: no lockstep warps, no memory model, no timing.
//
// Blocks run one after another; __syncthreads and __shfl_down_sync are
// barriers, so a divergent barrier hangs and a missing one is a data race
// that ThreadSanitizer reports.
#ifndef MT_CUDA_EMULATION_HPP
#define MT_CUDA_EMULATION_HPP

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
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
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
};
typedef struct CUstream_st* cudaStream_t;
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };
struct cudaDeviceProp {
  char name[256];
  int major, minor, multiProcessorCount, maxThreadsPerMultiProcessor;
};

namespace mt_emu {

// A reusable barrier that sleeps at once: with hundreds of emulated threads
// on a few cores, spinning (as std::barrier does first) only burns time.
class Barrier {
 public:
  explicit Barrier(unsigned count) : count_(count) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t phase = phase_;
    if (++arrived_ == count_) {
      arrived_ = 0;
      ++phase_;
      lock.unlock();
      wake_.notify_all();
      return;
    }
    wake_.wait(lock, [&] { return phase_ != phase; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  const unsigned count_;
  unsigned arrived_ = 0;
  std::uint64_t phase_ = 0;
};

// The block being run by this emulated thread.
struct BlockContext {
  explicit BlockContext(unsigned threads) : barrier(threads), slots(2 * threads) {
    for (unsigned w = 0; w < threads / 32; ++w)
      warp_barriers.push_back(std::make_unique<Barrier>(32));
  }
  Barrier barrier;
  std::vector<std::unique_ptr<Barrier>> warp_barriers;
  // Two shuffle slots per thread, used alternately: a lane that has passed
  // shuffle k's barrier writes shuffle k+1's slot while slower lanes still
  // read shuffle k's; it cannot reach k+2 before they have all read.
  std::vector<std::uint64_t> slots;
};

inline thread_local BlockContext* block = nullptr;
inline thread_local unsigned linear_thread = 0;
inline thread_local unsigned shuffle_parity = 0;
inline cudaError_t last_error = cudaSuccess;  // launches happen on one host thread

// "Device" memory is host memory; a budget lets tests provoke out-of-memory.
inline std::size_t memory_budget = SIZE_MAX;
inline std::size_t memory_in_use = 0;
inline std::vector<std::pair<void*, std::size_t>> blocks;

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
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
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

// The runtime API calls plugin.cpp and allocator.cpp make: one emulated
// device (compute capability 9.0, 2 multiprocessors), synchronous copies.
inline cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : cudaErrorInvalidValue;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0)
    return cudaErrorInvalidValue;
  *prop = cudaDeviceProp{};
  std::strcpy(prop->name, "emulated device");
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 2;
  prop->maxThreadsPerMultiProcessor = 512;
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void** out, std::size_t bytes) {
  *out = nullptr;
  if (bytes > mt_emu::memory_budget - mt_emu::memory_in_use) {
    mt_emu::last_error = cudaErrorMemoryAllocation;
    return cudaErrorMemoryAllocation;
  }
  *out = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (*out == nullptr)
    return cudaErrorMemoryAllocation;
  mt_emu::memory_in_use += bytes;
  mt_emu::blocks.emplace_back(*out, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* block) {
  if (block == nullptr)
    return cudaSuccess;
  for (auto it = mt_emu::blocks.begin(); it != mt_emu::blocks.end(); ++it) {
    if (it->first == block) {
      mt_emu::memory_in_use -= it->second;
      mt_emu::blocks.erase(it);
      std::free(block);
      return cudaSuccess;
    }
  }
  return cudaErrorInvalidValue;
}
inline cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind) {
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() {
  return cudaSuccess;
}

// A barrier every thread of the block must reach (a divergent one hangs
// the emulation, as it is undefined behaviour on a GPU).
inline void __syncthreads() {
  mt_emu::block->barrier.arrive_and_wait();
}

// Full-warp shuffle: every lane publishes its value, then reads lane +
// delta's (its own when that is past lane 31), as the hardware does. The
// lanes of a warp make the same sequence of shuffles, so their parities
// agree.
template <class T>
T __shfl_down_sync(unsigned mask, T value, unsigned delta) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t) && std::is_trivially_copyable_v<T>);
  if (mask != 0xffffffffu)
    std::abort();  // the plugin only shuffles full warps
  mt_emu::BlockContext& b = *mt_emu::block;
  const unsigned tid = mt_emu::linear_thread;
  const std::size_t base = mt_emu::shuffle_parity * (b.slots.size() / 2);
  mt_emu::shuffle_parity ^= 1u;
  std::memcpy(&b.slots[base + tid], &value, sizeof(T));
  b.warp_barriers[tid / 32]->arrive_and_wait();
  T result = value;
  if (tid % 32 + delta < 32)
    std::memcpy(&result, &b.slots[base + tid + delta], sizeof(T));
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
      mt_emu::shuffle_parity = 0;
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
