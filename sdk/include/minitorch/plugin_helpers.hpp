// minitorch/plugin_helpers.hpp — C++17 helpers for plugin authors: the
// per-element definition of every op, dtype dispatch, strided iteration over
// views, and a boundary guard that turns exceptions into mt_status codes.
// Header-only and optional: it is not part of the ABI (only plugin_abi.h is).
#ifndef MINITORCH_PLUGIN_HELPERS_HPP
#define MINITORCH_PLUGIN_HELPERS_HPP

#include <minitorch/plugin_abi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>

#if defined(__CUDACC__)
#define MT_HOST_DEVICE __host__ __device__
#else
#define MT_HOST_DEVICE
#endif

namespace mt::sdk {

// ---------------------------------------------------------------------------
// Per-element op definitions. These are the single source of truth for what
// each enum value computes; every in-tree backend (CPU and CUDA) calls them.
// ---------------------------------------------------------------------------

template <class T>
MT_HOST_DEVICE inline T sigmoid(T x) {
  if (x >= T(0)) {
    return T(1) / (T(1) + std::exp(-x));
  }
  const T e = std::exp(x);
  return e / (T(1) + e);
}

template <class T>
MT_HOST_DEVICE inline T apply_map(int32_t op, T x) {
  switch (op) {
    case MT_MAP_NEG:
      return -x;
    case MT_MAP_COPY:
      return x;
    case MT_MAP_SIGMOID:
      return sigmoid(x);
    case MT_MAP_RELU:
      return x > T(0) ? x : T(0);
    case MT_MAP_LOG:
      return std::log(x);
    case MT_MAP_EXP:
      return std::exp(x);
    case MT_MAP_INV:
      return T(1) / x;
    case MT_MAP_SQRT:
      return std::sqrt(x);
    case MT_MAP_ABS:
      return std::fabs(x);
    default:
      return x;  // callers validate `op` first (see valid_op)
  }
}

template <class T>
MT_HOST_DEVICE inline T apply_zip(int32_t op, T a, T b) {
  switch (op) {
    case MT_ZIP_ADD:
      return a + b;
    case MT_ZIP_SUB:
      return a - b;
    case MT_ZIP_MUL:
      return a * b;
    case MT_ZIP_DIV:
      return a / b;
    case MT_ZIP_LT:
      return a < b ? T(1) : T(0);
    case MT_ZIP_EQ:
      return a == b ? T(1) : T(0);
    case MT_ZIP_MAX:
      return a > b ? a : b;
    case MT_ZIP_IS_CLOSE:
      return std::fabs(a - b) < T(1e-2) ? T(1) : T(0);
    case MT_ZIP_RELU_BACK:
      return a > T(0) ? b : T(0);
    case MT_ZIP_LOG_BACK:
      return b / a;
    case MT_ZIP_INV_BACK:
      return -b / (a * a);
    case MT_ZIP_POW:
      return std::pow(a, b);
    default:
      return a;
  }
}

template <class T>
MT_HOST_DEVICE inline T reduce_start(int32_t op) {
  switch (op) {
    case MT_REDUCE_PROD:
      return T(1);
    case MT_REDUCE_MAX:
      return -std::numeric_limits<T>::infinity();
    default:
      return T(0);
  }
}

// Combines an accumulator with one more element. MAX propagates NaN.
template <class T>
MT_HOST_DEVICE inline T reduce_combine(int32_t op, T acc, T x) {
  switch (op) {
    case MT_REDUCE_PROD:
      return acc * x;
    case MT_REDUCE_MAX:
      return (x > acc || x != x) ? x : acc;
    default:
      return acc + x;
  }
}

MT_HOST_DEVICE inline bool valid_op(int32_t family, int32_t op) {
  switch (family) {
    case MT_FAMILY_MAP:
      return op >= 0 && op < MT_MAP_OP_COUNT;
    case MT_FAMILY_ZIP:
      return op >= 0 && op < MT_ZIP_OP_COUNT;
    case MT_FAMILY_REDUCE:
      return op >= 0 && op < MT_REDUCE_OP_COUNT;
    case MT_FAMILY_MATMUL:
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D:
      return op == 0;
    default:
      return false;
  }
}

MT_HOST_DEVICE inline bool valid_dtype(int32_t dtype) {
  return dtype == MT_F32 || dtype == MT_F64;
}

inline const char* map_op_name(int32_t op) {
  static const char* const names[] = {"neg", "copy", "sigmoid", "relu", "log",
                                      "exp", "inv",  "sqrt",    "abs"};
  return (op >= 0 && op < MT_MAP_OP_COUNT) ? names[op] : "?";
}
inline const char* zip_op_name(int32_t op) {
  static const char* const names[] = {"add",       "sub",      "mul",      "div",
                                      "lt",        "eq",       "max",      "is_close",
                                      "relu_back", "log_back", "inv_back", "pow"};
  return (op >= 0 && op < MT_ZIP_OP_COUNT) ? names[op] : "?";
}
inline const char* reduce_op_name(int32_t op) {
  static const char* const names[] = {"sum", "prod", "max"};
  return (op >= 0 && op < MT_REDUCE_OP_COUNT) ? names[op] : "?";
}
inline const char* dtype_name(int32_t dtype) {
  return dtype == MT_F32 ? "f32" : dtype == MT_F64 ? "f64" : "?";
}
inline std::size_t dtype_size(int32_t dtype) {
  return dtype == MT_F64 ? 8 : 4;
}

// ---------------------------------------------------------------------------
// Errors at the boundary
// ---------------------------------------------------------------------------

// Throw this inside a slot; `guard` turns it into its status + last error.
class Error : public std::exception {
 public:
  Error(mt_status status, std::string message) : status_(status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  mt_status status() const noexcept { return status_; }

 private:
  mt_status status_;
  std::string message_;
};

// The last-error text of the calling thread. One per plugin .so (each plugin
// gets its own copy of this inline variable because plugins hide symbols).
inline std::string& last_error_storage() {
  thread_local std::string message;
  return message;
}

inline const char* last_error_cstr() {
  return last_error_storage().c_str();
}

inline mt_status fail(mt_status status, const std::string& message) {
  last_error_storage() = message;
  return status;
}

// Runs `body` (returning void) and converts any exception into a status.
template <class F>
mt_status guard(const char* slot, F&& body) noexcept {
  try {
    body();
    return MT_OK;
  } catch (const Error& e) {
    return fail(e.status(), std::string(slot) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    return fail(MT_ERR_OUT_OF_MEMORY, std::string(slot) + ": out of memory");
  } catch (const std::exception& e) {
    return fail(MT_ERR_INTERNAL, std::string(slot) + ": " + e.what());
  } catch (...) {
    return fail(MT_ERR_INTERNAL, std::string(slot) + ": unknown exception");
  }
}

// ---------------------------------------------------------------------------
// View checks and iteration
// ---------------------------------------------------------------------------

inline int64_t element_count(const mt_view& v) {
  int64_t n = 1;
  for (int32_t d = 0; d < v.ndim; ++d)
    n *= v.shape[d];
  return n;
}

// Validates the basic invariants of a view and throws Error naming `what`.
inline void check_view(const mt_view* v, const char* what) {
  if (v == nullptr)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " view is NULL");
  if (!valid_dtype(v->dtype))
    throw Error(MT_ERR_INVALID_ARG,
                std::string(what) + " has unknown dtype " + std::to_string(v->dtype));
  if (v->ndim < 0 || v->ndim > MT_MAX_DIMS)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has ndim " + std::to_string(v->ndim) +
                                        ", allowed 0.." + std::to_string(MT_MAX_DIMS));
  if (v->offset < 0)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has a negative offset");
  for (int32_t d = 0; d < v->ndim; ++d) {
    if (v->shape[d] < 0 || v->strides[d] < 0)
      throw Error(MT_ERR_INVALID_ARG,
                  std::string(what) + " has a negative size or stride in dim " + std::to_string(d));
  }
  if (v->buffer == nullptr && element_count(*v) > 0)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has a NULL buffer but elements");
}

inline void check_same_shape(const mt_view& a, const mt_view& b, const char* a_name,
                             const char* b_name) {
  bool same = a.ndim == b.ndim;
  for (int32_t d = 0; same && d < a.ndim; ++d)
    same = a.shape[d] == b.shape[d];
  if (!same)
    throw Error(MT_ERR_INVALID_ARG,
                std::string(a_name) + " and " + b_name + " differ in shape (core must expand)");
  if (a.dtype != b.dtype)
    throw Error(MT_ERR_INVALID_ARG, std::string(a_name) + " is " + dtype_name(a.dtype) + " but " +
                                        b_name + " is " + dtype_name(b.dtype));
}

template <class T>
inline T* typed_data(const mt_view& v) {
  return static_cast<T*>(v.buffer) + v.offset;
}

// Calls f(T{}) with T = float or double for the view dtype.
template <class F>
inline void dispatch_dtype(int32_t dtype, F&& f) {
  if (dtype == MT_F32) {
    f(float{});
  } else if (dtype == MT_F64) {
    f(double{});
  } else {
    throw Error(MT_ERR_UNSUPPORTED, std::string("unsupported dtype ") + std::to_string(dtype));
  }
}

// Walks every index of `shape` (ndim dims) in row-major order, one innermost
// row at a time. For each row it calls
//     row(n, offsets)
// where n is the row length and offsets[v] is the element offset of the row's
// first element in view v (computed from `strides[v]`). The row's elements are
// then offsets[v] + i * strides[v][ndim-1] for i in [0, n). With ndim == 0 the
// single element is one row of length 1. Nothing is called for empty shapes.
template <int NV, class Row>
inline void for_each_row(int32_t ndim, const int64_t* shape, const int64_t* const (&strides)[NV],
                         const int64_t (&base)[NV], Row&& row) {
  for (int32_t d = 0; d < ndim; ++d)
    if (shape[d] == 0)
      return;
  if (ndim == 0) {
    row(int64_t{1}, base);
    return;
  }
  int64_t index[MT_MAX_DIMS] = {0};
  int64_t offsets[NV];
  for (int v = 0; v < NV; ++v)
    offsets[v] = base[v];
  const int32_t inner = ndim - 1;
  for (;;) {
    row(shape[inner], static_cast<const int64_t(&)[NV]>(offsets));
    // Advance the odometer over the outer dims.
    int32_t d = inner - 1;
    for (; d >= 0; --d) {
      ++index[d];
      for (int v = 0; v < NV; ++v)
        offsets[v] += strides[v][d];
      if (index[d] < shape[d])
        break;
      for (int v = 0; v < NV; ++v)
        offsets[v] -= strides[v][d] * shape[d];
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

// Copies a NUL-terminated message into a caller buffer of `size` bytes.
inline void write_reason(char* out, std::size_t size, const std::string& message) {
  if (out == nullptr || size == 0)
    return;
  const std::size_t n = message.size() < size - 1 ? message.size() : size - 1;
  std::memcpy(out, message.data(), n);
  out[n] = '\0';
}

}  // namespace mt::sdk

#endif  // MINITORCH_PLUGIN_HELPERS_HPP
