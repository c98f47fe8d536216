// conv_sparse.cpp — the sparse-operand convolution. The gradient that reaches
// a conv through max-pooling has one non-zero per pooled row, so both
// backward convs (the input gradient: a reverse conv with the gradient as
// `in`; the weight gradient: a forward conv with the permuted gradient as
// `weight`) are mostly multiplications by zero. Here each non-zero is
// scattered instead:
//   * sparse `in`: in[b, c, si, sj] = v adds v * w[:, c, ki, kj] to
//     out[b, :, i, j] for every tap that maps (si, sj) to an output (i, j);
//     the weights are packed (c, ki, kj, o) so that add runs along o;
//   * sparse `weight`: w[o, c, ki, kj] = v adds v * in[:, c, si, sj] to
//     out[:, o, i, j] for every output pixel (i, j) the tap reaches; the
//     input is packed (c, h, w, n) so that add runs along n.
// Accumulators are per task and disjoint (batch entries and output rows, or
// output channels), and every output element receives its terms in the order
// of the non-zeros (index order of the sparse operand), so results do not
// depend on the thread count. Not here: the dense forms (conv.cpp).
#include "conv_sparse.hpp"

#include "memory.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace mt::par {

namespace {

struct View4 {
  int64_t shape[4];
  int64_t strides[4];
  int64_t count() const { return shape[0] * shape[1] * shape[2] * shape[3]; }
  int64_t at(int64_t a, int64_t b, int64_t c, int64_t d) const {
    return a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3];
  }
};

View4 copy_of(const ConvOperand& g) {
  View4 v{};
  for (int d = 0; d < 4; ++d) {
    v.shape[d] = g.shape[d];
    v.strides[d] = g.strides[d];
  }
  return v;
}

// ---- cut-off --------------------------------------------------------------------

// The scatter's cost in units of the dense GEMM's multiply-add, fitted to
// timings of both forms at several densities (the IMDB Kim CNN's backward
// B32 100->100 k5 W200, the sentiment lab shape B10 50->100 k3 W52, LeNet's
// convs; plugins/parallel/README.md, "Sparse operands"): kScatterCost per
// scattered multiply-add, each scatter row rounded up to kLanes (a vector
// of f32), plus kPassCost per element of the operands and the output (the
// scans, the packing of the dense operand, the accumulators).
constexpr double kScatterCost = 10.0;
constexpr double kPassCost = 30.0;
constexpr int64_t kLanes = 16;

// The most non-zeros the sparse operand may hold for the scatter to pay, or
// -1 when even none would not (small problems: no scan at all).
int64_t nonzero_limit(double dense_macs, double elements, double taps_per_nonzero, int64_t lanes) {
  const double budget = dense_macs - kPassCost * elements;
  if (budget <= 0)
    return -1;
  const double row =
      static_cast<double>((std::max<int64_t>(lanes, 1) + kLanes - 1) / kLanes * kLanes);
  const double limit = budget / (kScatterCost * std::max(1.0, taps_per_nonzero) * row);
  return limit >= 9e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(limit);
}

// ---- scans ----------------------------------------------------------------------

// The bits of |x|: zero exactly for +0 and -0 (NaN is non-zero). Integer
// tests vectorise where a float compare (NaN-aware) does not.
template <class T>
inline auto magnitude_bits(T x) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  return std::bit_cast<Bits>(x) & (~Bits(0) >> 1);
}

