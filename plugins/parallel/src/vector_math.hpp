// vector_math.hpp — exp and log (and the sigmoid built on exp) written
// branch-free with bit casts and selects, so a loop over them vectorises
// (libm's expf/logf are calls, which stop GCC). Same special values as the
// SDK formulas (inf, 0, NaN, denormals); the finite results agree with libm
// to within about 1 ulp (Taylor series on a reduced range, checked by the
// plugin's tests). Not a general math library: only what the map ops need.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace mt::par {

namespace vm {

// Splits the exponent of 2^n over two factors so n from about -2*emax to
// 2*emax scales without overflow in the factor itself, and results that
// land in the denormal range are rounded once (by the final multiply).
inline float exp_f32(float x) {
  float xc = x < -104.0f ? -104.0f : x;  // below: result rounds to +0
  xc = xc > 89.0f ? 89.0f : xc;          // above: result overflows to +inf
  // n = round(x / ln 2) by the add-magic trick; the integer sits in the low
  // mantissa bits of t.
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  const float t = xc * 1.44269504088896341f + kMagic;
  const float n = t - kMagic;
  const int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kMagic);
  // r = x - n ln2 in two steps (ln2_hi has 9 bits, so n * ln2_hi is exact).
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440054690583e-4f;
  // e^r, |r| <= 0.35: Taylor to r^7 (truncation < 1e-8 relative).
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t n1 = ni >> 1;
  const int32_t n2 = ni - n1;
  const float s1 = std::bit_cast<float>((n1 + 127) << 23);
  const float s2 = std::bit_cast<float>((n2 + 127) << 23);
  const float y = p * s1 * s2;
  return x != x ? x : y;
}

inline double exp_f64(double x) {
  double xc = x < -746.0 ? -746.0 : x;
  xc = xc > 710.0 ? 710.0 : xc;
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  const double t = xc * 1.4426950408889634074 + kMagic;
  const double n = t - kMagic;
  const int64_t ni = std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kMagic);
  // ln2_hi has 32 significant bits, so n * ln2_hi is exact for |n| < 2^21.
  double r = xc - n * 6.93147180369123816490e-01;
  r = r - n * 1.90821492927058770002e-10;
  // e^r, |r| <= 0.35: Taylor to r^13 (truncation < 1e-17 relative).
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // n1 = round(n / 2), again by the magic add (64-bit lanes have no
  // arithmetic shift before AVX-512).
  const double t1 = n * 0.5 + kMagic;
  const int64_t n1 = std::bit_cast<int64_t>(t1) - std::bit_cast<int64_t>(kMagic);
  const int64_t n2 = ni - n1;
  const double s1 = std::bit_cast<double>(static_cast<uint64_t>(n1 + 1023) << 52);
  const double s2 = std::bit_cast<double>(static_cast<uint64_t>(n2 + 1023) << 52);
  const double y = p * s1 * s2;
  return x != x ? x : y;
}

// log(x) = e ln2 + log(m), m in [sqrt(1/2), sqrt(2)), with
// log(m) = 2 atanh(s), s = (m - 1) / (m + 1), as an odd series in s.
inline float log_f32(float x) {
  constexpr float kMinNormal = std::numeric_limits<float>::min();
  const bool denormal = x < kMinNormal;            // also 0 and negatives, fixed below
  const float xs = denormal ? x * 8388608.0f : x;  // 2^23
  // Unsigned subtraction: negative inputs and -0 have the sign bit set, and a
  // signed subtraction would overflow there (the result is discarded below).
  const int32_t ix = static_cast<int32_t>(std::bit_cast<uint32_t>(xs) - 0x3f3504f3u);
  const int32_t e = ix >> 23;
  const float m = std::bit_cast<float>((ix & 0x007fffff) + 0x3f3504f3);
  const float ef = static_cast<float>(e) - (denormal ? 23.0f : 0.0f);
  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float z = s * s;
  float q = 1.0f / 9.0f;
  q = q * z + 1.0f / 7.0f;
  q = q * z + 1.0f / 5.0f;
  q = q * z + 1.0f / 3.0f;
  const float two_s = s + s;
  const float log_m = two_s + two_s * (z * q);
  float y = ef * 0.693359375f + (log_m + ef * -2.12194440054690583e-4f);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  y = x == 0.0f ? -kInf : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  y = x == kInf ? kInf : y;
  return x != x ? x : y;
}

inline double log_f64(double x) {
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  const bool denormal = x < kMinNormal;
  const double xs = denormal ? x * 18014398509481984.0 : x;  // 2^54
  const int64_t ix = static_cast<int64_t>(std::bit_cast<uint64_t>(xs) -
                                          0x3fe6a09e667f3bcdULL);  // sqrt(1/2), see log_f32
  // Exponent via a logical shift of a biased value (no 64-bit arithmetic
  // shift in SSE2/AVX2), then to double via the 2^52 trick (no 64-bit
  // int-to-double conversion either).
  const uint64_t biased = (static_cast<uint64_t>(ix) + (uint64_t{1} << 62)) >> 52;  // e + 1024
  const double e = std::bit_cast<double>(0x4330000000000000ULL + biased) -
                   (4503599627370496.0 + 1024.0) - (denormal ? 54.0 : 0.0);
  const double m = std::bit_cast<double>(
      static_cast<int64_t>((static_cast<uint64_t>(ix) & 0x000fffffffffffffULL)) +
      0x3fe6a09e667f3bcdLL);
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  // |s| <= 0.1716, z <= 0.0295: terms up to z^9 / 19 (next < 3e-18).
  double q = 1.0 / 19.0;
  q = q * z + 1.0 / 17.0;
  q = q * z + 1.0 / 15.0;
  q = q * z + 1.0 / 13.0;
  q = q * z + 1.0 / 11.0;
  q = q * z + 1.0 / 9.0;
  q = q * z + 1.0 / 7.0;
  q = q * z + 1.0 / 5.0;
  q = q * z + 1.0 / 3.0;
  const double two_s = s + s;
  const double log_m = two_s + two_s * (z * q);
  double y = e * 6.93147180369123816490e-01 + (log_m + e * 1.90821492927058770002e-10);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  y = x == 0.0 ? -kInf : y;
  y = x < 0.0 ? std::numeric_limits<double>::quiet_NaN() : y;
  y = x == kInf ? kInf : y;
  return x != x ? x : y;
}

template <class T>
inline T exp(T x) {
  if constexpr (sizeof(T) == 4)
    return exp_f32(x);
  else
    return exp_f64(x);
}

template <class T>
inline T log(T x) {
  if constexpr (sizeof(T) == 4)
    return log_f32(x);
  else
    return log_f64(x);
}

// The SDK's stable sigmoid with this file's exp: both branches evaluated,
// one selected, so the loop has no control flow.
template <class T>
inline T sigmoid(T x) {
  const T e = vm::exp<T>(x >= T(0) ? -x : x);
  const T pos = T(1) / (T(1) + e);
  const T neg = e / (T(1) + e);
  return x >= T(0) ? pos : neg;
}

}  // namespace vm

// A contiguous loop o[i] = f(x[i]).
template <class T>
using MapLoop = void (*)(int64_t n, T* o, const T* x);

// The exp / log / sigmoid loop built for the ISA in settings() (AVX2 or
// AVX-512), or nullptr when the baseline loop is the one to use (generic
// ISA, or another op). Defined in vector_math.cpp for float and double.
template <class T>
MapLoop<T> wide_map_loop(int32_t op);

}  // namespace mt::par
