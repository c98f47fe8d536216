// test_tensor.cpp — MiniTorch's test_tensor.py (task2_3, task2_4 and the
// unmarked cases) on the reference backend in f64, with the MathTest function
// lists from minitorch/testing.hpp. Cross-backend runs live in sdk/conformance.
#define BOOST_TEST_MODULE tensor
#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>
#include <minitorch/testing.hpp>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

struct UseReference {
  UseReference() { set_default_backend(reference()); }
};

// Checks every element of fn(t) against the float function of the input
// (to_vector reads both in the same row-major order of indices).
void check_one_arg(const std::function<double(double)>& number_fn,
                   const std::function<Tensor(const Tensor&)>& tensor_fn, const TensorSpec& spec) {
  const Tensor t = build(spec);
  const Tensor out = tensor_fn(t);
  RC_ASSERT(out.shape() == t.shape());
  const std::vector<double> in_values = t.to_vector();
  const std::vector<double> out_values = out.to_vector();
  for (std::size_t k = 0; k < in_values.size(); ++k)
    MT_RC_ASSERT_CLOSE(out_values[k], number_fn(in_values[k]));
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(UseReference);

BOOST_AUTO_TEST_SUITE(test_tensor)

RC_BOOST_PROP(test_create, ()) {
  const auto values = *small_float_lists(1, 20);
  const Tensor t = Tensor::from_values(values, {static_cast<int64_t>(values.size())}, f64());
  for (std::size_t i = 0; i < values.size(); ++i)
    RC_ASSERT(t.get({static_cast<int64_t>(i)}) == values[i]);
}

BOOST_AUTO_TEST_CASE(test_one_args) {
  check_each("test_one_args", math_test::one_arg_cases<Tensor>(),
             [](const auto& c) { check_one_arg(c.number_fn, c.variable_fn, *tensor_specs()); });
}

BOOST_AUTO_TEST_CASE(test_two_args) {
  check_each("test_two_args", math_test::two_arg_cases<Tensor>(), [](const auto& c) {
    const auto [a, b] = shaped_pair();
    const Tensor ta = build(a);
    const Tensor tb = build(b);
    const Tensor out = c.variable_fn(ta, tb);
    RC_ASSERT(out.shape() == ta.shape());
    const std::vector<double> a_values = ta.to_vector();
    const std::vector<double> b_values = tb.to_vector();
    const std::vector<double> out_values = out.to_vector();
    for (std::size_t k = 0; k < a_values.size(); ++k)
      MT_RC_ASSERT_CLOSE(out_values[k], c.number_fn(a_values[k], b_values[k]));
  });
}

BOOST_AUTO_TEST_CASE(test_one_derivative) {
  check_each("test_one_derivative", math_test::one_arg_cases<Tensor>(), [](const auto& c) {
    grad_check([&](const std::vector<Tensor>& in) { return c.variable_fn(in[0]); },
               {build(*tensor_specs())});
  });
}

RC_BOOST_PROP(test_permute, ()) {
  const TensorSpec spec = *tensor_specs();
  const auto order = *permutations(spec.shape.size());
  grad_check([&](const std::vector<Tensor>& in) { return in[0].permute(order); }, {build(spec)});
}

BOOST_AUTO_TEST_CASE(test_grad_size) {
  const Tensor a = tensor({1}, f64(true));
  const Tensor b = tensor({{1, 1}}, f64(true));
  const Tensor c = (a * b).sum();
  c.backward();
  BOOST_TEST((c.shape() == Shape{1}));
  BOOST_TEST((a.grad().shape() == Shape{1}));
  BOOST_TEST((b.grad().shape() == Shape{1, 2}));
  BOOST_TEST(a.grad().item() == 2.0);  // d/da Σ a·b = Σ b
  BOOST_TEST((b.grad().to_vector() == std::vector<double>{1.0, 1.0}));
}

BOOST_AUTO_TEST_CASE(test_grad_reduce) {
  check_each("test_grad_reduce", math_test::reduction_cases<Tensor>(), [](const auto& c) {
    grad_check([&](const std::vector<Tensor>& in) { return c.variable_fn(in[0]); },
               {build(*tensor_specs())});
  });
}

BOOST_AUTO_TEST_CASE(test_two_grad) {
  check_each("test_two_grad", math_test::two_arg_cases<Tensor>(), [](const auto& c) {
    const auto [a, b] = shaped_pair();
    grad_check([&](const std::vector<Tensor>& in) { return c.variable_fn(in[0], in[1]); },
               {build(a), build(b)});
  });
}

BOOST_AUTO_TEST_CASE(test_two_grad_broadcast) {
  check_each("test_two_grad_broadcast", math_test::two_arg_cases<Tensor>(), [](const auto& c) {
    const auto [a, b] = shaped_pair();
    const auto fn = [&](const std::vector<Tensor>& in) { return c.variable_fn(in[0], in[1]); };
    grad_check(fn, {build(a), build(b)});
    // Broadcast backward: one side loses dim 0 to a sum, the other keeps it.
    grad_check(fn, {build(a).sum(0), build(b)});
    grad_check(fn, {build(a), build(b).sum(0)});
  });
}

BOOST_AUTO_TEST_CASE(test_fromlist) {
  BOOST_TEST((tensor({{2, 3, 4}, {4, 5, 7}}, f64()).shape() == Shape{2, 3}));
  BOOST_TEST((tensor({{{2, 3, 4}, {4, 5, 7}}}, f64()).shape() == Shape{1, 2, 3}));
  BOOST_TEST(
      (tensor({{2, 3, 4}, {4, 5, 7}}, f64()).to_vector() == std::vector<double>{2, 3, 4, 4, 5, 7}));
  BOOST_CHECK_THROW(tensor({{1, 2}, {3}}, f64()), ShapeError);
}

BOOST_AUTO_TEST_CASE(test_view) {
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

RC_BOOST_PROP(test_back_view, ()) {
  grad_check([](const std::vector<Tensor>& in) { return in[0].contiguous().view({in[0].numel()}); },
             {build(*tensor_specs())});
}

// MiniTorch marks this xfail: viewing a non-contiguous tensor must fail.
BOOST_AUTO_TEST_CASE(test_permute_view) {
  const Tensor t = tensor({{2, 3, 4}, {4, 5, 7}}, f64());
  BOOST_CHECK_EXCEPTION(t.permute({1, 0}).view({6}), ShapeError, [](const ShapeError& e) {
    return std::string(e.what()).find("view needs a contiguous tensor; call contiguous() first") !=
           std::string::npos;
  });
  BOOST_TEST((t.permute({1, 0}).contiguous().view({6}).to_vector() ==
              std::vector<double>{2, 4, 3, 5, 4, 7}));
}

// MiniTorch marks this xfail: t[50, 2] must raise.
BOOST_AUTO_TEST_CASE(test_index) {
  const Tensor t = tensor({{2, 3, 4}, {4, 5, 7}}, f64());
  BOOST_TEST(t.get({1, 2}) == 7.0);
  BOOST_CHECK_THROW(t.get({50, 2}), IndexingError);
  BOOST_CHECK_THROW(t.get({0, -1}), IndexingError);
  BOOST_CHECK_THROW(t.get({0}), IndexingError);
}

// MiniTorch's test_fromnumpy: values survive a round trip through the host.
RC_BOOST_PROP(test_fromnumpy, ()) {
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

BOOST_AUTO_TEST_CASE(test_reduce_forward_one_dim) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  BOOST_TEST(close_tensors(t.sum(0), tensor({{11, 16}}, f64())));
}

BOOST_AUTO_TEST_CASE(test_reduce_forward_one_dim_2) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  BOOST_TEST(close_tensors(t.sum(1), tensor({{5}, {10}, {12}}, f64())));
}

BOOST_AUTO_TEST_CASE(test_reduce_forward_all_dims) {
  const Tensor t = tensor({{2, 3}, {4, 6}, {5, 7}}, f64());
  const Tensor total = t.sum();
  BOOST_TEST((total.shape() == Shape{1}));
  BOOST_TEST(total.get({0}) == 27.0);
}

BOOST_AUTO_TEST_SUITE_END()
