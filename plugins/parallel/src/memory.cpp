// memory.cpp — the caching allocator behind memory.hpp. Requests are rounded
// to size classes; freed blocks are kept per class under one mutex, bounded
// in bytes, and the least recently used classes go back to the system first.
// A block carries a 64-byte header (request and class), so free needs no
// lookup. Large blocks are 2 MiB aligned and advised as huge pages. Adopted
// caller memory has no header and lives in a small registry instead. Not a
// malloc: no realloc, no per-thread caches.
#include "memory.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
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
constexpr std::size_t kExactClassLimit = 1024;  // classes are 64-byte steps up to here

struct Header {
  std::size_t request;   // bytes asked for, rounded up to 64 (buffer_bytes)
  std::size_t capacity;  // the size class: payload bytes actually there
};
static_assert(sizeof(Header) <= kHeader);

Header& header_of(void* block) {
  return *reinterpret_cast<Header*>(static_cast<char*>(block) - kHeader);
}

std::size_t round_up(std::size_t bytes, std::size_t step) {
  return (bytes + step - 1) / step * step;
}

std::atomic<std::uint64_t> g_system_allocs{0};
std::atomic<std::uint64_t> g_evictions{0};

void* system_alloc(std::size_t request, std::size_t capacity) {
  const std::size_t total = capacity + kHeader;
  const std::size_t align = total >= kHugeThreshold ? kHugeAlignment : kAlignment;
  void* raw = nullptr;
  if (posix_memalign(&raw, align, total) != 0 || raw == nullptr)
    throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (total >= kHugeThreshold)
    madvise(raw, total / kHugeAlignment * kHugeAlignment, MADV_HUGEPAGE);  // a hint only
#endif
  g_system_allocs.fetch_add(1, std::memory_order_relaxed);
  auto* h = static_cast<Header*>(raw);
  h->request = request;
  h->capacity = capacity;
  return static_cast<char*>(raw) + kHeader;
}

void system_free(void* block) noexcept {
  std::free(static_cast<char*>(block) - kHeader);
}

// Index of a class capacity (from class_of): 16 classes of 64-byte steps up
// to 1 KiB, then 8 per octave.
constexpr int kClassCount = 16 + 8 * 54;

int class_index(std::size_t capacity) {
  if (capacity <= kExactClassLimit)
    return static_cast<int>(capacity / kAlignment) - 1;
  const int lg = static_cast<int>(std::bit_width(capacity - 1)) - 1;  // >= 10
  const std::size_t k = capacity >> (lg - 3);                         // 9..16
  return 16 + (lg - 10) * 8 + static_cast<int>(k) - 9;
}

// The cache: a LIFO list of free blocks per size class (the most recently
// freed block is the one most likely still in a CPU cache), each class
// stamped with when it was last used, so eviction starts with the coldest.
// One mutex: a per-thread front cache was tried and measured slower (its
// thread-local lookups from a dlopen'd library cost more than the
// uncontended lock), and one lock keeps the bound exact.
class Cache {
 public:
  void* take(std::size_t capacity) {
    const int c = class_index(capacity);
    std::lock_guard<std::mutex> lock(mutex_);
    Bin& bin = bins_[c];
    if (bin.blocks.empty())
      return nullptr;
    void* block = bin.blocks.back();
    bin.blocks.pop_back();
    bin.last_use = ++clock_;
    cached_ -= capacity;
    return block;
  }

  // True if kept; false means the caller gives the block to the system.
  // Throws std::bad_alloc if the bookkeeping cannot grow.
  bool put(void* block, std::size_t capacity) {
    if (capacity > kCacheLimitBytes)
      return false;
    const int c = class_index(capacity);
    std::lock_guard<std::mutex> lock(mutex_);
    Bin& bin = bins_[c];
    bin.blocks.reserve(bin.blocks.size() + 1);  // the only step that can throw
    bin.last_use = ++clock_;
    while (cached_ + capacity > kCacheLimitBytes && evict_coldest(c)) {
    }
    bin.blocks.push_back(block);
    cached_ += capacity;
    return true;
  }

  std::size_t cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

 private:
  struct Bin {
    std::vector<void*> blocks;
    std::uint64_t last_use = 0;
  };

