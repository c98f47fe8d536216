// minitorch/teaching/scalar_optim.hpp — stochastic gradient descent over Scalar parameters
// (MiniTorch's SGD, Scalar branch). Not the tensor optimizers: those are in optim.hpp.
#pragma once

#include <minitorch/nn/module.hpp>
#include <minitorch/teaching/scalar.hpp>

#include <vector>

namespace mt {

class ScalarSGD {
 public:
  // The parameters are borrowed: they must outlive the optimizer (they belong to a module).
  // lr must be finite and > 0.
  explicit ScalarSGD(std::vector<ScalarParameter*> parameters, double lr = 1.0);

  // Forgets every parameter's derivative.
  void zero_grad();
  // Replaces each parameter that has a derivative d with a fresh leaf holding
  // value - lr * d (whose derivative is unset). Parameters without a derivative are kept.
  void step();

  double lr() const { return lr_; }
  const std::vector<ScalarParameter*>& parameters() const { return parameters_; }

 private:
  std::vector<ScalarParameter*> parameters_;
  double lr_;
};

}  // namespace mt
