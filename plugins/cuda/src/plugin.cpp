// plugin.cpp — the CUDA backend's ABI table: entry point, lazy device probe,
// memory slots, and the SDK's argument checks (the only ones) in front of
// every slot. No kernels and no op semantics here; loading the library
// touches no CUDA API.
#include "allocator.hpp"
#include "cuda_error.hpp"
#include "launch.hpp"

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>

#ifndef MT_PLUGIN_NAME
#error "MT_PLUGIN_NAME must be defined by minitorch_add_plugin"
#endif
#ifndef MT_PLUGIN_VERSION
#define MT_PLUGIN_VERSION "0.1.0"
#endif

// The plugin's state: the probe's verdict, what launchers need to know about
// device 0 (the only device used; CUDA_VISIBLE_DEVICES picks which one that
// is), and the caching allocator, whose table of live blocks also lets every
// slot reject a view that reaches outside its buffer.
struct mt_plugin_context {
  std::mutex probe_mutex;
  bool probed = false;
  bool usable = false;
  std::string reason;  // why not usable
  mt::cuda::LaunchEnv env;
  mt::cuda::CachingAllocator allocator;
};

namespace {

using mt::cuda::check_cuda;
using mt::cuda::cuda_error_text;
using mt::sdk::Error;

// The oldest architecture this build carries code for (sm_75 SASS and
// compute_75 PTX; see CMakeLists.txt).
constexpr int kMinComputeCapability = 75;

// Fills ctx->usable / ctx->reason. Called once, under probe_mutex. Every
// failure is a reason, never a crash: on a machine without a driver the
// first call already fails with cudaErrorInsufficientDriver.
void probe_device(mt_plugin_context* ctx) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    ctx->reason = "cudaGetDeviceCount failed: " + cuda_error_text(status);
    return;
  }
  if (count <= 0) {
    ctx->reason = "no CUDA device";
    return;
  }
  status = cudaSetDevice(0);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    ctx->reason = "cudaSetDevice(0) failed: " + cuda_error_text(status);
    return;
  }
  cudaDeviceProp prop{};
  status = cudaGetDeviceProperties(&prop, 0);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    ctx->reason = "cudaGetDeviceProperties(0) failed: " + cuda_error_text(status);
    return;
  }
  const std::string device = "device 0 (" + std::string(prop.name) + ", compute capability " +
                             std::to_string(prop.major) + "." + std::to_string(prop.minor) + ")";
  if (prop.major * 10 + prop.minor < kMinComputeCapability) {
    ctx->reason = device + " is older than compute capability 7.5, the oldest this build supports";
    return;
  }
  // cudaFree(NULL) creates the context now, so a device that cannot host one
  // (exclusive mode taken, out of memory) is reported here.
  status = cudaFree(nullptr);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    ctx->reason = "creating a CUDA context on " + device + " failed: " + cuda_error_text(status);
    return;
  }
  status = mt::cuda::probe_kernel_image();
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    ctx->reason = device + " cannot run this library's kernels: " + cuda_error_text(status);
    return;
  }
  ctx->env.stream = nullptr;  // legacy default stream: orders kernels, copies and block reuse
  ctx->env.sm_count = prop.multiProcessorCount > 0 ? prop.multiProcessorCount : 1;
  ctx->env.max_threads_per_sm =
      prop.maxThreadsPerMultiProcessor > 0 ? prop.maxThreadsPerMultiProcessor : 1024;
  ctx->env.workspace = &ctx->allocator;
  ctx->usable = true;
}

// Registered with atexit once a context exists, so it runs before the
// static CUDA runtime's own teardown (registered earlier; atexit handlers of
// a dlopen'ed library run last-in first-out at exit or at dlclose): device
// memory goes back while cudaFree still works.
mt_plugin_context* g_exit_context = nullptr;
void release_device_memory_at_exit() {
  if (g_exit_context != nullptr)
    g_exit_context->allocator.shut_down();
}

bool ensure_probed(mt_plugin_context* ctx) {
  std::lock_guard<std::mutex> lock(ctx->probe_mutex);
  if (!ctx->probed) {
    probe_device(ctx);
    ctx->probed = true;
    if (ctx->usable) {
      g_exit_context = ctx;
      (void)std::atexit(release_device_memory_at_exit);
    }
  }
  return ctx->usable;
}

// Every slot but the queries starts here.
void require_usable(mt_plugin_context* ctx) {
  if (!ensure_probed(ctx))
    throw Error(MT_ERR_DEVICE, "the CUDA backend is not usable on this machine: " + ctx->reason);
}

// The SDK's argument checks look live buffers up through this: the byte
// size of a live allocation of this plugin, 0 for anything else. Checking
// every view against its buffer matters most here: a stray view would
// corrupt device memory silently.
struct BytesOf {
  mt_plugin_context* ctx;
  std::size_t operator()(const void* buffer) const {
    return ctx->allocator.live_bytes(buffer).value_or(0);
  }
};

// ---------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------

