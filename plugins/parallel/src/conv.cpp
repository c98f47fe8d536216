// conv.cpp — MiniTorch's conv1d/conv2d (forward anchored left, reverse
// anchored right, out-of-range terms 0) on the packed GEMM kernels. Each
// input image is first copied into a zero-padded buffer whose rows are
// pitch = OW + KW - 1 wide, so every kernel tap (c, ki, kj) becomes a plain
// offset into it and no bounds are checked in the inner loops:
//   * "direct": out[b] (Cout x OH*pitch, extra columns discarded) =
//     W (Cout x Cin*KH*KW) * X, where row k of X is read in place from the
//     padded image at offset tap[k] (no im2col, no packing of X); 1-D
//     images go several to a buffer, side by side;
//   * "flat": the weight-gradient call (out is the kernel's size, the
//     "kernel" about the image's) with input and weight both as flat
//     zero-padded planes, where each output pixel is a shift of one
//     product: a GEMM per pixel for many channels (panels packed straight
//     from the strided views), dot products along the flat k for few;
//   * "dot": other tiny outputs with kernel rows of a vector or more;
//   * "folded": the rest of the tiny outputs: batch and output pixels
//     become GEMM rows, C (B*OH*OW x Cout) = X^T * W^T.
// Conv1d is the H = 1 case. Not here: validation (plugin.cpp).
#include "conv.hpp"

#include "conv_sparse.hpp"
#include "gemm.hpp"
#include "memory.hpp"
#include "runtime.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mt::par {

namespace {

// A view's 4-D geometry, with conv1d's (B, C, W) lifted to (B, C, 1, W).
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
  } else {
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

// ---- padding and copying rows --------------------------------------------------

// Copies n elements src[q * ws] to dst[q], zeros dst[n, pitch) and returns
// whether a copied value was not finite (v - v is 0 only for finite v): the
// check rides on the copy's loads, so the data is read once. The unit-stride
// loop vectorises.
struct RowsPlain {
  template <class T>
  [[gnu::always_inline]] static int run(T* __restrict dst, const T* __restrict src, int64_t ws,
                                        int64_t n, int64_t pitch) {
    int bad = 0;
    if (ws == 1) {
      for (int64_t q = 0; q < n; ++q) {
        const T v = src[q];
        dst[q] = v;
        bad |= (v - v) != T(0);
      }
    } else {
      for (int64_t q = 0; q < n; ++q) {
        const T v = src[q * ws];
        dst[q] = v;
        bad |= (v - v) != T(0);
      }
    }
    std::fill_n(dst + n, pitch - n, T(0));
    return bad;
  }
};

#if defined(__x86_64__)
// The same with AVX-512 masks: a row and its padding are whole vectors, the
// load masked to the n source elements (lanes past them read as 0 and never
// fault), the store to the pitch, so LeNet's rows of 14-28 in pitches of 16-30
// are one or two loads and stores and no scalar tail.
struct RowsAvx512 {
  template <class T>
  __attribute__((target("avx512f"))) static int run(T* dst, const T* src, int64_t ws, int64_t n,
                                                    int64_t pitch) {
    if (ws != 1)
      return RowsPlain::run(dst, src, ws, n, pitch);
    return masked(dst, src, n, pitch);
  }
  __attribute__((target("avx512f"))) static int masked(float* dst, const float* src, int64_t n,
                                                       int64_t pitch) {
    __mmask16 bad = 0;
    for (int64_t q = 0; q < pitch; q += 16) {
      const int64_t in = std::clamp<int64_t>(n - q, 0, 16);
      const int64_t out = std::min<int64_t>(pitch - q, 16);
      const __m512 v = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << in) - 1), src + q);
      bad |= _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), _mm512_setzero_ps(), _CMP_NEQ_UQ);
      _mm512_mask_storeu_ps(dst + q, static_cast<__mmask16>((1u << out) - 1), v);
    }
    return bad != 0;
  }
  __attribute__((target("avx512f"))) static int masked(double* dst, const double* src, int64_t n,
                                                       int64_t pitch) {
    __mmask8 bad = 0;
    for (int64_t q = 0; q < pitch; q += 8) {
      const int64_t in = std::clamp<int64_t>(n - q, 0, 8);
      const int64_t out = std::min<int64_t>(pitch - q, 8);
      const __m512d v = _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << in) - 1), src + q);
      bad |= _mm512_cmp_pd_mask(_mm512_sub_pd(v, v), _mm512_setzero_pd(), _CMP_NEQ_UQ);
      _mm512_mask_storeu_pd(dst + q, static_cast<__mmask8>((1u << out) - 1), v);
    }
    return bad != 0;
  }
};
#endif

// pad_planes's body, built once per instruction set (below).
template <class Rows, class T>
[[gnu::always_inline]] inline bool pad_planes_body(T* dst, const T* src, int64_t cs, int64_t rs,
                                                   int64_t ws, int64_t rows, int64_t cols,
                                                   int64_t planes, int64_t ph, int64_t pitch,
                                                   int64_t len) {
  const int64_t valid_rows = std::min(rows, ph);
  const int64_t valid_cols = std::min(cols, pitch);
  const int64_t plane = ph * pitch;
  // Only the padding is zeroed (row ends, rows past the last, the tail), and
  // each element is written once. Rows that fill the pitch and follow each
  // other in the view are one run; whole planes that do too are one run.
  const bool rows_run = ws == 1 && valid_cols == pitch && rs == pitch;
  int bad = 0;
  if (rows_run && valid_rows == ph && cs == plane) {
    bad |= Rows::run(dst, src, 1, planes * plane, len);
    return bad == 0;
  }
  for (int64_t c = 0; c < planes; ++c) {
    T* d = dst + c * plane;
    const T* s = src + c * cs;
    if (rows_run) {
      bad |= Rows::run(d, s, 1, valid_rows * pitch, valid_rows * pitch);
    } else {
      for (int64_t r = 0; r < valid_rows; ++r)
        bad |= Rows::run(d + r * pitch, s + r * rs, ws, valid_cols, pitch);
    }
    std::fill_n(d + valid_rows * pitch, (ph - valid_rows) * pitch, T(0));
  }
  std::fill_n(dst + planes * plane, len - planes * plane, T(0));
  return bad == 0;
}

// finite_planes's body, built once per instruction set (below).
template <class T>
[[gnu::always_inline]] inline bool finite_planes_body(const T* src, int64_t cs, int64_t rs,
                                                      int64_t ws, int64_t rows, int64_t cols,
                                                      int64_t planes) {
  int bad = 0;
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = src + c * cs + r * rs;
      if (ws == 1) {
        for (int64_t q = 0; q < cols; ++q)
          bad |= (row[q] - row[q]) != T(0);
      } else {
        for (int64_t q = 0; q < cols; ++q)
          bad |= (row[q * ws] - row[q * ws]) != T(0);
      }
      if (bad)
        return false;
    }
  return true;
}

#define MT_PAD_PLANES(SUFFIX, ATTR, ROWS)                                                          \
  template <class T>                                                                               \
  ATTR bool pad_planes_##SUFFIX(T* dst, const T* src, int64_t cs, int64_t rs, int64_t ws,          \
                                int64_t rows, int64_t cols, int64_t planes, int64_t ph,            \
                                int64_t pitch, int64_t len) {                                      \
    return pad_planes_body<ROWS>(dst, src, cs, rs, ws, rows, cols, planes, ph, pitch, len);        \
  }                                                                                                \
  template <class T>                                                                               \
  ATTR int copy_rows_##SUFFIX(T* dst, int64_t ds, const T* src, int64_t ss, int64_t ws,            \
                              int64_t rows, int64_t n, int64_t width) {                            \
    int bad = 0;                                                                                   \
    for (int64_t r = 0; r < rows; ++r)                                                             \
      bad |= ROWS::run(dst + r * ds, src + r * ss, ws, n, width);                                  \
    return bad;                                                                                    \
  }                                                                                                \
  template <class T>                                                                               \
  ATTR bool finite_planes_##SUFFIX(const T* src, int64_t cs, int64_t rs, int64_t ws, int64_t rows, \
                                   int64_t cols, int64_t planes) {                                 \
    return finite_planes_body(src, cs, rs, ws, rows, cols, planes);                                \
  }
