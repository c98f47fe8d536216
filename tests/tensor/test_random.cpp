// test_random.cpp — randn, randint and randperm on every usable backend: the
// same numbers for the same seed (on every backend), their distributions
// checked by moments, ranges and counts with bounds several standard errors
// wide, the permutation property, and the argument errors. Not a test of the
// generator's statistical quality.
#include <boost/test/unit_test.hpp>
#include <minitorch/tensor/random.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

double mean_of(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double variance_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0.0;
  for (double x : v)
    s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

}  // namespace

MT_BACKEND_TEST(random, randn_is_seeded_and_standard_normal) {
  manual_seed(7);
  const Tensor t = randn({200, 100}, f64());
  BOOST_TEST((t.shape() == Shape{200, 100}));
  BOOST_TEST(t.backend() == backend);
  const std::vector<double> v = t.to_vector();
  manual_seed(7);
  BOOST_TEST(randn({200, 100}, {.dtype = DType::f64, .backend = reference()}).to_vector() == v);
  manual_seed(7);  // f32 holds the same draws, rounded
  const std::vector<double> vf = randn({200, 100}, f32()).to_vector();
  BOOST_TEST(static_cast<float>(v[123]) == vf[123]);
  // n = 20000: the mean's standard error is 0.0071, the variance's 0.01.
  BOOST_TEST(std::fabs(mean_of(v)) < 0.04);
  BOOST_TEST(std::fabs(variance_of(v) - 1.0) < 0.05);
  // P(|z| < 1) = 0.6827, P(|z| < 2) = 0.9545 (standard errors 0.0033, 0.0015).
  const auto within = [&](double k) {
    return static_cast<double>(
               std::count_if(v.begin(), v.end(), [k](double z) { return std::fabs(z) < k; })) /
           static_cast<double>(v.size());
  };
  BOOST_TEST(std::fabs(within(1.0) - 0.6827) < 0.017);
  BOOST_TEST(std::fabs(within(2.0) - 0.9545) < 0.008);
  // Skewness ≈ 0 (standard error ≈ 0.017).
  double third = 0.0;
  for (double z : v)
    third += z * z * z;
  BOOST_TEST(std::fabs(third / static_cast<double>(v.size())) < 0.09);
  // An odd count and requires_grad are honoured.
  BOOST_TEST(randn({3}, f64(true)).requires_grad());
  BOOST_TEST(randn({0}, f64()).numel() == 0);
}

MT_BACKEND_TEST(random, randint_is_uniform_over_whole_numbers) {
  manual_seed(11);
  const std::vector<double> v = randint(-3, 4, {7000}, f64()).to_vector();
  manual_seed(11);
  BOOST_TEST(randint(-3, 4, {7000}, {.dtype = DType::f64, .backend = reference()}).to_vector() ==
             v);
  std::map<double, int> counts;
  for (double x : v) {
    BOOST_TEST(x == std::floor(x));
    BOOST_TEST((x >= -3 && x < 4));
    ++counts[x];
  }
  // 7 values, 1000 expected each (standard deviation ≈ 29.3).
  BOOST_TEST(counts.size() == 7u);
  for (const auto& [value, count] : counts)
    BOOST_TEST(std::abs(count - 1000) < 150, "value " << value << " drawn " << count << " times");
  BOOST_TEST(std::fabs(mean_of(v) - 0.0) < 0.1);
  // A one-value range, f32, and a range near f32's exact limit.
  BOOST_TEST((randint(5, 6, {4}, f32()).to_vector() == std::vector<double>{5, 5, 5, 5}));
  const double big = randint((1 << 24) - 2, 1 << 24, {1}, f32()).item();
  BOOST_TEST((big == (1 << 24) - 2 || big == (1 << 24) - 1));
}

MT_BACKEND_TEST(random, randint_errors) {
  BOOST_CHECK_EXCEPTION(randint(3, 3, {2}, f64()), ArgumentError, [](const ArgumentError& e) {
    return message_has(e, "[3, 3)") && message_has(e, "low < high");
  });
  BOOST_CHECK_EXCEPTION(randint(0, (int64_t{1} << 24) + 1, {2}, f32()), ArgumentError,
                        [](const ArgumentError& e) {
                          return message_has(e, "high = 16777217") && message_has(e, "f32");
                        });
  BOOST_CHECK_NO_THROW(randint(0, (int64_t{1} << 24) + 1, {2}, f64()));
}

MT_BACKEND_TEST(random, randperm_is_a_seeded_permutation) {
  manual_seed(3);
  const Tensor p = randperm(50, f64());
  BOOST_TEST((p.shape() == Shape{50}));
  std::vector<double> v = p.to_vector();
  manual_seed(3);
  BOOST_TEST(randperm(50, {.dtype = DType::f64, .backend = reference()}).to_vector() == v);
  std::vector<double> identity(50);
  std::iota(identity.begin(), identity.end(), 0.0);
  BOOST_TEST(v != identity);
  std::sort(v.begin(), v.end());
  BOOST_TEST(v == identity);
  BOOST_TEST(randperm(0, f64()).numel() == 0);
  BOOST_TEST((randperm(1, f32()).to_vector() == std::vector<double>{0}));
  // Each of the 6 orders of 3 elements ≈ 1/6 of 6000 draws (sd ≈ 28.9).
  std::map<std::vector<double>, int> orders;
  for (int i = 0; i < 6000; ++i)
    ++orders[randperm(3, f64()).to_vector()];
  BOOST_TEST(orders.size() == 6u);
  for (const auto& [order, count] : orders)
    BOOST_TEST(std::abs(count - 1000) < 150);
  BOOST_CHECK_EXCEPTION(randperm(-1, f64()), ArgumentError,
                        [](const ArgumentError& e) { return message_has(e, "n = -1"); });
  BOOST_CHECK_THROW(randperm((int64_t{1} << 24) + 1, f32()), ArgumentError);
}

// uniform_below never reaches n and covers [0, n); n = 0 is an error.
BOOST_AUTO_TEST_CASE(uniform_below_range) {
  manual_seed(5);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = uniform_below(5);
    BOOST_TEST(x < 5u);
    ++seen[x < 5 ? x : 0];
  }
  for (int count : seen)
    BOOST_TEST(count > 120);
  BOOST_TEST(uniform_below(1) == 0u);
  BOOST_CHECK_THROW(uniform_below(0), ArgumentError);
}
