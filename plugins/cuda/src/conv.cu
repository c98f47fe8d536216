// conv.cu — conv1d and conv2d as implicit GEMMs on the tiled kernel in
// gemm.cuh, with plugin_abi.h's formulas (including `reverse`) exactly.
// Not an im2col: input tiles are gathered straight from the strided view.
//
// Rows are (batch, output position), columns output channels, and the
// reduction runs over (input channel, kernel offset); out-of-range input
// terms read as 0.
#include "gemm.cuh"

#include <cstdint>

namespace mt::cuda {
namespace {

// Index is uint32_t when rows and the reduction length fit in 31 bits (the
// gathers divide by sizes on every load, and 32-bit division is far cheaper
// on the GPU), else int64_t. Positions are always 64-bit.
template <class T, class Index>
struct Conv1dProblem {
  const T* in;
  const T* w;
  T* out;
  int64_t batches, m, n, k;  // batches = 1, m = B*T, n = Cout, k = Cin*K
  Index out_width, kernel;   // T, K
  int64_t width;             // W
  int64_t in_b, in_c, in_w;
  int64_t w_o, w_c, w_k;
  int64_t out_b, out_o, out_t;
  bool reverse;
  bool a_m_fastest;
  bool b_n_fastest;

  __device__ T load_a(int64_t, int64_t i, int64_t kk) const {
    const Index row = static_cast<Index>(i);
    const Index col = static_cast<Index>(kk);
    const Index b = row / out_width;
    const Index t = row - b * out_width;
    const Index c = col / kernel;
    const Index q = col - c * kernel;
    const int64_t s = reverse ? static_cast<int64_t>(t) - static_cast<int64_t>(q)
                              : static_cast<int64_t>(t) + static_cast<int64_t>(q);
    if (s < 0 || s >= width)
      return T(0);
    return in[static_cast<int64_t>(b) * in_b + static_cast<int64_t>(c) * in_c + s * in_w];
  }
  __device__ T load_b(int64_t, int64_t kk, int64_t o) const {
    const Index col = static_cast<Index>(kk);
    const Index c = col / kernel;
    const Index q = col - c * kernel;
    return w[o * w_o + static_cast<int64_t>(c) * w_c + static_cast<int64_t>(q) * w_k];
  }
  __device__ void store(int64_t, int64_t i, int64_t o, T v) const {
    const Index row = static_cast<Index>(i);
    const Index b = row / out_width;
    const Index t = row - b * out_width;
    out[static_cast<int64_t>(b) * out_b + o * out_o + static_cast<int64_t>(t) * out_t] = v;
  }
};

template <class T, class Index>
struct Conv2dProblem {
  const T* in;
  const T* w;
  T* out;
  int64_t batches, m, n, k;  // batches = 1, m = B*OH*OW, n = Cout, k = Cin*KH*KW
  Index out_h, out_w, kernel_h, kernel_w;
  int64_t height, width;
  int64_t in_b, in_c, in_h, in_w;
  int64_t w_o, w_c, w_h, w_w;
  int64_t out_b, out_o, out_i, out_j;
  bool reverse;
  bool a_m_fastest;
  bool b_n_fastest;

