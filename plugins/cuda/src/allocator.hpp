// allocator.hpp — the plugin's caching device allocator: size-bucketed free
// lists so training loops do not pay cudaMalloc / cudaFree on every step.
// Not a sub-allocator: one cudaMalloc per cached block, no splitting.
#ifndef MT_CUDA_ALLOCATOR_HPP
#define MT_CUDA_ALLOCATOR_HPP

#include "launch.hpp"

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace mt::cuda {

class CachingAllocator final : public Workspace {
 public:
  CachingAllocator() = default;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;
  // Makes no CUDA call: by the time static destructors run, the CUDA
  // runtime may be gone. Memory is returned by shut_down() instead.
  ~CachingAllocator() = default;

  // A block of at least `bytes` (> 0) bytes, 256-byte aligned (cudaMalloc's
  // guarantee). Reuses a cached block of the same bucket when there is one;
  // when cudaMalloc reports out-of-memory, returns every cached block to the
  // driver and tries once more. Throws mt::sdk::Error (MT_ERR_OUT_OF_MEMORY
  // or MT_ERR_DEVICE) naming the size and the CUDA error.
  void* allocate(std::size_t bytes);

  // Puts a live block back on its free list. Throws MT_ERR_INVALID_ARG when
  // `block` is not live (never allocated here, or already freed).
  void deallocate(void* block);

  // Bytes requested for a live block; nullopt when `block` is not live.
  std::optional<std::size_t> live_bytes(const void* block) const;

  // cudaFree on every block, cached or live, ignoring errors; afterwards
  // deallocate() accepts any pointer as a no-op and allocate() fails. For
  // process exit / unload, while the CUDA runtime is still up.
  void shut_down() noexcept;

  // Workspace: temporary blocks for multi-pass kernels.
  void* acquire(std::size_t bytes) override { return allocate(bytes); }
  void release(void* block) noexcept override;

  // Size class of a request: powers of two up to 1 MiB (at least 512 B),
  // then four classes per power of two (at most 25% slack).
  static std::size_t bucket_size(std::size_t bytes);

 private:
  struct Live {
    std::size_t requested;
    std::size_t bucket;
  };
  cudaError_t release_cached_locked() noexcept;

  mutable std::mutex mutex_;
  bool shut_down_ = false;
  std::map<std::size_t, std::vector<void*>> free_;  // bucket size -> cached blocks
  std::unordered_map<const void*, Live> live_;
};

}  // namespace mt::cuda

#endif  // MT_CUDA_ALLOCATOR_HPP
