// grad_cases.hpp — internal: the gradient half of the conformance catalogue
// (cases "grad.*") and its runner. The public entry points are list_cases
// and run_case (conformance.hpp); this only connects grad_cases.cpp to them.
#pragma once

#include <minitorch/conformance.hpp>

#include <vector>

namespace mt::conformance::detail {

// Every gradient case, in a fixed order (CaseKind::gradient, needs filled in).
std::vector<CaseInfo> gradient_cases();

// Runs one gradient case; usability and support are already checked.
CaseResult run_gradient_case(const CaseInfo& info, const BackendPtr& candidate,
                             const BackendPtr& reference, DType dtype);

}  // namespace mt::conformance::detail
