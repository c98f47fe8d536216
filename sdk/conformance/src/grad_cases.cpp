// grad_cases.cpp — the gradient cases of the conformance catalogue. Each is a
// small differentiable expression over 1–3 inputs, run forward and backward
// on the candidate and judged by check_gradients (loss sum(expr * w) with
// fixed random weights w, central differences on the reference in f64).
// Inputs come from the library's seeded generator, in domains where the
// expression is smooth (no kinks, poles or ties within the difference step).
// It does not test single plugin slots (the op cases do).
#include "grad_cases.hpp"

#include "random.hpp"
#include "text.hpp"

#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

namespace mt::conformance::detail {

namespace {

using detail::round_to;

using Status = CaseResult::Status;
using Need = std::pair<mt_family, int32_t>;

struct Input {
  std::string name;
  Shape shape;
  sdk::Domain domain = sdk::uniform(-1, 1);
  // Instead of `domain`: a shuffled grid 0.1 apart, so no two values tie
  // (max's gradient is only defined without ties).
  bool distinct = false;
};

struct Spec {
  std::string id;           // "grad.<function>"
  std::string description;  // the expression and shapes
  // What the case leans on besides what every case uses (common_needs()).
  std::vector<Need> needs;
  std::vector<Input> inputs;
  GradientFn fn;
};

// Domains where the expressions below are smooth.
constexpr sdk::Domain kAny = sdk::uniform(-1, 1);
constexpr sdk::Domain kPositive = sdk::uniform(0.5, 2);        // log, pow
constexpr sdk::Domain kAwayFromZero = sdk::magnitude(0.5, 2);  // denominators
constexpr sdk::Domain kNoKink = sdk::magnitude(0.2, 1.5);      // relu: never within a step of 0

// What every case uses: core's tensor creation and broadcasting (map.copy),
// the loss sum(out * w) (zip.mul, reduce.sum) and gradient accumulation
// (zip.add).
std::vector<Need> common_needs() {
  return {{MT_FAMILY_MAP, MT_MAP_COPY},
          {MT_FAMILY_ZIP, MT_ZIP_ADD},
          {MT_FAMILY_ZIP, MT_ZIP_MUL},
          {MT_FAMILY_REDUCE, MT_REDUCE_SUM}};
}

std::vector<double> draw_input(const Input& in, Rng& rng) {
  int64_t count = 1;
  for (const int64_t s : in.shape)
    count *= s;
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> values(n);
  if (in.distinct) {
    for (std::size_t i = 0; i < n; ++i)
      values[i] = 0.1 * static_cast<double>(i) - 0.05 * static_cast<double>(n) + 0.013;
    for (std::size_t i = n; i > 1; --i)  // Fisher–Yates
      std::swap(values[i - 1],
                values[static_cast<std::size_t>(rng.below(static_cast<int64_t>(i)))]);
    return values;
  }
  for (double& v : values)
    v = draw(in.domain, rng);
  return values;
}

const std::vector<Spec>& specs() {
  auto map = [](mt_map_op op) { return Need{MT_FAMILY_MAP, op}; };
  auto zip = [](mt_zip_op op) { return Need{MT_FAMILY_ZIP, op}; };
  auto reduce = [](mt_reduce_op op) { return Need{MT_FAMILY_REDUCE, op}; };
  const Need matmul{MT_FAMILY_MATMUL, 0}, conv1d{MT_FAMILY_CONV1D, 0}, conv2d{MT_FAMILY_CONV2D, 0};
  auto x = [](Shape s, sdk::Domain d = kAny) { return Input{"x", std::move(s), d, false}; };
  auto y = [](Shape s, sdk::Domain d = kAny) { return Input{"y", std::move(s), d, false}; };

  static const std::vector<Spec> all = {
      {"grad.add",
       "x (2, 3) + y (3): y broadcast over rows",
       {},
       {x({2, 3}), y({3})},
       [](const auto& t) { return t[0] + t[1]; }},
      {"grad.sub",
       "x (3, 1) - y (1, 4): both broadcast",
       {zip(MT_ZIP_SUB)},
       {x({3, 1}), y({1, 4})},
       [](const auto& t) { return t[0] - t[1]; }},
      {"grad.mul",
       "x (2, 3, 4) * y (3, 1)",
       {},
       {x({2, 3, 4}), y({3, 1})},
       [](const auto& t) { return t[0] * t[1]; }},
      {"grad.div",
       "x (3, 4) / y (4), |y| in [0.5, 2]",
       {zip(MT_ZIP_DIV), map(MT_MAP_INV)},
       {x({3, 4}), y({4}, kAwayFromZero)},
       [](const auto& t) { return t[0] / t[1]; }},
      {"grad.neg",
       "-x (2, 5)",
       {map(MT_MAP_NEG)},
       {x({2, 5})},
       [](const auto& t) { return -t[0]; }},
      {"grad.sigmoid",
       "sigmoid(x (3, 4) permuted)",
       {map(MT_MAP_SIGMOID)},
       {x({3, 4})},
       [](const auto& t) {
         return t[0].permute({1, 0}).sigmoid();
       }},
      {"grad.relu",
       "relu(x (3, 4)), |x| >= 0.2",
       {map(MT_MAP_RELU), zip(MT_ZIP_RELU_BACK)},
       {x({3, 4}, kNoKink)},
       [](const auto& t) { return t[0].relu(); }},
      {"grad.log",
       "log(x (3, 4)), x in [0.5, 2]",
       {map(MT_MAP_LOG), zip(MT_ZIP_LOG_BACK)},
       {x({3, 4}, kPositive)},
       [](const auto& t) { return t[0].log(); }},
      {"grad.exp",
       "exp(x (3, 4))",
       {map(MT_MAP_EXP)},
       {x({3, 4})},
       [](const auto& t) { return t[0].exp(); }},
      {"grad.inv",
       "1 / x (2, 4), |x| in [0.5, 2]",
       {map(MT_MAP_INV), zip(MT_ZIP_INV_BACK)},
       {x({2, 4}, kAwayFromZero)},
       [](const auto& t) { return t[0].inv(); }},
      {"grad.pow",
       "x (2, 3) ^ 2.5, x in [0.5, 2]",
       {zip(MT_ZIP_POW)},
       {x({2, 3}, kPositive)},
       [](const auto& t) { return t[0].pow(2.5); }},
      {"grad.sum_dim",
       "sum(x (3, 4, 2), dim 1)",
       {},
       {x({3, 4, 2})},
       [](const auto& t) { return t[0].sum(1); }},
      {"grad.sum_all", "sum(x (3, 4))", {}, {x({3, 4})}, [](const auto& t) { return t[0].sum(); }},
      {"grad.mean_dim",
       "mean(x (3, 4), dim 0)",
       {},
       {x({3, 4})},
       [](const auto& t) { return t[0].mean(0); }},
      {"grad.mean_all",
       "mean(x (2, 3, 2))",
       {},
       {x({2, 3, 2})},
       [](const auto& t) { return t[0].mean(); }},
      {"grad.max",
       "max(x (3, 5), dim 1), no ties",
       {reduce(MT_REDUCE_MAX), zip(MT_ZIP_EQ)},
       {Input{"x", {3, 5}, kAny, true}},
       [](const auto& t) { return t[0].max(1); }},
      {"grad.matmul",
       "x (2, 3, 4) @ y (4, 5): y broadcast over the batch",
       {matmul},
       {x({2, 3, 4}), y({4, 5})},
       [](const auto& t) { return t[0].matmul(t[1]); }},
      {"grad.conv1d",
       "conv1d(x (2, 2, 7), w (3, 2, 3))",
       {conv1d},
       {x({2, 2, 7}), Input{"w", {3, 2, 3}, kAny, false}},
       [](const auto& t) { return nn::conv1d(t[0], t[1]); }},
      {"grad.conv2d",
       "conv2d(x (1, 2, 4, 5), w (2, 2, 2, 3))",
       {conv2d},
       {x({1, 2, 4, 5}), Input{"w", {2, 2, 2, 3}, kAny, false}},
       [](const auto& t) { return nn::conv2d(t[0], t[1]); }},
      {"grad.permute",
       "x (2, 3, 4) permuted to (4, 2, 3) * y (4, 2, 3)",
       {},
       {x({2, 3, 4}), y({4, 2, 3})},
       [](const auto& t) {
         return t[0].permute({2, 0, 1}) * t[1];
       }},
      {"grad.view",
       "x (2, 6) viewed as (3, 4) * y (3, 4)",
       {},
       {x({2, 6}), y({3, 4})},
       [](const auto& t) {
         return t[0].view({3, 4}) * t[1];
       }},
      {"grad.mlp",
       "sigmoid(relu(x (4, 3) @ w (3, 5) + b (5)).sum(1)): a small network",
       {matmul, map(MT_MAP_RELU), zip(MT_ZIP_RELU_BACK), map(MT_MAP_SIGMOID)},
       {x({4, 3}), Input{"w", {3, 5}, kAny, false}, Input{"b", {5}, kNoKink, false}},
       [](const auto& t) { return (t[0].matmul(t[1]) + t[2]).relu().sum(1).sigmoid(); }},
  };
  return all;
}

struct Tolerance {
  double gradient_rtol, gradient_atol;  // |got - numeric| <= atol + rtol * |numeric|
  double loss_rtol;                     // |got - expected| <= rtol * max(1, sum |out * w|)
};

// f64: central differences with h = 1e-6 are good to ~1e-8 here, so 1e-6 is
// safe. f32: the candidate's gradient carries float rounding (~1e-7 per
// term, tens of terms), so 1e-4.
Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-6, 1e-6, 1e-10} : Tolerance{1e-4, 1e-4, 1e-5};
}