MT_PAD_PLANES(generic, , RowsPlain)
#if defined(__x86_64__)
MT_PAD_PLANES(avx512,
              __attribute__((target("avx512f,avx512bw,avx2,prefer-vector-width=512"), flatten)),
              RowsAvx512)
MT_PAD_PLANES(avx2, __attribute__((target("avx2"))), RowsPlain)
#endif
#undef MT_PAD_PLANES

// Writes `len` elements to dst: a stack of `planes` zero-padded planes of ph
// rows by `pitch`, whose element (c, r, col) is src[c * cs + r * rs + col * ws]
// for r < rows and col < cols and 0 elsewhere, then zeros up to len. Returns
// whether every element copied was finite. The widest vectors the GEMM
// uses (settings().isa); the copy is exact either way.
template <class T>
bool pad_planes(T* dst, const T* src, int64_t cs, int64_t rs, int64_t ws, int64_t rows,
                int64_t cols, int64_t planes, int64_t ph, int64_t pitch, int64_t len) {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return pad_planes_avx512(dst, src, cs, rs, ws, rows, cols, planes, ph, pitch, len);
    case Isa::avx2:
      return pad_planes_avx2(dst, src, cs, rs, ws, rows, cols, planes, ph, pitch, len);
    case Isa::generic:
      break;
  }
#endif
  return pad_planes_generic(dst, src, cs, rs, ws, rows, cols, planes, ph, pitch, len);
}

// Whether every element src[c * cs + r * rs + col * ws] (c < planes, r <
// rows, col < cols) is finite: pad_planes's check without the copy.
template <class T>
bool finite_planes(const T* src, int64_t cs, int64_t rs, int64_t ws, int64_t rows, int64_t cols,
                   int64_t planes) {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return finite_planes_avx512(src, cs, rs, ws, rows, cols, planes);
    case Isa::avx2:
      return finite_planes_avx2(src, cs, rs, ws, rows, cols, planes);
    case Isa::generic:
      break;
  }
#endif
  return finite_planes_generic(src, cs, rs, ws, rows, cols, planes);
}

// Row r < rows of dst (rows ds apart) = n elements src[r * ss + q * ws], then
// zeros up to `width` (>= n); returns nonzero if a copied value was not
// finite. The direct forms' image padding and copy-out.
template <class T>
int copy_rows(T* dst, int64_t ds, const T* src, int64_t ss, int64_t ws, int64_t rows, int64_t n,
              int64_t width) {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return copy_rows_avx512(dst, ds, src, ss, ws, rows, n, width);
    case Isa::avx2:
      return copy_rows_avx2(dst, ds, src, ss, ws, rows, n, width);
    case Isa::generic:
      break;
  }
#endif
  return copy_rows_generic(dst, ds, src, ss, ws, rows, n, width);
}

template <class T>
struct Conv {
  Geometry out, in, w;
  const T* in_data;
  const T* w_data;
  T* out_data;
  bool reverse;
  int64_t batch, cin, h, wd, cout, kh, kw, oh, ow;
  // Padded image: ph rows of `pitch`, one plane per input channel.
  int64_t pitch, ph, plane, image;  // image = cin * plane + tail
  // Per k = (c, a, b) in the order of increasing tap offset: the offset into
  // the padded image and the weight element it pairs with.
  Scratch<int64_t> tap;
  Scratch<int64_t> weight_off;

  // row_pitch >= ow + kw - 1: the width of the padded rows. Without
  // `with_taps` the tables stay empty (the flat forms index planes directly,
  // and a weight gradient's "kernel" is nearly the image: cin * kh * kw taps).
  Conv(const Geometry& og, T* o, const Geometry& ig, const T* i, const Geometry& wg, const T* wt,
       bool rev, int64_t row_pitch, int nr, bool with_taps = true)
      : out(og),
        in(ig),
        w(wg),
        in_data(i),
        w_data(wt),
        out_data(o),
        reverse(rev),
        batch(og.shape[0]),
        cin(ig.shape[1]),
        h(ig.shape[2]),
        wd(ig.shape[3]),
        cout(og.shape[1]),
        kh(wg.shape[2]),
        kw(wg.shape[3]),
        oh(og.shape[2]),
        ow(og.shape[3]),
        pitch(row_pitch),
        ph(oh + kh - 1),
        plane(ph * pitch),
        // Reads run past the last row by < pitch + nr elements (discarded
        // columns and the zero-padded last panel); keep them in bounds.
        image(cin * plane + pitch + nr),
        tap(static_cast<std::size_t>(with_taps ? std::max<int64_t>(1, cin * kh * kw) : 1)),
        weight_off(static_cast<std::size_t>(with_taps ? std::max<int64_t>(1, cin * kh * kw) : 1)) {
    if (!with_taps)
      return;
    int64_t k = 0;
    for (int64_t c = 0; c < cin; ++c)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b, ++k) {
          // Forward reads in[i + ki][j + kj]; the padded image starts at the
          // input's origin. Reverse reads in[i - ki][j - kj]; the image is
          // shifted down/right by (kh - 1, kw - 1), so tap a pairs with
          // ki = kh - 1 - a and the offsets still increase with k.
          const int64_t ki = reverse ? kh - 1 - a : a;
          const int64_t kj = reverse ? kw - 1 - b : b;
          tap[static_cast<std::size_t>(k)] = c * plane + a * pitch + b;
          weight_off[static_cast<std::size_t>(k)] =
              c * w.strides[1] + ki * w.strides[2] + kj * w.strides[3];
        }
  }

  int64_t k() const { return cin * kh * kw; }

  // Writes the zero-padded copy of input image `b` to dst (image elements).
  void pad_image(int64_t b, T* dst) const {
    pad_planes_of(b, dst, plane);
    std::fill_n(dst + cin * plane, image - cin * plane, T(0));
  }

  // The ph x pitch planes of image b only, channel c's at dst + c * stride.
  void pad_planes_of(int64_t b, T* dst, int64_t stride) const {
    const int64_t shift_h = reverse ? kh - 1 : 0;
    const int64_t shift_w = reverse ? kw - 1 : 0;
    // Padded column jj holds input column jj - shift_w when that is in range.
    const int64_t j0 = shift_w;
    const int64_t j1 = std::min(pitch, wd + shift_w);
    // Padded rows [ia, ib) hold input rows ii - shift_h.
    const int64_t ia = std::min(ph, shift_h);
    const int64_t ib = j1 > j0 ? std::clamp(h + shift_h, ia, ph) : ia;
    for (int64_t c = 0; c < cin; ++c) {
      const T* src_plane = in_data + b * in.strides[0] + c * in.strides[1];
      T* dst_plane = dst + c * stride;
      // With a shift (reverse) each row starts with j0 zeros: one fill over
      // the rows, which the copy then overwrites past j0, costs less than a
      // call per row of 2-4 elements.
      std::fill_n(dst_plane, (j0 > 0 ? ib : ia) * pitch, T(0));
      if (ib > ia)
        copy_rows(dst_plane + ia * pitch + j0, pitch, src_plane + (ia - shift_h) * in.strides[2],
                  in.strides[2], in.strides[3], ib - ia, j1 - j0, pitch - j0);
      std::fill_n(dst_plane + ib * pitch, (ph - ib) * pitch, T(0));
    }
  }
};

// ---- direct: W * X with X's rows read in place ----------------------------

