// conv.hpp — MiniTorch's 1-D and 2-D convolutions (forward anchored left,
// reverse anchored right, out-of-range terms zero; see plugin_abi.h), as an
// implicit-im2col GEMM. Validated by plugin.cpp.
#pragma once

#include <minitorch/plugin_abi.h>

namespace mt::par {

void conv1d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse);
void conv2d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse);

}  // namespace mt::par
