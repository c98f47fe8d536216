// optim.cpp — Optimizer bookkeeping (tensors or borrowed Parameters, named buffers), SGD, Adam /
// AdamW and gradient clipping. Updates write into each parameter's own storage (exactly aliased
// zips, which the ABI allows): no graph, no new parameter tensors. Not a place for schedules.
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "dispatch.hpp"

#include <cmath>
#include <map>
#include <set>
#include <string>

namespace mt {

namespace {

void check_lr(const char* who, double lr, bool allow_zero) {
  if (!std::isfinite(lr) || lr < 0.0 || (lr == 0.0 && !allow_zero)) {
    throw ArgumentError(std::string(who) + " learning rate must be finite and " +
                        (allow_zero ? ">= 0" : "> 0") + ", got " + std::to_string(lr));
  }
}

void check_range(const char* who, const char* what, double value, double low, double high,
                 bool high_open) {
  const bool ok =
      std::isfinite(value) && value >= low && (high_open ? value < high : value <= high);
  if (!ok) {
    throw ArgumentError(std::string(who) + " " + what + " must be in [" + std::to_string(low) +
                        ", " + std::to_string(high) + (high_open ? ")" : "]") + ", got " +
                        std::to_string(value));
  }
}

void check_non_negative(const char* who, const char* what, double value) {
  if (!std::isfinite(value) || value < 0.0) {
    throw ArgumentError(std::string(who) + " " + what + " must be finite and >= 0, got " +
                        std::to_string(value));
  }
}

std::vector<Tensor> values_of(const std::vector<Parameter*>& parameters) {
  std::vector<Tensor> values;
  values.reserve(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i] == nullptr)
      throw ArgumentError("optimizer parameter " + std::to_string(i) + " is a null Parameter*");
    values.push_back(parameters[i]->value());
  }
  return values;
}

std::vector<Parameter*> pointers_of(const NamedParameters& named) {
  std::vector<Parameter*> out;
  out.reserve(named.size());
  for (const auto& entry : named)
    out.push_back(entry.second);
  return out;
}

}  // namespace

// ---- Optimizer ------------------------------------------------------------------

Optimizer::Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    names_.push_back("parameter " + std::to_string(i));
  check_parameters();
}

Optimizer::Optimizer(const std::vector<Parameter*>& parameters)
    : parameters_(values_of(parameters)), sources_(parameters) {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const std::string& name = sources_[i]->name();
    names_.push_back(name.empty() ? "parameter " + std::to_string(i) : name);
  }
  check_parameters();
}

Optimizer::Optimizer(const NamedParameters& parameters)
    : parameters_(values_of(pointers_of(parameters))), sources_(pointers_of(parameters)) {
  for (const auto& entry : parameters)
    names_.push_back(entry.first);
  check_parameters();
}

void Optimizer::check_parameters() const {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor& p = parameters_[i];
    if (!p.defined())
      throw ArgumentError("optimizer parameter '" + names_[i] + "' is undefined");
    if (!p.is_leaf()) {
      throw ArgumentError("optimizer parameter '" + names_[i] +
                          "' is not a leaf (it was computed); pass the tensors you created");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (parameters_[j].same(p) || (!sources_.empty() && sources_[j] == sources_[i])) {
        throw ArgumentError("optimizer parameter '" + names_[i] + "' is listed twice (also as '" +
                            names_[j] + "'); each parameter must appear once");
      }
    }
  }
}

void Optimizer::refresh() {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const Tensor& current = sources_[i]->value();
    Tensor& held = parameters_[i];
    if (current.same(held))
      continue;
    if (!current.defined() || !current.is_leaf()) {
      throw ArgumentError("optimizer parameter '" + names_[i] +
                          "' was replaced by an undefined or computed tensor; a parameter's "
                          "value must be a leaf");
    }
    if (current.shape() != held.shape()) {
      throw ShapeError("optimizer parameter '" + names_[i] + "' changed shape from " +
                       shape_to_string(held.shape()) + " to " + shape_to_string(current.shape()) +
                       " since the optimizer was made; make a new optimizer for the new shapes");
    }
    if (current.backend() != held.backend() || current.dtype() != held.dtype()) {
      NoGradGuard no_grad;
      for (auto& per_parameter : buffers_) {
        Tensor& b = per_parameter[i];
        b = b.to(current.backend()).to(current.dtype());
      }
    }
    held = current;
  }
}

