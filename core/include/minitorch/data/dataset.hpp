// minitorch/data/dataset.hpp — the Dataset interface (size(), get(i) → Example
// of tensors, torch.utils.data.Dataset's shape) and TensorDataset, the rows of
// one or two tensors. Batching, shuffling and prefetch are the DataLoader's
// (dataloader.hpp); this header reads no files and holds no file formats.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace mt {

// One example, or a batch of them stacked along dim 0. `target` is undefined
// for a dataset without targets.
struct Example {
  Tensor data;
  Tensor target;
};

// A tensor's elements on the host, not yet on any backend: row-major
// elements of `dtype` in `bytes` (shape_size(shape) · dtype_size(dtype) of them).
struct HostTensor {
  Shape shape;
  DType dtype = DType::f32;
  std::vector<std::byte> bytes;
};

// A batch gathered on the host; `target` is empty for a dataset without targets.
struct HostBatch {
  HostTensor data;
  std::optional<HostTensor> target;
};

// Copies a host tensor onto `backend` in one upload (a new contiguous leaf).
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
// (same size along dim 0). Like torch.utils.data.TensorDataset it shares the
// tensors' storage (detached): on a host backend (reference, parallel) rows
// are read in place, so the tensors must not be modified while a loader
// iterates; a device tensor (CUDA) is copied to the host once, here. Cheap to
// copy (the copies share everything). get(i) returns detached views.
class TensorDataset : public Dataset {
 public:
  // `data` must be defined with >= 1 dim; `targets` undefined or with the same
  // size along dim 0 (ShapeError / ArgumentError otherwise).
  explicit TensorDataset(Tensor data, Tensor targets = Tensor());

  int64_t size() const override;
  Example get(int64_t index) const override;
  bool gathers_on_host() const override { return true; }
  HostBatch gather_host(std::span<const int64_t> indices,
                        std::optional<DType> dtype = std::nullopt) const override;

  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  // Rows of one tensor readable from any thread: a pointer into host-backend
  // storage, or into a host copy made at construction.
  struct Rows {
    Tensor tensor;                                 // contiguous, detached (keeps storage alive)
    std::shared_ptr<std::vector<std::byte>> copy;  // only for a device tensor
    const std::byte* base = nullptr;
    Shape row_shape;
    std::size_t row_bytes = 0;
  };
  static Rows make_rows(const Tensor& t);
  static HostTensor gather(const Rows& rows, std::span<const int64_t> indices, int64_t size,
                           std::optional<DType> dtype);

  Tensor data_;
  Tensor targets_;
  Rows data_rows_;
  std::optional<Rows> target_rows_;
};

}  // namespace mt
