// optim_cases.hpp — internal: the optim_step cases of the conformance catalogue ("optim.*")
// and their runner. The public entry points are list_cases and run_case (conformance.hpp);
// this only connects optim_cases.cpp to them.
#pragma once

#include <minitorch/conformance.hpp>

#include <vector>

namespace mt::conformance::detail {

// The id of the case that calls optim_step with a kind no table has.
inline constexpr const char* kOptimUnknownKind = "unknown_kind";

// Every optim case, in a fixed order (CaseKind::op, family MT_FAMILY_OPTIM).
std::vector<CaseInfo> optim_cases();

// Runs one optim case: skipped when the candidate has no optim_step slot;
// support of the kind is already checked (info.needs).
CaseResult run_optim_case(const CaseInfo& info, const BackendPtr& candidate, DType dtype);

}  // namespace mt::conformance::detail
