/*
 * minitorch/plugin_abi.h — the one contract between MiniTorch's core and a
 * compute backend plugin. Plain C99: no C++ types and no exceptions cross it,
 * so a plugin built with another compiler or standard library still loads.
 *
 * It is deliberately NOT a tensor library: core owns every shape, stride and
 * broadcast decision and hands the plugin views that are already laid out;
 * a plugin only loops. Naming: C symbols are mt_<object>_<verb>, types mt_*.
 *
 * Versioning: MT_ABI_MAJOR must match between host and plugin; a plugin may
 * have a lower MT_ABI_MINOR, in which case the host treats every slot that
 * lies beyond the plugin's `struct_size` as absent. New slots are only ever
 * appended. The layout and the op values are frozen by the static asserts
 * at the bottom. The ops themselves (enums, formulas) are rows of the op
 * table, op_table.h, which this header includes.
 */
#ifndef MINITORCH_PLUGIN_ABI_H
#define MINITORCH_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <minitorch/op_table.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MT_ABI_MAJOR 1
#define MT_ABI_MINOR 1

/* Highest tensor rank a view can carry. Core rejects larger tensors with a
 * clear error before any plugin is called. */
#define MT_MAX_DIMS 16

/* The one symbol every plugin exports (see mt_plugin_entry_fn below). */
#define MT_PLUGIN_ENTRY_SYMBOL "mt_plugin_entry"

/* ------------------------------------------------------------------------ */
/* Status codes. Every slot that can fail returns one. On anything but      */
/* MT_OK the plugin must make `last_error` describe what went wrong.        */
/* ------------------------------------------------------------------------ */
typedef enum mt_status {
  MT_OK = 0,
  MT_ERR_UNSUPPORTED = 1,   /* (op, dtype) or feature not provided by this plugin */
  MT_ERR_INVALID_ARG = 2,   /* a view or argument broke this header's contract */
  MT_ERR_OUT_OF_MEMORY = 3, /* an allocation failed */
  MT_ERR_DEVICE = 4,        /* the device / driver reported an error */
  MT_ERR_UNIMPLEMENTED = 5, /* slot exists but has no implementation yet */
  MT_ERR_INTERNAL = 6       /* anything else (e.g. a C++ exception caught at the boundary) */
} mt_status;

typedef enum mt_dtype {
  MT_F32 = 0, /* IEEE-754 binary32, `float` */
  MT_F64 = 1, /* IEEE-754 binary64, `double` */
  MT_DTYPE_COUNT
} mt_dtype;

typedef enum mt_device_kind {
  MT_DEVICE_CPU = 0,  /* buffers are host memory core may read directly */
  MT_DEVICE_CUDA = 1, /* buffers are CUDA device memory */
  MT_DEVICE_OTHER = 2 /* anything else; core only touches it through slots */
} mt_device_kind;

/* Which compute family an (op, dtype) query is about; see `supports`. */
typedef enum mt_family {
  MT_FAMILY_MAP = 0,
  MT_FAMILY_ZIP = 1,
  MT_FAMILY_REDUCE = 2,
  MT_FAMILY_MATMUL = 3, /* op is ignored (pass 0) */
  MT_FAMILY_CONV1D = 4, /* op is ignored (pass 0) */
  MT_FAMILY_CONV2D = 5, /* op is ignored (pass 0) */
  MT_FAMILY_OPTIM = 6,  /* ABI 1.1: op is an mt_optim_kind (see optim_step) */
  MT_FAMILY_COUNT
} mt_family;

