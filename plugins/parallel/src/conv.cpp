// conv.cpp — convolution as GEMM without materialising im2col: per batch
// item, out (Cout x OH*OW) = W (Cout x Cin*KH*KW) * X, where X's column n =
// (i, j) and row q = (c, ki, kj) hold in[c, i ± ki, j ± kj] (0 outside the
// input). The B-packer of gemm.hpp builds X's panels straight from the input,
// a run of contiguous input per output row. Conv1d is the H = 1 case. The
// weight-gradient call (tiny out, huge kernel) is the same code with long K.
// Not here: validation (plugin.cpp).
#include "conv.hpp"

#include "gemm.hpp"
#include "memory.hpp"
#include "runtime.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cstring>

namespace mt::par {

namespace {

// A 4-D view's geometry, with conv1d lifted to H = 1.
struct Geometry {
  int64_t shape[4];
  int64_t strides[4];
};

Geometry lift(const mt_view& v) {
  Geometry g{};
  if (v.ndim == 4) {
    for (int d = 0; d < 4; ++d) {
      g.shape[d] = v.shape[d];
      g.strides[d] = v.strides[d];
    }
  } else {  // (B, C, W) -> (B, C, 1, W)
    g.shape[0] = v.shape[0];
    g.shape[1] = v.shape[1];
    g.shape[2] = 1;
    g.shape[3] = v.shape[2];
    g.strides[0] = v.strides[0];
    g.strides[1] = v.strides[1];
    g.strides[2] = 0;
    g.strides[3] = v.strides[2];
  }
  return g;
}

// Row q of the implicit matrix: input channel and kernel offsets.
struct KernelTap {
  int64_t weight_offset;  // c * ws1 + ki * ws2 + kj * ws3
  int64_t input_offset;   // c * is1
  int64_t di;             // row shift: +ki forward, -ki reverse
  int64_t dj;             // column shift
};

template <class T>
void conv_typed(const Geometry& og, T* out_base, const Geometry& ig, const T* in_base,
                const Geometry& wg, const T* w_base, bool reverse) {
  const int64_t batch = og.shape[0];
  const int64_t cout = og.shape[1];
  const int64_t oh = og.shape[2];
  const int64_t ow = og.shape[3];
  const int64_t cin = ig.shape[1];
  const int64_t h = ig.shape[2];
  const int64_t w = ig.shape[3];
  const int64_t kh = wg.shape[2];
  const int64_t kw = wg.shape[3];
  const int64_t m = cout;
  const int64_t n = oh * ow;
  const int64_t k = cin * kh * kw;
  if (batch == 0 || m == 0 || n == 0)
    return;

  Scratch<KernelTap> taps(static_cast<std::size_t>(std::max<int64_t>(k, 1)));
  const int64_t sign = reverse ? -1 : 1;
  for (int64_t c = 0, q = 0; c < cin; ++c)
    for (int64_t ki = 0; ki < kh; ++ki)
      for (int64_t kj = 0; kj < kw; ++kj, ++q)
        taps[static_cast<std::size_t>(q)] =
            KernelTap{c * wg.strides[1] + ki * wg.strides[2] + kj * wg.strides[3],
                      c * ig.strides[1], sign * ki, sign * kj};

  const GemmKernel<T>& kern = gemm_kernel<T>();
  const int mr = kern.mr;
  const int nr = kern.nr;
  const int64_t ws0 = wg.strides[0];
  const int64_t is2 = ig.strides[2];
  const int64_t is3 = ig.strides[3];
  const KernelTap* tap = taps.data();

  auto pack_w = [&](T* dst, int64_t i0, int64_t rows, int64_t p0, int64_t kc) {
    for (int64_t ip = 0; ip < rows; ip += mr) {
      T* panel = dst + (ip / mr) * mr * kc;
      const int64_t pr = std::min<int64_t>(mr, rows - ip);
      for (int64_t r = 0; r < pr; ++r) {
        const T* wrow = w_base + (i0 + ip + r) * ws0;
        for (int64_t p = 0; p < kc; ++p)
          panel[p * mr + r] = wrow[tap[p0 + p].weight_offset];
      }
      for (int64_t r = pr; r < mr; ++r)
        for (int64_t p = 0; p < kc; ++p)
          panel[p * mr + r] = T(0);
    }
  };

  // Output matrix of one batch item: rows o, columns n = i * ow + j. If the
  // out view does not step evenly over (i, j), compute into a dense buffer.
  const bool dense_out = oh == 1 || og.strides[2] == ow * og.strides[3];

  auto one_item = [&](int64_t b, bool parallel) {
    const T* in_b = in_base + b * ig.strides[0];
    auto pack_x = [&](T* dst, int64_t j0, int64_t cols, int64_t p0, int64_t kc) {
      const int64_t i_first = j0 / ow;
      const int64_t j_first = j0 % ow;
      for (int64_t p = 0; p < kc; ++p) {
        const KernelTap& t = tap[p0 + p];
        const T* plane = in_b + t.input_offset;
        T* d = dst + p * nr;
        int64_t left = cols;
        int64_t i = i_first;
        int64_t j = j_first;
        while (left > 0) {
          const int64_t len = std::min(left, ow - j);
          const int64_t ii = i + t.di;
          if (ii < 0 || ii >= h) {
            std::fill_n(d, len, T(0));
          } else {
            // Input columns jj = j + dj + u for u in [0, len); valid where 0 <= jj < w.
            const int64_t jj0 = j + t.dj;
            const int64_t u0 = std::clamp<int64_t>(-jj0, 0, len);
            const int64_t u1 = std::clamp<int64_t>(w - jj0, u0, len);
            std::fill_n(d, u0, T(0));
            const T* src = plane + ii * is2 + (jj0 + u0) * is3;
            if (is3 == 1) {
              std::memcpy(d + u0, src, sizeof(T) * static_cast<std::size_t>(u1 - u0));
            } else {
              for (int64_t u = u0; u < u1; ++u)
                d[u] = src[(u - u0) * is3];
            }
            std::fill_n(d + u1, len - u1, T(0));
          }
          d += len;
          left -= len;
          ++i;
          j = 0;
        }
        std::fill_n(dst + p * nr + cols, nr - cols, T(0));
      }
    };
    T* out_b = out_base + b * og.strides[0];
    if (dense_out) {
      const OutMatrix<T> c{out_b, og.strides[1], og.strides[3]};
      gemm_blocked<T>(m, n, k, pack_w, pack_x, c, parallel);
      return;
    }
    Scratch<T> tmp(static_cast<std::size_t>(m * n));
    gemm_blocked<T>(m, n, k, pack_w, pack_x, OutMatrix<T>{tmp.data(), n, 1}, parallel);
    for (int64_t o = 0; o < m; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          out_b[o * og.strides[1] + i * og.strides[2] + j * og.strides[3]] =
              tmp[static_cast<std::size_t>(o * n + i * ow + j)];
  };

  const int threads = thread_count();
  const int64_t work = m * n * k;
  if (threads > 1 && batch >= threads && work * batch >= (int64_t{1} << 16)) {
    parallel_for(0, batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        one_item(b, false);
    });
    return;
  }
  const bool parallel = threads > 1 && work >= (int64_t{1} << 18);
  for (int64_t b = 0; b < batch; ++b)
    one_item(b, parallel);
}

void conv(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse) {
  const Geometry og = lift(out);
  const Geometry ig = lift(in);
  const Geometry wg = lift(weight);
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv_typed<T>(og, sdk::typed_data<T>(out), ig, sdk::typed_data<T>(in), wg,
                  sdk::typed_data<T>(weight), reverse);
  });
}

}  // namespace

void conv1d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse) {
  conv(out, in, weight, reverse);
}

void conv2d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse) {
  conv(out, in, weight, reverse);
}

}  // namespace mt::par
