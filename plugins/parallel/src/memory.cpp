// memory.cpp — aligned blocks with a size-keyed free list. A block carries a
// 64-byte header holding its size, so free needs no lookup. Large blocks are
// 2 MiB aligned and advised as huge pages: first touch of a 64 MB tensor then
// costs 32 faults instead of 16384. Not a general-purpose malloc.
#include "memory.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mt::par {

namespace {

constexpr std::size_t kHeader = kAlignment;                   // keeps the payload 64-aligned
constexpr std::size_t kHugeThreshold = std::size_t{4} << 20;  // blocks this big get huge pages
constexpr std::size_t kHugeAlignment = std::size_t{2} << 20;
// Bound on what the cache keeps. Training loops reuse a handful of sizes, and
// benchmarks of 16M-element ops reuse 64-128 MB outputs; beyond this, blocks
// go straight back to the system.
constexpr std::size_t kCacheLimit = std::size_t{768} << 20;

struct Header {
  std::size_t size;  // payload bytes, rounded
};

std::size_t round_size(std::size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

void* system_alloc(std::size_t size) {
  const std::size_t total = size + kHeader;
  const std::size_t align = total >= kHugeThreshold ? kHugeAlignment : kAlignment;
  void* raw = nullptr;
  if (posix_memalign(&raw, align, total) != 0 || raw == nullptr)
    throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (total >= kHugeThreshold)
    madvise(raw, total / kHugeAlignment * kHugeAlignment, MADV_HUGEPAGE);  // a hint only
#endif
  static_cast<Header*>(raw)->size = size;
  return static_cast<char*>(raw) + kHeader;
}

class Cache {
 public:
  void* take(std::size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty())
      return nullptr;
    void* block = it->second.back();
    it->second.pop_back();
    cached_ -= size;
    return block;
  }

  // True if kept; false means the caller returns it to the system.
  bool put(void* block, std::size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + size > kCacheLimit)
      return false;
    free_[size].push_back(block);
    cached_ += size;
    return true;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t cached_ = 0;
};

// Never destroyed: blocks may be freed by core's own static destructors after
// this library's would have run.
Cache& cache() {
  static Cache* const instance = new Cache();
  return *instance;
}

}  // namespace

void* buffer_alloc(std::size_t bytes) {
  // Refuse sizes whose rounding or header would wrap around.
  if (bytes > SIZE_MAX - kHeader - kHugeAlignment)
    throw std::bad_alloc();
  const std::size_t size = round_size(bytes == 0 ? 1 : bytes);
  if (void* block = cache().take(size))
    return block;
  return system_alloc(size);
}

std::size_t buffer_bytes(const void* block) noexcept {
  if (block == nullptr)
    return 0;
  const char* raw = static_cast<const char*>(block) - kHeader;
  return reinterpret_cast<const Header*>(raw)->size;
}

void buffer_free(void* block) noexcept {
  if (block == nullptr)
    return;
  char* raw = static_cast<char*>(block) - kHeader;
  const std::size_t size = reinterpret_cast<Header*>(raw)->size;
  bool kept = false;
  try {
    kept = cache().put(block, size);
  } catch (...) {
    kept = false;  // the free list could not grow: just release the block
  }
  if (!kept)
    std::free(raw);
}

}  // namespace mt::par