/* The ops of the map, zip and reduce families are generated from the op
 * table (op_table.h), which also gives each op's formula, test domain,
 * tolerance and cost. The values are ABI: frozen below for ABI 1.0; new ops
 * are appended to the table (and bump MT_ABI_MINOR).
 *
 * The rule for an op value a plugin does not know (negative, >= its
 * *_OP_COUNT, or one a newer host added): `supports` answers 0 for it, and a
 * compute slot called with it returns MT_ERR_UNSUPPORTED (never
 * MT_ERR_INVALID_ARG: the call is well formed, the plugin just lacks the op)
 * with a last_error naming the op, and writes nothing. The same holds for an
 * unknown dtype. The SDK's argument checks (plugin_helpers.hpp) implement
 * this, and the conformance kit checks it on every backend. */
#define MT_ABI_OP_ENUM_MAP(E, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST) \
  MT_MAP_##E = VALUE,
#define MT_ABI_OP_ENUM_ZIP(E, VALUE, NAME, FORMULA, DOMAIN_A, DOMAIN_B, RTOL_F32, RTOL_F64, COST) \
  MT_ZIP_##E = VALUE,
#define MT_ABI_OP_ENUM_REDUCE(E, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, \
                              COST)                                                              \
  MT_REDUCE_##E = VALUE,

/* Unary element-wise ops: out[i] = f(in[i]). */
typedef enum mt_map_op { MT_MAP_OPS(MT_ABI_OP_ENUM_MAP) MT_MAP_OP_COUNT } mt_map_op;

/* Binary element-wise ops: out[i] = f(a[i], b[i]). Comparisons give 1 or 0
 * in the views' dtype. */
typedef enum mt_zip_op { MT_ZIP_OPS(MT_ABI_OP_ENUM_ZIP) MT_ZIP_OP_COUNT } mt_zip_op;

/* Reductions along one dim. */
typedef enum mt_reduce_op { MT_REDUCE_OPS(MT_ABI_OP_ENUM_REDUCE) MT_REDUCE_OP_COUNT } mt_reduce_op;

#undef MT_ABI_OP_ENUM_MAP
#undef MT_ABI_OP_ENUM_ZIP
#undef MT_ABI_OP_ENUM_REDUCE

/* ------------------------------------------------------------------------ */
/* Views. A tensor crosses the boundary as a view onto a buffer the plugin  */
/* allocated. Element (i0, …, i{n-1}) lives at element position             */
/*     offset + Σ_k i_k * strides[k]                                         */
/* of the buffer, counted in elements of `dtype` (NOT bytes).               */
/* ------------------------------------------------------------------------ */
typedef struct mt_view {
  void* buffer;                 /* handle returned by `alloc` of this same plugin (a device
                                   pointer for CUDA). Never dereferenced by core unless the
                                   plugin's device kind is MT_DEVICE_CPU. */
  int64_t offset;               /* in elements, >= 0 */
  int32_t dtype;                /* mt_dtype */
  int32_t ndim;                 /* 0 .. MT_MAX_DIMS; 0 is a scalar with one element */
  int64_t shape[MT_MAX_DIMS];   /* sizes, each >= 0; entries >= ndim are ignored */
  int64_t strides[MT_MAX_DIMS]; /* in elements, each >= 0. Any order is allowed
                                   (permuted, non-contiguous). 0 means the dim
                                   is broadcast (inputs only). */
} mt_view;

/* Rules every compute slot below follows unless its comment says otherwise:
 *  - All views of one call have the same dtype. A call with a dtype for which
 *    `supports` says no returns MT_ERR_UNSUPPORTED.
 *  - Inputs may have any strides, including 0. Outputs never have two indices
 *    on the same element (core guarantees it), but may be non-contiguous.
 *  - An element-wise output (map, zip, fill) may be exactly the same view as
 *    one of its inputs (in place); core never passes any other overlap
 *    between an output and an input. Reduce, matmul and conv outputs never
 *    overlap their inputs.
 *  - A tensor with a zero-size dim has no elements: the call succeeds and
 *    touches no memory (its buffer may be NULL).
 *  - Inputs are never modified. On failure the output's contents are
 *    unspecified, and no memory outside the output view is written.
 *  - Compute slots may run asynchronously on a device: results are visible to
 *    `copy_to_host` (which orders after them) and after `synchronize`.
 *  - Slots are called from one host thread at a time per plugin instance.
 */

