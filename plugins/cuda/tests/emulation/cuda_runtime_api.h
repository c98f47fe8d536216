// cuda_runtime_api.h — stand-in used only by the kernel emulation test (see cuda_emulation.hpp).
// Not the CUDA runtime.
#include "cuda_emulation.hpp"
