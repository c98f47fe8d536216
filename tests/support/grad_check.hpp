// grad_check.hpp — the tests' gradient-check entry points, thin wrappers over the
// conformance library's one finite-difference checker (minitorch/gradient_check.hpp):
// backward against central differences (ε = 1e-6, rtol = atol = 1e-2, MiniTorch's) in f64 on
// the inputs' own backend, plus the tolerance rule and a builder for tensors with a permuted
// storage layout. gradient_mismatch returns a description (plain cases); grad_check is its
// rapidcheck form (RC_FAIL). No differences are computed here.
#pragma once

#include <minitorch/gradient_check.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace mt::test {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// np.testing.assert_allclose's rule: |actual − expected| <= atol + rtol·|expected|.
inline bool close_rel(double actual, double expected, double rtol = 1e-2, double atol = 1e-2) {
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

// Values in row-major order of `shape`, stored with the dims laid out in `order` (storage dim
// i is logical dim order[i]) and permuted back: the tensor has the logical shape but, unless
// `order` is the identity, non-contiguous strides (MiniTorch's tensor_data strategy).
inline Tensor build_permuted(const std::vector<double>& values, const Shape& shape,
                             const std::vector<int64_t>& order, TensorOptions options) {
  const std::size_t n = shape.size();
  Shape stored_shape(n);
  std::vector<int64_t> inverse(n);
  for (std::size_t i = 0; i < n; ++i) {
    stored_shape[i] = shape[static_cast<std::size_t>(order[i])];
    inverse[static_cast<std::size_t>(order[i])] = static_cast<int64_t>(i);
  }
  // Where each logical element (row-major) sits in the stored layout.
  const Layout logical = Layout(stored_shape).permute(inverse);
  std::vector<double> stored(values.size());
  const std::vector<int64_t> where = logical.positions();
  for (std::size_t k = 0; k < where.size(); ++k)
    stored[static_cast<std::size_t>(where[k])] = values[k];
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::from_values(stored, stored_shape, options).permute(inverse);
  t.requires_grad_(requires_grad);
  return t;
}

// Checks the gradient of L = Σ f(inputs) · w, for fixed random weights w in [-1, 1] (so an
// output whose plain sum is constant, like softmax, still has a gradient to check), against
// central differences of L at up to `indices_per_input` elements of each input (all of them
// when it has fewer; at least 1); MiniTorch checks one. The weights and the elements come from
// a seed drawn from `rng`. Every input must be f64. Each becomes a fresh leaf that shares its
// storage and layout (strided inputs stay strided); the perturbed copies are contiguous, on
// the same backend. An output that does not require grad (comparisons) has gradient 0
// everywhere; otherwise every input must get a gradient of its own shape, dtype and backend.
// Returns "" when every checked element agrees (close_rel, rtol = atol = 1e-2), else a
// description of the first disagreement: input, shape, index, value, backend, strides and
// both values (mt::conformance::gradient_check's message).
inline std::string gradient_mismatch(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     std::mt19937_64& rng, std::size_t indices_per_input = 1) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::f64) {
      return "input " + std::to_string(i) + " is " + dtype_name(inputs[i].dtype()) +
             "; the gradient check needs f64 inputs (central differences with ε = 1e-6)";
    }
  }
  if (indices_per_input == 0)
    return "indices_per_input is 0: the gradient check would check nothing";
  conformance::GradientCheckOptions options;  // ε = 1e-6, rtol = atol = 1e-2, random weights
  // More than an input has checks all of it.
  options.elements = static_cast<int64_t>(std::min<std::size_t>(
      indices_per_input, static_cast<std::size_t>(std::numeric_limits<int64_t>::max())));
  options.seed = rng();
  options.undefined_gradient =
      conformance::GradientCheckOptions::UndefinedGradient::zero_without_graph;
  return conformance::check_gradients(f, inputs, options);
}

// gradient_mismatch inside a rapidcheck property: the seed comes from rapidcheck (so a
// counterexample reproduces) and a disagreement fails the property with its description.
inline void grad_check(const TensorFn& f, const std::vector<Tensor>& inputs,
                       std::size_t indices_per_input = 1) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const std::string problem = gradient_mismatch(f, inputs, rng, indices_per_input);
  if (!problem.empty())
    RC_FAIL(problem);
}

}  // namespace mt::test
