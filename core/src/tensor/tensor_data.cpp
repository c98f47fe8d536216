// tensor_data.cpp — index arithmetic, checked sizes and Layout (see
// minitorch/tensor/tensor_data.hpp). Pure host code: nothing here touches storage or
// a backend.
#include <minitorch/errors.hpp>
#include <minitorch/tensor/tensor_data.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace mt {

std::string shape_to_string(const std::vector<int64_t>& dims) {
  std::string text = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i > 0)
      text += ", ";
    text += std::to_string(dims[i]);
  }
  return text + ")";
}

bool checked_mul(int64_t a, int64_t b, int64_t& out) {
  int64_t product = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &product))
    return false;
  out = product;
  return true;
}

bool checked_add(int64_t a, int64_t b, int64_t& out) {
  int64_t sum = 0;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &sum))
    return false;
  out = sum;
  return true;
}

namespace {

const std::string& limit_text() {
  static const std::string text = "2^63 - 1 (" + std::to_string(max_count) + ")";
  return text;
}

void check_sizes_not_negative(const Shape& shape) {
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      throw ArgumentError("shape " + shape_to_string(shape) + " has a negative size (" +
                          std::to_string(shape[i]) + " at dim " + std::to_string(i) +
                          "); sizes must be >= 0");
    }
  }
}

}  // namespace

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (!checked_mul(n, s, n)) {
      check_sizes_not_negative(shape);
      throw ArgumentError("shape " + shape_to_string(shape) +
                          " has too many elements: the product of its sizes exceeds the limit of " +
                          limit_text() + " elements");
    }
  }
  return n;
}

std::size_t byte_count(int64_t elements, std::size_t element_size, const std::string& what) {
  int64_t bytes = 0;
  if (element_size > static_cast<std::size_t>(max_count) ||
      !checked_mul(elements, static_cast<int64_t>(element_size), bytes)) {
    throw ArgumentError(what + " of " + std::to_string(elements) + " elements of " +
                        std::to_string(element_size) + " bytes needs more than " + limit_text() +
                        " bytes, the limit");
  }
  return static_cast<std::size_t>(bytes);
}

std::string byte_size_text(uint64_t bytes) {
  if (bytes < 1000)
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  static const char* const units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes) / 1000.0;
  std::size_t unit = 0;
  while (value >= 999.95 && unit + 1 < std::size(units)) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

void throw_allocation_error(uint64_t bytes, const std::string& what, const std::string& reason) {
  throw AllocationError("cannot allocate " + byte_size_text(bytes) + " (" + std::to_string(bytes) +
                        " bytes) for " + what + (reason.empty() ? "" : ": " + reason));
}

int64_t index_to_position(std::span<const int64_t> index, std::span<const int64_t> strides) {
  int64_t position = 0;
  for (std::size_t i = 0; i < index.size(); ++i)
    position += index[i] * strides[i];
  return position;
}

void to_index(int64_t ordinal, std::span<const int64_t> shape, std::span<int64_t> out_index) {
  // Peel digits off from the last (fastest-moving) dim.
  for (std::size_t i = shape.size(); i-- > 0;) {
    out_index[i] = ordinal % shape[i];
    ordinal /= shape[i];
  }
}

void broadcast_index(std::span<const int64_t> big_index, std::span<const int64_t> big_shape,
                     std::span<const int64_t> shape, std::span<int64_t> out_index) {
  const std::size_t shift = big_shape.size() - shape.size();
  for (std::size_t i = 0; i < shape.size(); ++i)
    out_index[i] = shape[i] > 1 ? big_index[i + shift] : 0;
}

Shape shape_broadcast(const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Walk both shapes from the right; a missing dim counts as 1.
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ShapeError("cannot broadcast shapes " + shape_to_string(a) + " and " +
                       shape_to_string(b) + ": sizes " + std::to_string(da) + " and " +
                       std::to_string(db) + " differ and neither is 1");
    }
    out[n - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

Strides strides_from_shape(const Shape& shape) {
  check_sizes_not_negative(shape);
  Strides strides(shape.size());
  int64_t step = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    // A size-0 dim still steps by 1, so no stride is 0 (0 means broadcast).
    // The step past dim 0 is never used, so it may exceed the limit.
    if (i > 0 && !checked_mul(step, std::max<int64_t>(shape[i], 1), step)) {
      throw ArgumentError("shape " + shape_to_string(shape) +
                          " is too large to lay out: the stride of dim " + std::to_string(i - 1) +
                          " exceeds the limit of " + limit_text() + " elements");
    }
  }
  return strides;
}

Layout::Layout(Shape shape)
    : shape_(std::move(shape)),
      strides_(strides_from_shape(shape_)),
      size_(shape_size(shape_)),
      last_position_(size_ > 0 ? size_ - 1 : 0) {}

Layout::Layout(Shape shape, Strides strides, int64_t offset)
    : shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset) {
  if (shape_.size() != strides_.size()) {
    throw ShapeError("strides " + shape_to_string(strides_) + " do not fit shape " +
                     shape_to_string(shape_) + ": need one stride per dim (" +
                     std::to_string(shape_.size()) + ")");
  }
  for (std::size_t i = 0; i < shape_.size(); ++i) {
    if (shape_[i] < 0 || strides_[i] < 0) {
      throw ArgumentError("shape " + shape_to_string(shape_) + " with strides " +
                          shape_to_string(strides_) + ": sizes and strides must be >= 0");
    }
  }
  if (offset_ < 0)
    throw ArgumentError("layout offset " + std::to_string(offset_) + " must be >= 0");
  size_ = shape_size(shape_);
  last_position_ = offset_;
  if (size_ == 0)
    return;
  for (std::size_t d = 0; d < shape_.size(); ++d) {
    int64_t reach = 0;
    if (!checked_mul(shape_[d] - 1, strides_[d], reach) ||
        !checked_add(last_position_, reach, last_position_)) {
      throw ArgumentError("shape " + shape_to_string(shape_) + " with strides " +
                          shape_to_string(strides_) + " and offset " + std::to_string(offset_) +
                          " reaches past storage position " + limit_text() + ", the limit");
    }
  }
}

