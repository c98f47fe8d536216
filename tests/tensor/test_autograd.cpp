// test_autograd.cpp — the backward engine: accumulation (fan-out, repeated
// backward), no_grad, detach, constants, zero_grad, broadcast reduction,
// matmul gradients, error cases and very deep graphs, on every usable
// backend. Expected values are worked out by hand from the formulas in each
// comment.
#include <boost/test/unit_test.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

std::vector<double> grad_of(const Tensor& t) {
  BOOST_TEST_REQUIRE(t.grad().defined());
  return t.grad().to_vector();
}

}  // namespace

MT_BACKEND_TEST(test_autograd, fan_out_accumulates) {
  const Tensor x = tensor({1, 2, -3}, f64(true));
  // y = x·x + 3x + x  →  dy/dx = 2x + 4
  const Tensor y = x * x + x * 3.0 + x;
  y.sum().backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{6, 8, -2}));

  // A diamond: a = 2x feeds both sides of b = a·a + a  →  db/dx = (2a + 1)·2
  const Tensor z = tensor({0.5, -1}, f64(true));
  const Tensor a = z * 2.0;
  (a * a + a).sum().backward();
  BOOST_TEST((grad_of(z) == std::vector<double>{6, -6}));
  BOOST_TEST(!a.grad().defined());  // intermediates keep no gradient
  BOOST_TEST(!a.is_leaf());
}

MT_BACKEND_TEST(test_autograd, backward_twice_accumulates) {
  const Tensor x = tensor({1, 2}, f64(true));
  const Tensor y = (x * x).sum();
  y.backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{2, 4}));
  y.backward();  // the graph is kept: the same gradient is added again
  BOOST_TEST((grad_of(x) == std::vector<double>{4, 8}));
  Tensor handle = x;
  handle.zero_grad_();
  BOOST_TEST(!x.grad().defined());
  y.backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{2, 4}));
}

MT_BACKEND_TEST(test_autograd, leaf_gradients_never_share_storage) {
  const Tensor a = tensor({1, 2}, f64(true));
  const Tensor b = tensor({3, 4}, f64(true));
  (a + b).sum().backward();  // Add hands the same gradient to both inputs
  BOOST_TEST(a.grad().storage() != b.grad().storage());
  Tensor ga = a.grad();
  {
    NoGradGuard no_grad;
    ga.mul_(10.0);
  }
  BOOST_TEST((grad_of(b) == std::vector<double>{1, 1}));

  // A leaf's backward with a caller's seed copies the seed.
  Tensor seed = tensor({5, 6}, f64());
  a.backward(seed);
  seed.fill_(0.0);
  BOOST_TEST((grad_of(a) == std::vector<double>{15, 16}));
}

MT_BACKEND_TEST(test_autograd, no_grad_records_nothing) {
  const Tensor x = tensor({1, 2}, f64(true));
  BOOST_TEST(grad_enabled());
  {
    NoGradGuard outer;
    {
      NoGradGuard inner;
      BOOST_TEST(!grad_enabled());
    }
    BOOST_TEST(!grad_enabled());  // the inner guard restores the outer state
    const Tensor y = x * 2.0;
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(y.grad_fn() == nullptr);
    BOOST_CHECK_THROW(y.sum().backward(), ArgumentError);
  }
  BOOST_TEST(grad_enabled());
  BOOST_TEST((x * 2.0).requires_grad());
}

MT_BACKEND_TEST(test_autograd, detach_stops_gradient) {
  const Tensor x = tensor({1, 2}, f64(true));
  const Tensor d = (x * 3.0).detach();
  BOOST_TEST(!d.requires_grad());
  BOOST_TEST(d.is_leaf());
  // y = x·d with d constant  →  dy/dx = d = 3x
  (x * d).sum().backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{3, 6}));
}

MT_BACKEND_TEST(test_autograd, requires_grad_false_is_a_constant) {
  Tensor c = tensor({2, 3}, f64());
  BOOST_TEST(!c.requires_grad());
  const Tensor only_constants = c * c;
  BOOST_TEST(!only_constants.requires_grad());  // unlike MiniTorch, no graph at all
  BOOST_TEST(only_constants.grad_fn() == nullptr);
  BOOST_CHECK_EXCEPTION(only_constants.sum().backward(), ArgumentError, [](const ArgumentError& e) {
    return std::string(e.what()).find("does not require grad") != std::string::npos;
  });

  const Tensor x = tensor({1, 1}, f64(true));
  (x * c).sum().backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{2, 3}));
  BOOST_TEST(!c.grad().defined());

  // Switching a leaf off makes it a constant for later operations.
  Tensor w = tensor({4}, f64(true));
  w.requires_grad_(false);
  BOOST_TEST(!(w * 2.0).requires_grad());
  BOOST_CHECK_THROW((x * 2.0).requires_grad_(false), ArgumentError);  // not a leaf
}

MT_BACKEND_TEST(test_autograd, backward_argument_checks) {
  const Tensor x = tensor({1, 2}, f64(true));
  const Tensor y = x * 2.0;
  BOOST_CHECK_EXCEPTION(y.backward(), ShapeError, [](const ShapeError& e) {
    return std::string(e.what()).find("(2)") != std::string::npos;
  });
  BOOST_CHECK_THROW(y.backward(ones({3}, f64())), ShapeError);
  BOOST_CHECK_THROW(y.backward(ones({2}, f32())), ArgumentError);
  y.backward(tensor({1, 10}, f64()));
  BOOST_TEST((grad_of(x) == std::vector<double>{2, 20}));
}

