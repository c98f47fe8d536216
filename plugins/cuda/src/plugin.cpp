// plugin.cpp — the CUDA backend's ABI table: entry point, lazy device probe,
// memory slots and the argument checks of every compute slot. No kernels and
// no op semantics here; loading the library touches no CUDA API.
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

std::string dims_text(const int64_t* values, int32_t ndim) {
  std::string text = "(";
  for (int32_t d = 0; d < ndim; ++d) {
    if (d > 0)
      text += ", ";
    text += std::to_string(values[d]);
  }
  return text + ")";
}

std::string shape_text(const mt_view& v) {
  return dims_text(v.shape, v.ndim);
}

// An unknown dtype or op is reported as unsupported (what `supports` says
// for it), not invalid: a host with a newer ABI minor may know more of them.
void require_supported_dtype(int32_t dtype, const char* what) {
  if (!mt::sdk::valid_dtype(dtype))
    throw Error(MT_ERR_UNSUPPORTED, std::string(what) + " has dtype " + std::to_string(dtype) +
                                        "; the cuda backend supports f32 (" +
                                        std::to_string(MT_F32) + ") and f64 (" +
                                        std::to_string(MT_F64) + ")");
}

void require_known_op(int32_t family, int32_t op) {
  if (mt::sdk::valid_op(family, op))
    return;
  const char* name = family == MT_FAMILY_MAP ? "map" : family == MT_FAMILY_ZIP ? "zip" : "reduce";
  const int32_t count = family == MT_FAMILY_MAP   ? int32_t{MT_MAP_OP_COUNT}
                        : family == MT_FAMILY_ZIP ? int32_t{MT_ZIP_OP_COUNT}
                                                  : int32_t{MT_REDUCE_OP_COUNT};
  throw Error(MT_ERR_UNSUPPORTED, std::string(name) + " op " + std::to_string(op) +
                                      " is unknown; allowed 0.." + std::to_string(count - 1));
}

// Full check of one view: present, supported dtype, sane sizes and strides,
// every element inside the buffer it names (a stray view would otherwise
// corrupt device memory silently), and for an output no element written
// twice (stride 0 on a dim longer than 1).
void check_operand(mt_plugin_context* ctx, const mt_view* v, const char* what, bool is_output) {
  if (v == nullptr)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " view is NULL");
  require_supported_dtype(v->dtype, what);
  mt::sdk::check_view(v, what);
  if (mt::sdk::element_count(*v) == 0)
    return;  // touches no memory; the buffer may be anything, even NULL
  if (is_output) {
    for (int32_t d = 0; d < v->ndim; ++d) {
      if (v->strides[d] == 0 && v->shape[d] > 1)
        throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has stride 0 in dim " +
                                            std::to_string(d) + " of size " +
                                            std::to_string(v->shape[d]) +
                                            "; an output may not write one element twice");
    }
  }
  int64_t last = v->offset;
  for (int32_t d = 0; d < v->ndim; ++d) {
    int64_t span = 0;
    if (__builtin_mul_overflow(v->shape[d] - 1, v->strides[d], &span) ||
        __builtin_add_overflow(last, span, &last))
      throw Error(MT_ERR_INVALID_ARG, std::string(what) + " with shape " + shape_text(*v) +
                                          " and strides " + dims_text(v->strides, v->ndim) +
                                          " overflows a 64-bit element position");
  }
  const auto bytes = ctx->allocator.live_bytes(v->buffer);
  if (!bytes)
    throw Error(MT_ERR_INVALID_ARG,
                std::string(what) +
                    "'s buffer is not a live buffer allocated by this plugin (freed, or never "
                    "allocated)");
  const std::size_t elements = *bytes / mt::sdk::dtype_size(v->dtype);
  if (static_cast<uint64_t>(last) >= elements)
    throw Error(MT_ERR_INVALID_ARG,
                std::string(what) + " (shape " + shape_text(*v) + ", strides " +
                    dims_text(v->strides, v->ndim) + ", offset " + std::to_string(v->offset) +
                    ") reaches element " + std::to_string(last) + " but its buffer holds " +
                    std::to_string(elements) + " " + mt::sdk::dtype_name(v->dtype) + " elements");
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

