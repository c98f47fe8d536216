// reference.cpp — the reference backend: every slot of plugin_abi.h written
// as plain loops over strided host views, in f32 and f64. It is the oracle the
// conformance suite compares every other backend with, and the living
// definition of every op. Deliberately not fast (no threads, no blocking, no
// SIMD) and deliberately strict: it checks every argument, and checks every
// view against the size of the buffer it was allocated with.

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#ifndef MT_PLUGIN_NAME
#error "MT_PLUGIN_NAME must be defined by minitorch_add_plugin"
#endif
#ifndef MT_PLUGIN_VERSION
#define MT_PLUGIN_VERSION "0.1.0"
#endif

// The plugin's state. The allocation table exists only so that the oracle can
// reject a view, copy or free that does not fit the buffer it names: a core
// bug then surfaces here as a clear error instead of silent memory damage.
struct mt_plugin_context {
  std::mutex mutex;
  std::map<const void*, std::size_t> allocations;  // buffer -> bytes requested
};

namespace {

using mt::sdk::Error;

constexpr std::size_t kAlignment = 64;

std::string shape_text(const mt_view& v) {
  std::string text = "(";
  for (int32_t d = 0; d < v.ndim; ++d) {
    if (d > 0)
      text += ", ";
    text += std::to_string(v.shape[d]);
  }
  return text + ")";
}

std::string strides_text(const mt_view& v) {
  std::string text = "(";
  for (int32_t d = 0; d < v.ndim; ++d) {
    if (d > 0)
      text += ", ";
    text += std::to_string(v.strides[d]);
  }
  return text + ")";
}

// Bytes of a live allocation; throws when `buffer` is not one of ours.
std::size_t allocation_bytes(mt_plugin_context* ctx, const void* buffer, const std::string& what) {
  std::lock_guard<std::mutex> lock(ctx->mutex);
  const auto found = ctx->allocations.find(buffer);
  if (found == ctx->allocations.end())
    throw Error(
        MT_ERR_INVALID_ARG,
        what + " is not a live buffer allocated by this plugin (freed, or never allocated)");
  return found->second;
}

// An unknown dtype value is reported as unsupported (not invalid) so that a
// host with a newer ABI minor, which may know more dtypes, gets the answer
// `supports` would have given it.
void require_supported_dtype(int32_t dtype, const char* what) {
  if (!mt::sdk::valid_dtype(dtype))
    throw Error(MT_ERR_UNSUPPORTED, std::string(what) + " has dtype " + std::to_string(dtype) +
                                        "; the reference backend supports f32 (" +
                                        std::to_string(MT_F32) + ") and f64 (" +
                                        std::to_string(MT_F64) + ")");
}

// Same reasoning as for dtypes: an op this plugin does not know is unsupported.
void require_known_op(int32_t family, int32_t op) {
  if (mt::sdk::valid_op(family, op))
    return;
  const char* family_name = family == MT_FAMILY_MAP      ? "map"
                            : family == MT_FAMILY_ZIP    ? "zip"
                            : family == MT_FAMILY_REDUCE ? "reduce"
                                                         : "?";
  const int32_t count = family == MT_FAMILY_MAP   ? int32_t{MT_MAP_OP_COUNT}
                        : family == MT_FAMILY_ZIP ? int32_t{MT_ZIP_OP_COUNT}
                                                  : int32_t{MT_REDUCE_OP_COUNT};
  throw Error(MT_ERR_UNSUPPORTED, std::string(family_name) + " op " + std::to_string(op) +
                                      " is unknown; allowed 0.." + std::to_string(count - 1));
}

// Full check of one view: present, a supported dtype, sane sizes and strides,
// and every element it reaches inside its buffer. An output must also not
// repeat an element (stride 0 on a dim longer than 1).
void check_operand(mt_plugin_context* ctx, const mt_view* v, const char* what, bool is_output) {
  if (v == nullptr)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " view is NULL");
  require_supported_dtype(v->dtype, what);
  mt::sdk::check_view(v, what);
  if (mt::sdk::element_count(*v) == 0)
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
  const std::size_t elements = allocation_bytes(ctx, v->buffer, std::string(what) + "'s buffer") /
                               mt::sdk::dtype_size(v->dtype);
  if (static_cast<uint64_t>(last) >= elements)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " (shape " + shape_text(*v) + ", strides " +
                                        strides_text(*v) + ", offset " + std::to_string(v->offset) +
                                        ") reaches element " + std::to_string(last) +
                                        " but its buffer holds " + std::to_string(elements) + " " +
                                        mt::sdk::dtype_name(v->dtype) + " elements");
}