MT_BACKEND_TEST(test_autograd, broadcast_gradients_reduce_to_input_shapes) {
  // (3,1) + (1,4) → (3,4): each gets the sum over what it was stretched along.
  const Tensor a = zeros({3, 1}, f64(true));
  const Tensor b = zeros({1, 4}, f64(true));
  (a + b).sum().backward();
  BOOST_TEST((a.grad().shape() == Shape{3, 1}));
  BOOST_TEST((b.grad().shape() == Shape{1, 4}));
  BOOST_TEST((grad_of(a) == std::vector<double>(3, 4.0)));
  BOOST_TEST((grad_of(b) == std::vector<double>(4, 3.0)));

  // (4) against (2,3,4): the missing leading dims are summed away too.
  const Tensor v = tensor({1, 2, 3, 4}, f64(true));
  const Tensor big = ones({2, 3, 4}, f64(true));
  (v * big).sum().backward();
  BOOST_TEST((v.grad().shape() == Shape{4}));
  BOOST_TEST((grad_of(v) == std::vector<double>(4, 6.0)));
  BOOST_TEST((big.grad().shape() == Shape{2, 3, 4}));

  // A rank-0 leaf broadcast against a matrix.
  const Tensor s = tensor(2.0, f64(true));
  (s * ones({2, 2}, f64())).sum().backward();
  BOOST_TEST(s.grad().dims() == 0);
  BOOST_TEST(s.grad().item() == 4.0);
}

MT_BACKEND_TEST(test_autograd, sum_to_shape_cases) {
  const Tensor g = tensor({{1, 2, 3}, {4, 5, 6}}, f64());
  BOOST_TEST((sum_to_shape(g, {2, 3}).same(g)));
  BOOST_TEST((sum_to_shape(g, {3}).to_vector() == std::vector<double>{5, 7, 9}));
  BOOST_TEST((sum_to_shape(g, {2, 1}).to_vector() == std::vector<double>{6, 15}));
  BOOST_TEST((sum_to_shape(g, {1}).to_vector() == std::vector<double>{21}));
  BOOST_TEST((sum_to_shape(g, {}).dims() == 0));
  BOOST_TEST(sum_to_shape(g, {}).item() == 21.0);
  BOOST_CHECK_THROW(sum_to_shape(g, {1, 2, 3}), ShapeError);  // more dims than the gradient
  BOOST_CHECK_THROW(sum_to_shape(g, {4}), ShapeError);        // does not broadcast to (2, 3)
}

MT_BACKEND_TEST(test_autograd, matmul_gradients) {
  // d/dA Σ (A @ B) = ones @ Bᵀ ; d/dB = Aᵀ @ ones
  const Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}, f64(true));
  const Tensor b = tensor({{1, 0}, {2, 1}, {0, 3}}, f64(true));
  a.matmul(b).sum().backward();
  BOOST_TEST((grad_of(a) == std::vector<double>{1, 3, 3, 1, 3, 3}));  // row sums of B
  BOOST_TEST((grad_of(b) == std::vector<double>{5, 5, 7, 7, 9, 9}));  // column sums of A

  // Batched with a broadcast batch: B is shared by both batches, so its
  // gradient is the sum over them.
  const Tensor batch = tensor({{{1, 2, 3}}, {{4, 5, 6}}}, f64(true));  // (2,1,3)
  const Tensor shared = tensor({{1}, {1}, {1}}, f64(true));            // (3,1)
  const Tensor out = batch.matmul(shared);
  BOOST_TEST((out.shape() == Shape{2, 1, 1}));
  BOOST_TEST((out.to_vector() == std::vector<double>{6, 15}));
  out.sum().backward();
  BOOST_TEST((shared.grad().shape() == Shape{3, 1}));
  BOOST_TEST((grad_of(shared) == std::vector<double>{5, 7, 9}));
  BOOST_TEST((grad_of(batch) == std::vector<double>(6, 1.0)));
}

MT_BACKEND_TEST(test_autograd, gradient_through_views) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, f64(true));
  // narrow picks column 1; permute/view move it around; only it gets gradient.
  const Tensor picked = x.narrow(1, 1, 1).permute({1, 0}).contiguous().view({2});
  (picked * tensor({10, 100}, f64())).sum().backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{0, 10, 0, 0, 100, 0}));
  x.zero_grad_();
  // expand: every copy of a row sends its gradient back to the row.
  x.narrow(0, 0, 1).expand({5, 3}).sum().backward();
  BOOST_TEST((grad_of(x) == std::vector<double>{5, 5, 5, 0, 0, 0}));
}

// Conversions are differentiable: the gradient comes back in the input's
// dtype (checked by value: an f32 round trip is too coarse for ε = 1e-6).
MT_BACKEND_TEST(test_autograd, gradient_through_dtype_conversion) {
  const Tensor x = tensor({1, -2}, f64(true));
  const Tensor y = x.to(DType::f32) * 3.0;
  BOOST_TEST((y.dtype() == DType::f32));
  y.sum().backward();
  BOOST_TEST((x.grad().dtype() == DType::f64));
  BOOST_TEST((grad_of(x) == std::vector<double>{3, 3}));
}

MT_BACKEND_TEST(test_autograd, deep_graphs_need_no_recursion) {
  // 100k chained ops: topological sort and release must both be iterative.
  const Tensor x = tensor({1}, f64(true));
  Tensor y = x;
  for (int i = 0; i < 100000; ++i)
    y = y + 1.0;
  y.backward();
  BOOST_TEST(y.item() == 100001.0);
  BOOST_TEST((grad_of(x) == std::vector<double>{1}));
  y = Tensor();  // frees the whole chain
  BOOST_TEST(x.requires_grad());
}
