// random.cpp — the global generator and the random tensors drawn from it
// (rand, randn, randint, randperm; dropout's mask uses rand). Plain
// mt19937_64; no per-thread or per-device streams, no device-side sampling.
#include <minitorch/tensor/random.hpp>

#include "tensor/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

namespace mt {

std::mt19937_64& generator() {
  static std::mt19937_64 engine(0);
  return engine;
}

void manual_seed(uint64_t seed) {
  generator().seed(seed);
}

double uniform() {
  return static_cast<double>(generator()() >> 11) * 0x1.0p-53;
}

uint64_t uniform_below(uint64_t n) {
  if (n == 0)
    throw ArgumentError("uniform_below(0): the range [0, 0) is empty; n must be >= 1");
  // The largest multiple of n draws maps evenly onto [0, n); redraw above it.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t draw = generator()();
  while (draw >= limit)
    draw = generator()();
  return draw % n;
}

namespace {

// A new tensor of `options` whose elements are draw() called in row-major
// order. Written a chunk at a time: the backend allocation is the only one
// that grows with the tensor (a host copy of all of it would double the
// memory and fail with a less useful message).
Tensor drawn(Shape shape, TensorOptions options, const std::function<double()>& draw) {
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::empty(std::move(shape), options);
  constexpr int64_t chunk = int64_t{1} << 16;
  const int64_t n = t.numel();
  std::vector<double> values;
  for (int64_t first = 0; first < n; first += chunk) {
    values.resize(static_cast<std::size_t>(std::min(chunk, n - first)));
    for (double& v : values)
      v = draw();
    const Tensor piece = Tensor::from_storage(
        t.storage(), Layout({static_cast<int64_t>(values.size())}, {1}, first));
    dispatch::write_contiguous(piece, values);
  }
  t.requires_grad_(requires_grad);
  return t;
}

// The largest whole number every smaller one of which the dtype holds exactly.
int64_t exact_limit(DType dtype) {
  return dtype == DType::f32 ? (int64_t{1} << 24) : (int64_t{1} << 53);
}

void check_exact(int64_t value, DType dtype, const char* what, const char* name) {
  const int64_t limit = exact_limit(dtype);
  if (value > limit || value < -limit) {
    throw ArgumentError(std::string(what) + ": " + name + " = " + std::to_string(value) +
                        " is beyond the whole numbers " + dtype_name(dtype) +
                        " holds exactly (|value| <= " + std::to_string(limit) +
                        "); use DType::f64 or a smaller range");
  }
}

}  // namespace

Tensor rand(Shape shape, TensorOptions options) {
  return drawn(std::move(shape), options, uniform);
}

Tensor randn(Shape shape, TensorOptions options) {
  // Box–Muller: each pair (u1, u2) gives r·cos θ and then r·sin θ.
  bool have_spare = false;
  double spare = 0.0;
  return drawn(std::move(shape), options, [&] {
    if (have_spare) {
      have_spare = false;
      return spare;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
    const double theta = 2.0 * std::numbers::pi * uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare = r * std::sin(theta);
    have_spare = true;
    return r * std::cos(theta);
  });
}

Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions options) {
  if (low >= high) {
    throw ArgumentError("randint: the range [low, high) = [" + std::to_string(low) + ", " +
                        std::to_string(high) + ") is empty; need low < high");
  }
  check_exact(low, options.dtype, "randint", "low");
  check_exact(high, options.dtype, "randint", "high");
  const auto span = static_cast<uint64_t>(high - low);  // both within ±2^53: no overflow
  return drawn(std::move(shape), options, [&] {
    return static_cast<double>(low + static_cast<int64_t>(uniform_below(span)));
  });
}

Tensor randperm(int64_t n, TensorOptions options) {
  if (n < 0)
    throw ArgumentError("randperm: n = " + std::to_string(n) + " must be >= 0");
  check_exact(n, options.dtype, "randperm", "n");
  auto values = host_vector<double>(
      n, [&] { return "the host permutation of " + std::to_string(n) + " elements"; });
  for (int64_t i = 0; i < n; ++i)
    values[static_cast<std::size_t>(i)] = static_cast<double>(i);
  // Fisher–Yates from the back: position i swaps with a uniform j in [0, i].
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(static_cast<uint64_t>(i) + 1));
    std::swap(values[static_cast<std::size_t>(i)], values[j]);
  }
  return Tensor::from_values(values, {n}, options);
}

}  // namespace mt
