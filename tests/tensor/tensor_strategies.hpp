// tensor_strategies.hpp — MiniTorch's tensor strategies as rapidcheck
// generators (1–4 dims of size 1–3, a random permuted layout, values in
// [-100, 100]) plus grad_check by central differences in f64. Test-only.
#pragma once

#include <minitorch/autograd.hpp>
#include <minitorch/tensor.hpp>

#include <rapidcheck.h>
#include <boost/test/unit_test.hpp>

#include "../teaching/strategies.hpp"  // small_floats, MT_RC_ASSERT_CLOSE
#include "test_support.hpp"            // reference()

#include <cmath>
#include <functional>
#include <numeric>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace mt::test {

// f64 on the reference backend: what MiniTorch's float64 storage computes.
inline TensorOptions f64(bool requires_grad = false) {
  return {.dtype = DType::f64, .backend = reference(), .requires_grad = requires_grad};
}

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
  const std::size_t n = spec.shape.size();
  Shape stored_shape(n);
  for (std::size_t i = 0; i < n; ++i)
    stored_shape[i] = spec.shape[static_cast<std::size_t>(spec.layout_order[i])];
  std::vector<int64_t> inverse(n);
  for (std::size_t i = 0; i < n; ++i)
    inverse[static_cast<std::size_t>(spec.layout_order[i])] = static_cast<int64_t>(i);
  // Row-major position of each logical element inside the stored layout.
  const Layout logical = Layout(stored_shape).permute(inverse);
  std::vector<double> stored(spec.values.size());
  const std::vector<int64_t> where = logical.positions();
  for (std::size_t k = 0; k < where.size(); ++k)
    stored[static_cast<std::size_t>(where[k])] = spec.values[k];
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::from_values(stored, stored_shape, options).permute(inverse);
  t.requires_grad_(requires_grad);
  return t;
}

// MiniTorch's assert_close_tensor: every |a − b| < 1e-2.
inline bool close_tensors(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && allclose(a, b);
}

// np.testing.assert_allclose's rule: |actual − desired| <= atol + rtol·|desired|.
inline bool allclose_rel(double actual, double desired, double rtol = 1e-2, double atol = 1e-2) {
  return std::fabs(actual - desired) <= atol + rtol * std::fabs(desired);
}

// MiniTorch's grad_check inside a rapidcheck property: backpropagates
// f(inputs).sum(), then at one random index per input compares the gradient
// with a central difference (ε = 1e-6, rtol = atol = 1e-2). An output that
// does not require grad (comparisons) has gradient 0 everywhere.
inline void grad_check(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                       std::vector<Tensor> inputs) {
  for (Tensor& x : inputs) {
    x.requires_grad_(true);
    x.zero_grad_();
  }
  const Tensor out = f(inputs).sum();
  if (out.requires_grad())
    out.backward();
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  NoGradGuard no_grad;
  constexpr double epsilon = 1e-6;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Index index = inputs[i].layout().sample(rng);
    Tensor up = zeros(inputs[i].shape(), inputs[i].options());
    up.set(index, epsilon);
    std::vector<Tensor> plus = inputs;
    std::vector<Tensor> minus = inputs;
    plus[i] = inputs[i] + up;
    minus[i] = inputs[i] - up;
    const double central = (f(plus).sum().item() - f(minus).sum().item()) / (2.0 * epsilon);
    const Tensor grad = inputs[i].grad();
    const double analytic = grad.defined() ? grad.get(index) : 0.0;
    if (grad.defined())
      RC_ASSERT(grad.shape() == inputs[i].shape());
    if (!allclose_rel(analytic, central)) {
      RC_FAIL("input " + std::to_string(i) + " at index " + shape_to_string(index) + ": gradient " +
              std::to_string(analytic) + " but central difference " + std::to_string(central));
    }
  }
}

// Runs `property(case)` as its own rapidcheck property for every case (each
// with a `name`), so each gets the full example count, as MiniTorch's
// parametrized tests do.
template <class Cases, class Property>
void check_each(const char* test, const Cases& cases, Property property) {
  for (const auto& c : cases) {
    const std::string name = std::string(test) + "[" + std::string(c.name) + "]";
    BOOST_TEST(rc::check(name, [&] { property(c); }), name);
  }
}

}  // namespace mt::test
