// test_modules.cpp — MiniTorch's test_modules (Module 1, unmarked upstream): a ScalarLinear
// layer and the 2→2→1 Network2 built from ScalarModule, plus ScalarSGD on them.
// The forward pass is checked against a sum written out in plain doubles.
#include <minitorch/errors.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/teaching/datasets.hpp>
#include <minitorch/teaching/scalar.hpp>
#include <minitorch/teaching/scalar_optim.hpp>

#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "strategies.hpp"

namespace {

using mt::Scalar;

double uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

class ScalarLinear : public mt::ScalarModule {
 public:
  ScalarLinear(int in_size, int out_size, std::mt19937_64& rng) {
    weights.resize(static_cast<std::size_t>(in_size));
    for (int i = 0; i < in_size; ++i) {
      for (int j = 0; j < out_size; ++j) {
        weights[i].push_back(&add_parameter("weight_" + std::to_string(i) + "_" + std::to_string(j),
                                            Scalar(2.0 * (uniform(rng) - 0.5))));
      }
    }
    for (int j = 0; j < out_size; ++j) {
      bias.push_back(
          &add_parameter("bias_" + std::to_string(j), Scalar(2.0 * (uniform(rng) - 0.5))));
    }
  }

  // y_j = b_j + sum_i x_i w_ij
  std::vector<Scalar> operator()(const std::vector<Scalar>& inputs) const {
    std::vector<Scalar> y;
    for (const Parameter* b : bias) {
      y.push_back(b->value());
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      for (std::size_t j = 0; j < y.size(); ++j) {
        y[j] = y[j] + inputs[i] * weights[i][j]->value();
      }
    }
    return y;
  }

  std::vector<std::vector<Parameter*>> weights;
  std::vector<Parameter*> bias;
};

class Network2 : public mt::ScalarModule {
 public:
  explicit Network2(std::mt19937_64& rng)
      : layer1(add_module("layer1", std::make_shared<ScalarLinear>(2, 2, rng))),
        layer2(add_module("layer2", std::make_shared<ScalarLinear>(2, 1, rng))) {}

  Scalar operator()(const Scalar& x1, const Scalar& x2) const {
    std::vector<Scalar> h = (*layer1)({x1, x2});
    for (Scalar& v : h) {
      v = v.relu();
    }
    return (*layer2)(h)[0].sigmoid();
  }

