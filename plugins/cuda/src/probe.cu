// probe.cu — a do-nothing kernel whose attributes is_usable asks for, to learn
// at load-check time (not at the first real op) whether this library carries
// code the current device can run. Not a functional or performance test.
#include "launch.hpp"

#include <cuda_runtime.h>

namespace mt::cuda {
namespace {

__global__ void probe_kernel() {}

}  // namespace

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, probe_kernel);
}

}  // namespace mt::cuda
