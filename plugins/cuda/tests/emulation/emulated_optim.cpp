// emulated_optim.cpp — src/optim.cu compiled as host C++ against cuda_emulation.hpp for the
// kernel emulation test. Not part of the plugin.
#include "optim.cu"
