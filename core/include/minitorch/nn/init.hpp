// minitorch/nn/init.hpp — parameter initialisation drawn from mt::rand (the
// seeded host generator, so every backend starts from the same numbers).
// PyTorch's default layer bounds, not a general distributions library.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>

namespace mt::nn::init {

// Uniform in [low, high) with `shape`, as a fresh leaf with options'
// requires_grad. ArgumentError unless low and high are finite and low <= high.
Tensor uniform(Shape shape, double low, double high, TensorOptions options = {});

// PyTorch's default bound for Linear and Conv layers (weights and biases):
// 1/√fan_in, where fan_in = in_features · kernel elements. Weights and biases
// are then U(−bound, bound). ArgumentError unless fan_in >= 1.
double default_bound(int64_t fan_in);

}  // namespace mt::nn::init