/* ---- ABI 1.1: one optimizer step over a list of parameters --------------- */

/* Which update rule `optim_step` applies; the `op` of MT_FAMILY_OPTIM. */
typedef enum mt_optim_kind {
  MT_OPTIM_SGD = 0,   /* SGD, PyTorch's momentum (no dampening), nesterov, L2 weight decay */
  MT_OPTIM_ADAM = 1,  /* Adam with bias correction, L2 weight decay added to the gradient */
  MT_OPTIM_ADAMW = 2, /* AdamW: decoupled weight decay, then Adam's update */
  MT_OPTIM_KIND_COUNT
} mt_optim_kind;

/* The coefficients of one step, computed by core in double. A plugin rounds
 * each to the views' dtype and uses it as given (it computes no coefficient
 * of its own, so every backend rounds the same way). Per element, with every
 * operation rounded to the dtype, evaluated in the order written, and no
 * fused multiply-add (this is the sequence of element-wise ops core runs
 * when a backend has no optim_step, so the two agree bit for bit):
 *
 *   SGD:    g = grad;  if (weight_decay != 0) g = g + p * weight_decay;
 *           momentum == 0:  p = p - g * lr
 *           else:           b0 = b0 * momentum + g;
 *                           p = p - (nesterov ? (g + b0 * momentum) * lr : b0 * lr)
 *   Adam:   g = grad;  if (weight_decay != 0) g = g + p * weight_decay;
 *   AdamW:  g = grad;  if (weight_decay != 0) p = p * decay;
 *   both:   b0 = b0 * beta1 + g * one_minus_beta1;            (exp_avg)
 *           b1 = b1 * beta2 + (g * g) * one_minus_beta2;      (exp_avg_sq)
 *           p  = p - (b0 / (sqrt(b1) * inv_sqrt_bias_correction2 + eps)) * step_size
 *
 * The layout is frozen (static asserts below); a new rule is a new kind. */
typedef struct mt_optim_step {
  int32_t kind;                     /* mt_optim_kind */
  int32_t nesterov;                 /* SGD: 1 for Nesterov momentum (momentum != 0), else 0 */
  int64_t step;                     /* t, the 1-based number of this step (for messages; the
                                       coefficients below already include it) */
  double lr;                        /* SGD: the learning rate */
  double weight_decay;              /* SGD, Adam: L2 coefficient; AdamW: 0 means no decay */
  double momentum;                  /* SGD: μ; 0 means no momentum buffer */
  double decay;                     /* AdamW: 1 − lr·weight_decay */
  double beta1, one_minus_beta1;    /* Adam, AdamW */
  double beta2, one_minus_beta2;    /* Adam, AdamW */
  double eps;                       /* Adam, AdamW */
  double step_size;                 /* Adam, AdamW: lr / (1 − beta1^t) */
  double inv_sqrt_bias_correction2; /* Adam, AdamW: 1 / √(1 − beta2^t) */
} mt_optim_step;

/* Opaque plugin state, passed back to every slot. */
typedef struct mt_plugin_context mt_plugin_context;

/* Each slot below is marked:
 *   (required)  must be non-NULL. Core refuses to use a backend through a
 *               missing required slot (the error names the slot). A
 *               required compute slot may still decline some (op, dtype)
 *               pairs through `supports`.
 *   (optional)  may be NULL. `supports` must then answer 0 for its family;
 *               a function that needs it fails with an error naming the
 *               backend and the slot, and the kit reports its cases skipped.
 * Core asks `supports(family, op, dtype)` before every compute call.
 */

