// random.cpp — the global generator behind mt::rand and dropout. Plain
// mt19937_64; no per-thread or per-device streams.
#include <minitorch/tensor/random.hpp>

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

}  // namespace mt
