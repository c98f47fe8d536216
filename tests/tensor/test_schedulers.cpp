// test_schedulers.cpp — StepLR, CosineAnnealingLR, LinearLR and SequentialLR against torch's
// closed forms evaluated here and values worked out by hand; the rate reaching the optimizer's
// step; resuming from last_epoch; argument errors. Not a test of the optimizers themselves.
#include <boost/test/unit_test.hpp>
#include <minitorch/optim/scheduler.hpp>

#include "tensor_strategies.hpp"

#include <cmath>
#include <numbers>

using namespace mt;
using namespace mt::test;

namespace {

constexpr double kPi = std::numbers::pi;

// The rates `scheduler` sets at epochs 0 .. epochs−1 (the constructor's, then each step's),
// checking that the optimizer got the same value.
std::vector<double> rates(LRScheduler& scheduler, int epochs) {
  std::vector<double> out{scheduler.get_last_lr()};
  BOOST_TEST(scheduler.optimizer().lr() == scheduler.get_last_lr());
  for (int e = 1; e < epochs; ++e) {
    scheduler.step();
    BOOST_TEST(scheduler.last_epoch() == e);
    BOOST_TEST(scheduler.optimizer().lr() == scheduler.get_last_lr());
    out.push_back(scheduler.get_last_lr());
  }
  return out;
}

void check_rates(const std::vector<double>& got, const std::vector<double>& want) {
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t e = 0; e < got.size(); ++e) {
    BOOST_TEST_CONTEXT("epoch " << e) {
      BOOST_TEST(got[e] == want[e], boost::test_tools::tolerance(1e-13));
    }
  }
}

}  // namespace

MT_BACKEND_TEST(test_schedulers, step_lr) {
  const Tensor p = zeros({2}, f64(true));
  SGD sgd({p}, 0.5);
  StepLR schedule(sgd, 3, 0.1);
  BOOST_TEST(schedule.base_lr() == 0.5);
  std::vector<double> want;
  for (int e = 0; e < 10; ++e)
    want.push_back(0.5 * std::pow(0.1, e / 3));
  check_rates(rates(schedule, 10), want);
  // By hand: epochs 3..5 run at 0.05, epochs 9.. at 0.0005.
  BOOST_TEST(schedule.lr_at(4) == 0.05, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(9) == 0.0005, boost::test_tools::tolerance(1e-15));
}

MT_BACKEND_TEST(test_schedulers, cosine_annealing_lr) {
  const Tensor p = zeros({2}, f64(true));
  Adam adam({p}, 0.1);
  CosineAnnealingLR schedule(adam, 10, 0.01);
  std::vector<double> want;
  for (int e = 0; e < 25; ++e)
    want.push_back(0.01 + (0.1 - 0.01) * (1 + std::cos(kPi * e / 10.0)) / 2);
  check_rates(rates(schedule, 25), want);
  // By hand: the start, the middle, the floor at T_max, and back up (torch's closed form).
  BOOST_TEST(schedule.lr_at(0) == 0.1);
  BOOST_TEST(schedule.lr_at(5) == 0.055, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(10) == 0.01, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(20) == 0.1, boost::test_tools::tolerance(1e-15));
  // To eta_min 0: the optimizer accepts a rate of exactly 0.
  SGD sgd({p}, 1.0);
  CosineAnnealingLR to_zero(sgd, 4);
  BOOST_TEST(to_zero.lr_at(1) == 0.5 + 0.5 * std::cos(kPi / 4),
             boost::test_tools::tolerance(1e-15));
  to_zero.set_last_epoch(4);
  BOOST_TEST(sgd.lr() == 0.0);
}

MT_BACKEND_TEST(test_schedulers, linear_lr_warm_up) {
  const Tensor p = zeros({2}, f64(true));
  SGD sgd({p}, 0.3);
  LinearLR schedule(sgd);  // torch's defaults: 1/3 → 1 over 5 steps
  std::vector<double> want;
  for (int e = 0; e < 8; ++e)
    want.push_back(0.3 * (1.0 / 3 + (1 - 1.0 / 3) * std::min(e, 5) / 5.0));
  check_rates(rates(schedule, 8), want);
  // By hand: 0.1 at first, 0.14 after one step, 0.3 from step 5 on.
  BOOST_TEST(schedule.lr_at(0) == 0.1, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(1) == 0.14, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(5) == 0.3, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(100) == 0.3, boost::test_tools::tolerance(1e-15));
  // Decay works too: 1 → 0.5 over 2 steps.
  SGD other({p}, 2.0);
  LinearLR decay(other, 1.0, 0.5, 2);
  check_rates(rates(decay, 4), {2.0, 1.5, 1.0, 1.0});
}

