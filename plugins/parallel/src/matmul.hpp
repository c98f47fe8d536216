// matmul.hpp — the batched matmul slot body: a (B,M,K) x b (B,K,N) -> out
// (B,M,N) for any strides (batch stride 0 when broadcast). Validated by
// plugin.cpp; the GEMM itself is gemm.hpp.
#pragma once

#include <minitorch/plugin_abi.h>

namespace mt::par {

void matmul(const mt_view& out, const mt_view& a, const mt_view& b);

}  // namespace mt::par
