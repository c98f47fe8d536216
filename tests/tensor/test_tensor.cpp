// test_tensor.cpp — MiniTorch's test_tensor.py (task2_3, task2_4 and the unmarked cases) and
// the backend-parametrised cases of test_tensor_general.py, run on every usable backend
// (<backend>/test_tensor/...), with the MathTest function lists from tests/support/testing.hpp:
// forward in f64 and f32, gradients against central differences in f64 and f32 gradients
// against f64 ones. Kernel-level cross-backend cases are the conformance kit's (sdk/conformance).
#include <boost/test/unit_test.hpp>
#include "testing.hpp"

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

using OneArg = math_test::OneArgCase<Tensor>;
using TwoArg = math_test::TwoArgCase<Tensor>;
using Reduction = math_test::ReductionCase<Tensor>;

// Every element of fn(t) against the float function of the input (to_vector
// reads both in the same row-major order of indices).
void check_one_arg(const OneArg& c, DType dtype) {
  const Tensor t = build(*tensor_specs(), options_for(dtype));
  const Tensor out = c.variable_fn(t);
  RC_ASSERT(out.shape() == t.shape());
  RC_ASSERT(out.dtype() == dtype);
  const std::vector<double> in_values = t.to_vector();
  const std::vector<double> out_values = out.to_vector();
  for (std::size_t k = 0; k < in_values.size(); ++k)
    rc_assert_close(out_values[k], c.number_fn(in_values[k]), dtype,
                    std::string(c.name) + "(" + std::to_string(in_values[k]) + ")");
}

void check_two_args(const TwoArg& c, DType dtype) {
  const auto [a, b] = shaped_pair();
  const Tensor ta = build(a, options_for(dtype));
  const Tensor tb = build(b, options_for(dtype));
  const Tensor out = c.variable_fn(ta, tb);
  RC_ASSERT(out.shape() == ta.shape());
  RC_ASSERT(out.dtype() == dtype);
  const std::vector<double> a_values = ta.to_vector();
  const std::vector<double> b_values = tb.to_vector();
  const std::vector<double> out_values = out.to_vector();
  for (std::size_t k = 0; k < a_values.size(); ++k)
    rc_assert_close(out_values[k], c.number_fn(a_values[k], b_values[k]), dtype,
                    std::string(c.name) + "(" + std::to_string(a_values[k]) + ", " +
                        std::to_string(b_values[k]) + ")");
}

TensorFn one_arg_fn(const OneArg& c) {
  return [fn = c.variable_fn](const std::vector<Tensor>& in) { return fn(in[0]); };
}
TensorFn two_arg_fn(const TwoArg& c) {
  return [fn = c.variable_fn](const std::vector<Tensor>& in) { return fn(in[0], in[1]); };
}

// sum / mean / max of the spec's values along `dim` (-1: over everything),
// from the row-major values: the host formula the reductions must match, and
// Σ|x| of each slice (the scale of an f32 sum's rounding error).
struct HostReduction {
  Shape shape;
  std::vector<double> sum, mean, max, magnitude;
};
HostReduction host_reduce(const TensorSpec& spec, int64_t dim) {
  HostReduction r;
  const auto n = static_cast<int64_t>(spec.shape.size());
  if (dim < 0) {
    r.shape = {1};
    double s = 0.0, m = -INFINITY, mag = 0.0;
    for (const double v : spec.values) {
      s += v;
      m = std::max(m, v);
      mag += std::fabs(v);
    }
    r.sum = {s};
    r.mean = {s / static_cast<double>(spec.values.size())};
    r.max = {m};
    r.magnitude = {mag};
    return r;
  }
  r.shape = spec.shape;
  r.shape[static_cast<std::size_t>(dim)] = 1;
  int64_t inner = 1;  // row-major stride of `dim`
  for (int64_t d = dim + 1; d < n; ++d)
    inner *= spec.shape[static_cast<std::size_t>(d)];
  const int64_t len = spec.shape[static_cast<std::size_t>(dim)];
  const int64_t outer = static_cast<int64_t>(spec.values.size()) / (len * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double s = 0.0, m = -INFINITY, mag = 0.0;
      for (int64_t j = 0; j < len; ++j) {
        const double v = spec.values[static_cast<std::size_t>((o * len + j) * inner + i)];
        s += v;
        m = std::max(m, v);
        mag += std::fabs(v);
      }
      r.sum.push_back(s);
      r.mean.push_back(s / static_cast<double>(len));
      r.max.push_back(m);
      r.magnitude.push_back(mag);
    }
  return r;
}

