// grad_cases.hpp — the kit's gradient cases: core's autograd functions (add,
// mul, div, sigmoid, relu, log, exp, sum, mean, max, matmul, conv1d, conv2d,
// permute, view, ...) run forward and backward with core tensors on the
// candidate backend, and checked against central differences computed with
// the reference backend in f64. The op cases proper (one plugin slot at a
// time) are the conformance library's; this adds what only a whole graph shows.
#pragma once

#include <minitorch/backend.hpp>
#include <minitorch/conformance.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mt::kit {

struct GradCase {
  std::string id;  // "grad.<function>", e.g. "grad.conv2d"
  std::string
      description;  // the expression and shapes, e.g. "conv2d(in (1, 2, 4, 5), w (2, 2, 2, 3))"
  // The (family, op) pairs the case leans on besides what every case uses
  // (fill, map.copy, zip.add, zip.mul, reduce.sum); a backend that does not
  // support one of them in the dtype skips the case.
  std::vector<std::pair<mt_family, int32_t>> needs;
};

// Every gradient case, in a fixed order.
std::vector<GradCase> list_grad_cases();

// The (family, op) pairs every gradient case uses: core's tensor creation,
// the loss sum(out * w) and gradient accumulation.
std::vector<std::pair<mt_family, int32_t>> grad_common_needs();

// Runs one case in `dtype` on `candidate` (inputs generated from the case id
// and rounded to the dtype) and compares the loss and every input gradient
// with the reference. Never throws: errors become a failed result. Does not
// check usability or support (the caller does).
conformance::CaseResult run_grad_case(const GradCase& c, const BackendPtr& candidate,
                                      const BackendPtr& reference, DType dtype);

}  // namespace mt::kit
