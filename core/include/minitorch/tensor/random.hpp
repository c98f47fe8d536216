// minitorch/tensor/random.hpp — MiniTorch's one global, seedable random generator
// and the random tensors drawn from it (rand is declared in tensor.hpp). Tensors
// are drawn on the host in row-major order, so every backend sees the same
// numbers for the same seed. Not thread-safe: draw from one thread at a time.
// Not a distributions library: each tensor has one documented distribution.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <random>

namespace mt {

// Reseeds the global generator (it starts seeded with 0).
void manual_seed(uint64_t seed);

// The global generator, for callers that need their own distributions.
std::mt19937_64& generator();

// A uniform double in [0, 1) from the global generator. Built from the top
// 53 bits of one draw so the sequence is the same with every standard
// library (std::uniform_real_distribution is not specified bit-for-bit).
double uniform();

// A uniform whole number in [0, n) (n >= 1) from the global generator, without
// modulo bias (64-bit draws, rejecting the incomplete last block).
uint64_t uniform_below(uint64_t n);

// Standard normal N(0, 1) values (torch.randn), by the Box–Muller transform
// of pairs of uniform() draws (the same sequence with every standard library,
// up to libm's last-bit rounding of log/sin/cos).
Tensor randn(Shape shape, TensorOptions options = {});

// Whole numbers uniform in [low, high) (torch.randint), held in the float dtype.
// ArgumentError unless low < high and both are whole numbers the dtype holds
// exactly (|value| <= 2^24 in f32, 2^53 in f64).
Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions options = {});

// A uniformly random permutation of 0, 1, ..., n−1 as a 1-D tensor of n
// elements (torch.randperm), by Fisher–Yates shuffling with uniform_below.
// ArgumentError unless 0 <= n <= the dtype's exact whole-number limit.
Tensor randperm(int64_t n, TensorOptions options = {});

}  // namespace mt
