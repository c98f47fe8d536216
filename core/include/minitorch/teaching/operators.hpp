// minitorch/teaching/operators.hpp — MiniTorch Module 0's scalar operators (double -> double).
// Each one forwards to the SDK's per-element definition, so core and every backend agree
// on what "sigmoid" or "log_back" means. Not a tensor API: these take plain numbers.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

namespace mt {

inline double mul(double x, double y) {
  return sdk::apply_zip(MT_ZIP_MUL, x, y);
}
inline double id(double x) {
  return sdk::apply_map(MT_MAP_COPY, x);
}
inline double add(double x, double y) {
  return sdk::apply_zip(MT_ZIP_ADD, x, y);
}
inline double neg(double x) {
  return sdk::apply_map(MT_MAP_NEG, x);
}

// Comparisons return 1.0 / 0.0, as MiniTorch's do, so they can be mapped over lists.
inline double lt(double x, double y) {
  return sdk::apply_zip(MT_ZIP_LT, x, y);
}
inline double eq(double x, double y) {
  return sdk::apply_zip(MT_ZIP_EQ, x, y);
}
inline double max(double x, double y) {
  return sdk::apply_zip(MT_ZIP_MAX, x, y);
}

// 1.0 when |x - y| < 1e-2 (an absolute tolerance: MiniTorch's test criterion), else 0.0.
inline double is_close(double x, double y) {
  return sdk::apply_zip(MT_ZIP_IS_CLOSE, x, y);
}

// Numerically stable: never evaluates exp of a large positive number.
inline double sigmoid(double x) {
  return sdk::apply_map(MT_MAP_SIGMOID, x);
}
inline double relu(double x) {
  return sdk::apply_map(MT_MAP_RELU, x);
}

// The plain natural logarithm. MiniTorch 2022 computed log(x + 1e-6), which shifts every
// result and disagrees with its own log_back; 2024 and this port use log(x) exactly, so
// log(0) is -inf and log of a negative number is NaN, as in std::log and torch.log.
inline double log(double x) {
  return sdk::apply_map(MT_MAP_LOG, x);
}
inline double exp(double x) {
  return sdk::apply_map(MT_MAP_EXP, x);
}
inline double inv(double x) {
  return sdk::apply_map(MT_MAP_INV, x);
}

// Backward helpers: d times the derivative of the forward function at x.
inline double log_back(double x, double d) {
  return sdk::apply_zip(MT_ZIP_LOG_BACK, x, d);
}
inline double inv_back(double x, double d) {
  return sdk::apply_zip(MT_ZIP_INV_BACK, x, d);
}
inline double relu_back(double x, double d) {
  return sdk::apply_zip(MT_ZIP_RELU_BACK, x, d);
}

}  // namespace mt