// The whole weight matrix of a direct form, packed once into a_pack (m_panels * mr * k):
// panel q, row r, tap p at a_pack[q * mr * k + p * mr + r] (so any kc slice of a panel is
// contiguous); rows past cout are zero.
template <class T>
void pack_weights(const Conv<T>& cv, int64_t m_panels, int64_t mr, int64_t k, T* a_pack) {
  for (int64_t q = 0; q < m_panels; ++q) {
    T* panel = a_pack + q * mr * k;
    for (int64_t r = 0; r < mr; ++r) {
      const int64_t o = q * mr + r;
      const T* wrow = cv.w_data + o * cv.w.strides[0];
      for (int64_t p = 0; p < k; ++p)
        panel[p * mr + r] = o < cv.cout ? wrow[cv.weight_off[static_cast<std::size_t>(p)]] : T(0);
    }
  }
}

// Column panels [q0, q1) (nr wide) of C (m_panels * mr rows of ldc) = packed W (pack_weights) times
// the image's rows read in place at offs[p] (one per tap p), k in slices of kc_max.
template <class T>
void direct_panels(const Tile<T>& tile, int64_t nr, const T* a_pack, int64_t m_panels, int64_t k,
                   int64_t kc_max, const int64_t* offs, const T* image, T* c_img, int64_t ldc,
                   int64_t q0, int64_t q1) {
  const int64_t mr = tile.mr;
  for (int64_t q = q0; q < q1; ++q) {
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      for (int64_t ir = 0; ir < m_panels; ++ir)
        tile.micro(kc, a_pack + ir * mr * k + pc * mr, image + q * nr, offs + pc,
                   c_img + ir * mr * ldc + q * nr, ldc, pc > 0 ? 1 : 0);
    }
  }
}

template <class T>
void conv_direct(const Conv<T>& cv) {
  const GemmKernel<T>& kern = gemm_kernel<T>();
  const Tile<T>& tile = kern.tile_for(cv.cout);
  const int64_t mr = tile.mr;
  const int64_t nr = kern.nr;
  const int64_t k = cv.k();
  const int64_t kc_max = std::min(k, kern.kc);
  const int64_t m_panels = ceil_div(cv.cout, mr);
  const int64_t cols = cv.oh * cv.pitch;  // GEMM columns of one image
  const int64_t n_panels = ceil_div(cols, nr);
  const int64_t ldc = n_panels * nr;

  Scratch<T> a_pack(static_cast<std::size_t>(m_panels * mr * k));
  pack_weights(cv, m_panels, mr, k, a_pack.data());

  // Computes panels [q0, q1) of image b from its padded copy into c_img
  // (m_panels * mr rows of ldc), then copies the valid part to out.
  auto compute = [&](int64_t b, const T* image, T* c_img, int64_t q0, int64_t q1) {
    direct_panels(tile, nr, a_pack.data(), m_panels, k, kc_max, cv.tap.data(), image, c_img, ldc,
                  q0, q1);
    // Column n = i * pitch + j of the GEMM is output pixel (i, j), j < ow.
    T* out_b = cv.out_data + b * cv.out.strides[0];
    const int64_t n0 = q0 * nr;
    const int64_t n1 = std::min(cols, q1 * nr);
    const int64_t os3 = cv.out.strides[3];
    const int64_t os2 = cv.out.strides[2];
    if (os3 == 1) {
      // Whole output rows in one call per channel; a row cut by n0 or n1
      // (a group's first or last) on its own.
      const int64_t i0 = n0 / cv.pitch;
      const int64_t i1 = ceil_div(n1, cv.pitch);
      for (int64_t o = 0; o < cv.cout; ++o) {
        const T* crow = c_img + o * ldc;
        T* orow = out_b + o * cv.out.strides[1];
        int64_t a = i0, b = i1;
        // Copies row i if n0 or n1 cuts it; returns whether they do.
        auto part = [&](int64_t i) {
          const int64_t ja = std::max<int64_t>(0, n0 - i * cv.pitch);
          const int64_t jb = std::min(cv.ow, n1 - i * cv.pitch);
          if (ja == 0 && jb == cv.ow)
            return false;
          if (jb > ja)
            copy_rows(orow + i * os2 + ja, 0, crow + i * cv.pitch + ja, 0, 1, 1, jb - ja, jb - ja);
          return true;
        };
        if (a < b && part(a))
          ++a;
        if (a < b && part(b - 1))
          --b;
        if (a < b)
          copy_rows(orow + a * os2, os2, crow + a * cv.pitch, cv.pitch, 1, b - a, cv.ow, cv.ow);
      }
      return;
    }
    for (int64_t o = 0; o < cv.cout; ++o) {
      const T* crow = c_img + o * ldc;
      T* orow = out_b + o * cv.out.strides[1];
      for (int64_t i = n0 / cv.pitch; i * cv.pitch < n1; ++i) {
        const int64_t ja = std::max<int64_t>(0, n0 - i * cv.pitch);
        const int64_t jb = std::min(cv.ow, n1 - i * cv.pitch);
        const T* src = crow + i * cv.pitch;
        T* dst = orow + i * os2;
        for (int64_t j = ja; j < jb; ++j)
          dst[j * os3] = src[j];
      }
    }
  };

  const int threads = thread_count();
  const std::size_t image_elems = static_cast<std::size_t>(cv.image);
  const std::size_t c_elems = static_cast<std::size_t>(m_panels * mr * ldc);
  if (threads == 1 || cv.batch >= 2 * threads) {
    // Whole images per task: pad, multiply and copy out while hot in cache.
    const int64_t work = cv.cout * cols * k;
    parallel_for(0, cv.batch, std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, work)),
                 [&](int64_t b0, int64_t b1) {
                   Scratch<T> image(image_elems);
                   Scratch<T> c_img(c_elems);
                   for (int64_t b = b0; b < b1; ++b) {
                     cv.pad_image(b, image.data());
                     compute(b, image.data(), c_img.data(), 0, n_panels);
                   }
                 });
    return;
  }
  // Few images: pad them all, then split each image's columns into groups.
  Scratch<T> images(image_elems * static_cast<std::size_t>(cv.batch));
  Scratch<T> c_all(c_elems * static_cast<std::size_t>(cv.batch));
  parallel_for(0, cv.batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      cv.pad_image(b, images.data() + static_cast<std::size_t>(b) * image_elems);
  });
  const int64_t groups = std::min(n_panels, ceil_div(4 * threads, cv.batch));
  parallel_tasks(cv.batch * groups, [&](int64_t task) {
    const int64_t b = task / groups;
    const int64_t g = task % groups;
    compute(b, images.data() + static_cast<std::size_t>(b) * image_elems,
            c_all.data() + static_cast<std::size_t>(b) * c_elems, g * n_panels / groups,
            (g + 1) * n_panels / groups);
  });
}

