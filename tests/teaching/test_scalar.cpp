// test_scalar.cpp — MiniTorch's test_scalar (task1_1, task1_2, task1_4): central
// differences, Scalar forward over all 14 + 6 MathTest functions against the number
// versions, and derivative checks for all of them; plus the port's Scalar-specific fixes.
#include <minitorch/errors.hpp>
#include <minitorch/teaching/autodiff.hpp>
#include <minitorch/teaching/operators.hpp>
#include <minitorch/teaching/scalar.hpp>
#include "testing.hpp"

#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <string>

#include "strategies.hpp"

namespace {

using mt::Scalar;
using mt::test::small_floats;

// A deliberately wrong backward, to show derivative_check can fail.
struct WrongSquare : mt::ScalarFunction<WrongSquare, 1> {
  static constexpr std::string_view name = "WrongSquare";
  static double forward(mt::ScalarContext& ctx, double a) {
    ctx.save_for_backward(a);
    return a * a;
  }
  static double backward(const mt::ScalarContext& ctx, double d) { return d * ctx.saved(0); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(scalar)

// ---- task1_1 ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(test_central_diff) {
  auto id = [](double x) { return mt::id(x); };
  auto add = [](double x, double y) { return mt::add(x, y); };
  auto mul = [](double x, double y) { return mt::mul(x, y); };
  auto exp = [](double x) { return mt::exp(x); };
  BOOST_TEST(mt::test::close(mt::central_difference(id, std::array{5.0}, 0), 1.0));
  BOOST_TEST(mt::test::close(mt::central_difference(add, std::array{5.0, 10.0}, 0), 1.0));
  BOOST_TEST(mt::test::close(mt::central_difference(mul, std::array{5.0, 10.0}, 0), 10.0));
  BOOST_TEST(mt::test::close(mt::central_difference(mul, std::array{5.0, 10.0}, 1), 5.0));
  // d/dx e^x at 2 is e^2 = 7.38905609893065...
  BOOST_TEST(mt::test::close(mt::central_difference(exp, std::array{2.0}, 0), 7.38905609893065));
}

BOOST_AUTO_TEST_CASE(test_central_diff_on_scalars) {
  // The same helper over Scalar functions; the probes are constants, so no graph is grown
  // on the caller's leaves.
  Scalar x(3.0);
  Scalar y(-2.0);
  auto f = [](const Scalar& a, const Scalar& b) { return a * b + a.exp(); };
  const double dx = mt::central_difference(f, std::array{x, y}, 0);
  const double dy = mt::central_difference(f, std::array{x, y}, 1);
  BOOST_TEST(mt::test::close(dx, -2.0 + std::exp(3.0)));
  BOOST_TEST(mt::test::close(dy, 3.0));
  BOOST_TEST(!x.derivative().has_value());
}

BOOST_AUTO_TEST_CASE(test_central_diff_bad_arguments) {
  auto add = [](double x, double y) { return x + y; };
  BOOST_CHECK_THROW(mt::central_difference(add, std::array{1.0, 2.0}, 2), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::central_difference(add, std::array{1.0, 2.0}, 0, 0.0), mt::ArgumentError);
}

RC_BOOST_PROP(test_simple, ()) {
  const double a = *small_floats();
  const double b = *small_floats();
  MT_RC_ASSERT_CLOSE((Scalar(a) + Scalar(b)).data(), a + b);
  MT_RC_ASSERT_CLOSE((Scalar(a) * Scalar(b)).data(), a * b);
  MT_RC_ASSERT_CLOSE((Scalar(a).relu() + Scalar(b).relu()).data(),
                     (a > 0 ? a : 0.0) + (b > 0 ? b : 0.0));
}

// ---- task1_2: forward over every MathTest function ---------------------------------------

BOOST_AUTO_TEST_CASE(test_one_args) {
  for (const auto& c : mt::math_test::one_arg_cases<Scalar>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double t = *small_floats();
        MT_RC_ASSERT_CLOSE(c.variable_fn(Scalar(t)).data(), c.number_fn(t));
      }));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_two_args) {
  for (const auto& c : mt::math_test::two_arg_cases<Scalar>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double t1 = *small_floats();
        const double t2 = *small_floats();
        MT_RC_ASSERT_CLOSE(c.variable_fn(Scalar(t1), Scalar(t2)).data(), c.number_fn(t1, t2));
      }));
    }
  }
}

// ---- task1_4: derivatives of every MathTest function ----------------------------------

