// openblas.cpp — the named competitor for matmul: OpenBLAS cblas_sgemm /
// cblas_dgemm on the same matrices as matmul.cpp, with 1 and 2 threads, each
// checked against the reference plugin before it is timed. Compiled to a
// no-op when OpenBLAS was not found; OpenBLAS is never linked outside the lab.
#include "matmul_data.hpp"

#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#if MT_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace mt::bench {

#if MT_BENCH_HAVE_OPENBLAS

namespace {

template <class T>
std::vector<T> matrices(int64_t batch, int64_t n, uint64_t seed) {
  const std::vector<double> values = host_values(batch * n * n, seed);
  return std::vector<T>(values.begin(), values.end());
}

// Row-major C = A·B for every product of the batch.
template <class T>
void gemm(int64_t batch, int64_t n, const T* a, const T* b, T* c) {
  const int dim = static_cast<int>(n);
  for (int64_t z = 0; z < batch; ++z) {
    const int64_t at = z * n * n;
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, dim, dim, dim, 1.0f, a + at, dim,
                  b + at, dim, 0.0f, c + at, dim);
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, dim, dim, dim, 1.0, a + at, dim,
                  b + at, dim, 0.0, c + at, dim);
    }
  }
}

// Compares OpenBLAS's first rows (or first products of a batch) with the
// reference plugin's on the same inputs.
template <class T>
std::string check_against_reference(DType dtype, int64_t batch, int64_t n, const std::vector<T>& c,
                                    const BackendPtr& reference) {
  Step step{.family = Family::matmul};
  step.operands = {empty_tensor({batch, n, n}, dtype, reference),
                   random_tensor({batch, n, n}, dtype, reference, kMatmulSeedA),
                   random_tensor({batch, n, n}, dtype, reference, kMatmulSeedB)};
  if (batch > 1) {
    step.slice_dims = {0, 0, 0};
    step.slice_len = 4;
  } else {
    step.slice_dims = {1, 1, -1};
    step.slice_len = n > 256 ? 32 : 0;
  }
  run_step(step, /*sliced=*/true);
  const Tensor out = step.slice_len > 0
                         ? step.operands[0].narrow(step.slice_dims[0], 0, step.slice_len)
                         : step.operands[0];
  const std::vector<double> ref = out.to_vector();
  // The narrowed rows / products are a prefix of the row-major result.
  const std::vector<double> fast(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(ref.size()));
  const double error = relative_max_error(fast, ref);
  if (!(error <= 1e-4))
    return "OpenBLAS disagrees with the reference plugin: max relative error " +
           std::to_string(error);
  return "";
}

template <class T>
void run_gemm(benchmark::State& state, DType dtype, int64_t batch, int64_t n, int threads,
              const BackendPtr& reference, const std::string& name) {
  static std::map<std::string, std::string> verdicts;
  openblas_set_num_threads(threads);
  const std::vector<T> a = matrices<T>(batch, n, kMatmulSeedA);
  const std::vector<T> b = matrices<T>(batch, n, kMatmulSeedB);
  std::vector<T> c(a.size());
  gemm(batch, n, a.data(), b.data(), c.data());  // warm-up, and the result to check
  auto found = verdicts.find(name);
  if (found == verdicts.end()) {
    std::string verdict;
    try {
      verdict = check_against_reference(dtype, batch, n, c, reference);
    } catch (const std::exception& e) {
      verdict = std::string("reference check failed: ") + e.what();
    }
    found = verdicts.emplace(name, verdict).first;
  }
  if (!found->second.empty()) {
    state.SkipWithError(found->second.c_str());
    return;
  }
  for (auto _ : state) {
    gemm(batch, n, a.data(), b.data(), c.data());
    benchmark::ClobberMemory();
  }
  set_rate_counters(state, 0, 2.0 * static_cast<double>(batch) * static_cast<double>(n * n * n));
}

void register_one(DType dtype, int64_t batch, int64_t n, const BackendPtr& reference) {
  for (int threads : {1, 2}) {
    const std::string name =
        matmul_case_name(dtype, batch, n) + "/openblas_" + std::to_string(threads) + "t";
    benchmark::RegisterBenchmark(
        name.c_str(),
        [=](benchmark::State& state) {
          if (dtype == DType::f32)
            run_gemm<float>(state, dtype, batch, n, threads, reference, name);
          else
            run_gemm<double>(state, dtype, batch, n, threads, reference, name);
        })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

void register_openblas(const BackendPtr& reference) {
  // Which kernels OpenBLAS picked: "Haswell" here means OPENBLAS_CORETYPE
  // forced the AVX2 path (about half speed on this machine).
  benchmark::AddCustomContext("openblas_corename", openblas_get_corename());
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", forced != nullptr ? forced : "(unset)");
  const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
  benchmark::AddCustomContext("OPENBLAS_NUM_THREADS", threads != nullptr ? threads : "(unset)");
  for (int64_t n : kMatmulSides)
    register_one(DType::f32, 1, n, reference);
  for (int64_t n : kMatmulSidesF64)
    register_one(DType::f64, 1, n, reference);
  register_one(DType::f32, kBatchedCount, kBatchedSide, reference);
}

std::string openblas_core_name() {
  return openblas_get_corename();
}

#else

std::string openblas_core_name() {
  return "";
}

void register_openblas(const BackendPtr&) {
  benchmark::AddCustomContext("openblas_corename", "(OpenBLAS not found at configure time)");
}

#endif

}  // namespace mt::bench