void require_same_dtype(const mt_view& a, const mt_view& b, const char* a_name,
                        const char* b_name) {
  if (a.dtype != b.dtype)
    throw Error(MT_ERR_INVALID_ARG, std::string(a_name) + " is " + mt::sdk::dtype_name(a.dtype) +
                                        " but " + b_name + " is " + mt::sdk::dtype_name(b.dtype) +
                                        "; all views of one call share a dtype");
}

void require_ndim(const mt_view& v, int32_t ndim, const char* what, const char* layout) {
  if (v.ndim != ndim)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has " + std::to_string(v.ndim) +
                                        " dims " + shape_text(v) + "; expected " +
                                        std::to_string(ndim) + " dims " + layout);
}

// Throws naming both sizes when dim `da` of `a` and dim `db` of `b` differ.
void require_equal_size(const mt_view& a, int32_t da, const char* a_name, const mt_view& b,
                        int32_t db, const char* b_name, const char* meaning) {
  if (a.shape[da] != b.shape[db])
    throw Error(MT_ERR_INVALID_ARG, std::string(meaning) + " differs: " + a_name + " " +
                                        shape_text(a) + " has " + std::to_string(a.shape[da]) +
                                        " but " + b_name + " " + shape_text(b) + " has " +
                                        std::to_string(b.shape[db]));
}

// Element position of a multi-index (only the first `n` dims of the view).
int64_t position(const mt_view& v, std::initializer_list<int64_t> index) {
  int64_t pos = v.offset;
  int32_t d = 0;
  for (const int64_t i : index)
    pos += i * v.strides[d++];
  return pos;
}

// ---------------------------------------------------------------------------
// The loops. Each one is the definition of its family: read the formula in
// plugin_abi.h, then read the loop.
// ---------------------------------------------------------------------------

template <class T>
void fill_loop(const mt_view& out, double value) {
  T* o = static_cast<T*>(out.buffer);
  const T v = static_cast<T>(value);
  const int64_t* const strides[1] = {out.strides};
  const int64_t base[1] = {out.offset};
  const int64_t step = out.ndim > 0 ? out.strides[out.ndim - 1] : 0;
  mt::sdk::for_each_row<1>(out.ndim, out.shape, strides, base,
                           [&](int64_t n, const int64_t(&at)[1]) {
                             for (int64_t i = 0; i < n; ++i)
                               o[at[0] + i * step] = v;
                           });
}

template <class T>
void map_loop(int32_t op, const mt_view& out, const mt_view& in) {
  T* o = static_cast<T*>(out.buffer);
  const T* x = static_cast<const T*>(in.buffer);
  const int64_t* const strides[2] = {out.strides, in.strides};
  const int64_t base[2] = {out.offset, in.offset};
  const int32_t last = out.ndim - 1;
  const int64_t step_o = out.ndim > 0 ? out.strides[last] : 0;
  const int64_t step_x = out.ndim > 0 ? in.strides[last] : 0;
  mt::sdk::for_each_row<2>(
      out.ndim, out.shape, strides, base, [&](int64_t n, const int64_t(&at)[2]) {
        for (int64_t i = 0; i < n; ++i)
          o[at[0] + i * step_o] = mt::sdk::apply_map<T>(op, x[at[1] + i * step_x]);
      });
}

