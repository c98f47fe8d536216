// test_optimizers.cpp — SGD with momentum / nesterov / weight decay and Adam
// against two steps computed here with scalar formulas (PyTorch's update
// rules written out independently), on every usable backend; the named
// state round trip used by checkpoints; option and state errors.
// Plain SGD is covered by tests/tensor/test_optim.cpp.
#include <boost/test/unit_test.hpp>

#include <minitorch/optim/optim.hpp>

#include "nn_testing.hpp"

#include <cmath>

using namespace mt;
using namespace mt::nntest;

namespace {

// The test problem: L(p) = Σ c_i · p_i², so dL/dp_i = 2 c_i p_i.
const std::vector<double> kStart{1.0, -2.0};
const std::vector<double> kWeights{1.0, 3.0};

void backward_loss(const Tensor& p) {
  const Tensor c = Tensor::from_values(kWeights, {2}, p.options());
  (p * p * c).sum().backward();
}

double host_grad(std::size_t i, double p) {
  return 2.0 * kWeights[i] * p;
}

std::vector<double> run_steps(Optimizer& optimizer, const Tensor& p, int steps) {
  for (int s = 0; s < steps; ++s) {
    optimizer.zero_grad();
    backward_loss(p);
    optimizer.step();
  }
  return p.to_vector();
}

Tensor fresh_parameter(const BackendPtr& backend) {
  return Tensor::from_values(kStart, {2}, on(backend, DType::f64, true));
}

}  // namespace

MT_BACKEND_TEST(optimizers, sgd_momentum_two_steps) {
  const double lr = 0.1, mu = 0.9;
  std::vector<double> expected;
  for (std::size_t i = 0; i < 2; ++i) {
    double p = kStart[i], v = 0.0;
    for (int s = 0; s < 2; ++s) {
      const double g = host_grad(i, p);
      v = s == 0 ? g : mu * v + g;  // PyTorch: the buffer starts as the first gradient
      p -= lr * v;
    }
    expected.push_back(p);
  }
  Tensor p = fresh_parameter(backend);
  SGD sgd({p}, lr, {.momentum = mu});
  const auto storage = p.storage();
  BOOST_TEST(compare(p, run_steps(sgd, p, 2), {2}) == "");
  BOOST_TEST(compare(p, expected, {2}, 1e-12) == "");
  BOOST_TEST(p.storage() == storage);
  BOOST_TEST(p.is_leaf());
  BOOST_TEST(sgd.steps() == 2);
  const NamedTensors state = sgd.state();
  BOOST_TEST(state.size() == 1u);
  BOOST_TEST(state[0].first == "momentum_buffer.0");
}

MT_BACKEND_TEST(optimizers, sgd_nesterov_weight_decay_two_steps) {
  const double lr = 0.05, mu = 0.8, wd = 0.1;
  std::vector<double> expected;
  for (std::size_t i = 0; i < 2; ++i) {
    double p = kStart[i], v = 0.0;
    for (int s = 0; s < 2; ++s) {
      const double g = host_grad(i, p) + wd * p;
      v = s == 0 ? g : mu * v + g;
      p -= lr * (g + mu * v);
    }
    expected.push_back(p);
  }
  Tensor p = fresh_parameter(backend);
  SGD sgd({p}, lr, {.momentum = mu, .weight_decay = wd, .nesterov = true});
  run_steps(sgd, p, 2);
  BOOST_TEST(compare(p, expected, {2}, 1e-12) == "");
}

MT_BACKEND_TEST(optimizers, plain_sgd_has_no_state) {
  Tensor p = fresh_parameter(backend);
  SGD sgd({p}, 0.1);
  BOOST_TEST(sgd.state().empty());
  run_steps(sgd, p, 1);
  BOOST_TEST(
      compare(
          p, {kStart[0] - 0.1 * host_grad(0, kStart[0]), kStart[1] - 0.1 * host_grad(1, kStart[1])},
          {2}, 1e-12) == "");
}

MT_BACKEND_TEST(optimizers, adam_two_steps) {
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.0;
  for (const double decay : {wd, 0.05}) {
    std::vector<double> expected;
    for (std::size_t i = 0; i < 2; ++i) {
      double p = kStart[i], m = 0.0, v = 0.0;
      for (int t = 1; t <= 2; ++t) {
        const double g = host_grad(i, p) + decay * p;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        const double m_hat = m / (1 - std::pow(b1, t));
        const double v_hat = v / (1 - std::pow(b2, t));
        p -= lr * m_hat / (std::sqrt(v_hat) + eps);
      }
      expected.push_back(p);
    }
    BOOST_TEST_CONTEXT("weight_decay " << decay) {
      Tensor p = fresh_parameter(backend);
      Adam adam({p}, lr, {.beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = decay});
      run_steps(adam, p, 2);
      BOOST_TEST(compare(p, expected, {2}, 1e-12) == "");
      BOOST_TEST(adam.steps() == 2);
    }
  }
}