template <class T>
void conv_direct_grouped(const Conv<T>& cv, int64_t group) {
  const GemmKernel<T>& kern = gemm_kernel<T>();
  const Tile<T>& tile = kern.tile_for(cv.cout);
  const int64_t mr = tile.mr;
  const int64_t nr = kern.nr;
  const int64_t k = cv.k();
  const int64_t kc_max = std::min(k, kern.kc);
  const int64_t m_panels = ceil_div(cv.cout, mr);
  // 1-D (one padded row per channel, ph == 1): `group` images side by side
  // in one buffer, channel c's rows at c * group * pitch, so the GEMM's
  // columns run over all of them and its last panel is shared (IMDB: 204
  // columns are 7 panels of 32 for 200 outputs; 8 images are 51 panels
  // exactly). Each column's sum is the same either way. Whole buffers per
  // task (the caller has enough images for every thread).
  const int64_t stride = group * cv.plane;        // channel stride in the buffer
  const int64_t cols = group * cv.oh * cv.pitch;  // GEMM columns of one buffer
  const int64_t n_panels = ceil_div(cols, nr);
  const int64_t ldc = n_panels * nr;
  // Tap offsets in the buffer: the channel part scaled to the group.
  Scratch<int64_t> tap(static_cast<std::size_t>(std::max<int64_t>(1, k)));
  for (int64_t p = 0; p < k; ++p) {
    const int64_t t = cv.tap[static_cast<std::size_t>(p)];
    tap[static_cast<std::size_t>(p)] = t / cv.plane * stride + t % cv.plane;
  }

  Scratch<T> a_pack(static_cast<std::size_t>(m_panels * mr * k));
  pack_weights(cv, m_panels, mr, k, a_pack.data());

  // Computes panels [q0, q1) of the buffer holding images b0.. into c_img
  // (m_panels * mr rows of ldc), then copies the valid part to out.
  auto compute = [&](int64_t b0, const T* image, T* c_img, int64_t q0, int64_t q1) {
    direct_panels(tile, nr, a_pack.data(), m_panels, k, kc_max, tap.data(), image, c_img, ldc, q0,
                  q1);
    // Column n = i * pitch + j of the GEMM is output pixel (i % oh, j) of
    // image b0 + i / oh, for j < ow.
    const int64_t n0 = q0 * nr;
    const int64_t n1 = std::min(cols, q1 * nr);
    const int64_t os3 = cv.out.strides[3];
    // Row i of the buffer is row i % oh of image b0 + i / oh: the divisions
    // once per call, not per row.
    const int64_t i_first = n0 / cv.pitch;
    for (int64_t o = 0; o < cv.cout; ++o) {
      const T* crow = c_img + o * ldc;
      int64_t b = b0 + i_first / cv.oh;
      int64_t row = i_first % cv.oh;
      for (int64_t i = i_first; i * cv.pitch < n1 && b < cv.batch; ++i) {
        const int64_t ja = std::max<int64_t>(0, n0 - i * cv.pitch);
        const int64_t jb = std::min(cv.ow, n1 - i * cv.pitch);
        const T* src = crow + i * cv.pitch;
        T* dst =
            cv.out_data + b * cv.out.strides[0] + o * cv.out.strides[1] + row * cv.out.strides[2];
        if (os3 == 1) {
          for (int64_t j = ja; j < jb; ++j)
            dst[j] = src[j];
        } else {
          for (int64_t j = ja; j < jb; ++j)
            dst[j * os3] = src[j];
        }
        if (++row == cv.oh) {
          row = 0;
          ++b;
        }
      }
    }
  };

  // Room past the last channel for the reads of discarded columns.
  const std::size_t image_elems = static_cast<std::size_t>(cv.cin * stride + cv.pitch + nr);
  const std::size_t c_elems = static_cast<std::size_t>(m_panels * mr * ldc);
  const int64_t buffers = ceil_div(cv.batch, group);
  const int64_t work = cv.cout * cols * k;
  parallel_for(0, buffers, std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, work)),
               [&](int64_t g0, int64_t g1) {
                 Scratch<T> image(image_elems);
                 Scratch<T> c_img(c_elems);
                 for (int64_t g = g0; g < g1; ++g) {
                   const int64_t b0 = g * group;
                   for (int64_t gi = 0; gi < group; ++gi) {
                     if (b0 + gi < cv.batch) {
                       cv.pad_planes_of(b0 + gi, image.data() + gi * cv.plane, stride);
                     } else {
                       for (int64_t c = 0; c < cv.cin; ++c)
                         std::fill_n(image.data() + c * stride + gi * cv.plane, cv.plane, T(0));
                     }
                   }
                   std::fill(image.data() + cv.cin * stride, image.data() + image_elems, T(0));
                   compute(b0, image.data(), c_img.data(), 0, n_panels);
                 }
               });
}

// ---- folded: pixels as rows, for tiny outputs -------------------------------

// dst[p * ld + r] = rows[r][p] for r < nrows, p < len (rows of any address).
template <class T>
void transpose_runs(T* dst, int64_t ld, const T* const* rows, int64_t nrows, int64_t len) {
  constexpr int64_t kStep = 64 / sizeof(T);
  T tile[kMaxTileEdge][kStep];
  for (int64_t p0 = 0; p0 < len; p0 += kStep) {
    const int64_t pl = std::min(kStep, len - p0);
    if (pl == kStep) {
      // Fixed length: vector moves, not a call per row.
      for (int64_t r = 0; r < nrows; ++r)
        for (int64_t q = 0; q < kStep; ++q)
          tile[r][q] = rows[r][p0 + q];
      for (int64_t q = 0; q < kStep; ++q)
        for (int64_t r = 0; r < nrows; ++r)
          dst[(p0 + q) * ld + r] = tile[r][q];
      continue;
    }
    for (int64_t r = 0; r < nrows; ++r)
      for (int64_t q = 0; q < pl; ++q)
        tile[r][q] = rows[r][p0 + q];
    for (int64_t q = 0; q < pl; ++q)
      for (int64_t r = 0; r < nrows; ++r)
        dst[(p0 + q) * ld + r] = tile[r][q];
  }
}

// run[p] = how many taps from p on have offsets rising by exactly 1.
inline void unit_runs(const int64_t* off, int64_t k, int64_t* run) {
  for (int64_t p = k - 1; p >= 0; --p)
    run[p] = (p + 1 < k && off[p + 1] == off[p] + 1) ? run[p + 1] + 1 : 1;
}

template <class T>
void conv_folded(const Conv<T>& cv) {
  const int nr = gemm_kernel<T>().nr;
  const int64_t k = cv.k();
  const int64_t pixels = cv.oh * cv.ow;
  const int64_t m = cv.batch * pixels;
  const int64_t n = cv.cout;

  Scratch<T> images(static_cast<std::size_t>(cv.image * cv.batch));
  parallel_for(0, cv.batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      cv.pad_image(b, images.data() + b * cv.image);
  });
  Scratch<int64_t> tap_run(static_cast<std::size_t>(std::max<int64_t>(1, k)));
  Scratch<int64_t> w_run(static_cast<std::size_t>(std::max<int64_t>(1, k)));
  unit_runs(cv.tap.data(), k, tap_run.data());
  unit_runs(cv.weight_off.data(), k, w_run.data());

  // A(row = (b, i, j), tap p) = image_b[i * pitch + j + tap[p]].
  auto pack_x = [&](T* dst, int64_t i0, int64_t rows, int64_t p0, int64_t kc, int mr) {
    for (int64_t ip = 0; ip < rows; ip += mr) {
      T* panel = dst + (ip / mr) * mr * kc;
      const int64_t pr = std::min<int64_t>(mr, rows - ip);
      const T* base[kMaxTileEdge];
      for (int64_t r = 0; r < pr; ++r) {
        const int64_t row = i0 + ip + r;
        const int64_t b = row / pixels;
        const int64_t pix = row % pixels;
        base[r] = images.data() + b * cv.image + (pix / cv.ow) * cv.pitch + pix % cv.ow;
      }
      for (int64_t p = p0; p < p0 + kc;) {
        const int64_t len = std::min(tap_run[static_cast<std::size_t>(p)], p0 + kc - p);
        const T* src[kMaxTileEdge];
        for (int64_t r = 0; r < pr; ++r)
          src[r] = base[r] + cv.tap[static_cast<std::size_t>(p)];
        transpose_runs(panel + (p - p0) * mr, mr, src, pr, len);
        p += len;
      }
      for (int64_t r = pr; r < mr; ++r)
        for (int64_t p = 0; p < kc; ++p)
          panel[p * mr + r] = T(0);
    }
  };
  // B(tap p, o) = w[o][weight_off[p]].
  auto pack_w = [&](T* dst, int64_t j0, int64_t ncols, int64_t p0, int64_t kc) {
    const T* base[kMaxTileEdge];
    for (int64_t c = 0; c < ncols; ++c)
      base[c] = cv.w_data + (j0 + c) * cv.w.strides[0];
    for (int64_t p = p0; p < p0 + kc;) {
      const int64_t len = std::min(w_run[static_cast<std::size_t>(p)], p0 + kc - p);
      const T* src[kMaxTileEdge];
      for (int64_t c = 0; c < ncols; ++c)
        src[c] = base[c] + cv.weight_off[static_cast<std::size_t>(p)];
      transpose_runs(dst + (p - p0) * nr, nr, src, ncols, len);
      p += len;
    }
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t c = ncols; c < nr; ++c)
        dst[p * nr + c] = T(0);
  };

  Scratch<T> result(static_cast<std::size_t>(m * n));
  gemm_blocked<T>(m, n, k, pack_x, pack_w, OutMatrix<T>{result.data(), n, 1},
                  thread_count() > 1 && m * n * k >= (int64_t{1} << 18));
  for (int64_t row = 0; row < m; ++row) {
    const int64_t b = row / pixels;
    const int64_t pix = row % pixels;
    T* dst = cv.out_data + b * cv.out.strides[0] + (pix / cv.ow) * cv.out.strides[2] +
             (pix % cv.ow) * cv.out.strides[3];
    for (int64_t o = 0; o < n; ++o)
      dst[o * cv.out.strides[1]] = result[static_cast<std::size_t>(row * n + o)];
  }
}

