// test_train2d.cpp — the 2-D MLP recipe (mt::train_mlp2d_recipe) on the reference
// backend with fixed seeds: simple reaches 50/50 and xor >= 45/50; a run
// resumed from a checkpoint (written at an epoch's end, or mid-epoch where
// an interrupt stopped it) ends with exactly the parameters of a run that
// was never interrupted; --save-every writes when it says.
#include <boost/test/unit_test.hpp>
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/interrupt.hpp>
#include <minitorch/apps/train2d.hpp>

#include "train_testing.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace mt;
using namespace mt::test;

namespace {

RecipeConfig config_for(const std::string& dataset, int epochs) {
  RecipeConfig c;
  c.dataset = dataset;
  c.points = 50;
  c.hidden = 10;
  c.optimizer = "sgd";
  c.lr = 0.5;
  c.momentum = 0.0;
  c.batch = 10;
  c.epochs = epochs;
  c.seed = 42;
  c.backend = reference();
  return c;
}

RecipeResult train(const RecipeConfig& c, const RecipeCallbacks& callbacks = {}) {
  return train_mlp2d_recipe(make_dataset(c.dataset, static_cast<int>(c.points), c.seed), c,
                            callbacks);
}

// The best count over every epoch (mini-batch SGD wobbles by a point or two
// from epoch to epoch, so "reaches" means at some epoch).
int64_t best_correct(const RecipeConfig& config) {
  int64_t best = 0;
  RecipeCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochReport& r) { best = std::max(best, r.test_correct); };
  train(config, callbacks);
  return best;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train2d)

// The evaluation reports its progress batch by batch (the CLI's bar shows it), covering the
// evaluation set once per epoch, with the running mean loss ending at the epoch's test loss.
BOOST_AUTO_TEST_CASE(evaluation_reports_progress_per_batch) {
  RecipeConfig c = config_for("xor", 3);
  c.points = 600;
  c.eval_batch = 256;  // 600 points: batches of 256, 256 and 88
  std::vector<BatchUpdate> seen;
  std::vector<double> test_losses;
  RecipeCallbacks look;
  look.on_eval_batch = [&](const BatchUpdate& u) { seen.push_back(u); };
  look.on_epoch = [&](const EpochReport& r) { test_losses.push_back(r.test_loss); };
  train(c, look);
  BOOST_REQUIRE(seen.size() == 9u);
  BOOST_REQUIRE(test_losses.size() == 3u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    BOOST_TEST(seen[i].epoch == static_cast<int>(i / 3 + 1));
    BOOST_TEST(seen[i].total == 600);
    BOOST_TEST(seen[i].done == (std::vector<int64_t>{256, 512, 600})[i % 3]);
  }
  for (std::size_t e = 0; e < 3; ++e)
    BOOST_TEST(seen[3 * e + 2].mean_loss == test_losses[e], boost::test_tools::tolerance(1e-12));
}

// Measured with these seeds: simple first hits 50/50 at epoch 30 and xor
// 45/50 at epoch 90; the budgets leave room for small numeric differences.
BOOST_AUTO_TEST_CASE(simple_reaches_every_point) {
  BOOST_TEST(best_correct(config_for("simple", 100)) == 50);
}

BOOST_AUTO_TEST_CASE(xor_reaches_45_of_50) {
  BOOST_TEST(best_correct(config_for("xor", 200)) >= 45);
}

