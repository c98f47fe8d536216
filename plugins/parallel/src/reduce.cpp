// reduce.cpp — sum / prod / max along one dim for any strides. Three loop
// shapes: the reduced dim contiguous (several independent accumulators per
// output, vectorised), the reduced dim strided with the outputs contiguous
// (reduced dim outer, outputs inner, vectorised across outputs), and a plain
// strided fallback. Work is split over outputs, or, when there are only a
// few outputs or the reduced dim is an outer one, over fixed chunks of the
// reduced dim whose partial results are combined in order; the chunking
// depends on shapes only, so results do not change with the thread count.
// The loops are compiled for the baseline, AVX2 and AVX-512 with the same
// order of operations, so the ISA does not change results either.
// Op semantics come from mt::sdk.
#include "reduce.hpp"

#include "layout.hpp"
#include "memory.hpp"
#include "runtime.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>

namespace mt::par {

namespace {

// Elements read per task, at least: the op table's grain for OP's cost class.
template <int OP>
constexpr int64_t kGrain = op_grain(MT_FAMILY_REDUCE, OP);
// Elements a reduction must read before its reduced dim is split into
// chunks. The chunking fixes the order of the sum, so it is a constant of its
// own: retuning the grains above (how many elements a task takes) must not
// change any result's bits.
constexpr int64_t kSplitWork = 131072;
constexpr int64_t kChunk = 16384;        // reduced-dim chunk when splitting it
constexpr int64_t kFewOutputs = 64;      // below this many outputs, split the reduced dim
constexpr int64_t kStripeBytes = 16384;  // accumulators (in L1) in the strided shape
constexpr int64_t kRowBands = 16;        // row bands when the reduced dim is the outer one
constexpr int64_t kMinBandRows = 8;      // ... each at least this many rows

template <class T, int OP>
[[gnu::always_inline]] inline T combine(T acc, T x) {
  return sdk::reduce_combine<T>(OP, acc, x);
}

// Reduction of x[0..n) from `start`, with 32 bytes x 8 of independent
// accumulators so the loop vectorises and hides the add latency. Rows
// shorter than that (pooling windows: n = 2..16) are summed in a plain loop:
// setting up and folding the accumulators would cost 30 times the work.
template <class T, int OP>
[[gnu::always_inline]] inline T reduce_contiguous(const T* x, int64_t n, T start) {
  constexpr int L = 64 / sizeof(T) * 4;
  if (n < L) {
    T r = start;
    for (int64_t i = 0; i < n; ++i)
      r = combine<T, OP>(r, x[i]);
    return r;
  }
  T acc[L];
  for (int j = 0; j < L; ++j)
    acc[j] = start;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j)
      acc[j] = combine<T, OP>(acc[j], x[i + j]);
  for (int j = 0; i < n; ++i, ++j)
    acc[j] = combine<T, OP>(acc[j], x[i]);
  // Fold the accumulators pairwise (halves, then quarters, ...): the wide
  // steps are whole-vector ops, where a serial fold would be a chain of
  // L - 1 dependent adds, longer than the main loop for rows of ~1K.
  for (int w = L / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j)
      acc[j] = combine<T, OP>(acc[j], acc[j + w]);
  return acc[0];
}

// Reduces `len` outputs over k in [kb, ke). in points at (output 0, k = 0);
// output j, element k is in[j * is + k * ks]. Results go to dest[j * ds].
template <class T, int OP>
[[gnu::always_inline]] inline void reduce_piece_body(int64_t len, const T* in, int64_t is,
                                                     int64_t ks, int64_t kb, int64_t ke, T* dest,
                                                     int64_t ds) {
  const T start = sdk::reduce_start<T>(OP);
  if (ks == 1) {
    for (int64_t j = 0; j < len; ++j)
      dest[j * ds] = reduce_contiguous<T, OP>(in + j * is + kb, ke - kb, start);
    return;
  }
  if (is == 1 && len > 1) {
    // Rows of up to 16 KiB are read front to back into accumulators that
    // stay in L1, so memory is read in long contiguous runs.
    constexpr int64_t kStripe = kStripeBytes / static_cast<int64_t>(sizeof(T));
    T acc[kStripe];
    for (int64_t j0 = 0; j0 < len; j0 += kStripe) {
      const int64_t jl = std::min(kStripe, len - j0);
      for (int64_t j = 0; j < jl; ++j)
        acc[j] = start;
      for (int64_t k = kb; k < ke; ++k) {
        const T* row = in + k * ks + j0;
        for (int64_t j = 0; j < jl; ++j)
          acc[j] = combine<T, OP>(acc[j], row[j]);
      }
      for (int64_t j = 0; j < jl; ++j)
        dest[(j0 + j) * ds] = acc[j];
    }
    return;
  }
  for (int64_t j = 0; j < len; ++j) {
    T acc = start;
    const T* x = in + j * is;
    for (int64_t k = kb; k < ke; ++k)
      acc = combine<T, OP>(acc, x[k * ks]);
    dest[j * ds] = acc;
  }
}

// reduce_outputs_body: outputs [begin, end) of the plan over the whole
// reduced dim, walked as walk_range (layout.hpp) does, with the piece written
// out rather than passed as a lambda: a lambda's body would be compiled for
// the baseline target even inside an AVX-512 function, and one indirect call
// per row piece costs more than the piece on pooling windows (rows of 2-4).
template <class T, int OP>
[[gnu::always_inline]] inline void reduce_outputs_body(const Plan<2>& p, int64_t begin, int64_t end,
                                                       const T* in_base, int64_t ks, int64_t n,
                                                       T* out_base) {
  if (begin >= end)
    return;
  if (p.ndim == 0) {
    reduce_piece_body<T, OP>(1, in_base, 0, ks, 0, n, out_base, 0);
    return;
  }
  const int inner = p.ndim - 1;
  const int64_t cols = p.shape[inner];
  const int64_t is = p.strides[0][inner];
  const int64_t ds = p.strides[1][inner];
  int64_t row = begin / cols;
  int64_t col = begin % cols;
  int64_t index[MT_MAX_DIMS] = {};
  int64_t off_in = 0;
  int64_t off_out = 0;
  for (int d = inner - 1; d >= 0; --d) {
    index[d] = row % p.shape[d];
    row /= p.shape[d];
    off_in += index[d] * p.strides[0][d];
    off_out += index[d] * p.strides[1][d];
  }
  int64_t pos = begin;
  for (;;) {
    const int64_t len = std::min(end - pos, cols - col);
    reduce_piece_body<T, OP>(len, in_base + off_in + col * is, is, ks, 0, n,
                             out_base + off_out + col * ds, ds);
    pos += len;
    if (pos >= end)
      return;
    col = 0;
    for (int d = inner - 1; d >= 0; --d) {
      ++index[d];
      off_in += p.strides[0][d];
      off_out += p.strides[1][d];
      if (index[d] < p.shape[d])
        break;
      off_in -= index[d] * p.strides[0][d];
      off_out -= index[d] * p.strides[1][d];
      index[d] = 0;
    }
  }
}

template <class T>
using PieceFn = void (*)(int64_t, const T*, int64_t, int64_t, int64_t, int64_t, T*, int64_t);
template <class T>
using OutputsFn = void (*)(const Plan<2>&, int64_t, int64_t, const T*, int64_t, int64_t, T*);

// reduce_piece_body and reduce_outputs_body compiled for the baseline
// target, AVX2 and AVX-512, and the ones for the ISA chosen at start-up
// (MT_PARALLEL_ISA). The lanes and the fold are the same operations in the
// same order in every build (no FMA in a combine, -ffp-contract=off), so
// every build gives the same bits; the wide builds hold the contiguous
// shape's 64 f32 accumulators in 4 (8) registers, where they take all 16 of
// the baseline's XMM registers, and read 64 bytes per load: a sum over the
// last dim of 1024 x 1024 f32 on 2 threads, in L2, 50 -> 38 us (README.md).
#define MT_REDUCE_PIECE(SUFFIX, ATTR)                                                           \
  template <class T, int OP>                                                                    \
  ATTR void reduce_piece_##SUFFIX(int64_t len, const T* in, int64_t is, int64_t ks, int64_t kb, \
                                  int64_t ke, T* dest, int64_t ds) {                            \
    reduce_piece_body<T, OP>(len, in, is, ks, kb, ke, dest, ds);                                \
  }                                                                                             \
  template <class T, int OP>                                                                    \
  ATTR void reduce_outputs_##SUFFIX(const Plan<2>& p, int64_t begin, int64_t end,               \
                                    const T* in_base, int64_t ks, int64_t n, T* out_base) {     \
    reduce_outputs_body<T, OP>(p, begin, end, in_base, ks, n, out_base);                        \
  }