  __device__ T load_a(int64_t, int64_t i, int64_t kk) const {
    const Index row = static_cast<Index>(i);
    const Index col = static_cast<Index>(kk);
    const Index plane = out_h * out_w;
    const Index b = row / plane;
    const Index rest = row - b * plane;
    const Index oi = rest / out_w;
    const Index oj = rest - oi * out_w;
    const Index window = kernel_h * kernel_w;
    const Index c = col / window;
    const Index krest = col - c * window;
    const Index ki = krest / kernel_w;
    const Index kj = krest - ki * kernel_w;
    const int64_t si = reverse ? static_cast<int64_t>(oi) - static_cast<int64_t>(ki)
                               : static_cast<int64_t>(oi) + static_cast<int64_t>(ki);
    const int64_t sj = reverse ? static_cast<int64_t>(oj) - static_cast<int64_t>(kj)
                               : static_cast<int64_t>(oj) + static_cast<int64_t>(kj);
    if (si < 0 || si >= height || sj < 0 || sj >= width)
      return T(0);
    return in[static_cast<int64_t>(b) * in_b + static_cast<int64_t>(c) * in_c + si * in_h +
              sj * in_w];
  }
  __device__ T load_b(int64_t, int64_t kk, int64_t o) const {
    const Index col = static_cast<Index>(kk);
    const Index window = kernel_h * kernel_w;
    const Index c = col / window;
    const Index krest = col - c * window;
    const Index ki = krest / kernel_w;
    const Index kj = krest - ki * kernel_w;
    return w[o * w_o + static_cast<int64_t>(c) * w_c + static_cast<int64_t>(ki) * w_h +
             static_cast<int64_t>(kj) * w_w];
  }
  __device__ void store(int64_t, int64_t i, int64_t o, T v) const {
    const Index row = static_cast<Index>(i);
    const Index plane = out_h * out_w;
    const Index b = row / plane;
    const Index rest = row - b * plane;
    const Index oi = rest / out_w;
    const Index oj = rest - oi * out_w;
    out[static_cast<int64_t>(b) * out_b + o * out_o + static_cast<int64_t>(oi) * out_i +
        static_cast<int64_t>(oj) * out_j] = v;
  }
};

// Both GEMM sizes (and so every product of sizes the gathers form) fit in
// 31 bits.
bool fits_32(int64_t m, int64_t k) {
  return m <= INT32_MAX && k <= INT32_MAX;
}

template <class T, class Index>
void run_conv1d(const LaunchEnv& env, const mt_view& out, const mt_view& in, const mt_view& w,
                bool reverse) {
  Conv1dProblem<T, Index> p{};
  p.in = mt::sdk::typed_data<T>(in);
  p.w = mt::sdk::typed_data<T>(w);
  p.out = mt::sdk::typed_data<T>(out);
  p.batches = 1;
  p.m = out.shape[0] * out.shape[2];
  p.n = out.shape[1];
  p.k = in.shape[1] * w.shape[2];
  p.out_width = static_cast<Index>(out.shape[2]);
  p.kernel = static_cast<Index>(w.shape[2]);
  p.width = in.shape[2];
  p.in_b = in.strides[0];
  p.in_c = in.strides[1];
  p.in_w = in.strides[2];
  p.w_o = w.strides[0];
  p.w_c = w.strides[1];
  p.w_k = w.strides[2];
  p.out_b = out.strides[0];
  p.out_o = out.strides[1];
  p.out_t = out.strides[2];
  p.reverse = reverse;
  // Neighbouring output positions read neighbouring input positions.
  p.a_m_fastest = true;
  p.b_n_fastest = p.w_o < p.w_k;
  run_gemm<T>(env, "conv1d", p);
}

template <class T, class Index>
void run_conv2d(const LaunchEnv& env, const mt_view& out, const mt_view& in, const mt_view& w,
                bool reverse) {
  Conv2dProblem<T, Index> p{};
  p.in = mt::sdk::typed_data<T>(in);
  p.w = mt::sdk::typed_data<T>(w);
  p.out = mt::sdk::typed_data<T>(out);
  p.batches = 1;
  p.m = out.shape[0] * out.shape[2] * out.shape[3];
  p.n = out.shape[1];
  p.k = in.shape[1] * w.shape[2] * w.shape[3];
  p.out_h = static_cast<Index>(out.shape[2]);
  p.out_w = static_cast<Index>(out.shape[3]);
  p.kernel_h = static_cast<Index>(w.shape[2]);
  p.kernel_w = static_cast<Index>(w.shape[3]);
  p.height = in.shape[2];
  p.width = in.shape[3];
  p.in_b = in.strides[0];
  p.in_c = in.strides[1];
  p.in_h = in.strides[2];
  p.in_w = in.strides[3];
  p.w_o = w.strides[0];
  p.w_c = w.strides[1];
  p.w_h = w.strides[2];
  p.w_w = w.strides[3];
  p.out_b = out.strides[0];
  p.out_o = out.strides[1];
  p.out_i = out.strides[2];
  p.out_j = out.strides[3];
  p.reverse = reverse;
  p.a_m_fastest = true;
  p.b_n_fastest = p.w_o < p.w_w;
  run_gemm<T>(env, "conv2d", p);
}

}  // namespace

void launch_conv1d(const LaunchEnv& env, const mt_view& out, const mt_view& in,
                   const mt_view& weight, bool reverse) {
  if (mt::sdk::element_count(out) == 0)
    return;
  const int64_t m = out.shape[0] * out.shape[2];
  const int64_t k = in.shape[1] * weight.shape[2];
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (fits_32(m, k))
      run_conv1d<T, uint32_t>(env, out, in, weight, reverse);
    else
      run_conv1d<T, int64_t>(env, out, in, weight, reverse);
  });
}

void launch_conv2d(const LaunchEnv& env, const mt_view& out, const mt_view& in,
                   const mt_view& weight, bool reverse) {
  if (mt::sdk::element_count(out) == 0)
    return;
  const int64_t m = out.shape[0] * out.shape[2] * out.shape[3];
  const int64_t k = in.shape[1] * weight.shape[2] * weight.shape[3];
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (fits_32(m, k))
      run_conv2d<T, uint32_t>(env, out, in, weight, reverse);
    else
      run_conv2d<T, int64_t>(env, out, in, weight, reverse);
  });
}

}  // namespace mt::cuda
