// tensor_strategies.hpp — MiniTorch's tensor strategies as rapidcheck
// generators (1–4 dims of size 1–3, a random permuted layout, values in
// [-100, 100]) and tensor options on the backend under test, with the
// tolerances per dtype. Test-only; the gradient checker is in grad_check.hpp.
#pragma once

#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <rapidcheck.h>
#include <boost/test/unit_test.hpp>

#include "../teaching/strategies.hpp"  // small_floats, MT_RC_ASSERT_CLOSE
#include "backend_suites.hpp"          // backend_under_test(), MT_BACKEND_TEST
#include "grad_check.hpp"              // grad_check, close_rel, build_permuted
#include "test_support.hpp"            // reference()

#include <cmath>
#include <functional>
#include <numeric>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace mt::test {

// f64 on the backend under test: what MiniTorch's float64 storage computes.
inline TensorOptions f64(bool requires_grad = false) {
  return {.dtype = DType::f64, .backend = backend_under_test(), .requires_grad = requires_grad};
}
inline TensorOptions f32(bool requires_grad = false) {
  return {.dtype = DType::f32, .backend = backend_under_test(), .requires_grad = requires_grad};
}

// Forward tolerances per dtype, as close_rel(actual, expected, rtol, atol).
// f64 keeps MiniTorch's |a − b| < 1e-2 (MT_RC_ASSERT_CLOSE) for its ported
// cases. f32 results are compared with the double formula applied to the
// f32-rounded inputs: one op rounds to within 2^-24 relative, a MathTest
// composition to a few ulps, so rtol = 1e-5; atol = 1e-6 covers results
// that underflow (exp(a − 200), sigmoid(−100)) where f64 still has digits.
struct Tolerance {
  double rtol;
  double atol;
};
inline constexpr Tolerance kF32Forward{1e-5, 1e-6};
// f32 gradients against the f64 gradients of the same (f32-rounded) inputs:
// backward adds one rounding per op on top of the forward's.
inline constexpr Tolerance kF32Gradient{1e-4, 1e-5};

// A drawn tensor before it is built: logical shape, row-major values, and the
// order in which its dims are laid out in storage.
struct TensorSpec {
  Shape shape;
  std::vector<int64_t> layout_order;
  std::vector<double> values;
};

inline std::ostream& operator<<(std::ostream& out, const TensorSpec& spec) {
  out << "shape " << shape_to_string(spec.shape) << " layout order "
      << shape_to_string(spec.layout_order) << " values [";
  for (std::size_t i = 0; i < spec.values.size(); ++i)
    out << (i ? ", " : "") << spec.values[i];
  return out << "]";
}

// MiniTorch's shapes(): 1–4 dims, each of size 1–3.
inline rc::Gen<Shape> shapes() {
  return rc::gen::mapcat(rc::gen::inRange(1, 5), [](int n) {
    return rc::gen::container<Shape>(static_cast<std::size_t>(n),
                                     rc::gen::map(small_ints(), [](int s) { return int64_t{s}; }));
  });
}

inline rc::Gen<std::vector<int64_t>> permutations(std::size_t n) {
  std::vector<int64_t> identity(n);
  std::iota(identity.begin(), identity.end(), 0);
  return rc::gen::map(rc::gen::arbitrary<uint64_t>(), [identity](uint64_t seed) {
    std::vector<int64_t> order = identity;
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    return order;
  });
}

// A spec for `shape` (values in [-100, 100], random layout).
inline rc::Gen<TensorSpec> tensor_specs_of(Shape shape) {
  const auto n = static_cast<std::size_t>(shape_size(shape));
  return rc::gen::apply(
      [shape](std::vector<int64_t> order, std::vector<double> values) {
        return TensorSpec{shape, std::move(order), std::move(values)};
      },
      permutations(shape.size()), rc::gen::container<std::vector<double>>(n, small_floats()));
}

inline rc::Gen<TensorSpec> tensor_specs() {
  return rc::gen::mapcat(shapes(), [](Shape shape) { return tensor_specs_of(std::move(shape)); });
}

// MiniTorch's shaped_tensors(2): two specs with the same shape and layout.
inline std::pair<TensorSpec, TensorSpec> shaped_pair() {
  TensorSpec a = *tensor_specs();
  TensorSpec b = a;
  b.values = *rc::gen::container<std::vector<double>>(a.values.size(), small_floats());
  return {std::move(a), std::move(b)};
}

