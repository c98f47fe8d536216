// dataset.cpp — Dataset's default batch assembly (get() each example, stack on the host, one
// upload) and TensorDataset's gather from its host copy, all through the Tensor API (the dispatch
// layer calls the plugins). Not the loader: order, batching and prefetch are in dataloader.cpp.
#include <minitorch/data/dataset.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

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

}  // namespace

Tensor upload(const HostTensor& host, const BackendPtr& backend) {
  const TensorOptions options{.dtype = host.dtype, .backend = backend};
  if (host.f32_values.empty())
    return Tensor::from_values(host.values, host.shape, options);
  if (!host.values.empty()) {
    throw ArgumentError("upload: the host tensor " + shape_to_string(host.shape) + " has " +
                        std::to_string(host.values.size()) + " values and " +
                        std::to_string(host.f32_values.size()) +
                        " f32_values; only one of them may hold the elements");
  }
  return Tensor::from_host(std::span<const float>(host.f32_values), host.shape, options);
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
  const Tensor t = source.detach();
  rows.dtype = t.dtype();
  rows.row_shape = Shape(t.shape().begin() + 1, t.shape().end());
  rows.row_size = static_cast<std::size_t>(shape_size(rows.row_shape));
  const int64_t n = t.size(0);
  std::vector<float> f32;
  std::vector<double> f64;
  const auto total = static_cast<std::size_t>(t.numel());
  if (rows.dtype == DType::f32)
    f32.reserve(total);
  else
    f64.reserve(total);
  // Read in chunks of about a million elements, so the host copy is the only
  // full-size one (to_vector gives doubles).
  if (rows.row_size > 0) {
    const auto chunk =
        static_cast<int64_t>(std::max<std::size_t>(1, (std::size_t{1} << 20) / rows.row_size));
    for (int64_t start = 0; start < n; start += chunk) {
      const std::vector<double> values = t.narrow(0, start, std::min(chunk, n - start)).to_vector();
      if (rows.dtype == DType::f32)
        f32.insert(f32.end(), values.begin(), values.end());
      else
        f64.insert(f64.end(), values.begin(), values.end());
    }
  }
  if (rows.dtype == DType::f32)
    rows.f32 = std::make_shared<const std::vector<float>>(std::move(f32));
  else
    rows.f64 = std::make_shared<const std::vector<double>>(std::move(f64));
  return rows;
}

TensorDataset::TensorDataset(const Tensor& data, const Tensor& targets) {
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
  size_ = data.size(0);
  backend_ = data.backend();
  data_rows_ = make_rows(data);
  if (targets.defined())
    target_rows_ = make_rows(targets);
}

template <class T>
TensorDataset::Rows TensorDataset::host_rows(std::vector<T> values, Shape shape, const char* what) {
  if (shape.empty()) {
    throw ShapeError(std::string("TensorDataset::from_host: the ") + what +
                     " shape is (); it needs at least one dim (examples along dim 0)");
  }
  for (const int64_t d : shape) {
    if (d < 0)
      throw ShapeError(std::string("TensorDataset::from_host: the ") + what + " shape " +
                       shape_to_string(shape) + " has a negative size");
  }
  if (static_cast<int64_t>(values.size()) != shape_size(shape)) {
    throw ShapeError(std::string("TensorDataset::from_host: ") + std::to_string(values.size()) +
                     " " + what + " values for shape " + shape_to_string(shape) + ", which needs " +
                     std::to_string(shape_size(shape)));
  }
  Rows rows;
  rows.row_shape = Shape(shape.begin() + 1, shape.end());
  rows.row_size = static_cast<std::size_t>(shape_size(rows.row_shape));
  if constexpr (std::is_same_v<T, float>) {
    rows.dtype = DType::f32;
    rows.f32 = std::make_shared<const std::vector<float>>(std::move(values));
  } else {
    rows.dtype = DType::f64;
    rows.f64 = std::make_shared<const std::vector<double>>(std::move(values));
  }
  return rows;
}

