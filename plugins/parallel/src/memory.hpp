// memory.hpp — the parallel plugin's buffers: 64-byte aligned blocks with a
// small free-list cache (training allocates the same sizes every step), used
// both for tensors (the alloc/free slots) and for the kernels' scratch space.
// It is not a general allocator: no realloc, no per-thread arenas.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mt::par {

// Largest alignment any kernel relies on.
inline constexpr std::size_t kAlignment = 64;

// 64-byte aligned, uninitialised; throws std::bad_alloc. bytes == 0 gives a
// valid minimal block.
void* buffer_alloc(std::size_t bytes);
// Releases a block from buffer_alloc (NULL is a no-op). Recent blocks are
// kept for reuse up to a bounded total size.
void buffer_free(void* block) noexcept;
// The usable size of a block from buffer_alloc (its request rounded up to
// 64 bytes), read from the block's header; 0 for NULL. `block` must be a
// live block of this allocator: nothing else can be told apart.
std::size_t buffer_bytes(const void* block) noexcept;

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
