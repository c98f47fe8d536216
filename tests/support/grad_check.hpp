// grad_check.hpp — the tests' one gradient checker: backward against central differences
// (ε = 1e-6, rtol = atol = 1e-2, MiniTorch's) in f64 on the inputs' own backend, plus the
// tolerance rule and a builder for tensors with a permuted storage layout. gradient_mismatch
// returns a description (plain cases); grad_check is its rapidcheck form (RC_FAIL).
// Not the conformance library's checker (that one checks kernels; this one checks Tensor).
#pragma once

#include <minitorch/autograd.hpp>
#include <minitorch/tensor.hpp>

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
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

// Checks the gradient of L = Σ f(inputs) · w, for fixed random weights w in [-1, 1) drawn from
// `rng` (so an output whose plain sum is constant, like softmax, still has a gradient to
// check), against central differences of L at up to `indices_per_input` elements of each input
// (all of them when it has fewer), also drawn from `rng`; MiniTorch checks one.
// Every input must be f64. Each becomes a fresh leaf that shares its storage and layout (strided
// inputs stay strided); the perturbed copies are contiguous, on the same backend. An output that
// does not require grad (comparisons) has gradient 0 everywhere; otherwise every input must get
// a gradient of its own shape, dtype and backend.
// Returns "" when every checked element agrees (close_rel, rtol = atol = 1e-2), else a
// description of the first disagreement: backend, input, shape, strides, index and both values.
inline std::string gradient_mismatch(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     std::mt19937_64& rng, std::size_t indices_per_input = 1) {
  constexpr double epsilon = 1e-6;
  std::vector<Tensor> leaves;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::f64) {
      return "input " + std::to_string(i) + " is " + dtype_name(inputs[i].dtype()) +
             "; the gradient check needs f64 inputs (central differences with ε = 1e-6)";
    }
    Tensor leaf = inputs[i].detach();
    leaf.requires_grad_(true);
    leaves.push_back(leaf);
  }
  const Tensor out = f(leaves);
  std::uniform_real_distribution<double> weight(-1.0, 1.0);
  std::vector<double> w(static_cast<std::size_t>(out.numel()));
  for (double& x : w)
    x = weight(rng);
  TensorOptions weight_options = out.options();
  weight_options.requires_grad = false;
  const Tensor weights = Tensor::from_values(w, out.shape(), weight_options);
  const auto objective = [&](const std::vector<Tensor>& xs) { return (f(xs) * weights).sum(); };
  const Tensor loss = objective(leaves);
  const bool differentiable = loss.requires_grad();
  if (differentiable)
    loss.backward();

  NoGradGuard no_grad;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const Tensor& leaf = leaves[i];
    const auto where = [&] {
      return "backend " + leaf.backend()->name() + ", input " + std::to_string(i) + " (shape " +
             shape_to_string(leaf.shape()) + ", strides " + shape_to_string(leaf.strides()) + ")";
    };
    const Tensor grad = leaf.grad();
    if (differentiable && !grad.defined())
      return where() + " received no gradient";
    if (grad.defined()) {
      if (grad.shape() != leaf.shape())
        return where() + " has a gradient of shape " + shape_to_string(grad.shape());
      if (grad.dtype() != leaf.dtype() || grad.backend() != leaf.backend()) {
        return where() + " has a gradient in " + dtype_name(grad.dtype()) + " on backend " +
               grad.backend()->name();
      }
    }
    const std::vector<double> base = leaf.to_vector();
    const std::vector<double> analytic =
        grad.defined() ? grad.to_vector() : std::vector<double>(base.size(), 0.0);
    std::vector<std::size_t> picks(base.size());
    std::iota(picks.begin(), picks.end(), 0);
    std::shuffle(picks.begin(), picks.end(), rng);
    if (picks.size() > indices_per_input)
      picks.resize(indices_per_input);
    const std::vector<Index> indices = leaf.layout().indices();  // row-major, like to_vector
    for (const std::size_t k : picks) {
      std::vector<Tensor> plus = leaves;
      std::vector<Tensor> minus = leaves;
      std::vector<double> v = base;
      v[k] = base[k] + epsilon;
      plus[i] = Tensor::from_values(v, leaf.shape(), leaf.options());
      v[k] = base[k] - epsilon;
      minus[i] = Tensor::from_values(v, leaf.shape(), leaf.options());
      const double central = (objective(plus).item() - objective(minus).item()) / (2.0 * epsilon);
      if (!close_rel(analytic[k], central)) {
        std::ostringstream why;
        why.precision(10);
        why << where() << " at index " << shape_to_string(indices[k]) << " (value " << base[k]
            << "): gradient " << analytic[k] << " but central difference " << central;
        return why.str();
      }
    }
  }
  return "";
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
