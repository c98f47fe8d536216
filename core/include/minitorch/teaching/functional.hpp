// minitorch/teaching/functional.hpp — MiniTorch Module 0's higher-order helpers (map, zip_with,
// reduce) over std::vector, and the list functions built from them. Not lazy ranges and
// not tensor ops: each call returns a fresh vector or a single value.
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/teaching/operators.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mt {

namespace detail {
inline void check_same_length(const char* what, std::size_t a, std::size_t b) {
  if (a != b) {
    throw ArgumentError(std::string(what) + ": the lists have lengths " + std::to_string(a) +
                        " and " + std::to_string(b) + "; both must have the same length");
  }
}
}  // namespace detail

// map(fn) returns a function that applies fn to every element of a list.
template <class Fn>
auto map(Fn fn) {
  return [fn = std::move(fn)]<class T>(const std::vector<T>& ls) {
    std::vector<std::decay_t<std::invoke_result_t<const Fn&, const T&>>> out;
    out.reserve(ls.size());
    for (const T& x : ls) {
      out.push_back(fn(x));
    }
    return out;
  };
}

// zip_with(fn) returns a function combining two lists element by element. Unlike Python's
// zip it does not truncate: lists of different lengths are an ArgumentError.
template <class Fn>
auto zip_with(Fn fn) {
  return
      [fn = std::move(fn)]<class A, class B>(const std::vector<A>& ls1, const std::vector<B>& ls2) {
        detail::check_same_length("zip_with", ls1.size(), ls2.size());
        std::vector<std::decay_t<std::invoke_result_t<const Fn&, const A&, const B&>>> out;
        out.reserve(ls1.size());
        for (std::size_t i = 0; i < ls1.size(); ++i) {
          out.push_back(fn(ls1[i], ls2[i]));
        }
        return out;
      };
}

// reduce(fn, start) returns a function folding a list from the front:
// [x1, x2, x3] -> fn(x3, fn(x2, fn(x1, start))). An empty list gives start.
template <class Fn, class T>
auto reduce(Fn fn, T start) {
  return [fn = std::move(fn), start = std::move(start)](const std::vector<T>& ls) {
    T acc = start;
    for (const T& x : ls) {
      acc = fn(x, acc);
    }
    return acc;
  };
}

// The list helpers wrap the operators in lambdas so that later overloads of mt::neg, mt::add
// or mt::mul (for tensors) can never make these calls ambiguous.
inline std::vector<double> neg_list(const std::vector<double>& ls) {
  return map([](double x) { return neg(x); })(ls);
}

inline std::vector<double> add_lists(const std::vector<double>& ls1,
                                     const std::vector<double>& ls2) {
  // Checked here too so the message names add_lists, the function the caller used.
  detail::check_same_length("add_lists", ls1.size(), ls2.size());
  return zip_with([](double x, double y) { return add(x, y); })(ls1, ls2);
}

inline double sum(const std::vector<double>& ls) {
  return reduce([](double x, double acc) { return add(x, acc); }, 0.0)(ls);
}
inline double prod(const std::vector<double>& ls) {
  return reduce([](double x, double acc) { return mul(x, acc); }, 1.0)(ls);
}

}  // namespace mt
