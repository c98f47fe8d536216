/*
 * minitorch/op_table.h — the one table of MiniTorch's element-wise and reduce
 * ops: for each op its enum, ABI value, name, per-element formula, test input
 * domain, conformance tolerance per dtype and cost class, as X-macro lists.
 *
 * It is deliberately only data. plugin_abi.h expands the lists into the C
 * enums (mt_map_op, mt_zip_op, mt_reduce_op); <minitorch/ops.hpp> expands
 * them into the C++ formulas (apply_map, apply_zip, reduce_start/combine),
 * the name lookups, valid_op and the metadata the conformance kit, the
 * parallel plugin's grain sizes and the benchmarks read. Every expansion
 * takes every column, so an entry with a field missing does not compile, and
 * ops.hpp static_asserts that values run 0, 1, 2, ... in order and that
 * names are unique. Plain C99 preprocessor text: a C compiler only ever
 * expands the first two columns; the others are C++ expressions.
 *
 * Columns (see docs/adding-an-op.md for adding a row):
 *   ENUM     suffix of the C enum constant: NEG -> MT_MAP_NEG
 *   VALUE    its ABI value: fixed forever once released (plugin_abi.h
 *            freezes the ABI 1.0 values); new ops are appended
 *   NAME     lower-case identifier, the op's name everywhere (kit case ids,
 *            error messages, benchmarks, name -> op lookups)
 *   FORMULA  the definition: an expression in `x` (map), `a`, `b` (zip) or
 *            `acc`, `x` (reduce combine) of floating type `T`, valid on the
 *            host and on a CUDA device (std:: math functions, mt::sdk helpers
 *            from ops.hpp such as sigmoid)
 *   START    (reduce) the value a reduction starts from: the result over an
 *            empty dim
 *   DOMAIN   where the conformance kit draws test inputs, so that every op
 *            is well conditioned:
 *              uniform(lo, hi[, zero_fraction])  uniform in [lo, hi], with a
 *                                                chance of an exact 0
 *              magnitude(lo, hi)                 +-[lo, hi] (away from 0)
 *              log_magnitude(lo, hi)             +-e^[lo, hi]
 *              grid(lo, step, count)             lo + step * k (exact ties)
 *            zip has one column per input (DOMAIN_A, DOMAIN_B)
 *   RTOL_F32, RTOL_F64
 *            the conformance tolerance: |got - expected| <= rtol * scale,
 *            scale |expected| (map, zip, reduce with SCALE result) or the
 *            sum of |terms| (SCALE terms). 0 means exact. A reduce with a
 *            non-zero rtol is allowed rtol + 4 sqrt(n) eps(dtype) over n terms.
 *            In use: 0 exact; 2e-6 / 1e-12 a few roundings;
 *            1e-5 / 1e-10 transcendental (libm and device math differ)
 *   SCALE    (reduce) terms | result, as above
 *   COST     cheap | transcendental: the work per element, from which the
 *            parallel plugin sizes its tasks (tens of cycles -> smaller grain)
 */
#ifndef MINITORCH_OP_TABLE_H
#define MINITORCH_OP_TABLE_H

/* Unary element-wise ops: out[i] = FORMULA(x = in[i]).
 * X(ENUM, VALUE, NAME, FORMULA, DOMAIN, RTOL_F32, RTOL_F64, COST) */
#define MT_MAP_OPS(X)                                                                     \
  /* -x */                                                                                \
  X(NEG, 0, neg, -x, uniform(-10, 10, 0.05), 0, 0, cheap)                                 \
  /* x (MiniTorch's id); also how core broadcasts and makes contiguous */                 \
  X(COPY, 1, copy, x, uniform(-10, 10, 0.05), 0, 0, cheap)                                \
  /* 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise (no overflow) */                        \
  X(SIGMOID, 2, sigmoid, sigmoid(x), uniform(-10, 10, 0.05), 1e-5, 1e-10, transcendental) \
  /* x > 0 ? x : 0 (NaN maps to 0); exact zeros are drawn often */                        \
  X(RELU, 3, relu, x > T(0) ? x : T(0), uniform(-10, 10, 0.15), 0, 0, cheap)              \
  /* natural log; log(0) = -inf, log(<0) = NaN (no EPS added) */                          \
  X(LOG, 4, log, std::log(x), uniform(0.1, 100), 1e-5, 1e-10, transcendental)             \
  /* e^x */                                                                               \
  X(EXP, 5, exp, std::exp(x), uniform(-10, 10, 0.05), 1e-5, 1e-10, transcendental)        \
  /* 1/x; 1/0 = +inf */                                                                   \
  X(INV, 6, inv, T(1) / x, magnitude(0.5, 10), 2e-6, 1e-12, cheap)                        \
  /* square root; sqrt(<0) = NaN */                                                       \
  X(SQRT, 7, sqrt, std::sqrt(x), uniform(0.1, 100), 2e-6, 1e-12, cheap)                   \
  /* |x| */                                                                               \
  X(ABS, 8, abs, std::fabs(x), uniform(-10, 10, 0.05), 0, 0, cheap)

