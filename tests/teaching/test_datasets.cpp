// test_datasets.cpp — the 2-D toy datasets: every label checked point by point against the
// formula written out here, the sampler against its documented definition, determinism
// by seed, the spiral's shape and coordinates, and the name lookup.
#include <minitorch/errors.hpp>
#include <minitorch/teaching/datasets.hpp>

#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "strategies.hpp"

namespace {

struct LabelRule {
  const char* name;
  std::function<mt::Graph(int, std::uint64_t)> make;
  std::function<bool(double, double)> label;  // MiniTorch's formula, written independently
};

std::vector<LabelRule> rules() {
  return {
      {"simple", mt::simple, [](double x1, double) { return x1 < 0.5; }},
      {"diag", mt::diag, [](double x1, double x2) { return x1 + x2 < 0.5; }},
      {"split", mt::split, [](double x1, double) { return x1 < 0.2 || x1 > 0.8; }},
      {"xor", mt::xor_,
       [](double x1, double x2) { return (x1 < 0.5 && x2 > 0.5) || (x1 > 0.5 && x2 < 0.5); }},
      {"circle", mt::circle,
       [](double x1, double x2) {
         return (x1 - 0.5) * (x1 - 0.5) + (x2 - 0.5) * (x2 - 0.5) > 0.1;
       }},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(datasets)

RC_BOOST_PROP(test_labels_follow_the_formulas, ()) {
  const int n = *rc::gen::inRange(0, 200);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  for (const LabelRule& rule : rules()) {
    const mt::Graph g = rule.make(n, seed);
    RC_ASSERT(g.N == n);
    RC_ASSERT(g.X.size() == static_cast<std::size_t>(n));
    RC_ASSERT(g.y.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const auto [x1, x2] = g.X[i];
      RC_ASSERT(x1 >= 0.0);
      RC_ASSERT(x1 < 1.0);
      RC_ASSERT(x2 >= 0.0);
      RC_ASSERT(x2 < 1.0);
      RC_ASSERT(g.y[i] == (rule.label(x1, x2) ? 1 : 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_both_labels_occur) {
  // With 500 points each rule yields both classes (a constant label would pass the
  // formula check only if the formula were never true or never false).
  for (const LabelRule& rule : rules()) {
    const mt::Graph g = rule.make(500, 42);
    int ones = 0;
    for (int v : g.y) {
      ones += v;
    }
    BOOST_TEST(ones > 0, rule.name);
    BOOST_TEST(ones < 500, rule.name);
  }
}

BOOST_AUTO_TEST_CASE(test_points_are_the_documented_draws) {
  // make_pts: for each point, x1 then x2, each (next() >> 11) * 2^-53 of mt19937_64(seed).
  const std::uint64_t seed = 2024;
  std::mt19937_64 rng(seed);
  const auto pts = mt::make_pts(20, seed);
  for (const auto& p : pts) {
    const double x1 = std::ldexp(static_cast<double>(rng() >> 11), -53);
    const double x2 = std::ldexp(static_cast<double>(rng() >> 11), -53);
    BOOST_TEST(p[0] == x1);
    BOOST_TEST(p[1] == x2);
  }
  // Every labelled set shares the same points for the same seed.
  BOOST_TEST(mt::xor_(20, seed).X == pts);
}

BOOST_AUTO_TEST_CASE(test_determinism_by_seed) {
  for (const LabelRule& rule : rules()) {
    const mt::Graph a = rule.make(50, 1);
    const mt::Graph b = rule.make(50, 1);
    const mt::Graph c = rule.make(50, 2);
    BOOST_TEST((a.X == b.X), rule.name);
    BOOST_TEST((a.y == b.y), rule.name);
    BOOST_TEST((a.X != c.X), rule.name);
  }
}

BOOST_AUTO_TEST_CASE(test_spiral_shape_and_points) {
  const int n = 50;
  const int h = n / 2;
  const mt::Graph g = mt::spiral(n);
  BOOST_TEST(g.N == n);
  BOOST_TEST(g.X.size() == 50u);
  BOOST_TEST(g.y.size() == 50u);
  for (int k = 0; k < h; ++k) {
    BOOST_TEST(g.y[k] == 0);
    BOOST_TEST(g.y[h + k] == 1);
    // Class 0 at t = 10 (i / h), class 1 mirrored at -t with the coordinates swapped.
    const double t = 10.0 * ((k + 5.0) / h);
    BOOST_TEST(g.X[k][0] == t * std::cos(t) / 20.0 + 0.5);
    BOOST_TEST(g.X[k][1] == t * std::sin(t) / 20.0 + 0.5);
    BOOST_TEST(g.X[h + k][0] == (-t) * std::sin(-t) / 20.0 + 0.5);
    BOOST_TEST(g.X[h + k][1] == (-t) * std::cos(-t) / 20.0 + 0.5);
  }
  // The first point by hand: t = 10 * 5 / 25 = 2, so (2 cos 2 / 20 + 0.5, 2 sin 2 / 20 + 0.5).
  BOOST_TEST(g.X[0][0] == 0.45838531634528577, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(g.X[0][1] == 0.59092974268256817, boost::test_tools::tolerance(1e-15));
  // The seed plays no part.
  BOOST_TEST((mt::make_dataset("spiral", n, 1).X == mt::make_dataset("spiral", n, 99).X));
}

// Quirk 5 fixed: an odd N gives N - 1 points and Graph::N says so.
BOOST_AUTO_TEST_CASE(test_spiral_odd_n) {
  const mt::Graph g = mt::spiral(7);
  BOOST_TEST(g.N == 6);
  BOOST_TEST(g.X.size() == 6u);
  BOOST_TEST(g.y.size() == 6u);
  BOOST_TEST(mt::spiral(1).N == 0);
  BOOST_TEST(mt::spiral(1).X.empty());
  BOOST_TEST(mt::spiral(0).X.empty());
}

BOOST_AUTO_TEST_CASE(test_make_dataset_by_name) {
  BOOST_TEST((mt::make_dataset("Xor", 30, 5).y == mt::xor_(30, 5).y));
  BOOST_TEST((mt::make_dataset("CIRCLE", 30, 5).X == mt::circle(30, 5).X));
  BOOST_TEST((mt::make_dataset("simple", 30, 5).y == mt::simple(30, 5).y));
  BOOST_TEST((mt::make_dataset("Diag", 30, 5).y == mt::diag(30, 5).y));
  BOOST_TEST((mt::make_dataset("split", 30, 5).y == mt::split(30, 5).y));
  BOOST_TEST(mt::make_dataset("Spiral", 30, 5).N == 30);
  BOOST_TEST(mt::dataset_names() ==
                 (std::vector<std::string>{"simple", "diag", "split", "xor", "circle", "spiral"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(test_bad_requests) {
  try {
    mt::make_dataset("moons", 10, 0);
    BOOST_FAIL("make_dataset accepted \"moons\"");
  } catch (const mt::ArgumentError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("\"moons\"") != std::string::npos, what);
    for (const char* name : {"simple", "diag", "split", "xor", "circle", "spiral"}) {
      BOOST_TEST(what.find(name) != std::string::npos, what);
    }
  }
  BOOST_CHECK_THROW(mt::make_dataset("simple", -1, 0), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::spiral(-4), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::make_pts(-1, 0), mt::ArgumentError);
}

BOOST_AUTO_TEST_SUITE_END()
