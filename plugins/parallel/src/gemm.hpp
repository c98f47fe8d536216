// gemm.hpp — the cache-blocked GEMM driver (BLIS-style loops: nc columns of
// B packed for L3, kc-deep slices, mc rows of A packed for L2, register
// tiles from gemm_kernels.hpp) with pluggable packers, so matmul packs
// strided matrices and conv packs an implicit im2col without materialising
// it. Not here: the batched matmul slot (matmul.cpp) or convolution (conv.cpp).
#pragma once

#include "gemm_kernels.hpp"
#include "memory.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mt::par {

// Element (r, c) of a read-only matrix is data[r * rs + c * cs].
template <class T>
struct StridedMatrix {
  const T* data;
  int64_t rs;
  int64_t cs;
};

// Element (r, c) of the output is data[r * rs + c * cs].
template <class T>
struct OutMatrix {
  T* data;
  int64_t rs;
  int64_t cs;
};

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// dst[p * ld + r] = src[r * rs + p] for r < rows (<= kMaxTileEdge), p < len: a
// transpose of `rows` unit-stride source rows. Each source row is read a
// cache line at a time into a small tile first: reading the rows element by
// element in lockstep would thrash L1 when rs is a multiple of 4 KiB.
template <class T>
void transpose_rows(T* dst, int64_t ld, const T* src, int64_t rs, int64_t rows, int64_t len) {
  constexpr int64_t kStep = 64 / sizeof(T);
  T tile[kMaxTileEdge][kStep];
  for (int64_t p0 = 0; p0 < len; p0 += kStep) {
    const int64_t pl = std::min(kStep, len - p0);
    if (pl == kStep) {
      // Fixed length, so GCC emits vector moves rather than a rep movs. The
      // prefetch runs a few lines ahead on each of the `rows` streams.
      for (int64_t r = 0; r < rows; ++r) {
        __builtin_prefetch(src + r * rs + p0 + 4 * kStep);
        for (int64_t q = 0; q < kStep; ++q)
          tile[r][q] = src[r * rs + p0 + q];
      }
    } else {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t q = 0; q < pl; ++q)
          tile[r][q] = src[r * rs + p0 + q];
    }
    for (int64_t q = 0; q < pl; ++q)
      for (int64_t r = 0; r < rows; ++r)
        dst[(p0 + q) * ld + r] = tile[r][q];
  }
}

// Packs rows [i0, i0 + m) x depth [p0, p0 + kc) of `a` into ceil(m / mr)
// panels; panel q holds element (p, r) at dst[q * mr * kc + p * mr + r],
// zero-padded past row m.
template <class T>
void pack_a_strided(T* dst, const StridedMatrix<T>& a, int64_t i0, int64_t m, int64_t p0,
                    int64_t kc, int mr) {
  for (int64_t ip = 0; ip < m; ip += mr) {
    T* panel = dst + (ip / mr) * mr * kc;
    const int64_t rows = std::min<int64_t>(mr, m - ip);
    const T* src = a.data + (i0 + ip) * a.rs + p0 * a.cs;
    if (a.rs == 1 && rows == mr) {
      for (int64_t p = 0; p < kc; ++p)
        for (int r = 0; r < mr; ++r)
          panel[p * mr + r] = src[p * a.cs + r];
      continue;
    }
    if (a.cs == 1) {
      transpose_rows(panel, mr, src, a.rs, rows, kc);
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t r = 0; r < rows; ++r)
          panel[p * mr + r] = src[r * a.rs + p * a.cs];
    }
    for (int64_t r = rows; r < mr; ++r)
      for (int64_t p = 0; p < kc; ++p)
        panel[p * mr + r] = T(0);
  }
}

// Packs one panel: columns [j0, j0 + cols) (cols <= nr) x depth [p0, p0 + kc)
// of `b`, element (p, c) at dst[p * nr + c], zero-padded past column cols.
template <class T>
void pack_b_panel_strided(T* dst, const StridedMatrix<T>& b, int64_t j0, int64_t cols, int64_t p0,
                          int64_t kc, int nr) {
  const T* src = b.data + p0 * b.rs + j0 * b.cs;
  if (b.cs == 1 && cols == nr) {
    // Each k step is a new row of B (often a new page): prefetch rows ahead.
    constexpr int64_t kAhead = 8;
    for (int64_t p = 0; p < kc; ++p) {
      const T* row = src + p * b.rs;
      __builtin_prefetch(row + kAhead * b.rs);
      __builtin_prefetch(row + kAhead * b.rs + nr - 1);
      for (int c = 0; c < nr; ++c)
        dst[p * nr + c] = row[c];
    }
    return;
  }
  if (b.rs == 1) {
    transpose_rows(dst, nr, src, b.cs, cols, kc);
  } else {
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t c = 0; c < cols; ++c)
        dst[p * nr + c] = src[p * b.rs + c * b.cs];
  }
  if (cols < nr)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t c = cols; c < nr; ++c)
        dst[p * nr + c] = T(0);
}