// Counts the non-zeros of v (NaN counts), stopping as soon as the count passes
// `limit`, or once 4096 elements or more have been read at more than twice
// the density the limit allows (a dense operand then costs a scan of a few
// thousand elements; the answer depends on the data only). Returns a count
// above `limit` when it stopped early.
template <class T>
int64_t count_nonzeros(const View4& v, const T* data, int64_t limit) {
  constexpr double kProbe = 4096;
  const double total = static_cast<double>(v.count());
  int64_t count = 0;
  double scanned = 0;
  for (int64_t a = 0; a < v.shape[0]; ++a)
    for (int64_t b = 0; b < v.shape[1]; ++b)
      for (int64_t c = 0; c < v.shape[2]; ++c) {
        const T* row = data + v.at(a, b, c, 0);
        int32_t n = 0;  // rows are shorter than 2^31 (checked by the caller)
        if (v.strides[3] == 1) {
          for (int64_t d = 0; d < v.shape[3]; ++d)
            n += magnitude_bits(row[d]) != 0 ? 1 : 0;
        } else {
          for (int64_t d = 0; d < v.shape[3]; ++d)
            n += magnitude_bits(row[d * v.strides[3]]) != 0 ? 1 : 0;
        }
        count += n;
        scanned += static_cast<double>(v.shape[3]);
        if (count > limit || (scanned >= kProbe && static_cast<double>(count) * total >
                                                       2.0 * static_cast<double>(limit) * scanned))
          return std::max(count, limit + 1);
      }
  return count;
}

template <class T>
struct Nonzero {
  int64_t index[4];
  T value;
};

// The non-zeros of v in index order. Contiguous rows are tested 16 elements
// at a time (a vector compare), so a sparse row costs little more than a read.
template <class T>
void collect_nonzeros(const View4& v, const T* data, Nonzero<T>* list) {
  constexpr int64_t kBlock = 16;
  int64_t k = 0;
  for (int64_t a = 0; a < v.shape[0]; ++a)
    for (int64_t b = 0; b < v.shape[1]; ++b)
      for (int64_t c = 0; c < v.shape[2]; ++c) {
        const T* row = data + v.at(a, b, c, 0);
        const int64_t s = v.strides[3];
        int64_t d = 0;
        if (s == 1) {
          for (; d + kBlock <= v.shape[3]; d += kBlock) {
            decltype(magnitude_bits(T(0))) any = 0;
            for (int64_t e = 0; e < kBlock; ++e)
              any |= magnitude_bits(row[d + e]);
            if (!any)
              continue;
            for (int64_t e = d; e < d + kBlock; ++e)
              if (row[e] != T(0))
                list[k++] = Nonzero<T>{{a, b, c, e}, row[e]};
          }
        }
        for (; d < v.shape[3]; ++d) {
          const T x = row[d * s];
          if (x != T(0))
            list[k++] = Nonzero<T>{{a, b, c, d}, x};
        }
      }
}

// Where each value g of the outermost index starts in nz (index order):
// nz[first[g], first[g + 1]) are the non-zeros with index[0] == g.
template <class T>
std::vector<int64_t> group_starts(const Nonzero<T>* nz, int64_t count, int64_t groups) {
  std::vector<int64_t> first(static_cast<std::size_t>(groups + 1), count);
  for (int64_t e = count; e-- > 0;)
    first[static_cast<std::size_t>(nz[e].index[0])] = e;
  for (int64_t g = groups; g-- > 0;)
    first[static_cast<std::size_t>(g)] =
        std::min(first[static_cast<std::size_t>(g)], first[static_cast<std::size_t>(g + 1)]);
  return first;
}

// True when every element of v is finite (v - v is 0 exactly then).
template <class T>
bool all_finite(const View4& v, const T* data) {
  std::atomic<bool> bad{false};
  const int64_t planes = v.shape[0] * v.shape[1];
  const int64_t plane = std::max<int64_t>(1, v.shape[2] * v.shape[3]);
  parallel_for(0, planes, std::max<int64_t>(1, 32768 / plane), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1 && !bad.load(std::memory_order_relaxed); ++p) {
      int flag = 0;
      for (int64_t c = 0; c < v.shape[2]; ++c) {
        const T* row = data + v.at(p / v.shape[1], p % v.shape[1], c, 0);
        if (v.strides[3] == 1) {
          for (int64_t d = 0; d < v.shape[3]; ++d)
            flag |= (row[d] - row[d]) != T(0);
        } else {
          for (int64_t d = 0; d < v.shape[3]; ++d)
            flag |= (row[d * v.strides[3]] - row[d * v.strides[3]]) != T(0);
        }
      }
      if (flag)
        bad.store(true, std::memory_order_relaxed);
    }
  });
  return !bad.load();
}

