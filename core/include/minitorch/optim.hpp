// minitorch/optim.hpp — optimizers over a list of parameter tensors (leaves
// that require grad). The base class owns the list and zero_grad; each
// optimizer supplies step(). SGD is MiniTorch's; momentum and Adam belong in
// subclasses with their own state, not here.
#pragma once

#include <minitorch/tensor.hpp>

#include <vector>

namespace mt {

class Optimizer {
 public:
  // Every parameter must be a defined leaf (ArgumentError otherwise).
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;

  // Drops every parameter's gradient (MiniTorch and PyTorch set it to None).
  void zero_grad();
  // Updates the parameters in place from their gradients, under no_grad.
  // Parameters without a gradient are left alone.
  virtual void step() = 0;

  const std::vector<Tensor>& parameters() const { return parameters_; }

 protected:
  std::vector<Tensor> parameters_;
};

// Plain stochastic gradient descent: p ← p − lr · grad.
class SGD : public Optimizer {
 public:
  // lr must be finite and > 0 (ArgumentError otherwise).
  SGD(std::vector<Tensor> parameters, double lr);
  void step() override;

  double lr() const { return lr_; }
  void set_lr(double lr);

 private:
  double lr_;
};

}  // namespace mt