MT_REDUCE_PIECE(generic, )
#if defined(__x86_64__)
MT_REDUCE_PIECE(avx512, __attribute__((target("avx512f,avx2,prefer-vector-width=512"))))
MT_REDUCE_PIECE(avx2, __attribute__((target("avx2"))))
#endif
#undef MT_REDUCE_PIECE

template <class T, int OP>
PieceFn<T> pick_piece() {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return &reduce_piece_avx512<T, OP>;
    case Isa::avx2:
      return &reduce_piece_avx2<T, OP>;
    case Isa::generic:
      break;
  }
#endif
  return &reduce_piece_generic<T, OP>;
}

template <class T, int OP>
OutputsFn<T> pick_outputs() {
#if defined(__x86_64__)
  switch (settings().isa) {
    case Isa::avx512:
      return &reduce_outputs_avx512<T, OP>;
    case Isa::avx2:
      return &reduce_outputs_avx2<T, OP>;
    case Isa::generic:
      break;
  }
#endif
  return &reduce_outputs_generic<T, OP>;
}

template <class T, int OP>
void reduce_piece(int64_t len, const T* in, int64_t is, int64_t ks, int64_t kb, int64_t ke, T* dest,
                  int64_t ds) {
  static const PieceFn<T> piece = pick_piece<T, OP>();
  piece(len, in, is, ks, kb, ke, dest, ds);
}