BOOST_AUTO_TEST_CASE(test_one_derivative) {
  for (const auto& c : mt::math_test::one_arg_cases<Scalar>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double t = *small_floats();
        const auto result = mt::derivative_check(c.variable_fn, Scalar(t));
        RC_ASSERT(result.args.size() == 1u);
        if (!result.ok()) {
          RC_FAIL(result.message());
        }
      }));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_two_derivative) {
  for (const auto& c : mt::math_test::two_arg_cases<Scalar>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double t1 = *small_floats();
        const double t2 = *small_floats();
        const auto result = mt::derivative_check(c.variable_fn, Scalar(t1), Scalar(t2));
        RC_ASSERT(result.args.size() == 2u);
        if (!result.ok()) {
          RC_FAIL(result.message());
        }
      }));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_derivative_check_can_fail) {
  auto wrong = [](const Scalar& a) { return WrongSquare::apply(a); };
  const auto result = mt::derivative_check(wrong, Scalar(3.0));
  BOOST_TEST(!result.ok());
  BOOST_TEST(*result.args[0].autodiff == 3.0);
  BOOST_TEST(mt::test::close(result.args[0].numeric, 6.0));
  BOOST_TEST(result.message().find("DIFFER") != std::string::npos, result.message());
  BOOST_CHECK_THROW(result.require(), mt::Error);
  // A correct function passes, and require() is then silent.
  auto right = [](const Scalar& a) { return a * a; };
  BOOST_CHECK_NO_THROW(mt::derivative_check(right, Scalar(3.0)).require());
}

BOOST_AUTO_TEST_CASE(test_derivative_check_wants_leaves) {
  auto f = [](const Scalar& a) { return a * 2.0; };
  BOOST_CHECK_THROW(mt::derivative_check(f, Scalar::constant(1.0)), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::derivative_check(f, Scalar(1.0) + 1.0), mt::ArgumentError);
}

// ---- The port's own Scalar guarantees -------------------------------------------------

BOOST_AUTO_TEST_CASE(test_analytic_derivatives) {
  // Each table entry's backward against the derivative worked out by hand.
  Scalar a(0.7);
  Scalar b(-1.3);
  (a * b).backward();
  BOOST_TEST(*a.derivative() == -1.3);
  BOOST_TEST(*b.derivative() == 0.7);

  Scalar c(2.0);
  (1.0 / c).backward(3.0);
  BOOST_TEST(*c.derivative() == -0.75);

  Scalar d(4.0);
  d.log().backward();
  BOOST_TEST(*d.derivative() == 0.25);

  Scalar e(0.0);
  e.sigmoid().backward();
  BOOST_TEST(*e.derivative() == 0.25);

  Scalar f(1.5);
  f.exp().backward();
  BOOST_TEST(*f.derivative() == std::exp(1.5));

  Scalar g(-2.0);
  Scalar h(2.0);
  (g.relu() + h.relu() - g).backward();
  BOOST_TEST(*g.derivative() == -1.0);
  BOOST_TEST(*h.derivative() == 1.0);

  Scalar p(1.0);
  Scalar q(2.0);
  ((p < q) + (p > q) + (p == q)).backward();
  BOOST_TEST(*p.derivative() == 0.0);
  BOOST_TEST(*q.derivative() == 0.0);
}

BOOST_AUTO_TEST_CASE(test_operators_with_numbers) {
  Scalar x(4.0);
  BOOST_TEST((2.0 * x).data() == 8.0);
  BOOST_TEST((x * 2).data() == 8.0);
  BOOST_TEST((1.0 / x).data() == 0.25);
  BOOST_TEST((x / 2.0).data() == 2.0);
  BOOST_TEST((10.0 - x).data() == 6.0);
  BOOST_TEST((x - 10.0).data() == -6.0);
  BOOST_TEST((3.0 + x).data() == 7.0);
  BOOST_TEST((-x).data() == -4.0);
  BOOST_TEST((x < 5.0).data() == 1.0);
  BOOST_TEST((5.0 < x).data() == 0.0);
  BOOST_TEST((x > 5.0).data() == 0.0);
  BOOST_TEST((x == 4.0).data() == 1.0);
  BOOST_TEST((4.0 == x).data() == 1.0);
  BOOST_TEST(static_cast<bool>(x < 5.0));
  BOOST_TEST(!static_cast<bool>(x > 5.0));
}

