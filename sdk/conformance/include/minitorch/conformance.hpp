// minitorch/conformance.hpp — the conformance library: one catalogue of
// cases and a runner that checks one case on a candidate backend against the
// reference backend. Op cases call one plugin slot over many view layouts
// (every op of every family, generated from the op table); gradient cases
// run small expressions through core's autograd on the candidate and compare
// with central differences on the reference in f64 (check_gradients,
// gradient_check.hpp). It is not a test framework and runs no child
// processes: the `minitorch-conformance` kit drives it and does the reporting.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/gradient_check.hpp>
#include <minitorch/plugin/backend.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt::conformance {

// The memory slots (alloc, copies, fill) have no mt_family; their cases use
// this value, which `supports` is never asked about.
inline constexpr mt_family kMemoryFamily = MT_FAMILY_COUNT;
// `op` values of the memory cases.
// memory_adopt: ABI 1.1's optional adopt_host slot ("memory.adopt_host.*").
enum MemoryOp : int32_t { memory_fill = 0, memory_copy = 1, memory_alloc = 2, memory_adopt = 3 };

enum class CaseKind {
  op,       // one plugin slot, compared with the reference (and the reject_*
            // and unknown_op cases, which check that a call is refused)
  gradient  // an autograd expression, checked against central differences
};

// One case.
//  - op cases: `id` is "<family>.<op>.<layout>" for map/zip/reduce/memory
//    (e.g. "zip.add.broadcast_col") and "<family>.<layout>" for matmul,
//    conv1d and conv2d (e.g. "conv1d.weight_grad"); `op` is an mt_map_op,
//    mt_zip_op, mt_reduce_op or MemoryOp (0 for matmul and conv). The
//    "<family>.unknown_op" cases call a slot with op values the table does
//    not have (their `op` is the family's *_OP_COUNT).
//  - gradient cases: `id` is "grad.<function>" (e.g. "grad.conv2d") and
//    `description` the expression and shapes.
struct CaseInfo {
  std::string id;
  CaseKind kind = CaseKind::op;
  mt_family family = MT_FAMILY_MAP;
  int32_t op = 0;
  std::string layout;       // op cases
  std::string description;  // gradient cases
  // The row a report groups the case under: the op ("zip.add", "matmul",
  // "memory.fill", "map.unknown_op") or, for gradient cases, the id.
  std::string row;
  // The (family, op) pairs the candidate must support in the dtype for the
  // case to run; the case is skipped as unsupported otherwise. Empty for
  // the memory and unknown_op cases, which every backend must pass.
  std::vector<std::pair<mt_family, int32_t>> needs;
};

struct CaseResult {
  // crashed and timed_out are never produced by run_case; they are for kits
  // that run each case in a child process.
  enum class Status { passed, failed, skipped, crashed, timed_out };
  Status status = Status::failed;
  // Why it failed or was skipped (empty when passed): which element or
  // buffer position, expected, got and the tolerance.
  std::string message;
  // Op cases: the largest error seen, as |got - expected| / max(scale,
  // smallest normal), where scale is |expected| or (for sums, matmul and
  // conv) the same computation on absolute values; the case passes when it
  // is <= the case's rtol. Gradient cases: the largest |analytic - numeric|
  // / max(1, |numeric|). +inf for a NaN/Inf mismatch; 0 when the case
  // compared no values.
  double max_error = 0.0;
};

// "passed", "failed", "skipped", "crashed", "timed_out".
const char* status_name(CaseResult::Status status);
// "map" ... "conv2d", "memory".
const char* family_name(mt_family family);

// Every case, op cases first, then gradient cases, in a fixed order.
// Deterministic: the same list every call.
std::vector<CaseInfo> list_cases();

// The case with this id, or nullopt.
std::optional<CaseInfo> find_case(std::string_view id);

// Runs one case in `dtype` on `candidate`, with `reference` as the oracle.
// Inputs are generated deterministically from the case id in double (from
// the op table's domain for op cases), rounded to `dtype`.
//  - Op cases: the expected result is computed by `reference` in f64 on
//    those same rounded values and then rounded to `dtype`; the candidate
//    runs in `dtype`. Checks: values within the op table's tolerance (NaN
//    must be NaN, ±Inf exact), no write outside the output view (guard
//    elements around every buffer), inputs unchanged; for the reject_* cases
//    that the candidate answers MT_ERR_INVALID_ARG, for the unknown_op cases
//    MT_ERR_UNSUPPORTED with `supports` saying 0.
//  - Gradient cases: forward and backward on the candidate in `dtype`; the
//    loss compared with the reference's, every input gradient with central
//    differences on the reference in f64.
// Skipped when the candidate is not usable or does not support what the
// case needs. Never throws: a broken reference backend makes the case fail
// with a message that says so.
CaseResult run_case(const CaseInfo& info, const BackendPtr& candidate, const BackendPtr& reference,
                    DType dtype);

}  // namespace mt::conformance
