// minitorch/teaching/datasets.hpp — MiniTorch's 2-D toy classification sets (simple, diag, split,
// xor, circle, spiral) with their exact labelling formulas, reproducible from a seed.
// Not a data loader: MNIST and the sentiment corpus live elsewhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mt {

// N labelled points: X[i] = (x1, x2), y[i] in {0, 1}. N always equals X.size().
struct Graph {
  int N = 0;
  std::vector<std::array<double, 2>> X;
  std::vector<int> y;
};

// N points uniform in [0,1)^2 drawn from std::mt19937_64(seed), x1 then x2 for each point.
// Each coordinate is (next() >> 11) * 2^-53, so the points are the same with every compiler
// and standard library (std::uniform_real_distribution's algorithm is not specified).
std::vector<std::array<double, 2>> make_pts(int N, std::uint64_t seed);

// Random points labelled 1 when:
Graph simple(int N, std::uint64_t seed);  // x1 < 0.5
Graph diag(int N, std::uint64_t seed);    // x1 + x2 < 0.5
Graph split(int N, std::uint64_t seed);   // x1 < 0.2 or x1 > 0.8
Graph xor_(int N, std::uint64_t seed);    // (x1 < 0.5 and x2 > 0.5) or (x1 > 0.5 and x2 < 0.5)
Graph circle(int N, std::uint64_t seed);  // (x1 - 0.5)^2 + (x2 - 0.5)^2 > 0.1

// Two interleaved spirals, no randomness. With h = N / 2 and t_i = 10 (i / h) for
// i = 5 .. 5+h-1, class 0 is (x(t_i) + 0.5, y(t_i) + 0.5) and class 1 is
// (y(-t_i) + 0.5, x(-t_i) + 0.5), where x(t) = t cos(t) / 20 and y(t) = t sin(t) / 20.
// For odd N that is N - 1 points, and Graph::N says N - 1 (MiniTorch kept N; quirk 5).
Graph spiral(int N);

// The names make_dataset accepts: simple, diag, split, xor, circle, spiral.
const std::vector<std::string>& dataset_names();

// A dataset by name, case-insensitively ("Xor" and "xor" both work). An unknown name or a
// negative N is an ArgumentError that says what is allowed. spiral ignores the seed.
Graph make_dataset(std::string_view name, int N, std::uint64_t seed);

}  // namespace mt
