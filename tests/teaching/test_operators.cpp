// test_operators.cpp — MiniTorch's test_operators (task0_1 … task0_3) in C++: the scalar
// operators, the student-written properties, and map / zip_with / reduce and their lists.
// Expected values come from plain C++ arithmetic or the math, never from the code under test.
#include <minitorch/errors.hpp>
#include <minitorch/teaching/autodiff.hpp>
#include <minitorch/teaching/functional.hpp>
#include <minitorch/teaching/operators.hpp>
#include "testing.hpp"

#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "strategies.hpp"

namespace {

using mt::test::small_floats;

// rapidcheck's arbitrary double is unbounded; every property here draws explicitly.
double draw_small() {
  return *small_floats();
}

// The smallest "tensor" the reduction lists accept: a list with sum(0), mean(0), mean().
struct ListVar {
  std::vector<double> v;
  ListVar sum(int) const { return {{std::accumulate(v.begin(), v.end(), 0.0)}}; }
  ListVar mean(int) const { return {{sum(0).v[0] / static_cast<double>(v.size())}}; }
  ListVar mean() const { return mean(0); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(operators)

// ---- task0_1 ------------------------------------------------------------------------

RC_BOOST_PROP(test_same_as_python, ()) {
  const double x = draw_small();
  const double y = draw_small();
  RC_ASSERT(mt::mul(x, y) == x * y);
  RC_ASSERT(mt::add(x, y) == x + y);
  RC_ASSERT(mt::neg(x) == -x);
  RC_ASSERT(mt::max(x, y) == (x > y ? x : y));
  if (std::fabs(x) > 1e-5) {
    MT_RC_ASSERT_CLOSE(mt::inv(x), 1.0 / x);
  }
}

RC_BOOST_PROP(test_relu, ()) {
  const double a = draw_small();
  if (a > 0) {
    RC_ASSERT(mt::relu(a) == a);
  }
  if (a < 0) {
    RC_ASSERT(mt::relu(a) == 0.0);
  }
}

RC_BOOST_PROP(test_relu_back, ()) {
  const double a = draw_small();
  const double b = draw_small();
  if (a > 0) {
    RC_ASSERT(mt::relu_back(a, b) == b);
  }
  if (a < 0) {
    RC_ASSERT(mt::relu_back(a, b) == 0.0);
  }
}

RC_BOOST_PROP(test_id, ()) {
  const double a = draw_small();
  RC_ASSERT(mt::id(a) == a);
}

RC_BOOST_PROP(test_lt, ()) {
  const double a = draw_small();
  RC_ASSERT(mt::lt(a - 1.0, a) == 1.0);
  RC_ASSERT(mt::lt(a, a - 1.0) == 0.0);
}

RC_BOOST_PROP(test_max, ()) {
  const double a = draw_small();
  RC_ASSERT(mt::max(a - 1.0, a) == a);
  RC_ASSERT(mt::max(a, a - 1.0) == a);
  RC_ASSERT(mt::max(a + 1.0, a) == a + 1.0);
  RC_ASSERT(mt::max(a, a + 1.0) == a + 1.0);
}

RC_BOOST_PROP(test_eq, ()) {
  const double a = draw_small();
  RC_ASSERT(mt::eq(a, a) == 1.0);
  RC_ASSERT(mt::eq(a, a - 1.0) == 0.0);
  RC_ASSERT(mt::eq(a, a + 1.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(test_is_close_is_absolute_1e_2) {
  BOOST_TEST(mt::is_close(1.0, 1.0 + 0.009) == 1.0);
  BOOST_TEST(mt::is_close(1.0, 1.0 + 0.011) == 0.0);
  BOOST_TEST(mt::is_close(1000.0, 1000.011) == 0.0);  // no relative slack for big values
  BOOST_TEST(mt::is_close(-5.0, -5.0) == 1.0);
}

// ---- task0_2: the student-written properties ------------------------------------------

RC_BOOST_PROP(test_sigmoid, ()) {
  const double a = draw_small();
  const double s = mt::sigmoid(a);
  // In [0, 1] (exactly 0 or 1 only where the double cannot tell it apart).
  RC_ASSERT(s >= 0.0);
  RC_ASSERT(s <= 1.0);
  // 1 - sigma(a) = sigma(-a).
  MT_RC_ASSERT_CLOSE(1.0 - s, mt::sigmoid(-a));
  // Strictly increasing; above ~36 sigma(a) rounds to 1.0, so only non-decreasing there.
  if (a < 30.0) {
    RC_ASSERT(mt::sigmoid(a + 1.0) > s);
  } else {
    RC_ASSERT(mt::sigmoid(a + 1.0) >= s);
  }
  // Agrees with the textbook formula where that formula is itself accurate.
  MT_RC_ASSERT_CLOSE(s, 1.0 / (1.0 + std::exp(-a)));
}

BOOST_AUTO_TEST_CASE(test_sigmoid_fixed_points) {
  BOOST_TEST(mt::sigmoid(0.0) == 0.5);
  // The stable form never overflows: no NaN at the extremes, and the limits are right.
  BOOST_TEST(mt::sigmoid(-1000.0) == 0.0);
  BOOST_TEST(mt::sigmoid(1000.0) == 1.0);
  BOOST_TEST(!std::isnan(mt::sigmoid(-800.0)));
}

RC_BOOST_PROP(test_transitive, ()) {
  const double a = draw_small();
  const double b = draw_small();
  const double c = draw_small();
  if (mt::lt(a, b) == 1.0 && mt::lt(b, c) == 1.0) {
    RC_ASSERT(mt::lt(a, c) == 1.0);
  }
  // The premise above holds for one draw in six; sorting makes it hold whenever the values
  // are distinct, so the implication is exercised on every example.
  std::array<double, 3> s{a, b, c};
  std::sort(s.begin(), s.end());
  if (mt::lt(s[0], s[1]) == 1.0 && mt::lt(s[1], s[2]) == 1.0) {
    RC_ASSERT(mt::lt(s[0], s[2]) == 1.0);
  }
}

RC_BOOST_PROP(test_symmetric, ()) {
  const double x = draw_small();
  const double y = draw_small();
  RC_ASSERT(mt::mul(x, y) == mt::mul(y, x));
  RC_ASSERT(mt::add(x, y) == mt::add(y, x));
}

RC_BOOST_PROP(test_distribute, ()) {
  const double x = draw_small();
  const double y = draw_small();
  const double z = draw_small();
  MT_RC_ASSERT_CLOSE(mt::mul(z, mt::add(x, y)), mt::add(mt::mul(z, x), mt::mul(z, y)));
}

// test_other: log and exp are inverses, inv is an involution, and each *_back helper is d
// times the numerical derivative of its forward function.
RC_BOOST_PROP(test_other, ()) {
  const double a = draw_small();
  MT_RC_ASSERT_CLOSE(mt::log(mt::exp(a)), a);
  if (std::fabs(a) > 1e-3) {
    RC_ASSERT(std::fabs(mt::inv(mt::inv(a)) - a) <= 1e-12 * std::fabs(a));
  }
  const double x = *mt::test::floats_in(0.5, 100.0);  // away from the poles at 0
  const double d = draw_small();
  auto log_fn = [](double v) { return mt::log(v); };
  auto inv_fn = [](double v) { return mt::inv(v); };
  auto relu_fn = [](double v) { return mt::relu(v); };
  MT_RC_ASSERT_CLOSE(mt::log_back(x, d), d * mt::central_difference(log_fn, std::array{x}));
  MT_RC_ASSERT_CLOSE(mt::inv_back(x, d), d * mt::central_difference(inv_fn, std::array{x}));
  MT_RC_ASSERT_CLOSE(mt::relu_back(x, d), d * mt::central_difference(relu_fn, std::array{x}));
  MT_RC_ASSERT_CLOSE(mt::relu_back(-x, d), d * mt::central_difference(relu_fn, std::array{-x}));
}

// The plain natural log (MiniTorch 2022 added 1e-6 inside; this port does not).
BOOST_AUTO_TEST_CASE(test_log_is_plain) {
  BOOST_TEST(mt::log(1.0) == 0.0);
  BOOST_TEST(mt::log(std::exp(1.0)) == 1.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(std::isinf(mt::log(0.0)));
  BOOST_TEST(mt::log(0.0) < 0.0);
  BOOST_TEST(std::isnan(mt::log(-1.0)));
  // With the old +1e-6 the result at 1e-6 would be log(2e-6) = -13.12, not -13.82.
  BOOST_TEST(mt::log(1e-6) == -13.815510557964274, boost::test_tools::tolerance(1e-12));
}

// ---- task0_3: map, zip_with, reduce ------------------------------------------------------

RC_BOOST_PROP(test_zip_with, ()) {
  const double a = draw_small();
  const double b = draw_small();
  const double c = draw_small();
  const double d = draw_small();
  const std::vector<double> out = mt::add_lists({a, b}, {c, d});
  RC_ASSERT(out.size() == 2u);
  MT_RC_ASSERT_CLOSE(out[0], a + c);
  MT_RC_ASSERT_CLOSE(out[1], b + d);
}

RC_BOOST_PROP(test_sum_distribute, ()) {
  const auto ls1 = *mt::test::small_float_lists(5, 5);
  const auto ls2 = *mt::test::small_float_lists(5, 5);
  MT_RC_ASSERT_CLOSE(mt::sum(ls1) + mt::sum(ls2), mt::sum(mt::add_lists(ls1, ls2)));
}

// MiniTorch 2022 compared operators.sum with itself here; like 2024 this compares with an
// independent sum (std::accumulate), lists may be empty.
RC_BOOST_PROP(test_sum, ()) {
  const auto ls = *mt::test::small_float_lists(0, 20);
  MT_RC_ASSERT_CLOSE(mt::sum(ls), std::accumulate(ls.begin(), ls.end(), 0.0));
}

BOOST_AUTO_TEST_CASE(test_sum_and_prod_of_empty) {
  BOOST_TEST(mt::sum({}) == 0.0);
  BOOST_TEST(mt::prod({}) == 1.0);
}

RC_BOOST_PROP(test_prod, ()) {
  const double x = draw_small();
  const double y = draw_small();
  const double z = draw_small();
  MT_RC_ASSERT_CLOSE(mt::prod({x, y, z}), x * y * z);
}

RC_BOOST_PROP(test_neg_list, ()) {
  const auto ls = *mt::test::small_float_lists(0, 20);
  const auto out = mt::neg_list(ls);
  RC_ASSERT(out.size() == ls.size());
  for (std::size_t i = 0; i < ls.size(); ++i) {
    MT_RC_ASSERT_CLOSE(out[i], -ls[i]);
  }
}

BOOST_AUTO_TEST_CASE(test_reduce_order) {
  // fn(x3, fn(x2, fn(x1, x0))): record the order in which fn sees its arguments.
  auto trace = mt::reduce([](std::string x, std::string acc) { return "f(" + x + "," + acc + ")"; },
                          std::string("x0"));
  BOOST_TEST(trace({"x1", "x2", "x3"}) == "f(x3,f(x2,f(x1,x0)))");
  BOOST_TEST(trace({}) == "x0");
}

BOOST_AUTO_TEST_CASE(test_map_and_zip_with_are_generic) {
  const std::vector<int> ints{1, 2, 3};
  const auto halves = mt::map([](int v) { return v / 2.0; })(ints);
  BOOST_TEST(halves == (std::vector<double>{0.5, 1.0, 1.5}));
  const auto labels = mt::zip_with([](int v, double w) {
    return std::to_string(v) + ":" + std::to_string(static_cast<int>(w));
  })(ints, std::vector<double>{4.0, 5.0, 6.0});
  BOOST_TEST(labels == (std::vector<std::string>{"1:4", "2:5", "3:6"}));
}

BOOST_AUTO_TEST_CASE(test_mismatched_lengths_name_both) {
  try {
    mt::add_lists({1.0, 2.0, 3.0}, {1.0});
    BOOST_FAIL("add_lists accepted lists of lengths 3 and 1");
  } catch (const mt::ArgumentError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("add_lists") != std::string::npos, what);
    BOOST_TEST(what.find('3') != std::string::npos, what);
    BOOST_TEST(what.find('1') != std::string::npos, what);
  }
  BOOST_CHECK_THROW(mt::zip_with([](double a, double b) { return a * b; })(std::vector<double>{1.0},
                                                                           std::vector<double>{}),
                    mt::ArgumentError);
}

// ---- Unmarked upstream: every MathTest function and the back helpers run ------------------

BOOST_AUTO_TEST_CASE(test_one_args) {
  for (const auto& c : mt::math_test::one_arg_cases<double>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double a = draw_small();
        RC_ASSERT(!std::isnan(c.number_fn(a)));
        // The variable formula, run on a plain number, is the same function.
        MT_RC_ASSERT_CLOSE(c.variable_fn(a), c.number_fn(a));
      }));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_two_args) {
  for (const auto& c : mt::math_test::two_arg_cases<double>()) {
    BOOST_TEST_CONTEXT("function " << c.name) {
      BOOST_TEST(rc::check(std::string(c.name), [&c] {
        const double a = draw_small();
        const double b = draw_small();
        RC_PRE(b != -5.5);  // div2's pole
        RC_ASSERT(!std::isnan(c.number_fn(a, b)));
        MT_RC_ASSERT_CLOSE(c.variable_fn(a, b), c.number_fn(a, b));
      }));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_function_lists_match_minitorch) {
  std::vector<std::string> one, two, red;
  for (const auto& c : mt::math_test::one_arg_cases<double>())
    one.emplace_back(c.name);
  for (const auto& c : mt::math_test::two_arg_cases<double>())
    two.emplace_back(c.name);
  for (const auto& c : mt::math_test::reduction_cases<ListVar>())
    red.emplace_back(c.name);
  BOOST_TEST(one == (std::vector<std::string>{"addConstant", "complex", "cube", "div", "exp",
                                              "explog", "inv", "log", "multConstant", "neg", "relu",
                                              "sig", "square", "subConstant"}),
             boost::test_tools::per_element());
  BOOST_TEST(two == (std::vector<std::string>{"add2", "div2", "eq2", "gt2", "lt2", "mul2"}),
             boost::test_tools::per_element());
  BOOST_TEST(red == (std::vector<std::string>{"mean_full_red", "mean_red", "sum_red"}),
             boost::test_tools::per_element());
}

RC_BOOST_PROP(test_reductions, ()) {
  const auto ls = *mt::test::small_float_lists(1, 10);
  const double total = std::accumulate(ls.begin(), ls.end(), 0.0);
  for (const auto& c : mt::math_test::reduction_cases<ListVar>()) {
    const double expected = c.name == "sum_red" ? total : total / static_cast<double>(ls.size());
    MT_RC_ASSERT_CLOSE(c.number_fn(ls), expected);
    MT_RC_ASSERT_CLOSE(c.variable_fn(ListVar{ls}).v.at(0), expected);
  }
}

RC_BOOST_PROP(test_backs, ()) {
  const double a = draw_small();
  const double b = draw_small();
  RC_ASSERT(mt::relu_back(a, b) == (a > 0 ? b : 0.0));
  const double x = a + 2.4;
  if (x != 0.0) {
    MT_RC_ASSERT_CLOSE(mt::inv_back(x, b), -b / (x * x));
  }
  const double y = std::fabs(a) + 4.0;
  MT_RC_ASSERT_CLOSE(mt::log_back(y, b), b / y);
}

BOOST_AUTO_TEST_SUITE_END()