// ---- dot: tiny outputs with long kernel rows ---------------------------------

// out[b, o, i, j] = sum_{c, ki} <w[o, c, ki, :], image_b[c, i + ki, j : j + kw]>:
// both sides are contiguous along kj, so each output is a dot product of
// vectors (weight rows zero-padded to a multiple of the vector length, the
// image's lanes past kw masked off) and nothing is packed. Forward only.
template <class T>
void conv_dot(const Conv<T>& cv, int64_t kwp) {
  const DotKernel<T>& dk = dot_kernel<T>();
  const int64_t rows = cv.cin * cv.kh;
  const int64_t o_blocks = ceil_div(cv.cout, dk.mo);
  const int64_t pixels = cv.oh * cv.ow;
  const int64_t p_blocks = ceil_div(pixels, dk.mp);

  // Weights as (o, r = (c, ki), kwp) with zeros past kw and past cout.
  Scratch<T> wpad(static_cast<std::size_t>(o_blocks * dk.mo * rows * kwp));
  parallel_for(0, o_blocks * dk.mo, 1, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      T* dst = wpad.data() + o * rows * kwp;
      std::fill_n(dst, rows * kwp, T(0));
      if (o >= cv.cout)
        continue;
      for (int64_t c = 0; c < cv.cin; ++c)
        for (int64_t ki = 0; ki < cv.kh; ++ki) {
          const T* src =
              cv.w_data + o * cv.w.strides[0] + c * cv.w.strides[1] + ki * cv.w.strides[2];
          T* row = dst + (c * cv.kh + ki) * kwp;
          for (int64_t kj = 0; kj < cv.kw; ++kj)
            row[kj] = src[kj * cv.w.strides[3]];
        }
    }
  });
  Scratch<int64_t> x_off(static_cast<std::size_t>(rows));
  for (int64_t c = 0; c < cv.cin; ++c)
    for (int64_t ki = 0; ki < cv.kh; ++ki)
      x_off[static_cast<std::size_t>(c * cv.kh + ki)] = c * cv.plane + ki * cv.pitch;
  Scratch<T> images(static_cast<std::size_t>(cv.image * cv.batch));
  parallel_for(0, cv.batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      cv.pad_image(b, images.data() + b * cv.image);
  });

  // Tasks: (block of mo weight rows, group of images). Within a task the
  // (c, ki) rows go in chunks whose weights (mo x chunk x kwp) stay in L2
  // while every image of the group and every pixel uses them; the chunk
  // results are summed in chunk order (a shape-only order).
  const int64_t chunk_rows =
      std::max<int64_t>(1, (int64_t{512} << 10) / (dk.mo * kwp * static_cast<int64_t>(sizeof(T))));
  const int64_t group = std::min<int64_t>(cv.batch, 8);
  const int64_t groups = ceil_div(cv.batch, group);
  const int64_t work = rows * kwp * dk.mo * pixels * group;  // multiply-adds per task
  parallel_for(
      0, o_blocks * groups, std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, work)),
      [&](int64_t t0, int64_t t1) {
        Scratch<T> sums(static_cast<std::size_t>(group * p_blocks * dk.mo * dk.mp));
        T result[kMaxTileElements];
        int64_t px[kMaxTileEdge];
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t ob = t / groups;
          const int64_t o0 = ob * dk.mo;
          const int64_t b0 = (t % groups) * group;
          const int64_t nb = std::min(group, cv.batch - b0);
          for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
            const int64_t nrows = std::min(chunk_rows, rows - r0);
            for (int64_t bi = 0; bi < nb; ++bi)
              for (int64_t pb = 0; pb < p_blocks; ++pb) {
                for (int q = 0; q < dk.mp; ++q) {
                  // Past the last pixel, repeat it (its results are dropped).
                  const int64_t pix = std::min(pb * dk.mp + q, pixels - 1);
                  px[q] = (pix / cv.ow) * cv.pitch + pix % cv.ow;
                }
                dk.run(nrows, kwp / dk.vl, cv.kw - (kwp - dk.vl),
                       wpad.data() + o0 * rows * kwp + r0 * kwp, kwp, rows * kwp,
                       images.data() + (b0 + bi) * cv.image, x_off.data() + r0, px, result);
                T* dst = sums.data() + (bi * p_blocks + pb) * dk.mo * dk.mp;
                for (int e = 0; e < dk.mo * dk.mp; ++e)
                  dst[e] = r0 == 0 ? result[e] : dst[e] + result[e];
              }
          }
          for (int64_t bi = 0; bi < nb; ++bi)
            for (int64_t o = o0; o < std::min(cv.cout, o0 + dk.mo); ++o)
              for (int64_t pix = 0; pix < pixels; ++pix) {
                const int64_t pb = pix / dk.mp;
                cv.out_data[(b0 + bi) * cv.out.strides[0] + o * cv.out.strides[1] +
                            (pix / cv.ow) * cv.out.strides[2] + (pix % cv.ow) * cv.out.strides[3]] =
                    sums[static_cast<std::size_t>(
                        ((bi * p_blocks + pb) * dk.mo + (o - o0)) * dk.mp + pix % dk.mp)];
              }
        }
      });
}

// ---- shifted: tiny outputs, kernels about the image's size -------------------

// Packs `count` (<= kMaxTileEdge) operands straight from their strided
// views, as pad_planes would lay them out, transposed into a GEMM panel:
// dst[(p - p0) * ld + i] = flat element p of operand i, for p in [p0, p0 +
// depth), where operand i's flat element c * ph * pitch + r * pitch + col is
// src[i * is + c * cs + r * rs + col * ws] for c < planes, r < rows, col <
// cols, and 0 elsewhere (also past the last plane). Columns count..ld are
// left alone. One pass instead of pad_planes and a transpose of its copy.
template <class T>
void pack_planes(T* dst, int64_t ld, const T* src, int64_t is, int64_t cs, int64_t rs, int64_t ws,
                 int64_t rows, int64_t cols, int64_t planes, int64_t ph, int64_t pitch,
                 int64_t count, int64_t p0, int64_t depth) {
  const int64_t plane = ph * pitch;
  const int64_t end = p0 + depth;
  for (int64_t p = p0; p < end;) {
    const int64_t c = p / plane;
    const int64_t r = (p % plane) / pitch;
    const int64_t col = p % pitch;
    const int64_t run = std::min(pitch - col, end - p);
    T* d = dst + (p - p0) * ld;
    int64_t valid = 0;
    if (c < planes && r < rows && col < cols) {
      valid = std::min(run, cols - col);
      const T* base = src + c * cs + r * rs + col * ws;
      if (ws == 1) {
        const T* from[kMaxTileEdge];
        for (int64_t i = 0; i < count; ++i)
          from[i] = base + i * is;
        transpose_runs(d, ld, from, count, valid);
      } else {
        for (int64_t q = 0; q < valid; ++q)
          for (int64_t i = 0; i < count; ++i)
            d[q * ld + i] = base[i * is + q * ws];
      }
    }
    for (int64_t q = valid; q < run; ++q)
      for (int64_t i = 0; i < count; ++i)
        d[q * ld + i] = T(0);
    p += run;
  }
}