// The blocking loops of gemm_blocked, for one k range.
// C (m x n) = A (m x k) * B (k x n). pack_a(dst, i0, m, p0, kc, mr) packs A
// rows like pack_a_strided (for the mr the driver chose); pack_b(dst, j0, cols, p0, kc) packs one B
// panel like pack_b_panel_strided. With `parallel`, packing and the tile loops run on the arena;
// the summation order of every C element is the same either way (k ascending, in kc slices), so
// results do not depend on threads.
template <class T, class PackA, class PackB>
void gemm_core(int64_t m, int64_t n, int64_t k, const PackA& pack_a, const PackB& pack_b,
               const OutMatrix<T>& c, bool parallel) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c.data[i * c.rs + j * c.cs] = T(0);
    return;
  }
  const GemmKernel<T>& kern = gemm_kernel<T>();
  const Tile<T>& tile_shape = kern.tile_for(m);
  const int mr = tile_shape.mr;
  const MicroKernel<T> micro = tile_shape.micro;
  const int nr = kern.nr;
  const int threads = parallel ? thread_count() : 1;
  if (threads == 1)
    parallel = false;

  // Row blocks: whole mr panels, sizes differing by at most one panel, and
  // at least `threads` of them when there are enough panels.
  const int64_t m_panels = ceil_div(m, mr);
  int64_t m_blocks = ceil_div(m_panels * mr, kern.mc);
  if (parallel)
    m_blocks = std::min(m_panels, ceil_div(m_blocks, threads) * threads);
  const int64_t kc_max = std::min(k, kern.kc);
  const int64_t nc_max = std::min(ceil_div(n, nr) * nr, kern.nc);
  Scratch<T> b_pack(static_cast<std::size_t>(nc_max * kc_max));
  const bool c_unit = c.cs == 1;

  for (int64_t jc = 0; jc < n; jc += nc_max) {
    const int64_t nc = std::min(nc_max, n - jc);
    const int64_t n_panels = ceil_div(nc, nr);
    // Column groups: split the panels too when row blocks alone cannot
    // keep every thread busy (few rows).
    int64_t n_groups = 1;
    if (parallel && m_blocks < 2 * threads)
      n_groups = std::min(n_panels, ceil_div(2 * threads, m_blocks));
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      const int accumulate = pc > 0 ? 1 : 0;
      T* bp = b_pack.data();
      auto pack_panels = [&](int64_t q0, int64_t q1) {
        for (int64_t q = q0; q < q1; ++q)
          pack_b(bp + q * nr * kc, jc + q * nr, std::min<int64_t>(nr, nc - q * nr), pc, kc);
      };
      if (parallel)
        parallel_for(0, n_panels, std::max<int64_t>(1, n_panels / (4 * threads)), pack_panels);
      else
        pack_panels(0, n_panels);

      auto block = [&](int64_t task) {
        const int64_t ib = task / n_groups;
        const int64_t g = task % n_groups;
        const int64_t panel0 = ib * m_panels / m_blocks;
        const int64_t panel1 = (ib + 1) * m_panels / m_blocks;
        const int64_t i0 = panel0 * mr;
        const int64_t rows = std::min(m, panel1 * mr) - i0;
        const int64_t q0 = g * n_panels / n_groups;
        const int64_t q1 = (g + 1) * n_panels / n_groups;
        if (rows <= 0 || q0 >= q1)
          return;
        Scratch<T> a_pack(static_cast<std::size_t>((panel1 - panel0) * mr * kc));
        pack_a(a_pack.data(), i0, rows, pc, kc, mr);
        alignas(64) T tile[kMaxTileElements];
        // The mr x kc sliver of A stays in L1 while the kc x nr panels of
        // B stream past it from L2.
        for (int64_t ir = 0; ir < rows; ir += mr) {
          const int64_t tile_rows = std::min<int64_t>(mr, rows - ir);
          const T* aq = a_pack.data() + (ir / mr) * mr * kc;
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t j = jc + q * nr;
            const int64_t cols = std::min<int64_t>(nr, n - j);
            const T* bq = bp + q * nr * kc;
            T* cq = c.data + (i0 + ir) * c.rs + j * c.cs;
            if (c_unit && tile_rows == mr && cols == nr) {
              micro(kc, aq, bq, nullptr, cq, c.rs, accumulate);
              continue;
            }
            micro(kc, aq, bq, nullptr, tile, nr, 0);
            for (int64_t r = 0; r < tile_rows; ++r)
              for (int64_t jj = 0; jj < cols; ++jj) {
                T& dst = cq[r * c.rs + jj * c.cs];
                dst = accumulate ? dst + tile[r * nr + jj] : tile[r * nr + jj];
              }
          }
        }
      };
      const int64_t tasks = m_blocks * n_groups;
      if (parallel) {
        parallel_tasks(tasks, block);
      } else {
        for (int64_t t = 0; t < tasks; ++t)
          block(t);
      }
    }
  }
}

