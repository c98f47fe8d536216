// stub.cpp — the starting point for a new MiniTorch backend: the whole
// mt_backend table with every slot present and answering
// MT_ERR_UNIMPLEMENTED ("unimplemented"), each with its contract beside it.
// It computes nothing. Fill the slots in one by one and run
// `minitorch-conformance --backend <name>` to see what is left; the complete
// example in ../example_cpu shows one way to write each slot.
//
// The authoritative contract is <minitorch/plugin_abi.h>; the comments here
// summarise it. Rules for every compute slot: views carry shape[], strides[]
// and offset counted in ELEMENTS (not bytes); any stride is allowed (0 on a
// broadcast input); all views of a call share one dtype; a view with a zero
// size has no elements and may have a NULL buffer (succeed, touch nothing);
// an output may be exactly its input's view (in place) only for map, zip and
// fill; inputs are never modified; on failure write nothing outside the
// output view, return a status and make last_error say why.
#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#ifndef MT_PLUGIN_NAME
#error "build this file with minitorch_add_plugin(), which defines MT_PLUGIN_NAME"
#endif
#ifndef MT_PLUGIN_VERSION
#define MT_PLUGIN_VERSION "0.0.0"
#endif

// Your plugin-wide state (device handles, allocator, streams ...). The host
// hands this pointer back as the first argument of every slot.
struct mt_plugin_context {};

