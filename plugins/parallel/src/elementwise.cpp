// elementwise.cpp — map / zip / fill. Each (op, dtype) gets its own row
// kernel, instantiated from mt::sdk::apply_map / apply_zip with the op as a
// compile-time constant, so the switch folds away and GCC vectorises the
// contiguous loops. The op-independent driver simplifies the loop nest, runs
// small tensors inline, splits large ones across the arena, and walks an
// operand that is transposed relative to the output in cache-sized tiles.
// Not here: validation (plugin.cpp) and reductions (reduce.cpp).
#include "elementwise.hpp"

#include "layout.hpp"
#include "runtime.hpp"
#include "streaming.hpp"
#include "transpose.hpp"
#include "vector_math.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace mt::par {

namespace {

// Fill is as cheap as it gets: four times a cheap op's grain per task.
constexpr int64_t kFillGrain = 4 * grain_for(sdk::Cost::cheap);

template <class T>
using MapRow = void (*)(int64_t n, T* o, int64_t os, const T* x, int64_t xs);
template <class T>
using ZipRow = void (*)(int64_t n, T* o, int64_t os, const T* a, int64_t as, const T* b,
                        int64_t bs);

// ---- per-op row kernels ----------------------------------------------------

// exp, log and sigmoid use vector_math.hpp's vectorisable formulation (on
// every path, so results do not depend on the layout); the rest are the sdk
// formulas, which GCC vectorises as they are.
template <class T, int OP>
[[gnu::always_inline]] inline T map_one(T x) {
  if constexpr (OP == MT_MAP_EXP)
    return vm::exp<T>(x);
  else if constexpr (OP == MT_MAP_LOG)
    return vm::log<T>(x);
  else if constexpr (OP == MT_MAP_SIGMOID)
    return vm::sigmoid<T>(x);
  else
    return sdk::apply_map<T>(OP, x);
}

template <class T, int OP>
[[gnu::always_inline]] inline T zip_one(T a, T b) {
  return sdk::apply_zip<T>(OP, a, b);
}

template <class T, int OP>
void map_row(int64_t n, T* o, int64_t os, const T* x, int64_t xs) {
  if (os == 1 && xs == 1) {
    if constexpr (OP == MT_MAP_EXP || OP == MT_MAP_LOG || OP == MT_MAP_SIGMOID) {
      static const MapLoop<T> wide = wide_map_loop<T>(OP);
      if (wide != nullptr) {
        wide(n, o, x);
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i)
      o[i] = map_one<T, OP>(x[i]);
    return;
  }
  if (xs == 0) {
    const T v = map_one<T, OP>(*x);
    if (os == 1) {
      std::fill_n(o, n, v);
    } else {
      for (int64_t i = 0; i < n; ++i)
        o[i * os] = v;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    o[i * os] = map_one<T, OP>(x[i * xs]);
}

template <class T, int OP>
void zip_row(int64_t n, T* o, int64_t os, const T* a, int64_t as, const T* b, int64_t bs) {
  if (os == 1) {
    if (as == 1 && bs == 1) {
      for (int64_t i = 0; i < n; ++i)
        o[i] = zip_one<T, OP>(a[i], b[i]);
      return;
    }
    if (as == 1 && bs == 0) {
      const T bv = *b;
      for (int64_t i = 0; i < n; ++i)
        o[i] = zip_one<T, OP>(a[i], bv);
      return;
    }
    if (as == 0 && bs == 1) {
      const T av = *a;
      for (int64_t i = 0; i < n; ++i)
        o[i] = zip_one<T, OP>(av, b[i]);
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i)
    o[i * os] = zip_one<T, OP>(a[i * as], b[i * bs]);
}

template <class T, std::size_t... I>
constexpr std::array<MapRow<T>, sizeof...(I)> make_map_rows(std::index_sequence<I...>) {
  return {&map_row<T, static_cast<int>(I)>...};
}
template <class T, std::size_t... I>
constexpr std::array<ZipRow<T>, sizeof...(I)> make_zip_rows(std::index_sequence<I...>) {
  return {&zip_row<T, static_cast<int>(I)>...};
}

template <class T>
constexpr auto kMapRows = make_map_rows<T>(std::make_index_sequence<MT_MAP_OP_COUNT>{});
template <class T>
constexpr auto kZipRows = make_zip_rows<T>(std::make_index_sequence<MT_ZIP_OP_COUNT>{});

// ---- op-independent driver --------------------------------------------------

// Row callback shape: row(len, out, out_stride, inputs[NI], input_strides[NI]).
template <class T, int NI>
struct Operands {
  T* out;
  const T* in[NI];
};

// Transposed walk: bands of kBand output rows (one cache line of a
// transposed input per source row) by kSpan columns (the transpose buffer).
template <class T>
constexpr int64_t kBand = 64 / sizeof(T);
constexpr int64_t kSpan = 256;
// Elements per cache line.
template <class T>
constexpr int64_t kLine = 64 / sizeof(T);
// Source rows of a transposed input prefetched ahead of the transpose.
constexpr int64_t kPrefetchRows = 32;

// dst[ee * ld + ii] = src[ii * step + ee] for ee < rows, ii < cols: rows of
// the source are read one cache line each, `kPrefetchRows` ahead (but not
// past `limit` rows). Whole 16x16 f32 blocks go through AVX-512 registers
// when the CPU has them (transpose.hpp), 4x4 (f32) / 2x2 (f64) through SSE.
template <class T>
void transpose_block(T* dst, int64_t ld, const T* src, int64_t step, int64_t rows, int64_t cols,
                     int64_t limit) {
  int64_t ii = 0;
  if constexpr (sizeof(T) == 4) {
    // Whole 16 x 16 blocks in AVX-512 registers where the CPU has them.
    static const Transpose16 wide = transpose16_f32();
    if (wide != nullptr && rows == 16 && cols >= 16) {
      wide(dst, ld, src, step, cols / 16, kPrefetchRows, limit);
      ii = cols / 16 * 16;
    }
  }
#if defined(__SSE2__)
  constexpr int64_t L = 16 / sizeof(T);
  if (rows % L == 0) {
    for (; ii + L <= cols; ii += L) {
      for (int64_t q = 0; q < L; ++q)
        if (ii + q + kPrefetchRows < limit)
          __builtin_prefetch(src + (ii + q + kPrefetchRows) * step);
      for (int64_t ee = 0; ee < rows; ee += L) {
        const T* s0 = src + ii * step + ee;
        T* d0 = dst + ee * ld + ii;
        if constexpr (sizeof(T) == 4) {
          __m128 r0 = _mm_loadu_ps(s0);
          __m128 r1 = _mm_loadu_ps(s0 + step);
          __m128 r2 = _mm_loadu_ps(s0 + 2 * step);
          __m128 r3 = _mm_loadu_ps(s0 + 3 * step);
          _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
          _mm_storeu_ps(d0, r0);
          _mm_storeu_ps(d0 + ld, r1);
          _mm_storeu_ps(d0 + 2 * ld, r2);
          _mm_storeu_ps(d0 + 3 * ld, r3);
        } else {
          const __m128d r0 = _mm_loadu_pd(s0);
          const __m128d r1 = _mm_loadu_pd(s0 + step);
          _mm_storeu_pd(d0, _mm_unpacklo_pd(r0, r1));
          _mm_storeu_pd(d0 + ld, _mm_unpackhi_pd(r0, r1));
        }
      }
    }
  }
#endif
  for (; ii < cols; ++ii) {
    if (ii + kPrefetchRows < limit)
      __builtin_prefetch(src + (ii + kPrefetchRows) * step);
    for (int64_t ee = 0; ee < rows; ++ee)
      dst[ee * ld + ii] = src[ii * step + ee];
  }
}

// If some input walks the output's innermost dim with a large stride while
// having unit stride on another dim `e`, returns e (the tile partner), else -1.
template <int NV>
int transposed_partner(const Plan<NV>& p) {
  if (p.ndim < 2)
    return -1;
  const int inner = p.ndim - 1;
  if (p.strides[0][inner] != 1 || p.shape[inner] < 8)
    return -1;
  for (int v = 1; v < NV; ++v) {
    if (p.strides[v][inner] <= 1)
      continue;
    for (int e = 0; e < inner; ++e)
      if (p.strides[v][e] == 1 && p.shape[e] >= 8)
        return e;
  }
  return -1;
}

// Elements staged in L1 before a streaming store (see streaming.hpp).
constexpr int64_t kStage = 1024;

// Writes `len` results to the contiguous `out`: directly, or, for outputs
// large enough to stream, through an L1 buffer and non-temporal stores.
// compute(dst, first, count) writes results first..first+count to dst.
template <class T, class Compute>
void emit(bool stream, T* out, int64_t len, const Compute& compute) {
  if (!stream) {
    compute(out, 0, len);
    return;
  }
  alignas(64) T stage[kStage];
  for (int64_t c0 = 0; c0 < len; c0 += kStage) {
    const int64_t n = std::min(kStage, len - c0);
    compute(stage, c0, n);
    stream_copy(out + c0, stage, n);
  }
}

// emit() for one row call: row(count, dst, 1, inputs, strides) on the
// inputs `in` (strides `is`) advanced to each staged piece.
template <class T, int NI, class Row>
void emit_row(bool stream, T* out, int64_t len, const T* const (&in)[NI], const int64_t (&is)[NI],
              const Row& row) {
  emit(stream, out, len, [&](T* dst, int64_t first, int64_t count) {
    const T* part[NI];
    for (int v = 0; v < NI; ++v)
      part[v] = in[v] + first * is[v];
    row(count, dst, 1, part, is);
  });
}

template <class T, int NI, class Row>
void run_plain(const Plan<NI + 1>& p, const Operands<T, NI>& ops, int64_t grain, const Row& row) {
  const bool stream =
      p.inner_stride(0) == 1 && p.total * static_cast<int64_t>(sizeof(T)) >= kStreamBytes;
  parallel_for(0, p.total, grain, [&](int64_t begin, int64_t end) {
    walk_range(p, begin, end, [&](int64_t len, const int64_t(&off)[NI + 1]) {
      const T* in[NI];
      int64_t is[NI];
      for (int v = 0; v < NI; ++v) {
        in[v] = ops.in[v] + off[v + 1];
        is[v] = p.inner_stride(v + 1);
      }
      if (!stream) {
        row(len, ops.out + off[0], p.inner_stride(0), in, is);
        return;
      }
      emit_row(true, ops.out + off[0], len, in, is, row);
    });
    if (stream)
      stream_fence();
  });
}

// Walks dims (e, inner) in bands of kBand rows of e, each across the whole
// inner dim. Inputs with unit stride on e are transposed kSpan columns at a
// time into a buffer: each source row then gives one full cache line, the
// output and the other inputs are read as kBand sequential streams, and the
// row kernels see unit stride everywhere. The transposed rows are strided by
// a whole row of the source, which no hardware prefetcher follows, so they
// are prefetched in software.
template <class T, int NI, class Row>
void run_tiled(const Plan<NI + 1>& p, int e, const Operands<T, NI>& ops, int64_t grain,
               const Row& row) {
  constexpr int NV = NI + 1;
  constexpr int64_t TE = kBand<T>;
  const int inner = p.ndim - 1;
  // The remaining dims, iterated as a plain odometer per work item.
  int outer_dims[MT_MAX_DIMS];
  int n_outer = 0;
  int64_t outer_count = 1;
  for (int d = 0; d < inner; ++d) {
    if (d == e)
      continue;
    outer_dims[n_outer++] = d;
    outer_count *= p.shape[d];
  }
  const int64_t ne = p.shape[e];
  const int64_t ni = p.shape[inner];
  const int64_t bands = (ne + TE - 1) / TE;
  bool transposed[NI];
  for (int v = 0; v < NI; ++v)
    transposed[v] = p.strides[v + 1][e] == 1 && p.strides[v + 1][inner] > 1;

  // The output is walked with unit stride (see transposed_partner).
  const bool stream = p.total * static_cast<int64_t>(sizeof(T)) >= kStreamBytes;
  const int64_t items = outer_count * bands;
  const int64_t item_grain = std::max<int64_t>(1, grain / (TE * ni));
  parallel_for(0, items, item_grain, [&](int64_t begin, int64_t end) {
    alignas(64) T buffer[NI][TE * kSpan];
    for (int64_t item = begin; item < end; ++item) {
      int64_t outer = item / bands;
      const int64_t e0 = (item % bands) * TE;
      const int64_t e_len = std::min(TE, ne - e0);
      int64_t base[NV] = {};
      for (int k = n_outer - 1; k >= 0; --k) {
        const int d = outer_dims[k];
        const int64_t idx = outer % p.shape[d];
        outer /= p.shape[d];
        for (int v = 0; v < NV; ++v)
          base[v] += idx * p.strides[v][d];
      }
      for (int64_t i0 = 0; i0 < ni; i0 += kSpan) {
        const int64_t i_len = std::min(kSpan, ni - i0);
        // The other inputs' next span, one line at a time: the transposed
        // reads touch a new page per row and crowd these kBand streams out
        // of the hardware prefetcher's table. Only for operands too large
        // for the caches (as for streaming stores); below, it only costs.
        if (stream && i0 + kSpan < ni) {
          const int64_t next_len = std::min(kSpan, ni - i0 - kSpan);
          for (int v = 0; v < NI; ++v) {
            if (transposed[v] || p.strides[v + 1][inner] != 1)
              continue;
            for (int64_t ee = 0; ee < e_len; ++ee) {
              const T* row = ops.in[v] + base[v + 1] + (e0 + ee) * p.strides[v + 1][e] + i0 + kSpan;
              for (int64_t c = 0; c < next_len; c += kLine<T>)
                __builtin_prefetch(row + c);
            }
          }
        }
        for (int v = 0; v < NI; ++v) {
          if (!transposed[v])
            continue;
          const int64_t step = p.strides[v + 1][inner];
          const T* src = ops.in[v] + base[v + 1] + e0 + i0 * step;
          transpose_block(buffer[v], kSpan, src, step, e_len, i_len, ni - i0);
        }
        for (int64_t ee = 0; ee < e_len; ++ee) {
          const T* in[NI];
          int64_t is[NI];
          for (int v = 0; v < NI; ++v) {
            if (transposed[v]) {
              in[v] = buffer[v] + ee * kSpan;
              is[v] = 1;
            } else {
              in[v] = ops.in[v] + base[v + 1] + (e0 + ee) * p.strides[v + 1][e] +
                      i0 * p.strides[v + 1][inner];
              is[v] = p.strides[v + 1][inner];
            }
          }
          emit_row(stream, ops.out + base[0] + (e0 + ee) * p.strides[0][e] + i0, i_len, in, is,
                   row);
        }
      }
    }
    if (stream)
      stream_fence();
  });
}

template <class T, int NI, class Row>
void run(const mt_view& out, const mt_view* const (&in)[NI], int64_t grain, const Row& row) {
  constexpr int NV = NI + 1;
  const int64_t* strides[NV];
  strides[0] = out.strides;
  Operands<T, NI> ops;
  ops.out = sdk::typed_data<T>(out);
  for (int v = 0; v < NI; ++v) {
    strides[v + 1] = in[v]->strides;
    ops.in[v] = sdk::typed_data<T>(*in[v]);
  }
  const Plan<NV> p = make_plan<NV>(out.ndim, out.shape, strides);
  if (p.total == 0)
    return;
  const int e = transposed_partner(p);
  if (e >= 0)
    run_tiled<T, NI>(p, e, ops, grain, row);
  else
    run_plain<T, NI>(p, ops, grain, row);
}

}  // namespace

void map(int32_t op, const mt_view& out, const mt_view& in) {
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    const MapRow<T> kernel = kMapRows<T>[static_cast<std::size_t>(op)];
    const mt_view* inputs[1] = {&in};
    run<T, 1>(out, inputs, op_grain(MT_FAMILY_MAP, op),
              [kernel](int64_t n, T* o, int64_t os, const T* const(&x)[1], const int64_t(&xs)[1]) {
                kernel(n, o, os, x[0], xs[0]);
              });
  });
}

void zip(int32_t op, const mt_view& out, const mt_view& a, const mt_view& b) {
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    const ZipRow<T> kernel = kZipRows<T>[static_cast<std::size_t>(op)];
    const mt_view* inputs[2] = {&a, &b};
    run<T, 2>(out, inputs, op_grain(MT_FAMILY_ZIP, op),
              [kernel](int64_t n, T* o, int64_t os, const T* const(&x)[2], const int64_t(&xs)[2]) {
                kernel(n, o, os, x[0], xs[0], x[1], xs[1]);
              });
  });
}

void fill(const mt_view& out, double value) {
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T v = static_cast<T>(value);
    const int64_t* strides[1] = {out.strides};
    const Plan<1> p = make_plan<1>(out.ndim, out.shape, strides);
    T* base = sdk::typed_data<T>(out);
    const bool stream =
        p.inner_stride(0) == 1 && p.total * static_cast<int64_t>(sizeof(T)) >= kStreamBytes;
    parallel_for(0, p.total, kFillGrain, [&](int64_t begin, int64_t end) {
      walk_range(p, begin, end, [&](int64_t len, const int64_t(&off)[1]) {
        T* o = base + off[0];
        const int64_t os = p.inner_stride(0);
        if (stream) {
          stream_fill(o, v, len);
        } else if (os == 1) {
          std::fill_n(o, len, v);
        } else {
          for (int64_t i = 0; i < len; ++i)
            o[i * os] = v;
        }
      });
      if (stream)
        stream_fence();
    });
  });
}

}  // namespace mt::par
