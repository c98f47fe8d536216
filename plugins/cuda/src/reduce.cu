// reduce.cu — sum / prod / max along one dim of any strided view, for any
// reduce length and any number of outputs, split over blocks and passes when
// long. Start values and max's NaN rule are the SDK's; nothing is redefined.
//
// Two kernels: a block per output (warp shuffles, then a shared-memory tree
// across warps) when the reduced dim is contiguous or outputs are few, and a
// thread per output when outputs are many and the reduced dim is strided.
// Split work leaves partial results in a workspace tensor of the same rank,
// which the same code reduces again (multi-pass).
#include "device_common.cuh"

#include <cstdint>
#include <limits>

namespace mt::cuda {
namespace {

constexpr int kMaxRowThreads = 256;  // threads of a block-per-output block
constexpr int kColumnThreads = 256;  // threads of a thread-per-output block
constexpr int64_t kMinRowItemsPerThread = 16;
constexpr int64_t kMinColumnChunk = 32;
constexpr int64_t kMaxSplits = 65535;  // gridDim.y limit

template <class T, int Op>
__device__ __forceinline__ T combine(T acc, T x) {
  return mt::sdk::reduce_combine<T>(Op, acc, x);
}

// After the loop, lane 0 holds the reduction of the warp's 32 values. Lanes
// whose source lane is past 31 get their own value back, which only ever
// affects lanes other than 0.
template <class T, int Op>
__device__ __forceinline__ T warp_reduce(T v) {
  MT_UNROLL
  for (int offset = 16; offset > 0; offset /= 2)
    v = combine<T, Op>(v, __shfl_down_sync(0xffffffffu, v, offset));
  return v;
}

// Reduces one value per thread of the block (blockDim.x a multiple of 32,
// every thread calling); the result is valid in thread 0. Ends with a
// barrier so `partials` may be reused by the next call.
template <class T, int Op>
__device__ __forceinline__ T block_reduce(T v, T (&partials)[32]) {
  const unsigned lane = threadIdx.x % 32;
  const unsigned warp = threadIdx.x / 32;
  const unsigned warps = blockDim.x / 32;
  v = warp_reduce<T, Op>(v);
  if (lane == 0)
    partials[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < warps ? partials[lane] : mt::sdk::reduce_start<T>(Op);
    v = warp_reduce<T, Op>(v);
  }
  __syncthreads();
  return v;
}

// Shared arguments of both kernels. Output o (row-major over the kept dims)
// reads in[pos_in(o) + k * step] for k in this split's chunk
// [blockIdx.y * chunk, min(+chunk, length)) and writes
// dst[pos_dst(o) + blockIdx.y * split_stride].
template <class T>
struct ReduceArgs {
  const T* in;
  T* dst;
  Layout<2> kept;  // view 0: in, view 1: dst
  int64_t outputs;
  int64_t length;
  int64_t step;
  int64_t chunk;
  int64_t split_stride;
};

template <class T, int Op>
__global__ void __launch_bounds__(kMaxRowThreads) reduce_rows_kernel(ReduceArgs<T> a) {
  __shared__ T partials[32];
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * a.chunk;
  const int64_t end = min64(begin + a.chunk, a.length);
  // Block-uniform loop: every thread reaches the barriers in block_reduce.
  for (int64_t o = blockIdx.x; o < a.outputs; o += gridDim.x) {
    int64_t pos[2];
    decode_positions<int64_t>(a.kept, o, pos);
    const T* row = a.in + pos[0];
    T acc = mt::sdk::reduce_start<T>(Op);
    for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x)
      acc = combine<T, Op>(acc, row[k * a.step]);
    acc = block_reduce<T, Op>(acc, partials);
    if (threadIdx.x == 0)
      a.dst[pos[1] + static_cast<int64_t>(blockIdx.y) * a.split_stride] = acc;
  }
}

template <class T, int Op>
__global__ void __launch_bounds__(kColumnThreads) reduce_columns_kernel(ReduceArgs<T> a) {
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * a.chunk;
  const int64_t end = min64(begin + a.chunk, a.length);
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = first; o < a.outputs; o += stride) {
    int64_t pos[2];
    decode_positions<int64_t>(a.kept, o, pos);
    const T* row = a.in + pos[0];
    T acc = mt::sdk::reduce_start<T>(Op);
    for (int64_t k = begin; k < end; ++k)
      acc = combine<T, Op>(acc, row[k * a.step]);
    a.dst[pos[1] + static_cast<int64_t>(blockIdx.y) * a.split_stride] = acc;
  }
}

// Temporary device memory held for the duration of one host scope.
class ScopedWorkspace {
 public:
  ScopedWorkspace(Workspace* workspace, std::size_t bytes)
      : workspace_(workspace), block_(workspace->acquire(bytes)) {}
  ~ScopedWorkspace() { workspace_->release(block_); }
  ScopedWorkspace(const ScopedWorkspace&) = delete;
  ScopedWorkspace& operator=(const ScopedWorkspace&) = delete;
  void* get() const { return block_; }

 private:
  Workspace* workspace_;
  void* block_;
};

