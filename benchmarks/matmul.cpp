// matmul.cpp — the matmul slot on square problems 64³…2048³ (f32, plus f64 at
// 512³ and 1024³) and a batched 32×128³ product, in GFLOP/s (2·M·N·K per
// product). OpenBLAS, the named competitor, is in openblas.cpp with the same
// data. Not a GEMM implementation: it only calls the plugins.
#include "matmul_data.hpp"

#include <string>

namespace mt::bench {

namespace {

// The reference plugin is timed up to this size (2048³ would take minutes).
constexpr int64_t kReferenceMaxSide = 256;
// Rows (or batches) the reference recomputes when checking a large product.
constexpr int64_t kCheckRows = 32;

Case matmul_case(DType dtype, int64_t batch, int64_t n) {
  Case c;
  c.name = matmul_case_name(dtype, batch, n);
  c.dtype = dtype;
  c.flops = 2.0 * static_cast<double>(batch) * static_cast<double>(n * n * n);
  c.tolerance = 1e-4;  // blocking and FMA change the rounding, not the result
  c.run_on_reference = n <= kReferenceMaxSide && dtype == DType::f32;
  c.build = [batch, n](const BackendPtr& backend, DType dt) {
    Step step{.family = Family::matmul};
    step.operands = {empty_tensor({batch, n, n}, dt, backend),
                     random_tensor({batch, n, n}, dt, backend, kMatmulSeedA),
                     random_tensor({batch, n, n}, dt, backend, kMatmulSeedB)};
    if (batch > 1) {
      step.slice_dims = {0, 0, 0};  // a few whole products of the batch
      step.slice_len = 4;
    } else {
      step.slice_dims = {1, 1, -1};  // the first rows of a and out; all of b
      step.slice_len = n > kReferenceMaxSide ? kCheckRows : 0;
    }
    return std::vector<Step>{step};
  };
  return c;
}

}  // namespace

std::string matmul_case_name(DType dtype, int64_t batch, int64_t n) {
  const std::string type = dtype_name(dtype);
  if (batch == 1)
    return "matmul/" + type + "/" + std::to_string(n);
  return "bmm/" + type + "/" + std::to_string(batch) + "x" + std::to_string(n);
}

void register_matmul(const std::vector<BackendPtr>& backends, const BackendPtr& reference) {
  for (int64_t n : kMatmulSides)
    register_case(matmul_case(DType::f32, 1, n), backends, reference);
  for (int64_t n : kMatmulSidesF64)
    register_case(matmul_case(DType::f64, 1, n), backends, reference);
  register_case(matmul_case(DType::f32, kBatchedCount, kBatchedSide), backends, reference);
}

}  // namespace mt::bench