void Optimizer::zero_grad() {
  // The current values, without refresh()'s checks: clearing gradients never fails.
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& p = sources_.empty() ? parameters_[i] : sources_[i]->value();
    if (p.defined())
      p.zero_grad_();
  }
}

void Optimizer::step() {
  refresh();
  NoGradGuard no_grad;
  const int64_t t = steps_ + 1;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor grad = parameters_[i].grad();
    if (grad.defined())
      update(i, parameters_[i], grad, t);
  }
  steps_ = t;
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out = parameters_;
  for (std::size_t i = 0; i < sources_.size(); ++i)
    out[i] = sources_[i]->value();
  return out;
}

void Optimizer::set_steps(int64_t steps) {
  if (steps < 0)
    throw ArgumentError("optimizer step count must be >= 0, got " + std::to_string(steps));
  steps_ = steps;
}

void Optimizer::set_initial_lr(double lr) {
  check_lr("optimizer initial", lr, false);
  initial_lr_ = lr;
}

std::size_t Optimizer::add_buffer(const std::string& name) {
  std::vector<Tensor> per_parameter;
  per_parameter.reserve(parameters_.size());
  for (const Tensor& p : parameters_)
    per_parameter.push_back(zeros(p.shape(), p.options()));
  buffer_names_.push_back(name);
  buffers_.push_back(std::move(per_parameter));
  return buffers_.size() - 1;
}

NamedTensors Optimizer::state() const {
  NamedTensors named;
  for (std::size_t b = 0; b < buffers_.size(); ++b) {
    for (std::size_t i = 0; i < buffers_[b].size(); ++i)
      named.emplace_back(buffer_names_[b] + "." + std::to_string(i), buffers_[b][i]);
  }
  return named;
}

void Optimizer::load_state(const NamedTensors& state) {
  const NamedTensors current = this->state();
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, value] : state) {
    if (!given.emplace(name, &value).second)
      throw ArgumentError("optimizer state names '" + name + "' twice");
  }
  // Validate everything before copying anything, so a bad checkpoint leaves
  // the optimizer as it was.
  for (const auto& [name, buffer] : current) {
    const auto found = given.find(name);
    if (found == given.end()) {
      throw ArgumentError("optimizer state is missing '" + name + "' (this optimizer has " +
                          std::to_string(current.size()) + " state tensors)");
    }
    if (!found->second->defined())
      throw ArgumentError("optimizer state '" + name + "' is an undefined tensor");
    if (found->second->shape() != buffer.shape()) {
      throw ShapeError("optimizer state '" + name + "' has shape " +
                       shape_to_string(found->second->shape()) + ", expected " +
                       shape_to_string(buffer.shape()));
    }
  }
  if (given.size() != current.size()) {
    std::set<std::string> known;
    for (const auto& entry : current)
      known.insert(entry.first);
    for (const auto& [name, value] : state) {
      if (!known.contains(name))
        throw ArgumentError("optimizer state has an unknown entry '" + name + "'");
    }
  }
  NoGradGuard no_grad;
  for (const auto& [name, buffer] : current) {
    Tensor target = buffer;
    target.copy_(given.at(name)->detach().to(buffer.backend()).to(buffer.dtype()));
  }
}

// ---- SGD ----------------------------------------------------------------------

SGD::SGD(std::vector<Tensor> parameters, double lr, SGDOptions options)
    : Optimizer(std::move(parameters)), options_(options) {
  init(lr);
}
SGD::SGD(const std::vector<Parameter*>& parameters, double lr, SGDOptions options)
    : Optimizer(parameters), options_(options) {
  init(lr);
}
SGD::SGD(const NamedParameters& parameters, double lr, SGDOptions options)
    : Optimizer(parameters), options_(options) {
  init(lr);
}

