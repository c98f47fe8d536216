// init.cpp — uniform initialisation from mt::rand and PyTorch's default
// bound. Not a place for layer construction (layers.cpp does that).
#include <minitorch/nn/init.hpp>
#include <minitorch/tensor/autograd.hpp>

#include <cmath>
#include <string>

namespace mt::nn::init {

Tensor uniform(Shape shape, double low, double high, TensorOptions options) {
  if (!std::isfinite(low) || !std::isfinite(high) || low > high) {
    throw ArgumentError("init::uniform needs finite bounds with low <= high, got [" +
                        std::to_string(low) + ", " + std::to_string(high) + ")");
  }
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor values;
  {
    NoGradGuard no_grad;  // the scaling must not make the result a graph node
    values = rand(std::move(shape), options) * (high - low) + low;
  }
  values.requires_grad_(requires_grad);
  return values;
}

double default_bound(int64_t fan_in) {
  if (fan_in < 1)
    throw ArgumentError("init::default_bound needs fan_in >= 1, got " + std::to_string(fan_in));
  return 1.0 / std::sqrt(static_cast<double>(fan_in));
}

}  // namespace mt::nn::init