template <class T>
TensorDataset TensorDataset::build(std::vector<T> data, Shape data_shape,
                                   std::optional<std::pair<std::vector<T>, Shape>> targets) {
  TensorDataset ds;
  const int64_t n = data_shape.empty() ? 0 : data_shape[0];
  ds.data_rows_ = host_rows(std::move(data), data_shape, "data");
  if (targets) {
    if (targets->second.empty() || targets->second[0] != n) {
      throw ShapeError("TensorDataset::from_host: targets of shape " +
                       shape_to_string(targets->second) + " do not match data of shape " +
                       shape_to_string(data_shape) + "; both need the same size along dim 0");
    }
    ds.target_rows_ = host_rows(std::move(targets->first), targets->second, "target");
  }
  ds.size_ = n;
  return ds;
}

TensorDataset TensorDataset::from_host(std::vector<float> data, Shape data_shape) {
  return build<float>(std::move(data), std::move(data_shape), std::nullopt);
}
TensorDataset TensorDataset::from_host(std::vector<float> data, Shape data_shape,
                                       std::vector<float> targets, Shape target_shape) {
  return build<float>(std::move(data), std::move(data_shape),
                      std::make_pair(std::move(targets), std::move(target_shape)));
}
TensorDataset TensorDataset::from_host(std::vector<double> data, Shape data_shape) {
  return build<double>(std::move(data), std::move(data_shape), std::nullopt);
}
TensorDataset TensorDataset::from_host(std::vector<double> data, Shape data_shape,
                                       std::vector<double> targets, Shape target_shape) {
  return build<double>(std::move(data), std::move(data_shape),
                       std::make_pair(std::move(targets), std::move(target_shape)));
}

Example TensorDataset::get(int64_t index) const {
  const std::vector<int64_t> one{index};
  HostBatch host = gather_host(one);
  host.data.shape = data_rows_.row_shape;
  Example e;
  e.data = upload(host.data, backend_);
  if (host.target) {
    host.target->shape = target_rows_->row_shape;
    e.target = upload(*host.target, backend_);
  }
  return e;
}

HostTensor TensorDataset::gather(const Rows& rows, std::span<const int64_t> indices, int64_t size,
                                 std::optional<DType> dtype) {
  HostTensor out;
  out.dtype = dtype.value_or(rows.dtype);
  out.shape = with_batch_dim(static_cast<int64_t>(indices.size()), rows.row_shape);
  const std::size_t width = rows.row_size;
  if (width != 0 && indices.size() > std::numeric_limits<std::size_t>::max() / width) {
    throw ArgumentError("TensorDataset: a batch of " + std::to_string(indices.size()) +
                        " rows of " + std::to_string(width) + " elements overflows");
  }
  // f32 rows for an f32 batch stay floats; anything else goes through doubles.
  const auto copy_rows = [&]<class Dst>(std::vector<Dst>& values) {
    values.resize(indices.size() * width);
    Dst* dst = values.data();
    for (const int64_t index : indices) {
      check_index("TensorDataset", index, size);
      const std::size_t first = static_cast<std::size_t>(index) * width;
      if (rows.f32)
        std::copy_n(rows.f32->data() + first, width, dst);
      else if (rows.f64)
        std::copy_n(rows.f64->data() + first, width, dst);
      dst += width;
    }
  };
  if (rows.f32 && out.dtype == DType::f32)
    copy_rows(out.f32_values);
  else
    copy_rows(out.values);
  return out;
}

HostBatch TensorDataset::gather_host(std::span<const int64_t> indices,
                                     std::optional<DType> dtype) const {
  HostBatch batch;
  batch.data = gather(data_rows_, indices, size_, dtype);
  if (target_rows_)
    batch.target = gather(*target_rows_, indices, size_, dtype);
  return batch;
}

}  // namespace mt
