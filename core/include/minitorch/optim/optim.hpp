// minitorch/optim/optim.hpp — optimizers over a module's parameters() / named_parameters() or
// leaf tensors: SGD (MiniTorch's, plus torch's momentum / nesterov / weight decay), Adam, AdamW,
// and gradient clipping; named state for checkpoints. No file I/O; schedules are in scheduler.hpp.
#pragma once

#include <minitorch/nn/module.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace mt {

// An optimizer's state by name, in a fixed order: per-parameter buffers named
// "<buffer>.<parameter index>" (e.g. "exp_avg.3") and the number of steps
// taken. A checkpoint writer saves both and hands them back to load_state.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// What Module::named_parameters() returns.
using NamedParameters = std::vector<std::pair<std::string, Parameter*>>;

class Optimizer {
 public:
  // Leaf tensors (handles sharing storage with the caller's). Every one must
  // be defined, a leaf, and listed once (ArgumentError otherwise).
  explicit Optimizer(std::vector<Tensor> parameters);
  // A module's parameters, borrowed: the module must outlive the optimizer.
  // The optimizer reads each Parameter's current value at every step and
  // zero_grad, so it keeps working after Parameter::update replaces a value
  // (a checkpoint load, a move to another backend): its buffers follow the
  // value's backend and dtype. A value whose shape changed is a ShapeError
  // at the next step (build a new optimizer then). Null or repeated
  // parameters are an ArgumentError.
  explicit Optimizer(const std::vector<Parameter*>& parameters);
  // The same, named by their dotted paths (used in error messages).
  explicit Optimizer(const NamedParameters& parameters);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Drops every parameter's gradient (MiniTorch and PyTorch set it to None).
  void zero_grad();
  // Updates the parameters in place from their gradients, under no_grad, and
  // counts one step. Parameters without a gradient are left alone (their
  // buffers too). Where a parameter's backend has the fused optim_step slot
  // (ABI 1.1) for its dtype, the parameters of that backend and dtype are
  // updated in one call; the others (and any parameter that is not
  // contiguous) go through the element-wise ops. Both paths round the same
  // way, so the results are bit for bit the same.
  void step();
  // false: every step takes the element-wise path (for tests and
  // benchmarks that compare the two). On by default.
  void set_fused(bool fused) { fused_ = fused; }
  bool fused() const { return fused_; }

  // The parameters' current tensors, in the order given.
  std::vector<Tensor> parameters() const;
  // Their names: the dotted paths when built from named parameters, the
  // Parameter's own name from a parameter list, "parameter <i>" for tensors.
  const std::vector<std::string>& parameter_names() const { return names_; }

  virtual double lr() const = 0;
  // Finite and >= 0 (ArgumentError otherwise). The constructors ask for > 0;
  // 0 is allowed here because a schedule (cosine to eta_min 0) may reach it.
  virtual void set_lr(double lr) = 0;
  // The rate learning-rate schedules scale (torch's param_group["initial_lr"]):
  // lr() until set_initial_lr, which the first scheduler attached calls.
  double initial_lr() const { return initial_lr_ > 0.0 ? initial_lr_ : lr(); }
  // Finite and > 0 (ArgumentError otherwise).
  void set_initial_lr(double lr);
  bool has_initial_lr() const { return initial_lr_ > 0.0; }

  // ---- state for checkpoints ----------------------------------------------
  // The live buffers (handles sharing storage, no grad), in a fixed order:
  // every parameter's entry of the first buffer, then of the next, ... Empty
  // for plain SGD. Buffers exist from construction (zeros), so the names and
  // shapes never change.
  NamedTensors state() const;
  // Copies values into the buffers. Must name exactly the buffers state()
  // lists, with their shapes (any dtype/backend: values are converted);
  // ArgumentError / ShapeError otherwise, and nothing is changed then.
  void load_state(const NamedTensors& state);
  // Steps taken so far (Adam's bias correction uses it).
  int64_t steps() const { return steps_; }
  // >= 0 (ArgumentError otherwise).
  void set_steps(int64_t steps);

 protected:
  // Registers a per-parameter buffer called `name`: one zero tensor beside
  // each parameter (same shape, dtype, backend). Returns its index for
  // buffer(). Subclass constructors call it.
  std::size_t add_buffer(const std::string& name);
  Tensor& buffer(std::size_t which, std::size_t parameter) { return buffers_[which][parameter]; }
  // One parameter's update, under no_grad: `p` is the parameter (update it in
  // place), `grad` its gradient, `t` the 1-based number of this step.
  virtual void update(std::size_t index, Tensor& p, const Tensor& grad, int64_t t) = 0;
  // The same update as the backends' optim_step slot sees it: the step's
  // coefficients and which buffers are its state0 / state1 (-1: none).
  // Returns false when this optimizer has no fused form.
  struct FusedStep {
    mt_optim_step step{};
    int state0 = -1;
    int state1 = -1;
  };
  virtual bool fused_step(int64_t /*t*/, FusedStep& /*out*/) const { return false; }