// sum, mean and max along a drawn dim and over everything, against host_reduce.
void check_reductions(DType dtype) {
  const TensorSpec spec = dtype == DType::f32 ? rounded_to_f32(*tensor_specs()) : *tensor_specs();
  const Tensor t = build(spec, options_for(dtype));
  const auto dims = static_cast<int64_t>(spec.shape.size());
  const int64_t dim = *rc::gen::inRange<int64_t>(-1, dims);
  const HostReduction host = host_reduce(spec, dim);
  const Tensor sum = dim < 0 ? t.sum() : t.sum(dim);
  const Tensor mean = dim < 0 ? t.mean() : t.mean(dim);
  const Tensor max = dim < 0 ? t.max() : t.max(dim);
  for (const Tensor* out : {&sum, &mean, &max}) {
    RC_ASSERT(out->shape() == host.shape);
    RC_ASSERT(out->dtype() == dtype);
  }
  const std::vector<double> s = sum.to_vector(), m = mean.to_vector(), x = max.to_vector();
  const std::string where =
      " over dim " + std::to_string(dim) + " of " + shape_to_string(spec.shape);
  for (std::size_t k = 0; k < s.size(); ++k) {
    // An f32 sum of n terms is within about n·2^-24·Σ|x| of the exact one.
    const double bound = 1e-5 * host.magnitude[k];
    rc_assert_close(s[k], host.sum[k], dtype, "sum" + where, bound);
    rc_assert_close(m[k], host.mean[k], dtype, "mean" + where, bound);
    rc_assert_close(x[k], host.max[k], dtype, "max" + where);
  }
}

// ---- the MathTest families: one unit per function and backend ------------

[[maybe_unused]] const bool registered_families = [] {
  const auto one = math_test::one_arg_cases<Tensor>();
  const auto two = math_test::two_arg_cases<Tensor>();
  const auto red = math_test::reduction_cases<Tensor>();
  add_backend_properties(
      "test_tensor/test_one_args", one, [](const OneArg& c) { check_one_arg(c, DType::f64); },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_one_args_f32", one, [](const OneArg& c) { check_one_arg(c, DType::f32); },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_two_args", two, [](const TwoArg& c) { check_two_args(c, DType::f64); },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_two_args_f32", two, [](const TwoArg& c) { check_two_args(c, DType::f32); },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_one_derivative", one,
      [](const OneArg& c) { grad_check(one_arg_fn(c), {build(*tensor_specs())}); }, __FILE__,
      __LINE__);
  add_backend_properties(
      "test_tensor/test_one_derivative_f32", one,
      [](const OneArg& c) { f32_gradients_match_f64(one_arg_fn(c), {*tensor_specs()}); }, __FILE__,
      __LINE__);
  add_backend_properties(
      "test_tensor/test_grad_reduce", red,
      [](const Reduction& c) {
        grad_check([fn = c.variable_fn](const std::vector<Tensor>& in) { return fn(in[0]); },
                   {build(*tensor_specs())});
      },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_two_grad", two,
      [](const TwoArg& c) {
        const auto [a, b] = shaped_pair();
        grad_check(two_arg_fn(c), {build(a), build(b)});
      },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_two_grad_f32", two,
      [](const TwoArg& c) {
        const auto [a, b] = shaped_pair();
        f32_gradients_match_f64(two_arg_fn(c), {a, b});
      },
      __FILE__, __LINE__);
  add_backend_properties(
      "test_tensor/test_two_grad_broadcast", two,
      [](const TwoArg& c) {
        const auto [a, b] = shaped_pair();
        const TensorFn fn = two_arg_fn(c);
        grad_check(fn, {build(a), build(b)});
        // Broadcast backward: one side loses dim 0 to a sum, the other keeps it.
        grad_check(fn, {build(a).sum(0), build(b)});
        grad_check(fn, {build(a), build(b).sum(0)});
      },
      __FILE__, __LINE__);
  return true;
}();

}  // namespace

// ---- single cases ---------------------------------------------------------

MT_BACKEND_PROP(test_tensor, test_create) {
  const auto values = *small_float_lists(1, 20);
  const Shape shape{static_cast<int64_t>(values.size())};
  const Tensor t = Tensor::from_values(values, shape, f64());
  const Tensor t32 = Tensor::from_values(values, shape, f32());
  RC_ASSERT(t.backend() == backend);
  for (std::size_t i = 0; i < values.size(); ++i) {
    RC_ASSERT(t.get({static_cast<int64_t>(i)}) == values[i]);
    RC_ASSERT(t32.get({static_cast<int64_t>(i)}) ==
              static_cast<double>(static_cast<float>(values[i])));
  }
}

MT_BACKEND_PROP(test_tensor, test_reduce_forward) {
  check_reductions(DType::f64);
}

MT_BACKEND_PROP(test_tensor, test_reduce_forward_f32) {
  check_reductions(DType::f32);
}

MT_BACKEND_PROP(test_tensor, test_permute) {
  const TensorSpec spec = *tensor_specs();
  const auto order = *permutations(spec.shape.size());
  grad_check([&](const std::vector<Tensor>& in) { return in[0].permute(order); }, {build(spec)});
}

