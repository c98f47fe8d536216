// test_loss.cpp — every loss on every usable backend (NLL, cross-entropy, both BCEs, MSE,
// L1, smooth-L1, Huber): values against host formulas for each reduction, target forms,
// gradient checks and argument errors. Not a test of training.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/loss.hpp>

#include "nn_testing.hpp"

#include <cmath>

using namespace mt;
using namespace mt::nntest;

namespace {

// Host log-softmax of one row.
std::vector<double> host_logsoftmax(const std::vector<double>& row) {
  double m = row[0];
  for (const double x : row)
    m = std::max(m, x);
  double z = 0.0;
  for (const double x : row)
    z += std::exp(x - m);
  std::vector<double> out;
  for (const double x : row)
    out.push_back(x - m - std::log(z));
  return out;
}

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

}  // namespace

MT_BACKEND_TEST(loss, nll_loss_both_target_forms) {
  const std::vector<double> lp{-0.5, -1.5, -2.0, -0.1, -3.0, -4.0};  // (2, 3)
  const std::vector<int64_t> labels{1, 0};
  const double expected = -(lp[1] + lp[3]) / 2.0;
  const Tensor log_probs = Tensor::from_values(lp, {2, 3}, on(backend));
  const Tensor by_vector = nn::nll_loss(log_probs, labels);
  BOOST_TEST(by_vector.shape() == (Shape{1}));
  BOOST_TEST(by_vector.item() == expected, boost::test_tools::tolerance(1e-12));
  const Tensor indices = Tensor::from_values({1, 0}, {2}, on(backend, DType::f32));
  BOOST_TEST(nn::nll_loss(log_probs, indices).item() == expected,
             boost::test_tools::tolerance(1e-12));
  const Tensor rows = nn::one_hot(labels, 3, on(backend));
  BOOST_TEST(compare(rows, {0, 1, 0, 1, 0, 0}, {2, 3}) == "");
  BOOST_TEST(nn::nll_loss(log_probs, rows).item() == expected, boost::test_tools::tolerance(1e-12));

  BOOST_CHECK_THROW(nn::nll_loss(log_probs, std::vector<int64_t>{1, 3}), ArgumentError);
  BOOST_CHECK_THROW(nn::nll_loss(log_probs, std::vector<int64_t>{1}), ShapeError);
  BOOST_CHECK_THROW(nn::nll_loss(log_probs, Tensor::from_values({0.5, 1}, {2}, on(backend))),
                    ArgumentError);
  BOOST_CHECK_THROW(nn::nll_loss(log_probs, Tensor::from_values({-1, 1}, {2}, on(backend))),
                    ArgumentError);
  BOOST_CHECK_THROW(nn::nll_loss(log_probs, zeros({3, 3}, on(backend))), ShapeError);
  BOOST_CHECK_THROW(nn::nll_loss(log_probs.view({6}), labels), ShapeError);
}

MT_BACKEND_TEST(loss, cross_entropy_matches_host_formula) {
  std::mt19937_64 rng(8);
  const std::vector<double> logits = uniform_values(12, rng, -5, 5);  // (3, 4)
  const std::vector<int64_t> labels{3, 0, 2};
  double expected = 0.0;
  for (int b = 0; b < 3; ++b) {
    const std::vector<double> row(logits.begin() + b * 4, logits.begin() + b * 4 + 4);
    expected -=
        host_logsoftmax(row)[static_cast<std::size_t>(labels[static_cast<std::size_t>(b)])] / 3.0;
  }
  const Tensor x = build(logits, {3, 4}, {1, 0}, on(backend));
  BOOST_TEST(nn::cross_entropy(x, labels).item() == expected, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::cross_entropy(x, nn::one_hot(labels, 4, on(backend))).item() == expected,
             boost::test_tools::tolerance(1e-12));
  // d/dlogits = (softmax − one_hot) / B
  Tensor leaf = Tensor::from_values(logits, {3, 4}, on(backend, DType::f64, true));
  nn::cross_entropy(leaf, labels).backward();
  std::vector<double> expected_grad;
  for (int b = 0; b < 3; ++b) {
    const std::vector<double> row(logits.begin() + b * 4, logits.begin() + b * 4 + 4);
    const std::vector<double> ls = host_logsoftmax(row);
    for (int c = 0; c < 4; ++c)
      expected_grad.push_back((std::exp(ls[static_cast<std::size_t>(c)]) -
                               (c == labels[static_cast<std::size_t>(b)] ? 1.0 : 0.0)) /
                              3.0);
  }
  BOOST_TEST(compare(leaf.grad(), expected_grad, {3, 4}, 1e-12) == "");
}