// Saving state() and loading it into a new optimizer over equal parameters
// makes the next step identical; without it the step differs.
MT_BACKEND_TEST(optimizers, adam_state_round_trip) {
  Tensor p = fresh_parameter(backend);
  Adam original({p}, 0.1);
  run_steps(original, p, 2);

  NamedTensors saved;
  for (const auto& [name, value] : original.state())
    saved.emplace_back(name, value.clone().to(DType::f32));  // any dtype is accepted
  BOOST_TEST(saved.size() == 2u);
  BOOST_TEST(saved[0].first == "exp_avg.0");
  BOOST_TEST(saved[1].first == "exp_avg_sq.0");

  Tensor q = Tensor::from_values(p.to_vector(), {2}, on(backend, DType::f64, true));
  Tensor r = Tensor::from_values(p.to_vector(), {2}, on(backend, DType::f64, true));
  Adam restored({q}, 0.1);
  Adam fresh({r}, 0.1);
  restored.load_state(saved);
  restored.set_steps(original.steps());

  const std::vector<double> next = run_steps(original, p, 1);
  run_steps(restored, q, 1);
  run_steps(fresh, r, 1);
  // f32 round trip of the buffers: agreement to float precision.
  BOOST_TEST(compare(q, next, {2}, 1e-6) == "");
  BOOST_TEST(compare(r, next, {2}, 1e-6) != "");
}

MT_BACKEND_TEST(optimizers, state_and_option_errors) {
  Tensor p = fresh_parameter(backend);
  Adam adam({p}, 0.1);
  run_steps(adam, p, 1);
  const std::vector<double> before = adam.state()[0].second.to_vector();

  NamedTensors missing{{"exp_avg.0", zeros({2}, on(backend))}};
  BOOST_CHECK_THROW(adam.load_state(missing), ArgumentError);
  NamedTensors wrong_shape{{"exp_avg.0", zeros({2}, on(backend))},
                           {"exp_avg_sq.0", zeros({3}, on(backend))}};
  BOOST_CHECK_THROW(adam.load_state(wrong_shape), ShapeError);
  NamedTensors unknown{{"exp_avg.0", zeros({2}, on(backend))},
                       {"exp_avg_sq.0", zeros({2}, on(backend))},
                       {"momentum_buffer.0", zeros({2}, on(backend))}};
  BOOST_CHECK_THROW(adam.load_state(unknown), ArgumentError);
  // A rejected load changes nothing.
  BOOST_TEST(adam.state()[0].second.to_vector() == before);
  BOOST_CHECK_THROW(adam.set_steps(-1), ArgumentError);

  BOOST_CHECK_THROW(Adam({p}, 0.0), ArgumentError);
  BOOST_CHECK_THROW(Adam({p}, 0.1, {.beta1 = 1.0}), ArgumentError);
  BOOST_CHECK_THROW(Adam({p}, 0.1, {.beta2 = -0.1}), ArgumentError);
  BOOST_CHECK_THROW(Adam({p}, 0.1, {.eps = 0.0}), ArgumentError);
  BOOST_CHECK_THROW(Adam({p}, 0.1, {.weight_decay = -1.0}), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, 0.1, {.momentum = 1.0}), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, 0.1, {.nesterov = true}), ArgumentError);
  BOOST_CHECK_THROW(SGD({p}, 0.1, {.weight_decay = std::nan("")}), ArgumentError);

  adam.set_lr(0.5);
  BOOST_TEST(adam.lr() == 0.5);
  Optimizer& base = adam;
  base.set_lr(0.25);
  BOOST_TEST(base.lr() == 0.25);
  BOOST_CHECK_THROW(base.set_lr(-1.0), ArgumentError);
}

// A parameter without a gradient is left alone, buffers included.
MT_BACKEND_TEST(optimizers, parameters_without_gradients_are_skipped) {
  Tensor used = fresh_parameter(backend);
  Tensor unused = Tensor::from_values({5.0}, {1}, on(backend, DType::f64, true));
  Adam adam({used, unused}, 0.1);
  run_steps(adam, used, 1);
  BOOST_TEST(unused.item() == 5.0);
  for (const auto& [name, value] : adam.state()) {
    if (name.ends_with(".1"))
      BOOST_TEST(value.item() == 0.0);
  }
}
