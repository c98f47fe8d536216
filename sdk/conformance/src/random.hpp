// random.hpp — internal: the conformance library's one seeded generator
// (SplitMix64, seeded from a case id or a number) and the drawing of values
// from an op table domain. The op cases, the gradient cases and
// check_gradients all draw from it, so every run and every backend sees the
// same inputs. std distributions are avoided: they are not bit-stable across
// platforms. Not installed, not a general RNG.
#pragma once

#include <minitorch/ops.hpp>

#include <cmath>
#include <cstdint>
#include <string_view>

namespace mt::conformance::detail {

class Rng {
 public:
  // Seeded with FNV-1a of `seed` (a case id).
  explicit Rng(std::string_view seed) {
    uint64_t h = 1469598103934665603ull;
    for (const char c : seed) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    state_ = h;
  }
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // Uniform in [0, n), n > 0.
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

// One value from `d` (see op_table.h's DOMAIN column).
inline double draw(const sdk::Domain& d, Rng& rng) {
  using Kind = sdk::Domain::Kind;
  switch (d.kind) {
    case Kind::magnitude: {
      const double m = d.lo + (d.hi - d.lo) * rng.unit();
      return rng.below(2) == 0 ? m : -m;
    }
    case Kind::log_magnitude: {
      const double m = std::exp(d.lo + (d.hi - d.lo) * rng.unit());
      return rng.below(2) == 0 ? m : -m;
    }
    case Kind::grid:
      return d.lo + d.step * static_cast<double>(rng.below(d.count));
    case Kind::uniform:
      break;
  }
  if (d.zero_fraction > 0 && rng.unit() < d.zero_fraction)
    return 0.0;
  return d.lo + (d.hi - d.lo) * rng.unit();
}

}  // namespace mt::conformance::detail