MT_BACKEND_PROP(loss, cross_entropy_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor logits = Tensor::from_values(uniform_values(15, rng, -3, 3), {3, 5}, on(backend));
  const Tensor targets = nn::one_hot({4, 0, 2}, 5, on(backend));
  rc_require_no_problem(
      backend, gradient_mismatch(
                   [&](const std::vector<Tensor>& xs) { return nn::cross_entropy(xs[0], targets); },
                   {logits}, rng, 24));
}

MT_BACKEND_TEST(loss, binary_cross_entropy_values_and_clamp) {
  const std::vector<double> p{0.2, 0.9, 0.0, 1.0, 0.5, 0.7};
  const std::vector<double> y{0.0, 1.0, 1.0, 0.0, 1.0, 0.25};
  double expected = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double log_p = std::max(std::log(p[i]), -100.0);
    const double log_q = std::max(std::log(1.0 - p[i]), -100.0);
    expected -= (y[i] * log_p + (1.0 - y[i]) * log_q) / 6.0;
  }
  Tensor probs = Tensor::from_values(p, {2, 3}, on(backend, DType::f64, true));
  const Tensor targets = Tensor::from_values(y, {2, 3}, on(backend));
  const Tensor loss = nn::binary_cross_entropy(probs, targets);
  BOOST_TEST(loss.shape() == (Shape{1}));
  BOOST_TEST(loss.item() == expected, boost::test_tools::tolerance(1e-12));
  loss.backward();
  // (p − y) / max(p(1 − p), 1e-12) / N: finite even at p = 0 and 1.
  std::vector<double> expected_grad;
  for (std::size_t i = 0; i < p.size(); ++i)
    expected_grad.push_back((p[i] - y[i]) / std::max(p[i] * (1.0 - p[i]), 1e-12) / 6.0);
  BOOST_TEST(compare(probs.grad(), expected_grad, {2, 3}, 1e-12) == "");
  BOOST_CHECK_THROW(nn::binary_cross_entropy(probs, zeros({6}, on(backend))), ShapeError);
}

MT_BACKEND_TEST(loss, binary_cross_entropy_with_logits_values) {
  const std::vector<double> z{-800.0, -2.0, 0.0, 0.0, 3.5, 800.0};
  const std::vector<double> y{0.0, 1.0, 1.0, 0.0, 0.3, 1.0};
  double expected = 0.0;
  std::vector<double> expected_grad;
  for (std::size_t i = 0; i < z.size(); ++i) {
    // −y·log σ(z) − (1−y)·log(1−σ(z)), with log σ(z) = −log(1+e^−z) written
    // per sign so the host formula does not overflow either.
    const double log_sig =
        z[i] >= 0 ? -std::log1p(std::exp(-z[i])) : z[i] - std::log1p(std::exp(z[i]));
    const double log_one_minus = log_sig - z[i];
    expected -= (y[i] * log_sig + (1.0 - y[i]) * log_one_minus) / 6.0;
    expected_grad.push_back((sigmoid(z[i]) - y[i]) / 6.0);
  }
  Tensor logits = Tensor::from_values(z, {6}, on(backend, DType::f64, true));
  const Tensor loss =
      nn::binary_cross_entropy_with_logits(logits, Tensor::from_values(y, {6}, on(backend)));
  BOOST_TEST(loss.item() == expected, boost::test_tools::tolerance(1e-12));
  loss.backward();
  // At z = 0 the gradient is (0.5 − y)/N, not the −y/N a relu/abs
  // composition would give.
  BOOST_TEST(compare(logits.grad(), expected_grad, {6}, 1e-12) == "");
}