MT_BACKEND_TEST(test_tensor, test_grad_size) {
  const Tensor a = tensor({1}, f64(true));
  const Tensor b = tensor({{1, 1}}, f64(true));
  const Tensor c = (a * b).sum();
  c.backward();
  BOOST_TEST((c.shape() == Shape{1}));
  BOOST_TEST((a.grad().shape() == Shape{1}));
  BOOST_TEST((b.grad().shape() == Shape{1, 2}));
  BOOST_TEST(a.grad().item() == 2.0);  // d/da Σ a·b = Σ b
  BOOST_TEST((b.grad().to_vector() == std::vector<double>{1.0, 1.0}));
  BOOST_TEST(a.grad().backend() == backend);
}

MT_BACKEND_TEST(test_tensor, test_fromlist) {
  BOOST_TEST((tensor({{2, 3, 4}, {4, 5, 7}}, f64()).shape() == Shape{2, 3}));
  BOOST_TEST((tensor({{{2, 3, 4}, {4, 5, 7}}}, f64()).shape() == Shape{1, 2, 3}));
  BOOST_TEST(
      (tensor({{2, 3, 4}, {4, 5, 7}}, f64()).to_vector() == std::vector<double>{2, 3, 4, 4, 5, 7}));
  BOOST_CHECK_THROW(tensor({{1, 2}, {3}}, f64()), ShapeError);
}

MT_BACKEND_TEST(test_tensor, test_view) {
  const Tensor t = tensor({{2, 3, 4}, {4, 5, 7}}, f64());
  BOOST_TEST((t.shape() == Shape{2, 3}));
  Tensor t2 = t.view({6});
  BOOST_TEST((t2.shape() == Shape{6}));
  t2 = t2.view({1, 6});
  BOOST_TEST((t2.shape() == Shape{1, 6}));
  t2 = t2.view({6, 1});
  BOOST_TEST((t2.shape() == Shape{6, 1}));
  t2 = t2.view({2, 3});
  BOOST_TEST(allclose(t, t2));
  BOOST_TEST(t.is_close(t2).all().item() == 1.0);
}

MT_BACKEND_PROP(test_tensor, test_back_view) {
  grad_check([](const std::vector<Tensor>& in) { return in[0].contiguous().view({in[0].numel()}); },
             {build(*tensor_specs())});
}

// MiniTorch marks this xfail: viewing a non-contiguous tensor must fail.
MT_BACKEND_TEST(test_tensor, test_permute_view) {
  const Tensor t = tensor({{2, 3, 4}, {4, 5, 7}}, f64());
  BOOST_CHECK_EXCEPTION(t.permute({1, 0}).view({6}), ShapeError, [](const ShapeError& e) {
    return std::string(e.what()).find("view needs a contiguous tensor; call contiguous() first") !=
           std::string::npos;
  });
  BOOST_TEST((t.permute({1, 0}).contiguous().view({6}).to_vector() ==
              std::vector<double>{2, 4, 3, 5, 4, 7}));
}

// MiniTorch marks this xfail: t[50, 2] must raise.
MT_BACKEND_TEST(test_tensor, test_index) {
  const Tensor t = tensor({{2, 3, 4}, {4, 5, 7}}, f64());
  BOOST_TEST(t.get({1, 2}) == 7.0);
  BOOST_CHECK_THROW(t.get({50, 2}), IndexingError);
  BOOST_CHECK_THROW(t.get({0, -1}), IndexingError);
  BOOST_CHECK_THROW(t.get({0}), IndexingError);
}

// MiniTorch's test_fromnumpy: values survive a round trip through the host.
MT_BACKEND_PROP(test_tensor, test_fromnumpy) {
  const TensorSpec spec = *tensor_specs();
  const Tensor t = build(spec);
  RC_ASSERT(t.to_vector() == spec.values);
  const std::vector<Index> indices = t.layout().indices();  // row-major, like to_vector
  for (std::size_t k = 0; k < indices.size(); ++k)
    RC_ASSERT(t.get(indices[k]) == spec.values[k]);
  const std::vector<double> host = t.to_vector();
  const Tensor back = Tensor::from_host(std::span<const double>(host), t.shape(), f64());
  RC_ASSERT(back.to_vector() == spec.values);
}

MT_BACKEND_TEST(test_tensor, test_reduce_forward_one_dim) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  BOOST_TEST(close_tensors(t.sum(0), tensor({{11, 16}}, f64())));
}

MT_BACKEND_TEST(test_tensor, test_reduce_forward_one_dim_2) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  BOOST_TEST(close_tensors(t.sum(1), tensor({{5}, {10}, {12}}, f64())));
}

MT_BACKEND_TEST(test_tensor, test_reduce_forward_all_dims) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  const Tensor total = t.sum();
  BOOST_TEST((total.shape() == Shape{1}));
  BOOST_TEST(total.get({0}) == 27.0);
}