namespace {

mt_plugin_context g_context;

// Every unfinished slot ends here. mt::sdk::fail keeps the message for
// last_error (per thread) and returns the status.
mt_status unimplemented() {
  return mt::sdk::fail(MT_ERR_UNIMPLEMENTED, "unimplemented");
}

// ---- queries ----------------------------------------------------------------

// 1 if this plugin can run on this machine, else 0 with a NUL-terminated
// reason written into reason[0..reason_size) (mt::sdk::write_reason does
// it). Called once after loading; must not crash without the device.
// A host-memory backend is always usable; a device backend probes here.
int32_t slot_is_usable(mt_plugin_context*, char* reason, size_t reason_size) {
  mt::sdk::write_reason(reason, reason_size, "");
  return 1;
}

// 1 if (family, op, dtype) is implemented, else 0; op is 0 for matmul and
// conv. Cheap, no side effects. The stub claims everything, so that the
// conformance kit lists every case as failed (work left to do) rather than
// skipped; answer 0 for what you decide not to implement.
int32_t slot_supports(mt_plugin_context*, int32_t family, int32_t op, int32_t dtype) {
  // supports_every_known_op: 1 for every op of the op table in f32 and f64,
  // 0 for an unknown op or dtype (the rule in plugin_abi.h).
  // with_optim_step: the optional optim family (ABI 1.1) too.
  return mt::sdk::supports_every_known_op(family, op, dtype, /*with_optim_step=*/true);
}

// The most recent failure on the calling thread; never NULL ("" if none);
// valid until the next slot call.
const char* slot_last_error(mt_plugin_context*) {
  return mt::sdk::last_error_cstr();
}

// ---- memory -------------------------------------------------------------------

// Allocate `bytes` uninitialised bytes aligned for any dtype (64 recommended)
// into *out. bytes == 0 may give NULL with MT_OK. On failure set *out = NULL
// and return MT_ERR_OUT_OF_MEMORY.
mt_status slot_alloc(mt_plugin_context*, size_t bytes, void** out) {
  (void)bytes;
  if (out != nullptr)
    *out = nullptr;
  return unimplemented();
}

// Release a buffer from alloc; NULL is a no-op. Finish (or order) pending
// work on the buffer first.
mt_status slot_free(mt_plugin_context*, void* buffer) {
  (void)buffer;
  return unimplemented();
}

// Copy `bytes` bytes from host memory `src` to (char*)dst + dst_offset.
// Synchronous: src may be reused as soon as this returns.
mt_status slot_copy_from_host(mt_plugin_context*, void* dst, size_t dst_offset, const void* src,
                              size_t bytes) {
  (void)dst, (void)dst_offset, (void)src, (void)bytes;
  return unimplemented();
}

// Copy `bytes` bytes from (char*)src + src_offset to host memory `dst`.
// Synchronous: waits for all earlier work that writes src.
mt_status slot_copy_to_host(mt_plugin_context*, void* dst, const void* src, size_t src_offset,
                            size_t bytes) {
  (void)dst, (void)src, (void)src_offset, (void)bytes;
  return unimplemented();
}

// out[i] = value for every element of out, converted to out's dtype.
mt_status slot_fill(mt_plugin_context*, const mt_view* out, double value) {
  (void)out, (void)value;
  return unimplemented();
}

// Block until all work issued so far has finished (trivial for synchronous
// host code: return MT_OK).
mt_status slot_synchronize(mt_plugin_context*) {
  return unimplemented();
}

// ---- compute ----------------------------------------------------------------

// Every compute slot: start with the SDK's argument check of the slot
// (mt::sdk::check_map_args, check_zip_args, ... in plugin_helpers.hpp), the
// same one every in-tree backend runs: it refuses an unknown op or dtype
// with MT_ERR_UNSUPPORTED and a view that breaks the contract with
// MT_ERR_INVALID_ARG, as the kit expects.

// (required) out[idx] = op(in[idx]) for an mt_map_op: the rows of
// MT_MAP_OPS in <minitorch/op_table.h>. in has out's ndim and shape
// (broadcast dims arrive with stride 0). mt::sdk::apply_map is each op's
// per-element formula.
mt_status slot_map(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in) {
  (void)op, (void)out, (void)in;
  return unimplemented();
}

// (required) out[idx] = op(a[idx], b[idx]) for an mt_zip_op (the rows of
// MT_ZIP_OPS); a and b have out's shape, already expanded. Comparisons give
// 1 or 0. See mt::sdk::apply_zip.
mt_status slot_zip(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b) {
  (void)op, (void)out, (void)a, (void)b;
  return unimplemented();
}

// (required) Reduce in along dim (0 <= dim < in->ndim) with an
// mt_reduce_op (the rows of MT_REDUCE_OPS: mt::sdk::reduce_start and
// reduce_combine). out has in's shape with shape[dim] == 1. A reduced dim of
// size 0 gives the start value.
mt_status slot_reduce(mt_plugin_context*, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim) {
  (void)op, (void)out, (void)in, (void)dim;
  return unimplemented();
}

// (optional: may be NULL, then supports says 0 for it) Batched matrix
// product, every view 3-D: a (B, M, K), b (B, K, N),
// out (B, M, N); out[z,i,j] = sum_k a[z,i,k] * b[z,k,j] (K == 0 gives 0).
// A broadcast batch arrives as batch stride 0.
mt_status slot_matmul(mt_plugin_context*, const mt_view* out, const mt_view* a, const mt_view* b) {
  (void)out, (void)a, (void)b;
  return unimplemented();
}

// (optional) 1-D convolution: in (B, Cin, W), weight (Cout, Cin, K), out (B, Cout, T),
// T taken from out. reverse == 0: out[b,o,t] = sum_c sum_k in[b,c,t+k] *
// w[o,c,k]; reverse != 0: in[b,c,t-k]. Input terms outside [0, W) are 0.
// B, Cin or Cout that disagree between the views: MT_ERR_INVALID_ARG.
mt_status slot_conv1d(mt_plugin_context*, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  (void)out, (void)in, (void)weight, (void)reverse;
  return unimplemented();
}

// (optional) 2-D convolution: in (B, Cin, H, W), weight (Cout, Cin, KH, KW),
// out (B, Cout, OH, OW); the same sums over (ki, kj), in[b,c,i±ki,j±kj],
// out-of-range input terms 0, OH and OW taken from out.
mt_status slot_conv2d(mt_plugin_context*, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse) {
  (void)out, (void)in, (void)weight, (void)reverse;
  return unimplemented();
}

// (optional, ABI 1.1) One optimizer step over `count` parameters in place:
// SGD / Adam / AdamW (step->kind, an mt_optim_kind) with the coefficients in
// *step, rounded to the dtype, per element in the order plugin_abi.h writes
// (mt::sdk::optim_update is that formula). Every view contiguous; params
// and state views overlap nothing. Check with check_optim_step_args first.
mt_status slot_optim_step(mt_plugin_context*, const mt_optim_step* step, int32_t count,
                          const mt_view* params, const mt_view* grads, const mt_view* state0,
                          const mt_view* state1) {
  (void)step, (void)count, (void)params, (void)grads, (void)state0, (void)state1;
  return unimplemented();
}

// (optional, ABI 1.1; host backends only, else leave it NULL) Make a buffer
// handle for caller-owned host memory [data, data + bytes): *out = data, and
// free on that handle only forgets it (never frees the memory). Check with
// check_adopt_host_args first.
mt_status slot_adopt_host(mt_plugin_context*, void* data, size_t bytes, void** out) {
  (void)data, (void)bytes, (void)out;
  return unimplemented();
}

// The table the host reads. Keep the header fields as they are; the name
// must equal the one in the file name (minitorch_add_plugin sees to both).
const mt_backend g_table = {
    .abi_major = MT_ABI_MAJOR,
    .abi_minor = MT_ABI_MINOR,
    .struct_size = sizeof(mt_backend),
    .reserved0 = 0,
    .name = MT_PLUGIN_NAME,
    .version = MT_PLUGIN_VERSION,
    .device_kind = MT_DEVICE_CPU,  // MT_DEVICE_CUDA if buffers are device memory
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

// The one exported symbol: called once after loading with the host's ABI
// version; returns the table (static storage), or NULL if the plugin cannot
// initialise at all. No exception may leave it.
extern "C" MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &g_table;
}
