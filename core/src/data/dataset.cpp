// dataset.cpp — Dataset's default batch assembly (get() each example, stack on
// the host, one upload) and TensorDataset's row gather from host memory. Not
// the loader: order, batching and prefetch are in dataloader.cpp.
#include <minitorch/data/dataset.hpp>

#include <cstring>
#include <limits>
#include <string>

namespace mt {

namespace {

std::string index_range(int64_t size) {
  return size == 0 ? "the dataset is empty" : "allowed 0.." + std::to_string(size - 1);
}

void check_index(const char* who, int64_t index, int64_t size) {
  if (index < 0 || index >= size) {
    throw IndexingError(std::string(who) + " index " + std::to_string(index) +
                        " is out of range for " + std::to_string(size) + " examples (" +
                        index_range(size) + ")");
  }
}

Shape with_batch_dim(int64_t batch, const Shape& row) {
  Shape shape{batch};
  shape.insert(shape.end(), row.begin(), row.end());
  return shape;
}

// Converts `count` elements between f32 and f64 (or copies them).
void convert_elements(const std::byte* src, DType from, std::byte* dst, DType to,
                      std::size_t count) {
  if (from == to) {
    std::memcpy(dst, src, count * dtype_size(from));
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (from == DType::f32) {
      float v;
      std::memcpy(&v, src + i * sizeof(float), sizeof v);
      const double w = v;
      std::memcpy(dst + i * sizeof(double), &w, sizeof w);
    } else {
      double v;
      std::memcpy(&v, src + i * sizeof(double), sizeof v);
      const float w = static_cast<float>(v);
      std::memcpy(dst + i * sizeof(float), &w, sizeof w);
    }
  }
}

}  // namespace

Tensor upload(const HostTensor& host, const BackendPtr& backend) {
  const std::size_t expected =
      static_cast<std::size_t>(shape_size(host.shape)) * dtype_size(host.dtype);
  if (host.bytes.size() != expected) {
    throw ArgumentError("upload: a " + shape_to_string(host.shape) + " " + dtype_name(host.dtype) +
                        " host tensor needs " + std::to_string(expected) + " bytes, got " +
                        std::to_string(host.bytes.size()));
  }
  Tensor t = Tensor::empty(host.shape, {.dtype = host.dtype, .backend = backend});
  if (!host.bytes.empty())
    t.backend()->copy_from_host(t.storage()->data(), 0, host.bytes.data(), host.bytes.size());
  return t;
}

// ---- Dataset --------------------------------------------------------------------

Example Dataset::get_batch(std::span<const int64_t> indices, const BackendPtr& backend,
                           std::optional<DType> dtype) const {
  if (gathers_on_host()) {
    const HostBatch batch = gather_host(indices, dtype);
    return {upload(batch.data, backend), batch.target ? upload(*batch.target, backend) : Tensor()};
  }
  if (indices.empty())
    throw ArgumentError("Dataset::get_batch needs at least one index, got none");
  const auto batch = static_cast<int64_t>(indices.size());
  Shape data_shape, target_shape;
  DType data_dtype = DType::f32, target_dtype = DType::f32;
  bool has_target = false;
  std::vector<double> data_values, target_values;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    check_index("Dataset", indices[k], size());
    const Example e = get(indices[k]);
    if (!e.data.defined()) {
      throw ArgumentError("Dataset::get(" + std::to_string(indices[k]) +
                          ") returned an undefined data tensor");
    }
    if (k == 0) {
      data_shape = e.data.shape();
      data_dtype = dtype.value_or(e.data.dtype());
      has_target = e.target.defined();
      if (has_target) {
        target_shape = e.target.shape();
        target_dtype = dtype.value_or(e.target.dtype());
      }
    } else {
      if (e.data.shape() != data_shape) {
        throw ShapeError("Dataset example " + std::to_string(indices[k]) + " has data shape " +
                         shape_to_string(e.data.shape()) + " but example " +
                         std::to_string(indices[0]) + " has " + shape_to_string(data_shape) +
                         "; a batch stacks examples of one shape");
      }
      if (e.target.defined() != has_target || (has_target && e.target.shape() != target_shape)) {
        throw ShapeError("Dataset example " + std::to_string(indices[k]) + " has target " +
                         (e.target.defined() ? shape_to_string(e.target.shape()) : "(none)") +
                         " but example " + std::to_string(indices[0]) + " has " +
                         (has_target ? shape_to_string(target_shape) : "(none)"));
      }
    }
    const std::vector<double> d = e.data.to_vector();
    data_values.insert(data_values.end(), d.begin(), d.end());
    if (has_target) {
      const std::vector<double> t = e.target.to_vector();
      target_values.insert(target_values.end(), t.begin(), t.end());
    }
  }
  Example out;
  out.data = Tensor::from_values(data_values, with_batch_dim(batch, data_shape),
                                 {.dtype = data_dtype, .backend = backend});
  if (has_target) {
    out.target = Tensor::from_values(target_values, with_batch_dim(batch, target_shape),
                                     {.dtype = target_dtype, .backend = backend});
  }
  return out;
}

