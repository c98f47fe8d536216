// plugin.cpp — the parallel backend's entry point and slot table: checks
// every view against plugin_abi.h's contract, turns exceptions into status
// codes (mt::sdk::guard) and hands valid calls to the kernels. It holds no
// kernel code and no op semantics of its own.
#include "conv.hpp"
#include "elementwise.hpp"
#include "matmul.hpp"
#include "memory.hpp"
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

using mt::sdk::Error;

using mt::sdk::shape_text;

void check_op(int32_t family, int32_t op, const char* kind) {
  if (!mt::sdk::valid_op(family, op))
    throw Error(MT_ERR_INVALID_ARG, std::string("unknown ") + kind + " op " + std::to_string(op));
}

// An output may not map two indices onto one element; a broadcast (stride 0)
// dim of size > 1 is the one overlap cheap enough to rule out here.
void check_output(const mt_view& v, const char* what) {
  for (int32_t d = 0; d < v.ndim; ++d)
    if (v.strides[d] == 0 && v.shape[d] > 1)
      throw Error(MT_ERR_INVALID_ARG, std::string(what) + " has stride 0 in dim " +
                                          std::to_string(d) + " (outputs must not overlap)");
}

void check_rank(const mt_view& v, int32_t rank, const char* what) {
  if (v.ndim != rank)
    throw Error(MT_ERR_INVALID_ARG, std::string(what) + " must be " + std::to_string(rank) +
                                        "-D, got " + std::to_string(v.ndim) + "-D " +
                                        shape_text(v));
}

// The message is built only on failure: slots run for tiny tensors too.
template <class Message>
void require(bool ok, const Message& message) {
  if (!ok)
    throw Error(MT_ERR_INVALID_ARG, message());
}

// ---- queries ---------------------------------------------------------------

int32_t is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  const std::string& error = mt::par::settings().error;
  if (error.empty())
    return 1;
  mt::sdk::write_reason(reason, reason_size, error);
  return 0;
}

int32_t supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  return mt::sdk::valid_op(family, op) && mt::sdk::valid_dtype(dtype) ? 1 : 0;
}

const char* last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

// ---- memory ----------------------------------------------------------------

mt_status alloc(mt_plugin_context*, size_t bytes, void** out) {
  if (out == nullptr)
    return mt::sdk::fail(MT_ERR_INVALID_ARG, "alloc: out pointer is NULL");
  *out = nullptr;
  if (bytes == 0)
    return MT_OK;
  return mt::sdk::guard("alloc", [&] { *out = mt::par::buffer_alloc(bytes); });
}

mt_status release(mt_plugin_context*, void* buffer) {
  mt::par::buffer_free(buffer);
  return MT_OK;
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
    if (bytes == 0)
      return;
    require(dst != nullptr && src != nullptr,
            [&] { return "NULL pointer with " + std::to_string(bytes) + " bytes to copy"; });
    copy_bytes(static_cast<char*>(dst) + dst_offset, static_cast<const char*>(src), bytes);
  });
}

mt_status copy_to_host(mt_plugin_context*, void* dst, const void* src, size_t src_offset,
                       size_t bytes) {
  return mt::sdk::guard("copy_to_host", [&] {
    if (bytes == 0)
      return;
    require(dst != nullptr && src != nullptr,
            [&] { return "NULL pointer with " + std::to_string(bytes) + " bytes to copy"; });
    copy_bytes(static_cast<char*>(dst), static_cast<const char*>(src) + src_offset, bytes);
  });
}

mt_status fill(mt_plugin_context*, const mt_view* out, double value) {
  return mt::sdk::guard("fill", [&] {
    mt::sdk::check_view(out, "out");
    check_output(*out, "out");
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
    check_op(MT_FAMILY_MAP, op, "map");
    mt::sdk::check_view(out, "out");
    mt::sdk::check_view(in, "in");
    mt::sdk::check_same_shape(*out, *in, "out", "in");
    check_output(*out, "out");
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::map(op, *out, *in);
  });
}

mt_status zip(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* a,
              const mt_view* b) {
  return mt::sdk::guard("zip", [&] {
    check_op(MT_FAMILY_ZIP, op, "zip");
    mt::sdk::check_view(out, "out");
    mt::sdk::check_view(a, "a");
    mt::sdk::check_view(b, "b");
    mt::sdk::check_same_shape(*out, *a, "out", "a");
    mt::sdk::check_same_shape(*out, *b, "out", "b");
    check_output(*out, "out");
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::zip(op, *out, *a, *b);
  });
}

