// minitorch/tensor/storage.hpp — a buffer of elements allocated by a backend plugin,
// or caller-owned host memory a host plugin adopted (kept alive by an owner).
// It holds the BackendPtr, so the plugin stays loaded while the buffer lives,
// and frees the buffer in its destructor. It knows nothing of shapes (one
// may be passed in, only to name the tensor in an allocation error).
#pragma once

#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/tensor_data.hpp>

#include <cstdint>
#include <memory>

namespace mt {

class Storage {
 public:
  // Allocates `size` uninitialised elements of `dtype` on `backend`.
  // Throws ArgumentError for a null backend, a negative size or a byte count
  // over max_count, and AllocationError when the backend cannot allocate
  // (naming the bytes, the backend, and the tensor `shape` when given).
  Storage(BackendPtr backend, DType dtype, int64_t size, const Shape* shape = nullptr);
  // Views `size` elements of `dtype` of caller-owned host memory at `data`
  // without copying (ABI 1.1's adopt_host). `owner` keeps that memory alive:
  // it is released after the backend has forgotten the handle, when the
  // storage dies. Throws ArgumentError when the backend is not a host backend
  // with adopt_host, `data` is null with size > 0 or not aligned to the
  // dtype, or the byte count overflows; BackendError when the plugin declines.
  Storage(BackendPtr backend, DType dtype, int64_t size, void* data, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // The plugin's handle (a device pointer on CUDA). May be null when size is 0.
  void* data() const { return data_; }
  const BackendPtr& backend() const { return backend_; }
  DType dtype() const { return dtype_; }
  int64_t size() const { return size_; }
  // size() * dtype_size(dtype()), checked when the storage was made.
  std::size_t bytes() const { return bytes_; }
  // True when the memory is the caller's (made by the adopting constructor).
  bool adopted() const { return adopted_; }

 private:
  BackendPtr backend_;
  DType dtype_;
  int64_t size_;
  std::size_t bytes_ = 0;
  void* data_ = nullptr;
  bool adopted_ = false;
  std::shared_ptr<void> owner_;  // destroyed after ~Storage released the handle
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace mt
