// gradient_check.cpp — check_gradients: one analytic pass (core's autograd on
// the inputs as given) and central differences, element by element, on the
// difference backend. It does not choose functions or inputs (the gradient
// cases and the tests do) and asserts nothing itself.
#include <minitorch/gradient_check.hpp>

#include "random.hpp"
#include "text.hpp"

#include <minitorch/tensor/autograd.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace mt::conformance {

namespace {

using detail::index_text;
using detail::Rng;
using detail::round_to;

std::string number(double x) {
  return detail::number_text(x);
}

std::string shape_text(const Shape& shape) {
  return detail::list_text(shape);
}

void validate(const GradientCheckOptions& o, const std::vector<Tensor>& inputs) {
  if (!(o.epsilon > 0) || !std::isfinite(o.epsilon))
    throw std::invalid_argument("check_gradients: epsilon must be a finite number > 0, got " +
                                number(o.epsilon));
  if (!(o.rtol >= 0) || !(o.atol >= 0))
    throw std::invalid_argument("check_gradients: rtol and atol must be >= 0, got " +
                                number(o.rtol) + " and " + number(o.atol));
  if (o.elements < 0)
    throw std::invalid_argument("check_gradients: elements must be >= 0 (0 = every element), got " +
                                std::to_string(o.elements));
  if (inputs.empty())
    throw std::invalid_argument("check_gradients: no inputs to differentiate");
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined())
      throw std::invalid_argument("check_gradients: input " + std::to_string(i) +
                                  " is an undefined tensor");
}

// Which elements of an input of n elements to check, in increasing order.
std::vector<int64_t> chosen_elements(int64_t n, int64_t wanted, Rng& rng) {
  std::vector<int64_t> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), int64_t{0});
  if (wanted == 0 || wanted >= n)
    return all;
  // A partial Fisher-Yates shuffle: the first `wanted` are a uniform choice.
  for (int64_t k = 0; k < wanted; ++k)
    std::swap(all[static_cast<std::size_t>(k)],
              all[static_cast<std::size_t>(k + rng.below(n - k))]);
  all.resize(static_cast<std::size_t>(wanted));
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