// Builds the spec as MiniTorch's tensor_data strategy does: storage laid out
// in the permuted dim order, then permuted back, so the logical shape is the
// drawn one but the strides are (usually) not contiguous.
inline Tensor build(const TensorSpec& spec, TensorOptions options = f64()) {
  return build_permuted(spec.values, spec.shape, spec.layout_order, std::move(options));
}

// MiniTorch's assert_close_tensor: every |a − b| < 1e-2.
inline bool close_tensors(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && allclose(a, b);
}

// The same tensor on the reference backend (the oracle), for comparing a
// result with the reference's.
inline Tensor on_reference(const Tensor& t) {
  return t.to(reference());
}

inline TensorOptions options_for(DType dtype, bool requires_grad = false) {
  return dtype == DType::f64 ? f64(requires_grad) : f32(requires_grad);
}

// The spec with its values rounded to f32, so an f32 and an f64 tensor built
// from it hold the same numbers.
inline TensorSpec rounded_to_f32(TensorSpec spec) {
  for (double& v : spec.values)
    v = static_cast<double>(static_cast<float>(v));
  return spec;
}

// Inside a property: `actual` (a result in `dtype`) against `expected` (the
// double formula). f64 uses MiniTorch's |a − b| < 1e-2; f32 uses kF32Forward
// with `extra_atol` added (a reduction's bound grows with Σ|x|).
inline void rc_assert_close(double actual, double expected, DType dtype, const std::string& what,
                            double extra_atol = 0.0) {
  const bool ok = dtype == DType::f64 ? close(actual, expected)
                                      : close_rel(actual, expected, kF32Forward.rtol,
                                                  kF32Forward.atol + extra_atol);
  if (!ok) {
    std::ostringstream why;
    why.precision(10);
    why << what << " on backend " << backend_under_test()->name() << " in " << dtype_name(dtype)
        << ": " << actual << " but expected " << expected;
    RC_FAIL(why.str());
  }
}

// Backward in f32 against backward in f64 on the backend under test, for the
// same (f32-rounded) inputs and L = Σ f(x) · w with fixed random weights w:
// every gradient element must agree within kF32Gradient, with `extra_atol`
// added where a gradient sums many terms (matmul). Inside a property.
inline void f32_gradients_match_f64(const TensorFn& f, const std::vector<TensorSpec>& specs,
                                    double extra_atol = 0.0) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<std::vector<double>> grads[2];
  std::vector<double> weights;
  for (const DType dtype : {DType::f64, DType::f32}) {
    std::vector<Tensor> leaves;
    for (const TensorSpec& spec : specs)
      leaves.push_back(build(rounded_to_f32(spec), options_for(dtype, true)));
    const Tensor out = f(leaves);
    if (weights.empty()) {
      std::uniform_real_distribution<float> weight(-1.0f, 1.0f);
      for (int64_t k = 0; k < out.numel(); ++k)
        weights.push_back(static_cast<double>(weight(rng)));
    }
    const Tensor loss = (out * Tensor::from_values(weights, out.shape(), out.options())).sum();
    if (loss.requires_grad())
      loss.backward();
    for (const Tensor& leaf : leaves) {
      const Tensor g = leaf.grad();
      if (g.defined())
        RC_ASSERT(g.dtype() == dtype);
      grads[dtype == DType::f32].push_back(
          g.defined() ? g.to_vector()
                      : std::vector<double>(static_cast<std::size_t>(leaf.numel())));
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t k = 0; k < grads[0][i].size(); ++k) {
      const double g64 = grads[0][i][k];
      const double g32 = grads[1][i][k];
      if (!close_rel(g32, g64, kF32Gradient.rtol, kF32Gradient.atol + extra_atol)) {
        std::ostringstream why;
        why.precision(10);
        why << "backend " << backend_under_test()->name() << ", input " << i << " (shape "
            << shape_to_string(specs[i].shape) << "), row-major element " << k << ": f32 gradient "
            << g32 << " but f64 gradient " << g64;
        RC_FAIL(why.str());
      }
    }
  }
}

}  // namespace mt::test
