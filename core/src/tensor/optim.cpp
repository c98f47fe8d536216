// optim.cpp — Optimizer bookkeeping (tensors or borrowed Parameters, named buffers), SGD, Adam /
// AdamW and gradient clipping. Updates write into each parameter's own storage: one fused
// optim_step call per (backend, dtype) where the backend has the slot, else exactly aliased
// element-wise zips (which round alike). No graph, no new parameter tensors. Not a place for
// schedules.
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <unordered_set>

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
  std::vector<std::size_t> with_grad;
  with_grad.reserve(parameters_.size());
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i].grad().defined())
      with_grad.push_back(i);
  }
  if (fused_)
    step_fused(with_grad, t);
  for (const std::size_t i : with_grad)
    update(i, parameters_[i], parameters_[i].grad(), t);
  steps_ = t;
}

void Optimizer::step_fused(std::vector<std::size_t>& with_grad, int64_t t) {
  FusedStep fused;
  if (with_grad.empty() || !fused_step(t, fused))
    return;
  // Groups of one backend and dtype whose backend has the slot, in order of
  // first appearance; the rest stay in `with_grad` for the element-wise path.
  struct Group {
    Backend* backend;
    DType dtype;
    std::vector<std::size_t> members;
  };
  std::vector<Group> groups;
  std::vector<std::size_t> rest;
  const auto kind = static_cast<mt_optim_kind>(fused.step.kind);
  for (const std::size_t i : with_grad) {
    const Tensor& p = parameters_[i];
    Backend* backend = p.backend().get();
    if (!p.is_contiguous() || !backend->has_optim_step(kind, p.dtype())) {
      rest.push_back(i);
      continue;
    }
    auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.backend == backend && g.dtype == p.dtype();
    });
    if (group == groups.end()) {
      groups.push_back({backend, p.dtype(), {}});
      group = groups.end() - 1;
    }
    group->members.push_back(i);
  }
  for (Group& group : groups) {
    const std::size_t n = group.members.size();
    std::vector<mt_view> params, grads, state0, state1;
    params.reserve(n);
    grads.reserve(n);
    state0.reserve(fused.state0 >= 0 ? n : 0);
    state1.reserve(fused.state1 >= 0 ? n : 0);
    std::vector<Tensor> keep_alive;  // contiguous copies of strided gradients
    std::vector<const Storage*> read;
    read.reserve(n);
    std::unordered_set<const Storage*> written;
    written.reserve(3 * n);
    bool disjoint = true;
    for (const std::size_t i : group.members) {
      const Tensor& p = parameters_[i];
      Tensor grad = p.grad();
      if (grad.backend() != p.backend() || grad.dtype() != p.dtype() || grad.shape() != p.shape()) {
        disjoint = false;  // let the element-wise path report it
        break;
      }
      if (!grad.is_contiguous()) {
        grad = grad.contiguous();
        keep_alive.push_back(grad);
      }
      params.push_back(p.view_desc());
      grads.push_back(grad.view_desc());
      read.push_back(grad.storage().get());
      disjoint = disjoint && written.insert(p.storage().get()).second;
      if (fused.state0 >= 0) {
        const Tensor& b = buffer(static_cast<std::size_t>(fused.state0), i);
        state0.push_back(b.view_desc());
        disjoint = disjoint && b.is_contiguous() && written.insert(b.storage().get()).second;
      }
      if (fused.state1 >= 0) {
        const Tensor& b = buffer(static_cast<std::size_t>(fused.state1), i);
        state1.push_back(b.view_desc());
        disjoint = disjoint && b.is_contiguous() && written.insert(b.storage().get()).second;
      }
    }
    // The slot wants no written view to share memory with another view: a
    // parameter sharing storage with another (or with a gradient) keeps the
    // element-wise path, which updates one parameter after the other.
    for (std::size_t k = 0; disjoint && k < read.size(); ++k)
      disjoint = !written.contains(read[k]);
    if (!disjoint) {
      rest.insert(rest.end(), group.members.begin(), group.members.end());
      continue;
    }
    group.backend->optim_step(fused.step, static_cast<int32_t>(params.size()), params.data(),
                              grads.data(), state0.empty() ? nullptr : state0.data(),
                              state1.empty() ? nullptr : state1.data());
  }
  // The element-wise path keeps the parameters' order.
  std::sort(rest.begin(), rest.end());
  with_grad = std::move(rest);
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

bool SGD::fused_step(int64_t t, FusedStep& out) const {
  out.step.kind = MT_OPTIM_SGD;
  out.step.nesterov = options_.nesterov ? 1 : 0;
  out.step.step = t;
  out.step.lr = lr_;
  out.step.weight_decay = options_.weight_decay;
  out.step.momentum = options_.momentum;
  out.state0 = options_.momentum > 0.0 ? static_cast<int>(momentum_) : -1;
  return true;
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

mt_optim_step Adam::coefficients(int64_t t) const {
  mt_optim_step s{};
  s.kind = decoupled_ ? MT_OPTIM_ADAMW : MT_OPTIM_ADAM;
  s.step = t;
  s.lr = lr_;
  s.weight_decay = options_.weight_decay;
  s.decay = 1.0 - lr_ * options_.weight_decay;
  s.beta1 = options_.beta1;
  s.one_minus_beta1 = 1.0 - options_.beta1;
  s.beta2 = options_.beta2;
  s.one_minus_beta2 = 1.0 - options_.beta2;
  s.eps = options_.eps;
  s.step_size = lr_ / (1.0 - std::pow(options_.beta1, static_cast<double>(t)));
  s.inv_sqrt_bias_correction2 =
      1.0 / std::sqrt(1.0 - std::pow(options_.beta2, static_cast<double>(t)));
  return s;
}

bool Adam::fused_step(int64_t t, FusedStep& out) const {
  out.step = coefficients(t);
  out.state0 = static_cast<int>(exp_avg_);
  out.state1 = static_cast<int>(exp_avg_sq_);
  return true;
}

// The element-wise form of the optim_step formula (plugin_abi.h): the same
// operations in the same order, each one rounded to the dtype.
void Adam::update(std::size_t index, Tensor& p, const Tensor& gradient, int64_t t) {
  const mt_optim_step s = coefficients(t);
  Tensor grad = gradient;
  if (s.weight_decay != 0.0) {
    if (decoupled_)
      p.mul_(s.decay);
    else
      grad = grad + p * s.weight_decay;
  }
  Tensor& m = buffer(exp_avg_, index);
  Tensor& v = buffer(exp_avg_sq_, index);
  m.mul_(s.beta1).add_(grad * s.one_minus_beta1);
  v.mul_(s.beta2).add_(grad * grad * s.one_minus_beta2);
  const Tensor denom = v.sqrt() * s.inv_sqrt_bias_correction2 + s.eps;
  p.sub_(m / denom * s.step_size);
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
