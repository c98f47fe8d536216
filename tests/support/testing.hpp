// testing.hpp (tests/support) — MiniTorch's MathTest / MathTestVariable: the one-argument,
// two-argument and reduction functions every property test runs, in a number version and a
// variable version (Scalar, Tensor). Not a test framework: just the function lists.
#pragma once

#include <minitorch/teaching/functional.hpp>
#include <minitorch/teaching/operators.hpp>

#include <functional>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mt::math_test {

// ---- Number versions (MathTest). Where the formula is the same for numbers and variables
// the function is a template and serves both.

template <class T>
T neg(const T& a) {
  return -a;
}
template <class T>
T add_constant(const T& a) {
  return 5.0 + a;
}
template <class T>
T square(const T& a) {
  return a * a;
}
template <class T>
T cube(const T& a) {
  return a * a * a;
}
template <class T>
T sub_constant(const T& a) {
  return a - 5.0;
}
template <class T>
T mult_constant(const T& a) {
  return 5.0 * a;
}
template <class T>
T div(const T& a) {
  return a / 5.0;
}

inline double inv(double a) {
  return mt::inv(a + 3.5);
}
inline double sig(double a) {
  return mt::sigmoid(a);
}
inline double log(double a) {
  return mt::log(a + 100000.0);
}
inline double relu(double a) {
  return mt::relu(a + 5.5);
}
inline double exp(double a) {
  return mt::exp(a - 200.0);
}
inline double explog(double a) {
  return mt::log(a + 100000.0) + mt::exp(a - 200.0);
}
inline double complex(double a) {
  return mt::log(mt::sigmoid(mt::relu(mt::relu(a * 10.0 + 7.0) * 6.0 + 5.0) * 10.0)) / 50.0;
}

template <class T>
T add2(const T& a, const T& b) {
  return a + b;
}
template <class T>
T mul2(const T& a, const T& b) {
  return a * b;
}
template <class T>
T div2(const T& a, const T& b) {
  return a / (b + 5.5);
}

inline double gt2(double a, double b) {
  return mt::lt(b, a + 1.2);
}
inline double lt2(double a, double b) {
  return mt::lt(a + 1.2, b);
}
inline double eq2(double a, double b) {
  return mt::eq(a, b + 5.5);
}

inline double sum_red(const std::vector<double>& a) {
  return mt::sum(a);
}
inline double mean_red(const std::vector<double>& a) {
  return mt::sum(a) / static_cast<double>(a.size());
}
inline double mean_full_red(const std::vector<double>& a) {
  return mean_red(a);
}

// ---- Variable versions (MathTestVariable). They use only: unary -, + - * / with a double on
// either side, log() exp() sigmoid() relu(), < > == with another variable, and for the
// reductions sum(0), mean(0) and mean(). For a plain number type they fall back to the
// operators, so V = double gives the number versions again (a check on the formulas).
namespace variable {

namespace detail {
template <class V>
V log_of(const V& a) {
  if constexpr (std::is_arithmetic_v<V>) {
    return mt::log(a);
  } else {
    return a.log();
  }
}
template <class V>
V exp_of(const V& a) {
  if constexpr (std::is_arithmetic_v<V>) {
    return mt::exp(a);
  } else {
    return a.exp();
  }
}
template <class V>
V sigmoid_of(const V& a) {
  if constexpr (std::is_arithmetic_v<V>) {
    return mt::sigmoid(a);
  } else {
    return a.sigmoid();
  }
}
template <class V>
V relu_of(const V& a) {
  if constexpr (std::is_arithmetic_v<V>) {
    return mt::relu(a);
  } else {
    return a.relu();
  }
}
}  // namespace detail

template <class V>
V inv(const V& a) {
  return 1.0 / (a + 3.5);
}
template <class V>
V sig(const V& a) {
  return detail::sigmoid_of(a);
}
template <class V>
V log(const V& a) {
  return detail::log_of(V(a + 100000.0));
}
template <class V>
V relu(const V& a) {
  return detail::relu_of(V(a + 5.5));
}
template <class V>
V exp(const V& a) {
  return detail::exp_of(V(a - 200.0));
}
template <class V>
V explog(const V& a) {
  return detail::log_of(V(a + 100000.0)) + detail::exp_of(V(a - 200.0));
}
template <class V>
V complex(const V& a) {
  using detail::relu_of;
  const V inner = relu_of(V(a * 10.0 + 7.0)) * 6.0 + 5.0;
  return detail::log_of(detail::sigmoid_of(V(relu_of(inner) * 10.0))) / 50.0;
}

// V(...) turns a number's bool into 1.0 / 0.0; for Scalar and Tensor it is a plain copy.
template <class V>
V gt2(const V& a, const V& b) {
  return V(a + 1.2 > b);
}
template <class V>
V lt2(const V& a, const V& b) {
  return V(a + 1.2 < b);
}
template <class V>
V eq2(const V& a, const V& b) {
  return V(a == (b + 5.5));
}

template <class V>
V sum_red(const V& a) {
  return a.sum(0);
}
template <class V>
V mean_red(const V& a) {
  return a.mean(0);
}
template <class V>
V mean_full_red(const V& a) {
  return a.mean();
}

}  // namespace variable

// ---- The lists, in MiniTorch's order (alphabetical by its names), each entry pairing the
// number version with the variable version for V.

template <class V>
struct OneArgCase {
  std::string_view name;
  std::function<double(double)> number_fn;
  std::function<V(const V&)> variable_fn;
};

template <class V>
struct TwoArgCase {
  std::string_view name;
  std::function<double(double, double)> number_fn;
  std::function<V(const V&, const V&)> variable_fn;
};

template <class V>
struct ReductionCase {
  std::string_view name;
  std::function<double(const std::vector<double>&)> number_fn;
  std::function<V(const V&)> variable_fn;
};

// The 14 one-argument functions.
template <class V>
std::vector<OneArgCase<V>> one_arg_cases() {
  return {
      {"addConstant", add_constant<double>, add_constant<V>},
      {"complex", complex, variable::complex<V>},
      {"cube", cube<double>, cube<V>},
      {"div", div<double>, div<V>},
      {"exp", exp, variable::exp<V>},
      {"explog", explog, variable::explog<V>},
      {"inv", inv, variable::inv<V>},
      {"log", log, variable::log<V>},
      {"multConstant", mult_constant<double>, mult_constant<V>},
      {"neg", neg<double>, neg<V>},
      {"relu", relu, variable::relu<V>},
      {"sig", sig, variable::sig<V>},
      {"square", square<double>, square<V>},
      {"subConstant", sub_constant<double>, sub_constant<V>},
  };
}

// The 6 two-argument functions.
template <class V>
std::vector<TwoArgCase<V>> two_arg_cases() {
  return {
      {"add2", add2<double>, add2<V>}, {"div2", div2<double>, div2<V>},
      {"eq2", eq2, variable::eq2<V>},  {"gt2", gt2, variable::gt2<V>},
      {"lt2", lt2, variable::lt2<V>},  {"mul2", mul2<double>, mul2<V>},
  };
}

// The 3 reductions (the variable versions need a tensor-like V with sum/mean).
template <class V>
std::vector<ReductionCase<V>> reduction_cases() {
  return {
      {"mean_full_red", mean_full_red, variable::mean_full_red<V>},
      {"mean_red", mean_red, variable::mean_red<V>},
      {"sum_red", sum_red, variable::sum_red<V>},
  };
}

}  // namespace mt::math_test
