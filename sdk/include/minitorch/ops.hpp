// minitorch/ops.hpp — the C++ side of the op table (op_table.h): each op's
// per-element formula as apply_map / apply_zip / reduce_start /
// reduce_combine (host and CUDA device), its metadata (name, test domain,
// tolerance, cost class) as constexpr OpInfo rows, name lookups both ways
// and valid_op. Everything here is generated from the table's rows; nothing
// is listed by hand, and the static_asserts at the bottom reject a malformed
// table at compile time. Header-only, C++17; not part of the ABI.
#ifndef MINITORCH_OPS_HPP
#define MINITORCH_OPS_HPP

#include <minitorch/plugin_abi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#if defined(__CUDACC__)
#define MT_HOST_DEVICE __host__ __device__
#else
#define MT_HOST_DEVICE
#endif

namespace mt::sdk {

// ---------------------------------------------------------------------------
// Helpers the formulas use
// ---------------------------------------------------------------------------

// The logistic function without overflow for large |x|.
template <class T>
MT_HOST_DEVICE inline T sigmoid(T x) {
  if (x >= T(0)) {
    return T(1) / (T(1) + std::exp(-x));
  }
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// ---------------------------------------------------------------------------
// The formulas: the single definition of what each enum value computes.
// Every in-tree backend (CPU and CUDA) calls these; with a constant `op` the
// switch folds away. Callers validate `op` first (valid_op): an unknown op
// returns its first input unchanged rather than anything meaningful.
// ---------------------------------------------------------------------------

template <class T>
MT_HOST_DEVICE inline T apply_map(int32_t op, T x) {
  switch (op) {
#define MT_SDK_MAP_FORMULA(E, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST) \
  case MT_MAP_##E:                                                                    \
    return FORMULA;
    MT_MAP_OPS(MT_SDK_MAP_FORMULA)
#undef MT_SDK_MAP_FORMULA
    default:
      return x;
  }
}

template <class T>
MT_HOST_DEVICE inline T apply_zip(int32_t op, T a, T b) {
  switch (op) {
#define MT_SDK_ZIP_FORMULA(E, VALUE, NAME, FORMULA, DOMAIN_A, DOMAIN_B, RTOL_F32, RTOL_F64, COST) \
  case MT_ZIP_##E:                                                                                \
    return FORMULA;
    MT_ZIP_OPS(MT_SDK_ZIP_FORMULA)
#undef MT_SDK_ZIP_FORMULA
    default:
      (void)b;
      return a;
  }
}

// The value a reduction starts from (its result over an empty dim).
template <class T>
MT_HOST_DEVICE inline T reduce_start(int32_t op) {
  switch (op) {
#define MT_SDK_REDUCE_START(E, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, \
                            COST)                                                              \
  case MT_REDUCE_##E:                                                                          \
    return START;
    MT_REDUCE_OPS(MT_SDK_REDUCE_START)
#undef MT_SDK_REDUCE_START
    default:
      return T(0);
  }
}

// Combines an accumulator with one more element.
template <class T>
MT_HOST_DEVICE inline T reduce_combine(int32_t op, T acc, T x) {
  switch (op) {
#define MT_SDK_REDUCE_COMBINE(E, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, \
                              COST)                                                              \
  case MT_REDUCE_##E:                                                                            \
    return COMBINE;
    MT_REDUCE_OPS(MT_SDK_REDUCE_COMBINE)
#undef MT_SDK_REDUCE_COMBINE
    default:
      (void)x;
      return acc;
  }
}

// ---------------------------------------------------------------------------
// Metadata: one OpInfo per row
// ---------------------------------------------------------------------------

// Where test inputs are drawn from (op_table.h's DOMAIN column).
struct Domain {
  enum class Kind : int32_t { uniform, magnitude, log_magnitude, grid };
  Kind kind = Kind::uniform;
  double lo = 0;               // uniform [lo, hi]; magnitude ±[lo, hi]; log_magnitude ±e^[lo, hi]
  double hi = 0;               // grid: the last point
  double step = 0;             // grid: lo + step * k, k in [0, count)
  int64_t count = 0;           // grid points
  double zero_fraction = 0.0;  // uniform: the chance of an exact 0
};

