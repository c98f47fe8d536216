// plan.hpp — internal: what one conformance case computes, as plain data
// (operand layouts, host values in double, the op and its arguments). The
// catalogue (cases.cpp) builds plans; the runner (runner.cpp) executes them.
// Not installed and not part of the kit's public surface.
#pragma once

#include <minitorch/conformance.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mt::conformance::detail {

// A view onto a buffer of `storage` elements (all in elements of the dtype).
struct ViewSpec {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t storage = 0;
};

int64_t element_count(const std::vector<int64_t>& shape);
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape);
// Buffer positions of every element of `v`, in row-major index order.
std::vector<int64_t> positions(const ViewSpec& v);

// One input: its view and the whole buffer's values. Positions the view does
// not reach hold NaN, so a kernel that reads outside its view is caught.
struct Operand {
  std::string name;  // "in", "a", "b", "weight"
  ViewSpec view;
  std::vector<double> values;  // size == view.storage
};

struct Plan {
  mt_family family = MT_FAMILY_MAP;
  int32_t op = 0;
  int32_t dim = 0;        // reduce
  bool reverse = false;   // conv
  double fill_value = 0;  // memory.fill
  std::vector<Operand> inputs;
  ViewSpec output;
  int aliased_input = -1;  // >= 0: the output is this input's buffer and view (in place)
  // Before the checked call, also call once with a NULL buffer for every
  // operand that has no elements (the header allows it).
  bool null_empty_buffers = false;
  // The candidate must refuse the call with MT_ERR_INVALID_ARG.
  bool expect_invalid_arg = false;
  // An unknown_op case: the candidate must refuse `op` (and the other op
  // values the table lacks) with MT_ERR_UNSUPPORTED, and supports() must
  // say 0 for them.
  bool expect_unsupported = false;
  std::string reject_reason;  // what is wrong with the call, for messages
};

// Builds the plan of a case from the catalogue (deterministic). Throws
// std::invalid_argument for an unknown case.
Plan build_plan(const CaseInfo& info);

}  // namespace mt::conformance::detail