void SGD::init(double lr) {
  check_lr("SGD", lr, false);
  lr_ = lr;
  check_range("SGD", "momentum", options_.momentum, 0.0, 1.0, true);
  check_non_negative("SGD", "weight_decay", options_.weight_decay);
  if (options_.nesterov && options_.momentum <= 0.0)
    throw ArgumentError("SGD nesterov needs momentum > 0, got momentum 0");
  if (options_.momentum > 0.0)
    momentum_ = add_buffer("momentum_buffer");
}

void SGD::set_lr(double lr) {
  check_lr("SGD", lr, true);
  lr_ = lr;
}

void SGD::update(std::size_t index, Tensor& p, const Tensor& gradient, int64_t /*t*/) {
  Tensor grad = gradient;
  if (options_.weight_decay != 0.0)
    grad = grad + p * options_.weight_decay;
  if (options_.momentum == 0.0) {
    p.sub_(grad * lr_);
    return;
  }
  // v starts at zero, so the first step gives v = g exactly as PyTorch's
  // "buffer = grad" initialisation does.
  Tensor& v = buffer(momentum_, index);
  v.mul_(options_.momentum).add_(grad);
  p.sub_(options_.nesterov ? (grad + v * options_.momentum) * lr_ : v * lr_);
}

// ---- Adam / AdamW ---------------------------------------------------------------

Adam::Adam(std::vector<Tensor> parameters, double lr, AdamOptions options)
    : Adam(std::move(parameters), lr, options, false) {}
Adam::Adam(const std::vector<Parameter*>& parameters, double lr, AdamOptions options)
    : Adam(parameters, lr, options, false) {}
Adam::Adam(const NamedParameters& parameters, double lr, AdamOptions options)
    : Adam(parameters, lr, options, false) {}

Adam::Adam(std::vector<Tensor> parameters, double lr, AdamOptions options, bool decoupled)
    : Optimizer(std::move(parameters)), options_(options), decoupled_(decoupled) {
  init(lr);
}
Adam::Adam(const std::vector<Parameter*>& parameters, double lr, AdamOptions options,
           bool decoupled)
    : Optimizer(parameters), options_(options), decoupled_(decoupled) {
  init(lr);
}
Adam::Adam(const NamedParameters& parameters, double lr, AdamOptions options, bool decoupled)
    : Optimizer(parameters), options_(options), decoupled_(decoupled) {
  init(lr);
}

void Adam::init(double lr) {
  const char* who = decoupled_ ? "AdamW" : "Adam";
  check_lr(who, lr, false);
  lr_ = lr;
  check_range(who, "beta1", options_.beta1, 0.0, 1.0, true);
  check_range(who, "beta2", options_.beta2, 0.0, 1.0, true);
  if (!std::isfinite(options_.eps) || options_.eps <= 0.0)
    throw ArgumentError(std::string(who) + " eps must be finite and > 0, got " +
                        std::to_string(options_.eps));
  check_non_negative(who, "weight_decay", options_.weight_decay);
  exp_avg_ = add_buffer("exp_avg");
  exp_avg_sq_ = add_buffer("exp_avg_sq");
}

void Adam::set_lr(double lr) {
  check_lr(decoupled_ ? "AdamW" : "Adam", lr, true);
  lr_ = lr;
}

void Adam::update(std::size_t index, Tensor& p, const Tensor& gradient, int64_t t) {
  const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(t));
  const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t));
  const double step_size = lr_ / correction1;
  const double inv_sqrt_correction2 = 1.0 / std::sqrt(correction2);
  Tensor grad = gradient;
  if (options_.weight_decay != 0.0) {
    if (decoupled_)
      p.mul_(1.0 - lr_ * options_.weight_decay);
    else
      grad = grad + p * options_.weight_decay;
  }
  Tensor& m = buffer(exp_avg_, index);
  Tensor& v = buffer(exp_avg_sq_, index);
  m.mul_(options_.beta1).add_(grad * (1.0 - options_.beta1));
  v.mul_(options_.beta2).add_(grad * grad * (1.0 - options_.beta2));
  const Tensor denom = v.sqrt() * inv_sqrt_correction2 + options_.eps;
  p.sub_(m / denom * step_size);
}