// ---- the scatter row: y += a * x, compiled per instruction set -----------------

// No FMA (-ffp-contract=off): every build rounds the same way, so the ISA
// does not change the bits either.
template <class T>
[[gnu::always_inline]] inline void axpy_body(int64_t n, T a, const T* __restrict x,
                                             T* __restrict y) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += a * x[i];
}

template <class T>
using AxpyFn = void (*)(int64_t, T, const T*, T*);

#define MT_SPARSE_AXPY(SUFFIX, ATTR)                          \
  template <class T>                                          \
  ATTR void axpy_##SUFFIX(int64_t n, T a, const T* x, T* y) { \
    axpy_body<T>(n, a, x, y);                                 \
  }
MT_SPARSE_AXPY(generic, )
#if defined(__x86_64__)
MT_SPARSE_AXPY(avx512, __attribute__((target("avx512f,avx2,prefer-vector-width=512"))))
MT_SPARSE_AXPY(avx2, __attribute__((target("avx2"))))
#endif
#undef MT_SPARSE_AXPY

template <class T>
AxpyFn<T> pick_axpy() {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return &axpy_avx512<T>;
    case Isa::avx2:
      return &axpy_avx2<T>;
    case Isa::generic:
      break;
  }
#endif
  return &axpy_generic<T>;
}

// Taps k in [0, kn) with lo <= base + sign * k < hi, as [k0, k1).
void tap_range(int64_t base, int64_t sign, int64_t lo, int64_t hi, int64_t kn, int64_t& k0,
               int64_t& k1) {
  if (sign > 0) {  // lo <= base + k < hi
    k0 = std::max<int64_t>(0, lo - base);
    k1 = std::min<int64_t>(kn, hi - base);
  } else {  // lo <= base - k < hi
    k0 = std::max<int64_t>(0, base - hi + 1);
    k1 = std::min<int64_t>(kn, base - lo + 1);
  }
  k1 = std::max(k0, k1);
}

// ---- sparse `in` ----------------------------------------------------------------

// Output (i, j) reads in[i + s*ki][j + s*kj] (s = +1 forward, -1 reverse), so
// input (si, sj) reaches outputs (si - s*ki, sj - s*kj).
template <class T>
void scatter_in(const View4& og, T* out, const View4& ig, const Nonzero<T>* nz, int64_t count,
                const View4& wg, const T* w, bool reverse) {
  const int64_t batch = og.shape[0], cout = og.shape[1], oh = og.shape[2], ow = og.shape[3];
  const int64_t cin = ig.shape[1];
  const int64_t kh = wg.shape[2], kw = wg.shape[3];
  const int64_t sign = reverse ? -1 : 1;
  const int64_t taps = kh * kw;
  // wp[(c * kh + ki) * kw + kj][o] = w[o, c, ki, kj]
  Scratch<T> wp(static_cast<std::size_t>(std::max<int64_t>(1, cin * taps * cout)));
  parallel_for(0, cin, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, taps * cout)),
               [&](int64_t c0, int64_t c1) {
                 for (int64_t c = c0; c < c1; ++c)
                   for (int64_t t = 0; t < taps; ++t) {
                     T* dst = wp.data() + (c * taps + t) * cout;
                     for (int64_t o = 0; o < cout; ++o)
                       dst[o] = w[wg.at(o, c, t / kw, t % kw)];
                   }
               });
  // The non-zeros of image b are nz[first[b], first[b + 1]).
  const std::vector<int64_t> first = group_starts(nz, count, batch);
  // Few images: split each image's output rows too (a shape-only count).
  const int64_t row_blocks = batch >= 8 ? 1 : std::min<int64_t>(oh, 8);
  const AxpyFn<T> axpy = pick_axpy<T>();
  parallel_tasks(batch * row_blocks, [&](int64_t id) {
    const int64_t b = id / row_blocks;
    const int64_t rb = id % row_blocks;
    const int64_t i0 = rb * oh / row_blocks;
    const int64_t i1 = (rb + 1) * oh / row_blocks;
    Scratch<T> acc(static_cast<std::size_t>(std::max<int64_t>(1, (i1 - i0) * ow * cout)));
    std::fill_n(acc.data(), (i1 - i0) * ow * cout, T(0));
    for (int64_t e = first[static_cast<std::size_t>(b)]; e < first[static_cast<std::size_t>(b + 1)];
         ++e) {
      const Nonzero<T>& z = nz[e];
      const int64_t c = z.index[1], si = z.index[2], sj = z.index[3];
      int64_t ki0, ki1, kj0, kj1;
      tap_range(si, -sign, i0, i1, kh, ki0, ki1);  // i = si - sign * ki
      tap_range(sj, -sign, 0, ow, kw, kj0, kj1);
      for (int64_t ki = ki0; ki < ki1; ++ki) {
        const int64_t i = si - sign * ki;
        for (int64_t kj = kj0; kj < kj1; ++kj) {
          const int64_t j = sj - sign * kj;
          axpy(cout, z.value, wp.data() + (c * taps + ki * kw + kj) * cout,
               acc.data() + ((i - i0) * ow + j) * cout);
        }
      }
    }
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t i = i0; i < i1; ++i) {
        T* dst = out + og.at(b, o, i, 0);
        const T* src = acc.data() + (i - i0) * ow * cout + o;
        for (int64_t j = 0; j < ow; ++j)
          dst[j * og.strides[3]] = src[j * cout];
      }
  });
}

