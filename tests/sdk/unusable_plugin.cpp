// unusable_plugin.cpp — a backend that loads but is never usable, like the
// CUDA plugin on a machine without a GPU: is_usable says no with a reason and
// every other slot answers MT_ERR_DEVICE. For the kit's tests only (built
// into the test tree's own folder); the kit must report it as skipped.
#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#ifndef MT_PLUGIN_NAME
#error "build with minitorch_add_plugin()"
#endif

struct mt_plugin_context {};

namespace {

mt_plugin_context g_context;
constexpr const char* kReason = "the test device is absent (this plugin is never usable)";

mt_status no_device() {
  return mt::sdk::fail(MT_ERR_DEVICE, kReason);
}

int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, kReason);
  return 0;
}

int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  return mt::sdk::valid_op(family, op) && mt::sdk::valid_dtype(dtype) ? 1 : 0;
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context*, size_t, void** out) {
  *out = nullptr;
  return no_device();
}
mt_status slot_free(mt_plugin_context*, void*) {
  return no_device();
}
mt_status slot_copy_from_host(mt_plugin_context*, void*, size_t, const void*, size_t) {
  return no_device();
}
mt_status slot_copy_to_host(mt_plugin_context*, void*, const void*, size_t, size_t) {
  return no_device();
}
mt_status slot_fill(mt_plugin_context*, const mt_view*, double) {
  return no_device();
}
mt_status slot_synchronize(mt_plugin_context*) {
  return no_device();
}
mt_status slot_map(mt_plugin_context*, int32_t, const mt_view*, const mt_view*) {
  return no_device();
}
mt_status slot_zip(mt_plugin_context*, int32_t, const mt_view*, const mt_view*, const mt_view*) {
  return no_device();
}
mt_status slot_reduce(mt_plugin_context*, int32_t, const mt_view*, const mt_view*, int32_t) {
  return no_device();
}
mt_status slot_matmul(mt_plugin_context*, const mt_view*, const mt_view*, const mt_view*) {
  return no_device();
}
mt_status slot_conv(mt_plugin_context*, const mt_view*, const mt_view*, const mt_view*, int32_t) {
  return no_device();
}

const mt_backend g_table = {
    .abi_major = MT_ABI_MAJOR,
    .abi_minor = MT_ABI_MINOR,
    .struct_size = sizeof(mt_backend),
    .reserved0 = 0,
    .name = MT_PLUGIN_NAME,
    .version = "0.0.1",
    .device_kind = MT_DEVICE_OTHER,
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
    .conv1d = slot_conv,
    .conv2d = slot_conv,
    .optim_step = nullptr,  // optional (ABI 1.1)
    .adopt_host = nullptr,  // optional (ABI 1.1)
};

}  // namespace

extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t, uint32_t) {
  return &g_table;
}
