// matmul.cpp — the batched matmul slot: picks, per call, between a direct
// loop for small products (packing would cost more than it saves), the
// packed GEMM per matrix with the batch spread over threads, or one packed
// GEMM at a time spread over threads. A broadcast batch (stride 0) needs no
// special case: packing reads through any strides. Validation is done by
// plugin.cpp.
#include "matmul.hpp"

#include "gemm.hpp"
#include "runtime.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>

namespace mt::par {

namespace {

// Below this many multiply-adds per matrix the direct loops win.
constexpr int64_t kSmallProduct = 24 * 24 * 24;
// Products up to this many multiply-adds with row-major B and C skip packing
// (measured: the unpacked kernel beats packing up to about 128^3).
constexpr int64_t kSmallVector = 128 * 128 * 128;
// An unpacked product of at least this many multiply-adds is split by rows
// across threads when the batch alone cannot keep them busy.
constexpr int64_t kSmallSplit = int64_t{1} << 20;
// Multiply-adds per task, at least, when spreading small products.
constexpr int64_t kTaskWork = 1 << 16;
// Per-matrix multiply-adds below which matrices go to threads whole.
constexpr int64_t kWholeMatrixWork = int64_t{1} << 25;

// One row of C = A * B without packing: c[j] = sum_k a[k] * b[k][j].
template <class T>
void direct_row(int64_t n, int64_t k, const T* a, int64_t a_cs, const StridedMatrix<T>& b, T* c,
                int64_t c_cs) {
  if (b.cs == 1 && c_cs == 1) {
    // Row-vector times matrix: stream rows of B into C (vectorised over j).
    std::fill_n(c, n, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T s = a[p * a_cs];
      const T* brow = b.data + p * b.rs;
      for (int64_t j = 0; j < n; ++j)
        c[j] += s * brow[j];
    }
    return;
  }
  if (b.rs == 1 && a_cs == 1) {
    // Columns of B are contiguous: dot products with split accumulators.
    for (int64_t j = 0; j < n; ++j) {
      const T* bcol = b.data + j * b.cs;
      T acc[8] = {};
      int64_t p = 0;
      for (; p + 8 <= k; p += 8)
        for (int u = 0; u < 8; ++u)
          acc[u] += a[p + u] * bcol[p + u];
      T sum = T(0);
      for (; p < k; ++p)
        sum += a[p] * bcol[p];
      for (int u = 0; u < 8; ++u)
        sum += acc[u];
      c[j * c_cs] = sum;
    }
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    T sum = T(0);
    for (int64_t p = 0; p < k; ++p)
      sum += a[p * a_cs] * b.data[p * b.rs + j * b.cs];
    c[j * c_cs] = sum;
  }
}

template <class T>
void matmul_typed(const mt_view& out, const mt_view& av, const mt_view& bv) {
  const int64_t batch = out.shape[0];
  int64_t m = out.shape[1];
  int64_t n = out.shape[2];
  const int64_t k = av.shape[2];
  if (batch == 0 || m == 0 || n == 0)
    return;
  T* c_base = sdk::typed_data<T>(out);
  const T* a_base = sdk::typed_data<T>(av);
  const T* b_base = sdk::typed_data<T>(bv);
  StridedMatrix<T> a{nullptr, av.strides[1], av.strides[2]};
  StridedMatrix<T> b{nullptr, bv.strides[1], bv.strides[2]};
  OutMatrix<T> c{nullptr, out.strides[1], out.strides[2]};
  int64_t a_bs = av.strides[0];
  int64_t b_bs = bv.strides[0];
  // An output that is column-major (transposed) is computed as
  // C^T = B^T A^T, so the kernels still store along unit-stride rows.
  if (c.cs != 1 && c.rs == 1 && n > 1) {
    std::swap(a_base, b_base);
    std::swap(a_bs, b_bs);
    const StridedMatrix<T> at{nullptr, b.cs, b.rs};
    const StridedMatrix<T> bt{nullptr, a.cs, a.rs};
    a = at;
    b = bt;
    c = OutMatrix<T>{nullptr, c.cs, c.rs};
    std::swap(m, n);
  }
  const int64_t c_bs = out.strides[0];
  const int64_t work = m * n * k;
  const int threads = thread_count();

  auto matrix = [&](int64_t z, StridedMatrix<T>& az, StridedMatrix<T>& bz, OutMatrix<T>& cz) {
    az = StridedMatrix<T>{a_base + z * a_bs, a.rs, a.cs};
    bz = StridedMatrix<T>{b_base + z * b_bs, b.rs, b.cs};
    cz = OutMatrix<T>{c_base + z * c_bs, c.rs, c.cs};
  };

  // Small products with row-major B and C: the unpacked vector kernel.
  if (work <= kSmallVector && b.cs == 1 && c.cs == 1 && n >= 4 && m >= 2) {
    const SmallGemm<T> small = gemm_kernel<T>().small;
    if (threads > 1 && batch < threads && work >= kSmallSplit) {
      // Row blocks of 12 (whole register groups of 6 or 2 rows, or 8 and a
      // half-height 4), about two per thread.
      const int64_t groups = ceil_div(m, 12);
      const int64_t blocks = std::min(groups, int64_t{2} * threads);
      parallel_tasks(batch * blocks, [&](int64_t t) {
        const int64_t z = t / blocks;
        const int64_t r0 = (t % blocks) * groups / blocks * 12;
        const int64_t r1 = std::min(m, (t % blocks + 1) * groups / blocks * 12);
        if (r0 < r1)
          small(r1 - r0, n, k, a_base + z * a_bs + r0 * a.rs, a.rs, a.cs, b_base + z * b_bs, b.rs,
                c_base + z * c_bs + r0 * c.rs, c.rs);
      });
      return;
    }
    parallel_for(0, batch, std::max<int64_t>(1, kTaskWork / std::max<int64_t>(work, 1)),
                 [&](int64_t z0, int64_t z1) {
                   for (int64_t z = z0; z < z1; ++z)
                     small(m, n, k, a_base + z * a_bs, a.rs, a.cs, b_base + z * b_bs, b.rs,
                           c_base + z * c_bs, c.rs);
                 });
    return;
  }
  const bool direct = work <= kSmallProduct || n < 4 || m < 2;
  if (direct) {
    // Tasks are (matrix, row range) pairs over all batch * m rows.
    const int64_t rows = batch * m;
    const int64_t grain = std::max<int64_t>(1, kTaskWork / std::max<int64_t>(1, n * k));
    parallel_for(0, rows, grain, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t z = r / m;
        const int64_t i = r % m;
        StridedMatrix<T> az{}, bz{};
        OutMatrix<T> cz{};
        matrix(z, az, bz, cz);
        direct_row(n, k, az.data + i * az.rs, az.cs, bz, cz.data + i * cz.rs, cz.cs);
      }
    });
    return;
  }
  if (threads > 1 && batch >= threads && (batch >= 2 * threads || work < kWholeMatrixWork)) {
    parallel_for(0, batch, 1, [&](int64_t z0, int64_t z1) {
      for (int64_t z = z0; z < z1; ++z) {
        StridedMatrix<T> az{}, bz{};
        OutMatrix<T> cz{};
        matrix(z, az, bz, cz);
        gemm_strided(m, n, k, az, bz, cz, false);
      }
    });
    return;
  }
  const bool parallel = threads > 1 && work * batch >= kTaskWork * 4;
  for (int64_t z = 0; z < batch; ++z) {
    StridedMatrix<T> az{}, bz{};
    OutMatrix<T> cz{};
    matrix(z, az, bz, cz);
    gemm_strided(m, n, k, az, bz, cz, parallel);
  }
}

}  // namespace

void matmul(const mt_view& out, const mt_view& a, const mt_view& b) {
  sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    matmul_typed<T>(out, a, b);
  });
}

}  // namespace mt::par
