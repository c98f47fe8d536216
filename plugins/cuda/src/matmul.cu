// matmul.cu — batched matrix product over arbitrary strides (batch stride 0
// is a broadcast batch) on the tiled kernel in gemm.cuh. Not a BLAS: it
// accumulates in the views' dtype and does only the header's formula.
#include "gemm.cuh"

#include <cstdint>

namespace mt::cuda {
namespace {

template <class T>
struct MatmulProblem {
  const T* a;
  const T* b;
  T* out;
  int64_t batches, m, n, k;
  int64_t a_batch, a_row, a_col;
  int64_t b_batch, b_row, b_col;
  int64_t out_batch, out_row, out_col;
  bool a_m_fastest;
  bool b_n_fastest;

  __device__ T load_a(int64_t z, int64_t i, int64_t kk) const {
    return a[z * a_batch + i * a_row + kk * a_col];
  }
  __device__ T load_b(int64_t z, int64_t kk, int64_t j) const {
    return b[z * b_batch + kk * b_row + j * b_col];
  }
  __device__ void store(int64_t z, int64_t i, int64_t j, T v) const {
    out[z * out_batch + i * out_row + j * out_col] = v;
  }
};

}  // namespace

void launch_matmul(const LaunchEnv& env, const mt_view& out, const mt_view& a, const mt_view& b) {
  mt::sdk::dispatch_dtype(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    MatmulProblem<T> p{};
    p.a = mt::sdk::typed_data<T>(a);
    p.b = mt::sdk::typed_data<T>(b);
    p.out = mt::sdk::typed_data<T>(out);
    p.batches = out.shape[0];
    p.m = out.shape[1];
    p.n = out.shape[2];
    p.k = a.shape[2];
    p.a_batch = a.strides[0];
    p.a_row = a.strides[1];
    p.a_col = a.strides[2];
    p.b_batch = b.strides[0];
    p.b_row = b.strides[1];
    p.b_col = b.strides[2];
    p.out_batch = out.strides[0];
    p.out_row = out.strides[1];
    p.out_col = out.strides[2];
    // Coalesce tile loads along whichever index is closer in memory
    // (row-major a: along k; a transposed view: along i).
    p.a_m_fastest = p.a_row < p.a_col;
    p.b_n_fastest = p.b_col <= p.b_row;
    run_gemm<T>(env, "matmul", p);
  });
}

}  // namespace mt::cuda
