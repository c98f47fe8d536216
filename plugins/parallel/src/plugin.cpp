// plugin.cpp — the parallel backend's entry point and slot table: runs the
// SDK's argument checks on every call, turns exceptions into status codes
// (mt::sdk::guard) and hands valid calls to the kernels. It holds no kernel
// code, no op semantics and no argument checks of its own.
#include "conv.hpp"
#include "elementwise.hpp"
#include "matmul.hpp"
#include "memory.hpp"
#include "optim.hpp"
#include "reduce.hpp"
#include "runtime.hpp"

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cstring>
#include <string>

#ifndef MT_PLUGIN_NAME
#define MT_PLUGIN_NAME "parallel"
#endif
#ifndef MT_PLUGIN_VERSION
#define MT_PLUGIN_VERSION "0.1.0"
#endif

struct mt_plugin_context {
  int unused;
};

namespace {

// The SDK's argument checks (the only ones; see plugin_helpers.hpp) find a
// buffer's size in the header memory.cpp keeps in front of every block, so
// every view is also checked against the buffer it names. Buffers are not
// looked up in a table: a pointer that is not one of this plugin's blocks is
// a core bug the reference backend (which keeps one) reports.
// Adopted caller memory (adopt_host) has no header: the registry answers
// for it first (one atomic load while none is live).
struct BytesOf {
  std::size_t operator()(const void* buffer) const {
    const std::size_t adopted = mt::par::adopted_bytes(buffer);
    return adopted != 0 ? adopted : mt::par::buffer_bytes(buffer);
  }
};

// ---- queries ---------------------------------------------------------------

int32_t is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  const mt::par::Settings& s = mt::par::settings();
  if (s.error.empty()) {
    // The configuration note hosts show: what MT_PARALLEL_ISA / MT_NUM_THREADS chose.
    mt::sdk::write_reason(reason, reason_size,
                          std::string("isa ") + mt::par::isa_name(s.isa) + ", " +
                              std::to_string(s.threads) +
                              (s.threads == 1 ? " thread" : " threads"));
    return 1;
  }
  const std::string& error = s.error;
  mt::sdk::write_reason(reason, reason_size, error);
  return 0;
}

int32_t supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  return mt::sdk::supports_every_known_op(family, op, dtype, /*with_optim_step=*/true);
}

const char* last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

// ---- memory ----------------------------------------------------------------

mt_status alloc(mt_plugin_context*, size_t bytes, void** out) {
  return mt::sdk::guard("alloc", [&] {
    mt::sdk::check_alloc_args(out);
    *out = nullptr;
    if (bytes > 0)
      *out = mt::par::buffer_alloc(bytes);
  });
}

mt_status release(mt_plugin_context*, void* buffer) {
  if (!mt::par::adopted_forget(buffer))  // adopted memory is the caller's: only forget it
    mt::par::buffer_free(buffer);
  return MT_OK;
}

// Any 4-aligned host memory will do: the kernels use unaligned loads, and
// only the non-temporal stores ask for 16-byte alignment, which they check.
mt_status adopt_host(mt_plugin_context*, void* data, size_t bytes, void** out) {
  return mt::sdk::guard("adopt_host", [&] {
    mt::sdk::check_adopt_host_args(data, bytes, out);
    mt::par::adopted_add(data, bytes);
    *out = data;
  });
}

// Large copies are split across the arena: one core cannot saturate memory.
void copy_bytes(char* dst, const char* src, size_t bytes) {
  constexpr int64_t kChunk = int64_t{1} << 20;
  const int64_t chunks = static_cast<int64_t>((bytes + kChunk - 1) / kChunk);
  mt::par::parallel_for(0, chunks, 4, [&](int64_t c0, int64_t c1) {
    const size_t begin = static_cast<size_t>(c0 * kChunk);
    const size_t end = std::min(bytes, static_cast<size_t>(c1 * kChunk));
    std::memcpy(dst + begin, src + begin, end - begin);
  });
}

mt_status copy_from_host(mt_plugin_context*, void* dst, size_t dst_offset, const void* src,
                         size_t bytes) {
  return mt::sdk::guard("copy_from_host", [&] {
    mt::sdk::check_copy_from_host_args(BytesOf{}, dst, dst_offset, src, bytes);
    if (bytes > 0)
      copy_bytes(static_cast<char*>(dst) + dst_offset, static_cast<const char*>(src), bytes);
  });
}

