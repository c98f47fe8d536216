// nn_testing.hpp — shared helpers for the nn suite, whose cases run once per backend
// (MT_BACKEND_TEST / MT_BACKEND_PROP from backend_suites.hpp): tensor options on a backend,
// the requirement that skips a backend missing a family, tensors with non-contiguous layouts,
// and element-wise comparison with host values. The gradient checker is grad_check.hpp's.
// Test-only.
#pragma once

#include <minitorch/ops.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <boost/test/unit_test.hpp>

#include "backend_suites.hpp"
#include "grad_check.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace mt::nntest {

using test::gradient_mismatch;
using test::TensorFn;

inline TensorOptions on(const BackendPtr& backend, DType dtype = DType::f64,
                        bool requires_grad = false) {
  return {.dtype = dtype, .backend = backend, .requires_grad = requires_grad};
}

// A case's requirement: every op of each family in `families`, in each dtype of `dtypes`
// (the element-wise families are all used somewhere in nn). A backend lacking one skips the
// case with the family and dtype named.
inline test::BackendRequirement needs(std::vector<mt_family> families,
                                      std::vector<DType> dtypes = {DType::f64}) {
  return [families, dtypes](const Backend& backend) -> std::string {
    for (const DType dtype : dtypes) {
      for (const mt_family family : families) {
        for (int32_t op = 0; op < sdk::op_count(family); ++op) {
          if (!backend.supports(family, op, dtype)) {
            return std::string(sdk::family_name(family)) + " op " + std::to_string(op) +
                   " is not supported in " + dtype_name(dtype);
          }
        }
      }
    }
    return "";
  };
}

// Values in row-major order of `shape`, stored with the dims laid out in `order`
// (grad_check.hpp's build_permuted).
inline Tensor build(const std::vector<double>& values, const Shape& shape,
                    const std::vector<int64_t>& order, TensorOptions options) {
  return test::build_permuted(values, shape, order, std::move(options));
}

// The reversed dim order: the most non-contiguous layout of a shape.
inline std::vector<int64_t> reversed_order(std::size_t n) {
  std::vector<int64_t> order(n);
  std::iota(order.rbegin(), order.rend(), 0);
  return order;
}

// A random dim order for a rank-n tensor.
inline std::vector<int64_t> random_order(std::size_t n, std::mt19937_64& rng) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

// n values uniform in [lo, hi) from rng.
inline std::vector<double> uniform_values(std::size_t n, std::mt19937_64& rng, double lo = -1.0,
                                          double hi = 1.0) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v)
    x = dist(rng);
  return v;
}

// Inside a property: fails with the backend named when `problem` is not "".
inline void rc_require_no_problem(const BackendPtr& backend, const std::string& problem) {
  if (!problem.empty())
    RC_FAIL("backend " + backend->name() + ": " + problem);
}

// Row-major values of t, compared element by element: |got − expected| <= tolerance·(1 +
// |expected|). Returns "" or the first difference.
inline std::string compare(const Tensor& actual, const std::vector<double>& expected,
                           const Shape& expected_shape, double tolerance = 1e-9) {
  if (actual.shape() != expected_shape) {
    return "shape " + shape_to_string(actual.shape()) + " but expected " +
           shape_to_string(expected_shape);
  }
  const std::vector<double> got = actual.to_vector();
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - expected[i]) <= tolerance * (1.0 + std::fabs(expected[i])))) {
      std::ostringstream why;
      why.precision(17);
      why << "element " << i << " is " << got[i] << ", expected " << expected[i];
      return why.str();
    }
  }
  return "";
}

}  // namespace mt::nntest
