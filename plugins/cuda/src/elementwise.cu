// elementwise.cu — fill, map and zip as grid-stride kernels over the output,
// in three tiers (vectorised contiguous, one strided dim, any layout). The
// per-element math is the SDK's apply_map / apply_zip and the per-op kernels
// come from the op table's dispatch (mt::sdk::dispatch_op); nothing is
// redefined or listed here.
#include "device_common.cuh"

#include <cstdint>

namespace mt::cuda {
namespace {

constexpr int kThreads = 256;

// Base pointers (view offsets applied) of the output and NIN inputs.
template <class T, int NIN>
struct Operands {
  T* out;
  const T* in[NIN > 0 ? NIN : 1];
};

template <class T>
struct FillFn {
  T value;
  __device__ T operator()() const { return value; }
};

template <class T, int Op>
struct MapFn {
  __device__ T operator()(T x) const { return mt::sdk::apply_map<T>(Op, x); }
};

template <class T, int Op>
struct ZipFn {
  __device__ T operator()(T a, T b) const { return mt::sdk::apply_zip<T>(Op, a, b); }
};

template <int NIN, class T, class Fn>
__device__ __forceinline__ T apply(const Fn& fn, const T (&x)[NIN > 0 ? NIN : 1]) {
  if constexpr (NIN == 0) {
    (void)x;
    return fn();
  } else if constexpr (NIN == 1) {
    return fn(x[0]);
  } else {
    return fn(x[0], x[1]);
  }
}

// All views contiguous and 16-byte aligned: Pack loads and stores, then the
// n % W tail element-wise. No __restrict__: the output may be the very same
// view as an input (in place), which is safe because each thread reads its
// elements before writing them and no two threads share an element.
template <class T, int NIN, class Fn>
__global__ void __launch_bounds__(kThreads) vector_kernel(Operands<T, NIN> p, int64_t n, Fn fn) {
  constexpr int W = kVectorWidth<T>;
  using P = Pack<T, W>;
  const int64_t packs = n / W;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < packs; v += step) {
    P in[NIN > 0 ? NIN : 1];
    MT_UNROLL
    for (int j = 0; j < NIN; ++j)
      in[j] = reinterpret_cast<const P*>(p.in[j])[v];
    P out;
    MT_UNROLL
    for (int c = 0; c < W; ++c) {
      T x[NIN > 0 ? NIN : 1];
      MT_UNROLL
      for (int j = 0; j < NIN; ++j)
        x[j] = in[j].v[c];
      out.v[c] = apply<NIN>(fn, x);
    }
    reinterpret_cast<P*>(p.out)[v] = out;
  }
  const int64_t tail = packs * W + first;
  if (tail < n) {
    T x[NIN > 0 ? NIN : 1];
    MT_UNROLL
    for (int j = 0; j < NIN; ++j)
      x[j] = p.in[j][tail];
    p.out[tail] = apply<NIN>(fn, x);
  }
}

// One dim left after coalescing: position = i * stride, no division.
template <int NIN>
struct Strides1 {
  int64_t s[NIN + 1];  // s[0] is the output's
};

template <class T, int NIN, class Fn>
__global__ void __launch_bounds__(kThreads)
    strided1d_kernel(Operands<T, NIN> p, int64_t n, Strides1<NIN> st, Fn fn) {
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = first; i < n; i += step) {
    T x[NIN > 0 ? NIN : 1];
    MT_UNROLL
    for (int j = 0; j < NIN; ++j)
      x[j] = p.in[j][i * st.s[j + 1]];
    p.out[i * st.s[0]] = apply<NIN>(fn, x);
  }
}

// Any layout: the linear index is decoded into per-view positions.
template <class T, int NIN, class Fn, class Index>
__global__ void __launch_bounds__(kThreads)
    strided_nd_kernel(Operands<T, NIN> p, Layout<NIN + 1> layout, Index n, Fn fn) {
  const Index first = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x;
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = first; i < n; i += step) {
    int64_t pos[NIN + 1];
    decode_positions(layout, i, pos);
    T x[NIN > 0 ? NIN : 1];
    MT_UNROLL
    for (int j = 0; j < NIN; ++j)
      x[j] = p.in[j][pos[j + 1]];
    p.out[pos[0]] = apply<NIN>(fn, x);
  }
}

