// minitorch/plugin_helpers.hpp — C++17 helpers for plugin authors: the op
// table's formulas and metadata (ops.hpp), dtype and op dispatch, strided
// iteration over views, the slots' argument checks (the only ones: every
// in-tree plugin calls them), and a boundary guard that turns exceptions
// into mt_status codes.
// Header-only and optional: it is not part of the ABI (plugin_abi.h and
// op_table.h are).
#ifndef MINITORCH_PLUGIN_HELPERS_HPP
#define MINITORCH_PLUGIN_HELPERS_HPP

#include <minitorch/plugin_abi.h>
#include <minitorch/ops.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

namespace mt::sdk {

// The per-element formulas (apply_map, apply_zip, reduce_start,
// reduce_combine), valid_op, valid_dtype, the op names and the rest of the
// op table's C++ side are in <minitorch/ops.hpp>, included above.

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

// x rounded to T (round to nearest), overflowing to ±inf: a plain cast of a
// double beyond FLT_MAX to float is undefined behaviour in C++.
template <class T>
MT_HOST_DEVICE inline T round_to(double x) {
  if constexpr (sizeof(T) < sizeof(double)) {
    constexpr double kOverflow = 0x1.ffffffp127;  // FLT_MAX plus half an ulp
    if (x >= kOverflow)
      return std::numeric_limits<T>::infinity();
    if (x <= -kOverflow)
      return -std::numeric_limits<T>::infinity();
  }
  return static_cast<T>(x);
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
// Argument checks of the slots: the only ones. Every in-tree plugin
// (reference, parallel, cuda, the examples) calls check_<slot>_args at the
// top of each slot, so every backend answers a bad call with the same status
// and much the same message. Each throws Error with a message that names the
// operand, what is wrong and what is allowed:
//  - MT_ERR_UNSUPPORTED for an op or dtype the table does not know (the rule
//    in plugin_abi.h: what `supports` answers 0 for),
//  - MT_ERR_INVALID_ARG for a call that breaks the header's contract.
// The per-slot checks take `bytes_of`, the plugin's own lookup:
// bytes_of(buffer) returns the byte size of a live allocation of this
// plugin, 0 when `buffer` is not one, or kUnknownBytes when the plugin keeps
// no record (UntrackedBuffers): then every check but "inside its buffer" runs.
// ---------------------------------------------------------------------------

// bytes_of's answer for "this plugin does not track its buffers".
inline constexpr std::size_t kUnknownBytes = static_cast<std::size_t>(-1);

// The lookup of a plugin that keeps no allocation table (example_cpu).
struct UntrackedBuffers {
  std::size_t operator()(const void*) const noexcept { return kUnknownBytes; }
};

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

// The error for an op value the table does not have (see plugin_abi.h).
[[noreturn]] inline void throw_unknown_op(int32_t family, int32_t op) {
  std::string names;
  for (const OpInfo& row : op_rows(family))
    names += (names.empty() ? "" : ", ") + std::to_string(row.value) + " " + row.name;
  throw Error(MT_ERR_UNSUPPORTED, std::string(family_name(family)) + " op " + std::to_string(op) +
                                      " is unknown to this backend; allowed 0.." +
                                      std::to_string(op_count(family) - 1) + " (" + names + ")");
}

inline void require_known_op(int32_t family, int32_t op) {
  if (!valid_op(family, op))
    throw_unknown_op(family, op);
}

// Calls f(std::integral_constant<int32_t, op>{}) for a run-time op of
// `Family` (MT_FAMILY_MAP, _ZIP or _REDUCE), so a kernel can be instantiated
// per op with the formula's switch folded away. The cases are generated from
// the op table; an unknown op throws Error(MT_ERR_UNSUPPORTED).
template <int32_t Family, class F>
inline void dispatch_op(int32_t op, F&& f) {
  static_assert(Family == MT_FAMILY_MAP || Family == MT_FAMILY_ZIP || Family == MT_FAMILY_REDUCE,
                "dispatch_op is for the map, zip and reduce families");
  if constexpr (Family == MT_FAMILY_MAP) {
    switch (op) {
#define MT_SDK_MAP_DISPATCH(E, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST) \
  case MT_MAP_##E:                                                                     \
    f(std::integral_constant<int32_t, MT_MAP_##E>{});                                  \
    return;
      MT_MAP_OPS(MT_SDK_MAP_DISPATCH)
#undef MT_SDK_MAP_DISPATCH
      default:
        break;
    }
  } else if constexpr (Family == MT_FAMILY_ZIP) {
    switch (op) {
#define MT_SDK_ZIP_DISPATCH(E, VALUE, NAME, FORMULA, DOMAIN_A, DOMAIN_B, RTOL_F32, RTOL_F64, COST) \
  case MT_ZIP_##E:                                                                                 \
    f(std::integral_constant<int32_t, MT_ZIP_##E>{});                                              \
    return;
      MT_ZIP_OPS(MT_SDK_ZIP_DISPATCH)
#undef MT_SDK_ZIP_DISPATCH
      default:
        break;
    }
  } else {
    switch (op) {
#define MT_SDK_REDUCE_DISPATCH(E, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, \
                               COST)                                                              \
  case MT_REDUCE_##E:                                                                             \
    f(std::integral_constant<int32_t, MT_REDUCE_##E>{});                                          \
    return;
      MT_REDUCE_OPS(MT_SDK_REDUCE_DISPATCH)
#undef MT_SDK_REDUCE_DISPATCH
      default:
        break;
    }
  }
  throw_unknown_op(Family, op);
}

// What `supports` answers in a plugin that implements every op of the table
// in f32 and f64: 1 for a known (family, op) and dtype, else 0. The optim
// family (ABI 1.1) counts only for a plugin that says it has the
// optim_step slot (`with_optim_step`).
inline int32_t supports_every_known_op(int32_t family, int32_t op, int32_t dtype,
                                       bool with_optim_step = false) {
  if (family == MT_FAMILY_OPTIM && !with_optim_step)
    return 0;
  return valid_op(family, op) && valid_dtype(dtype) ? 1 : 0;
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

// Byte size of the live allocation `buffer` (kUnknownBytes if the plugin
// does not track buffers); throws naming `what` if it is none.
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
  if (size == kUnknownBytes)
    return;
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
  const std::size_t bytes = live_bytes(bytes_of, v->buffer, std::string(what) + "'s buffer");
  if (bytes == kUnknownBytes)
    return;
  const std::size_t elements = bytes / dtype_size(v->dtype);
  if (static_cast<uint64_t>(last) >= elements)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " (shape " + shape_text(*v) + ", strides " +
                                        strides_text(*v) + ", offset " + std::to_string(v->offset) +
                                        ") reaches element " + std::to_string(last) +
                                        " but its buffer holds " + std::to_string(elements) + " " +
                                        dtype_name(v->dtype) + " elements");
}

// alloc: the result pointer must be given.
inline void check_alloc_args(void** out) {
  if (out == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "the result pointer `out` is NULL");
}

// adopt_host (ABI 1.1): caller-owned host memory [data, data + bytes) to
// hand back as a buffer handle. It must be there, non-empty, aligned to the
// smallest element size (4 bytes), and not wrap around the address space.
inline void check_adopt_host_args(const void* data, std::size_t bytes, void** out) {
  if (out == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "the result pointer `out` is NULL");
  *out = nullptr;
  if (data == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "data is NULL (adopt_host needs memory to refer to)");
  if (bytes == 0)
    throw Error(MT_ERR_INVALID_ARG, "bytes is 0 (an empty tensor needs no buffer; adopt none)");
  const auto address = reinterpret_cast<std::uintptr_t>(data);
  if (address % 4 != 0)
    throw Error(MT_ERR_INVALID_ARG, "data " + std::to_string(address) +
                                        " is not aligned to 4 bytes (the smallest element)");
  if (bytes > UINTPTR_MAX - address)
    throw Error(MT_ERR_INVALID_ARG, std::to_string(bytes) + " bytes from address " +
                                        std::to_string(address) + " wrap around memory");
}

// copy_from_host: `bytes` bytes from host `src` into [dst_offset, +bytes) of
// the buffer `dst`. Nothing to check when bytes == 0 (a no-op).
template <class BytesOf>
inline void check_copy_from_host_args(BytesOf&& bytes_of, const void* dst, std::size_t dst_offset,
                                      const void* src, std::size_t bytes) {
  if (bytes == 0)
    return;
  if (src == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "src is NULL with " + std::to_string(bytes) + " bytes to copy");
  if (dst == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "dst is NULL with " + std::to_string(bytes) + " bytes to copy");
  check_byte_range(bytes_of, dst, dst_offset, bytes, "dst");
}

// copy_to_host: `bytes` bytes from [src_offset, +bytes) of the buffer `src`
// into host `dst`.
template <class BytesOf>
inline void check_copy_to_host_args(BytesOf&& bytes_of, const void* dst, const void* src,
                                    std::size_t src_offset, std::size_t bytes) {
  if (bytes == 0)
    return;
  if (dst == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "dst is NULL with " + std::to_string(bytes) + " bytes to copy");
  if (src == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "src is NULL with " + std::to_string(bytes) + " bytes to copy");
  check_byte_range(bytes_of, src, src_offset, bytes, "src");
}

template <class BytesOf>
inline void check_fill_args(BytesOf&& bytes_of, const mt_view* out) {
  check_operand(bytes_of, out, "out", true);
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

// ---------------------------------------------------------------------------
// The optimizer step (optim_step, ABI 1.1; formulas at mt_optim_step)
// ---------------------------------------------------------------------------

// "sgd", "adam", "adamw"; "?" for an unknown kind.
inline const char* optim_kind_name(int32_t kind) {
  switch (kind) {
    case MT_OPTIM_SGD:
      return "sgd";
    case MT_OPTIM_ADAM:
      return "adam";
    case MT_OPTIM_ADAMW:
      return "adamw";
    default:
      return "?";
  }
}

// Whether a step of this kind reads and writes state0 / state1.
inline bool optim_uses_state0(const mt_optim_step& s) {
  return s.kind != MT_OPTIM_SGD || s.momentum != 0.0;
}
inline bool optim_uses_state1(const mt_optim_step& s) {
  return s.kind != MT_OPTIM_SGD;
}

// A step's coefficients rounded to T, with the branches of the formula
// decided once per call.
template <class T>
struct OptimCoefficients {
  int32_t kind = MT_OPTIM_SGD;
  bool nesterov = false;
  bool has_weight_decay = false;
  bool has_momentum = false;
  T lr{}, weight_decay{}, momentum{}, decay{};
  T beta1{}, one_minus_beta1{}, beta2{}, one_minus_beta2{}, eps{}, step_size{},
      inv_sqrt_bias_correction2{};
};

template <class T>
inline OptimCoefficients<T> optim_coefficients(const mt_optim_step& s) {
  OptimCoefficients<T> c;
  c.kind = s.kind;
  c.nesterov = s.nesterov != 0;
  c.has_weight_decay = s.weight_decay != 0.0;
  c.has_momentum = s.momentum != 0.0;
  c.lr = round_to<T>(s.lr);
  c.weight_decay = round_to<T>(s.weight_decay);
  c.momentum = round_to<T>(s.momentum);
  c.decay = round_to<T>(s.decay);
  c.beta1 = round_to<T>(s.beta1);
  c.one_minus_beta1 = round_to<T>(s.one_minus_beta1);
  c.beta2 = round_to<T>(s.beta2);
  c.one_minus_beta2 = round_to<T>(s.one_minus_beta2);
  c.eps = round_to<T>(s.eps);
  c.step_size = round_to<T>(s.step_size);
  c.inv_sqrt_bias_correction2 = round_to<T>(s.inv_sqrt_bias_correction2);
  return c;
}

// One element of the step of kind `Kind` (mt_optim_kind): updates p and the
// state b0 / b1 (unused ones are left alone) from the gradient g. Every
// operation rounds to T, in the header's order: compile callers without FMA
// contraction (-ffp-contract=off, nvcc --fmad=false) or they stop matching
// core's unfused path bit for bit.
template <class T, int32_t Kind>
MT_HOST_DEVICE inline void optim_update(const OptimCoefficients<T>& c, T& p, T g, T& b0, T& b1) {
  using std::sqrt;
  if constexpr (Kind == MT_OPTIM_SGD) {
    (void)b1;
    if (c.has_weight_decay)
      g = g + p * c.weight_decay;
    if (!c.has_momentum) {
      p = p - g * c.lr;
      return;
    }
    b0 = b0 * c.momentum + g;
    p = p - (c.nesterov ? (g + b0 * c.momentum) * c.lr : b0 * c.lr);
  } else {
    if (c.has_weight_decay) {
      if constexpr (Kind == MT_OPTIM_ADAMW)
        p = p * c.decay;
      else
        g = g + p * c.weight_decay;
    }
    b0 = b0 * c.beta1 + g * c.one_minus_beta1;
    b1 = b1 * c.beta2 + (g * g) * c.one_minus_beta2;
    p = p - (b0 / (sqrt(b1) * c.inv_sqrt_bias_correction2 + c.eps)) * c.step_size;
  }
}

// Calls f(std::integral_constant<int32_t, kind>{}) for a known kind; an
// unknown one throws Error(MT_ERR_UNSUPPORTED).
template <class F>
inline void dispatch_optim_kind(int32_t kind, F&& f) {
  switch (kind) {
    case MT_OPTIM_SGD:
      f(std::integral_constant<int32_t, MT_OPTIM_SGD>{});
      return;
    case MT_OPTIM_ADAM:
      f(std::integral_constant<int32_t, MT_OPTIM_ADAM>{});
      return;
    case MT_OPTIM_ADAMW:
      f(std::integral_constant<int32_t, MT_OPTIM_ADAMW>{});
      return;
    default:
      throw_unknown_op(MT_FAMILY_OPTIM, kind);
  }
}

// Row-major strides for the shape (a dim of size 1 may have any stride).
inline bool is_contiguous(const mt_view& v) {
  int64_t expected = 1;
  for (int32_t d = v.ndim; d-- > 0;) {
    if (v.shape[d] != 1 && v.strides[d] != expected)
      return false;
    expected *= v.shape[d];
  }
  return true;
}

// optim_step: the whole contract of the slot, checked before anything is
// written (a refused call changes nothing).
template <class BytesOf>
inline void check_optim_step_args(BytesOf&& bytes_of, const mt_optim_step* step, int32_t count,
                                  const mt_view* params, const mt_view* grads,
                                  const mt_view* state0, const mt_view* state1) {
  if (step == nullptr)
    throw Error(MT_ERR_INVALID_ARG, "the step description `step` is NULL");
  require_known_op(MT_FAMILY_OPTIM, step->kind);
  if (count < 0)
    throw Error(MT_ERR_INVALID_ARG,
                "count " + std::to_string(count) + " is negative; allowed 0 or more parameters");
  if (count == 0)
    return;
  const bool uses0 = optim_uses_state0(*step), uses1 = optim_uses_state1(*step);
  if (params == nullptr || grads == nullptr || (uses0 && state0 == nullptr) ||
      (uses1 && state1 == nullptr))
    throw Error(MT_ERR_INVALID_ARG, std::string("a ") + optim_kind_name(step->kind) +
                                        " step needs params, grads" + (uses0 ? ", state0" : "") +
                                        (uses1 ? ", state1" : "") + " arrays; one of them is NULL");
  const double used[] = {step->lr,
                         step->weight_decay,
                         step->momentum,
                         step->decay,
                         step->beta1,
                         step->one_minus_beta1,
                         step->beta2,
                         step->one_minus_beta2,
                         step->eps,
                         step->step_size,
                         step->inv_sqrt_bias_correction2};
  for (const double value : used) {
    if (!std::isfinite(value))
      throw Error(MT_ERR_INVALID_ARG, std::string("a ") + optim_kind_name(step->kind) +
                                          " step has a coefficient that is not finite (" +
                                          std::to_string(value) + "); all must be finite");
  }
  if (step->nesterov != 0 && step->nesterov != 1)
    throw Error(MT_ERR_INVALID_ARG,
                "nesterov is " + std::to_string(step->nesterov) + "; allowed 0 or 1");
  // Every view: valid, inside its buffer, one dtype, params[i]'s shape, contiguous.
  struct Span {
    const void* buffer;
    int64_t begin, end;  // element positions [begin, end)
    bool written;
    int32_t index;
    const char* array;
  };
  std::vector<Span> spans;
  spans.reserve(static_cast<std::size_t>(count) * 4);
  const int32_t dtype = params[0].dtype;
  require_supported_dtype(dtype, "params[0]");
  const auto check_one = [&](const mt_view* array, const char* name, int32_t i, bool written) {
    const std::string what = std::string(name) + "[" + std::to_string(i) + "]";
    const mt_view& v = array[i];
    check_operand(bytes_of, &v, what.c_str(), written);
    if (v.dtype != dtype)
      throw Error(MT_ERR_INVALID_ARG, what + " is " + dtype_name(v.dtype) + " but params[0] is " +
                                          dtype_name(dtype) +
                                          "; all views of one call share a dtype");
    bool same = v.ndim == params[i].ndim;
    for (int32_t d = 0; same && d < v.ndim; ++d)
      same = v.shape[d] == params[i].shape[d];
    if (!same)
      throw Error(MT_ERR_INVALID_ARG, what + " has shape " + shape_text(v) + " but params[" +
                                          std::to_string(i) + "] has " + shape_text(params[i]));
    if (!is_contiguous(v))
      throw Error(MT_ERR_INVALID_ARG, what + " (shape " + shape_text(v) + ", strides " +
                                          strides_text(v) +
                                          ") is not contiguous; optim_step needs row-major views");
    const int64_t n = element_count(v);
    if (n > 0)
      spans.push_back({v.buffer, v.offset, v.offset + n, written, i, name});
  };
  for (int32_t i = 0; i < count; ++i) {
    check_one(params, "params", i, true);
    check_one(grads, "grads", i, false);
    if (uses0)
      check_one(state0, "state0", i, true);
    if (uses1)
      check_one(state1, "state1", i, true);
  }
  // No written view may overlap another view: sweep each buffer's spans by start.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.buffer != b.buffer ? std::less<const void*>()(a.buffer, b.buffer) : a.begin < b.begin;
  });
  const Span* furthest = nullptr;          // the span reaching furthest so far in this buffer
  const Span* furthest_written = nullptr;  // the same among written spans
  for (const Span& s : spans) {
    if (furthest != nullptr && furthest->buffer != s.buffer)
      furthest = furthest_written = nullptr;
    const Span* clash = s.written ? furthest : furthest_written;
    if (clash != nullptr && s.begin < clash->end)
      throw Error(MT_ERR_INVALID_ARG,
                  std::string(s.array) + "[" + std::to_string(s.index) + "] overlaps " +
                      clash->array + "[" + std::to_string(clash->index) +
                      "]; a parameter or state view may not share memory with any other view");
    if (furthest == nullptr || s.end > furthest->end)
      furthest = &s;
    if (s.written && (furthest_written == nullptr || s.end > furthest_written->end))
      furthest_written = &s;
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
