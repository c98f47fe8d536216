// minitorch/tensor/tensor_data.hpp — shapes, strides, indexing and broadcasting: the
// pure index arithmetic of MiniTorch's tensor_data.py, Layout (its TensorData
// without the storage), and the checked size arithmetic every element and
// byte count in MiniTorch goes through. No backends and no autograd here.
#pragma once

#include <minitorch/errors.hpp>

#include <cstdint>
#include <limits>
#include <new>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mt {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;
using Index = std::vector<int64_t>;

// "(3, 5)"; a one-dim shape prints as "(5)" and a rank-0 one as "()".
std::string shape_to_string(const std::vector<int64_t>& dims);

// ---- checked sizes -----------------------------------------------------------
// Element counts, byte counts and storage positions are int64 and never wrap:
// whatever would exceed max_count is refused with an error that names the
// shape (or what was being sized) and the limit.

// The largest element count, byte count or storage position: 2^63 - 1.
inline constexpr int64_t max_count = std::numeric_limits<int64_t>::max();

// a * b and a + b for counts >= 0; false (out untouched) when the result
// would exceed max_count.
bool checked_mul(int64_t a, int64_t b, int64_t& out);
bool checked_add(int64_t a, int64_t b, int64_t& out);

// Number of elements: the product of the sizes (1 for a rank-0 shape).
// ArgumentError naming the shape when a size is negative or the product
// exceeds max_count.
int64_t shape_size(const Shape& shape);

// elements * element_size as a byte count. ArgumentError naming `what` (e.g.
// "a (3, 4) f32 tensor") and the limit when it exceeds max_count.
std::size_t byte_count(int64_t elements, std::size_t element_size, const std::string& what);

// A byte count for people, in decimal units: "512 bytes", "1.5 kB", "40.0 GB".
std::string byte_size_text(uint64_t bytes);

// Throws AllocationError: "cannot allocate <size> (<bytes> bytes) for <what>".
[[noreturn]] void throw_allocation_error(uint64_t bytes, const std::string& what,
                                         const std::string& reason = "");

// A host vector of `n` value-initialised elements. Instead of std::bad_alloc
// (or a length_error), an AllocationError that names describe() (a callable
// returning e.g. "the values of a (3, 4) f64 tensor") and the bytes; also for
// a negative n. The description is only built on failure.
template <class T, class Describe>
std::vector<T> host_vector(int64_t n, Describe&& describe) {
  int64_t bytes = 0;
  if (n < 0 || !checked_mul(n, static_cast<int64_t>(sizeof(T)), bytes))
    throw ArgumentError("cannot size a host buffer of " + std::to_string(n) + " elements for " +
                        std::string(describe()) + ": the count must be in 0.." +
                        std::to_string(max_count / static_cast<int64_t>(sizeof(T))));
  try {
    return std::vector<T>(static_cast<std::size_t>(n));
  } catch (const std::bad_alloc&) {
    throw_allocation_error(static_cast<uint64_t>(bytes), std::string(describe()), "host memory");
  } catch (const std::length_error&) {
    throw_allocation_error(static_cast<uint64_t>(bytes), std::string(describe()), "host memory");
  }
}

// The same for reserve(): room for `n` more elements of `out`.
template <class T, class Describe>
void host_reserve(std::vector<T>& out, int64_t n, Describe&& describe) {
  int64_t total = 0, bytes = 0;
  if (n < 0 || !checked_add(static_cast<int64_t>(out.size()), n, total) ||
      !checked_mul(total, static_cast<int64_t>(sizeof(T)), bytes))
    throw ArgumentError("cannot size a host buffer of " + std::to_string(n) +
                        " more elements for " + std::string(describe()));
  try {
    out.reserve(static_cast<std::size_t>(total));
  } catch (const std::bad_alloc&) {
    throw_allocation_error(static_cast<uint64_t>(bytes), std::string(describe()), "host memory");
  } catch (const std::length_error&) {
    throw_allocation_error(static_cast<uint64_t>(bytes), std::string(describe()), "host memory");
  }
}

