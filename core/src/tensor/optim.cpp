// optim.cpp — Optimizer bookkeeping, SGD (with momentum) and Adam. Updates
// write into each parameter's own storage and buffers (exactly aliased zips,
// which the ABI allows), so no graph and no new parameter tensors are made.
// Not a place for learning-rate schedules.
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/autograd.hpp>

#include <cmath>
#include <map>
#include <string>

namespace mt {

namespace {

void check_lr(const char* who, double lr) {
  if (!std::isfinite(lr) || lr <= 0.0) {
    throw ArgumentError(std::string(who) + " learning rate must be finite and > 0, got " +
                        std::to_string(lr));
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

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (!parameters_[i].defined())
      throw ArgumentError("optimizer parameter " + std::to_string(i) + " is undefined");
    if (!parameters_[i].is_leaf()) {
      throw ArgumentError("optimizer parameter " + std::to_string(i) +
                          " is not a leaf (it was computed); pass the tensors you created");
    }
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : parameters_)
    p.zero_grad_();
}

void Optimizer::set_steps(int64_t steps) {
  if (steps < 0)
    throw ArgumentError("optimizer step count must be >= 0, got " + std::to_string(steps));
  steps_ = steps;
}

std::vector<Tensor> Optimizer::zeros_like_parameters() const {
  std::vector<Tensor> buffers;
  buffers.reserve(parameters_.size());
  for (const Tensor& p : parameters_)
    buffers.push_back(zeros(p.shape(), p.options()));
  return buffers;
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
    for (const auto& [name, value] : state) {
      bool known = false;
      for (const auto& entry : current)
        known = known || entry.first == name;
      if (!known)
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
    : Optimizer(std::move(parameters)), lr_(0.0), options_(options) {
  set_lr(lr);
  check_range("SGD", "momentum", options_.momentum, 0.0, 1.0, true);
  if (!std::isfinite(options_.weight_decay) || options_.weight_decay < 0.0) {
    throw ArgumentError("SGD weight_decay must be finite and >= 0, got " +
                        std::to_string(options_.weight_decay));
  }
  if (options_.nesterov && options_.momentum <= 0.0)
    throw ArgumentError("SGD nesterov needs momentum > 0, got momentum 0");
  if (options_.momentum > 0.0)
    momentum_buffers_ = zeros_like_parameters();
}

void SGD::set_lr(double lr) {
  check_lr("SGD", lr);
  lr_ = lr;
}

void SGD::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& p = parameters_[i];
    Tensor grad = p.grad();
    if (!grad.defined())
      continue;
    if (options_.weight_decay != 0.0)
      grad = grad + p * options_.weight_decay;
    if (options_.momentum == 0.0) {
      p.sub_(grad * lr_);
      continue;
    }
    // v starts at zero, so the first step gives v = g exactly as PyTorch's
    // "buffer = grad" initialisation does.
    Tensor& v = momentum_buffers_[i];
    v.mul_(options_.momentum).add_(grad);
    p.sub_(options_.nesterov ? (grad + v * options_.momentum) * lr_ : v * lr_);
  }
  ++steps_;
}

NamedTensors SGD::state() const {
  NamedTensors named;
  for (std::size_t i = 0; i < momentum_buffers_.size(); ++i)
    named.emplace_back("momentum_buffer." + std::to_string(i), momentum_buffers_[i]);
  return named;
}

// ---- Adam ---------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> parameters, double lr, AdamOptions options)
    : Optimizer(std::move(parameters)), lr_(0.0), options_(options) {
  set_lr(lr);
  check_range("Adam", "beta1", options_.beta1, 0.0, 1.0, true);
  check_range("Adam", "beta2", options_.beta2, 0.0, 1.0, true);
  if (!std::isfinite(options_.eps) || options_.eps <= 0.0)
    throw ArgumentError("Adam eps must be finite and > 0, got " + std::to_string(options_.eps));
  if (!std::isfinite(options_.weight_decay) || options_.weight_decay < 0.0) {
    throw ArgumentError("Adam weight_decay must be finite and >= 0, got " +
                        std::to_string(options_.weight_decay));
  }
  exp_avg_ = zeros_like_parameters();
  exp_avg_sq_ = zeros_like_parameters();
}

void Adam::set_lr(double lr) {
  check_lr("Adam", lr);
  lr_ = lr;
}

void Adam::step() {
  NoGradGuard no_grad;
  const int64_t t = steps_ + 1;
  const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(t));
  const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t));
  const double step_size = lr_ / correction1;
  const double inv_sqrt_correction2 = 1.0 / std::sqrt(correction2);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& p = parameters_[i];
    Tensor grad = p.grad();
    if (!grad.defined())
      continue;
    if (options_.weight_decay != 0.0)
      grad = grad + p * options_.weight_decay;
    exp_avg_[i].mul_(options_.beta1).add_(grad * (1.0 - options_.beta1));
    exp_avg_sq_[i].mul_(options_.beta2).add_(grad * grad * (1.0 - options_.beta2));
    const Tensor denom = exp_avg_sq_[i].sqrt() * inv_sqrt_correction2 + options_.eps;
    p.sub_(exp_avg_[i] / denom * step_size);
  }
  steps_ = t;
}

NamedTensors Adam::state() const {
  NamedTensors named;
  for (std::size_t i = 0; i < exp_avg_.size(); ++i)
    named.emplace_back("exp_avg." + std::to_string(i), exp_avg_[i]);
  for (std::size_t i = 0; i < exp_avg_sq_.size(); ++i)
    named.emplace_back("exp_avg_sq." + std::to_string(i), exp_avg_sq_[i]);
  return named;
}

}  // namespace mt
