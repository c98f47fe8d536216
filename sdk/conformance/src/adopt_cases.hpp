// adopt_cases.hpp — internal: the conformance cases of ABI 1.1's optional adopt_host slot
// ("memory.adopt_host.*") and their runner. The public entry points are list_cases and
// run_case (conformance.hpp); this only connects adopt_cases.cpp to them.
#pragma once

#include <minitorch/conformance.hpp>

#include <vector>

namespace mt::conformance::detail {

// Every adopt_host case, in a fixed order (family kMemoryFamily, op memory_adopt).
std::vector<CaseInfo> adopt_cases();

// Runs one adopt_host case: skipped when the candidate has no adopt_host slot.
CaseResult run_adopt_case(const CaseInfo& info, const BackendPtr& candidate, DType dtype);

}  // namespace mt::conformance::detail
