// test_optim.cpp — SGD by hand, in place and converging; optimizers over module.parameters() (also
// after Parameter::update), AdamW against torch's formula written out here, gradient clipping
// against hand-computed norms; every usable backend. Adam / SGD momentum: tests/nn/test_optimizers.
#include <boost/test/unit_test.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "tensor_strategies.hpp"

#include <cmath>
#include <limits>

using namespace mt;
using namespace mt::test;

namespace {

// |got − want| <= tol·(1 + |want|) element by element, with a message naming the first miss.
std::string mismatch(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * (1.0 + std::fabs(want[i]))))
      return "element " + std::to_string(i) + ": " + std::to_string(got[i]) + " vs " +
             std::to_string(want[i]);
  }
  return "";
}

// A module with a (2) weight and a (1) bias, in a child: names "w" and "inner.b".
struct Inner : Module {
  Parameter& b;
  explicit Inner(const TensorOptions& o) : b(add_parameter("b", tensor({0.5}, o))) {}
};
struct Net : Module {
  Parameter& w;
  std::shared_ptr<Inner> inner;
  explicit Net(const TensorOptions& o)
      : w(add_parameter("w", tensor({1.0, -2.0}, o))),
        inner(add_module("inner", std::make_shared<Inner>(o))) {}
  // L = Σ c·w² + 3·b², so dL/dw = 2c·w and dL/db = 6b, with c = (1, 3).
  Tensor loss() const {
    const Tensor c = tensor({1.0, 3.0}, w.value().options());
    return (w.value() * w.value() * c).sum() + (inner->b.value() * inner->b.value() * 3.0).sum();
  }
};

}  // namespace

MT_BACKEND_TEST(test_optim, sgd_step_updates_in_place) {
  Tensor p = tensor({1, 2, -3}, f64(true));
  Tensor untouched = tensor({5}, f64(true));  // no gradient: left alone
  const auto storage = p.storage();
  SGD sgd({p, untouched}, 0.1);
  (p * p).sum().backward();  // grad = 2p
  sgd.step();                // p ← p − 0.1·2p = 0.8p
  const std::vector<double> after = p.to_vector();
  const std::vector<double> expected{0.8, 1.6, -2.4};
  for (std::size_t i = 0; i < after.size(); ++i)
    BOOST_TEST(after[i] == expected[i], boost::test_tools::tolerance(1e-12));
  BOOST_TEST(untouched.item() == 5.0);
  BOOST_TEST(p.storage() == storage);  // the parameter's own storage
  BOOST_TEST(p.is_leaf());
  BOOST_TEST(p.requires_grad());
  BOOST_TEST(p.grad_fn() == nullptr);

  BOOST_TEST(p.grad().defined());  // kept until zero_grad
  sgd.zero_grad();
  BOOST_TEST(!p.grad().defined());
  sgd.step();  // nothing to do without gradients
  BOOST_TEST(p.get({0}) == after[0]);
}

MT_BACKEND_TEST(test_optim, sgd_argument_errors) {
  const Tensor p = zeros({2}, f64(true));
  BOOST_CHECK_THROW(SGD({p}, 0.0), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, -1.0), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, std::nan("")), ArgumentError);
  BOOST_CHECK_THROW(SGD({p * 2.0}, 0.1), ArgumentError);  // not a leaf
  BOOST_CHECK_THROW(SGD({Tensor()}, 0.1), ArgumentError);
  SGD sgd({p}, 0.5);
  sgd.set_lr(0.25);
  BOOST_TEST(sgd.lr() == 0.25);
  BOOST_TEST(sgd.parameters().size() == 1u);
}

