// cuda_error.hpp — turns CUDA runtime error codes into the plugin's errors:
// an mt::sdk::Error whose text names the failed call and the CUDA error by
// name and description. Not a retry or recovery policy; callers decide that.
#ifndef MT_CUDA_ERROR_HPP
#define MT_CUDA_ERROR_HPP

#include <minitorch/plugin_helpers.hpp>

#include <cuda_runtime_api.h>

#include <string>

namespace mt::cuda {

// "cudaErrorX (description)", or a placeholder when the runtime has no name.
inline std::string cuda_error_text(cudaError_t error) {
  const char* name = cudaGetErrorName(error);
  const char* text = cudaGetErrorString(error);
  return std::string(name != nullptr ? name : "unknown CUDA error") + " (" +
         (text != nullptr ? text : "no description") + ")";
}

// Throws for `error`: out-of-memory maps to MT_ERR_OUT_OF_MEMORY, everything
// else to MT_ERR_DEVICE. The runtime's per-thread last error is cleared first
// so that a later launch check does not report this failure a second time.
[[noreturn]] inline void throw_cuda_error(cudaError_t error, const std::string& what) {
  (void)cudaGetLastError();
  const mt_status status =
      error == cudaErrorMemoryAllocation ? MT_ERR_OUT_OF_MEMORY : MT_ERR_DEVICE;
  throw mt::sdk::Error(status, what + " failed: " + cuda_error_text(error));
}

inline void check_cuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess)
    throw_cuda_error(error, what);
}

}  // namespace mt::cuda

#endif  // MT_CUDA_ERROR_HPP