typedef struct mt_backend {
  /* ---- header: fixed for every ABI version -------------------------------- */
  uint32_t abi_major;         /* MT_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;         /* MT_ABI_MINOR the plugin was built with */
  uint32_t struct_size;       /* sizeof(mt_backend) as the plugin compiled it */
  uint32_t reserved0;         /* 0 */
  const char* name;           /* short name used to load it, e.g. "reference"; [a-z0-9_] */
  const char* version;        /* plugin version, e.g. "0.1.0" */
  int32_t device_kind;        /* mt_device_kind */
  int32_t reserved1;          /* 0 */
  mt_plugin_context* context; /* handed back as the first argument of every slot */

  /* ---- queries ------------------------------------------------------------- */

  /* Whether this plugin can run on this machine. Returns 1 if usable, 0 if
   * not; when not, writes a NUL-terminated reason into reason[0..reason_size)
   * (e.g. "cudaGetDeviceCount: cudaErrorInsufficientDriver"). When usable it
   * may write a short note on its configuration there instead (e.g. "isa
   * avx512, 16 threads"), which hosts show beside its name; leaving the buffer
   * untouched is fine. Core calls it once after loading; a plugin that is not
   * usable is never asked to compute.
   * Must not crash on a machine without the plugin's device. (required) */
  int32_t (*is_usable)(mt_plugin_context* ctx, char* reason, size_t reason_size);

  /* 1 if (family, op, dtype) is implemented, else 0. For MATMUL, CONV1D and
   * CONV2D pass op = 0. Must be cheap and free of side effects. An op or
   * dtype the plugin does not know gives 0 (see the unknown-op rule above
   * the op enums). (required) */
  int32_t (*supports)(mt_plugin_context* ctx, int32_t family, int32_t op, int32_t dtype);

  /* A NUL-terminated description of the most recent failure on the calling
   * thread (never NULL; "" if none). Valid until the next slot call.
   * (required) */
  const char* (*last_error)(mt_plugin_context* ctx);

  /* ---- memory --------------------------------------------------------------- */

  /* Allocate `bytes` bytes (uninitialised) suitably aligned for any dtype
   * (>= 64 bytes recommended). bytes == 0 may return NULL with MT_OK.
   * On failure *out is set to NULL and MT_ERR_OUT_OF_MEMORY returned.
   * (required) */
  mt_status (*alloc)(mt_plugin_context* ctx, size_t bytes, void** out);

  /* Release a buffer from `alloc`. NULL is a no-op. Pending work on the
   * buffer is completed (or ordered) first. (required) */
  mt_status (*free)(mt_plugin_context* ctx, void* buffer);

  /* Copy `bytes` bytes from host memory `src` into `dst` + dst_offset bytes.
   * Synchronous: `src` may be reused as soon as it returns. (required) */
  mt_status (*copy_from_host)(mt_plugin_context* ctx, void* dst, size_t dst_offset, const void* src,
                              size_t bytes);

  /* Copy `bytes` bytes from `src` + src_offset bytes into host memory `dst`.
   * Synchronous: waits for all earlier work that writes `src`. (required) */
  mt_status (*copy_to_host)(mt_plugin_context* ctx, void* dst, const void* src, size_t src_offset,
                            size_t bytes);

  /* out[i] = value for every element of `out` (converted to its dtype).
   * (required) */
  mt_status (*fill)(mt_plugin_context* ctx, const mt_view* out, double value);

  /* Block until all work issued so far is complete. (required; a host
   * backend whose slots finish before returning just returns MT_OK) */
  mt_status (*synchronize)(mt_plugin_context* ctx);

  /* ---- compute families ----------------------------------------------------- */

  /* out[idx] = op(in[idx]). `in` has exactly out's ndim and shape; broadcast
   * inputs arrive already expanded (stride 0). `op` is an mt_map_op.
   * (required: core copies, broadcasts and negates with it) */
  mt_status (*map)(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in);

  /* out[idx] = op(a[idx], b[idx]). `a` and `b` have exactly out's ndim and
   * shape (expanded with stride 0 where broadcast). `op` is an mt_zip_op.
   * (required: gradients accumulate with zip add) */
  mt_status (*zip)(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* a,
                   const mt_view* b);

  /* Reduce `in` along `dim` (0 <= dim < in->ndim). `out` has in's ndim and
   * shape except out->shape[dim] == 1 (MiniTorch keeps the dim). Each output
   * element is the reduction, from the op's start value, over in's dim.
   * A reduced dim of size 0 yields the start value (sum 0, prod 1, max -inf).
   * `op` is an mt_reduce_op. (required: broadcast gradients are summed) */
  mt_status (*reduce)(mt_plugin_context* ctx, int32_t op, const mt_view* out, const mt_view* in,
                      int32_t dim);

  /* Batched matrix product, every view 3-D:
   *   a (B, M, K), b (B, K, N), out (B, M, N);
   *   out[z,i,j] = Σ_k a[z,i,k] * b[z,k,j]   (K == 0 gives 0).
   * A broadcast batch arrives with batch stride 0 on a or b. (optional) */
  mt_status (*matmul)(mt_plugin_context* ctx, const mt_view* out, const mt_view* a,
                      const mt_view* b);

  /* 1-D convolution, MiniTorch layout (no bias, no padding argument):
   *   in (B, Cin, W), weight (Cout, Cin, K), out (B, Cout, T).
   * T comes from out (it need not equal W; the weight-gradient call has
   * T = K_original and K = W). Out-of-range input terms count as 0:
   *   reverse == 0: out[b,o,t] = Σ_c Σ_k in[b,c,t+k] * w[o,c,k]   (t+k < W)
   *   reverse != 0: out[b,o,t] = Σ_c Σ_k in[b,c,t-k] * w[o,c,k]   (t-k >= 0)
   * B, Cin and Cout must agree between the views, else MT_ERR_INVALID_ARG.
   * (optional) */
  mt_status (*conv1d)(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse);

  /* 2-D convolution, MiniTorch layout:
   *   in (B, Cin, H, W), weight (Cout, Cin, KH, KW), out (B, Cout, OH, OW).
   *   reverse == 0: out[b,o,i,j] = Σ_c Σ_ki Σ_kj in[b,c,i+ki,j+kj] * w[o,c,ki,kj]
   *   reverse != 0: out[b,o,i,j] = Σ_c Σ_ki Σ_kj in[b,c,i-ki,j-kj] * w[o,c,ki,kj]
   * with out-of-range input terms 0 and OH, OW taken from out. B, Cin and
   * Cout must agree as for conv1d. (optional) */
  mt_status (*conv2d)(mt_plugin_context* ctx, const mt_view* out, const mt_view* in,
                      const mt_view* weight, int32_t reverse);

  /* ---- ABI 1.1 -------------------------------------------------------------- */

  /* One optimizer step (the formulas at mt_optim_step) over `count`
   * parameters, in place: for each i, params[i] and its state buffers
   * state0[i] (SGD's momentum buffer, Adam's exp_avg) and state1[i] (Adam's
   * exp_avg_sq) are updated from grads[i]. state0 is NULL for SGD without
   * momentum; state1 is NULL for SGD. `supports(MT_FAMILY_OPTIM, kind,
   * dtype)` says which kinds and dtypes are implemented.
   * Contract (core guarantees it; the SDK's check_optim_step_args checks it):
   *  - count >= 0; views i of every array have one shape, and every view of
   *    the call one dtype;
   *  - every view is contiguous (row-major strides; a dim of size 1 may have
   *    any stride): core copies a strided gradient first, and updates a
   *    parameter that is not contiguous through the element-wise slots;
   *  - no params or state view overlaps any other view of the call; grads
   *    may share memory with each other (they are only read).
   * All arguments are checked before anything is written, so a refused call
   * (MT_ERR_INVALID_ARG, MT_ERR_UNSUPPORTED) changes nothing. Parameters are
   * independent: a plugin may update them in any order or in parallel.
   * (optional) */
  mt_status (*optim_step)(mt_plugin_context* ctx, const mt_optim_step* step, int32_t count,
                          const mt_view* params, const mt_view* grads, const mt_view* state0,
                          const mt_view* state1);

  /* Make a buffer handle that refers to caller-owned host memory
   * [data, data + bytes), so a tensor can view it without a copy (NumPy's
   * from_numpy, libtorch's from_blob). Host backends only: a plugin whose
   * device kind is not MT_DEVICE_CPU leaves this slot NULL.
   *  - On MT_OK, *out is the handle; it equals `data` (core reads host
   *    buffers through the handle), and it is valid wherever an `alloc`
   *    handle is: in views (checked against `bytes` like any buffer), in
   *    copies and in `free`.
   *  - The plugin never frees, reallocates or caches the memory: `free` on
   *    an adopted handle only forgets it. The caller keeps the memory alive
   *    and unmoved until that `free` returns.
   *  - Alignment: `data` aligned to 4 bytes (the smallest element size)
   *    suffices for the plugins of this project; core only passes memory
   *    aligned to the dtype it views it as. A plugin that needs more (e.g.
   *    64 bytes) declines anything less with MT_ERR_UNSUPPORTED and a
   *    last_error saying what it needs; core then copies instead.
   *  - NULL data, bytes == 0 or a NULL out is MT_ERR_INVALID_ARG. The same
   *    memory may be adopted more than once (each handle is freed once).
   *  - Memory that lies inside a live `alloc` buffer of this plugin should
   *    be viewed through that buffer, not adopted (a plugin may decline it).
   * (optional) */
  mt_status (*adopt_host)(mt_plugin_context* ctx, void* data, size_t bytes, void** out);
} mt_backend;