mt_status reduce(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in,
                 int32_t dim) {
  return mt::sdk::guard("reduce", [&] {
    check_op(MT_FAMILY_REDUCE, op, "reduce");
    mt::sdk::check_view(out, "out");
    mt::sdk::check_view(in, "in");
    mt::sdk::require_same_dtype(*out, *in, "out", "in");
    require(dim >= 0 && dim < in->ndim, [&] {
      return "dim " + std::to_string(dim) + " is out of range for a " + std::to_string(in->ndim) +
             "-D input (allowed 0.." + std::to_string(in->ndim - 1) + ")";
    });
    bool ok = out->ndim == in->ndim;
    for (int32_t d = 0; ok && d < in->ndim; ++d)
      ok = out->shape[d] == (d == dim ? 1 : in->shape[d]);
    require(ok, [&] {
      return "out " + shape_text(*out) + " must be in " + shape_text(*in) + " with dim " +
             std::to_string(dim) + " set to 1";
    });
    check_output(*out, "out");
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::reduce(op, *out, *in, dim);
  });
}

mt_status matmul(mt_plugin_context*, const mt_view* out, const mt_view* a, const mt_view* b) {
  return mt::sdk::guard("matmul", [&] {
    mt::sdk::check_view(out, "out");
    mt::sdk::check_view(a, "a");
    mt::sdk::check_view(b, "b");
    check_rank(*out, 3, "out");
    check_rank(*a, 3, "a");
    check_rank(*b, 3, "b");
    mt::sdk::require_same_dtype(*out, *a, "out", "a");
    mt::sdk::require_same_dtype(*out, *b, "out", "b");
    const bool ok = a->shape[0] == out->shape[0] && b->shape[0] == out->shape[0] &&
                    a->shape[1] == out->shape[1] && b->shape[2] == out->shape[2] &&
                    a->shape[2] == b->shape[1];
    require(ok, [&] {
      return "shapes a " + shape_text(*a) + ", b " + shape_text(*b) + ", out " + shape_text(*out) +
             " do not form (B,M,K) x (B,K,N) -> (B,M,N)";
    });
    check_output(*out, "out");
    if (mt::sdk::element_count(*out) == 0)
      return;
    mt::par::matmul(*out, *a, *b);
  });
}

void check_conv(const mt_view* out, const mt_view* in, const mt_view* weight, int32_t rank) {
  mt::sdk::check_view(out, "out");
  mt::sdk::check_view(in, "in");
  mt::sdk::check_view(weight, "weight");
  check_rank(*out, rank, "out");
  check_rank(*in, rank, "in");
  check_rank(*weight, rank, "weight");
  mt::sdk::require_same_dtype(*out, *in, "out", "in");
  mt::sdk::require_same_dtype(*out, *weight, "out", "weight");
  const bool ok = out->shape[0] == in->shape[0] && weight->shape[1] == in->shape[1] &&
                  weight->shape[0] == out->shape[1];
  require(ok, [&] {
    return "shapes in " + shape_text(*in) + ", weight " + shape_text(*weight) + ", out " +
           shape_text(*out) +
           " disagree: need in (B,Cin,...), weight (Cout,Cin,...), out (B,Cout,...)";
  });
  check_output(*out, "out");
}

mt_status conv1d(mt_plugin_context*, const mt_view* out, const mt_view* in, const mt_view* weight,
                 int32_t reverse) {
  return mt::sdk::guard("conv1d", [&] {
    check_conv(out, in, weight, 3);
    if (mt::sdk::element_count(*out) == 0)
      return;
    if (mt::sdk::element_count(*in) == 0 || mt::sdk::element_count(*weight) == 0) {
      mt::par::fill(*out, 0.0);  // every term is out of range or absent
      return;
    }
    mt::par::conv1d(*out, *in, *weight, reverse != 0);
  });
}

mt_status conv2d(mt_plugin_context*, const mt_view* out, const mt_view* in, const mt_view* weight,
                 int32_t reverse) {
  return mt::sdk::guard("conv2d", [&] {
    check_conv(out, in, weight, 4);
    if (mt::sdk::element_count(*out) == 0)
      return;
    if (mt::sdk::element_count(*in) == 0 || mt::sdk::element_count(*weight) == 0) {
      mt::par::fill(*out, 0.0);
      return;
    }
    mt::par::conv2d(*out, *in, *weight, reverse != 0);
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