bool aligned16(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

// Picks the tier for NIN inputs with the same shape as `out` and launches it.
template <class T, int NIN, class Fn>
void run_elementwise(const LaunchEnv& env, const char* what, const mt_view& out,
                     const mt_view* const (&in)[NIN > 0 ? NIN : 1], Fn fn) {
  const int64_t n = mt::sdk::element_count(out);
  if (n == 0)
    return;
  constexpr int NV = NIN + 1;
  const int64_t* strides[NV];
  strides[0] = out.strides;
  Operands<T, NIN> p{};
  p.out = mt::sdk::typed_data<T>(out);
  for (int j = 0; j < NIN; ++j) {
    strides[j + 1] = in[j]->strides;
    p.in[j] = mt::sdk::typed_data<T>(*in[j]);
  }
  Layout<NV> layout = coalesce<NV>(out.ndim, out.shape, strides);
  if (layout.ndim == 0) {  // one element (a scalar, or every dim of size 1)
    layout.ndim = 1;
    layout.shape[0] = 1;
    for (int v = 0; v < NV; ++v)
      layout.strides[v][0] = 1;
  }
  if (layout.ndim == 1) {
    bool contiguous = true;
    bool aligned = aligned16(p.out);
    for (int v = 0; v < NV; ++v)
      contiguous = contiguous && layout.strides[v][0] == 1;
    for (int j = 0; j < NIN; ++j)
      aligned = aligned && aligned16(p.in[j]);
    if (contiguous && aligned) {
      const int64_t packs = ceil_div(n, kVectorWidth<T>);
      launch_kernel(what, &vector_kernel<T, NIN, Fn>, dim3(grid_for(env, packs, kThreads)),
                    dim3(kThreads), env, p, n, fn);
      return;
    }
    Strides1<NIN> st{};
    for (int v = 0; v < NV; ++v)
      st.s[v] = layout.strides[v][0];
    launch_kernel(what, &strided1d_kernel<T, NIN, Fn>, dim3(grid_for(env, n, kThreads)),
                  dim3(kThreads), env, p, n, st, fn);
    return;
  }
  // 31 bits keep i + grid stride below 2^32, so the loop cannot wrap.
  if (n <= INT32_MAX) {
    launch_kernel(what, &strided_nd_kernel<T, NIN, Fn, uint32_t>, dim3(grid_for(env, n, kThreads)),
                  dim3(kThreads), env, p, layout, static_cast<uint32_t>(n), fn);
  } else {
    launch_kernel(what, &strided_nd_kernel<T, NIN, Fn, int64_t>, dim3(grid_for(env, n, kThreads)),
                  dim3(kThreads), env, p, layout, n, fn);
  }
}

}  // namespace

void launch_fill(const LaunchEnv& env, const mt_view& out, double value) {
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    const mt_view* const none[1] = {nullptr};
    run_elementwise<T, 0>(env, "fill", out, none, FillFn<T>{static_cast<T>(value)});
  });
}

void launch_map(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& in) {
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    mt::sdk::dispatch_op<MT_FAMILY_MAP>(op, [&](auto op_c) {
      const mt_view* const inputs[1] = {&in};
      run_elementwise<T, 1>(env, "map", out, inputs, MapFn<T, decltype(op_c)::value>{});
    });
  });
}

void launch_zip(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& a,
                const mt_view& b) {
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    mt::sdk::dispatch_op<MT_FAMILY_ZIP>(op, [&](auto op_c) {
      const mt_view* const inputs[2] = {&a, &b};
      run_elementwise<T, 2>(env, "zip", out, inputs, ZipFn<T, decltype(op_c)::value>{});
    });
  });
}

}  // namespace mt::cuda