int32_t slot_is_usable(mt_plugin_context* ctx, char* reason, size_t reason_size) {
  try {
    if (ensure_probed(ctx)) {
      mt::sdk::write_reason(reason, reason_size, "");
      return 1;
    }
    mt::sdk::write_reason(reason, reason_size, ctx->reason);
  } catch (...) {
    mt::sdk::write_reason(reason, reason_size, "probing the CUDA device failed unexpectedly");
  }
  return 0;
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
    require_usable(ctx);
    if (bytes == 0)
      return;  // allowed by the header: nothing to point at
    *out = ctx->allocator.allocate(bytes);
  });
}

mt_status slot_free(mt_plugin_context* ctx, void* buffer) {
  if (buffer == nullptr)
    return MT_OK;  // the header's no-op, usable device or not
  return mt::sdk::guard("free", [&] {
    require_usable(ctx);
    ctx->allocator.deallocate(buffer);
  });
}

mt_status slot_copy_from_host(mt_plugin_context* ctx, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  return mt::sdk::guard("copy_from_host", [&] {
    require_usable(ctx);
    mt::sdk::check_copy_from_host_args(BytesOf{ctx}, dst, dst_offset, src, bytes);
    if (bytes == 0)
      return;
    // Pageable source: cudaMemcpy has staged it before returning, and the
    // copy is ordered before later work on the legacy stream.
    check_cuda(cudaMemcpy(static_cast<char*>(dst) + dst_offset, src, bytes, cudaMemcpyHostToDevice),
               "cudaMemcpy host to device");
  });
}

mt_status slot_copy_to_host(mt_plugin_context* ctx, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  return mt::sdk::guard("copy_to_host", [&] {
    require_usable(ctx);
    mt::sdk::check_copy_to_host_args(BytesOf{ctx}, dst, src, src_offset, bytes);
    if (bytes == 0)
      return;
    // Waits for all earlier work on the legacy stream, so kernels writing
    // `src` have finished; their errors surface here too.
    check_cuda(
        cudaMemcpy(dst, static_cast<const char*>(src) + src_offset, bytes, cudaMemcpyDeviceToHost),
        "cudaMemcpy device to host");
  });
}

mt_status slot_fill(mt_plugin_context* ctx, const mt_view* out, double value) {
  return mt::sdk::guard("fill", [&] {
    require_usable(ctx);
    mt::sdk::check_fill_args(BytesOf{ctx}, out);
    mt::cuda::launch_fill(ctx->env, *out, value);
  });
}

mt_status slot_synchronize(mt_plugin_context* ctx) {
  return mt::sdk::guard("synchronize", [&] {
    require_usable(ctx);
    check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  });
}

mt_status slot_map(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in) {
  return mt::sdk::guard("map", [&] {
    require_usable(ctx);
    mt::sdk::check_map_args(BytesOf{ctx}, op, out, in);
    mt::cuda::launch_map(ctx->env, op, *out, *in);
  });
}

mt_status slot_zip(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    require_usable(ctx);
    mt::sdk::check_zip_args(BytesOf{ctx}, op, out, a, b);
    mt::cuda::launch_zip(ctx->env, op, *out, *a, *b);
  });
}

mt_status slot_reduce(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    require_usable(ctx);
    mt::sdk::check_reduce_args(BytesOf{ctx}, op, out, in, dim);
    mt::cuda::launch_reduce(ctx->env, op, *out, *in, dim);
  });
}

mt_status slot_matmul(mt_plugin_context* ctx, const mt_view* out, const mt_view* a,
                      const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    require_usable(ctx);
    mt::sdk::check_matmul_args(BytesOf{ctx}, out, a, b);
    mt::cuda::launch_matmul(ctx->env, *out, *a, *b);
  });
}

mt_status slot_conv1d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    require_usable(ctx);
    mt::sdk::check_conv_args(BytesOf{ctx}, 3, out, in, weight);
    mt::cuda::launch_conv1d(ctx->env, *out, *in, *weight, reverse != 0);
  });
}

mt_status slot_conv2d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    require_usable(ctx);
    mt::sdk::check_conv_args(BytesOf{ctx}, 4, out, in, weight);
    mt::cuda::launch_conv2d(ctx->env, *out, *in, *weight, reverse != 0);
  });
}

mt_status slot_optim_step(mt_plugin_context* ctx, const mt_optim_step* step, int32_t count,
                          const mt_view* params, const mt_view* grads, const mt_view* state0,
                          const mt_view* state1) {
  return mt::sdk::guard("optim_step", [&] {
    require_usable(ctx);
    mt::sdk::check_optim_step_args(BytesOf{ctx}, step, count, params, grads, state0, state1);
    mt::cuda::launch_optim_step(ctx->env, *step, count, params, grads, state0, state1);
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
    .device_kind = MT_DEVICE_CUDA,
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
    .adopt_host = nullptr,  // device memory: nothing to adopt (from_numpy copies)
};

}  // namespace

// The host checks abi_major and struct_size itself, so the table is returned
// whatever version the host reports. Nothing here touches CUDA.
extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &g_table;
}
