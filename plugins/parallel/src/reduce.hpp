// reduce.hpp — reductions along one dim (sum, prod, max) for any strides.
// Callers (plugin.cpp) have validated op, dtype, dim and shapes.
#pragma once

#include <minitorch/plugin_abi.h>

#include <cstdint>

namespace mt::par {

void reduce(int32_t op, const mt_view& out, const mt_view& in, int32_t dim);

}  // namespace mt::par
