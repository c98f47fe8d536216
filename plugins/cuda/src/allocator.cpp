// allocator.cpp — the caching device allocator (see allocator.hpp). All
// bookkeeping is host-side; the device only ever sees cudaMalloc / cudaFree.
#include "allocator.hpp"

#include "cuda_error.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <cstdint>
#include <string>

namespace mt::cuda {

namespace {
constexpr std::size_t kMinBucket = 512;
constexpr std::size_t kPowerOfTwoLimit = std::size_t{1} << 20;
}  // namespace

std::size_t CachingAllocator::bucket_size(std::size_t bytes) {
  if (bytes <= kMinBucket)
    return kMinBucket;
  const int top = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1));
  if (bytes <= kPowerOfTwoLimit)
    return std::size_t{1} << (top + 1);
  // 2^top < bytes <= 2^(top+1): round up to a quarter of 2^top.
  const std::size_t granule = std::size_t{1} << (top - 2);
  if (bytes > SIZE_MAX - granule)
    return 0;  // no class can hold it; allocate() reports out-of-memory
  return (bytes + granule - 1) / granule * granule;
}

void CachingAllocator::shut_down() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  (void)release_cached_locked();
  // Live blocks now belong to tensors that outlive the runtime; their later
  // free() calls become no-ops.
  for (const auto& entry : live_)
    (void)cudaFree(const_cast<void*>(entry.first));
  live_.clear();
  shut_down_ = true;
}

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t bucket = bucket_size(bytes);
  if (bucket == 0)
    throw mt::sdk::Error(MT_ERR_OUT_OF_MEMORY,
                         "cannot allocate " + std::to_string(bytes) + " bytes (size overflows)");
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_)
    throw mt::sdk::Error(MT_ERR_DEVICE, "the CUDA backend has shut down (process exit)");
  const auto cached = free_.find(bucket);
  if (cached != free_.end() && !cached->second.empty()) {
    void* block = cached->second.back();
    live_.emplace(block, Live{bytes, bucket});  // may throw: block stays cached
    cached->second.pop_back();
    return block;
  }
  void* block = nullptr;
  cudaError_t status = cudaMalloc(&block, bucket);
  if (status == cudaErrorMemoryAllocation) {
    // The cache may be holding the memory we need: give it all back, once.
    (void)cudaGetLastError();
    (void)release_cached_locked();
    block = nullptr;
    status = cudaMalloc(&block, bucket);
  }
  if (status != cudaSuccess)
    throw_cuda_error(status, "cudaMalloc of " + std::to_string(bucket) + " bytes (" +
                                 std::to_string(bytes) + " requested)");
  try {
    live_.emplace(block, Live{bytes, bucket});
  } catch (...) {
    (void)cudaFree(block);
    throw;
  }
  return block;
}

void CachingAllocator::deallocate(void* block) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_)
    return;  // already returned to the driver
  const auto found = live_.find(block);
  if (found == live_.end())
    throw mt::sdk::Error(MT_ERR_INVALID_ARG,
                         "buffer was not allocated by this plugin, or was already freed");
  free_[found->second.bucket].push_back(block);  // may throw: block stays live
  live_.erase(found);
}

void CachingAllocator::release(void* block) noexcept {
  try {
    deallocate(block);
  } catch (...) {
    // A workspace block is always live; nothing useful to report here.
  }
}

std::optional<std::size_t> CachingAllocator::live_bytes(const void* block) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = live_.find(block);
  if (found == live_.end())
    return std::nullopt;
  return found->second.requested;
}

cudaError_t CachingAllocator::release_cached_locked() noexcept {
  cudaError_t first = cudaSuccess;
  for (auto& bucket : free_) {
    for (void* block : bucket.second) {
      const cudaError_t status = cudaFree(block);
      if (status != cudaSuccess && first == cudaSuccess)
        first = status;
    }
  }
  free_.clear();
  return first;
}

}  // namespace mt::cuda