MT_BACKEND_PROP(loss, binary_cross_entropy_grad_checks) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor targets = Tensor::from_values(uniform_values(6, rng, 0, 1), {2, 3}, on(backend));
  const Tensor probs = Tensor::from_values(uniform_values(6, rng, 0.05, 0.95), {2, 3}, on(backend));
  const Tensor logits = Tensor::from_values(uniform_values(6, rng, -4, 4), {2, 3}, on(backend));
  // Gradients with respect to both arguments.
  rc_require_no_problem(backend, gradient_mismatch(
                                     [](const std::vector<Tensor>& xs) {
                                       return nn::binary_cross_entropy(xs[0], xs[1]);
                                     },
                                     {probs, targets}, rng, 24));
  rc_require_no_problem(backend, gradient_mismatch(
                                     [](const std::vector<Tensor>& xs) {
                                       return nn::binary_cross_entropy_with_logits(xs[0], xs[1]);
                                     },
                                     {logits, targets}, rng, 24));
}

// ---- reduction modes ---------------------------------------------------------------------

MT_BACKEND_TEST(loss, nll_and_cross_entropy_reductions) {
  const std::vector<double> lp{-0.5, -1.5, -2.0, -0.1, -3.0, -4.0};  // (2, 3)
  const Tensor log_probs = Tensor::from_values(lp, {2, 3}, on(backend));
  const std::vector<int64_t> labels{2, 1};
  const Tensor none = nn::nll_loss(log_probs, labels, nn::Reduction::none);
  BOOST_TEST(compare(none, {2.0, 3.0}, {2}, 1e-12) == "");
  BOOST_TEST(nn::nll_loss(log_probs, labels, nn::Reduction::sum).item() == 5.0,
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::nll_loss(log_probs, labels).item() == 2.5, boost::test_tools::tolerance(1e-12));
  const Tensor index_targets = Tensor::from_values({2, 1}, {2}, on(backend));
  BOOST_TEST(compare(nn::nll_loss(log_probs, index_targets, nn::Reduction::none), {2.0, 3.0}, {2},
                     1e-12) == "");
  // cross_entropy(none) row by row against the host log-softmax.
  const std::vector<double> logits{1.0, 2.0, 0.5, -1.0, 0.0, 3.0};
  const Tensor per_row = nn::cross_entropy(Tensor::from_values(logits, {2, 3}, on(backend)), labels,
                                           nn::Reduction::none);
  const double row0 = -host_logsoftmax({1.0, 2.0, 0.5})[2];
  const double row1 = -host_logsoftmax({-1.0, 0.0, 3.0})[1];
  BOOST_TEST(compare(per_row, {row0, row1}, {2}, 1e-12) == "");
  BOOST_TEST(nn::cross_entropy(Tensor::from_values(logits, {2, 3}, on(backend)), labels,
                               nn::Reduction::sum)
                     .item() == row0 + row1,
             boost::test_tools::tolerance(1e-12));
  BOOST_CHECK_THROW(nn::nll_loss(log_probs, labels, static_cast<nn::Reduction>(7)), ArgumentError);
}

