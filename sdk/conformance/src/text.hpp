// text.hpp — internal: the small formatting and rounding helpers the
// conformance catalogue, runner and gradient checker share for their messages
// (numbers, shapes, multi-indices) and for rounding host values to a dtype.
// Not installed; not a general formatting library.
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace mt::conformance::detail {

// Rounds x to the nearest value of `dtype` (IEEE round-to-nearest-even),
// overflowing to ±Inf without relying on an out-of-range float conversion.
inline double round_to(DType dtype, double x) {
  if (dtype == DType::f64 || !std::isfinite(x))
    return x;
  constexpr double kOverflow = 0x1.ffffffp127;  // FLT_MAX plus half an ulp
  if (std::fabs(x) >= kOverflow)
    return std::copysign(std::numeric_limits<double>::infinity(), x);
  return static_cast<double>(static_cast<float>(x));
}

// x with `digits` significant digits; "NaN", "inf", "-inf" spelled out.
inline std::string number_text(double x, int digits = 9) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "inf" : "-inf";
  char text[48];
  std::snprintf(text, sizeof text, "%.*g", digits, x);
  return text;
}

// "(2, 3, 4)".
inline std::string list_text(const std::vector<int64_t>& items) {
  std::string text = "(";
  for (std::size_t i = 0; i < items.size(); ++i)
    text += (i ? ", " : "") + std::to_string(items[i]);
  return text + ")";
}

// The multi-index of the e-th element in row-major order, as "[i, j, k]".
inline std::string index_text(const std::vector<int64_t>& shape, int64_t e) {
  std::vector<int64_t> index(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = e % shape[d];
    e /= shape[d];
  }
  std::string text = "[";
  for (std::size_t d = 0; d < index.size(); ++d)
    text += (d ? ", " : "") + std::to_string(index[d]);
  return text + "]";
}

}  // namespace mt::conformance::detail