constexpr Domain uniform(double lo, double hi, double zero_fraction = 0.0) {
  return {Domain::Kind::uniform, lo, hi, 0, 0, zero_fraction};
}
constexpr Domain magnitude(double lo, double hi) {
  return {Domain::Kind::magnitude, lo, hi, 0, 0, 0.0};
}
constexpr Domain log_magnitude(double lo, double hi) {
  return {Domain::Kind::log_magnitude, lo, hi, 0, 0, 0.0};
}
constexpr Domain grid(double lo, double step, int64_t count) {
  return {Domain::Kind::grid, lo, lo + step * static_cast<double>(count - 1), step, count, 0.0};
}

// Work per element (op_table.h's COST column).
enum class Cost : int32_t {
  cheap,          // a few cycles: arithmetic, comparisons, copies
  transcendental  // tens of cycles: exp, log, pow, ...
};

// What a reduce's error is measured against (op_table.h's SCALE column).
enum class ErrorScale : int32_t {
  result,  // |expected| (every map and zip op)
  terms    // the same reduction over |x| (sums: cancellation makes |expected| tiny)
};

struct OpInfo {
  int32_t family = MT_FAMILY_MAP;
  int32_t value = 0;
  const char* name = "";
  int32_t arity = 1;      // inputs: 2 for zip, else 1
  Domain domain[2] = {};  // per input
  double rtol_f32 = 0;    // conformance tolerance; 0 = exact
  double rtol_f64 = 0;    //
  ErrorScale scale = ErrorScale::result;
  Cost cost = Cost::cheap;

  constexpr double rtol(int32_t dtype) const { return dtype == MT_F32 ? rtol_f32 : rtol_f64; }
};

