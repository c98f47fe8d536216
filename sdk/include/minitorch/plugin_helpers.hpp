// minitorch/plugin_helpers.hpp — C++17 helpers for plugin authors: the
// per-element definition of every op, dtype dispatch, strided iteration over
// views, the slots' argument checks, and a boundary guard that turns
// exceptions into mt_status codes.
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

// ---------------------------------------------------------------------------
// Argument checks of the slots, as the in-tree backends apply them: each
// throws Error(MT_ERR_INVALID_ARG or MT_ERR_UNSUPPORTED) with a message that
// names the operand, what is wrong and what is allowed. The per-slot checks
// take `bytes_of`, the plugin's own lookup: bytes_of(buffer) returns the byte
// size of a live allocation of this plugin, or 0 when `buffer` is not one.
// ---------------------------------------------------------------------------

// "(2, 3, 4)": the first `ndim` values.
inline std::string dims_text(const int64_t* values, int32_t ndim) {
  std::string text = "(";
  for (int32_t d = 0; d < ndim; ++d) {
    if (d > 0)
      text += ", ";
    text += std::to_string(values[d]);
  }
  return text + ")";
}

inline std::string shape_text(const mt_view& v) {
  return dims_text(v.shape, v.ndim);
}

inline std::string strides_text(const mt_view& v) {
  return dims_text(v.strides, v.ndim);
}

// An unknown dtype or op is unsupported rather than invalid (what `supports`
// answers for it): a host with a newer ABI minor may know more of them.
inline void require_supported_dtype(int32_t dtype, const char* what) {
  if (!valid_dtype(dtype))
    throw Error(MT_ERR_UNSUPPORTED, std::string(what) + " has dtype " + std::to_string(dtype) +
                                        "; this backend supports f32 (" + std::to_string(MT_F32) +
                                        ") and f64 (" + std::to_string(MT_F64) + ")");
}

inline void require_known_op(int32_t family, int32_t op) {
  if (valid_op(family, op))
    return;
  const char* name = family == MT_FAMILY_MAP      ? "map"
                     : family == MT_FAMILY_ZIP    ? "zip"
                     : family == MT_FAMILY_REDUCE ? "reduce"
                                                  : "?";
  const int32_t count = family == MT_FAMILY_MAP   ? int32_t{MT_MAP_OP_COUNT}
                        : family == MT_FAMILY_ZIP ? int32_t{MT_ZIP_OP_COUNT}
                                                  : int32_t{MT_REDUCE_OP_COUNT};
  throw Error(MT_ERR_UNSUPPORTED, std::string(name) + " op " + std::to_string(op) +
                                      " is unknown; allowed 0.." + std::to_string(count - 1));
}

inline void require_same_dtype(const mt_view& a, const mt_view& b, const char* a_name,
                               const char* b_name) {
  if (a.dtype != b.dtype)
    throw Error(MT_ERR_INVALID_ARG, std::string(a_name) + " is " + dtype_name(a.dtype) + " but " +
                                        b_name + " is " + dtype_name(b.dtype) +
                                        "; all views of one call share a dtype");
}

inline void require_ndim(const mt_view& v, int32_t ndim, const char* what, const char* layout) {
  if (v.ndim != ndim)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has " + std::to_string(v.ndim) +
                                        " dims " + shape_text(v) + "; expected " +
                                        std::to_string(ndim) + " dims " + layout);
}

// Throws naming both sizes when dim `da` of `a` and dim `db` of `b` differ.
inline void require_equal_size(const mt_view& a, int32_t da, const char* a_name, const mt_view& b,
                               int32_t db, const char* b_name, const char* meaning) {
  if (a.shape[da] != b.shape[db])
    throw Error(MT_ERR_INVALID_ARG, std::string(meaning) + " differs: " + a_name + " " +
                                        shape_text(a) + " has " + std::to_string(a.shape[da]) +
                                        " but " + b_name + " " + shape_text(b) + " has " +
                                        std::to_string(b.shape[db]));
}

