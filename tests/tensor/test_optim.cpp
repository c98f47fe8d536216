// test_optim.cpp — Optimizer and SGD: one step by hand, in-place updates that
// record no graph, argument errors, and a tiny regression that converges, on
// every usable backend.
#include <boost/test/unit_test.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

MT_BACKEND_TEST(test_optim, sgd_step_updates_in_place) {
  Tensor p = tensor({1, 2, -3}, f64(true));
  Tensor untouched = tensor({5}, f64(true));  // no gradient: left alone
  const auto storage = p.storage();
  SGD sgd({p, untouched}, 0.1);
  (p * p).sum().backward();  // grad = 2p
  sgd.step();                // p ← p − 0.1·2p = 0.8p
  const std::vector<double> after = p.to_vector();
  const std::vector<double> expected{0.8, 1.6, -2.4};
  for (std::size_t i = 0; i < after.size(); ++i)
    BOOST_TEST(after[i] == expected[i], boost::test_tools::tolerance(1e-12));
  BOOST_TEST(untouched.item() == 5.0);
  BOOST_TEST(p.storage() == storage);  // the parameter's own storage
  BOOST_TEST(p.is_leaf());
  BOOST_TEST(p.requires_grad());
  BOOST_TEST(p.grad_fn() == nullptr);

  BOOST_TEST(p.grad().defined());  // kept until zero_grad
  sgd.zero_grad();
  BOOST_TEST(!p.grad().defined());
  sgd.step();  // nothing to do without gradients
  BOOST_TEST(p.get({0}) == after[0]);
}

MT_BACKEND_TEST(test_optim, sgd_argument_errors) {
  const Tensor p = zeros({2}, f64(true));
  BOOST_CHECK_THROW(SGD({p}, 0.0), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, -1.0), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, std::nan("")), ArgumentError);
  BOOST_CHECK_THROW(SGD({p * 2.0}, 0.1), ArgumentError);  // not a leaf
  BOOST_CHECK_THROW(SGD({Tensor()}, 0.1), ArgumentError);
  SGD sgd({p}, 0.5);
  sgd.set_lr(0.25);
  BOOST_TEST(sgd.lr() == 0.25);
  BOOST_TEST(sgd.parameters().size() == 1u);
}

// Fits y = 2x + 1 with a 1→1 linear model; the loss must fall well below
// where it started.
MT_BACKEND_TEST(test_optim, sgd_fits_a_line) {
  manual_seed(1);
  const Tensor x = rand({16, 1}, f64()) * 2.0 - 1.0;
  const Tensor y = x * 2.0 + 1.0;
  Tensor w = zeros({1, 1}, f64(true));
  Tensor b = zeros({1}, f64(true));
  SGD sgd({w, b}, 0.5);
  double first_loss = 0.0;
  double loss_value = 0.0;
  for (int step = 0; step < 200; ++step) {
    sgd.zero_grad();
    const Tensor err = x.matmul(w) + b - y;
    const Tensor loss = (err * err).mean();
    loss.backward();
    sgd.step();
    loss_value = loss.item();
    if (step == 0)
      first_loss = loss_value;
  }
  BOOST_TEST(first_loss > 0.5);
  BOOST_TEST(loss_value < 1e-6);
  BOOST_TEST(w.item() == 2.0, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(b.item() == 1.0, boost::test_tools::tolerance(1e-3));
}