// C (m x n) = A (m x k) * B (k x n), see gemm_core; with a long k and a
// small C the k range is split first.
template <class T, class PackA, class PackB>
void gemm_blocked(int64_t m, int64_t n, int64_t k, const PackA& pack_a, const PackB& pack_b,
                  const OutMatrix<T>& c, bool parallel) {
  if (m <= 0 || n <= 0 || k <= 0) {
    gemm_core<T>(m, n, k, pack_a, pack_b, c, false);
    return;
  }
  const GemmKernel<T>& kern = gemm_kernel<T>();
  if (thread_count() == 1)
    parallel = false;
  // A small C with a long k (a weight gradient: out 64 x 576, k = 100352)
  // has too few tiles to share out and would pay two barriers per kc slice.
  // Instead, fixed chunks of k go to separate partial products, summed in
  // chunk order. The choice depends on the shape only, so the rounding is
  // the same whether or not the chunks run in parallel.
  const int64_t chunk =
      std::max<int64_t>(16 * kern.kc, ceil_div(ceil_div(k, 64), kern.kc) * kern.kc);
  if (k >= 2 * chunk && m * n <= (int64_t{1} << 18)) {
    const int64_t chunks = ceil_div(k, chunk);
    Scratch<T> partial(static_cast<std::size_t>(chunks * m * n));
    auto run_chunk = [&](int64_t ch) {
      const int64_t kb = ch * chunk;
      gemm_core<T>(
          m, n, std::min(chunk, k - kb),
          [&](T* dst, int64_t i0, int64_t rows, int64_t p0, int64_t kc, int mr) {
            pack_a(dst, i0, rows, kb + p0, kc, mr);
          },
          [&](T* dst, int64_t j0, int64_t cols, int64_t p0, int64_t kc) {
            pack_b(dst, j0, cols, kb + p0, kc);
          },
          OutMatrix<T>{partial.data() + ch * m * n, n, 1}, false);
    };
    if (parallel) {
      parallel_tasks(chunks, run_chunk);
    } else {
      for (int64_t ch = 0; ch < chunks; ++ch)
        run_chunk(ch);
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T sum = partial[static_cast<std::size_t>(i * n + j)];
        for (int64_t ch = 1; ch < chunks; ++ch)
          sum += partial[static_cast<std::size_t>((ch * m + i) * n + j)];
        c.data[i * c.rs + j * c.cs] = sum;
      }
    return;
  }
  gemm_core<T>(m, n, k, pack_a, pack_b, c, parallel);
}

// C = A * B for strided matrices (any strides, including 0).
template <class T>
void gemm_strided(int64_t m, int64_t n, int64_t k, const StridedMatrix<T>& a,
                  const StridedMatrix<T>& b, const OutMatrix<T>& c, bool parallel) {
  const GemmKernel<T>& kern = gemm_kernel<T>();
  gemm_blocked<T>(
      m, n, k,
      [&](T* dst, int64_t i0, int64_t rows, int64_t p0, int64_t kc, int mr) {
        pack_a_strided(dst, a, i0, rows, p0, kc, mr);
      },
      [&](T* dst, int64_t j0, int64_t cols, int64_t p0, int64_t kc) {
        pack_b_panel_strided(dst, b, j0, cols, p0, kc, kern.nr);
      },
      c, parallel);
}

}  // namespace mt::par