template <class T>
void zip_loop(int32_t op, const mt_view& out, const mt_view& a, const mt_view& b) {
  T* o = static_cast<T*>(out.buffer);
  const T* xa = static_cast<const T*>(a.buffer);
  const T* xb = static_cast<const T*>(b.buffer);
  const int64_t* const strides[3] = {out.strides, a.strides, b.strides};
  const int64_t base[3] = {out.offset, a.offset, b.offset};
  const int32_t last = out.ndim - 1;
  const int64_t step_o = out.ndim > 0 ? out.strides[last] : 0;
  const int64_t step_a = out.ndim > 0 ? a.strides[last] : 0;
  const int64_t step_b = out.ndim > 0 ? b.strides[last] : 0;
  mt::sdk::for_each_row<3>(
      out.ndim, out.shape, strides, base, [&](int64_t n, const int64_t(&at)[3]) {
        for (int64_t i = 0; i < n; ++i)
          o[at[0] + i * step_o] =
              mt::sdk::apply_zip<T>(op, xa[at[1] + i * step_a], xb[at[2] + i * step_b]);
      });
}

// Walks every output element (out's shape has 1 at `dim`, so `in`'s stride on
// `dim` never moves the walk) and folds in's elements along `dim` into it.
template <class T>
void reduce_loop(int32_t op, const mt_view& out, const mt_view& in, int32_t dim) {
  T* o = static_cast<T*>(out.buffer);
  const T* x = static_cast<const T*>(in.buffer);
  const int64_t* const strides[2] = {out.strides, in.strides};
  const int64_t base[2] = {out.offset, in.offset};
  const int32_t last = out.ndim - 1;
  const int64_t step_o = out.strides[last];
  const int64_t step_x = in.strides[last];
  const int64_t length = in.shape[dim];
  const int64_t along = in.strides[dim];
  mt::sdk::for_each_row<2>(out.ndim, out.shape, strides, base,
                           [&](int64_t n, const int64_t(&at)[2]) {
                             for (int64_t i = 0; i < n; ++i) {
                               const int64_t first = at[1] + i * step_x;
                               T acc = mt::sdk::reduce_start<T>(op);
                               for (int64_t k = 0; k < length; ++k)
                                 acc = mt::sdk::reduce_combine<T>(op, acc, x[first + k * along]);
                               o[at[0] + i * step_o] = acc;
                             }
                           });
}

template <class T>
void matmul_loop(const mt_view& out, const mt_view& a, const mt_view& b) {
  T* o = static_cast<T*>(out.buffer);
  const T* xa = static_cast<const T*>(a.buffer);
  const T* xb = static_cast<const T*>(b.buffer);
  const int64_t batches = out.shape[0], rows = out.shape[1], cols = out.shape[2];
  const int64_t inner = a.shape[2];
  for (int64_t z = 0; z < batches; ++z)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        T acc = T(0);
        for (int64_t k = 0; k < inner; ++k)
          acc += xa[position(a, {z, i, k})] * xb[position(b, {z, k, j})];
        o[position(out, {z, i, j})] = acc;
      }
}

template <class T>
void conv1d_loop(const mt_view& out, const mt_view& in, const mt_view& w, bool reverse) {
  T* o = static_cast<T*>(out.buffer);
  const T* x = static_cast<const T*>(in.buffer);
  const T* k_data = static_cast<const T*>(w.buffer);
  const int64_t batch = out.shape[0], out_channels = out.shape[1], out_width = out.shape[2];
  const int64_t in_channels = in.shape[1], width = in.shape[2];
  const int64_t kernel = w.shape[2];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oc = 0; oc < out_channels; ++oc)
      for (int64_t t = 0; t < out_width; ++t) {
        T acc = T(0);
        for (int64_t ic = 0; ic < in_channels; ++ic)
          for (int64_t k = 0; k < kernel; ++k) {
            // reverse anchors the kernel on the right: it reads backwards.
            const int64_t s = reverse ? t - k : t + k;
            if (s < 0 || s >= width)
              continue;  // out-of-range input terms count as 0
            acc += x[position(in, {b, ic, s})] * k_data[position(w, {oc, ic, k})];
          }
        o[position(out, {b, oc, t})] = acc;
      }
}

