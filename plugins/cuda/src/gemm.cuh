// gemm.cuh — the tiled, register-blocked GEMM kernel shared by matmul and the
// implicit-GEMM convolutions; a "problem" type says how to load and store.
// Not a general BLAS: no alpha/beta, no transposes beyond what strides say.
//
// A BM x BN block tile is staged through shared memory BK columns at a time
// (each A and B element of the tile read from global memory once per tile);
// each thread accumulates a TM x TN micro-tile in registers.
#ifndef MT_CUDA_GEMM_CUH
#define MT_CUDA_GEMM_CUH

#include "device_common.cuh"

#include <algorithm>
#include <cstdint>

namespace mt::cuda {

// kMinBlocks is the occupancy asked of ptxas (__launch_bounds__): 2 where
// that fits in registers without spilling, 1 for the f32 Large shape whose
// 8 x 8 micro-tile needs more than 128 registers.
template <int BM_, int BN_, int BK_, int TM_, int TN_, int MinBlocks>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int kThreads = (BM / TM) * (BN / TN);
  static constexpr int kMinBlocks = MinBlocks;
};

// Three shapes per dtype, all 256 threads: Large for big outputs, Small when
// Large tiles would leave multiprocessors idle, Narrow for N <= 16 (a conv
// with few output channels, a matrix-vector product).
template <class T>
struct Tiles;
template <>
struct Tiles<float> {
  using Large = Tile<128, 128, 8, 8, 8, 1>;
  using Small = Tile<64, 64, 8, 4, 4, 2>;
  using Narrow = Tile<128, 16, 16, 4, 2, 2>;
};
template <>
struct Tiles<double> {
  using Large = Tile<64, 64, 8, 4, 4, 2>;
  using Small = Tile<32, 32, 8, 2, 2, 2>;
  using Narrow = Tile<128, 16, 16, 4, 2, 2>;
};