// Fits y = 2x + 1 with a 1→1 linear model; the loss must fall well below
// where it started.
MT_BACKEND_TEST(test_optim, sgd_fits_a_line) {
  manual_seed(1);
  const Tensor x = rand({16, 1}, f64()) * 2.0 - 1.0;
  const Tensor y = x * 2.0 + 1.0;
  Tensor w = zeros({1, 1}, f64(true));
  Tensor b = zeros({1}, f64(true));
  SGD sgd({w, b}, 0.5);
  double first_loss = 0.0;
  double loss_value = 0.0;
  for (int step = 0; step < 200; ++step) {
    sgd.zero_grad();
    const Tensor err = x.matmul(w) + b - y;
    const Tensor loss = (err * err).mean();
    loss.backward();
    sgd.step();
    loss_value = loss.item();
    if (step == 0)
      first_loss = loss_value;
  }
  BOOST_TEST(first_loss > 0.5);
  BOOST_TEST(loss_value < 1e-6);
  BOOST_TEST(w.item() == 2.0, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(b.item() == 1.0, boost::test_tools::tolerance(1e-3));
}

// ---- optimizers over module parameters ------------------------------------------

MT_BACKEND_TEST(test_optim, sgd_over_module_parameters) {
  auto net = std::make_shared<Net>(f64());
  SGD sgd(net->parameters(), 0.1);
  BOOST_TEST(sgd.parameters().size() == 2u);
  BOOST_TEST(sgd.parameter_names() == (std::vector<std::string>{"w", "b"}));
  sgd.zero_grad();
  net->loss().backward();
  sgd.step();  // w ← w − 0.1·2c·w, b ← b − 0.1·6b
  BOOST_TEST(mismatch(net->w.value().to_vector(), {0.8, -0.8}, 1e-12) == "");
  BOOST_TEST(mismatch(net->inner->b.value().to_vector(), {0.2}, 1e-12) == "");

  SGD named(net->named_parameters(), 0.1);
  BOOST_TEST(named.parameter_names() == (std::vector<std::string>{"w", "inner.b"}));
}

// Parameter::update swaps in a new tensor (a checkpoint load, a move): the
// optimizer must step the new value, not the stale handle it was built with,
// and keep its momentum.
MT_BACKEND_TEST(test_optim, optimizer_follows_parameter_update) {
  auto net = std::make_shared<Net>(f64());
  SGD sgd(net->parameters(), 0.1, {.momentum = 0.5});
  const Tensor old_w = net->w.value();
  sgd.zero_grad();
  net->loss().backward();
  sgd.step();                                 // v_w = 2c·w = (2, −12); w = (0.8, −0.8)
  net->w.update(tensor({0.8, -0.8}, f64()));  // same values, a new tensor
  BOOST_TEST(!net->w.value().same(old_w));
  sgd.zero_grad();
  net->loss().backward();
  sgd.step();  // g = (1.6, −4.8); v = 0.5·(2, −12) + g = (2.6, −10.8); w −= 0.1·v
  BOOST_TEST(mismatch(net->w.value().to_vector(), {0.54, 0.28}, 1e-12) == "");
  BOOST_TEST(mismatch(old_w.to_vector(), {0.8, -0.8}, 1e-12) == "");  // untouched
  BOOST_TEST(sgd.parameters()[0].same(net->w.value()));
  BOOST_TEST(mismatch(sgd.state()[0].second.to_vector(), {2.6, -10.8}, 1e-12) == "");

  // A value of another dtype: the buffers follow it.
  net->w.update(net->w.value().detach().to(DType::f32));
  sgd.zero_grad();
  (net->w.value() * net->w.value()).sum().backward();  // g = 2w = (1.08, 0.56)
  sgd.step();  // v = 0.5·(2.6, −10.8) + g = (2.38, −4.84); w −= 0.1·v
  BOOST_TEST(mismatch(net->w.value().to_vector(), {0.302, 0.764}, 1e-6) == "");
  BOOST_TEST((sgd.state()[0].second.dtype() == DType::f32));
  BOOST_TEST((net->w.value().dtype() == DType::f32));

  // A value on another backend (what a move of the module does): the buffers follow.
  net->w.update(net->w.value().detach().to(reference()));
  sgd.zero_grad();
  (net->w.value() * net->w.value()).sum().backward();
  sgd.step();
  BOOST_TEST(sgd.state()[0].second.backend() == reference());
  BOOST_TEST(net->w.value().backend() == reference());
  BOOST_TEST(net->w.value().to_vector() != std::vector<double>({0.302, 0.764}));

  // Another shape cannot keep its buffers: a clear error.
  net->w.update(zeros({3}, f64()));
  BOOST_CHECK_THROW(sgd.step(), ShapeError);
  sgd.zero_grad();  // never fails
}

MT_BACKEND_TEST(test_optim, parameter_list_errors) {
  auto net = std::make_shared<Net>(f64());
  std::vector<Parameter*> twice{&net->w, &net->w};
  BOOST_CHECK_THROW(SGD(twice, 0.1), ArgumentError);
  std::vector<Parameter*> null{nullptr};
  BOOST_CHECK_THROW(Adam(null, 0.1), ArgumentError);
  const Tensor p = zeros({2}, f64(true));
  BOOST_CHECK_THROW(SGD({p, p}, 0.1), ArgumentError);
  // A schedule may bring the learning rate to 0; below is an error.
  SGD sgd({p}, 0.1);
  sgd.set_lr(0.0);
  BOOST_TEST(sgd.lr() == 0.0);
  BOOST_CHECK_THROW(sgd.set_lr(-1e-3), ArgumentError);
  BOOST_CHECK_THROW(sgd.set_lr(std::numeric_limits<double>::infinity()), ArgumentError);
}

// ---- AdamW ----------------------------------------------------------------------

// Three steps against torch.optim.AdamW's update written out on doubles:
//   p ← p(1 − lr·wd); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
//   p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)
MT_BACKEND_TEST(test_optim, adamw_matches_the_torch_formula) {
  const std::vector<double> start{1.0, -2.0};
  const std::vector<double> c{1.0, 3.0};  // L = Σ c p², g = 2 c p
  for (const double wd : {1e-2, 0.3}) {
    const double lr = 0.05, b1 = 0.8, b2 = 0.99, eps = 1e-6;
    std::vector<double> want;
    for (std::size_t i = 0; i < 2; ++i) {
      double p = start[i], m = 0.0, v = 0.0;
      for (int t = 1; t <= 3; ++t) {
        const double g = 2.0 * c[i] * p;
        p *= 1.0 - lr * wd;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        const double denom = std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps;
        p -= lr / (1 - std::pow(b1, t)) * m / denom;
      }
      want.push_back(p);
    }
    BOOST_TEST_CONTEXT("weight_decay " << wd) {
      Tensor p = Tensor::from_values(start, {2}, f64(true));
      AdamW opt({p}, lr, {.beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
      for (int t = 0; t < 3; ++t) {
        opt.zero_grad();
        (p * p * tensor({1.0, 3.0}, f64())).sum().backward();
        opt.step();
      }
      BOOST_TEST(mismatch(p.to_vector(), want, 1e-12) == "");
      BOOST_TEST(opt.steps() == 3);
    }
  }
}

// AdamW differs from Adam with the same weight decay (L2 in the gradient), and
// the defaults are PyTorch's.
MT_BACKEND_TEST(test_optim, adamw_defaults_state_and_errors) {
  const AdamWOptions defaults;
  BOOST_TEST(defaults.weight_decay == 1e-2);
  BOOST_TEST(defaults.beta1 == 0.9);
  BOOST_TEST(defaults.beta2 == 0.999);
  BOOST_TEST(defaults.eps == 1e-8);

  Tensor a = tensor({1.0, -2.0}, f64(true));
  Tensor b = tensor({1.0, -2.0}, f64(true));
  AdamW adamw({a}, 0.1, {.weight_decay = 0.5});
  Adam adam({b}, 0.1, {.weight_decay = 0.5});
  BOOST_TEST(adamw.lr() == 0.1);
  for (Optimizer* opt : {static_cast<Optimizer*>(&adamw), static_cast<Optimizer*>(&adam)}) {
    const Tensor p = opt->parameters()[0];
    opt->zero_grad();
    (p * p).sum().backward();
    opt->step();
  }
  BOOST_TEST(mismatch(a.to_vector(), b.to_vector(), 1e-6) != "");

  // One-step values: m = 0.1 g, v = 0.001 g², so the Adam part moves by lr·sign(g) (±1e-8).
  BOOST_TEST(mismatch(a.to_vector(), {1.0 * (1 - 0.05) - 0.1, -2.0 * (1 - 0.05) + 0.1}, 1e-7) ==
             "");

  const NamedTensors state = adamw.state();
  BOOST_TEST(state.size() == 2u);
  BOOST_TEST(state[0].first == "exp_avg.0");
  BOOST_TEST(state[1].first == "exp_avg_sq.0");
  AdamW restored({tensor({0.0, 0.0}, f64(true))}, 0.1);
  restored.load_state(state);
  BOOST_TEST(mismatch(restored.state()[0].second.to_vector(), state[0].second.to_vector(), 0.0) ==
             "");

  const Tensor p = zeros({2}, f64(true));
  BOOST_CHECK_THROW(AdamW({p}, 0.0), ArgumentError);
  BOOST_CHECK_THROW(AdamW({p}, 1e-3, {.beta1 = 1.0}), ArgumentError);
  BOOST_CHECK_THROW(AdamW({p}, 1e-3, {.eps = -1.0}), ArgumentError);
  BOOST_CHECK_THROW(AdamW({p}, 1e-3, {.weight_decay = -0.1}), ArgumentError);
}

// AdamW straight from a module's parameters() drives the loss down.
MT_BACKEND_TEST(test_optim, adamw_trains_a_module) {
  auto net = std::make_shared<Net>(f64());
  AdamW opt(net->parameters(), 0.05);
  const double first = net->loss().item();
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    net->loss().backward();
    opt.step();
  }
  BOOST_TEST(first == 13.75, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(net->loss().item() < 1e-3);
}

// ---- gradient clipping ----------------------------------------------------------

namespace {

// Two parameters whose gradients are (3, −4) and (12): set by backward of Σ g·p.
std::pair<Tensor, Tensor> with_grads(const TensorOptions& o) {
  Tensor a = zeros({2}, o);
  Tensor b = zeros({1}, o);
  a.requires_grad_(true);
  b.requires_grad_(true);
  ((a * tensor({3.0, -4.0}, a.options())).sum() + (b * 12.0).sum()).backward();
  return {a, b};
}

}  // namespace

MT_BACKEND_TEST(test_optim, clip_grad_norm_two_norm) {
  auto [a, b] = with_grads(f64());
  // ‖(3, −4, 12)‖₂ = 13; scale = 6.5 / (13 + 1e-6).
  const double total = clip_grad_norm_({a, b}, 6.5);
  BOOST_TEST(total == 13.0, boost::test_tools::tolerance(1e-14));
  const double s = 6.5 / (13.0 + 1e-6);
  BOOST_TEST(mismatch(a.grad().to_vector(), {3 * s, -4 * s}, 1e-14) == "");
  BOOST_TEST(mismatch(b.grad().to_vector(), {12 * s}, 1e-14) == "");

  // Already inside the limit: returned, unchanged.
  auto [c, d] = with_grads(f64());
  BOOST_TEST(clip_grad_norm_({c, d}, 100.0) == 13.0, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(mismatch(c.grad().to_vector(), {3, -4}, 0.0) == "");
}

MT_BACKEND_TEST(test_optim, clip_grad_norm_other_norms) {
  {
    auto [a, b] = with_grads(f64());
    BOOST_TEST(clip_grad_norm_({a, b}, 1.2, kInfNorm) == 12.0);
    const double s = 1.2 / (12.0 + 1e-6);
    BOOST_TEST(mismatch(a.grad().to_vector(), {3 * s, -4 * s}, 1e-14) == "");
    BOOST_TEST(mismatch(b.grad().to_vector(), {12 * s}, 1e-14) == "");
  }
  {
    auto [a, b] = with_grads(f64());
    BOOST_TEST(clip_grad_norm_({a, b}, 1.9, 1.0) == 19.0, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(mismatch(b.grad().to_vector(), {12 * 1.9 / (19.0 + 1e-6)}, 1e-14) == "");
  }
  {
    auto [a, b] = with_grads(f64());
    const double want = std::cbrt(27.0 + 64.0 + 1728.0);
    BOOST_TEST(clip_grad_norm_({a, b}, 1e9, 3.0) == want, boost::test_tools::tolerance(1e-12));
  }
  // f32 gradients, through module parameters.
  {
    auto net = std::make_shared<Net>(f32());
    net->loss().backward();  // grads (2, −12) and (3): ‖·‖₂ = √157
    const double total = clip_grad_norm_(net->parameters(), 1.0);
    BOOST_TEST(total == std::sqrt(157.0), boost::test_tools::tolerance(1e-6));
    const double s = 1.0 / (std::sqrt(157.0) + 1e-6);
    BOOST_TEST(mismatch(net->w.value().grad().to_vector(), {2 * s, -12 * s}, 1e-6) == "");
  }
}

MT_BACKEND_TEST(test_optim, clip_grad_norm_edge_cases) {
  // No gradients at all: 0, nothing to do.
  const Tensor bare = zeros({2}, f64(true));
  BOOST_TEST(clip_grad_norm_({bare}, 1.0) == 0.0);
  // max_norm 0 zeroes the gradients (0 / (total + 1e-6)), as torch does.
  auto [a, b] = with_grads(f64());
  BOOST_TEST(clip_grad_norm_({a, b}, 0.0) == 13.0, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(mismatch(a.grad().to_vector(), {0.0, 0.0}, 0.0) == "");

  auto [c, d] = with_grads(f64());
  BOOST_CHECK_THROW(clip_grad_norm_({c, d}, -1.0), ArgumentError);
  BOOST_CHECK_THROW(clip_grad_norm_({c, d}, 1.0, 0.0), ArgumentError);
  BOOST_CHECK_THROW(clip_grad_norm_({c, d}, 1.0, -2.0), ArgumentError);
  BOOST_CHECK_THROW(clip_grad_norm_({c, d}, 1.0, std::nan("")), ArgumentError);
  // A non-finite total: an error on request, else scaled (NaN) like torch.
  Tensor e = zeros({1}, f64(true));
  (e * std::numeric_limits<double>::infinity()).sum().backward();
  BOOST_CHECK_THROW(clip_grad_norm_({e}, 1.0, 2.0, true), ArgumentError);
  BOOST_TEST(std::isinf(e.grad().item()));  // the failed call changed nothing
  BOOST_TEST(std::isinf(clip_grad_norm_({e}, 1.0)));
  BOOST_TEST(std::isnan(e.grad().item()));
}

MT_BACKEND_TEST(test_optim, clip_grad_value) {
  auto [a, b] = with_grads(f64());
  clip_grad_value_({a, b}, 3.5);
  BOOST_TEST(mismatch(a.grad().to_vector(), {3.0, -3.5}, 0.0) == "");
  BOOST_TEST(mismatch(b.grad().to_vector(), {3.5}, 0.0) == "");
  Tensor e = zeros({2}, f64(true));
  (e * tensor({-std::numeric_limits<double>::infinity(), 1e-300}, f64())).sum().backward();
  clip_grad_value_({e}, 2.0);
  BOOST_TEST(mismatch(e.grad().to_vector(), {-2.0, 1e-300}, 0.0) == "");
  auto net = std::make_shared<Net>(f64());
  net->loss().backward();
  clip_grad_value_(net->parameters(), 1.0);
  BOOST_TEST(mismatch(net->w.value().grad().to_vector(), {1.0, -1.0}, 0.0) == "");
  BOOST_CHECK_THROW(clip_grad_value_({a}, -1.0), ArgumentError);
  BOOST_CHECK_THROW(clip_grad_value_({a}, std::nan("")), ArgumentError);
}

// For random gradients on 1–3 tensors and any norm type: the returned total is
// the norm computed here on the host, and every gradient is scaled by
// min(1, max_norm / (total + 1e-6)).
MT_BACKEND_PROP(test_optim, clip_grad_norm_matches_host_norms, 40) {
  const auto count = *rc::gen::inRange<int>(1, 4);
  const double norm_type = *rc::gen::element(1.0, 2.0, 3.0, 0.5, kInfNorm);
  const double max_norm = *rc::gen::element(0.0, 0.5, 3.0, 1e3);
  std::vector<Tensor> params;
  std::vector<std::vector<double>> grads;
  for (int i = 0; i < count; ++i) {
    const auto size = *rc::gen::inRange<int64_t>(1, 6);
    std::vector<double> g;
    for (int64_t k = 0; k < size; ++k)
      g.push_back(*rc::gen::inRange(-40, 41) / 8.0);
    Tensor p = zeros({size}, f64(true));
    (p * Tensor::from_values(g, {size}, f64())).sum().backward();
    params.push_back(p);
    grads.push_back(g);
  }
  double total = 0.0;
  for (const auto& g : grads) {
    for (const double v : g)
      total = norm_type == kInfNorm ? std::max(total, std::fabs(v))
                                    : total + std::pow(std::fabs(v), norm_type);
  }
  if (norm_type != kInfNorm)
    total = std::pow(total, 1.0 / norm_type);
  const double got = clip_grad_norm_(params, max_norm, norm_type);
  RC_ASSERT(std::fabs(got - total) <= 1e-12 * (1.0 + total));
  const double scale = std::min(1.0, max_norm / (total + 1e-6));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::vector<double> after = params[i].grad().to_vector();
    for (std::size_t k = 0; k < after.size(); ++k)
      RC_ASSERT(std::fabs(after[k] - grads[i][k] * scale) <=
                1e-12 * (1.0 + std::fabs(grads[i][k])));
  }
}