HostBatch Dataset::gather_host(std::span<const int64_t> /*indices*/,
                               std::optional<DType> /*dtype*/) const {
  throw ArgumentError(
      "this Dataset does not gather on the host (gathers_on_host() is false); use get_batch()");
}

// ---- TensorDataset --------------------------------------------------------------

TensorDataset::Rows TensorDataset::make_rows(const Tensor& source) {
  Rows rows;
  rows.tensor = source.detach().contiguous();
  const Tensor& t = rows.tensor;
  rows.row_shape = Shape(t.shape().begin() + 1, t.shape().end());
  const std::size_t esize = dtype_size(t.dtype());
  rows.row_bytes = static_cast<std::size_t>(shape_size(rows.row_shape)) * esize;
  const std::size_t offset = static_cast<std::size_t>(t.offset()) * esize;
  const std::size_t bytes = static_cast<std::size_t>(t.numel()) * esize;
  if (bytes == 0)
    return rows;
  if (t.backend()->host_accessible()) {
    rows.base = static_cast<const std::byte*>(t.storage()->data()) + offset;
  } else {
    rows.copy = std::make_shared<std::vector<std::byte>>(bytes);
    t.backend()->copy_to_host(rows.copy->data(), t.storage()->data(), offset, bytes);
    rows.base = rows.copy->data();
  }
  return rows;
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) {
  if (!data.defined())
    throw ArgumentError("TensorDataset: the data tensor is undefined");
  if (data.dims() < 1) {
    throw ShapeError("TensorDataset: the data tensor has shape " + shape_to_string(data.shape()) +
                     "; it needs at least one dim (examples along dim 0)");
  }
  if (targets.defined() && (targets.dims() < 1 || targets.size(0) != data.size(0))) {
    throw ShapeError("TensorDataset: targets of shape " + shape_to_string(targets.shape()) +
                     " do not match data of shape " + shape_to_string(data.shape()) +
                     "; both need the same size along dim 0");
  }
  data_rows_ = make_rows(data);
  data_ = data_rows_.tensor;
  if (targets.defined()) {
    target_rows_ = make_rows(targets);
    targets_ = target_rows_->tensor;
  }
}

int64_t TensorDataset::size() const {
  return data_.size(0);
}

Example TensorDataset::get(int64_t index) const {
  check_index("TensorDataset", index, size());
  Example e;
  e.data = data_.narrow(0, index, 1).reshape(data_rows_.row_shape);
  if (targets_.defined())
    e.target = targets_.narrow(0, index, 1).reshape(target_rows_->row_shape);
  return e;
}

HostTensor TensorDataset::gather(const Rows& rows, std::span<const int64_t> indices, int64_t size,
                                 std::optional<DType> dtype) {
  const DType from = rows.tensor.dtype();
  HostTensor out;
  out.dtype = dtype.value_or(from);
  out.shape = with_batch_dim(static_cast<int64_t>(indices.size()), rows.row_shape);
  const std::size_t row_elements = rows.row_bytes / dtype_size(from);
  const std::size_t out_row_bytes = row_elements * dtype_size(out.dtype);
  if (out_row_bytes != 0 &&
      indices.size() > std::numeric_limits<std::size_t>::max() / out_row_bytes) {
    throw ArgumentError("TensorDataset: a batch of " + std::to_string(indices.size()) +
                        " rows of " + std::to_string(out_row_bytes) + " bytes overflows");
  }
  out.bytes.resize(indices.size() * out_row_bytes);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    check_index("TensorDataset", indices[k], size);
    if (row_elements == 0)
      continue;
    convert_elements(rows.base + static_cast<std::size_t>(indices[k]) * rows.row_bytes, from,
                     out.bytes.data() + k * out_row_bytes, out.dtype, row_elements);
  }
  return out;
}

HostBatch TensorDataset::gather_host(std::span<const int64_t> indices,
                                     std::optional<DType> dtype) const {
  HostBatch batch;
  batch.data = gather(data_rows_, indices, size(), dtype);
  if (target_rows_)
    batch.target = gather(*target_rows_, indices, size(), dtype);
  return batch;
}

}  // namespace mt