// Σ index[i] · strides[i]. The lengths must match (not checked: hot path).
int64_t index_to_position(std::span<const int64_t> index, std::span<const int64_t> strides);

// Writes into out_index the row-major multi-index of `ordinal` over `shape`,
// ignoring strides; enumerating 0 … size−1 visits every index once.
void to_index(int64_t ordinal, std::span<const int64_t> shape, std::span<int64_t> out_index);

// Maps an index of the (bigger) broadcast shape onto `shape`, right-aligned:
// out_index[i] = big_index[i + offset] where shape[i] > 1, else 0.
void broadcast_index(std::span<const int64_t> big_index, std::span<const int64_t> big_shape,
                     std::span<const int64_t> shape, std::span<int64_t> out_index);

// The shape two shapes broadcast to (right-aligned; each pair of sizes must be
// equal or contain a 1). Throws ShapeError naming both shapes otherwise.
Shape shape_broadcast(const Shape& a, const Shape& b);

// Row-major contiguous strides: (4, 2, 2) -> (4, 2, 1). A size-0 dim steps
// like a size-1 one, so no stride is 0. ArgumentError naming the shape when a
// size is negative or a stride would exceed max_count (possible even when the
// shape has no elements, e.g. (0, 2^62, 2^62)).
Strides strides_from_shape(const Shape& shape);

// Where the elements of a tensor live in its storage: shape, strides (in
// elements) and offset. A value type; permuting or slicing makes a new one.
class Layout {
 public:
  // Rank 0: one element at offset 0.
  Layout() = default;
  // Contiguous row-major strides for `shape`. ArgumentError naming the shape
  // for a negative size, or when the element count or a stride exceeds
  // max_count.
  explicit Layout(Shape shape);
  // Throws ShapeError if the lengths differ, and ArgumentError for a
  // negative size, stride or offset, or when the element count or the last
  // position an element reaches exceeds max_count.
  Layout(Shape shape, Strides strides, int64_t offset = 0);

  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dims() const { return static_cast<int64_t>(shape_.size()); }
  // Number of elements (checked when the layout was made).
  int64_t size() const { return size_; }

  // True iff the elements are densely packed in row-major order, so a view
  // with another shape can share the storage. Dims of size 1 may have any
  // stride. (MiniTorch only asks for non-increasing strides, which also
  // accepts layouts with gaps; those cannot be re-viewed safely.)
  bool is_contiguous() const;

  // Storage position of `index`. Throws IndexingError naming the index, the
  // shape and the allowed range when the index has the wrong length, a
  // negative entry or an entry past its dim (negative indexing is not
  // supported, as in MiniTorch).
  int64_t index(std::span<const int64_t> index) const;
  int64_t index(std::initializer_list<int64_t> idx) const {
    return index(std::span<const int64_t>(idx.begin(), idx.size()));
  }

  // The same storage seen with dims reordered: new dim i is old dim order[i].
  // Throws IndexingError naming `order` when it is not a permutation of
  // 0 … dims−1.
  Layout permute(std::span<const int64_t> order) const;

  // Every valid index in row-major order.
  std::vector<Index> indices() const;
  // A uniformly random valid index (the layout must have elements).
  Index sample(std::mt19937_64& rng) const;

  // Storage positions of every element, in row-major order of the indices.
  std::vector<int64_t> positions() const;
  // The largest storage position any element reaches (checked when the
  // layout was made; the offset when the layout has no elements).
  int64_t last_position() const { return last_position_; }

  // MiniTorch's nested-bracket text: "\n[\n\t[1.00 2.00]\n\t[3.00 4.00]]",
  // each value printed as "%3.2f"; `storage` is indexed by position.
  std::string to_string(std::span<const double> storage) const;

 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
  int64_t size_ = 1;
  int64_t last_position_ = 0;
};

}  // namespace mt
