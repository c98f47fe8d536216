// nn_testing.hpp — shared helpers for the nn suite: the backends to run on
// (every usable one; the rest are reported as skipped with their reason),
// tensor builders with non-contiguous layouts, and a central-difference
// gradient check in f64. Test-only; not MiniTorch's grad_check verbatim (it
// weights the output by random numbers so a constant-sum output such as
// softmax still has a non-trivial gradient).
#pragma once

#include <minitorch/autograd.hpp>
#include <minitorch/backend.hpp>
#include <minitorch/tensor.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace mt::nntest {

// Every usable backend. The first call reports each loaded-but-unusable one
// as skipped, with its reason.
inline const std::vector<BackendPtr>& backends() {
  static const std::vector<BackendPtr> usable = [] {
    BackendRegistry& registry = BackendRegistry::global();
    for (const BackendPtr& b : registry.loaded()) {
      if (!b->usable()) {
        BOOST_TEST_MESSAGE("nn suite: skipping backend '"
                           << b->name() << "': not usable here: " << b->unusable_reason());
      }
    }
    return registry.usable();
  }();
  return usable;
}

inline TensorOptions on(const BackendPtr& backend, DType dtype = DType::f64,
                        bool requires_grad = false) {
  return {.dtype = dtype, .backend = backend, .requires_grad = requires_grad};
}

// True when `backend` implements every family in `families` for dtype;
// otherwise says it is skipped (and why) and returns false.
inline bool supports(const BackendPtr& backend, DType dtype, std::vector<mt_family> families) {
  for (const mt_family family : families) {
    bool all_ops = true;
    // Every op of the element-wise families is used somewhere in nn.
    const int ops = family == MT_FAMILY_MAP      ? MT_MAP_OP_COUNT
                    : family == MT_FAMILY_ZIP    ? MT_ZIP_OP_COUNT
                    : family == MT_FAMILY_REDUCE ? MT_REDUCE_OP_COUNT
                                                 : 1;
    for (int op = 0; op < ops; ++op)
      all_ops = all_ops && backend->supports(family, op, dtype);
    if (!all_ops) {
      BOOST_TEST_MESSAGE("skipped on backend '" << backend->name() << "': family " << family
                                                << " is not fully supported in "
                                                << dtype_name(dtype));
      return false;
    }
  }
  return true;
}

// Values in row-major order of `shape`, stored with the dims laid out in
// `order` (storage dim i is logical dim order[i]) and permuted back, so the
// tensor has the logical shape but usually non-contiguous strides.
inline Tensor build(const std::vector<double>& values, const Shape& shape,
                    const std::vector<int64_t>& order, TensorOptions options) {
  const std::size_t n = shape.size();
  Shape stored_shape(n);
  std::vector<int64_t> inverse(n);
  for (std::size_t i = 0; i < n; ++i) {
    stored_shape[i] = shape[static_cast<std::size_t>(order[i])];
    inverse[static_cast<std::size_t>(order[i])] = static_cast<int64_t>(i);
  }
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

// The reversed dim order: the most non-contiguous layout of a shape.
inline std::vector<int64_t> reversed_order(std::size_t n) {
  std::vector<int64_t> order(n);
  std::iota(order.rbegin(), order.rend(), 0);
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

// MiniTorch's tolerance rule for gradients: |a − b| <= atol + rtol·|b|.
inline bool close(double actual, double expected, double rtol = 1e-2, double atol = 1e-2) {
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

// Central-difference gradient check (ε = 1e-6, rtol = atol = 1e-2, like
// MiniTorch) of L = Σ f(inputs) · w for fixed random weights w. `inputs`
// should be f64; each becomes a fresh leaf sharing its storage and layout
// (so strided inputs stay strided) that requires grad.
// Checks up to `max_indices` elements per input (all of them when fewer),
// chosen by `rng`. Returns "" when every checked gradient matches, else a
// description of the first mismatch.
using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;
inline std::string grad_check(const TensorFn& f, const std::vector<Tensor>& inputs,
                              std::mt19937_64& rng, std::size_t max_indices = 24) {
  std::vector<Tensor> leaves;
  for (const Tensor& x : inputs) {
    Tensor leaf = x.detach();
    leaf.requires_grad_(true);
    leaves.push_back(leaf);
  }
  const Tensor out = f(leaves);
  const Tensor weights = Tensor::from_values(
      uniform_values(static_cast<std::size_t>(out.numel()), rng), out.shape(), out.options());
  const auto objective = [&](const std::vector<Tensor>& xs) { return (f(xs) * weights).sum(); };
  objective(leaves).backward();

  NoGradGuard no_grad;
  constexpr double epsilon = 1e-6;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const std::vector<double> base = leaves[i].to_vector();
    const Tensor grad = leaves[i].grad();
    if (!grad.defined())
      return "input " + std::to_string(i) + " received no gradient";
    if (grad.shape() != leaves[i].shape()) {
      return "input " + std::to_string(i) + " has shape " + shape_to_string(leaves[i].shape()) +
             " but its gradient has shape " + shape_to_string(grad.shape());
    }
    const std::vector<double> analytic = grad.to_vector();
    std::vector<std::size_t> picks(base.size());
    std::iota(picks.begin(), picks.end(), 0);
    std::shuffle(picks.begin(), picks.end(), rng);
    if (picks.size() > max_indices)
      picks.resize(max_indices);
    for (const std::size_t k : picks) {
      std::vector<Tensor> plus = leaves;
      std::vector<Tensor> minus = leaves;
      std::vector<double> v = base;
      v[k] = base[k] + epsilon;
      plus[i] = Tensor::from_values(v, leaves[i].shape(), leaves[i].options());
      v[k] = base[k] - epsilon;
      minus[i] = Tensor::from_values(v, leaves[i].shape(), leaves[i].options());
      const double central = (objective(plus).item() - objective(minus).item()) / (2.0 * epsilon);
      if (!close(analytic[k], central)) {
        std::ostringstream why;
        why << "input " << i << " (shape " << shape_to_string(leaves[i].shape()) << "), element "
            << k << ": gradient " << analytic[k] << " but central difference " << central;
        return why.str();
      }
    }
  }
  return "";
}

// Row-major values of t, compared element by element with a tolerance.
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
      why << "element " << i << " is " << got[i] << ", expected " << expected[i];
      return why.str();
    }
  }
  return "";
}

}  // namespace mt::nntest