std::string number(double x) {
  return detail::number_text(x);
}

CaseResult failed(std::string message, double max_error = 0.0) {
  return {Status::failed, std::move(message), max_error};
}

}  // namespace

std::vector<CaseInfo> gradient_cases() {
  std::vector<CaseInfo> out;
  for (const Spec& s : specs()) {
    CaseInfo info;
    info.id = s.id;
    info.kind = CaseKind::gradient;
    info.description = s.description;
    info.row = s.id;
    info.needs = common_needs();
    info.needs.insert(info.needs.end(), s.needs.begin(), s.needs.end());
    out.push_back(std::move(info));
  }
  return out;
}

CaseResult run_gradient_case(const CaseInfo& info, const BackendPtr& candidate,
                             const BackendPtr& reference, DType dtype) {
  const auto& all = specs();
  const auto found =
      std::find_if(all.begin(), all.end(), [&](const Spec& s) { return s.id == info.id; });
  if (found == all.end())
    return failed("unknown gradient case '" + info.id + "'");
  const Spec& s = *found;
  const Tolerance tol = tolerance_for(dtype);

  // Inputs drawn in double and rounded to the dtype under test, so the
  // candidate and the reference differentiate the same function.
  Rng rng(s.id);
  std::vector<Tensor> xs;
  GradientCheckOptions options;
  try {
    for (const Input& in : s.inputs) {
      std::vector<double> values = draw_input(in, rng);
      for (double& v : values)
        v = round_to(dtype, v);
      xs.push_back(Tensor::from_values(values, in.shape, {.dtype = dtype, .backend = candidate}));
      options.names.push_back(in.name);
    }
  } catch (const std::exception& e) {
    return failed("creating the inputs on '" + candidate->name() + "' failed: " + e.what());
  }
  options.rtol = tol.gradient_rtol;
  options.atol = tol.gradient_atol;
  options.seed = rng.next();
  options.difference_backend = reference;
  options.difference_dtype = DType::f64;
  const GradientCheck g = gradient_check(s.fn, xs, options);

  // Forward: the loss itself, on the candidate and on the reference.
  if (g.has_loss && g.has_difference_loss) {
    const double allowed = tol.loss_rtol * std::max(1.0, g.loss_scale);
    const double diff = std::fabs(g.loss - g.difference_loss);
    if (!(diff <= allowed))
      return failed("forward: loss sum(out * w) is " + number(g.loss) + " on '" +
                        candidate->name() + "', the reference gives " + number(g.difference_loss) +
                        " (|diff| " + number(diff) + " > " + number(allowed) + ")",
                    std::numeric_limits<double>::infinity());
  }
  if (!g.passed())
    return failed(g.has_loss ? g.message : "on '" + candidate->name() + "': " + g.message,
                  g.max_error);
  return {Status::passed, "", g.max_error};
}

}  // namespace mt::conformance::detail
