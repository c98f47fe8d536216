// scheduler.cpp — the learning-rate schedulers' closed forms and the bookkeeping
// shared by them (epoch count, applying the rate to the optimizer). Not a place
// for optimizer updates (optim.cpp).
#include <minitorch/optim/scheduler.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace mt {

namespace {

void check_epoch(const char* who, int64_t epoch) {
  if (epoch < 0)
    throw ArgumentError(std::string(who) + ": the epoch must be >= 0, got " +
                        std::to_string(epoch));
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  if (!optimizer_.has_initial_lr())
    optimizer_.set_initial_lr(optimizer_.lr());
  base_lr_ = optimizer_.initial_lr();
  last_lr_ = optimizer_.lr();
}

void LRScheduler::start() {
  set_last_epoch(0);
}

void LRScheduler::step() {
  set_last_epoch(last_epoch_ + 1);
}

void LRScheduler::set_last_epoch(int64_t epoch) {
  check_epoch("LRScheduler::set_last_epoch", epoch);
  const double lr = lr_at(epoch);
  optimizer_.set_lr(lr);
  last_epoch_ = epoch;
  last_lr_ = lr;
}

// ---- StepLR ---------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1)
    throw ArgumentError("StepLR step_size must be >= 1, got " + std::to_string(step_size));
  if (!std::isfinite(gamma) || gamma <= 0.0)
    throw ArgumentError("StepLR gamma must be finite and > 0, got " + std::to_string(gamma));
  start();
}

double StepLR::lr_at(int64_t epoch) const {
  check_epoch("StepLR", epoch);
  return base_lr() * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

// ---- CosineAnnealingLR ----------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), t_max_(T_max), eta_min_(eta_min) {
  if (T_max < 1)
    throw ArgumentError("CosineAnnealingLR T_max must be >= 1, got " + std::to_string(T_max));
  if (!std::isfinite(eta_min) || eta_min < 0.0) {
    throw ArgumentError("CosineAnnealingLR eta_min must be finite and >= 0, got " +
                        std::to_string(eta_min));
  }
  start();
}

double CosineAnnealingLR::lr_at(int64_t epoch) const {
  check_epoch("CosineAnnealingLR", epoch);
  const double phase = static_cast<double>(epoch) / static_cast<double>(t_max_);
  return eta_min_ + (base_lr() - eta_min_) * (1.0 + std::cos(std::numbers::pi * phase)) / 2.0;
}

// ---- LinearLR -------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  if (!(start_factor > 0.0 && start_factor <= 1.0)) {
    throw ArgumentError("LinearLR start_factor must be in (0, 1], got " +
                        std::to_string(start_factor));
  }
  if (!(end_factor >= 0.0 && end_factor <= 1.0))
    throw ArgumentError("LinearLR end_factor must be in [0, 1], got " + std::to_string(end_factor));
  if (total_iters < 1)
    throw ArgumentError("LinearLR total_iters must be >= 1, got " + std::to_string(total_iters));
  start();
}

double LinearLR::lr_at(int64_t epoch) const {
  check_epoch("LinearLR", epoch);
  const double progress =
      static_cast<double>(std::min(epoch, total_iters_)) / static_cast<double>(total_iters_);
  return base_lr() * (start_factor_ + (end_factor_ - start_factor_) * progress);
}

// ---- SequentialLR ---------------------------------------------------------------

SequentialLR::SequentialLR(Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  if (schedulers_.empty())
    throw ArgumentError("SequentialLR needs at least one scheduler, got none");
  if (milestones_.size() + 1 != schedulers_.size()) {
    throw ArgumentError("SequentialLR needs one milestone fewer than schedulers: got " +
                        std::to_string(schedulers_.size()) + " schedulers and " +
                        std::to_string(milestones_.size()) + " milestones");
  }
  for (std::size_t k = 0; k < schedulers_.size(); ++k) {
    if (!schedulers_[k])
      throw ArgumentError("SequentialLR scheduler " + std::to_string(k) + " is null");
    if (&schedulers_[k]->optimizer() != &optimizer) {
      throw ArgumentError("SequentialLR scheduler " + std::to_string(k) +
                          " belongs to another optimizer; all must share this one");
    }
  }
  for (std::size_t k = 0; k < milestones_.size(); ++k) {
    const int64_t low = k == 0 ? 1 : milestones_[k - 1] + 1;
    if (milestones_[k] < low) {
      throw ArgumentError(
          "SequentialLR milestones must be >= 1 and strictly increasing; "
          "milestone " +
          std::to_string(k) + " is " + std::to_string(milestones_[k]));
    }
  }
  start();
}

double SequentialLR::lr_at(int64_t epoch) const {
  check_epoch("SequentialLR", epoch);
  const auto part = static_cast<std::size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
  const int64_t offset = part == 0 ? 0 : milestones_[part - 1];
  return schedulers_[part]->lr_at(epoch - offset);
}

}  // namespace mt
