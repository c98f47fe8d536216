// reference.cpp — the reference backend: every slot of plugin_abi.h written
// as plain loops over strided host views, in f32 and f64. It is the oracle the
// conformance suite compares every other backend with, and the living
// definition of every op. Deliberately not fast (no threads, no blocking, no
// SIMD) and deliberately strict: it checks every argument, and checks every
// view against the size of the buffer it was allocated with. Sums (reduce,
// matmul, conv) accumulate in f64 for f32 views too and round once, so a
// large f32 reduction is as exact as the f64 one rounded to f32.

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
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
  // Caller-owned memory handed in through adopt_host: never freed here. The
  // same memory may be adopted more than once, so each entry counts its
  // handles and keeps the largest size adopted.
  struct Adopted {
    std::size_t bytes = 0;
    std::size_t handles = 0;
  };
  std::map<const void*, Adopted> adopted;
};

namespace {

using mt::sdk::Error;

constexpr std::size_t kAlignment = 64;

// The SDK's argument checks look live buffers up through this: the byte
// size of an allocation of this plugin, 0 for anything else.
struct BytesOf {
  mt_plugin_context* ctx;
  std::size_t operator()(const void* buffer) const {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    const auto found = ctx->allocations.find(buffer);
    if (found != ctx->allocations.end())
      return found->second;
    const auto adopted = ctx->adopted.find(buffer);
    return adopted == ctx->adopted.end() ? 0 : adopted->second.bytes;
  }
};

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
// The fold runs in double whatever T is, and the result is rounded once: a
// long f32 sum then carries one rounding instead of one per term (max is
// exact either way).
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
  mt::sdk::for_each_row<2>(
      out.ndim, out.shape, strides, base, [&](int64_t n, const int64_t(&at)[2]) {
        for (int64_t i = 0; i < n; ++i) {
          const int64_t first = at[1] + i * step_x;
          double acc = mt::sdk::reduce_start<double>(op);
          for (int64_t k = 0; k < length; ++k)
            acc = mt::sdk::reduce_combine<double>(op, acc, x[first + k * along]);
          o[at[0] + i * step_o] = mt::sdk::round_to<T>(acc);
        }
      });
}

// matmul and conv accumulate in double and round once, as reduce does.
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
        double acc = 0.0;
        for (int64_t k = 0; k < inner; ++k)
          acc += static_cast<double>(xa[position(a, {z, i, k})]) * xb[position(b, {z, k, j})];
        o[position(out, {z, i, j})] = mt::sdk::round_to<T>(acc);
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
        double acc = 0.0;
        for (int64_t ic = 0; ic < in_channels; ++ic)
          for (int64_t k = 0; k < kernel; ++k) {
            // reverse anchors the kernel on the right: it reads backwards.
            const int64_t s = reverse ? t - k : t + k;
            if (s < 0 || s >= width)
              continue;  // out-of-range input terms count as 0
            acc +=
                static_cast<double>(x[position(in, {b, ic, s})]) * k_data[position(w, {oc, ic, k})];
          }
        o[position(out, {b, oc, t})] = mt::sdk::round_to<T>(acc);
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
          double acc = 0.0;
          for (int64_t ic = 0; ic < in_channels; ++ic)
            for (int64_t ki = 0; ki < kernel_h; ++ki)
              for (int64_t kj = 0; kj < kernel_w; ++kj) {
                const int64_t si = reverse ? i - ki : i + ki;
                const int64_t sj = reverse ? j - kj : j + kj;
                if (si < 0 || si >= height || sj < 0 || sj >= width)
                  continue;  // out-of-range input terms count as 0
                acc += static_cast<double>(x[position(in, {b, ic, si, sj})]) *
                       k_data[position(w, {oc, ic, ki, kj})];
              }
          o[position(out, {b, oc, i, j})] = mt::sdk::round_to<T>(acc);
        }
}

// The optimizer step: the SDK's per-element formula (the header's), one
// element at a time, one parameter after another.
template <class T>
void optim_step_loop(const mt_optim_step& step, int32_t count, const mt_view* params,
                     const mt_view* grads, const mt_view* state0, const mt_view* state1) {
  const mt::sdk::OptimCoefficients<T> c = mt::sdk::optim_coefficients<T>(step);
  const bool uses0 = mt::sdk::optim_uses_state0(step), uses1 = mt::sdk::optim_uses_state1(step);
  mt::sdk::dispatch_optim_kind(step.kind, [&](auto kind) {
    for (int32_t i = 0; i < count; ++i) {
      const int64_t n = mt::sdk::element_count(params[i]);
      T* p = mt::sdk::typed_data<T>(params[i]);
      const T* g = mt::sdk::typed_data<T>(grads[i]);
      T* b0 = uses0 ? mt::sdk::typed_data<T>(state0[i]) : nullptr;
      T* b1 = uses1 ? mt::sdk::typed_data<T>(state1[i]) : nullptr;
      for (int64_t k = 0; k < n; ++k) {
        T unused0{}, unused1{};
        mt::sdk::optim_update<T, decltype(kind)::value>(c, p[k], g[k], b0 ? b0[k] : unused0,
                                                        b1 ? b1[k] : unused1);
      }
    }
  });
}

// ---------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------

int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, "");
  return 1;  // plain C++ on the host: usable wherever it loads
}

