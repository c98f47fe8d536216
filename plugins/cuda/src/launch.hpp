// launch.hpp — the seam between the slots (plugin.cpp) and the kernel files:
// one host launcher per compute family, fed views plugin.cpp already checked.
// Not part of the ABI; nothing here is visible outside the plugin.
#ifndef MT_CUDA_LAUNCH_HPP
#define MT_CUDA_LAUNCH_HPP

#include <minitorch/plugin_abi.h>

#include <cuda_runtime_api.h>

#include <cstddef>

namespace mt::cuda {

// Temporary device memory for multi-pass kernels (reduce partials). A block
// may be released as soon as the last kernel that uses it has been enqueued:
// every kernel and copy runs on one stream, so a later reuse is ordered after
// that kernel.
class Workspace {
 public:
  virtual void* acquire(std::size_t bytes) = 0;  // throws mt::sdk::Error
  virtual void release(void* block) noexcept = 0;

 protected:
  ~Workspace() = default;
};

// What a launcher needs to know about the device.
struct LaunchEnv {
  cudaStream_t stream = nullptr;  // the legacy default stream
  int sm_count = 1;               // multiprocessors, to size grid-stride grids
  int max_threads_per_sm = 1024;  // resident threads per multiprocessor
  Workspace* workspace = nullptr;
};

// Each launcher enqueues the work for views that plugin.cpp has already
// checked (dtypes agree and are supported, shapes fit the slot's contract,
// every element lies inside its buffer). Zero-size outputs are handled
// here (nothing is launched). Errors throw mt::sdk::Error.
void launch_fill(const LaunchEnv& env, const mt_view& out, double value);
void launch_map(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& in);
void launch_zip(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& a,
                const mt_view& b);
void launch_reduce(const LaunchEnv& env, int32_t op, const mt_view& out, const mt_view& in,
                   int32_t dim);
void launch_matmul(const LaunchEnv& env, const mt_view& out, const mt_view& a, const mt_view& b);
void launch_conv1d(const LaunchEnv& env, const mt_view& out, const mt_view& in,
                   const mt_view& weight, bool reverse);
void launch_conv2d(const LaunchEnv& env, const mt_view& out, const mt_view& in,
                   const mt_view& weight, bool reverse);
// ABI 1.1: the arguments passed check_optim_step_args.
void launch_optim_step(const LaunchEnv& env, const mt_optim_step& step, int32_t count,
                       const mt_view* params, const mt_view* grads, const mt_view* state0,
                       const mt_view* state1);

// Asks the runtime for one of this plugin's kernels: fails (for example with
// cudaErrorNoKernelImageForDevice) when the library carries no code that can
// run on the current device. Returns the runtime's error code.
cudaError_t probe_kernel_image();

}  // namespace mt::cuda

#endif  // MT_CUDA_LAUNCH_HPP