// The table's SCALE and COST tokens, for the expansions below.
namespace detail {

constexpr ErrorScale result = ErrorScale::result;
constexpr ErrorScale terms = ErrorScale::terms;
constexpr Cost cheap = Cost::cheap;
constexpr Cost transcendental = Cost::transcendental;

// One OpInfo per row. Left defined: tests/sdk/op_table_probe.cpp runs
// deliberately broken rows through these very expansions and checks.
#define MT_SDK_MAP_INFO(E, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST) \
  OpInfo{MT_FAMILY_MAP, VALUE, #NAME, 1, {DOMAIN, Domain{}}, RTOL_F32, RTOL_F64, result, COST},
#define MT_SDK_ZIP_INFO(E, VALUE, NAME, FORMULA, DOMAIN_A, DOMAIN_B, RTOL_F32, RTOL_F64, COST) \
  OpInfo{MT_FAMILY_ZIP, VALUE, #NAME, 2, {DOMAIN_A, DOMAIN_B}, RTOL_F32, RTOL_F64, result, COST},
#define MT_SDK_REDUCE_INFO(E, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, \
                           COST)                                                              \
  OpInfo{MT_FAMILY_REDUCE, VALUE, #NAME, 1, {DOMAIN, Domain{}}, RTOL_F32, RTOL_F64, SCALE, COST},

inline constexpr OpInfo kMapOps[] = {MT_MAP_OPS(MT_SDK_MAP_INFO)};
inline constexpr OpInfo kZipOps[] = {MT_ZIP_OPS(MT_SDK_ZIP_INFO)};
inline constexpr OpInfo kReduceOps[] = {MT_REDUCE_OPS(MT_SDK_REDUCE_INFO)};

}  // namespace detail

// The rows of one family's table, in value order.
struct OpRows {
  const OpInfo* rows = nullptr;
  int32_t count = 0;
  constexpr const OpInfo* begin() const { return rows; }
  constexpr const OpInfo* end() const { return rows + count; }
};

// The rows of `family`; empty for matmul, conv and unknown families (their
// only op is 0 and carries no per-op data).
constexpr OpRows op_rows(int32_t family) {
  switch (family) {
    case MT_FAMILY_MAP:
      return {detail::kMapOps, MT_MAP_OP_COUNT};
    case MT_FAMILY_ZIP:
      return {detail::kZipOps, MT_ZIP_OP_COUNT};
    case MT_FAMILY_REDUCE:
      return {detail::kReduceOps, MT_REDUCE_OP_COUNT};
    default:
      return {};
  }
}

// How many ops `family` has: its *_OP_COUNT, 1 for matmul and conv (op 0),
// MT_OPTIM_KIND_COUNT for optim (op = mt_optim_kind), 0 for an unknown family.
constexpr int32_t op_count(int32_t family) {
  switch (family) {
    case MT_FAMILY_MATMUL:
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D:
      return 1;
    case MT_FAMILY_OPTIM:
      return MT_OPTIM_KIND_COUNT;
    default:
      return op_rows(family).count;
  }
}

MT_HOST_DEVICE constexpr bool valid_op(int32_t family, int32_t op) {
  switch (family) {
    case MT_FAMILY_MAP:
      return op >= 0 && op < MT_MAP_OP_COUNT;
    case MT_FAMILY_ZIP:
      return op >= 0 && op < MT_ZIP_OP_COUNT;
    case MT_FAMILY_REDUCE:
      return op >= 0 && op < MT_REDUCE_OP_COUNT;
    case MT_FAMILY_MATMUL:
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D:
      return op == 0;
    case MT_FAMILY_OPTIM:
      return op >= 0 && op < MT_OPTIM_KIND_COUNT;
    default:
      return false;
  }
}

MT_HOST_DEVICE constexpr bool valid_dtype(int32_t dtype) {
  return dtype == MT_F32 || dtype == MT_F64;
}

// The row of (family, op), or nullptr for an unknown op and for matmul/conv.
constexpr const OpInfo* op_info(int32_t family, int32_t op) {
  const OpRows rows = op_rows(family);
  return op >= 0 && op < rows.count ? rows.rows + op : nullptr;
}

// "map", "zip", "reduce", "matmul", "conv1d", "conv2d", "optim"; "?" otherwise.
constexpr const char* family_name(int32_t family) {
  switch (family) {
    case MT_FAMILY_MAP:
      return "map";
    case MT_FAMILY_ZIP:
      return "zip";
    case MT_FAMILY_REDUCE:
      return "reduce";
    case MT_FAMILY_MATMUL:
      return "matmul";
    case MT_FAMILY_CONV1D:
      return "conv1d";
    case MT_FAMILY_CONV2D:
      return "conv2d";
    case MT_FAMILY_OPTIM:
      return "optim";
    default:
      return "?";
  }
}

// The op's name ("exp", "add", "sum"); "?" for an unknown op.
constexpr const char* op_name(int32_t family, int32_t op) {
  const OpInfo* row = op_info(family, op);
  return row != nullptr ? row->name : "?";
}
constexpr const char* map_op_name(int32_t op) {
  return op_name(MT_FAMILY_MAP, op);
}
constexpr const char* zip_op_name(int32_t op) {
  return op_name(MT_FAMILY_ZIP, op);
}
constexpr const char* reduce_op_name(int32_t op) {
  return op_name(MT_FAMILY_REDUCE, op);
}

// The op of `family` called `name`, or -1. Usable at compile time.
constexpr int32_t find_op(int32_t family, std::string_view name) {
  for (const OpInfo& row : op_rows(family))
    if (name == row.name)
      return row.value;
  return -1;
}

namespace detail {
// Thrown by map_op / zip_op / reduce_op at run time (not constexpr, so in a
// constant expression an unknown name is a compile error instead).
[[noreturn]] inline void unknown_op_name(int32_t family, std::string_view name) {
  std::string allowed;
  for (const OpInfo& row : op_rows(family))
    allowed += (allowed.empty() ? "" : ", ") + std::string(row.name);
  throw std::invalid_argument("no " + std::string(family_name(family)) + " op is called '" +
                              std::string(name) + "'; the " + family_name(family) + " ops are " +
                              allowed);
}
}  // namespace detail

// The op called `name`. In a constant expression an unknown name does not
// compile (`constexpr auto op = mt::sdk::map_op("exp");`); at run time it
// throws std::invalid_argument listing the names (find_op returns -1 instead).
constexpr mt_map_op map_op(std::string_view name) {
  const int32_t op = find_op(MT_FAMILY_MAP, name);
  if (op < 0)
    detail::unknown_op_name(MT_FAMILY_MAP, name);
  return static_cast<mt_map_op>(op);
}
constexpr mt_zip_op zip_op(std::string_view name) {
  const int32_t op = find_op(MT_FAMILY_ZIP, name);
  if (op < 0)
    detail::unknown_op_name(MT_FAMILY_ZIP, name);
  return static_cast<mt_zip_op>(op);
}
constexpr mt_reduce_op reduce_op(std::string_view name) {
  const int32_t op = find_op(MT_FAMILY_REDUCE, name);
  if (op < 0)
    detail::unknown_op_name(MT_FAMILY_REDUCE, name);
  return static_cast<mt_reduce_op>(op);
}

// ---------------------------------------------------------------------------
// Compile-time checks of the table
// ---------------------------------------------------------------------------

namespace detail {

constexpr bool same_text(const char* a, const char* b) {
  return std::string_view(a) == std::string_view(b);
}

constexpr bool domain_ok(const Domain& d) {
  if (d.kind == Domain::Kind::grid)
    return d.count > 0 && d.step > 0;
  return d.lo <= d.hi && d.zero_fraction >= 0 && d.zero_fraction < 1;
}

// Values 0, 1, 2, ... in row order.
template <std::size_t N>
constexpr bool values_in_order(const OpInfo (&rows)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (rows[i].value != static_cast<int32_t>(i))
      return false;
  return true;
}

// Non-empty lower-case identifiers, no two alike.
template <std::size_t N>
constexpr bool names_ok(const OpInfo (&rows)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    const std::string_view name = rows[i].name;
    if (name.empty())
      return false;
    for (const char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
        return false;
    for (std::size_t j = 0; j < i; ++j)
      if (same_text(rows[i].name, rows[j].name))
        return false;
  }
  return true;
}

// Tolerances are >= 0, and f32's is no tighter than f64's.
template <std::size_t N>
constexpr bool tolerances_ok(const OpInfo (&rows)[N]) {
  for (const OpInfo& row : rows)
    if (!(row.rtol_f64 >= 0 && row.rtol_f32 >= row.rtol_f64 && row.rtol_f32 < 1))
      return false;
  return true;
}

template <std::size_t N>
constexpr bool domains_ok(const OpInfo (&rows)[N]) {
  for (const OpInfo& row : rows)
    for (int32_t k = 0; k < row.arity; ++k)
      if (!domain_ok(row.domain[k]))
        return false;
  return true;
}

}  // namespace detail

// The checks of one family's rows (also applied to the probe tables of
// tests/sdk/op_table_probe.cpp, which must fail to compile).
#define MT_SDK_CHECK_OP_ROWS(ROWS, FAMILY)                                                       \
  static_assert(::mt::sdk::detail::values_in_order(ROWS),                                        \
                "op_table.h: " FAMILY " op values must be 0, 1, 2, ... in row order");           \
  static_assert(::mt::sdk::detail::names_ok(ROWS),                                               \
                "op_table.h: " FAMILY " op names must be unique lower-case identifiers");        \
  static_assert(::mt::sdk::detail::tolerances_ok(ROWS),                                          \
                "op_table.h: " FAMILY " tolerances must satisfy 0 <= RTOL_F64 <= RTOL_F32 < 1"); \
  static_assert(::mt::sdk::detail::domains_ok(ROWS),                                             \
                "op_table.h: a " FAMILY " DOMAIN is empty (lo > hi, or a grid without points)")

MT_SDK_CHECK_OP_ROWS(detail::kMapOps, "map");
MT_SDK_CHECK_OP_ROWS(detail::kZipOps, "zip");
MT_SDK_CHECK_OP_ROWS(detail::kReduceOps, "reduce");
static_assert(sizeof(detail::kMapOps) / sizeof(OpInfo) == MT_MAP_OP_COUNT &&
                  sizeof(detail::kZipOps) / sizeof(OpInfo) == MT_ZIP_OP_COUNT &&
                  sizeof(detail::kReduceOps) / sizeof(OpInfo) == MT_REDUCE_OP_COUNT,
              "op_table.h: one row per enum value");
static_assert(find_op(MT_FAMILY_ZIP, "pow") == MT_ZIP_POW && find_op(MT_FAMILY_MAP, "pow") == -1,
              "name lookups follow the table");

}  // namespace mt::sdk

#endif  // MINITORCH_OPS_HPP