template <class T>
void conv2d_loop(const mt_view& out, const mt_view& in, const mt_view& w, bool reverse) {
  T* o = static_cast<T*>(out.buffer);
  const T* x = static_cast<const T*>(in.buffer);
  const T* k_data = static_cast<const T*>(w.buffer);
  const int64_t batch = out.shape[0], out_channels = out.shape[1];
  const int64_t out_height = out.shape[2], out_width = out.shape[3];
  const int64_t in_channels = in.shape[1], height = in.shape[2], width = in.shape[3];
  const int64_t kernel_h = w.shape[2], kernel_w = w.shape[3];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oc = 0; oc < out_channels; ++oc)
      for (int64_t i = 0; i < out_height; ++i)
        for (int64_t j = 0; j < out_width; ++j) {
          T acc = T(0);
          for (int64_t ic = 0; ic < in_channels; ++ic)
            for (int64_t ki = 0; ki < kernel_h; ++ki)
              for (int64_t kj = 0; kj < kernel_w; ++kj) {
                const int64_t si = reverse ? i - ki : i + ki;
                const int64_t sj = reverse ? j - kj : j + kj;
                if (si < 0 || si >= height || sj < 0 || sj >= width)
                  continue;  // out-of-range input terms count as 0
                acc += x[position(in, {b, ic, si, sj})] * k_data[position(w, {oc, ic, ki, kj})];
              }
          o[position(out, {b, oc, i, j})] = acc;
        }
}

// Checks that the three conv views have `rank` dims and agree on B, Cin, Cout.
void check_conv(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                const mt_view* weight, int32_t rank, const char* layout_in, const char* layout_w,
                const char* layout_out) {
  check_operand(ctx, out, "out", true);
  check_operand(ctx, in, "in", false);
  check_operand(ctx, weight, "weight", false);
  require_same_dtype(*out, *in, "out", "in");
  require_same_dtype(*out, *weight, "out", "weight");
  require_ndim(*in, rank, "in", layout_in);
  require_ndim(*weight, rank, "weight", layout_w);
  require_ndim(*out, rank, "out", layout_out);
  require_equal_size(*in, 0, "in", *out, 0, "out", "batch size B");
  require_equal_size(*in, 1, "in", *weight, 1, "weight", "input channels Cin");
  require_equal_size(*weight, 0, "weight", *out, 1, "out", "output channels Cout");
}

// ---------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------

int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, "");
  return 1;  // plain C++ on the host: usable wherever it loads
}

int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  return mt::sdk::valid_op(family, op) && mt::sdk::valid_dtype(dtype) ? 1 : 0;
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context* ctx, size_t bytes, void** out) {
  if (out == nullptr)
    return mt::sdk::fail(MT_ERR_INVALID_ARG, "alloc: the result pointer `out` is NULL");
  *out = nullptr;
  if (bytes == 0)
    return MT_OK;  // allowed by the header: nothing to point at
  return mt::sdk::guard("alloc", [&] {
    if (bytes > SIZE_MAX - kAlignment)
      throw Error(MT_ERR_OUT_OF_MEMORY,
                  "cannot allocate " + std::to_string(bytes) + " bytes (size overflows)");
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* memory = std::aligned_alloc(kAlignment, rounded);
    if (memory == nullptr)
      throw Error(MT_ERR_OUT_OF_MEMORY, "cannot allocate " + std::to_string(bytes) + " bytes");
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->allocations[memory] = bytes;
    *out = memory;
  });
}

mt_status slot_free(mt_plugin_context* ctx, void* buffer) {
  if (buffer == nullptr)
    return MT_OK;
  return mt::sdk::guard("free", [&] {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    const auto found = ctx->allocations.find(buffer);
    if (found == ctx->allocations.end())
      throw Error(MT_ERR_INVALID_ARG,
                  "buffer was not allocated by this plugin, or was already freed");
    ctx->allocations.erase(found);
    std::free(buffer);
  });
}

// Throws unless [offset, offset + bytes) lies inside the live buffer.
void check_byte_range(mt_plugin_context* ctx, const void* buffer, size_t offset, size_t bytes,
                      const char* what) {
  const std::size_t size = allocation_bytes(ctx, buffer, what);
  if (offset > size || bytes > size - offset)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + ": bytes [" + std::to_string(offset) +
                                        ", " + std::to_string(offset) + " + " +
                                        std::to_string(bytes) + ") exceed the buffer's " +
                                        std::to_string(size) + " bytes");
}

mt_status slot_copy_from_host(mt_plugin_context* ctx, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  if (bytes == 0)
    return MT_OK;
  return mt::sdk::guard("copy_from_host", [&] {
    if (src == nullptr)
      throw Error(MT_ERR_INVALID_ARG, "src is NULL");
    check_byte_range(ctx, dst, dst_offset, bytes, "dst");
    std::memcpy(static_cast<char*>(dst) + dst_offset, src, bytes);
  });
}