// The weight-gradient call (out a few pixels, "kernel" nearly the image)
// over one flat k. With the input and the weight both zero-padded to planes
// of ph = oh + kh - 1 rows by pitch = ow + kw - 1,
//   out[n, o, a, b] = sum_k wpad[o][k] * xpad[n][k + a * pitch + b]
// for k over all cin planes (a weight term never leaves its padded row), so
// output pixel s = (a, b) pairs W with the same X shifted by shift[s]. The
// padded weight terms multiply zeros with input values, so the caller
// checks that the input is finite. Forward only.
template <class T>
struct Flat {
  int64_t kflat;    // cin padded planes
  int64_t kstride;  // row length of wpad: kflat rounded up to whole vectors, zeros past kflat
  int64_t img;      // length of one padded image: room for k + shift + a vector
  int64_t pixels;
  Scratch<int64_t> shift;
  Scratch<T> wpad;    // weight_rows x kstride, zero rows past cout
  Scratch<T> images;  // batch x img
  bool finite_weights = true;
  bool finite_input = true;
  bool weights_padded = true;  // else the GEMM packs them from the view

  // vl: the dot kernel's vector length; weight_rows >= cout. Only batch
  // entries from `first_image` on are padded into `images`, and the weights
  // into `wpad` only with `pad_weights` (the GEMM packs the rest straight
  // from the views with pack_planes); the rest are only checked.
  Flat(const Conv<T>& cv, int64_t vl, int64_t weight_rows, bool pad_weights = true,
       int64_t first_image = 0)
      : kflat(cv.cin * cv.plane),
        kstride(ceil_div(kflat, vl) * vl),
        img(ceil_div(kstride + (cv.oh - 1) * cv.pitch + cv.ow + vl, 16) * 16),
        pixels(cv.oh * cv.ow),
        shift(static_cast<std::size_t>(pixels)),
        wpad(static_cast<std::size_t>(pad_weights ? weight_rows * kstride : 1)),
        images(static_cast<std::size_t>(std::max<int64_t>(1, cv.batch * img))),
        weights_padded(pad_weights) {
    for (int64_t s = 0; s < pixels; ++s)
      shift[static_cast<std::size_t>(s)] = (s / cv.ow) * cv.pitch + s % cv.ow;
    if (pad_weights)
      std::fill(wpad.data() + cv.cout * kstride, wpad.data() + wpad.size(), T(0));
    Scratch<unsigned char> finite(static_cast<std::size_t>(cv.cout + cv.batch));
    parallel_for(0, cv.cout + cv.batch, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        bool ok;
        if (r < cv.cout) {
          const T* src = cv.w_data + r * cv.w.strides[0];
          ok = pad_weights
                   ? pad_planes(wpad.data() + r * kstride, src, cv.w.strides[1], cv.w.strides[2],
                                cv.w.strides[3], cv.kh, cv.kw, cv.cin, cv.ph, cv.pitch, kstride)
                   : finite_planes(src, cv.w.strides[1], cv.w.strides[2], cv.w.strides[3], cv.kh,
                                   cv.kw, cv.cin);
        } else {
          const int64_t b = r - cv.cout;
          const T* src = cv.in_data + b * cv.in.strides[0];
          ok = b >= first_image
                   ? pad_planes(images.data() + b * img, src, cv.in.strides[1], cv.in.strides[2],
                                cv.in.strides[3], cv.h, cv.wd, cv.cin, cv.ph, cv.pitch, img)
                   : finite_planes(src, cv.in.strides[1], cv.in.strides[2], cv.in.strides[3], cv.h,
                                   cv.wd, cv.cin);
        }
        finite[static_cast<std::size_t>(r)] = ok ? 1 : 0;
      }
    });
    for (int64_t r = 0; r < cv.cout + cv.batch; ++r)
      if (!finite[static_cast<std::size_t>(r)])
        (r < cv.cout ? finite_weights : finite_input) = false;
  }
};

// The shape-only chunk length of the flat k (a multiple of `unit`) whose
// partial products are summed in chunk order, so that results do not
// depend on the thread count.
inline int64_t flat_chunk(int64_t kflat, int64_t unit, int64_t min_len) {
  return std::max(min_len, ceil_div(ceil_div(kflat, 16), unit) * unit);
}