bool Layout::is_contiguous() const {
  if (size() == 0)
    return true;  // nothing to lay out
  int64_t expected = 1;
  for (std::size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1)
      continue;  // a size-1 dim is never stepped over
    if (strides_[i] != expected)
      return false;
    expected *= shape_[i];
  }
  return true;
}

int64_t Layout::index(std::span<const int64_t> idx) const {
  const auto as_vector = [&] { return std::vector<int64_t>(idx.begin(), idx.end()); };
  if (idx.size() != shape_.size()) {
    throw IndexingError("index " + shape_to_string(as_vector()) + " has " +
                        std::to_string(idx.size()) + " entries but shape " +
                        shape_to_string(shape_) + " has " + std::to_string(shape_.size()) +
                        " dims");
  }
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= shape_[i]) {
      const std::string allowed =
          shape_[i] == 0 ? "none (the dim is empty)" : "0.." + std::to_string(shape_[i] - 1);
      throw IndexingError("index " + shape_to_string(as_vector()) + " is out of range for shape " +
                          shape_to_string(shape_) + ": entry " + std::to_string(i) + " is " +
                          std::to_string(idx[i]) + ", allowed " + allowed +
                          (idx[i] < 0 ? " (negative indexing is not supported)" : ""));
    }
  }
  return offset_ + index_to_position(idx, strides_);
}

Layout Layout::permute(std::span<const int64_t> order) const {
  std::vector<bool> seen(shape_.size(), false);
  bool valid = order.size() == shape_.size();
  for (std::size_t i = 0; valid && i < order.size(); ++i) {
    const int64_t d = order[i];
    valid = d >= 0 && d < dims() && !seen[static_cast<std::size_t>(d)];
    if (valid)
      seen[static_cast<std::size_t>(d)] = true;
  }
  if (!valid) {
    throw IndexingError("permute order " +
                        shape_to_string(std::vector<int64_t>(order.begin(), order.end())) +
                        " is not a permutation of 0.." + std::to_string(dims() - 1) + " (shape " +
                        shape_to_string(shape_) + " has " + std::to_string(dims()) + " dims)");
  }
  Shape shape(order.size());
  Strides strides(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    shape[i] = shape_[static_cast<std::size_t>(order[i])];
    strides[i] = strides_[static_cast<std::size_t>(order[i])];
  }
  return Layout(std::move(shape), std::move(strides), offset_);
}

std::vector<Index> Layout::indices() const {
  const int64_t n = size();
  auto out =
      host_vector<Index>(n, [&] { return "the indices of shape " + shape_to_string(shape_); });
  for (int64_t ordinal = 0; ordinal < n; ++ordinal) {
    Index& idx = out[static_cast<std::size_t>(ordinal)];
    idx.resize(shape_.size());
    to_index(ordinal, shape_, idx);
  }
  return out;
}

Index Layout::sample(std::mt19937_64& rng) const {
  if (size() == 0)
    throw ArgumentError("cannot sample an index of shape " + shape_to_string(shape_) +
                        ": it has no elements");
  Index idx(shape_.size());
  for (std::size_t i = 0; i < shape_.size(); ++i)
    idx[i] = static_cast<int64_t>(rng() % static_cast<uint64_t>(shape_[i]));
  return idx;
}

std::vector<int64_t> Layout::positions() const {
  const int64_t n = size();
  std::vector<int64_t> out;
  host_reserve(out, n, [&] { return "the storage positions of shape " + shape_to_string(shape_); });
  if (n == 0)
    return out;
  // An odometer over the index, moving the position by strides rather than
  // recomputing Σ index·stride for every element.
  Index idx(shape_.size(), 0);
  int64_t position = offset_;
  for (int64_t k = 0; k < n; ++k) {
    out.push_back(position);
    for (std::size_t d = shape_.size(); d-- > 0;) {
      position += strides_[d];
      if (++idx[d] < shape_[d])
        break;
      position -= strides_[d] * shape_[d];
      idx[d] = 0;
    }
  }
  return out;
}

std::string Layout::to_string(std::span<const double> storage) const {
  std::string text;
  const std::vector<int64_t> where = positions();
  char number[64];
  Index idx(shape_.size());
  for (std::size_t k = 0; k < where.size(); ++k) {
    to_index(static_cast<int64_t>(k), shape_, idx);
    // Open one bracket for every trailing dim that starts here; the outer
    // brackets come first, each on its own line indented by its depth.
    std::string open;
    for (std::size_t i = idx.size(); i-- > 0 && idx[i] == 0;)
      open = "\n" + std::string(i, '\t') + "[" + open;
    text += open;
    std::snprintf(number, sizeof number, "%3.2f", storage[static_cast<std::size_t>(where[k])]);
    text += number;
    // Close one bracket for every trailing dim that ends here.
    std::string close;
    for (std::size_t i = idx.size(); i-- > 0 && idx[i] == shape_[i] - 1;)
      close += "]";
    text += close.empty() ? " " : close;
  }
  return text;
}

}  // namespace mt
