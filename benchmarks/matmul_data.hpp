// matmul_data.hpp — the problem sizes, seeds and names the plugin matmul
// benchmarks and the OpenBLAS comparison share, so both multiply exactly the
// same matrices and their rows line up in the summary. Nothing else.
#pragma once

#include "lab.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace mt::bench {

inline constexpr std::array<int64_t, 7> kMatmulSides{64, 96, 128, 256, 512, 1024, 2048};
inline constexpr std::array<int64_t, 2> kMatmulSidesF64{512, 1024};
inline constexpr int64_t kBatchedCount = 32;
inline constexpr int64_t kBatchedSide = 128;
inline constexpr uint64_t kMatmulSeedA = 10;
inline constexpr uint64_t kMatmulSeedB = 11;

// "matmul/f32/1024" for one product, "bmm/f32/32x128" for a batch.
std::string matmul_case_name(DType dtype, int64_t batch, int64_t n);

}  // namespace mt::bench