// Quirk 8 fixed: a plain number becomes a constant. It gets no derivative, but chain_rule
// still reports one pair per input.
BOOST_AUTO_TEST_CASE(test_numbers_become_constants) {
  Scalar x(3.0);
  Scalar y = 2.0 * x;
  const auto& parents = y.parents();
  BOOST_TEST(parents.size() == 2u);
  BOOST_TEST(parents[0].is_constant());
  BOOST_TEST(!parents[0].is_leaf());
  BOOST_TEST(parents[1].unique_id() == x.unique_id());
  BOOST_TEST(y.chain_rule(1.0).size() == 2u);
  y.backward();
  BOOST_TEST(*x.derivative() == 2.0);
  BOOST_TEST(!parents[0].derivative().has_value());
  // Only constants in, a constant out: nothing to backpropagate.
  Scalar k = Scalar::constant(2.0) * 3.0;
  BOOST_TEST(k.is_constant());
  BOOST_TEST(k.data() == 6.0);
  BOOST_CHECK_THROW(k.backward(), mt::ArgumentError);
}

BOOST_AUTO_TEST_CASE(test_node_kinds_and_errors) {
  Scalar leaf(1.0, "w");
  BOOST_TEST(leaf.is_leaf());
  BOOST_TEST(leaf.name() == "w");
  BOOST_TEST(leaf.parents().empty());
  BOOST_CHECK_THROW(leaf.chain_rule(1.0), mt::ArgumentError);

  Scalar unnamed(1.0);
  BOOST_TEST(unnamed.name() == std::to_string(unnamed.unique_id()));
  BOOST_TEST(unnamed.unique_id() > leaf.unique_id());

  Scalar out = leaf * 2.0;
  BOOST_TEST(!out.is_leaf());
  BOOST_TEST(!out.is_constant());
  BOOST_TEST(out.history()->last_fn->name == "Mul");
  BOOST_CHECK_THROW(out.accumulate_derivative(1.0), mt::ArgumentError);
  BOOST_CHECK_THROW(out.requires_grad_(false), mt::ArgumentError);
  BOOST_TEST(out.detach().is_constant());
  BOOST_TEST(out.detach().data() == 2.0);

  // requires_grad_ switches leaves and constants.
  Scalar c = Scalar::constant(5.0);
  c.requires_grad_(true);
  BOOST_TEST(c.is_leaf());
  c.requires_grad_(false);
  BOOST_TEST(c.is_constant());
  BOOST_CHECK_THROW(c.accumulate_derivative(1.0), mt::ArgumentError);

  BOOST_TEST(Scalar(1.5).to_string() == "Scalar(1.5)");
  BOOST_TEST(Scalar(-0.1).to_string() == "Scalar(-0.1)");
}

BOOST_AUTO_TEST_CASE(test_derivatives_accumulate_until_zeroed) {
  Scalar x(2.0);
  (x * x).backward();
  BOOST_TEST(*x.derivative() == 4.0);
  (x * 3.0).backward();
  BOOST_TEST(*x.derivative() == 7.0);
  x.zero_grad_();
  BOOST_TEST(!x.derivative().has_value());
  x.backward(5.0);  // backward on a leaf hands it the seed directly
  BOOST_TEST(*x.derivative() == 5.0);
}

// A chain of 200,000 additions: sorting, backpropagating and freeing it must not recurse
// once per node (it would overflow the stack).
BOOST_AUTO_TEST_CASE(test_deep_graph) {
  Scalar x(1.0);
  Scalar total = x;
  constexpr int kDepth = 200000;
  for (int i = 0; i < kDepth; ++i) {
    total = total + x;
  }
  BOOST_TEST(total.data() == kDepth + 1.0);
  total.backward();
  BOOST_TEST(*x.derivative() == kDepth + 1.0);
  total = Scalar(0.0);  // drops the only handle to the chain
  BOOST_TEST(x.is_leaf());
}

BOOST_AUTO_TEST_CASE(test_context_checks_saved_values) {
  mt::ScalarContext ctx;
  ctx.save_for_backward(1.0, 2.0);
  BOOST_TEST(ctx.saved(1) == 2.0);
  BOOST_TEST(ctx.saved_tensors().size() == 2u);
  BOOST_CHECK_THROW(ctx.saved(2), mt::ArgumentError);
  mt::ScalarContext off;
  off.no_grad = true;
  off.save_for_backward(1.0);
  BOOST_TEST(off.saved_values.empty());
}

BOOST_AUTO_TEST_SUITE_END()