int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  return mt::sdk::supports_every_known_op(family, op, dtype, /*with_optim_step=*/true);
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context* ctx, size_t bytes, void** out) {
  return mt::sdk::guard("alloc", [&] {
    mt::sdk::check_alloc_args(out);
    *out = nullptr;
    if (bytes == 0)
      return;  // allowed by the header: nothing to point at
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
    // An adopted handle is only forgotten: its memory belongs to the caller.
    const auto adopted = ctx->adopted.find(buffer);
    if (adopted != ctx->adopted.end()) {
      if (--adopted->second.handles == 0)
        ctx->adopted.erase(adopted);
      return;
    }
    const auto found = ctx->allocations.find(buffer);
    if (found == ctx->allocations.end())
      throw Error(MT_ERR_INVALID_ARG,
                  "buffer was not allocated by this plugin, or was already freed");
    ctx->allocations.erase(found);
    std::free(buffer);
  });
}

// The oracle refuses memory inside one of its own live buffers: such a
// tensor should be a view of that buffer, and telling the two apart at free
// would be guesswork.
mt_status slot_adopt_host(mt_plugin_context* ctx, void* data, size_t bytes, void** out) {
  return mt::sdk::guard("adopt_host", [&] {
    mt::sdk::check_adopt_host_args(data, bytes, out);
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    std::lock_guard<std::mutex> lock(ctx->mutex);
    auto next = ctx->allocations.upper_bound(data);
    if (next != ctx->allocations.begin()) {
      const auto owner = std::prev(next);
      const auto start = reinterpret_cast<std::uintptr_t>(owner->first);
      if (begin < start + owner->second)
        throw Error(MT_ERR_INVALID_ARG,
                    "memory at " + std::to_string(begin) + " lies inside a live buffer of " +
                        std::to_string(owner->second) +
                        " bytes allocated by this plugin; view that buffer instead");
    }
    if (next != ctx->allocations.end() &&
        reinterpret_cast<std::uintptr_t>(next->first) - begin < bytes)
      throw Error(MT_ERR_INVALID_ARG, std::to_string(bytes) + " bytes at " + std::to_string(begin) +
                                          " overlap a live buffer allocated by this plugin");
    auto& entry = ctx->adopted[data];
    entry.bytes = std::max(entry.bytes, bytes);
    ++entry.handles;
    *out = data;
  });
}

mt_status slot_copy_from_host(mt_plugin_context* ctx, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  return mt::sdk::guard("copy_from_host", [&] {
    mt::sdk::check_copy_from_host_args(BytesOf{ctx}, dst, dst_offset, src, bytes);
    if (bytes > 0)
      std::memcpy(static_cast<char*>(dst) + dst_offset, src, bytes);
  });
}

mt_status slot_copy_to_host(mt_plugin_context* ctx, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  return mt::sdk::guard("copy_to_host", [&] {
    mt::sdk::check_copy_to_host_args(BytesOf{ctx}, dst, src, src_offset, bytes);
    if (bytes > 0)
      std::memcpy(dst, static_cast<const char*>(src) + src_offset, bytes);
  });
}

mt_status slot_fill(mt_plugin_context* ctx, const mt_view* out, double value) {
  return mt::sdk::guard("fill", [&] {
    mt::sdk::check_fill_args(BytesOf{ctx}, out);
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) { fill_loop<decltype(zero)>(*out, value); });
  });
}

mt_status slot_synchronize(mt_plugin_context*) {
  return MT_OK;  // every slot finishes its work before it returns
}

mt_status slot_map(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in) {
  return mt::sdk::guard("map", [&] {
    mt::sdk::check_map_args(BytesOf{ctx}, op, out, in);
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { map_loop<decltype(zero)>(op, *out, *in); });
  });
}

mt_status slot_zip(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    mt::sdk::check_zip_args(BytesOf{ctx}, op, out, a, b);
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { zip_loop<decltype(zero)>(op, *out, *a, *b); });
  });
}

mt_status slot_reduce(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    mt::sdk::check_reduce_args(BytesOf{ctx}, op, out, in, dim);
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { reduce_loop<decltype(zero)>(op, *out, *in, dim); });
  });
}

mt_status slot_matmul(mt_plugin_context* ctx, const mt_view* out, const mt_view* a,
                      const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    mt::sdk::check_matmul_args(BytesOf{ctx}, out, a, b);
    mt::sdk::dispatch_dtype(out->dtype,
                            [&](auto zero) { matmul_loop<decltype(zero)>(*out, *a, *b); });
  });
}

mt_status slot_conv1d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    mt::sdk::check_conv_args(BytesOf{ctx}, 3, out, in, weight);
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
      conv1d_loop<decltype(zero)>(*out, *in, *weight, reverse != 0);
    });
  });
}

mt_status slot_conv2d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    mt::sdk::check_conv_args(BytesOf{ctx}, 4, out, in, weight);
    mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
      conv2d_loop<decltype(zero)>(*out, *in, *weight, reverse != 0);
    });
  });
}

mt_status slot_optim_step(mt_plugin_context* ctx, const mt_optim_step* step, int32_t count,
                          const mt_view* params, const mt_view* grads, const mt_view* state0,
                          const mt_view* state1) {
  return mt::sdk::guard("optim_step", [&] {
    mt::sdk::check_optim_step_args(BytesOf{ctx}, step, count, params, grads, state0, state1);
    if (count == 0)
      return;
    mt::sdk::dispatch_dtype(params[0].dtype, [&](auto zero) {
      optim_step_loop<decltype(zero)>(*step, count, params, grads, state0, state1);
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
    .optim_step = slot_optim_step,
    .adopt_host = slot_adopt_host,
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
