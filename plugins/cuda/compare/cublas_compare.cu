// cublas_compare.cu — implementation of cublas_compare.hpp: one lazily
// created cuBLAS handle, and the row-major-to-column-major swap (C^T = B^T
// A^T) so no data is transposed. Not thread-safe beyond handle creation.
#include "cublas_compare.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <stdexcept>

namespace mt::cuda_compare {
namespace {

struct HandleState {
  std::once_flag once;
  cublasHandle_t handle = nullptr;
  std::string error;
};

HandleState& state() {
  static HandleState s;
  return s;
}

cublasHandle_t handle_or_null(std::string* reason) {
  HandleState& s = state();
  std::call_once(s.once, [&s] {
    int count = 0;
    const cudaError_t cuda_status = cudaGetDeviceCount(&count);
    if (cuda_status != cudaSuccess) {
      s.error = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(cuda_status);
      return;
    }
    if (count == 0) {
      s.error = "no CUDA device";
      return;
    }
    const cublasStatus_t status = cublasCreate(&s.handle);
    if (status != CUBLAS_STATUS_SUCCESS) {
      s.error = std::string("cublasCreate failed: ") + cublasGetStatusName(status);
      s.handle = nullptr;
    }
  });
  if (s.handle == nullptr && reason != nullptr)
    *reason = s.error;
  return s.handle;
}

cublasHandle_t handle() {
  std::string reason;
  cublasHandle_t h = handle_or_null(&reason);
  if (h == nullptr)
    throw std::runtime_error("cuBLAS unavailable: " + reason);
  return h;
}

int checked_int(int64_t value, const char* what) {
  if (value < 0 || value > INT_MAX)
    throw std::runtime_error(std::string(what) + " is outside cuBLAS's 32-bit range");
  return static_cast<int>(value);
}

void check(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(what) + " failed: " + cublasGetStatusName(status));
}

}  // namespace

bool available(std::string* reason) {
  return handle_or_null(reason) != nullptr;
}

// Row-major C (m x n) is column-major C^T (n x m) = B^T (n x k) * A^T (k x m),
// and row-major B and A are exactly column-major B^T and A^T.
void sgemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  const int im = checked_int(m, "m"), in = checked_int(n, "n"), ik = checked_int(k, "k");
  const float one = 1.0f, zero = 0.0f;
  // Leading dimensions must be at least 1 even for empty matrices.
  const int ldb = std::max(1, in), lda = std::max(1, ik);
  check(cublasSgemm(handle(), CUBLAS_OP_N, CUBLAS_OP_N, in, im, ik, &one, b, ldb, a, lda, &zero, c,
                    ldb),
        "cublasSgemm");
}

void dgemm(int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c) {
  const int im = checked_int(m, "m"), in = checked_int(n, "n"), ik = checked_int(k, "k");
  const double one = 1.0, zero = 0.0;
  // Leading dimensions must be at least 1 even for empty matrices.
  const int ldb = std::max(1, in), lda = std::max(1, ik);
  check(cublasDgemm(handle(), CUBLAS_OP_N, CUBLAS_OP_N, in, im, ik, &one, b, ldb, a, lda, &zero, c,
                    ldb),
        "cublasDgemm");
}

void synchronize() {
  const cudaError_t status = cudaDeviceSynchronize();
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("cudaDeviceSynchronize failed: ") +
                             cudaGetErrorName(status));
}

}  // namespace mt::cuda_compare