// Byte size of the live allocation `buffer`; throws naming `what` if it is none.
template <class BytesOf>
inline std::size_t live_bytes(BytesOf&& bytes_of, const void* buffer, const std::string& what) {
  const std::size_t bytes = buffer == nullptr ? 0 : bytes_of(buffer);
  if (bytes == 0)
    throw Error(
        MT_ERR_INVALID_ARG,
        what + " is not a live buffer allocated by this plugin (freed, or never allocated)");
  return bytes;
}

// Throws unless [offset, offset + bytes) lies inside the live buffer.
template <class BytesOf>
inline void check_byte_range(BytesOf&& bytes_of, const void* buffer, std::size_t offset,
                             std::size_t bytes, const char* what) {
  const std::size_t size = live_bytes(bytes_of, buffer, what);
  if (offset > size || bytes > size - offset)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + ": bytes [" + std::to_string(offset) +
                                        ", " + std::to_string(offset) + " + " +
                                        std::to_string(bytes) + ") exceed the buffer's " +
                                        std::to_string(size) + " bytes");
}

// Full check of one operand: present, a supported dtype, sane sizes and
// strides, and every element it reaches inside the live buffer it names (a
// stray view would otherwise read or corrupt memory silently). An output
// must also not repeat an element (stride 0 on a dim longer than 1).
template <class BytesOf>
inline void check_operand(BytesOf&& bytes_of, const mt_view* v, const char* what, bool is_output) {
  if (v == nullptr)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " view is NULL");
  require_supported_dtype(v->dtype, what);
  check_view(v, what);
  if (element_count(*v) == 0)
    return;  // touches no memory, so the buffer may be anything (even NULL)
  if (is_output) {
    for (int32_t d = 0; d < v->ndim; ++d) {
      if (v->strides[d] == 0 && v->shape[d] > 1)
        throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has stride 0 in dim " +
                                            std::to_string(d) + " of size " +
                                            std::to_string(v->shape[d]) +
                                            "; an output may not write one element twice");
    }
  }
  int64_t last = v->offset;  // position of the furthest element the view reaches
  for (int32_t d = 0; d < v->ndim; ++d) {
    int64_t span = 0;
    if (__builtin_mul_overflow(v->shape[d] - 1, v->strides[d], &span) ||
        __builtin_add_overflow(last, span, &last))
      throw Error(MT_ERR_INVALID_ARG, std::string(what) + " with shape " + shape_text(*v) +
                                          " and strides " + strides_text(*v) +
                                          " overflows a 64-bit element position");
  }
  const std::size_t elements =
      live_bytes(bytes_of, v->buffer, std::string(what) + "'s buffer") / dtype_size(v->dtype);
  if (static_cast<uint64_t>(last) >= elements)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " (shape " + shape_text(*v) + ", strides " +
                                        strides_text(*v) + ", offset " + std::to_string(v->offset) +
                                        ") reaches element " + std::to_string(last) +
                                        " but its buffer holds " + std::to_string(elements) + " " +
                                        dtype_name(v->dtype) + " elements");
}

template <class BytesOf>
inline void check_map_args(BytesOf&& bytes_of, int32_t op, const mt_view* out, const mt_view* in) {
  require_known_op(MT_FAMILY_MAP, op);
  check_operand(bytes_of, out, "out", true);
  check_operand(bytes_of, in, "in", false);
  check_same_shape(*out, *in, "out", "in");
}

template <class BytesOf>
inline void check_zip_args(BytesOf&& bytes_of, int32_t op, const mt_view* out, const mt_view* a,
                           const mt_view* b) {
  require_known_op(MT_FAMILY_ZIP, op);
  check_operand(bytes_of, out, "out", true);
  check_operand(bytes_of, a, "a", false);
  check_operand(bytes_of, b, "b", false);
  check_same_shape(*out, *a, "out", "a");
  check_same_shape(*out, *b, "out", "b");
}