MT_BACKEND_TEST(loss, binary_cross_entropy_reductions_and_gradients) {
  const std::vector<double> p{0.2, 0.9, 0.5, 0.7};
  const std::vector<double> y{0.0, 1.0, 1.0, 0.25};
  std::vector<double> per_item;
  for (std::size_t i = 0; i < p.size(); ++i)
    per_item.push_back(-(y[i] * std::log(p[i]) + (1.0 - y[i]) * std::log(1.0 - p[i])));
  const Tensor targets = Tensor::from_values(y, {2, 2}, on(backend));
  Tensor probs = Tensor::from_values(p, {2, 2}, on(backend, DType::f64, true));
  const Tensor none = nn::binary_cross_entropy(probs, targets, nn::Reduction::none);
  BOOST_TEST(compare(none, per_item, {2, 2}, 1e-12) == "");
  // backward of the none form with weights w: w_i · (p − y)/(p(1 − p)).
  const std::vector<double> w{1.0, -2.0, 0.5, 3.0};
  none.backward(Tensor::from_values(w, {2, 2}, on(backend)));
  std::vector<double> expected_grad;
  for (std::size_t i = 0; i < p.size(); ++i)
    expected_grad.push_back(w[i] * (p[i] - y[i]) / (p[i] * (1.0 - p[i])));
  BOOST_TEST(compare(probs.grad(), expected_grad, {2, 2}, 1e-12) == "");
  // sum: N times the mean, gradient without the 1/N.
  probs.zero_grad_();
  const Tensor sum = nn::binary_cross_entropy(probs, targets, nn::Reduction::sum);
  BOOST_TEST(sum.item() == per_item[0] + per_item[1] + per_item[2] + per_item[3],
             boost::test_tools::tolerance(1e-12));
  sum.backward();
  BOOST_TEST(probs.grad().get({0, 0}) == (p[0] - y[0]) / (p[0] * (1.0 - p[0])),
             boost::test_tools::tolerance(1e-12));
  // With logits: none per element, sum's gradient sigmoid(z) − y.
  const std::vector<double> z{-1.0, 0.0, 2.0, 0.5};
  Tensor logits = Tensor::from_values(z, {2, 2}, on(backend, DType::f64, true));
  const Tensor lnone = nn::binary_cross_entropy_with_logits(logits, targets, nn::Reduction::none);
  BOOST_TEST(lnone.shape() == (Shape{2, 2}));
  BOOST_TEST(lnone.get({0, 1}) == std::log(2.0), boost::test_tools::tolerance(1e-12));
  nn::binary_cross_entropy_with_logits(logits, targets, nn::Reduction::sum).backward();
  std::vector<double> expected_logit_grad;
  for (std::size_t i = 0; i < z.size(); ++i)
    expected_logit_grad.push_back(sigmoid(z[i]) - y[i]);
  BOOST_TEST(compare(logits.grad(), expected_logit_grad, {2, 2}, 1e-12) == "");
}

// ---- regression losses -------------------------------------------------------------------

namespace {

const std::vector<double> kInput{0.5, -1.0, 2.0, 3.0, -0.25, 1.5};
const std::vector<double> kTarget{0.0, 1.0, 2.1, -1.0, -0.5, 1.0};

// Host per-element values of each regression loss on kInput − kTarget.
std::vector<double> host_losses(const std::function<double(double)>& f) {
  std::vector<double> out;
  for (std::size_t i = 0; i < kInput.size(); ++i)
    out.push_back(f(kInput[i] - kTarget[i]));
  return out;
}

double total(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v)
    s += x;
  return s;
}

using LossFn = std::function<Tensor(const Tensor&, const Tensor&, nn::Reduction)>;

// Checks none / sum / mean of `loss` against the host per-element values, with the input
// stored non-contiguously.
void check_reductions(const BackendPtr& backend, const LossFn& loss,
                      const std::vector<double>& expected, const char* name) {
  const Tensor input = build(kInput, {2, 3}, {1, 0}, on(backend));
  const Tensor target = Tensor::from_values(kTarget, {2, 3}, on(backend));
  BOOST_TEST(compare(loss(input, target, nn::Reduction::none), expected, {2, 3}, 1e-12) == "",
             name);
  const Tensor sum = loss(input, target, nn::Reduction::sum);
  BOOST_TEST(sum.shape() == (Shape{1}), name);
  BOOST_TEST(sum.item() == total(expected), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(loss(input, target, nn::Reduction::mean).item() == total(expected) / 6.0,
             boost::test_tools::tolerance(1e-12));
  // Shapes must match; the error names both.
  try {
    loss(input, zeros({3, 2}, on(backend)), nn::Reduction::mean);
    BOOST_ERROR(std::string(name) + ": mismatched shapes must throw");
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(
        (what.find("(2, 3)") != std::string::npos && what.find("(3, 2)") != std::string::npos),
        what);
  }
  BOOST_CHECK_THROW(loss(zeros({0}, on(backend)), zeros({0}, on(backend)), nn::Reduction::sum),
                    ShapeError);
}

}  // namespace