mt_status copy_to_host(mt_plugin_context*, void* dst, const void* src, size_t src_offset,
                       size_t bytes) {
  return mt::sdk::guard("copy_to_host", [&] {
    mt::sdk::check_copy_to_host_args(BytesOf{}, dst, src, src_offset, bytes);
    if (bytes > 0)
      copy_bytes(static_cast<char*>(dst), static_cast<const char*>(src) + src_offset, bytes);
  });
}

mt_status fill(mt_plugin_context*, const mt_view* out, double value) {
  return mt::sdk::guard("fill", [&] {
    mt::sdk::check_fill_args(BytesOf{}, out);
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::fill(*out, value);
  });
}

mt_status synchronize(mt_plugin_context*) {
  return MT_OK;  // every slot finishes its work before returning
}

// ---- compute -----------------------------------------------------------------

mt_status map(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in) {
  return mt::sdk::guard("map", [&] {
    mt::sdk::check_map_args(BytesOf{}, op, out, in);
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::map(op, *out, *in);
  });
}

mt_status zip(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* a,
              const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    mt::sdk::check_zip_args(BytesOf{}, op, out, a, b);
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::zip(op, *out, *a, *b);
  });
}

mt_status reduce(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in,
                 int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    mt::sdk::check_reduce_args(BytesOf{}, op, out, in, dim);
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::reduce(op, *out, *in, dim);
  });
}

mt_status matmul(mt_plugin_context*, const mt_view* out, const mt_view* a, const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    mt::sdk::check_matmul_args(BytesOf{}, out, a, b);
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::matmul(*out, *a, *b);
  });
}

// conv1d (rank 3) and conv2d (rank 4) after the SDK's checks.
template <class Kernel>
void run_conv(int32_t rank, const mt_view* out, const mt_view* in, const mt_view* weight,
              const Kernel& kernel) {
  mt::sdk::check_conv_args(BytesOf{}, rank, out, in, weight);
  if (mt::sdk::element_count(*out) == 0)
    return;
  if (mt::sdk::element_count(*in) == 0 || mt::sdk::element_count(*weight) == 0) {
    mt::par::fill(*out, 0.0);  // every term is out of range or absent
    return;
  }
  kernel();
}

mt_status conv1d(mt_plugin_context*, const mt_view* out, const mt_view* in, const mt_view* weight,
                 int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    run_conv(3, out, in, weight, [&] { mt::par::conv1d(*out, *in, *weight, reverse != 0); });
  });
}

mt_status conv2d(mt_plugin_context*, const mt_view* out, const mt_view* in, const mt_view* weight,
                 int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    run_conv(4, out, in, weight, [&] { mt::par::conv2d(*out, *in, *weight, reverse != 0); });
  });
}

mt_status optim_step(mt_plugin_context*, const mt_optim_step* step, int32_t count,
                     const mt_view* params, const mt_view* grads, const mt_view* state0,
                     const mt_view* state1) {
  return mt::sdk::guard("optim_step", [&] {
    mt::sdk::check_optim_step_args(BytesOf{}, step, count, params, grads, state0, state1);
    mt::par::optim_step(*step, count, params, grads, state0, state1);
  });
}

mt_plugin_context g_context{0};

const mt_backend g_table = [] {
  mt_backend t{};
  t.abi_major = MT_ABI_MAJOR;
  t.abi_minor = MT_ABI_MINOR;
  t.struct_size = sizeof(mt_backend);
  t.name = MT_PLUGIN_NAME;
  t.version = MT_PLUGIN_VERSION;
  t.device_kind = MT_DEVICE_CPU;
  t.context = &g_context;
  t.is_usable = &is_usable;
  t.supports = &supports;
  t.last_error = &last_error;
  t.alloc = &alloc;
  t.free = &release;
  t.copy_from_host = &copy_from_host;
  t.copy_to_host = &copy_to_host;
  t.fill = &fill;
  t.synchronize = &synchronize;
  t.map = &map;
  t.zip = &zip;
  t.reduce = &reduce;
  t.matmul = &matmul;
  t.conv1d = &conv1d;
  t.conv2d = &conv2d;
  t.optim_step = &optim_step;
  t.adopt_host = &adopt_host;
  return t;
}();

}  // namespace

extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor) {
  // The host checks abi_major and struct_size; the table is the same for
  // every host version.
  (void)host_abi_major;
  (void)host_abi_minor;
  return &g_table;
}
