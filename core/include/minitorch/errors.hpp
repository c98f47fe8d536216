// minitorch/errors.hpp — the exception types core throws. Every message says
// what happened, to what, and what is allowed. Nothing here crosses the C ABI.
#pragma once

#include <stdexcept>
#include <string>

namespace mt {

// Base of everything MiniTorch throws on bad input or failure.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad index, dim or permutation (MiniTorch's IndexingError).
class IndexingError : public Error {
 public:
  using Error::Error;
};

// Shapes that do not fit together; the message names both shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A value outside what is allowed (dtype, rate, size, CLI argument ...).
class ArgumentError : public Error {
 public:
  using Error::Error;
};

// A plugin slot failed; the message names the plugin, the op, the shapes and
// the plugin's own reason.
class BackendError : public Error {
 public:
  using Error::Error;
};

// A backend could not be found, loaded or used; lists what is available.
class LoadError : public Error {
 public:
  using Error::Error;
};

// Memory could not be had (a backend's allocator or the host's refused); the
// message says what was being allocated, how many bytes, and where.
class AllocationError : public Error {
 public:
  using Error::Error;
};

// A data file, manifest or checkpoint is missing, truncated or corrupt; the
// message names the file and the problem.
class DataError : public Error {
 public:
  using Error::Error;
};

}  // namespace mt