// Problem interface (all members used by the kernel):
//   int64_t batches, m, n, k;
//   bool a_m_fastest;   // neighbouring threads load neighbouring rows of A
//                       // (else neighbouring k), whichever is closer in memory
//   bool b_n_fastest;   // same for B: neighbouring columns, else neighbouring k
//   T load_a(int64_t z, int64_t i, int64_t k) const;   // only called in range
//   T load_b(int64_t z, int64_t k, int64_t j) const;   // only called in range
//   void store(int64_t z, int64_t i, int64_t j, T v) const;
//
// Thread (tx, ty) owns rows ty*TM .. ty*TM+TM-1 of the block tile and TN
// columns in TN/VN groups of VN neighbours, the groups BN/(TN/VN) apart, so
// that a warp's 16-byte shared-memory reads of B hit distinct banks.
template <class T, class TileT, class Problem>
__global__ void __launch_bounds__(TileT::kThreads, TileT::kMinBlocks) gemm_kernel(Problem p) {
  constexpr int BM = TileT::BM, BN = TileT::BN, BK = TileT::BK;
  constexpr int TM = TileT::TM, TN = TileT::TN;
  constexpr int kThreads = TileT::kThreads;
  constexpr int VW = kVectorWidth<T>;  // elements per 16 bytes
  constexpr int VM = TM < VW ? TM : VW;
  constexpr int VN = TN < VW ? TN : VW;
  constexpr int kGroups = TN / VN;
  constexpr int kGroupStride = BN / kGroups;
  constexpr int kThreadsN = BN / TN;
  constexpr int kLoadsA = BM * BK / kThreads;
  constexpr int kLoadsB = BK * BN / kThreads;
  // Rows padded by 16 bytes: k-major stores of a warp then spread over all
  // banks, and every row start stays 16-byte aligned for Pack reads.
  constexpr int kPad = VW;
  static_assert(BM % TM == 0 && BN % TN == 0 && TM % VM == 0 && TN % VN == 0);
  static_assert(kLoadsA * kThreads == BM * BK && kLoadsB * kThreads == BK * BN);
  static_assert((BM + kPad) * sizeof(T) % 16 == 0 && (BN + kPad) * sizeof(T) % 16 == 0);
  static_assert((TM * sizeof(T)) % (VM * sizeof(T)) == 0 && kGroupStride % VN == 0);

  alignas(16) __shared__ T a_tile[BK][BM + kPad];  // A transposed: a_tile[k][i]
  alignas(16) __shared__ T b_tile[BK][BN + kPad];  // b_tile[k][j]

  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % kThreadsN;
  const int ty = tid / kThreadsN;
  const int64_t tiles_m = (p.m + BM - 1) / BM;
  const int64_t tiles_n = (p.n + BN - 1) / BN;

  // Block-uniform loops (grid-stride over batches and tiles), so every
  // thread reaches every barrier.
  for (int64_t z = blockIdx.z; z < p.batches; z += gridDim.z) {
    for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
      for (int64_t tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
        const int64_t row0 = tm * BM;
        const int64_t col0 = tn * BN;
        T acc[TM][TN];
        MT_UNROLL
        for (int m = 0; m < TM; ++m) {
          MT_UNROLL
          for (int n = 0; n < TN; ++n)
            acc[m][n] = T(0);
        }

        for (int64_t k0 = 0; k0 < p.k; k0 += BK) {
          MT_UNROLL
          for (int r = 0; r < kLoadsA; ++r) {
            const int l = tid + r * kThreads;
            const int i = p.a_m_fastest ? l % BM : l / BK;
            const int kk = p.a_m_fastest ? l / BM : l % BK;
            const int64_t gi = row0 + i;
            const int64_t gk = k0 + kk;
            a_tile[kk][i] = (gi < p.m && gk < p.k) ? p.load_a(z, gi, gk) : T(0);
          }
          MT_UNROLL
          for (int r = 0; r < kLoadsB; ++r) {
            const int l = tid + r * kThreads;
            const int j = p.b_n_fastest ? l % BN : l / BK;
            const int kk = p.b_n_fastest ? l / BN : l % BK;
            const int64_t gj = col0 + j;
            const int64_t gk = k0 + kk;
            b_tile[kk][j] = (gk < p.k && gj < p.n) ? p.load_b(z, gk, gj) : T(0);
          }
          __syncthreads();

          MT_UNROLL
          for (int kk = 0; kk < BK; ++kk) {
            T a[TM];
            T b[TN];
            MT_UNROLL
            for (int m = 0; m < TM; m += VM) {
              const Pack<T, VM> pack =
                  *reinterpret_cast<const Pack<T, VM>*>(&a_tile[kk][ty * TM + m]);
              MT_UNROLL
              for (int e = 0; e < VM; ++e)
                a[m + e] = pack.v[e];
            }
            MT_UNROLL
            for (int g = 0; g < kGroups; ++g) {
              const Pack<T, VN> pack =
                  *reinterpret_cast<const Pack<T, VN>*>(&b_tile[kk][g * kGroupStride + tx * VN]);
              MT_UNROLL
              for (int e = 0; e < VN; ++e)
                b[g * VN + e] = pack.v[e];
            }
            MT_UNROLL
            for (int m = 0; m < TM; ++m) {
              MT_UNROLL
              for (int n = 0; n < TN; ++n)
                acc[m][n] += a[m] * b[n];
            }
          }
          __syncthreads();  // the tiles are overwritten by the next step
        }

        MT_UNROLL
        for (int m = 0; m < TM; ++m) {
          const int64_t gi = row0 + ty * TM + m;
          if (gi >= p.m)
            continue;
          MT_UNROLL
          for (int g = 0; g < kGroups; ++g) {
            MT_UNROLL
            for (int e = 0; e < VN; ++e) {
              const int64_t gj = col0 + g * kGroupStride + tx * VN + e;
              if (gj < p.n)
                p.store(z, gi, gj, acc[m][g * VN + e]);
            }
          }
        }
      }
    }
  }
}

template <class T, class TileT, class Problem>
void launch_gemm_tile(const LaunchEnv& env, const char* what, const Problem& p) {
  const int64_t tiles_m = ceil_div(p.m, TileT::BM);
  const int64_t tiles_n = ceil_div(p.n, TileT::BN);
  // Grid limits: x < 2^31, y and z <= 65535; the kernel loops past them.
  const dim3 grid(static_cast<unsigned>(std::min<int64_t>(tiles_n, INT32_MAX)),
                  static_cast<unsigned>(std::min<int64_t>(tiles_m, 65535)),
                  static_cast<unsigned>(std::min<int64_t>(p.batches, 65535)));
  launch_kernel(what, &gemm_kernel<T, TileT, Problem>, grid, dim3(TileT::kThreads), env, p);
}

// Picks the tile shape for the problem's size and launches. An empty output
// launches nothing; k == 0 writes zeros (the k loop never runs).
template <class T, class Problem>
void run_gemm(const LaunchEnv& env, const char* what, const Problem& p) {
  if (p.batches == 0 || p.m == 0 || p.n == 0)
    return;
  using L = typename Tiles<T>::Large;
  if (p.n <= Tiles<T>::Narrow::BN) {
    launch_gemm_tile<T, typename Tiles<T>::Narrow>(env, what, p);
    return;
  }
  const int64_t large_tiles = ceil_div(p.m, L::BM) * ceil_div(p.n, L::BN) * p.batches;
  if (large_tiles >= env.sm_count)
    launch_gemm_tile<T, L>(env, what, p);
  else
    launch_gemm_tile<T, typename Tiles<T>::Small>(env, what, p);
}

}  // namespace mt::cuda

#endif  // MT_CUDA_GEMM_CUH
