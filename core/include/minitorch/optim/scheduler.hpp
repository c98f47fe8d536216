// minitorch/optim/scheduler.hpp — learning-rate schedulers as in torch.optim.lr_scheduler (StepLR,
// CosineAnnealingLR, LinearLR warm-up, SequentialLR), each a closed form of the epoch count, so a
// checkpoint needs only last_epoch. Not a training loop: the caller decides what step() means.
#pragma once

#include <minitorch/optim/optim.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace mt {

// A schedule over one optimizer (borrowed: it must outlive the scheduler). As in torch,
// making a scheduler applies epoch 0's rate at once; every step() advances last_epoch by
// one and sets the optimizer's rate to the schedule's value there. The rates are relative
// to the optimizer's initial_lr(): its rate when the first scheduler was attached, so
// several schedulers on one optimizer (SequentialLR's parts) share one base.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // last_epoch ← last_epoch + 1, then sets the optimizer's rate.
  void step();
  // The rate the last step (or the constructor) set: torch's get_last_lr()[0].
  double get_last_lr() const { return last_lr_; }
  // The epoch count: 0 after construction, +1 per step().
  int64_t last_epoch() const { return last_epoch_; }
  // The rate the schedule scales (the optimizer's initial_lr()).
  double base_lr() const { return base_lr_; }
  // The schedule's value at `epoch` (>= 0), from its closed form.
  virtual double lr_at(int64_t epoch) const = 0;
  Optimizer& optimizer() const { return optimizer_; }

  // ---- state for checkpoints ----------------------------------------------------
  // Jumps to `epoch` (>= 0, ArgumentError otherwise) and sets the optimizer's rate
  // to the value there, as if step() had been called that many times.
  void set_last_epoch(int64_t epoch);

 protected:
  // Derived constructors call this last: applies epoch 0's rate (lr_at is virtual).
  void start();

 private:
  Optimizer& optimizer_;
  double base_lr_;
  int64_t last_epoch_ = 0;
  double last_lr_;
};

// lr = base · gamma^⌊epoch / step_size⌋. step_size >= 1; gamma finite and > 0.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base − eta_min)·(1 + cos(π·epoch / T_max)) / 2 — torch's closed form,
// which keeps following the cosine past T_max. T_max >= 1; eta_min finite and >= 0.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  double lr_at(int64_t epoch) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// lr = base · (start + (end − start)·min(epoch, total_iters) / total_iters): a linear
// warm-up from start_factor to end_factor over total_iters steps, then constant.
// torch's ranges: start_factor in (0, 1], end_factor in [0, 1], total_iters >= 1.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3.0, double end_factor = 1.0,
           int64_t total_iters = 5);
  double lr_at(int64_t epoch) const override;

 private:
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

// Runs schedulers one after another: schedulers[k] from epoch milestones[k − 1] on, at its
// own epoch e − milestones[k − 1] (so each part starts from its epoch 0, as torch's
// SequentialLR restarts it). Warm-up then cosine over `total` epochs:
//   auto warm = std::make_shared<LinearLR>(opt, 0.1, 1.0, 5);
//   auto cosine = std::make_shared<CosineAnnealingLR>(opt, total - 5);
//   SequentialLR schedule(opt, {warm, cosine}, {5});
// Needs one more scheduler than milestones, all on `optimizer`, milestones >= 1 and
// strictly increasing (ArgumentError otherwise). The parts are only read; step() this one.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  double lr_at(int64_t epoch) const override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace mt