// Warm-up 0.1 → 1 over 4 steps, then cosine over 6: each part from its own epoch 0.
MT_BACKEND_TEST(test_schedulers, sequential_warm_up_then_cosine) {
  Tensor p = tensor({0.0}, f64(true));
  SGD sgd({p}, 1.0);
  auto warm = std::make_shared<LinearLR>(sgd, 0.1, 1.0, 4);
  auto cosine = std::make_shared<CosineAnnealingLR>(sgd, 6);
  BOOST_TEST(cosine->base_lr() == 1.0);  // not the rate warm-up had just set
  SequentialLR schedule(sgd, {warm, cosine}, {4});
  std::vector<double> want{0.1, 0.325, 0.55, 0.775};
  for (int e = 0; e <= 6; ++e)
    want.push_back((1 + std::cos(kPi * e / 6.0)) / 2);
  check_rates(rates(schedule, 11), want);
  BOOST_TEST(schedule.lr_at(5) == 0.5 + 0.5 * std::cos(kPi / 6),
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(schedule.lr_at(10) == 0.0, boost::test_tools::tolerance(1e-15));

  // The rate reaches the step: p ← p − lr·1 with lr = 0.1, 0.325.
  schedule.set_last_epoch(0);
  for (int step = 0; step < 2; ++step) {
    sgd.zero_grad();
    p.sum().backward();
    sgd.step();
    schedule.step();
  }
  BOOST_TEST(p.item() == -0.425, boost::test_tools::tolerance(1e-15));

  // Three parts, two milestones.
  SGD three({p}, 1.0);
  SequentialLR chained(
      three,
      {std::make_shared<LinearLR>(three, 0.5, 1.0, 2), std::make_shared<StepLR>(three, 1, 0.5),
       std::make_shared<CosineAnnealingLR>(three, 2, 0.25)},
      {2, 4});
  check_rates(rates(chained, 7), {0.5, 0.75, 1.0, 0.5, 1.0, 0.625, 0.25});
}

// Resuming: a new optimizer and scheduler set to the saved last_epoch continue exactly.
MT_BACKEND_TEST(test_schedulers, resume_from_last_epoch) {
  const Tensor p = zeros({2}, f64(true));
  SGD first({p}, 0.2);
  StepLR a(first, 2, 0.5);
  for (int e = 0; e < 7; ++e)
    a.step();
  SGD second({p}, 0.2);
  StepLR b(second, 2, 0.5);
  b.set_last_epoch(a.last_epoch());
  BOOST_TEST(b.last_epoch() == 7);
  BOOST_TEST(second.lr() == first.lr());
  BOOST_TEST(b.get_last_lr() == 0.2 * 0.125, boost::test_tools::tolerance(1e-15));
  a.step();
  b.step();
  BOOST_TEST(second.lr() == first.lr());
  BOOST_CHECK_THROW(b.set_last_epoch(-1), ArgumentError);
  BOOST_CHECK_THROW((void)b.lr_at(-3), ArgumentError);
}

MT_BACKEND_TEST(test_schedulers, argument_errors) {
  const Tensor p = zeros({2}, f64(true));
  SGD sgd({p}, 0.1);
  BOOST_CHECK_THROW(StepLR(sgd, 0), ArgumentError);
  BOOST_CHECK_THROW(StepLR(sgd, 2, 0.0), ArgumentError);
  BOOST_CHECK_THROW(StepLR(sgd, 2, std::nan("")), ArgumentError);
  BOOST_CHECK_THROW(CosineAnnealingLR(sgd, 0), ArgumentError);
  BOOST_CHECK_THROW(CosineAnnealingLR(sgd, 5, -1e-3), ArgumentError);
  BOOST_CHECK_THROW(LinearLR(sgd, 0.0), ArgumentError);
  BOOST_CHECK_THROW(LinearLR(sgd, 1.5), ArgumentError);
  BOOST_CHECK_THROW(LinearLR(sgd, 0.5, 1.5), ArgumentError);
  BOOST_CHECK_THROW(LinearLR(sgd, 0.5, 1.0, 0), ArgumentError);
  auto one = std::make_shared<StepLR>(sgd, 2);
  auto two = std::make_shared<StepLR>(sgd, 3);
  BOOST_CHECK_THROW(SequentialLR(sgd, {}, {}), ArgumentError);
  BOOST_CHECK_THROW(SequentialLR(sgd, {one, two}, {}), ArgumentError);
  BOOST_CHECK_THROW(SequentialLR(sgd, {one, two}, {0}), ArgumentError);
  BOOST_CHECK_THROW(SequentialLR(sgd, {one, two, one}, {3, 3}), ArgumentError);
  BOOST_CHECK_THROW(SequentialLR(sgd, {one, nullptr}, {3}), ArgumentError);
  SGD other({p}, 0.1);
  auto elsewhere = std::make_shared<StepLR>(other, 2);
  BOOST_CHECK_THROW(SequentialLR(sgd, {one, elsewhere}, {3}), ArgumentError);
  try {
    StepLR bad(sgd, -4);
  } catch (const ArgumentError& e) {
    BOOST_TEST(std::string(e.what()) == "StepLR step_size must be >= 1, got -4");
  }
}
