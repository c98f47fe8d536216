// op_table_probe.cpp — a compile-time probe of the op table's checks, built
// only by check_op_table.cmake (never linked): MT_PROBE selects a small
// table of map rows, well formed (0) or broken in one way (1..5), and runs it
// through the SDK's own row expansion (MT_SDK_MAP_INFO) and checks
// (MT_SDK_CHECK_OP_ROWS). Every broken variant must fail to compile with
// the message that names its fault. Not a test of the real table's contents.
#include <minitorch/ops.hpp>

#ifndef MT_PROBE
#error "define MT_PROBE (0 = a well-formed table, 1..5 = one fault each)"
#endif

// X(ENUM, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST), as op_table.h.
#if MT_PROBE == 0  // well formed
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 1, twice, x + x, uniform(-1, 1), 2e-6, 1e-12, cheap)
#elif MT_PROBE == 1  // the second row lacks its COST column
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 1, twice, x + x, uniform(-1, 1), 2e-6, 1e-12)
#elif MT_PROBE == 2  // values out of order (a gap)
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 2, twice, x + x, uniform(-1, 1), 2e-6, 1e-12, cheap)
#elif MT_PROBE == 3  // two rows with one name
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 1, neg, x + x, uniform(-1, 1), 2e-6, 1e-12, cheap)
#elif MT_PROBE == 4  // f32 tolerance tighter than f64's
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 1, twice, x + x, uniform(-1, 1), 1e-12, 2e-6, cheap)
#elif MT_PROBE == 5  // an empty domain
#define PROBE_ROWS(X)                             \
  X(NEG, 0, neg, -x, uniform(-1, 1), 0, 0, cheap) \
  X(TWICE, 1, twice, x + x, uniform(1, -1), 2e-6, 1e-12, cheap)
#else
#error "unknown MT_PROBE"
#endif

namespace mt::sdk::detail {
inline constexpr OpInfo kProbeRows[] = {PROBE_ROWS(MT_SDK_MAP_INFO)};
MT_SDK_CHECK_OP_ROWS(kProbeRows, "probe");
}  // namespace mt::sdk::detail

int main() {
  return mt::sdk::detail::kProbeRows[1].value == 1 ? 0 : 1;
}
