// minitorch/tensor/random.hpp — MiniTorch's one global, seedable random generator.
// Random tensors are drawn on the host from it, so every backend sees the same
// numbers for the same seed. Not thread-safe: draw from one thread at a time.
#pragma once

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

}  // namespace mt
