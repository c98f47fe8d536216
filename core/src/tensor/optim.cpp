// optim.cpp — Optimizer bookkeeping and SGD. Updates write into each
// parameter's own storage (an exactly aliased zip, which the ABI allows), so
// no graph and no new parameter tensors are made.
#include <minitorch/autograd.hpp>
#include <minitorch/optim.hpp>

#include <cmath>
#include <string>

namespace mt {

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

SGD::SGD(std::vector<Tensor> parameters, double lr) : Optimizer(std::move(parameters)), lr_(0.0) {
  set_lr(lr);
}

void SGD::set_lr(double lr) {
  if (!std::isfinite(lr) || lr <= 0.0)
    throw ArgumentError("SGD learning rate must be finite and > 0, got " + std::to_string(lr));
  lr_ = lr;
}

void SGD::step() {
  NoGradGuard no_grad;
  for (Tensor& p : parameters_) {
    const Tensor grad = p.grad();
    if (grad.defined())
      p.sub_(grad * lr_);
  }
}

}  // namespace mt