  std::shared_ptr<ScalarLinear> layer1;
  std::shared_ptr<ScalarLinear> layer2;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(modules)

RC_BOOST_PROP(test_linear, ()) {
  const auto values = *rc::gen::mapcat(rc::gen::inRange(0, 11), [](int n) {
    return rc::gen::container<std::vector<double>>(static_cast<std::size_t>(n),
                                                   mt::test::scalar_values());
  });
  const int out_size = *rc::gen::inRange(5, 21);
  std::mt19937_64 rng(*rc::gen::arbitrary<std::uint64_t>());
  std::vector<Scalar> inputs;
  for (double v : values) {
    inputs.emplace_back(v);
  }
  ScalarLinear lin(static_cast<int>(inputs.size()), out_size, rng);
  const std::vector<Scalar> mid = lin(inputs);
  ScalarLinear lin2(out_size, 1, rng);
  const std::vector<Scalar> out = lin2(mid);

  RC_ASSERT(mid.size() == static_cast<std::size_t>(out_size));
  RC_ASSERT(out.size() == 1u);
  RC_ASSERT(lin.parameters().size() == values.size() * out_size + out_size);
  // The same layer, computed in doubles from the parameter values.
  for (int j = 0; j < out_size; ++j) {
    double expected = lin.bias[j]->value().data();
    for (std::size_t i = 0; i < values.size(); ++i) {
      expected += values[i] * lin.weights[i][j]->value().data();
    }
    RC_ASSERT(std::fabs(mid[j].data() - expected) <= 1e-9 * (1.0 + std::fabs(expected)));
  }
}

BOOST_AUTO_TEST_CASE(test_nn_size) {
  std::mt19937_64 rng(7);
  Network2 model(rng);
  BOOST_TEST(model.parameters().size() ==
             model.layer1->parameters().size() + model.layer2->parameters().size());
  BOOST_TEST(model.parameters().size() == 9u);  // (2*2 + 2) + (2*1 + 1)

  BOOST_TEST(model.layer2->bias[0]->value().data() != 0.0);
  BOOST_TEST(model.layer1->bias[0]->value().data() != 0.0);
  BOOST_TEST(model.layer1->weights[0][0]->value().data() != 0.0);

  for (mt::ScalarParameter* p : model.parameters()) {
    p->update(Scalar(0.0));
  }
  BOOST_TEST(model.layer2->bias[0]->value().data() == 0.0);
  BOOST_TEST(model.layer1->bias[0]->value().data() == 0.0);
  BOOST_TEST(model.layer1->weights[0][0]->value().data() == 0.0);
  for (const auto& [name, p] : model.named_parameters()) {
    BOOST_TEST(p->value().data() == 0.0, name);
  }
  BOOST_TEST(model.named_parameters()[0].first == "layer1.weight_0_0");
}

BOOST_AUTO_TEST_CASE(test_sgd_step) {
  mt::ScalarModule m;
  mt::ScalarParameter& w = m.add_parameter("w", Scalar(3.0));
  mt::ScalarParameter& unused = m.add_parameter("unused", Scalar(1.0));
  mt::ScalarSGD sgd(m.parameters(), 0.5);
  (w.value() * w.value()).backward();  // d/dw w^2 = 6
  sgd.step();
  BOOST_TEST(w.value().data() == 3.0 - 0.5 * 6.0);
  BOOST_TEST(!w.value().derivative().has_value());  // a fresh leaf
  BOOST_TEST(w.value().is_leaf());
  BOOST_TEST(w.value().name() == "w");
  BOOST_TEST(unused.value().data() == 1.0);  // no derivative, no step

  (w.value() * 2.0).backward();
  sgd.zero_grad();
  BOOST_TEST(!w.value().derivative().has_value());
  sgd.step();
  BOOST_TEST(w.value().data() == 0.0);
}

BOOST_AUTO_TEST_CASE(test_sgd_rejects_bad_settings) {
  mt::ScalarModule m;
  m.add_parameter("w", Scalar(1.0));
  BOOST_CHECK_THROW(mt::ScalarSGD(m.parameters(), 0.0), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::ScalarSGD(m.parameters(), -1.0), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::ScalarSGD(m.parameters(), std::nan("")), mt::ArgumentError);
  BOOST_CHECK_THROW(mt::ScalarSGD({nullptr}, 0.1), mt::ArgumentError);
}

// End to end, as MiniTorch's run_scalar does: a few epochs of SGD on the "simple" set must
// lower the binary cross-entropy.
BOOST_AUTO_TEST_CASE(test_training_lowers_loss) {
  std::mt19937_64 rng(3);
  Network2 model(rng);
  const mt::Graph data = mt::simple(30, 11);
  mt::ScalarSGD sgd(model.parameters(), 0.5);
  auto epoch_loss = [&](bool learn) {
    double total = 0.0;
    sgd.zero_grad();
    for (std::size_t i = 0; i < data.X.size(); ++i) {
      const Scalar out = model(Scalar::constant(data.X[i][0]), Scalar::constant(data.X[i][1]));
      // -log p for label 1, -log(1 - p) for label 0
      Scalar loss = data.y[i] == 1 ? -out.log() : -(-out + 1.0).log();
      total += loss.data();
      if (learn) {
        (loss / static_cast<double>(data.X.size())).backward();
      }
    }
    if (learn) {
      sgd.step();
    }
    return total;
  };
  const double before = epoch_loss(false);
  for (int epoch = 0; epoch < 40; ++epoch) {
    epoch_loss(true);
  }
  const double after = epoch_loss(false);
  BOOST_TEST(after < before, "loss before " << before << ", after " << after);
}

BOOST_AUTO_TEST_SUITE_END()