 private:
  void check_parameters() const;
  // Runs the fused step over the parameters in `with_grad` that a backend
  // can take; removes those from the list.
  void step_fused(std::vector<std::size_t>& with_grad, int64_t t);
  // Re-reads each borrowed Parameter's value (see the Parameter* constructor).
  void refresh();

  std::vector<Tensor> parameters_;
  std::vector<Parameter*> sources_;  // empty when built from tensors
  std::vector<std::string> names_;
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<Tensor>> buffers_;  // [buffer][parameter]
  int64_t steps_ = 0;
  double initial_lr_ = 0.0;  // 0: not set
  bool fused_ = true;
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
  SGD(const std::vector<Parameter*>& parameters, double lr, SGDOptions options = {});
  SGD(const NamedParameters& parameters, double lr, SGDOptions options = {});

  double lr() const override { return lr_; }
  void set_lr(double lr) override;
  const SGDOptions& options() const { return options_; }
  // State: "momentum_buffer.<i>" for every parameter when momentum > 0.

 private:
  void init(double lr);
  void update(std::size_t index, Tensor& p, const Tensor& grad, int64_t t) override;
  bool fused_step(int64_t t, FusedStep& out) const override;

  double lr_ = 0.0;
  SGDOptions options_;
  std::size_t momentum_ = 0;  // buffer index, when momentum > 0
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
// State: "exp_avg.<i>" then "exp_avg_sq.<i>" for every parameter i.
class Adam : public Optimizer {
 public:
  // lr finite and > 0; options as documented above (ArgumentError).
  explicit Adam(std::vector<Tensor> parameters, double lr = 1e-3, AdamOptions options = {});
  explicit Adam(const std::vector<Parameter*>& parameters, double lr = 1e-3,
                AdamOptions options = {});
  explicit Adam(const NamedParameters& parameters, double lr = 1e-3, AdamOptions options = {});

  double lr() const override { return lr_; }
  void set_lr(double lr) override;
  const AdamOptions& options() const { return options_; }

 protected:
  // For AdamW: `decoupled` applies weight decay to p (p ← p·(1 − lr·wd))
  // instead of adding it to the gradient.
  Adam(std::vector<Tensor> parameters, double lr, AdamOptions options, bool decoupled);
  Adam(const std::vector<Parameter*>& parameters, double lr, AdamOptions options, bool decoupled);
  Adam(const NamedParameters& parameters, double lr, AdamOptions options, bool decoupled);

 private:
  void init(double lr);
  void update(std::size_t index, Tensor& p, const Tensor& grad, int64_t t) override;
  bool fused_step(int64_t t, FusedStep& out) const override;
  // The step's coefficients, shared by both paths so they round alike.
  mt_optim_step coefficients(int64_t t) const;

  double lr_ = 0.0;
  AdamOptions options_;
  bool decoupled_ = false;
  std::size_t exp_avg_ = 0;
  std::size_t exp_avg_sq_ = 0;
};

// AdamW's defaults are PyTorch's: weight decay 1e-2 (Adam's is 0).
struct AdamWOptions {
  double beta1 = 0.9;          // in [0, 1)
  double beta2 = 0.999;        // in [0, 1)
  double eps = 1e-8;           // > 0
  double weight_decay = 1e-2;  // >= 0, decoupled: p ← p·(1 − lr·wd) before the Adam step
};

// AdamW (Loshchilov & Hutter) as in PyTorch, at step t:
//   p ← p·(1 − lr·wd);  then Adam's update with the plain gradient.
// State: as Adam's ("exp_avg.<i>", "exp_avg_sq.<i>").
class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> parameters, double lr = 1e-3, AdamWOptions options = {});
  explicit AdamW(const std::vector<Parameter*>& parameters, double lr = 1e-3,
                 AdamWOptions options = {});
  explicit AdamW(const NamedParameters& parameters, double lr = 1e-3, AdamWOptions options = {});
};

// ---- gradient clipping (torch.nn.utils) ---------------------------------------

// Scales every gradient by max_norm / (total + 1e-6) when that is below 1,
// where total is the norm_type-norm of all the gradients taken together
// (each tensor's norm, then the norm of those norms), as PyTorch does.
// norm_type is > 0 or infinity (the largest |g|); max_norm finite and >= 0
// (ArgumentError otherwise). Parameters without a gradient are skipped; with
// none, the result is 0. Returns the total norm before clipping. A total that
// is NaN or infinite is an ArgumentError when error_if_nonfinite, else the
// gradients are scaled by it as PyTorch does (they become NaN).
inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(const std::vector<Parameter*>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
// Clamps every gradient element into [−clip_value, clip_value]; clip_value
// finite and >= 0 (ArgumentError otherwise).
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const std::vector<Parameter*>& parameters, double clip_value);

}  // namespace mt