// The summed loss, value and gradient, against host formulas: the gradient is
// sigmoid(z) - y for each item, also at z = 0 (where a relu/abs composition
// of the stable form would give -y).
BOOST_AUTO_TEST_CASE(loss_is_the_stable_sum_with_exact_gradient) {
  const std::vector<double> z{-30.0, -1.5, 0.0, 0.0, 2.0, 40.0};
  const std::vector<double> y{0.0, 1.0, 1.0, 0.0, 1.0, 0.0};
  double expected = 0.0;
  std::vector<double> expected_grad;
  for (size_t i = 0; i < z.size(); ++i) {
    expected += std::max(z[i], 0.0) - z[i] * y[i] + std::log1p(std::exp(-std::abs(z[i])));
    expected_grad.push_back(1.0 / (1.0 + std::exp(-z[i])) - y[i]);
  }
  const TensorOptions f64{.dtype = DType::f64, .backend = reference()};
  Tensor logits = Tensor::from_values(z, {6, 1}, {f64.dtype, f64.backend, true});
  const Tensor loss = binary_cross_entropy_with_logits(logits, Tensor::from_values(y, {6, 1}, f64));
  BOOST_TEST(loss.item() == expected, boost::test_tools::tolerance(1e-12));
  loss.backward();
  const std::vector<double> grad = logits.grad().to_vector();
  BOOST_REQUIRE_EQUAL(grad.size(), expected_grad.size());
  for (size_t i = 0; i < grad.size(); ++i)
    BOOST_TEST(grad[i] == expected_grad[i], boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(resumed_run_equals_uninterrupted_run) {
  TempDir dir;
  const RecipeResult straight = train(config_for("xor", 20));

  RecipeConfig first = config_for("xor", 10);
  first.save_to = dir / "half.ckpt";
  const RecipeResult half = train(first);
  BOOST_TEST(half.saved);
  BOOST_TEST(read_checkpoint(dir / "half.ckpt").epoch == 10);

  RecipeConfig second = config_for("xor", 20);
  second.resume_from = dir / "half.ckpt";
  int new_epochs = 0;
  RecipeCallbacks count;
  count.on_epoch = [&](const EpochReport&) { ++new_epochs; };
  const RecipeResult resumed = train(second, count);

  BOOST_TEST(new_epochs == 10);
  BOOST_TEST(resumed.resumed_epochs == 10);
  BOOST_TEST(resumed.history.size() == 20u);
  const auto a = parameter_values(*straight.model), b = parameter_values(*resumed.model);
  BOOST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(a[i] == b[i], boost::test_tools::per_element());
  for (std::size_t e = 0; e < 20; ++e) {
    BOOST_TEST(straight.history[e].train_loss == resumed.history[e].train_loss);
    BOOST_TEST(straight.history[e].test_correct == resumed.history[e].test_correct);
  }
}

BOOST_AUTO_TEST_CASE(resume_checks_the_checkpoint_against_the_config) {
  TempDir dir;
  RecipeConfig first = config_for("xor", 3);
  first.save_to = dir / "c.ckpt";
  train(first);

  RecipeConfig other = config_for("xor", 6);
  other.resume_from = dir / "c.ckpt";
  other.hidden = 5;
  BOOST_CHECK_EXCEPTION(train(other), DataError, [](const DataError& e) {
    return std::string(e.what()).find("hidden = 10, this run asks for 5") != std::string::npos;
  });
  other = config_for("simple", 6);
  other.resume_from = dir / "c.ckpt";
  BOOST_CHECK_THROW(train(other), DataError);
  other = config_for("xor", 3);  // nothing left to train
  other.resume_from = dir / "c.ckpt";
  BOOST_CHECK_THROW(train(other), ArgumentError);
}

// Checkpoints are written at the end and every save_every epochs, not after
// every epoch: what the file holds while epoch e's callback runs says so.
BOOST_AUTO_TEST_CASE(save_every_writes_every_n_epochs_and_at_the_end) {
  for (const int every : {0, 2}) {
    BOOST_TEST_CONTEXT("save_every " << every) {
      TempDir dir;
      RecipeConfig c = config_for("xor", 5);
      c.save_to = dir / "run.ckpt";
      c.save_every = every;
      std::vector<int64_t> on_disk;  // the file's epoch at each callback, -1: none
      RecipeCallbacks look;
      look.on_epoch = [&](const EpochReport&) {
        on_disk.push_back(std::filesystem::exists(c.save_to) ? read_checkpoint(c.save_to).epoch
                                                             : -1);
      };
      BOOST_TEST(train(c, look).saved);
      const std::vector<int64_t> expected = every == 0 ? std::vector<int64_t>{-1, -1, -1, -1, 5}
                                                       : std::vector<int64_t>{-1, 2, 2, 4, 5};
      BOOST_TEST(on_disk == expected, boost::test_tools::per_element());
    }
  }
}

namespace {

// Clears the process-wide interrupt flag however a test ends.
struct InterruptReset {
  ~InterruptReset() { clear_interrupt(); }
};

}  // namespace

// An interrupt stops at the next batch boundary; the checkpoint written there
// resumes mid-epoch (same order, same generator) to the exact numbers of a
// run that never stopped.
BOOST_AUTO_TEST_CASE(interrupted_mid_epoch_resumes_exactly) {
  InterruptReset reset;
  TempDir dir;
  const RecipeResult straight = train(config_for("xor", 6));

  RecipeConfig first = config_for("xor", 6);
  first.save_to = dir / "stop.ckpt";
  RecipeCallbacks stop;
  stop.on_batch = [](const BatchUpdate& u) {
    if (u.epoch == 3 && u.done == 20)  // the second of five batches
      request_interrupt();
  };
  const RecipeResult stopped = train(first, stop);
  clear_interrupt();
  BOOST_TEST(stopped.interrupted);
  BOOST_TEST(stopped.saved);
  BOOST_TEST(stopped.interrupted_epoch == 3);
  BOOST_TEST(stopped.interrupted_batches == 2);
  BOOST_TEST(stopped.history.size() == 2u);
  const Checkpoint ck = read_checkpoint(first.save_to);
  BOOST_TEST(ck.epoch == 2);
  BOOST_TEST(ck.resume.at("batches") == "2");

  RecipeConfig second = config_for("xor", 6);
  second.resume_from = first.save_to;
  const RecipeResult resumed = train(second);
  BOOST_TEST(!resumed.interrupted);
  BOOST_REQUIRE(resumed.history.size() == 6u);
  for (std::size_t e = 0; e < 6; ++e) {
    BOOST_TEST(resumed.history[e].train_loss == straight.history[e].train_loss);
    BOOST_TEST(resumed.history[e].test_loss == straight.history[e].test_loss);
  }
  const auto a = parameter_values(*straight.model), b = parameter_values(*resumed.model);
  BOOST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(a[i] == b[i], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(interrupted_without_save_to_writes_nothing) {
  InterruptReset reset;
  TempDir dir;
  RecipeCallbacks stop;
  stop.on_batch = [](const BatchUpdate&) { request_interrupt(); };
  const RecipeResult r = train(config_for("xor", 3), stop);
  BOOST_TEST(r.interrupted);
  BOOST_TEST(!r.saved);
  BOOST_TEST(r.interrupted_epoch == 1);
  BOOST_TEST(r.interrupted_batches == 1);
  BOOST_TEST(r.history.empty());
}

namespace {

std::atomic<int> g_previous_handler_calls{0};
extern "C" void count_sigint(int) {
  ++g_previous_handler_calls;
}

}  // namespace

// Under a guard the first SIGINT only sets the flag; the second goes to the
// handler that was there before (by default that ends the program); the
// guard puts that handler back when it goes.
BOOST_AUTO_TEST_CASE(first_sigint_sets_the_flag_second_goes_to_the_previous_handler) {
  InterruptReset reset;
  struct sigaction counting {
  }, original{};
  counting.sa_handler = count_sigint;
  sigemptyset(&counting.sa_mask);
  sigaction(SIGINT, &counting, &original);
  g_previous_handler_calls = 0;
  {
    InterruptGuard guard;
    BOOST_CHECK_THROW(InterruptGuard(), std::logic_error);  // one at a time
    BOOST_TEST(!interrupt_requested());
    raise(SIGINT);
    BOOST_TEST(interrupt_requested());
    BOOST_TEST(g_previous_handler_calls == 0);
    raise(SIGINT);
    BOOST_TEST(g_previous_handler_calls == 1);
  }
  raise(SIGINT);  // the guard is gone: the previous handler again
  BOOST_TEST(g_previous_handler_calls == 2);
  sigaction(SIGINT, &original, nullptr);
}

// A mid-epoch resume point from a file is checked like the rest of it.
BOOST_AUTO_TEST_CASE(a_bad_resume_point_is_a_data_error) {
  TempDir dir;
  RecipeConfig first = config_for("xor", 2);
  first.save_to = dir / "c.ckpt";
  train(first);
  Checkpoint ck = read_checkpoint(first.save_to);
  ck.epoch = 1;
  ck.resume = {{"batches", "7"},  // 5 batches per epoch
               {"loss_sum", "0"},
               {"correct_sum", "0"},
               {"seconds", "0"}};
  write_checkpoint(first.save_to, ck);
  RecipeConfig again = config_for("xor", 3);
  again.resume_from = first.save_to;
  BOOST_CHECK_EXCEPTION(train(again), DataError, [](const DataError& e) {
    return std::string(e.what()).find("\"batches\" = \"7\" is not a whole number in [0, 4]") !=
           std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