  // Gives one block back to the system: from the least recently used
  // non-empty class other than `keep`, else from `keep` itself; false when
  // the cache is empty.
  bool evict_coldest(int keep) {
    int coldest = -1;
    for (int c = 0; c < kClassCount; ++c) {
      if (c == keep || bins_[c].blocks.empty())
        continue;
      if (coldest < 0 || bins_[c].last_use < bins_[coldest].last_use)
        coldest = c;
    }
    Bin& victim = bins_[coldest < 0 ? keep : coldest];
    if (victim.blocks.empty())
      return false;
    void* block = victim.blocks.back();
    victim.blocks.pop_back();
    cached_ -= header_of(block).capacity;
    system_free(block);
    g_evictions.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  std::mutex mutex_;
  Bin bins_[kClassCount];
  std::size_t cached_ = 0;
  std::uint64_t clock_ = 0;
};

// Never destroyed: blocks may be freed by core's own static destructors after
// this library's would have run.
Cache& cache() {
  static Cache* const instance = new Cache();
  return *instance;
}

}  // namespace

std::size_t buffer_class_bytes(std::size_t bytes) noexcept {
  const std::size_t r = round_up(bytes == 0 ? 1 : bytes, kAlignment);
  if (r <= kExactClassLimit)
    return r;
  // 2^lg < r <= 2^(lg + 1): eight classes in that octave.
  const int lg = static_cast<int>(std::bit_width(r - 1)) - 1;
  return round_up(r, std::size_t{1} << (lg - 3));
}

void* buffer_alloc(std::size_t bytes) {
  // Refuse sizes whose rounding or header would wrap around.
  if (bytes > SIZE_MAX / 4)
    throw std::bad_alloc();
  const std::size_t request = round_up(bytes == 0 ? 1 : bytes, kAlignment);
  const std::size_t capacity = buffer_class_bytes(bytes);
  void* block = cache().take(capacity);
  if (block == nullptr)
    return system_alloc(request, capacity);
  header_of(block).request = request;
  return block;
}

std::size_t buffer_bytes(const void* block) noexcept {
  if (block == nullptr)
    return 0;
  return header_of(const_cast<void*>(block)).request;
}

void buffer_free(void* block) noexcept {
  if (block == nullptr)
    return;
  bool kept = false;
  try {
    kept = cache().put(block, header_of(block).capacity);
  } catch (...) {
    kept = false;  // the free list could not grow: just release the block
  }
  if (!kept)
    system_free(block);
}

namespace {

struct AdoptedEntry {
  std::size_t bytes = 0;    // the largest size adopted at this address
  std::size_t handles = 0;  // live handles of it
};

struct AdoptedRegistry {
  std::mutex mutex;
  std::unordered_map<const void*, AdoptedEntry> entries;
  std::atomic<std::size_t> live{0};  // entries.size(), readable without the lock
};

// Never destroyed, like the cache: handles may be freed from static destructors.
AdoptedRegistry& adopted_registry() {
  static AdoptedRegistry* const instance = new AdoptedRegistry();
  return *instance;
}

}  // namespace

void adopted_add(void* data, std::size_t bytes) {
  AdoptedRegistry& r = adopted_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  AdoptedEntry& entry = r.entries[data];
  entry.bytes = std::max(entry.bytes, bytes);
  ++entry.handles;
  r.live.store(r.entries.size(), std::memory_order_release);
}

bool adopted_forget(const void* data) noexcept {
  AdoptedRegistry& r = adopted_registry();
  if (data == nullptr || r.live.load(std::memory_order_acquire) == 0)
    return false;
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto found = r.entries.find(data);
  if (found == r.entries.end())
    return false;
  if (--found->second.handles == 0)
    r.entries.erase(found);
  r.live.store(r.entries.size(), std::memory_order_release);
  return true;
}

std::size_t adopted_bytes(const void* data) noexcept {
  AdoptedRegistry& r = adopted_registry();
  if (data == nullptr || r.live.load(std::memory_order_acquire) == 0)
    return 0;
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto found = r.entries.find(data);
  return found == r.entries.end() ? 0 : found->second.bytes;
}

BufferCacheStats buffer_cache_stats() {
  BufferCacheStats s;
  s.cached_bytes = cache().cached();
  s.system_allocs = g_system_allocs.load(std::memory_order_relaxed);
  s.evictions = g_evictions.load(std::memory_order_relaxed);
  return s;
}

}  // namespace mt::par
