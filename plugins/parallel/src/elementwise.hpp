// elementwise.hpp — map, zip and fill over views of any strides. Callers
// (plugin.cpp) have validated ops, dtypes and shapes; these only compute.
// Not a place for op semantics: those come from mt::sdk (plugin_helpers.hpp).
#pragma once

#include <minitorch/plugin_abi.h>

#include <cstdint>

namespace mt::par {

void map(int32_t op, const mt_view& out, const mt_view& in);
void zip(int32_t op, const mt_view& out, const mt_view& a, const mt_view& b);
void fill(const mt_view& out, double value);

}  // namespace mt::par
