// grad_cases.cpp — the gradient case catalogue and its runner. Each case is a
// small differentiable expression over 1–3 inputs; the loss is
// sum(expr(inputs) * w) with fixed random weights w, so every output element
// gets its own upstream gradient. Inputs are drawn from domains where the
// expression is smooth (no kinks, poles or ties within the finite-difference
// step). It does not test single plugin slots (the conformance library does).
#include "grad_cases.hpp"

#include <minitorch/autograd.hpp>
#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string_view>

namespace mt::kit {

namespace {

using conformance::CaseResult;
using Status = CaseResult::Status;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Where an input's values come from.
enum class Domain {
  any,             // uniform in [-1, 1]
  positive,        // uniform in [0.5, 2] (log, pow)
  away_from_zero,  // ±[0.5, 2] (denominators)
  no_kink,         // ±[0.2, 1.5] (relu: never within a step of 0)
  distinct         // a shuffled grid 0.1 apart (max: no ties)
};

struct Input {
  std::string name;
  Shape shape;
  Domain domain = Domain::any;
};

struct Spec {
  GradCase info;
  std::vector<Input> inputs;
  Fn fn;
};

// SplitMix64 seeded with FNV-1a of the case id: the same inputs on every
// platform and in every process (std distributions are not bit-stable).
class Rng {
 public:
  explicit Rng(std::string_view seed) {
    uint64_t h = 1469598103934665603ull;
    for (const char c : seed) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    state_ = h;
  }
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1p-53;
  }

