// cublas_compare.hpp — cuBLAS sgemm / dgemm behind a row-major interface, the
// named competitor for the plugin's matmul in benchmarks (MT_CUDA_COMPARE=ON).
// Not used by the plugin or core; free of CUDA types so plain C++ includes it.
#ifndef MT_CUDA_CUBLAS_COMPARE_HPP
#define MT_CUDA_CUBLAS_COMPARE_HPP

#include <cstdint>
#include <string>

namespace mt::cuda_compare {

// True when a CUDA device and cuBLAS can be initialised; otherwise false with
// the reason (CUDA or cuBLAS error name) in *reason when it is not NULL.
bool available(std::string* reason);

// C = A @ B for contiguous row-major device matrices: A (m, k), B (k, n),
// C (m, n). Pointers are device memory (for example buffers from the cuda
// plugin's alloc: both share the device's primary context). Runs on the
// legacy default stream, asynchronously; call synchronize() before timing
// stops. Throws std::runtime_error naming the cuBLAS status on failure.
void sgemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c);
void dgemm(int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c);

// cudaDeviceSynchronize; throws std::runtime_error with the CUDA error name.
void synchronize();

}  // namespace mt::cuda_compare

#endif  // MT_CUDA_CUBLAS_COMPARE_HPP
