// strategies.hpp — MiniTorch's hypothesis strategies for the teaching suite as rapidcheck
// generators (small_floats in [-100, 100], med_ints in 1..20, ...) and assert_close.
// Not tensor strategies: those belong to the tensor suites.
#pragma once

#include <minitorch/teaching/operators.hpp>

#include <rapidcheck.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mt::test {

// Doubles in [lo, hi]. Like hypothesis' floats(lo, hi) they include the bounds and simple
// values often, and otherwise spread over the whole range whatever rapidcheck's size
// parameter is (resize pins it, so early examples are not all tiny). They shrink towards 0
// when the range holds 0, else towards lo.
inline rc::Gen<double> floats_in(double lo, double hi) {
  constexpr std::int64_t kSteps = std::int64_t{1} << 53;
  auto unit = rc::gen::map(rc::gen::resize(100, rc::gen::inRange<std::int64_t>(0, kSteps + 1)),
                           [](std::int64_t k) { return static_cast<double>(k) / kSteps; });
  const bool spans_zero = lo <= 0.0 && hi >= 0.0;
  rc::Gen<double> spread =
      spans_zero
          ? rc::gen::apply([lo, hi](bool negative, double u) { return negative ? lo * u : hi * u; },
                           rc::gen::arbitrary<bool>(), unit)
          : rc::gen::map(unit, [lo, hi](double u) { return lo + (hi - lo) * u; });
  auto simple = rc::gen::element(0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-7, -1e-7);
  auto bounds = rc::gen::element(lo, hi);
  auto whole =
      rc::gen::map(rc::gen::inRange<std::int64_t>(static_cast<std::int64_t>(std::ceil(lo)),
                                                  static_cast<std::int64_t>(std::floor(hi)) + 1),
                   [](std::int64_t k) { return static_cast<double>(k); });
  return rc::gen::suchThat(
      rc::gen::weightedOneOf<double>({{6, spread}, {1, simple}, {1, bounds}, {2, whole}}),
      [lo, hi](double x) { return x >= lo && x <= hi; });
}

// small_floats = floats(-100, 100, allow_nan=False).
inline rc::Gen<double> small_floats() {
  return floats_in(-100.0, 100.0);
}

// MiniTorch's scalars() range for Scalar tests.
inline rc::Gen<double> scalar_values() {
  return floats_in(-1e5, 1e5);
}

// small_ints = integers(1, 3); med_ints = integers(1, 20).
inline rc::Gen<int> small_ints() {
  return rc::gen::inRange(1, 4);
}
inline rc::Gen<int> med_ints() {
  return rc::gen::inRange(1, 21);
}

// Lists of small floats with a length in [min_size, max_size].
inline rc::Gen<std::vector<double>> small_float_lists(int min_size, int max_size) {
  return rc::gen::mapcat(rc::gen::inRange(min_size, max_size + 1), [](int n) {
    return rc::gen::container<std::vector<double>>(static_cast<std::size_t>(n), small_floats());
  });
}

// MiniTorch's assert_close: |a - b| < 1e-2, absolute.
inline bool close(double a, double b) {
  return mt::is_close(a, b) == 1.0;
}

inline std::string show_pair(double a, double b) {
  return std::to_string(a) + " vs " + std::to_string(b);
}

}  // namespace mt::test

// Inside a rapidcheck property: fails with both values shown (the counterexample itself is
// printed by rapidcheck).
#define MT_RC_ASSERT_CLOSE(a, b)                                                               \
  do {                                                                                         \
    const double mt_a_ = (a);                                                                  \
    const double mt_b_ = (b);                                                                  \
    if (!::mt::test::close(mt_a_, mt_b_)) {                                                    \
      const std::string mt_message_ = #a " vs " #b ": " + ::mt::test::show_pair(mt_a_, mt_b_); \
      RC_FAIL(mt_message_);                                                                    \
    }                                                                                          \
  } while (0)
