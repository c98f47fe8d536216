// scalar_optim.cpp — ScalarSGD: argument checks, zero_grad and the update step.
// Nothing else: momentum and the tensor optimizers are not here.
#include <minitorch/teaching/scalar_optim.hpp>

#include <cmath>
#include <string>

namespace mt {

ScalarSGD::ScalarSGD(std::vector<ScalarParameter*> parameters, double lr)
    : parameters_(std::move(parameters)), lr_(lr) {
  if (!std::isfinite(lr) || lr <= 0.0) {
    throw ArgumentError("ScalarSGD: learning rate must be finite and > 0, got " +
                        std::to_string(lr));
  }
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i] == nullptr) {
      throw ArgumentError("ScalarSGD: parameter " + std::to_string(i) + " of " +
                          std::to_string(parameters_.size()) + " is null");
    }
  }
}

void ScalarSGD::zero_grad() {
  for (ScalarParameter* p : parameters_) {
    p->value().zero_grad_();
  }
}

void ScalarSGD::step() {
  for (ScalarParameter* p : parameters_) {
    if (const auto d = p->value().derivative()) {
      // A new leaf rather than an in-place edit: graphs built from the old value stay
      // consistent, and the new value starts with no derivative (MiniTorch semantics).
      p->update(Scalar(p->value().data() - lr_ * *d));
    }
  }
}

}  // namespace mt
