// storage.cpp — allocation and release of a backend buffer. The backend's own
// allocator decides alignment and placement; nothing is cached here.
#include <minitorch/storage.hpp>

#include <string>

namespace mt {

Storage::Storage(BackendPtr backend, DType dtype, int64_t size)
    : backend_(std::move(backend)), dtype_(dtype), size_(size) {
  if (!backend_)
    throw ArgumentError("cannot allocate storage: no backend given");
  if (size_ < 0)
    throw ArgumentError("cannot allocate " + std::to_string(size_) +
                        " elements: size must be >= 0");
  if (!backend_->usable()) {
    throw LoadError("backend '" + backend_->name() +
                    "' is not usable here: " + backend_->unusable_reason());
  }
  data_ = backend_->allocate(bytes());
}

Storage::~Storage() {
  backend_->release(data_);
}

}  // namespace mt