MT_BACKEND_TEST(loss, regression_losses_match_host_formulas) {
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::mse_loss(a, b, r); },
      host_losses([](double d) { return d * d; }), "mse_loss");
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::l1_loss(a, b, r); },
      host_losses([](double d) { return std::fabs(d); }), "l1_loss");
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::smooth_l1_loss(a, b, r); },
      host_losses([](double d) { return std::fabs(d) < 1.0 ? 0.5 * d * d : std::fabs(d) - 0.5; }),
      "smooth_l1_loss");
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::smooth_l1_loss(a, b, r, 0.3); },
      host_losses(
          [](double d) { return std::fabs(d) < 0.3 ? 0.5 * d * d / 0.3 : std::fabs(d) - 0.15; }),
      "smooth_l1_loss(beta=0.3)");
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::smooth_l1_loss(a, b, r, 0.0); },
      host_losses([](double d) { return std::fabs(d); }), "smooth_l1_loss(beta=0)");
  check_reductions(
      backend, [](auto& a, auto& b, auto r) { return nn::huber_loss(a, b, r, 2.0); },
      host_losses(
          [](double d) { return std::fabs(d) < 2.0 ? 0.5 * d * d : 2.0 * (std::fabs(d) - 1.0); }),
      "huber_loss(delta=2)");
}

MT_BACKEND_TEST(loss, regression_loss_gradients_and_errors) {
  // mse mean: d/dinput = 2d/N; l1 sum: sign(d), 0 where d = 0 (torch).
  Tensor input = Tensor::from_values({1.0, 2.0, 3.0}, {3}, on(backend, DType::f64, true));
  const Tensor target = Tensor::from_values({0.0, 2.0, 5.0}, {3}, on(backend));
  nn::mse_loss(input, target).backward();
  BOOST_TEST(compare(input.grad(), {2.0 / 3.0, 0.0, -4.0 / 3.0}, {3}, 1e-12) == "");
  input.zero_grad_();
  nn::l1_loss(input, target, nn::Reduction::sum).backward();
  BOOST_TEST(compare(input.grad(), {1.0, 0.0, -1.0}, {3}, 1e-12) == "");
  // smooth-L1: d/beta inside, sign(d) outside; the target gets the negative.
  input.zero_grad_();
  Tensor t = Tensor::from_values({0.0, 2.0, 5.0}, {3}, on(backend, DType::f64, true));
  nn::smooth_l1_loss(Tensor::from_values({0.5, 2.0, 3.0}, {3}, on(backend, DType::f64, true)), t,
                     nn::Reduction::sum, 1.0)
      .backward();
  BOOST_TEST(compare(t.grad(), {-0.5, 0.0, 1.0}, {3}, 1e-12) == "");

  BOOST_CHECK_THROW(nn::smooth_l1_loss(input, target, nn::Reduction::mean, -1.0), ArgumentError);
  BOOST_CHECK_THROW(nn::huber_loss(input, target, nn::Reduction::mean, 0.0), ArgumentError);
  BOOST_CHECK_THROW(nn::mse_loss(input, target, static_cast<nn::Reduction>(-1)), ArgumentError);
  BOOST_TEST((nn::parse_reduction("sum") == nn::Reduction::sum));
  BOOST_TEST(std::string(nn::reduction_name(nn::Reduction::none)) == "none");
  BOOST_CHECK_THROW(nn::parse_reduction("average"), ArgumentError);
}

MT_BACKEND_PROP(loss, regression_losses_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor input = Tensor::from_values(uniform_values(6, rng, -3, 3), {2, 3}, on(backend));
  const Tensor target = Tensor::from_values(uniform_values(6, rng, -3, 3), {2, 3}, on(backend));
  for (const nn::Reduction r : {nn::Reduction::none, nn::Reduction::mean, nn::Reduction::sum}) {
    rc_require_no_problem(backend, gradient_mismatch(
                                       [r](const std::vector<Tensor>& xs) {
                                         return nn::mse_loss(xs[0], xs[1], r) +
                                                nn::smooth_l1_loss(xs[0], xs[1], r, 0.7) +
                                                nn::huber_loss(xs[0], xs[1], r, 1.3) +
                                                nn::l1_loss(xs[0], xs[1], r);
                                       },
                                       {input, target}, rng, 6));
  }
}

