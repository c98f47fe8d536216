// minitorch/tensor_data.hpp — shapes, strides, indexing and broadcasting: the
// pure index arithmetic of MiniTorch's tensor_data.py, and Layout (its
// TensorData without the storage). No memory, no backends and no autograd here.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace mt {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;
using Index = std::vector<int64_t>;

// "(3, 5)"; a one-dim shape prints as "(5)" and a rank-0 one as "()".
std::string shape_to_string(const std::vector<int64_t>& dims);

// Number of elements: the product of the sizes (1 for a rank-0 shape).
int64_t shape_size(const Shape& shape);

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

// Row-major contiguous strides: (4, 2, 2) -> (4, 2, 1).
Strides strides_from_shape(const Shape& shape);

// Where the elements of a tensor live in its storage: shape, strides (in
// elements) and offset. A value type; permuting or slicing makes a new one.
class Layout {
 public:
  // Rank 0: one element at offset 0.
  Layout() = default;
  // Contiguous row-major strides for `shape`.
  explicit Layout(Shape shape);
  // Throws ShapeError if the lengths differ, and ArgumentError for a
  // negative size, stride or offset.
  Layout(Shape shape, Strides strides, int64_t offset = 0);

  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dims() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size() const { return shape_size(shape_); }

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
  // The largest storage position any element reaches (meaningless when the
  // layout has no elements).
  int64_t last_position() const;

  // MiniTorch's nested-bracket text: "\n[\n\t[1.00 2.00]\n\t[3.00 4.00]]",
  // each value printed as "%3.2f"; `storage` is indexed by position.
  std::string to_string(std::span<const double> storage) const;

 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
};

}  // namespace mt
