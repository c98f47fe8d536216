// memory.hpp — the parallel plugin's buffers: 64-byte aligned blocks from a
// bounded, size-classed caching allocator (training allocates the same sizes
// every step), used both for tensors (the alloc/free slots) and for the
// kernels' scratch space. It is not a general allocator: no realloc, no
// arenas per NUMA node, and it never zero-fills.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mt::par {

// Largest alignment any kernel relies on.
inline constexpr std::size_t kAlignment = 64;

// 64-byte aligned, uninitialised; throws std::bad_alloc. bytes == 0 gives a
// valid minimal block. Served from the cache when a block of the same size
// class is free there (no system call, no page fault).
void* buffer_alloc(std::size_t bytes);
// Releases a block from buffer_alloc (NULL is a no-op). The block is kept for
// reuse while the cache stays within its bounds; the least recently used size
// classes are given back to the system first.
void buffer_free(void* block) noexcept;
// The usable size of a block from buffer_alloc (its request rounded up to
// 64 bytes), read from the block's header; 0 for NULL. `block` must be a
// live block of this allocator: nothing else can be told apart.
std::size_t buffer_bytes(const void* block) noexcept;

// Caller-owned host memory adopted as a buffer handle (the adopt_host slot).
// Such handles have no header, so they are kept in a registry that the slots
// consult before the header: while none is live, the check is one relaxed
// atomic load and the alloc/free path is unchanged.
// Registers [data, data + bytes); the same memory may be adopted repeatedly.
void adopted_add(void* data, std::size_t bytes);
// Forgets one handle of `data` and returns true if it was adopted; false
// (touching nothing) for any other pointer.
bool adopted_forget(const void* data) noexcept;
// The bytes an adopted handle refers to, or 0 if `data` is not adopted.
std::size_t adopted_bytes(const void* data) noexcept;

// The capacity of the size class a request of `bytes` is served from: the
// request rounded up to 64 bytes up to 1 KiB, then to one of 8 steps per
// power of two (at most 12.5% more than asked for).
std::size_t buffer_class_bytes(std::size_t bytes) noexcept;

// Counters of the cache, for tests and profiling (all threads together).
struct BufferCacheStats {
  std::size_t cached_bytes = 0;     // capacity of the blocks kept for reuse
  std::uint64_t system_allocs = 0;  // allocations that went to the system
  std::uint64_t evictions = 0;      // cached blocks given back to stay in bounds
};
BufferCacheStats buffer_cache_stats();

// The most the cache keeps (capacities of the free blocks it holds).
inline constexpr std::size_t kCacheLimitBytes = std::size_t{768} << 20;

// RAII scratch array from the same pool (for packing buffers and partials).
template <class T>
class Scratch {
 public:
  explicit Scratch(std::size_t count)
      : data_(static_cast<T*>(buffer_alloc(count * sizeof(T)))), count_(count) {}
  ~Scratch() { buffer_free(data_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return data_; }
  std::size_t size() const { return count_; }
  T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T* data_;
  std::size_t count_;
};

}  // namespace mt::par