// ---- the fused log_softmax + NLL node (cross_entropy, nll_loss(logsoftmax(x, 1))) ----------

namespace {

// cross_entropy by recorded primitives only: the shifted log-softmax, then −Σ w·lp per row.
Tensor composed_cross_entropy(const Tensor& x, const Tensor& rows, nn::Reduction reduction) {
  const Tensor shifted = x - x.detach().max(1);
  const Tensor lp = shifted - shifted.exp().sum(1).log();
  const Tensor per_row = (lp * rows).sum(1).reshape({x.size(0)}) * -1.0;
  if (reduction == nn::Reduction::none)
    return per_row;
  return reduction == nn::Reduction::sum ? per_row.sum() : per_row.mean();
}

// Rows 0 and 1 are extreme (±1e4, a 2e4 spread), rows 2 and 3 ordinary; (4, 3).
const std::vector<double> k_fused_logits{1e4, -1e4, 0.0, -1e4, 1e4, 1e4,
                                         0.3, -1.2, 2.5, -0.7, 0.1, 0.4};

}  // namespace

MT_BACKEND_TEST(loss, fused_cross_entropy_equals_composition) {
  const std::vector<int64_t> labels{1, 2, 0, 2};  // row 0's label is the −1e4 logit
  // Soft rows that do not sum to 1 (0.7 and 1.3): the closed form must scale softmax by Σ w.
  const std::vector<double> soft{0.2, 0.5, 0.0, 0.0, 0.3, 1.0, 0.1, 0.1, 0.5, 0.0, 0.0, 1.0};
  const std::vector<double> seed_none{0.5, -1.0, 2.0, 0.25};
  for (const DType dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
    for (const nn::Reduction reduction :
         {nn::Reduction::none, nn::Reduction::mean, nn::Reduction::sum}) {
      for (const bool index_targets : {true, false}) {
        const std::string what = std::string(dtype_name(dtype)) + " " +
                                 nn::reduction_name(reduction) +
                                 (index_targets ? " index targets" : " soft targets");
        const Tensor rows = index_targets ? nn::one_hot(labels, 3, on(backend, dtype))
                                          : Tensor::from_values(soft, {4, 3}, on(backend, dtype));
        Tensor fused_x = Tensor::from_values(k_fused_logits, {4, 3}, on(backend, dtype, true));
        Tensor plain_x = Tensor::from_values(k_fused_logits, {4, 3}, on(backend, dtype, true));
        const Tensor fused = index_targets
                                 ? nn::cross_entropy(fused_x, labels, reduction)
                                 : nn::nll_loss(nn::logsoftmax(fused_x, 1), rows, reduction);
        const Tensor plain = composed_cross_entropy(plain_x, rows, reduction);
        BOOST_TEST(std::string(fused.grad_fn()->name()) == "nn::LogSoftmaxNllLoss", what);
        BOOST_TEST(compare(fused, plain.to_vector(), plain.shape(), tol) == "", what);
        const bool per_item = reduction == nn::Reduction::none;
        const Tensor seed = per_item ? Tensor::from_values(seed_none, {4}, on(backend, dtype))
                                     : ones({1}, on(backend, dtype));
        fused.backward(seed);
        plain.backward(seed);
        BOOST_TEST(compare(fused_x.grad(), plain_x.grad().to_vector(), {4, 3}, tol) == "", what);
      }
    }
  }
  // The closed form by hand on the extreme rows (mean over 4 rows): softmax of row 0 is
  // (1, 0, 0) and its label is 1; row 1 splits between its two 1e4 logits, label 2.
  Tensor x = Tensor::from_values(k_fused_logits, {4, 3}, on(backend, DType::f64, true));
  nn::cross_entropy(x, labels).backward();
  const std::vector<double> g = x.grad().to_vector();
  BOOST_TEST(g[0] == 0.25, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(g[1] == -0.25, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std::fabs(g[2]) <= 1e-300);
  BOOST_TEST(g[4] == 0.125, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(g[5] == -0.125, boost::test_tools::tolerance(1e-12));
}

MT_BACKEND_TEST(loss, fused_cross_entropy_falls_back_when_it_cannot_fuse) {
  const std::vector<double> soft{0.2, 0.8, 0.0, 0.5, 0.25, 0.25};
  // Targets that require grad keep the composition (and get their gradient −lp·scale).
  Tensor x = Tensor::from_values({0.1, 0.2, -0.3, 1.0, 0.0, -1.0}, {2, 3}, on(backend));
  Tensor targets = Tensor::from_values(soft, {2, 3}, on(backend, DType::f64, true));
  const Tensor lp = nn::logsoftmax(x, 1);
  const Tensor loss = nn::nll_loss(lp, targets);
  BOOST_TEST(std::string(loss.grad_fn()->name()) != "nn::LogSoftmaxNllLoss");
  loss.backward();
  const std::vector<double> lpv = lp.to_vector();
  std::vector<double> expected;
  for (const double v : lpv)
    expected.push_back(-v / 2.0);
  BOOST_TEST(compare(targets.grad(), expected, {2, 3}, 1e-12) == "");
  // Log-probabilities over dim 0 are not what NLL reads as rows: no fusion, same value.
  Tensor y =
      Tensor::from_values({0.1, 0.2, -0.3, 1.0, 0.0, -1.0}, {2, 3}, on(backend, DType::f64, true));
  const Tensor by_cols = nn::nll_loss(nn::logsoftmax(y, 0), std::vector<int64_t>{2, 0});
  BOOST_TEST(std::string(by_cols.grad_fn()->name()) != "nn::LogSoftmaxNllLoss");
  // Both uses of one log-softmax: the fused loss plus a term through the logsoftmax node.
  Tensor z =
      Tensor::from_values({0.1, 0.2, -0.3, 1.0, 0.0, -1.0}, {2, 3}, on(backend, DType::f64, true));
  Tensor w =
      Tensor::from_values({0.1, 0.2, -0.3, 1.0, 0.0, -1.0}, {2, 3}, on(backend, DType::f64, true));
  const Tensor lz = nn::logsoftmax(z, 1);
  (nn::nll_loss(lz, std::vector<int64_t>{2, 0}) + lz.sum()).backward();
  const Tensor shifted = w - w.detach().max(1);
  const Tensor lw = shifted - shifted.exp().sum(1).log();
  (nn::nll_loss(lw, std::vector<int64_t>{2, 0}) + lw.sum()).backward();
  BOOST_TEST(compare(z.grad(), w.grad().to_vector(), {2, 3}, 1e-12) == "");
}

MT_BACKEND_PROP(loss, fused_cross_entropy_grad_check_with_extreme_logits) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<double> values = uniform_values(15, rng, -3, 3);
  values[0] = 1e4;  // row 0: one dominant logit, one far below
  values[1] = -1e4;
  values[7] = -1e4;  // row 1: a very negative logit
  const Tensor logits = Tensor::from_values(values, {3, 5}, on(backend));
  const Tensor soft = Tensor::from_values(uniform_values(15, rng, 0, 1), {3, 5}, on(backend));
  for (const nn::Reduction reduction :
       {nn::Reduction::none, nn::Reduction::mean, nn::Reduction::sum}) {
    rc_require_no_problem(
        backend, gradient_mismatch(
                     [&](const std::vector<Tensor>& xs) {
                       return nn::cross_entropy(xs[0], std::vector<int64_t>{1, 2, 4}, reduction);
                     },
                     {logits}, rng, 15));
    rc_require_no_problem(backend, gradient_mismatch(
                                       [&](const std::vector<Tensor>& xs) {
                                         return nn::nll_loss(nn::logsoftmax(xs[0], 1), soft,
                                                             reduction);
                                       },
                                       {logits}, rng, 15));
  }
}