/* Binary element-wise ops: out[i] = FORMULA(a = a[i], b = b[i]). Comparisons
 * give 1 or 0 in the views' dtype.
 * X(ENUM, VALUE, NAME, FORMULA, DOMAIN_A, DOMAIN_B, RTOL_F32, RTOL_F64, COST) */
#define MT_ZIP_OPS(X)                                                                              \
  X(ADD, 0, add, a + b, uniform(-10, 10, 0.05), uniform(-10, 10, 0.05), 2e-6, 1e-12, cheap)        \
  X(SUB, 1, sub, a - b, uniform(-10, 10, 0.05), uniform(-10, 10, 0.05), 2e-6, 1e-12, cheap)        \
  X(MUL, 2, mul, a* b, uniform(-10, 10, 0.05), uniform(-10, 10, 0.05), 2e-6, 1e-12, cheap)         \
  /* IEEE: x/0 = +-inf, 0/0 = NaN; tested with b away from 0 */                                    \
  X(DIV, 3, div, a / b, uniform(-10, 10), magnitude(0.5, 10), 2e-6, 1e-12, cheap)                  \
  /* comparisons on a coarse grid: many exact ties */                                              \
  X(LT, 4, lt, a < b ? T(1) : T(0), grid(-3, 0.5, 13), grid(-3, 0.5, 13), 0, 0, cheap)             \
  X(EQ, 5, eq, a == b ? T(1) : T(0), grid(-3, 0.5, 13), grid(-3, 0.5, 13), 0, 0, cheap)            \
  /* MiniTorch's operators.max */                                                                  \
  X(MAX, 6, max, a > b ? a : b, grid(-3, 0.5, 13), grid(-3, 0.5, 13), 0, 0, cheap)                 \
  /* MiniTorch's absolute tolerance; differences are multiples of 0.004 in */                      \
  /* the tests, never near the 1e-2 threshold */                                                   \
  X(IS_CLOSE, 7, is_close, std::fabs(a - b) < T(1e-2) ? T(1) : T(0), grid(-0.04, 0.004, 21),       \
    grid(-0.04, 0.004, 21), 0, 0, cheap)                                                           \
  /* a = forward input, b = upstream gradient */                                                   \
  X(RELU_BACK, 8, relu_back, a > T(0) ? b : T(0), grid(-2, 0.5, 9), uniform(-10, 10), 0, 0, cheap) \
  X(LOG_BACK, 9, log_back, b / a, uniform(0.5, 10), uniform(-10, 10), 2e-6, 1e-12, cheap)          \
  X(INV_BACK, 10, inv_back, -b / (a * a), magnitude(0.5, 10), uniform(-10, 10), 2e-6, 1e-12,       \
    cheap)                                                                                         \
  /* tested with a positive base */                                                                \
  X(POW, 11, pow, std::pow(a, b), uniform(0.5, 3), uniform(-3, 3), 1e-5, 1e-10, transcendental)

/* Reductions along one dim: acc = START; acc = COMBINE(acc, x) for each x.
 * X(ENUM, VALUE, NAME, START, COMBINE, DOMAIN, RTOL_F32, RTOL_F64, SCALE, COST) */
#define MT_REDUCE_OPS(X)                                                               \
  X(SUM, 0, sum, T(0), acc + x, uniform(-10, 10), 2e-6, 1e-12, terms, cheap)           \
  /* log|x| uniform around 0: a product of 50,000 factors stays far inside */          \
  /* f32's range */                                                                    \
  X(PROD, 1, prod, T(1), acc* x, log_magnitude(-0.1, 0.1), 2e-6, 1e-12, result, cheap) \
  /* NaN in the input makes the result NaN */                                          \
  X(MAX, 2, max, -std::numeric_limits<T>::infinity(), (x > acc || x != x) ? x : acc,   \
    grid(-5, 0.5, 21), 0, 0, result, cheap)

#endif /* MINITORCH_OP_TABLE_H */