// `out` is `in` with dim `dim` kept at size 1.
template <class BytesOf>
inline void check_reduce_args(BytesOf&& bytes_of, int32_t op, const mt_view* out, const mt_view* in,
                              int32_t dim) {
  require_known_op(MT_FAMILY_REDUCE, op);
  check_operand(bytes_of, out, "out", true);
  check_operand(bytes_of, in, "in", false);
  require_same_dtype(*out, *in, "out", "in");
  if (dim < 0 || dim >= in->ndim)
    throw Error(MT_ERR_INVALID_ARG, "dim " + std::to_string(dim) + " is out of range for in " +
                                        shape_text(*in) + "; allowed 0.." +
                                        std::to_string(in->ndim - 1));
  if (out->ndim != in->ndim)
    throw Error(MT_ERR_INVALID_ARG, "out " + shape_text(*out) + " must have in's rank " +
                                        std::to_string(in->ndim) + " (the reduced dim is kept)");
  for (int32_t d = 0; d < in->ndim; ++d) {
    const int64_t want = d == dim ? 1 : in->shape[d];
    if (out->shape[d] != want)
      throw Error(MT_ERR_INVALID_ARG, "out " + shape_text(*out) + " does not fit in " +
                                          shape_text(*in) + " reduced along dim " +
                                          std::to_string(dim) + ": dim " + std::to_string(d) +
                                          " must be " + std::to_string(want));
  }
}

// (B, M, K) x (B, K, N) -> (B, M, N).
template <class BytesOf>
inline void check_matmul_args(BytesOf&& bytes_of, const mt_view* out, const mt_view* a,
                              const mt_view* b) {
  check_operand(bytes_of, out, "out", true);
  check_operand(bytes_of, a, "a", false);
  check_operand(bytes_of, b, "b", false);
  require_same_dtype(*out, *a, "out", "a");
  require_same_dtype(*out, *b, "out", "b");
  require_ndim(*a, 3, "a", "(B, M, K)");
  require_ndim(*b, 3, "b", "(B, K, N)");
  require_ndim(*out, 3, "out", "(B, M, N)");
  require_equal_size(*a, 0, "a", *out, 0, "out", "batch size B");
  require_equal_size(*b, 0, "b", *out, 0, "out", "batch size B");
  require_equal_size(*a, 1, "a", *out, 1, "out", "row count M");
  require_equal_size(*b, 2, "b", *out, 2, "out", "column count N");
  require_equal_size(*a, 2, "a", *b, 1, "b", "inner size K");
}

// conv1d (rank 3) or conv2d (rank 4): the three views have `rank` dims and
// agree on B, Cin and Cout (the output's spatial size is the backend's rule).
template <class BytesOf>
inline void check_conv_args(BytesOf&& bytes_of, int32_t rank, const mt_view* out, const mt_view* in,
                            const mt_view* weight) {
  check_operand(bytes_of, out, "out", true);
  check_operand(bytes_of, in, "in", false);
  check_operand(bytes_of, weight, "weight", false);
  require_same_dtype(*out, *in, "out", "in");
  require_same_dtype(*out, *weight, "out", "weight");
  const bool one_d = rank == 3;
  require_ndim(*in, rank, "in", one_d ? "(B, Cin, W)" : "(B, Cin, H, W)");
  require_ndim(*weight, rank, "weight", one_d ? "(Cout, Cin, K)" : "(Cout, Cin, KH, KW)");
  require_ndim(*out, rank, "out", one_d ? "(B, Cout, T)" : "(B, Cout, OH, OW)");
  require_equal_size(*in, 0, "in", *out, 0, "out", "batch size B");
  require_equal_size(*in, 1, "in", *weight, 1, "weight", "input channels Cin");
  require_equal_size(*weight, 0, "weight", *out, 1, "out", "output channels Cout");
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
