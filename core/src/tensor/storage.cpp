// storage.cpp — allocation and release of a backend buffer, and adoption of
// caller-owned host memory. The backend's own allocator decides alignment and
// placement; nothing is cached here. Sizes are checked before the plugin is
// asked, and a refusal names what it was for.
#include <minitorch/tensor/storage.hpp>

#include <cstdint>
#include <string>

namespace mt {

namespace {

std::string describe(DType dtype, int64_t size, const Shape* shape) {
  if (shape != nullptr)
    return std::string("a ") + shape_to_string(*shape) + " " + dtype_name(dtype) + " tensor";
  return "a storage of " + std::to_string(size) + " " + dtype_name(dtype) + " elements";
}

}  // namespace

Storage::Storage(BackendPtr backend, DType dtype, int64_t size, const Shape* shape)
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
  // The description is only built when it is needed, off the hot path.
  const auto element = static_cast<int64_t>(dtype_size(dtype_));
  if (size_ > max_count / element)
    byte_count(size_, dtype_size(dtype_), describe(dtype_, size_, shape));  // throws
  bytes_ = static_cast<std::size_t>(size_ * element);
  try {
    data_ = backend_->allocate(bytes_);
  } catch (const BackendError& e) {
    // The backend's message repeats the backend and the bytes before its
    // reason; keep only the reason when it has that form.
    std::string reason = e.what();
    const std::string repeated = "backend '" + backend_->name() + "' failed in alloc of " +
                                 std::to_string(bytes_) + " bytes: ";
    if (reason.compare(0, repeated.size(), repeated) == 0)
      reason.erase(0, repeated.size());
    throw_allocation_error(
        bytes_, describe(dtype_, size_, shape) + " on backend '" + backend_->name() + "'", reason);
  }
}

Storage::Storage(BackendPtr backend, DType dtype, int64_t size, void* data,
                 std::shared_ptr<void> owner)
    : backend_(std::move(backend)), dtype_(dtype), size_(size), owner_(std::move(owner)) {
  if (!backend_)
    throw ArgumentError("cannot wrap host memory: no backend given");
  if (size_ < 0)
    throw ArgumentError("cannot wrap " + std::to_string(size_) +
                        " elements of host memory: size must be >= 0");
  if (!backend_->usable()) {
    throw LoadError("backend '" + backend_->name() +
                    "' is not usable here: " + backend_->unusable_reason());
  }
  if (!backend_->has_adopt_host()) {
    throw ArgumentError(
        "backend '" + backend_->name() + "' cannot view host memory without a copy (" +
        (backend_->host_accessible()
             ? std::string("its plugin has no adopt_host slot")
             : std::string("it is a ") + device_kind_name(backend_->device()) + " backend") +
        "); copy the data into a new tensor instead");
  }
  const std::size_t element = dtype_size(dtype_);
  bytes_ = byte_count(size_, element, describe(dtype_, size_, nullptr));
  if (size_ == 0)
    return;  // nothing to refer to: like an empty allocation, no handle
  if (data == nullptr)
    throw ArgumentError("cannot wrap " + describe(dtype_, size_, nullptr) +
                        ": the data pointer is null");
  if (reinterpret_cast<std::uintptr_t>(data) % element != 0) {
    throw ArgumentError("cannot wrap host memory at address " +
                        std::to_string(reinterpret_cast<std::uintptr_t>(data)) + " as " +
                        dtype_name(dtype_) + ": it is not aligned to " + std::to_string(element) +
                        " bytes (the element size)");
  }
  data_ = backend_->adopt_host(data, bytes_);
  adopted_ = true;
}

Storage::~Storage() {
  backend_->release(data_);
}

}  // namespace mt
