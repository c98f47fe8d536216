// minitorch/optim/optim.hpp — optimizers over a list of parameter tensors (leaves
// that require grad): SGD (MiniTorch's, plus PyTorch's momentum / nesterov /
// weight decay) and Adam. Each exposes its state by name for checkpoints;
// this header does not read or write files, and has no schedulers.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mt {

// An optimizer's state by name, in a fixed order: per-parameter buffers named
// "<buffer>.<parameter index>" (e.g. "exp_avg.3") and the number of steps
// taken. A checkpoint writer saves both and hands them back to load_state.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  // Every parameter must be a defined leaf (ArgumentError otherwise).
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;

  // Drops every parameter's gradient (MiniTorch and PyTorch set it to None).
  void zero_grad();
  // Updates the parameters in place from their gradients, under no_grad, and
  // counts one step. Parameters without a gradient are left alone (their
  // buffers too).
  virtual void step() = 0;

  const std::vector<Tensor>& parameters() const { return parameters_; }

  virtual double lr() const = 0;
  // Finite and > 0 (ArgumentError otherwise).
  virtual void set_lr(double lr) = 0;

  // ---- state for checkpoints ----------------------------------------------
  // The live buffers (handles sharing storage, no grad), in a fixed order.
  // Empty for plain SGD. Buffers exist from construction (zeros), so the
  // names and shapes never change.
  virtual NamedTensors state() const { return {}; }
  // Copies values into the buffers. Must name exactly the buffers state()
  // lists, with their shapes (any dtype/backend: values are converted);
  // ArgumentError / ShapeError otherwise, and nothing is changed then.
  virtual void load_state(const NamedTensors& state);
  // Steps taken so far (Adam's bias correction uses it).
  int64_t steps() const { return steps_; }
  // >= 0 (ArgumentError otherwise).
  void set_steps(int64_t steps);

 protected:
  // One zero tensor per parameter, beside it (same shape, dtype, backend).
  std::vector<Tensor> zeros_like_parameters() const;

  std::vector<Tensor> parameters_;
  int64_t steps_ = 0;
};

struct SGDOptions {
  double momentum = 0.0;      // μ in [0, 1); 0 disables the buffer
  double weight_decay = 0.0;  // >= 0: g ← g + wd·p
  bool nesterov = false;      // needs momentum > 0
};

// Stochastic gradient descent with PyTorch's momentum (no dampening):
//   g ← grad + wd·p;  v ← μ·v + g;  p ← p − lr·(nesterov ? g + μ·v : v).
// With the default options this is MiniTorch's p ← p − lr·grad.
class SGD : public Optimizer {
 public:
  // lr must be finite and > 0; options as documented above (ArgumentError).
  SGD(std::vector<Tensor> parameters, double lr, SGDOptions options = {});
  void step() override;

  double lr() const override { return lr_; }
  void set_lr(double lr) override;
  const SGDOptions& options() const { return options_; }

  // "momentum_buffer.<i>" for every parameter when momentum > 0.
  NamedTensors state() const override;

 private:
  double lr_;
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_;  // empty when momentum == 0
};

struct AdamOptions {
  double beta1 = 0.9;         // in [0, 1)
  double beta2 = 0.999;       // in [0, 1)
  double eps = 1e-8;          // > 0
  double weight_decay = 0.0;  // >= 0, L2 added to the gradient (not AdamW)
};

// Adam as in PyTorch (Kingma & Ba with bias correction), at step t:
//   g ← grad + wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
//   p ← p − lr/(1−β1^t) · m / (√v / √(1−β2^t) + eps).
// One step counter for all parameters (PyTorch keeps one per parameter; they
// differ only for a parameter that had no gradient at some step).
class Adam : public Optimizer {
 public:
  // lr finite and > 0; options as documented above (ArgumentError).
  explicit Adam(std::vector<Tensor> parameters, double lr = 1e-3, AdamOptions options = {});
  void step() override;

  double lr() const override { return lr_; }
  void set_lr(double lr) override;
  const AdamOptions& options() const { return options_; }

  // "exp_avg.<i>" then "exp_avg_sq.<i>" for every parameter i.
  NamedTensors state() const override;

 private:
  double lr_;
  AdamOptions options_;
  std::vector<Tensor> exp_avg_;
  std::vector<Tensor> exp_avg_sq_;
};

}  // namespace mt
