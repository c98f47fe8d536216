// optim.hpp — the parallel backend's optim_step: one pass over every parameter,
// reading p, g and the state once. Callers (plugin.cpp) have run the SDK's
// argument checks; this only computes. Not a place for the update rules: those
// are mt::sdk::optim_update (plugin_helpers.hpp).
#pragma once

#include <minitorch/plugin_abi.h>

#include <cstdint>

namespace mt::par {

void optim_step(const mt_optim_step& step, int32_t count, const mt_view* params,
                const mt_view* grads, const mt_view* state0, const mt_view* state1);

}  // namespace mt::par
