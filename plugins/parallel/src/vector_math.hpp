// vector_math.hpp — loop bodies for map ops whose sdk formula calls libm
// (exp, log, sigmoid) written so they vectorise; placeholder until written.
#pragma once

#include <cstdint>

namespace mt::par {

template <class T>
constexpr bool has_vector_map(int /*op*/) {
  return false;
}

template <class T, int OP>
void vector_map(int64_t /*n*/, T* /*o*/, const T* /*x*/) {}

}  // namespace mt::par
