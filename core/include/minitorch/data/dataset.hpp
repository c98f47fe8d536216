// minitorch/data/dataset.hpp — the Dataset interface (size(), get(i) → Example of tensors, as
// torch.utils.data.Dataset) and TensorDataset, the rows of one or two tensors. Batching, shuffling
// and prefetch are the DataLoader's (dataloader.hpp); no files or file formats here.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace mt {

// One example, or a batch of them stacked along dim 0. `target` is undefined
// for a dataset without targets.
struct Example {
  Tensor data;
  Tensor target;
};

// A tensor's elements on the host, not yet on any backend: row-major values
// (shape_size(shape) of them) and the dtype the tensor gets when uploaded.
// The values sit in `values`, or, when a gatherer holds f32 data for an f32
// batch, in `f32_values` (no widening to double and back); the other is empty.
struct HostTensor {
  Shape shape;
  DType dtype = DType::f32;
  std::vector<double> values;
  std::vector<float> f32_values = {};
};

// A batch gathered on the host; `target` is empty for a dataset without targets.
struct HostBatch {
  HostTensor data;
  std::optional<HostTensor> target;
};

// Copies a host tensor onto `backend` (null: default_backend()) in one upload:
// a new contiguous leaf. A value count that does not match the shape is a
// ShapeError; values in both vectors are an ArgumentError.
Tensor upload(const HostTensor& host, const BackendPtr& backend);

class Dataset {
 public:
  virtual ~Dataset() = default;

  // Number of examples.
  virtual int64_t size() const = 0;
  // Example `index`, in [0, size()) (IndexingError otherwise). Every example
  // of a dataset has the same data shape (and target shape).
  virtual Example get(int64_t index) const = 0;

  // The examples at `indices` stacked along a new dim 0, built on `backend`
  // (null: default_backend()) in `dtype` (nullopt: the dataset's). The
  // default gathers through gather_host() when the dataset has it, else calls
  // get() for each index, reads the examples to the host and uploads once.
  // Examples of different shapes are a ShapeError naming both.
  virtual Example get_batch(std::span<const int64_t> indices, const BackendPtr& backend,
                            std::optional<DType> dtype = std::nullopt) const;

  // ---- host-side gathering (what lets a DataLoader prefetch) ---------------
  // True when gather_host() is implemented.
  virtual bool gathers_on_host() const { return false; }
  // The examples at `indices` stacked along dim 0 on the host, converted to
  // `dtype` when given. It must touch no backend (no tensor is made or read),
  // because a DataLoader may call it on another thread while the training
  // thread uses the backends; plugin slots are single-threaded by contract.
  // The default throws ArgumentError (gathers_on_host() is false).
  virtual HostBatch gather_host(std::span<const int64_t> indices,
                                std::optional<DType> dtype = std::nullopt) const;
};

// The rows of `data` (example i is data[i]) and, when given, of `targets`
// (same size along dim 0), as torch.utils.data.TensorDataset. The rows are
// copied to the host once, here, in their dtype, so batches are gathered
// without touching a backend (on any thread) and later changes to the tensors
// are not seen. get(i) builds example i on the data's backend. Cheap to copy:
// copies share the host rows.
class TensorDataset : public Dataset {
 public:
  // `data` must be defined with >= 1 dim; `targets` undefined or with the same
  // size along dim 0 (ArgumentError / ShapeError otherwise).
  explicit TensorDataset(const Tensor& data, const Tensor& targets = Tensor());
  // From host values with no tensor in between (what a file reader has):
  // row-major `data` of `data_shape` (dim 0 indexes the examples), moved in,
  // and optionally `targets` of `target_shape`. get() builds examples on
  // default_backend(). A count that does not match its shape, or dim 0s that
  // differ, are a ShapeError.
  static TensorDataset from_host(std::vector<float> data, Shape data_shape);
  static TensorDataset from_host(std::vector<float> data, Shape data_shape,
                                 std::vector<float> targets, Shape target_shape);
  static TensorDataset from_host(std::vector<double> data, Shape data_shape);
  static TensorDataset from_host(std::vector<double> data, Shape data_shape,
                                 std::vector<double> targets, Shape target_shape);

  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  bool gathers_on_host() const override { return true; }
  HostBatch gather_host(std::span<const int64_t> indices,
                        std::optional<DType> dtype = std::nullopt) const override;

  // Shape of one example's data (the data's shape without dim 0) and target.
  const Shape& example_shape() const { return data_rows_.row_shape; }
  bool has_targets() const { return target_rows_.has_value(); }

 private:
  // The rows of one tensor on the host, in its dtype (only one vector is used).
  struct Rows {
    DType dtype = DType::f32;
    Shape row_shape;
    std::size_t row_size = 0;  // elements per row
    std::shared_ptr<const std::vector<float>> f32;
    std::shared_ptr<const std::vector<double>> f64;
  };
  TensorDataset() = default;
  static Rows make_rows(const Tensor& t);
  template <class T>
  static Rows host_rows(std::vector<T> values, Shape shape, const char* what);
  template <class T>
  static TensorDataset build(std::vector<T> data, Shape data_shape,
                             std::optional<std::pair<std::vector<T>, Shape>> targets);
  static HostTensor gather(const Rows& rows, std::span<const int64_t> indices, int64_t size,
                           std::optional<DType> dtype);

  int64_t size_ = 0;
  BackendPtr backend_;  // where get() builds examples
  Rows data_rows_;
  std::optional<Rows> target_rows_;
};

}  // namespace mt
