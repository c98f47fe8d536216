// minitorch/storage.hpp — a buffer of elements allocated by a backend plugin.
// It holds the BackendPtr, so the plugin stays loaded while the buffer lives,
// and frees the buffer in its destructor. It knows nothing of shapes.
#pragma once

#include <minitorch/backend.hpp>

#include <cstdint>
#include <memory>

namespace mt {

class Storage {
 public:
  // Allocates `size` uninitialised elements of `dtype` on `backend`.
  // Throws ArgumentError for a null backend or a negative size.
  Storage(BackendPtr backend, DType dtype, int64_t size);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // The plugin's handle (a device pointer on CUDA). May be null when size is 0.
  void* data() const { return data_; }
  const BackendPtr& backend() const { return backend_; }
  DType dtype() const { return dtype_; }
  int64_t size() const { return size_; }
  std::size_t bytes() const { return static_cast<std::size_t>(size_) * dtype_size(dtype_); }

 private:
  BackendPtr backend_;
  DType dtype_;
  int64_t size_;
  void* data_ = nullptr;
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace mt
