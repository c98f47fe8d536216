// plugin.cpp — the example_cpu backend's table: queries, memory slots and
// the exported entry point, with every compute slot forwarding to the loops
// in kernels.hpp. A complete plugin that passes the conformance kit; it is
// not fast and keeps no state beyond the plugin-wide last error and the set
// of host memory it adopted (ABI 1.1's adopt_host).
#include "kernels.hpp"

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

// minitorch_add_plugin() defines both from its arguments.
#ifndef MT_PLUGIN_NAME
#error "build this file with minitorch_add_plugin(), which defines MT_PLUGIN_NAME"
#endif
#ifndef MT_PLUGIN_VERSION
#define MT_PLUGIN_VERSION "0.0.0"
#endif

// The ABI hands this pointer back to every slot. A host-memory backend with
// no device state needs only the adopted handles, which free must not free.
struct mt_plugin_context {
  std::mutex mutex;
  std::map<const void*, std::size_t> adopted;  // handle -> live adoptions of it
};

namespace {

using mt::sdk::Error;
using mt::sdk::guard;

mt_plugin_context g_context;

// Buffers are aligned for any dtype and for wide vector loads.
constexpr std::size_t kAlignment = 64;

int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, "");
  return 1;  // plain host code: usable wherever it loads
}

int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  // Every op of the table, f32 and f64; 0 for anything else (an unknown op
  // or dtype: the rule in plugin_abi.h).
  return mt::sdk::supports_every_known_op(family, op, dtype, /*with_optim_step=*/true);
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context*, size_t bytes, void** out) {
  return guard("alloc", [&] {
    mt::sdk::check_alloc_args(out);
    *out = nullptr;
    if (bytes == 0)
      return;  // the header allows NULL for an empty buffer
    // aligned_alloc wants a multiple of the alignment.
    const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    *out = std::aligned_alloc(kAlignment, rounded);
    if (*out == nullptr)
      throw Error(MT_ERR_OUT_OF_MEMORY, "cannot allocate " + std::to_string(bytes) + " bytes");
  });
}

mt_status slot_free(mt_plugin_context* ctx, void* buffer) {
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    const auto found = ctx->adopted.find(buffer);
    if (found != ctx->adopted.end()) {  // the caller's memory: only forget it
      if (--found->second == 0)
        ctx->adopted.erase(found);
      return MT_OK;
    }
  }
  std::free(buffer);  // NULL is a no-op
  return MT_OK;
}

// (optional, ABI 1.1) Caller-owned host memory as a buffer: the handle is
// the memory itself; free only forgets it. The kernels need nothing more
// than element alignment.
mt_status slot_adopt_host(mt_plugin_context* ctx, void* data, size_t bytes, void** out) {
  return guard("adopt_host", [&] {
    mt::sdk::check_adopt_host_args(data, bytes, out);
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ++ctx->adopted[data];
    *out = data;
  });
}

mt_status slot_copy_from_host(mt_plugin_context*, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  return guard("copy_from_host", [&] {
    mt::sdk::check_copy_from_host_args(example_cpu::Buffers{}, dst, dst_offset, src, bytes);
    if (bytes > 0)
      std::memcpy(static_cast<char*>(dst) + dst_offset, src, bytes);
  });
}

mt_status slot_copy_to_host(mt_plugin_context*, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  return guard("copy_to_host", [&] {
    mt::sdk::check_copy_to_host_args(example_cpu::Buffers{}, dst, src, src_offset, bytes);
    if (bytes > 0)
      std::memcpy(dst, static_cast<const char*>(src) + src_offset, bytes);
  });
}

mt_status slot_fill(mt_plugin_context*, const mt_view* out, double value) {
  return guard("fill", [&] { example_cpu::fill(out, value); });
}

mt_status slot_synchronize(mt_plugin_context*) {
  return MT_OK;  // every slot finishes before it returns
}

mt_status slot_map(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in) {
  return guard("map", [&] { example_cpu::map(op, out, in); });
}

mt_status slot_zip(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  return guard("zip", [&] { example_cpu::zip(op, out, a, b); });
}

mt_status slot_reduce(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  return guard("reduce", [&] { example_cpu::reduce(op, out, in, dim); });
}

mt_status slot_matmul(mt_plugin_context*, const mt_view* out, const mt_view* a, const mt_view* b) {
  return guard("matmul", [&] { example_cpu::matmul(out, a, b); });
}

mt_status slot_conv1d(mt_plugin_context*, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return guard("conv1d", [&] { example_cpu::conv1d(out, in, weight, reverse); });
}

mt_status slot_conv2d(mt_plugin_context*, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return guard("conv2d", [&] { example_cpu::conv2d(out, in, weight, reverse); });
}

mt_status slot_optim_step(mt_plugin_context*, const mt_optim_step* step, int32_t count,
                          const mt_view* params, const mt_view* grads, const mt_view* state0,
                          const mt_view* state1) {
  return guard("optim_step",
               [&] { example_cpu::optim_step(step, count, params, grads, state0, state1); });
}

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

// The one exported symbol. The host passes its ABI version; this table was
// built against MT_ABI_MAJOR.MT_ABI_MINOR, and the host checks the match.
extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &g_table;
}