// Reduces `in` (ndim dims, no dim of size 0) along `dim` into dst, whose
// strides are given for every dim (the one at `dim` is unused). When the
// work is split, partial results go to a workspace laid out as another
// tensor with `dim` of size `splits`, which this function then reduces.
template <class T, int Op>
void reduce_into(const LaunchEnv& env, T* dst, const int64_t* dst_strides, const T* in,
                 int32_t ndim, const int64_t* shape, const int64_t* in_strides, int32_t dim) {
  const int64_t length = shape[dim];
  const int64_t step = in_strides[dim];
  int64_t kept_shape[MT_MAX_DIMS] = {};
  int64_t kept_in[MT_MAX_DIMS] = {};
  int64_t kept_dst[MT_MAX_DIMS] = {};
  int32_t kept_ndim = 0;
  int64_t outputs = 1;
  for (int32_t d = 0; d < ndim; ++d) {
    if (d == dim)
      continue;
    kept_shape[kept_ndim] = shape[d];
    kept_in[kept_ndim] = in_strides[d];
    kept_dst[kept_ndim] = dst_strides[d];
    outputs *= shape[d];
    ++kept_ndim;
  }

  // Thread per output when outputs are plenty and each block-per-output
  // would either idle most of its threads (short rows) or read strided
  // memory; a warp of consecutive outputs then reads neighbouring elements
  // when the kept dims are the contiguous ones.
  const bool columns = (length <= 32 && outputs >= 32) || (step != 1 && outputs >= 128);
  int threads = 0;
  int64_t splits = 1;
  if (columns) {
    threads = kColumnThreads;
    const int64_t want_threads = 2 * int64_t{env.sm_count} * env.max_threads_per_sm;
    splits = std::min(ceil_div(want_threads, outputs), ceil_div(length, kMinColumnChunk));
  } else {
    threads =
        length >= kMaxRowThreads ? kMaxRowThreads : static_cast<int>(ceil_div(length, 32) * 32);
    const int64_t want_blocks =
        2 * int64_t{env.sm_count} * std::max(1, env.max_threads_per_sm / threads);
    splits = std::min(ceil_div(want_blocks, outputs),
                      ceil_div(length, int64_t{threads} * kMinRowItemsPerThread));
  }
  splits = std::max<int64_t>(1, std::min(splits, kMaxSplits));
  const int64_t chunk = ceil_div(length, splits);
  splits = ceil_div(length, chunk);  // no empty split

  ReduceArgs<T> args{};
  args.in = in;
  args.outputs = outputs;
  args.length = length;
  args.step = step;
  args.chunk = chunk;

  const auto launch = [&](T* target, const int64_t* target_kept_strides, int64_t split_stride) {
    const int64_t* const strides[2] = {kept_in, target_kept_strides};
    args.kept = coalesce<2>(kept_ndim, kept_shape, strides);
    args.dst = target;
    args.split_stride = split_stride;
    if (columns) {
      launch_kernel("reduce", &reduce_columns_kernel<T, Op>,
                    dim3(grid_for(env, outputs, threads), static_cast<unsigned>(splits)),
                    dim3(threads), env, args);
    } else {
      const int64_t cap = int64_t{env.sm_count} * std::max(1, env.max_threads_per_sm / threads) * 4;
      const auto blocks = static_cast<unsigned>(std::max<int64_t>(1, std::min(outputs, cap)));
      launch_kernel("reduce", &reduce_rows_kernel<T, Op>,
                    dim3(blocks, static_cast<unsigned>(splits)), dim3(threads), env, args);
    }
  };

  if (splits == 1) {
    launch(dst, kept_dst, 0);
    return;
  }

  // Partials as a tensor of in's rank: kept dims row-major, and `dim` of
  // size `splits` innermost for the block-per-output kernel (each block
  // writes one) or outermost for thread-per-output (a warp writes
  // neighbours).
  if (outputs > std::numeric_limits<int64_t>::max() / splits / static_cast<int64_t>(sizeof(T)))
    throw mt::sdk::Error(MT_ERR_OUT_OF_MEMORY, "reduce: partial results overflow a 64-bit size");
  ScopedWorkspace partial(env.workspace, static_cast<std::size_t>(outputs * splits) * sizeof(T));
  T* partial_data = static_cast<T*>(partial.get());
  const int64_t inner = columns ? 1 : splits;
  int64_t partial_strides[MT_MAX_DIMS] = {};
  int64_t partial_kept[MT_MAX_DIMS] = {};
  int64_t running = inner;
  for (int32_t d = ndim - 1, k = kept_ndim - 1; d >= 0; --d) {
    if (d == dim)
      continue;
    partial_strides[d] = running;
    partial_kept[k--] = running;
    running *= shape[d];
  }
  partial_strides[dim] = columns ? outputs : 1;
  launch(partial_data, partial_kept, partial_strides[dim]);

  int64_t partial_shape[MT_MAX_DIMS] = {};
  for (int32_t d = 0; d < ndim; ++d)
    partial_shape[d] = d == dim ? splits : shape[d];
  reduce_into<T, Op>(env, dst, dst_strides, partial_data, ndim, partial_shape, partial_strides,
                     dim);
}

}  // namespace

void launch_reduce(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& in,
                   int32_t dim) {
  if (mt::sdk::element_count(out) == 0)
    return;
  if (in.shape[dim] == 0) {  // empty reduction: every output is the start value
    launch_fill(env, out, mt::sdk::reduce_start<double>(op));
    return;
  }
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    mt::sdk::dispatch_op<MT_FAMILY_REDUCE>(op, [&](auto op_c) {
      reduce_into<T, decltype(op_c)::value>(env, mt::sdk::typed_data<T>(out), out.strides,
                                            mt::sdk::typed_data<T>(in), in.ndim, in.shape,
                                            in.strides, dim);
    });
  });
}

}  // namespace mt::cuda