 private:
  uint64_t state_;
};

int64_t count_of(const Shape& shape) {
  int64_t n = 1;
  for (const int64_t s : shape)
    n *= s;
  return n;
}

std::string shape_text(const Shape& shape) {
  std::string text = "(";
  for (std::size_t d = 0; d < shape.size(); ++d)
    text += (d ? ", " : "") + std::to_string(shape[d]);
  return text + ")";
}

std::vector<double> draw(const Input& in, Rng& rng) {
  const auto n = static_cast<std::size_t>(count_of(in.shape));
  std::vector<double> values(n);
  if (in.domain == Domain::distinct) {
    for (std::size_t i = 0; i < n; ++i)
      values[i] = 0.1 * static_cast<double>(i) - 0.05 * static_cast<double>(n) + 0.013;
    for (std::size_t i = n; i > 1; --i)  // Fisher–Yates
      std::swap(values[i - 1], values[static_cast<std::size_t>(rng.next() % i)]);
    return values;
  }
  for (double& v : values) {
    const double sign = rng.next() % 2 ? 1.0 : -1.0;
    switch (in.domain) {
      case Domain::positive:
        v = rng.uniform(0.5, 2.0);
        break;
      case Domain::away_from_zero:
        v = sign * rng.uniform(0.5, 2.0);
        break;
      case Domain::no_kink:
        v = sign * rng.uniform(0.2, 1.5);
        break;
      default:
        v = rng.uniform(-1.0, 1.0);
        break;
    }
  }
  return values;
}

double round_to(DType dtype, double x) {
  return dtype == DType::f32 ? static_cast<double>(static_cast<float>(x)) : x;
}

const std::vector<Spec>& specs() {
  using F = mt_family;
  auto map = [](mt_map_op op) { return std::pair<F, int32_t>{MT_FAMILY_MAP, op}; };
  auto zip = [](mt_zip_op op) { return std::pair<F, int32_t>{MT_FAMILY_ZIP, op}; };
  auto reduce = [](mt_reduce_op op) { return std::pair<F, int32_t>{MT_FAMILY_REDUCE, op}; };
  const std::pair<F, int32_t> matmul{MT_FAMILY_MATMUL, 0}, conv1d{MT_FAMILY_CONV1D, 0},
      conv2d{MT_FAMILY_CONV2D, 0};
  auto x = [](Shape s, Domain d = Domain::any) { return Input{"x", std::move(s), d}; };
  auto y = [](Shape s, Domain d = Domain::any) { return Input{"y", std::move(s), d}; };

  static const std::vector<Spec> all = {
      {{"grad.add", "x (2, 3) + y (3): y broadcast over rows", {}},
       {x({2, 3}), y({3})},
       [](const auto& t) { return t[0] + t[1]; }},
      {{"grad.sub", "x (3, 1) - y (1, 4): both broadcast", {zip(MT_ZIP_SUB)}},
       {x({3, 1}), y({1, 4})},
       [](const auto& t) { return t[0] - t[1]; }},
      {{"grad.mul", "x (2, 3, 4) * y (3, 1)", {}},
       {x({2, 3, 4}), y({3, 1})},
       [](const auto& t) { return t[0] * t[1]; }},
      {{"grad.div", "x (3, 4) / y (4), |y| in [0.5, 2]", {zip(MT_ZIP_DIV), map(MT_MAP_INV)}},
       {x({3, 4}), y({4}, Domain::away_from_zero)},
       [](const auto& t) { return t[0] / t[1]; }},
      {{"grad.neg", "-x (2, 5)", {map(MT_MAP_NEG)}},
       {x({2, 5})},
       [](const auto& t) { return -t[0]; }},
      {{"grad.sigmoid", "sigmoid(x (3, 4) permuted)", {map(MT_MAP_SIGMOID)}},
       {x({3, 4})},
       [](const auto& t) {
         return t[0].permute({1, 0}).sigmoid();
       }},
      {{"grad.relu", "relu(x (3, 4)), |x| >= 0.2", {map(MT_MAP_RELU), zip(MT_ZIP_RELU_BACK)}},
       {x({3, 4}, Domain::no_kink)},
       [](const auto& t) { return t[0].relu(); }},
      {{"grad.log", "log(x (3, 4)), x in [0.5, 2]", {map(MT_MAP_LOG), zip(MT_ZIP_LOG_BACK)}},
       {x({3, 4}, Domain::positive)},
       [](const auto& t) { return t[0].log(); }},
      {{"grad.exp", "exp(x (3, 4))", {map(MT_MAP_EXP)}},
       {x({3, 4})},
       [](const auto& t) { return t[0].exp(); }},
      {{"grad.inv", "1 / x (2, 4), |x| in [0.5, 2]", {map(MT_MAP_INV), zip(MT_ZIP_INV_BACK)}},
       {x({2, 4}, Domain::away_from_zero)},
       [](const auto& t) { return t[0].inv(); }},
      {{"grad.pow", "x (2, 3) ^ 2.5, x in [0.5, 2]", {zip(MT_ZIP_POW)}},
       {x({2, 3}, Domain::positive)},
       [](const auto& t) { return t[0].pow(2.5); }},
      {{"grad.sum_dim", "sum(x (3, 4, 2), dim 1)", {}},
       {x({3, 4, 2})},
       [](const auto& t) { return t[0].sum(1); }},
      {{"grad.sum_all", "sum(x (3, 4))", {}},
       {x({3, 4})},
       [](const auto& t) { return t[0].sum(); }},
      {{"grad.mean_dim", "mean(x (3, 4), dim 0)", {}},
       {x({3, 4})},
       [](const auto& t) { return t[0].mean(0); }},
      {{"grad.mean_all", "mean(x (2, 3, 2))", {}},
       {x({2, 3, 2})},
       [](const auto& t) { return t[0].mean(); }},
      {{"grad.max", "max(x (3, 5), dim 1), no ties", {reduce(MT_REDUCE_MAX), zip(MT_ZIP_EQ)}},
       {x({3, 5}, Domain::distinct)},
       [](const auto& t) { return t[0].max(1); }},
      {{"grad.matmul", "x (2, 3, 4) @ y (4, 5): y broadcast over the batch", {matmul}},
       {x({2, 3, 4}), y({4, 5})},
       [](const auto& t) { return t[0].matmul(t[1]); }},
      {{"grad.conv1d", "conv1d(x (2, 2, 7), w (3, 2, 3))", {conv1d}},
       {x({2, 2, 7}), Input{"w", {3, 2, 3}, Domain::any}},
       [](const auto& t) { return nn::conv1d(t[0], t[1]); }},
      {{"grad.conv2d", "conv2d(x (1, 2, 4, 5), w (2, 2, 2, 3))", {conv2d}},
       {x({1, 2, 4, 5}), Input{"w", {2, 2, 2, 3}, Domain::any}},
       [](const auto& t) { return nn::conv2d(t[0], t[1]); }},
      {{"grad.permute", "x (2, 3, 4) permuted to (4, 2, 3) * y (4, 2, 3)", {}},
       {x({2, 3, 4}), y({4, 2, 3})},
       [](const auto& t) {
         return t[0].permute({2, 0, 1}) * t[1];
       }},
      {{"grad.view", "x (2, 6) viewed as (3, 4) * y (3, 4)", {}},
       {x({2, 6}), y({3, 4})},
       [](const auto& t) {
         return t[0].view({3, 4}) * t[1];
       }},
      {{"grad.mlp",
        "sigmoid(relu(x (4, 3) @ w (3, 5) + b (5)).sum(1)): a small network",
        {matmul, map(MT_MAP_RELU), zip(MT_ZIP_RELU_BACK), map(MT_MAP_SIGMOID)}},
       {x({4, 3}), Input{"w", {3, 5}, Domain::any}, Input{"b", {5}, Domain::no_kink}},
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
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", x);
  return text;
}

std::string index_text(const Shape& shape, int64_t e) {
  std::vector<int64_t> index(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = e % shape[d];
    e /= shape[d];
  }
  std::string text = "[";
  for (std::size_t d = 0; d < index.size(); ++d)
    text += (d ? ", " : "") + std::to_string(index[d]);
  return text + "]";
}

// The reference's sum(fn(inputs) * w) in f64, without recording a graph.
// With w empty, only the output shape is computed (into out_shape).
double reference_loss(const Spec& s, const std::vector<std::vector<double>>& values,
                      const std::vector<double>& w, const BackendPtr& reference, Shape* out_shape,
                      double* abs_scale = nullptr) {
  NoGradGuard no_grad;
  const TensorOptions o{.dtype = DType::f64, .backend = reference, .requires_grad = false};
  std::vector<Tensor> xs;
  for (std::size_t i = 0; i < s.inputs.size(); ++i)
    xs.push_back(Tensor::from_values(values[i], s.inputs[i].shape, o));
  const Tensor out = s.fn(xs);
  if (out_shape)
    *out_shape = out.shape();
  if (w.empty())
    return 0.0;
  const Tensor weights = Tensor::from_values(w, out.shape(), o);
  if (abs_scale)
    *abs_scale = (out * weights).abs().sum().item();
  return (out * weights).sum().item();
}

CaseResult failed(std::string message, double max_error = 0.0) {
  return {Status::failed, std::move(message), max_error};
}

}  // namespace

std::vector<GradCase> list_grad_cases() {
  std::vector<GradCase> out;
  for (const Spec& s : specs())
    out.push_back(s.info);
  return out;
}

std::vector<std::pair<mt_family, int32_t>> grad_common_needs() {
  return {{MT_FAMILY_MAP, MT_MAP_COPY},
          {MT_FAMILY_ZIP, MT_ZIP_ADD},
          {MT_FAMILY_ZIP, MT_ZIP_MUL},
          {MT_FAMILY_REDUCE, MT_REDUCE_SUM}};
}

CaseResult run_grad_case(const GradCase& c, const BackendPtr& candidate,
                         const BackendPtr& reference, DType dtype) {
  const auto& all = specs();
  const auto found =
      std::find_if(all.begin(), all.end(), [&](const Spec& s) { return s.info.id == c.id; });
  if (found == all.end())
    return failed("unknown gradient case '" + c.id + "'");
  const Spec& s = *found;
  const Tolerance tol = tolerance_for(dtype);

  // Inputs and loss weights: drawn in double, rounded to the dtype under test,
  // so the candidate and the reference differentiate the same function.
  Rng rng(s.info.id);
  std::vector<std::vector<double>> values;
  for (const Input& in : s.inputs) {
    values.push_back(draw(in, rng));
    for (double& v : values.back())
      v = round_to(dtype, v);
  }
  Shape out_shape;
  std::vector<double> w;
  double expected_loss = 0.0, scale = 0.0;
  try {
    reference_loss(s, values, {}, reference, &out_shape);
    w.resize(static_cast<std::size_t>(count_of(out_shape)));
    for (double& v : w)
      v = round_to(dtype, rng.uniform(-1.0, 1.0));
    expected_loss = reference_loss(s, values, w, reference, nullptr, &scale);
  } catch (const std::exception& e) {
    return failed(std::string("the reference backend failed, so there is no expected result: ") +
                  e.what());
  }

  // Forward and backward on the candidate.
  double got_loss = 0.0;
  std::vector<std::vector<double>> grads;
  try {
    const TensorOptions o{.dtype = dtype, .backend = candidate, .requires_grad = true};
    std::vector<Tensor> xs;
    for (std::size_t i = 0; i < s.inputs.size(); ++i)
      xs.push_back(Tensor::from_values(values[i], s.inputs[i].shape, o));
    const Tensor out = s.fn(xs);
    if (out.shape() != out_shape)
      return failed("the output has shape " + shape_text(out.shape()) + " on the candidate but " +
                    shape_text(out_shape) + " on the reference");
    const Tensor weights =
        Tensor::from_values(w, out_shape, {.dtype = dtype, .backend = candidate});
    const Tensor loss = (out * weights).sum();
    got_loss = loss.item();
    loss.backward();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Tensor g = xs[i].grad();
      if (!g.defined())
        return failed("no gradient reached input '" + s.inputs[i].name + "'");
      if (g.shape() != s.inputs[i].shape)
        return failed("the gradient of '" + s.inputs[i].name + "' has shape " +
                      shape_text(g.shape()) + ", expected the input's " +
                      shape_text(s.inputs[i].shape));
      grads.push_back(g.to_vector());
    }
  } catch (const std::exception& e) {
    return failed(std::string("forward or backward on '") + candidate->name() +
                  "' failed: " + e.what());
  }

  // Forward: the loss itself.
  const double loss_allowed = tol.loss_rtol * std::max(1.0, scale);
  const double loss_diff = std::fabs(got_loss - expected_loss);
  if (!(loss_diff <= loss_allowed))
    return failed("forward: loss sum(out * w) is " + number(got_loss) + ", the reference gives " +
                      number(expected_loss) + " (|diff| " + number(loss_diff) + " > " +
                      number(loss_allowed) + ")",
                  std::numeric_limits<double>::infinity());

  // Backward: every input element against a central difference.
  constexpr double h = 1e-6;
  double max_error = 0.0;
  int64_t bad = 0, checked = 0;
  std::string first;
  try {
    for (std::size_t i = 0; i < values.size(); ++i) {
      for (std::size_t j = 0; j < values[i].size(); ++j) {
        auto shifted = values;
        shifted[i][j] = values[i][j] + h;
        const double up = reference_loss(s, shifted, w, reference, nullptr);
        shifted[i][j] = values[i][j] - h;
        const double down = reference_loss(s, shifted, w, reference, nullptr);
        const double numeric = (up - down) / (2.0 * h);
        const double got = grads[i][j];
        const double diff = std::fabs(got - numeric);
        const double allowed = tol.gradient_atol + tol.gradient_rtol * std::fabs(numeric);
        max_error =
            std::max(max_error, std::isfinite(diff) ? diff / std::max(1.0, std::fabs(numeric))
                                                    : std::numeric_limits<double>::infinity());
        ++checked;
        if (diff <= allowed)
          continue;
        if (bad++ == 0)
          first = "d loss / d " + s.inputs[i].name +
                  index_text(s.inputs[i].shape, static_cast<int64_t>(j)) + " is " + number(got) +
                  ", central difference " + number(numeric) + " (|diff| " + number(diff) + " > " +
                  number(allowed) + ")";
      }
    }
  } catch (const std::exception& e) {
    return failed(std::string("the reference backend failed during central differences: ") +
                  e.what());
  }
  if (bad > 0)
    return failed(std::to_string(bad) + " of " + std::to_string(checked) +
                      " gradient elements wrong; first: " + first,
                  max_error);
  return {Status::passed, "", max_error};
}

}  // namespace mt::kit