// ---- sparse `weight` ------------------------------------------------------------

// Tap (ki, kj) of output (i, j) reads in[i + s*ki][j + s*kj].
// Returns false, with out untouched, when `in` holds an inf or NaN (checked
// while packing it).
template <class T>
bool scatter_weight(const View4& og, T* out, const View4& ig, const T* in, const Nonzero<T>* nz,
                    int64_t count, bool reverse) {
  const int64_t n = og.shape[0], cout = og.shape[1], oh = og.shape[2], ow = og.shape[3];
  const int64_t cin = ig.shape[1], h = ig.shape[2], wd = ig.shape[3];
  const int64_t sign = reverse ? -1 : 1;
  const int64_t pixels = h * wd;
  // xp[(c * h + si) * wd + sj][m] = in[m, c, si, sj]
  Scratch<T> xp(static_cast<std::size_t>(std::max<int64_t>(1, cin * pixels * n)));
  std::atomic<bool> bad{false};
  parallel_for(0, cin * h, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, wd * n)),
               [&](int64_t r0, int64_t r1) {
                 int flag = 0;  // v - v is 0 exactly for a finite v
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t c = r / h, si = r % h;
                   T* dst = xp.data() + r * wd * n;
                   for (int64_t m = 0; m < n; ++m) {
                     const T* src = in + ig.at(m, c, si, 0);
                     for (int64_t sj = 0; sj < wd; ++sj) {
                       const T x = src[sj * ig.strides[3]];
                       flag |= (x - x) != T(0);
                       dst[sj * n + m] = x;
                     }
                   }
                 }
                 if (flag)
                   bad.store(true, std::memory_order_relaxed);
               });
  if (bad.load())
    return false;
  // The non-zeros of output channel o are nz[first[o], first[o + 1]).
  const std::vector<int64_t> first = group_starts(nz, count, cout);
  const int64_t blocks = std::min<int64_t>(cout, 16);
  const int64_t plane = oh * ow * n;  // one output channel's accumulators
  const AxpyFn<T> axpy = pick_axpy<T>();
  parallel_tasks(blocks, [&](int64_t id) {
    const int64_t o0 = id * cout / blocks;
    const int64_t o1 = (id + 1) * cout / blocks;
    Scratch<T> acc(static_cast<std::size_t>(std::max<int64_t>(1, plane)));
    for (int64_t o = o0; o < o1; ++o) {
      std::fill_n(acc.data(), plane, T(0));
      for (int64_t e = first[static_cast<std::size_t>(o)];
           e < first[static_cast<std::size_t>(o + 1)]; ++e) {
        const Nonzero<T>& z = nz[e];
        const int64_t c = z.index[1], ki = z.index[2], kj = z.index[3];
        // Outputs i with 0 <= i + sign * ki < h.
        int64_t i0, i1, j0, j1;
        tap_range(sign * ki, 1, 0, h, oh, i0, i1);
        tap_range(sign * kj, 1, 0, wd, ow, j0, j1);
        for (int64_t i = i0; i < i1; ++i) {
          const T* src = xp.data() + (c * h + i + sign * ki) * wd * n;
          T* dst = acc.data() + i * ow * n;
          for (int64_t j = j0; j < j1; ++j)
            axpy(n, z.value, src + (j + sign * kj) * n, dst + j * n);
        }
      }
      for (int64_t m = 0; m < n; ++m)
        for (int64_t i = 0; i < oh; ++i) {
          T* dst = out + og.at(m, o, i, 0);
          const T* src = acc.data() + i * ow * n + m;
          for (int64_t j = 0; j < ow; ++j)
            dst[j * og.strides[3]] = src[j * n];
        }
    }
  });
  return true;
}

}  // namespace