template <class T, int OP>
void reduce_typed(const mt_view& out, const mt_view& in, int32_t dim) {
  T* out_base = sdk::typed_data<T>(out);
  const T* in_base = sdk::typed_data<T>(in);
  const int64_t n = in.shape[dim];
  const int64_t ks = in.strides[dim];
  // Loop over the outputs, ordered by the input's strides (reads dominate).
  // out.shape has size 1 at `dim`, so the plan drops it.
  const int64_t* strides[2] = {in.strides, out.strides};
  const Plan<2> p = make_plan<2>(out.ndim, out.shape, strides);
  const int64_t outputs = p.total;
  if (outputs == 0)
    return;
  const T start = sdk::reduce_start<T>(OP);
  if (n == 0) {
    walk_range(p, 0, outputs, [&](int64_t len, const int64_t(&off)[2]) {
      for (int64_t j = 0; j < len; ++j)
        out_base[off[1] + j * p.inner_stride(1)] = start;
    });
    return;
  }

  // The reduced dim is split into fixed chunks in two cases: few outputs
  // with a long reduced dim (otherwise too few tasks), and a strided reduced
  // dim with contiguous outputs (a sum over rows), where each task takes a
  // band of whole rows and reads it front to back; column stripes instead
  // would read a short run from every row, which the prefetchers serve
  // poorly. The chunking depends on shapes only (not on the grain or the
  // thread count).
  int64_t chunk = 0;
  if (outputs < kFewOutputs && n >= 2 * kChunk && outputs * n >= kSplitWork)
    chunk = kChunk;
  else if (ks != 1 && p.inner_stride(0) == 1 && n >= 2 * kMinBandRows && outputs * n >= kSplitWork)
    chunk = std::max(kMinBandRows, (n + kRowBands - 1) / kRowBands);
  if (chunk == 0) {
    const int64_t grain = std::max<int64_t>(1, kGrain<OP> / n);
    static const OutputsFn<T> walk = pick_outputs<T, OP>();
    parallel_for(0, outputs, grain, [&](int64_t begin, int64_t end) {
      walk(p, begin, end, in_base, ks, n, out_base);
    });
    return;
  }

  // Partials per chunk of k, combined in chunk order. partial[c * outputs + i]
  // holds chunk c of output i (i in walk order). At most n / kMinBandRows
  // chunks of rows, so the partials are at most 1/8 of the input.
  const int64_t chunks = (n + chunk - 1) / chunk;
  Scratch<T> partial(static_cast<std::size_t>(chunks * outputs));
  parallel_tasks(chunks, [&](int64_t c) {
    const int64_t kb = c * chunk;
    const int64_t ke = std::min(n, kb + chunk);
    int64_t pos = 0;
    walk_range(p, 0, outputs, [&](int64_t len, const int64_t(&off)[2]) {
      reduce_piece<T, OP>(len, in_base + off[0], p.inner_stride(0), ks, kb, ke,
                          partial.data() + c * outputs + pos, 1);
      pos += len;
    });
  });
  parallel_for(
      0, outputs, std::max<int64_t>(1, kGrain<OP> / chunks), [&](int64_t begin, int64_t end) {
        int64_t pos = begin;
        walk_range(p, begin, end, [&](int64_t len, const int64_t(&off)[2]) {
          for (int64_t j = 0; j < len; ++j, ++pos) {
            T acc = partial[static_cast<std::size_t>(pos)];
            for (int64_t c = 1; c < chunks; ++c)
              acc = combine<T, OP>(acc, partial[static_cast<std::size_t>(c * outputs + pos)]);
            out_base[off[1] + j * p.inner_stride(1)] = acc;
          }
        });
      });
}

}  // namespace

void reduce(int32_t op, const mt_view& out, const mt_view& in, int32_t dim) {
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    sdk::dispatch_op<MT_FAMILY_REDUCE>(
        op, [&](auto op_c) { reduce_typed<T, decltype(op_c)::value>(out, in, dim); });
  });
}

}  // namespace mt::par