/* The exported entry point, named MT_PLUGIN_ENTRY_SYMBOL:
 *
 *   MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
 *                                                      uint32_t host_abi_minor);
 *
 * Called once after loading, with the host's ABI version. Returns the
 * plugin's table (static storage, alive until unload), or NULL if the plugin
 * cannot initialise at all (core then reports "entry returned NULL"). A plugin
 * whose device is absent must still return its table and say so through
 * `is_usable`. The host checks abi_major and struct_size before using slots. */
typedef const mt_backend* (*mt_plugin_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor);

#if defined(_WIN32)
#define MT_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* Size of the table up to and including member `m`: a slot is present iff
 * table->struct_size >= MT_BACKEND_SIZE_THROUGH(m) and it is non-NULL. */
#define MT_BACKEND_SIZE_THROUGH(m) (offsetof(mt_backend, m) + sizeof(((mt_backend*)0)->m))

/* Freeze the layout of ABI 1.0 and the slots ABI 1.1 appended (LP64 / LLP64
 * 64-bit targets). */
#if defined(__cplusplus)
#define MT_STATIC_ASSERT(c, msg) static_assert(c, msg)
#else
#define MT_STATIC_ASSERT(c, msg) _Static_assert(c, msg)
#endif
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
MT_STATIC_ASSERT(sizeof(mt_view) == 8 + 8 + 4 + 4 + 8 * MT_MAX_DIMS * 2, "mt_view layout changed");
MT_STATIC_ASSERT(offsetof(mt_backend, name) == 16, "mt_backend header layout changed");
MT_STATIC_ASSERT(offsetof(mt_backend, device_kind) == 32, "mt_backend header layout changed");
MT_STATIC_ASSERT(offsetof(mt_backend, context) == 40, "mt_backend header layout changed");
MT_STATIC_ASSERT(offsetof(mt_backend, is_usable) == 48, "mt_backend slot order changed");
MT_STATIC_ASSERT(offsetof(mt_backend, map) == 48 + 8 * 9, "mt_backend slot order changed");
MT_STATIC_ASSERT(offsetof(mt_backend, conv2d) == 48 + 8 * 14,
                 "mt_backend layout of ABI 1.0 changed");