GradientCheck gradient_check(const GradientFn& f, const std::vector<Tensor>& inputs,
                             const GradientCheckOptions& options) {
  validate(options, inputs);
  GradientCheck r;
  Rng rng(options.seed);
  const std::size_t n_in = inputs.size();
  auto name = [&](std::size_t i) {
    return i < options.names.size() && !options.names[i].empty()
               ? "input '" + options.names[i] + "'"
               : "input " + std::to_string(i);
  };
  // The weights are rounded to the least precise input dtype, so the
  // analytic and the difference side weight the very same numbers.
  DType weight_dtype = DType::f64;
  for (const Tensor& x : inputs)
    if (x.dtype() == DType::f32)
      weight_dtype = DType::f32;

  // ---- analytic: core's autograd on the inputs as given --------------------
  Shape out_shape;
  std::vector<double> w;
  std::vector<std::vector<double>> analytic(n_in);
  try {
    std::vector<Tensor> leaves;
    for (const Tensor& x : inputs) {
      Tensor leaf = x.detach();  // same storage and layout, a fresh leaf
      leaf.requires_grad_(true);
      leaves.push_back(leaf);
    }
    const Tensor out = f(leaves);
    out_shape = out.shape();
    Tensor loss;
    if (options.weights == GradientCheckOptions::Weights::random) {
      w.resize(static_cast<std::size_t>(out.numel()));
      for (double& v : w)
        v = round_to(weight_dtype, rng.uniform(-1.0, 1.0));
      TensorOptions wo = out.options();
      wo.requires_grad = false;
      loss = (out * Tensor::from_values(w, out_shape, wo)).sum();
    } else {
      loss = out.sum();
    }
    r.loss = loss.item();
    r.has_loss = true;
    const bool has_graph = loss.requires_grad();
    if (has_graph)
      loss.backward();
    using Undefined = GradientCheckOptions::UndefinedGradient;
    const bool undefined_is_zero =
        options.undefined_gradient == Undefined::zero ||
        (options.undefined_gradient == Undefined::zero_without_graph && !has_graph);
    for (std::size_t i = 0; i < n_in; ++i) {
      const Tensor g = leaves[i].grad();
      if (!g.defined()) {
        if (!undefined_is_zero) {
          r.message = "no gradient reached " + name(i) + " " + shape_text(inputs[i].shape()) +
                      " (it is undefined after backward)";
          return r;
        }
        analytic[i].assign(static_cast<std::size_t>(inputs[i].numel()), 0.0);
        continue;
      }
      if (g.shape() != inputs[i].shape()) {
        r.message = "the gradient of " + name(i) + " has shape " + shape_text(g.shape()) +
                    ", expected the input's " + shape_text(inputs[i].shape());
        return r;
      }
      if (g.dtype() != inputs[i].dtype() || g.backend() != inputs[i].backend()) {
        r.message = "the gradient of " + name(i) + " is " + dtype_name(g.dtype()) +
                    " on backend '" + g.backend()->name() + "', expected the input's " +
                    dtype_name(inputs[i].dtype()) + " on '" + inputs[i].backend()->name() + "'";
        return r;
      }
      analytic[i] = g.to_vector();
    }
  } catch (const std::exception& e) {
    r.message = std::string("forward or backward failed: ") + e.what();
    return r;
  }

  // ---- central differences on the difference backend -----------------------
  NoGradGuard no_grad;
  try {
    std::vector<TensorOptions> where(n_in);
    std::vector<std::vector<double>> base(n_in);
    std::vector<Tensor> xs;
    for (std::size_t i = 0; i < n_in; ++i) {
      where[i] = {
          .dtype = options.difference_dtype.value_or(inputs[i].dtype()),
          .backend = options.difference_backend ? options.difference_backend : inputs[i].backend(),
          .requires_grad = false};
      base[i] = inputs[i].to_vector();
      xs.push_back(Tensor::from_values(base[i], inputs[i].shape(), where[i]));
    }
    Tensor weights;
    if (!w.empty())
      weights = Tensor::from_values(w, out_shape, where[0]);
    auto weighted = [&](const std::vector<Tensor>& at) {
      const Tensor out = f(at);
      if (out.shape() != out_shape)
        throw std::runtime_error("f gave shape " + shape_text(out.shape()) +
                                 " on the difference side but " + shape_text(out_shape) +
                                 " in the analytic pass");
      return weights.defined() ? out * weights : out;
    };
    {
      const Tensor terms = weighted(xs);
      r.difference_loss = terms.sum().item();
      r.loss_scale = terms.abs().sum().item();
      r.has_difference_loss = true;
    }
    const double eps = options.epsilon;
    std::string first;
    for (std::size_t i = 0; i < n_in; ++i) {
      const Shape& shape = inputs[i].shape();
      for (const int64_t j : chosen_elements(inputs[i].numel(), options.elements, rng)) {
        std::vector<double> moved = base[i];
        const auto k = static_cast<std::size_t>(j);
        std::vector<Tensor> at = xs;
        moved[k] = base[i][k] + eps;
        at[i] = Tensor::from_values(moved, shape, where[i]);
        const double up = weighted(at).sum().item();
        moved[k] = base[i][k] - eps;
        at[i] = Tensor::from_values(moved, shape, where[i]);
        const double down = weighted(at).sum().item();
        const double numeric = (up - down) / (2.0 * eps);
        const double got = analytic[i][k];
        const double diff = std::fabs(got - numeric);
        const double allowed = options.atol + options.rtol * std::fabs(numeric);
        r.max_error =
            std::max(r.max_error, std::isfinite(diff) ? diff / std::max(1.0, std::fabs(numeric))
                                                      : std::numeric_limits<double>::infinity());
        ++r.checked;
        if (diff <= allowed)
          continue;
        if (r.mismatched++ == 0)
          first = name(i) + " " + shape_text(shape) + " at " + index_text(shape, j) + " (value " +
                  number(base[i][k]) + "; backend '" + inputs[i].backend()->name() + "', strides " +
                  shape_text(inputs[i].strides()) + "): gradient " + number(got) +
                  ", central difference " + number(numeric) + " (|diff| " + number(diff) +
                  " > allowed " + number(allowed) + " = atol " + number(options.atol) + " + rtol " +
                  number(options.rtol) + " x |numeric|)";
      }
    }
    if (r.mismatched > 0)
      r.message = std::to_string(r.mismatched) + " of " + std::to_string(r.checked) +
                  " gradient elements disagree with central differences (eps " + number(eps) +
                  "); first: " + first;
  } catch (const std::exception& e) {
    r.message = std::string("the central differences failed: ") + e.what();
  }
  return r;
}

std::string check_gradients(const GradientFn& f, const std::vector<Tensor>& inputs,
                            const GradientCheckOptions& options) {
  return gradient_check(f, inputs, options).message;
}

}  // namespace mt::conformance