mt_status slot_copy_to_host(mt_plugin_context* ctx, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  if (bytes == 0)
    return MT_OK;
  return mt::sdk::guard("copy_to_host", [&] {
    if (dst == nullptr)
      throw Error(MT_ERR_INVALID_ARG, "dst is NULL");
    check_byte_range(ctx, src, src_offset, bytes, "src");
    std::memcpy(dst, static_cast<const char*>(src) + src_offset, bytes);
  });
}

mt_status slot_fill(mt_plugin_context* ctx, const mt_view* out, double value) {
  return mt::sdk::guard("fill", [&] {
    check_operand(ctx, out, "out", true);
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) { fill_loop<decltype(zero)>(*out, value); });
  });
}

mt_status slot_synchronize(mt_plugin_context*) {
  return MT_OK;  // every slot finishes its work before it returns
}

mt_status slot_map(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in) {
  return mt::sdk::guard("map", [&] {
    require_known_op(MT_FAMILY_MAP, op);
    check_operand(ctx, out, "out", true);
    check_operand(ctx, in, "in", false);
    mt::sdk::check_same_shape(*out, *in, "out", "in");
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { map_loop<decltype(zero)>(op, *out, *in); });
  });
}

mt_status slot_zip(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    require_known_op(MT_FAMILY_ZIP, op);
    check_operand(ctx, out, "out", true);
    check_operand(ctx, a, "a", false);
    check_operand(ctx, b, "b", false);
    mt::sdk::check_same_shape(*out, *a, "out", "a");
    mt::sdk::check_same_shape(*out, *b, "out", "b");
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { zip_loop<decltype(zero)>(op, *out, *a, *b); });
  });
}

mt_status slot_reduce(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    require_known_op(MT_FAMILY_REDUCE, op);
    check_operand(ctx, out, "out", true);
    check_operand(ctx, in, "in", false);
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
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { reduce_loop<decltype(zero)>(op, *out, *in, dim); });
  });
}

mt_status slot_matmul(mt_plugin_context* ctx, const mt_view* out, const mt_view* a,
                      const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    check_operand(ctx, out, "out", true);
    check_operand(ctx, a, "a", false);
    check_operand(ctx, b, "b", false);
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
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { matmul_loop<decltype(zero)>(*out, *a, *b); });
  });
}

mt_status slot_conv1d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    check_conv(ctx, out, in, weight, 3, "(B, Cin, W)", "(Cout, Cin, K)", "(B, Cout, T)");
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
      conv1d_loop<decltype(zero)>(*out, *in, *weight, reverse != 0);
    });
  });
}

mt_status slot_conv2d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    check_conv(ctx, out, in, weight, 4, "(B, Cin, H, W)", "(Cout, Cin, KH, KW)",
               "(B, Cout, OH, OW)");
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
      conv2d_loop<decltype(zero)>(*out, *in, *weight, reverse != 0);
    });
  });
}

mt_plugin_context g_context;

const mt_backend g_table = {
    .abi_major = MT_ABI_MAJOR,
    .abi_minor = MT_ABI_MINOR,
    .struct_size = sizeof(mt_backend),
    .reserved0 = 0,
    .name = MT_PLUGIN_NAME,
    .version = MT_PLUGIN_VERSION,
    .device_kind = MT_DEVICE_CPU,
    .reserved1 = 0,
    .context = &g_context,
    .is_usable = slot_is_usable,
    .supports = slot_supports,
    .last_error = slot_last_error,
    .alloc = slot_alloc,
    .free = slot_free,
    .copy_from_host = slot_copy_from_host,
    .copy_to_host = slot_copy_to_host,
    .fill = slot_fill,
    .synchronize = slot_synchronize,
    .map = slot_map,
    .zip = slot_zip,
    .reduce = slot_reduce,
    .matmul = slot_matmul,
    .conv1d = slot_conv1d,
    .conv2d = slot_conv2d,
};

}  // namespace

// The host checks abi_major and struct_size itself, so the table is returned
// whatever version the host reports.
extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &g_table;
}
