// broken_plugin.cpp — a deliberately broken backend for the kit's own tests:
// the example_cpu backend's loops, except four ops that misbehave in four
// different ways (a wrong result in zip.sub (a + b), a SIGSEGV in map.exp, a
// write before the output view in map.abs, a hang in reduce.prod), a
// supports() that claims every zip op number >= 0 (unknown ones too), and one
// op it says it does not support (map.sqrt). It is built into the test
// tree's own folder, never into the real plugin folder.
#include "kernels.hpp"  // sdk/examples/example_cpu: the correct loops

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#ifndef MT_PLUGIN_NAME
#error "build with minitorch_add_plugin()"
#endif

struct mt_plugin_context {};

namespace {

using mt::sdk::guard;

mt_plugin_context g_context;

[[noreturn]] void crash() {
  // Sanitizers catch SIGSEGV and turn it into an abort; the test wants a
  // plain death by SIGSEGV, so the default action is restored first.
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
  std::abort();  // not reached
}

[[noreturn]] void hang() {
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(1));
}

int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, "");
  return 1;
}

// Honest about one gap: map.sqrt is declared unsupported (the kit must skip
// it with the reason "unsupported", not count it as passed or failed).
// Bug 5: every zip op number >= 0 is claimed, so zip.unknown_op must fail
// (core's Backend::supports never asks past the table, the case must).
int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  if (family == MT_FAMILY_MAP && op == MT_MAP_SQRT)
    return 0;
  if (family == MT_FAMILY_ZIP)
    return op >= 0 && mt::sdk::valid_dtype(dtype) ? 1 : 0;
  return mt::sdk::valid_op(family, op) && mt::sdk::valid_dtype(dtype) ? 1 : 0;
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context*, size_t bytes, void** out) {
  *out = nullptr;
  if (bytes == 0)
    return MT_OK;
  *out = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  return *out ? MT_OK : mt::sdk::fail(MT_ERR_OUT_OF_MEMORY, "out of memory");
}

mt_status slot_free(mt_plugin_context*, void* buffer) {
  std::free(buffer);
  return MT_OK;
}

mt_status slot_copy_from_host(mt_plugin_context*, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  if (bytes > 0)
    std::memcpy(static_cast<char*>(dst) + dst_offset, src, bytes);
  return MT_OK;
}

mt_status slot_copy_to_host(mt_plugin_context*, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  if (bytes > 0)
    std::memcpy(dst, static_cast<const char*>(src) + src_offset, bytes);
  return MT_OK;
}

mt_status slot_fill(mt_plugin_context*, const mt_view* out, double value) {
  return guard("fill", [&] { example_cpu::fill(out, value); });
}

mt_status slot_synchronize(mt_plugin_context*) {
  return MT_OK;
}

mt_status slot_map(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in) {
  if (op == MT_MAP_EXP)
    crash();  // Bug 2
  return guard("map", [&] {
    example_cpu::map(op, out, in);
    // Bug 3: one element written just before the output view. Only where
    // that element is still inside the buffer (offset > 0), so the damage is
    // the kit's to find, not the allocator's.
    if (op == MT_MAP_ABS && out->offset > 0 && mt::sdk::element_count(*out) > 0) {
      if (out->dtype == MT_F32)
        static_cast<float*>(out->buffer)[out->offset - 1] = 42.0f;
      else
        static_cast<double*>(out->buffer)[out->offset - 1] = 42.0;
    }
  });
}

mt_status slot_zip(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  // Bug 1: a wrong answer: sub computes a + b.
  return guard("zip", [&] { example_cpu::zip(op == MT_ZIP_SUB ? MT_ZIP_ADD : op, out, a, b); });
}

mt_status slot_reduce(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  if (op == MT_REDUCE_PROD)
    hang();  // Bug 4
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

const mt_backend g_table = {
    .abi_major = MT_ABI_MAJOR,
    .abi_minor = MT_ABI_MINOR,
    .struct_size = sizeof(mt_backend),
    .reserved0 = 0,
    .name = MT_PLUGIN_NAME,
    .version = "0.0.1",
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
    .optim_step = nullptr,  // optional (ABI 1.1)
    .adopt_host = nullptr,  // optional (ABI 1.1)
};

}  // namespace

extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t, uint32_t) {
  return &g_table;
}