// Many channels on both sides: per pixel the GEMM W (cout x k) * X (k x
// batch). X is packed once per k slice over kc + max shift rows; pixel s
// only moves the panel pointer down by shift[s] rows. The batch entries
// past the last whole nr panel would leave most of a panel idle at every
// pixel (100 = 3 x 32 + 4), so they go instead into "tail" panels whose
// columns are (entry, pixel) pairs, packed with the shift applied.
template <class T>
void conv_flat_gemm(const Conv<T>& cv, const Flat<T>& f) {
  const GemmKernel<T>& kern = gemm_kernel<T>();
  const Tile<T>& tile = kern.tile_for(cv.cout);
  const int64_t mr = tile.mr;
  const int64_t nr = kern.nr;
  const int64_t n = cv.batch;
  const int64_t smax = f.shift[static_cast<std::size_t>(f.pixels - 1)];
  const int64_t m_panels = ceil_div(cv.cout, mr);
  const int64_t mp = m_panels * mr;
  // Shifted panels (batch entries q * nr ...) and tail panels ((entry,
  // pixel) columns of the entries from n_shifted on), when these are fewer.
  const int64_t tail_n = n % nr;
  const bool use_tail = tail_n > 0 && ceil_div(tail_n * f.pixels, nr) < f.pixels;
  const int64_t s_panels = use_tail ? n / nr : ceil_div(n, nr);
  const int64_t n_shifted = use_tail ? n - tail_n : n;
  const int64_t tail_cols = use_tail ? tail_n * f.pixels : 0;
  const int64_t t_panels = ceil_div(tail_cols, nr);
  const int64_t s_tiles = f.pixels * s_panels;  // tile (s, q) = pixel s, shifted panel q
  const int64_t tiles = s_tiles + t_panels;
  // The k range splits into `chunks` near-equal chunks (a shape-only count,
  // so the chunk sums and results do not depend on the thread count), each
  // into `slices` near-equal slices, deeper than a plain GEMM's: each packs
  // kc + smax rows of X.
  const int64_t kc_max = std::min(f.kflat, 2 * kern.kc);
  const int64_t chunks = std::clamp<int64_t>(f.kflat / kc_max, 1, 8);
  const int64_t chunk = ceil_div(f.kflat, chunks);
  const int64_t slices = ceil_div(chunk, kc_max);
  // Slice i of chunk ch: [first, first + depth).
  auto slice_at = [&](int64_t ch, int64_t i, int64_t& first, int64_t& depth) {
    const int64_t k0 = ch * chunk;
    const int64_t len = std::min(chunk, f.kflat - k0);
    first = k0 + i * len / slices;
    depth = k0 + (i + 1) * len / slices - first;
  };
  const int threads = thread_count();
  // Few chunks: split the weight rows too, and pack X once for all groups.
  const int64_t m_groups =
      threads > 1 && chunks < 2 * threads ? std::min<int64_t>(m_panels, 2 * threads) : 1;
  const std::size_t c_elems = static_cast<std::size_t>(tiles * mp * nr);
  Scratch<T> partial(c_elems * static_cast<std::size_t>(chunks));
  // One slice of X: the shifted panels over kc + smax rows, then the tail
  // panels over kc rows.
  const int64_t panel_elems = nr * (kc_max + smax);
  const int64_t slice_elems = s_panels * panel_elems + t_panels * nr * kc_max;
  auto pack_x = [&](T* dst, int64_t pc, int64_t kc) {
    for (int64_t q = 0; q < s_panels; ++q) {
      T* panel = dst + q * panel_elems;
      const int64_t count = std::min(nr, n - q * nr);
      if (f.weights_padded) {  // then the images are padded too
        pack_b_panel_strided(panel, StridedMatrix<T>{f.images.data(), 1, f.img}, q * nr, count, pc,
                             kc + smax, static_cast<int>(nr));
        continue;
      }
      pack_planes(panel, nr, cv.in_data + q * nr * cv.in.strides[0], cv.in.strides[0],
                  cv.in.strides[1], cv.in.strides[2], cv.in.strides[3], cv.h, cv.wd, cv.cin, cv.ph,
                  cv.pitch, count, pc, kc + smax);
      for (int64_t p = 0; p < kc + smax; ++p)
        std::fill(panel + p * nr + count, panel + (p + 1) * nr, T(0));
    }
    T* tail = dst + s_panels * panel_elems;
    for (int64_t t = 0; t < t_panels; ++t) {
      const int64_t cols = std::min(nr, tail_cols - t * nr);
      const T* rows[kMaxTileEdge];
      for (int64_t c = 0; c < cols; ++c) {
        const int64_t col = t * nr + c;
        rows[c] = f.images.data() + (n_shifted + col / f.pixels) * f.img + pc +
                  f.shift[static_cast<std::size_t>(col % f.pixels)];
      }
      T* panel = tail + t * nr * kc_max;
      transpose_runs(panel, nr, rows, cols, kc);
      for (int64_t p = 0; p < kc; ++p)
        std::fill(panel + p * nr + cols, panel + (p + 1) * nr, T(0));
    }
  };
  Scratch<T> x_shared(static_cast<std::size_t>(m_groups > 1 ? chunks * slices * slice_elems : 1));
  if (m_groups > 1)
    parallel_for(0, chunks * slices, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        int64_t pc, kc;
        slice_at(i / slices, i % slices, pc, kc);
        pack_x(x_shared.data() + i * slice_elems, pc, kc);
      }
    });

  parallel_tasks(chunks * m_groups, [&](int64_t id) {
    const int64_t ch = id / m_groups;
    const int64_t g = id % m_groups;
    const int64_t q0 = g * m_panels / m_groups;
    const int64_t q1 = (g + 1) * m_panels / m_groups;
    Scratch<T> a_pack(static_cast<std::size_t>((q1 - q0) * mr * kc_max));
    Scratch<T> b_own(static_cast<std::size_t>(m_groups > 1 ? 1 : slice_elems));
    T* c_part = partial.data() + static_cast<std::size_t>(ch) * c_elems;
    for (int64_t i = 0; i < slices; ++i) {
      int64_t pc, kc;
      slice_at(ch, i, pc, kc);
      if (kc <= 0)
        continue;
      if (f.weights_padded)
        pack_a_strided(a_pack.data(), StridedMatrix<T>{f.wpad.data(), f.kstride, 1}, q0 * mr,
                       std::min(cv.cout, q1 * mr) - q0 * mr, pc, kc, static_cast<int>(mr));
      for (int64_t ip = q0; ip < q1 && !f.weights_padded; ++ip) {
        T* panel = a_pack.data() + (ip - q0) * mr * kc;
        const int64_t count = std::min(mr, cv.cout - ip * mr);
        pack_planes(panel, mr, cv.w_data + ip * mr * cv.w.strides[0], cv.w.strides[0],
                    cv.w.strides[1], cv.w.strides[2], cv.w.strides[3], cv.kh, cv.kw, cv.cin, cv.ph,
                    cv.pitch, count, pc, kc);
        for (int64_t p = 0; p < kc; ++p)
          std::fill(panel + p * mr + count, panel + (p + 1) * mr, T(0));
      }
      const T* b_pack = x_shared.data() + (ch * slices + i) * slice_elems;
      if (m_groups == 1) {
        pack_x(b_own.data(), pc, kc);
        b_pack = b_own.data();
      }
      const int accumulate = i > 0 ? 1 : 0;
      for (int64_t t = 0; t < tiles; ++t) {
        const T* bq = t < s_tiles ? b_pack + (t % s_panels) * panel_elems +
                                        f.shift[static_cast<std::size_t>(t / s_panels)] * nr
                                  : b_pack + s_panels * panel_elems + (t - s_tiles) * nr * kc_max;
        for (int64_t ip = q0; ip < q1; ++ip)
          tile.micro(kc, a_pack.data() + (ip - q0) * mr * kc, bq, nullptr,
                     c_part + (t * mp + ip * mr) * nr, nr, accumulate);
      }
    }
  });

  // Sum the chunks in chunk order (a vector pass per chunk), then scatter
  // into out (tile column -> batch entry, pixel).
  for (int64_t ch = 1; ch < chunks; ++ch) {
    const T* src = partial.data() + static_cast<std::size_t>(ch) * c_elems;
    T* acc = partial.data();
    for (std::size_t e = 0; e < c_elems; ++e)
      acc[e] += src[e];
  }
  for (int64_t t = 0; t < tiles; ++t) {
    for (int64_t jj = 0; jj < nr; ++jj) {
      int64_t nb, s;
      if (t < s_tiles) {
        nb = (t % s_panels) * nr + jj;
        s = t / s_panels;
        if (nb >= n)
          continue;
      } else {
        const int64_t col = (t - s_tiles) * nr + jj;
        if (col >= tail_cols)
          continue;
        nb = n_shifted + col / f.pixels;
        s = col % f.pixels;
      }
      T* dst = cv.out_data + nb * cv.out.strides[0] + (s / cv.ow) * cv.out.strides[2] +
               (s % cv.ow) * cv.out.strides[3];
      for (int64_t o = 0; o < cv.cout; ++o)
        dst[o * cv.out.strides[1]] = partial[static_cast<std::size_t>((t * mp + o) * nr + jj)];
    }
  }
}

// Few channels (LeNet's layers): every output is a dot product of two
// contiguous vectors along the flat k, nothing packed. The k chunks are
// L1-sized so a task's weight rows and images stay in L1 while every pixel
// block uses them.
template <class T>
void conv_flat_dot(const Conv<T>& cv, const Flat<T>& f) {
  // f's weight rows are padded for the wide kernel, so enough for either.
  const DotKernel<T>& dk =
      cv.cout <= dot_kernel_narrow<T>().mo ? dot_kernel_narrow<T>() : dot_kernel<T>();
  const int64_t o_blocks = ceil_div(cv.cout, dk.mo);
  const int64_t columns = cv.batch * f.pixels;  // column j = (batch entry j / pixels, pixel)
  const int64_t p_blocks = ceil_div(columns, dk.mp);
  const int64_t chunk = flat_chunk(f.kflat, dk.vl, 1024);
  const int64_t chunks = ceil_div(f.kflat, chunk);
  // Tasks: (weight block, group of pixel blocks), about 2 per thread.
  const int64_t groups = std::min<int64_t>(p_blocks, ceil_div(2 * thread_count(), o_blocks));
  const int64_t block = dk.mo * dk.mp;
  Scratch<T> sums(static_cast<std::size_t>(o_blocks * p_blocks * block));
  const int64_t zero_off = 0;
  parallel_tasks(o_blocks * groups, [&](int64_t id) {
    const int64_t ob = id / groups;
    const int64_t g = id % groups;
    const int64_t pb0 = g * p_blocks / groups;
    const int64_t pb1 = (g + 1) * p_blocks / groups;
    const T* a = f.wpad.data() + ob * dk.mo * f.kstride;
    T result[kMaxTileElements];
    int64_t px[kMaxTileEdge];
    for (int64_t ch = 0; ch < chunks; ++ch) {
      const int64_t k0 = ch * chunk;
      const int64_t len = std::min(chunk, f.kflat - k0);
      const int64_t nvec = ceil_div(len, dk.vl);
      for (int64_t pb = pb0; pb < pb1; ++pb) {
        for (int q = 0; q < dk.mp; ++q) {
          const int64_t j = std::min(pb * dk.mp + q, columns - 1);
          px[q] = (j / f.pixels) * f.img + f.shift[static_cast<std::size_t>(j % f.pixels)] + k0;
        }
        dk.run(1, nvec, len - (nvec - 1) * dk.vl, a + k0, 0, f.kstride, f.images.data(), &zero_off,
               px, result);
        T* dst = sums.data() + (ob * p_blocks + pb) * block;
        for (int64_t e = 0; e < block; ++e)
          dst[e] = ch == 0 ? result[e] : dst[e] + result[e];
      }
    }
  });
  for (int64_t ob = 0; ob < o_blocks; ++ob)
    for (int64_t pb = 0; pb < p_blocks; ++pb)
      for (int64_t q = 0; q < dk.mp && pb * dk.mp + q < columns; ++q) {
        const int64_t j = pb * dk.mp + q;
        const int64_t nb = j / f.pixels;
        const int64_t s = j % f.pixels;
        T* dst = cv.out_data + nb * cv.out.strides[0] + (s / cv.ow) * cv.out.strides[2] +
                 (s % cv.ow) * cv.out.strides[3];
        for (int64_t o = ob * dk.mo; o < std::min(cv.cout, ob * dk.mo + dk.mo); ++o)
          dst[o * cv.out.strides[1]] = sums[static_cast<std::size_t>((ob * p_blocks + pb) * block +
                                                                     (o - ob * dk.mo) * dk.mp + q)];
      }
}