MT_STATIC_ASSERT(offsetof(mt_backend, optim_step) == 48 + 8 * 15, "mt_backend slot order changed");
MT_STATIC_ASSERT(offsetof(mt_backend, adopt_host) == 48 + 8 * 16, "mt_backend slot order changed");
MT_STATIC_ASSERT(sizeof(mt_backend) == 48 + 8 * 17, "mt_backend size changed for ABI 1.1");
MT_STATIC_ASSERT(sizeof(mt_optim_step) == 8 + 8 + 8 * 11, "mt_optim_step layout changed");
MT_STATIC_ASSERT(offsetof(mt_optim_step, lr) == 16, "mt_optim_step layout changed");
MT_STATIC_ASSERT(offsetof(mt_optim_step, inv_sqrt_bias_correction2) == 16 + 8 * 10,
                 "mt_optim_step layout changed");
#endif

/* Freeze the op values of ABI 1.0: a table edit that renumbers an op fails
 * here. Each *_OP_COUNT equals the number of table rows, so the values have
 * no gap (ops.hpp checks in C++ that they run 0, 1, 2, ... in order). */
#define MT_ABI_COUNT_ROW(...) +1
MT_STATIC_ASSERT(MT_MAP_NEG == 0 && MT_MAP_COPY == 1 && MT_MAP_SIGMOID == 2 && MT_MAP_RELU == 3 &&
                     MT_MAP_LOG == 4 && MT_MAP_EXP == 5 && MT_MAP_INV == 6 && MT_MAP_SQRT == 7 &&
                     MT_MAP_ABS == 8 && MT_MAP_OP_COUNT >= 9,
                 "mt_map_op values of ABI 1.0 changed");