AdamW::AdamW(std::vector<Tensor> parameters, double lr, AdamWOptions o)
    : Adam(std::move(parameters), lr, {o.beta1, o.beta2, o.eps, o.weight_decay}, true) {}
AdamW::AdamW(const std::vector<Parameter*>& parameters, double lr, AdamWOptions o)
    : Adam(parameters, lr, {o.beta1, o.beta2, o.eps, o.weight_decay}, true) {}
AdamW::AdamW(const NamedParameters& parameters, double lr, AdamWOptions o)
    : Adam(parameters, lr, {o.beta1, o.beta2, o.eps, o.weight_decay}, true) {}

// ---- gradient clipping ------------------------------------------------------------

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  if (!std::isfinite(max_norm) || max_norm < 0.0) {
    throw ArgumentError("clip_grad_norm_: max_norm must be finite and >= 0, got " +
                        std::to_string(max_norm));
  }
  const bool inf_norm = norm_type == kInfNorm;
  if (!inf_norm && !(std::isfinite(norm_type) && norm_type > 0.0)) {
    throw ArgumentError("clip_grad_norm_: norm_type must be > 0 or infinity (mt::kInfNorm), got " +
                        std::to_string(norm_type));
  }
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters) {
    if (p.defined() && p.grad().defined())
      grads.push_back(p.grad());
  }
  if (grads.empty())
    return 0.0;
  // Each tensor's norm on its backend (one read each), combined on the host.
  double total = 0.0;
  for (const Tensor& g : grads) {
    const Tensor a = g.abs();
    if (inf_norm) {
      total = std::max(total, a.max().item());
    } else if (norm_type == 2.0) {
      total += (a * a).sum().item();
    } else if (norm_type == 1.0) {
      total += a.sum().item();
    } else {
      // ‖g‖_p^p, summed; the p-th root is taken once at the end.
      total += a.pow(norm_type).sum().item();
    }
  }
  if (!inf_norm)
    total = norm_type == 1.0 ? total : std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total)) {
    throw ArgumentError("clip_grad_norm_: the total norm of the gradients is " +
                        std::to_string(total) +
                        " (not finite), so they cannot be clipped; pass error_if_nonfinite = "
                        "false to scale them anyway");
  }
  const double coefficient = max_norm / (total + 1e-6);
  // PyTorch multiplies by the clamped coefficient even when it is 1; skipping
  // that leaves the same values. A NaN coefficient is applied (torch does).
  if (!(coefficient >= 1.0)) {
    for (Tensor& g : grads)
      g.mul_(coefficient);
  }
  return total;
}

double clip_grad_norm_(const std::vector<Parameter*>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(values_of(parameters), max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (!std::isfinite(clip_value) || clip_value < 0.0) {
    throw ArgumentError("clip_grad_value_: clip_value must be finite and >= 0, got " +
                        std::to_string(clip_value));
  }
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined())
      continue;
    Tensor g = p.grad();
    // min(max(g, −c), c), with min(a, b) = −max(−a, −b): exact, and ±inf
    // clamp to ±c.
    const Tensor low =
        dispatch::zip(MT_ZIP_MAX, g, dispatch::scalar_like(-clip_value, g), "clip_grad_value_");
    const Tensor clamped =
        -dispatch::zip(MT_ZIP_MAX, -low, dispatch::scalar_like(-clip_value, g), "clip_grad_value_");
    g.copy_(clamped);
  }
}

void clip_grad_value_(const std::vector<Parameter*>& parameters, double clip_value) {
  clip_grad_value_(values_of(parameters), clip_value);
}

}  // namespace mt
