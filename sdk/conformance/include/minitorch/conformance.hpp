// minitorch/conformance.hpp — the conformance case library: a catalogue of
// op cases (every op of every family over many view layouts) and a runner
// that checks one case on a candidate backend against the reference backend.
// It is not a test framework and runs no child processes: the in-tree suite
// and the standalone `minitorch-conformance` kit drive it and do the reporting.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/backend.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::conformance {

// The memory slots (alloc, copies, fill) have no mt_family; their cases use
// this value, which `supports` is never asked about.
inline constexpr mt_family kMemoryFamily = MT_FAMILY_COUNT;
// `op` values of the memory cases.
enum MemoryOp : int32_t { memory_fill = 0, memory_copy = 1, memory_alloc = 2 };

// One case. `id` is "<family>.<op>.<layout>" for map/zip/reduce/memory
// (e.g. "zip.add.broadcast_col") and "<family>.<layout>" for matmul, conv1d
// and conv2d (e.g. "conv1d.weight_grad"). `op` is an mt_map_op, mt_zip_op,
// mt_reduce_op or MemoryOp; 0 for matmul and conv.
struct CaseInfo {
  std::string id;
  mt_family family = MT_FAMILY_MAP;
  int32_t op = 0;
  std::string layout;
};

struct CaseResult {
  // crashed and timed_out are never produced by run_case; they are for kits
  // that run each case in a child process.
  enum class Status { passed, failed, skipped, crashed, timed_out };
  Status status = Status::failed;
  // Why it failed or was skipped (empty when passed): which element or
  // buffer position, expected, got and the tolerance.
  std::string message;
  // Largest error seen, as |got - expected| / max(scale, smallest normal),
  // where scale is |expected| for element-wise ops and the same computation
  // on absolute values (Σ|a·b|) for sums, matmul and conv. The case passes
  // when it is <= the case's rtol. +inf for a NaN/Inf mismatch; 0 when the
  // case compared no values.
  double max_error = 0.0;
};

// "passed", "failed", "skipped", "crashed", "timed_out".
const char* status_name(CaseResult::Status status);
// "map" ... "conv2d", "memory".
const char* family_name(mt_family family);

// Every case, in a fixed order. Deterministic: the same list every call.
std::vector<CaseInfo> list_cases();

// The case with this id, or nullopt.
std::optional<CaseInfo> find_case(std::string_view id);

// Runs one case. Inputs are generated deterministically from the case id in
// double, rounded to `dtype`; the expected result is computed by `reference`
// in f64 on those same rounded values and then rounded to `dtype`. The
// candidate runs in `dtype`. Checks: values within tolerance (NaN must be
// NaN, ±Inf exact), no write outside the output view (guard elements around
// every buffer), inputs unchanged, and for the reject_* cases that the
// candidate answers MT_ERR_INVALID_ARG. Skipped when the candidate is not
// usable or does not support (family, op, dtype). Never throws: a broken
// reference backend makes the case fail with a message that says so.
CaseResult run_case(const CaseInfo& info, Backend& candidate, Backend& reference, DType dtype);

}  // namespace mt::conformance