MT_STATIC_ASSERT(MT_ZIP_ADD == 0 && MT_ZIP_SUB == 1 && MT_ZIP_MUL == 2 && MT_ZIP_DIV == 3 &&
                     MT_ZIP_LT == 4 && MT_ZIP_EQ == 5 && MT_ZIP_MAX == 6 && MT_ZIP_IS_CLOSE == 7 &&
                     MT_ZIP_RELU_BACK == 8 && MT_ZIP_LOG_BACK == 9 && MT_ZIP_INV_BACK == 10 &&
                     MT_ZIP_POW == 11 && MT_ZIP_OP_COUNT >= 12,
                 "mt_zip_op values of ABI 1.0 changed");
MT_STATIC_ASSERT(MT_FAMILY_OPTIM == 6 && MT_OPTIM_SGD == 0 && MT_OPTIM_ADAM == 1 &&
                     MT_OPTIM_ADAMW == 2,
                 "mt_family / mt_optim_kind values of ABI 1.1 changed");
MT_STATIC_ASSERT(MT_REDUCE_SUM == 0 && MT_REDUCE_PROD == 1 && MT_REDUCE_MAX == 2 &&
                     MT_REDUCE_OP_COUNT >= 3,
                 "mt_reduce_op values of ABI 1.0 changed");
MT_STATIC_ASSERT((0 MT_MAP_OPS(MT_ABI_COUNT_ROW)) == MT_MAP_OP_COUNT,
                 "op_table.h: map op values must be 0, 1, 2, ... without gaps");
MT_STATIC_ASSERT((0 MT_ZIP_OPS(MT_ABI_COUNT_ROW)) == MT_ZIP_OP_COUNT,
                 "op_table.h: zip op values must be 0, 1, 2, ... without gaps");
MT_STATIC_ASSERT((0 MT_REDUCE_OPS(MT_ABI_COUNT_ROW)) == MT_REDUCE_OP_COUNT,
                 "op_table.h: reduce op values must be 0, 1, 2, ... without gaps");
#undef MT_ABI_COUNT_ROW

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MINITORCH_PLUGIN_ABI_H */