// ---- exact: the definition's loops -------------------------------------------

// Used only when the weights hold inf or NaN. The definition skips
// out-of-range input terms, while the forms above multiply the weight by a
// zero standing in for the input (inf * 0 = NaN); everything else about
// their results is the same.
template <class T>
void conv_exact(const Geometry& og, T* out, const Geometry& ig, const T* in, const Geometry& wg,
                const T* w, bool reverse) {
  const int64_t cout = og.shape[1];
  const int64_t sign = reverse ? -1 : 1;
  parallel_for(0, og.shape[0] * cout, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / cout;
      const int64_t o = t % cout;
      for (int64_t i = 0; i < og.shape[2]; ++i)
        for (int64_t j = 0; j < og.shape[3]; ++j) {
          T acc = T(0);
          for (int64_t c = 0; c < ig.shape[1]; ++c)
            for (int64_t ki = 0; ki < wg.shape[2]; ++ki) {
              const int64_t si = i + sign * ki;
              if (si < 0 || si >= ig.shape[2])
                continue;
              for (int64_t kj = 0; kj < wg.shape[3]; ++kj) {
                const int64_t sj = j + sign * kj;
                if (sj < 0 || sj >= ig.shape[3])
                  continue;
                acc += in[b * ig.strides[0] + c * ig.strides[1] + si * ig.strides[2] +
                          sj * ig.strides[3]] *
                       w[o * wg.strides[0] + c * wg.strides[1] + ki * wg.strides[2] +
                         kj * wg.strides[3]];
              }
            }
          out[b * og.strides[0] + o * og.strides[1] + i * og.strides[2] + j * og.strides[3]] = acc;
        }
    }
  });
}

template <class T>
bool all_finite(const Geometry& g, const T* data) {
  // v - v is 0 for a finite v and NaN for inf or NaN; the loop has no
  // dependency chain, so it vectorises (this runs over whole inputs).
  int bad = 0;
  for (int64_t a = 0; a < g.shape[0]; ++a)
    for (int64_t b = 0; b < g.shape[1]; ++b)
      for (int64_t c = 0; c < g.shape[2]; ++c) {
        const T* row = data + a * g.strides[0] + b * g.strides[1] + c * g.strides[2];
        if (g.strides[3] == 1) {
          for (int64_t d = 0; d < g.shape[3]; ++d)
            bad |= (row[d] - row[d]) != T(0);
        } else {
          for (int64_t d = 0; d < g.shape[3]; ++d)
            bad |= (row[d * g.strides[3]] - row[d * g.strides[3]]) != T(0);
        }
        if (bad)
          return false;
      }
  return true;
}

template <class T>
void conv_typed(const Geometry& og, T* out, const Geometry& ig, const T* in, const Geometry& wg,
                const T* w, bool reverse) {
  // Mostly zeros in `in` or `weight` (the gradients behind a max-pool):
  // scattered non-zeros instead of the dense forms (conv_sparse.cpp).
  if (conv_sparse<T>({og.shape, og.strides}, out, {ig.shape, ig.strides}, in,
                     {wg.shape, wg.strides}, w, reverse))
    return;
  const int nr = gemm_kernel<T>().nr;
  const int64_t kh = wg.shape[2];
  const int64_t kw = wg.shape[3];
  const int64_t oh = og.shape[2];
  const int64_t ow = og.shape[3];
  // The direct form computes pitch - ow discarded columns per output row;
  // worth it while they are at most a third (5x5 on 12x12: 4 of 16), and
  // there are whole panels.
  const bool direct = 2 * (kw - 1) <= ow && oh * (ow + kw - 1) >= nr;
  // Tiny outputs with kernels about the image's size (the weight gradient):
  // flat padded planes, while padding adds at most half. Their padding pass
  // checks both operands for inf and NaN on the way.
  if (!direct && !reverse && oh * ow <= 64 && 2 * (oh + kh - 1) * (ow + kw - 1) <= 3 * kh * kw) {
    const Conv<T> cv(og, out, ig, in, wg, w, reverse, ow + kw - 1, nr, false);
    const DotKernel<T>& dk = dot_kernel<T>();
    // The GEMM while its tiles are at least half used.
    const int64_t mr = gemm_kernel<T>().tile_for(cv.cout).mr;
    const bool gemm =
        2 * cv.cout * cv.batch >= ceil_div(cv.cout, mr) * mr * ceil_div(cv.batch, nr) * nr;
    // Packing from the views pays on long rows (IMDB's 200), not on short
    // ones (56: transposing short runs costs more than padding first).
    const bool from_views = gemm && cv.kw >= 128 && cv.wd >= 128;
    const Flat<T> f(cv, dk.vl, ceil_div(cv.cout, dk.mo) * dk.mo, !from_views,
                    from_views ? cv.batch - cv.batch % nr : 0);
    if (!f.finite_weights) {
      conv_exact(og, out, ig, in, wg, w, reverse);
      return;
    }
    if (f.finite_input) {
      if (gemm)
        conv_flat_gemm(cv, f);
      else
        conv_flat_dot(cv, f);
      return;
    }
    // An inf or NaN input: the forms below multiply only weights by padding.
  } else if (!all_finite(wg, w)) {
    conv_exact(og, out, ig, in, wg, w, reverse);
    return;
  }
  if (direct) {
    const Conv<T> cv(og, out, ig, in, wg, w, reverse, ow + kw - 1, nr);
    const int64_t threads = thread_count();
    const int64_t group =
        cv.ph == 1 && cv.batch >= 2 * threads ? std::min<int64_t>(8, cv.batch / (2 * threads)) : 1;
    if (group > 1)
      conv_direct_grouped(cv, group);
    else
      conv_direct(cv);
    return;
  }
  // Tiny outputs: dot products when the kernel rows fill vectors.
  const int vl = dot_kernel<T>().vl;
  if (!reverse && kw >= vl && oh * ow <= 64) {
    const int64_t kwp = ceil_div(kw, vl) * vl;
    conv_dot(Conv<T>(og, out, ig, in, wg, w, reverse, ow - 1 + kwp, nr), kwp);
    return;
  }
  conv_folded(Conv<T>(og, out, ig, in, wg, w, reverse, ow + kw - 1, nr));
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