template <class T>
bool conv_sparse(ConvOperand out_g, T* out, ConvOperand in_g, const T* in, ConvOperand w_g,
                 const T* w, bool reverse) {
  const View4 og = copy_of(out_g), ig = copy_of(in_g), wg = copy_of(w_g);
  // Empty problems and giant rows go to the dense forms.
  constexpr int64_t kMaxRow = std::numeric_limits<int32_t>::max();
  if (og.count() == 0 || ig.count() == 0 || wg.count() == 0 || ig.shape[3] > kMaxRow ||
      wg.shape[3] > kMaxRow)
    return false;
  const double dense_macs = static_cast<double>(og.count()) * static_cast<double>(ig.shape[1]) *
                            static_cast<double>(wg.shape[2] * wg.shape[3]);
  const double elements = static_cast<double>(og.count()) + static_cast<double>(ig.count()) +
                          static_cast<double>(wg.count());
  // Sparse `in`: each non-zero meets up to kh * kw taps (no more than the
  // output's pixels), each a row of cout.
  {
    const double taps =
        static_cast<double>(std::min(wg.shape[2] * wg.shape[3], og.shape[2] * og.shape[3]));
    const int64_t limit = nonzero_limit(dense_macs, elements, taps, og.shape[1]);
    const int64_t count = limit < 0 ? 0 : count_nonzeros(ig, in, limit);
    if (limit >= 0 && count <= limit) {
      if (!all_finite(wg, w))
        return false;
      Scratch<Nonzero<T>> nz(static_cast<std::size_t>(std::max<int64_t>(1, count)));
      collect_nonzeros(ig, in, nz.data());
      scatter_in(og, out, ig, nz.data(), count, wg, w, reverse);
      return true;
    }
  }
  // Sparse `weight`: each non-zero meets up to oh * ow output pixels (no
  // more than the input's), each a row of the batch.
  {
    const double taps =
        static_cast<double>(std::min(og.shape[2] * og.shape[3], ig.shape[2] * ig.shape[3]));
    const int64_t limit = nonzero_limit(dense_macs, elements, taps, og.shape[0]);
    const int64_t count = limit < 0 ? 0 : count_nonzeros(wg, w, limit);
    if (limit >= 0 && count <= limit) {
      Scratch<Nonzero<T>> nz(static_cast<std::size_t>(std::max<int64_t>(1, count)));
      collect_nonzeros(wg, w, nz.data());
      return scatter_weight(og, out, ig, in, nz.data(), count, reverse);
    }
  }
  return false;
}

template bool conv_sparse<float>(ConvOperand, float*, ConvOperand, const float*, ConvOperand,
                                 const float*, bool);
template bool conv_sparse<double>(ConvOperand, double*, ConvOperand, const double*, ConvOperand,
                                  const double*, bool);

}  // namespace mt::par