void require_equal_size(const mt_view& a, int32_t da, const char* a_name, const mt_view& b,
                        int32_t db, const char* b_name, const char* meaning) {
  if (a.shape[da] != b.shape[db])
    throw Error(MT_ERR_INVALID_ARG, std::string(meaning) + " differs: " + a_name + " " +
                                        shape_text(a) + " has " + std::to_string(a.shape[da]) +
                                        " but " + b_name + " " + shape_text(b) + " has " +
                                        std::to_string(b.shape[db]));
}

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

// Throws unless [offset, offset + bytes) lies inside the live buffer.
void check_byte_range(mt_plugin_context* ctx, const void* buffer, std::size_t offset,
                      std::size_t bytes, const char* what) {
  const auto size = ctx->allocator.live_bytes(buffer);
  if (!size)
    throw Error(MT_ERR_INVALID_ARG,
                std::string(what) +
                    " is not a live buffer allocated by this plugin (freed, or never allocated)");
  if (offset > *size || bytes > *size - offset)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + ": bytes [" + std::to_string(offset) +
                                        ", " + std::to_string(offset) + " + " +
                                        std::to_string(bytes) + ") exceed the buffer's " +
                                        std::to_string(*size) + " bytes");
}

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
  return mt::sdk::valid_op(family, op) && mt::sdk::valid_dtype(dtype) ? 1 : 0;
}

const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

mt_status slot_alloc(mt_plugin_context* ctx, size_t bytes, void** out) {
  if (out == nullptr)
    return mt::sdk::fail(MT_ERR_INVALID_ARG, "alloc: the result pointer `out` is NULL");
  *out = nullptr;
  return mt::sdk::guard("alloc", [&] {
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
    if (bytes == 0)
      return;
    if (src == nullptr)
      throw Error(MT_ERR_INVALID_ARG, "src is NULL");
    check_byte_range(ctx, dst, dst_offset, bytes, "dst");
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
    if (bytes == 0)
      return;
    if (dst == nullptr)
      throw Error(MT_ERR_INVALID_ARG, "dst is NULL");
    check_byte_range(ctx, src, src_offset, bytes, "src");
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
    check_operand(ctx, out, "out", true);
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
    require_known_op(MT_FAMILY_MAP, op);
    check_operand(ctx, out, "out", true);
    check_operand(ctx, in, "in", false);
    mt::sdk::check_same_shape(*out, *in, "out", "in");
    mt::cuda::launch_map(ctx->env, op, *out, *in);
  });
}

mt_status slot_zip(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    require_usable(ctx);
    require_known_op(MT_FAMILY_ZIP, op);
    check_operand(ctx, out, "out", true);
    check_operand(ctx, a, "a", false);
    check_operand(ctx, b, "b", false);
    mt::sdk::check_same_shape(*out, *a, "out", "a");
    mt::sdk::check_same_shape(*out, *b, "out", "b");
    mt::cuda::launch_zip(ctx->env, op, *out, *a, *b);
  });
}

mt_status slot_reduce(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    require_usable(ctx);
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
    mt::cuda::launch_reduce(ctx->env, op, *out, *in, dim);
  });
}

mt_status slot_matmul(mt_plugin_context* ctx, const mt_view* out, const mt_view* a,
                      const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    require_usable(ctx);
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
    mt::cuda::launch_matmul(ctx->env, *out, *a, *b);
  });
}

mt_status slot_conv1d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    require_usable(ctx);
    check_conv(ctx, out, in, weight, 3, "(B, Cin, W)", "(Cout, Cin, K)", "(B, Cout, T)");
    mt::cuda::launch_conv1d(ctx->env, *out, *in, *weight, reverse != 0);
  });
}

mt_status slot_conv2d(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    require_usable(ctx);
    check_conv(ctx, out, in, weight, 4, "(B, Cin, H, W)", "(Cout, Cin, KH, KW)",
               "(B, Cout, OH, OW)");
    mt::cuda::launch_conv2d(ctx->env, *out, *in, *weight, reverse != 0);
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
