// test_layers.cpp — Linear, Conv1d, Conv2d, Dropout, ReLU, Sigmoid and Flatten modules on every
// backend: shapes, dotted parameter names, PyTorch init bounds,
// forward values against host loops, train/eval, and MiniTorch's MNIST
// network (shapes, gradients and a short overfit). Not a training benchmark.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/init.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"

#include <algorithm>
#include <cmath>

using namespace mt;
using namespace mt::nntest;

namespace {

// Largest |x| and whether any two values differ.
std::pair<double, bool> spread(const Tensor& t) {
  const std::vector<double> v = t.to_vector();
  double biggest = 0.0;
  for (const double x : v)
    biggest = std::max(biggest, std::fabs(x));
  const bool varied = std::any_of(v.begin(), v.end(), [&](double x) { return x != v.front(); });
  return {biggest, varied};
}

// MiniTorch's run_mnist_multiclass network with these layers.
class MnistNet : public Module {
 public:
  explicit MnistNet(TensorOptions options) {
    conv1_ = add_module("conv1", std::make_shared<nn::Conv2d>(1, 4, 3, 3, options));
    conv2_ = add_module("conv2", std::make_shared<nn::Conv2d>(4, 8, 3, 3, options));
    linear1_ = add_module("linear1", std::make_shared<nn::Linear>(392, 64, options));
    linear2_ = add_module("linear2", std::make_shared<nn::Linear>(64, 10, options));
    dropout_ = add_module("dropout", std::make_shared<nn::Dropout>(0.25));
  }
  Tensor operator()(const Tensor& x) const {
    const int64_t batch = x.size(0);
    Tensor h = (*conv1_)(x).relu();
    h = (*conv2_)(h).relu();
    h = nn::avgpool2d(h, 4, 4).view({batch, 392});
    h = (*dropout_)((*linear1_)(h).relu());
    return nn::logsoftmax((*linear2_)(h), 1);
  }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::Linear> linear1_, linear2_;
  std::shared_ptr<nn::Dropout> dropout_;
};

}  // namespace

MT_BACKEND_TEST(layers, init_uniform_and_bound) {
  BOOST_TEST(nn::init::default_bound(4) == 0.5);
  BOOST_CHECK_THROW(nn::init::default_bound(0), ArgumentError);
  BOOST_CHECK_THROW(nn::init::uniform({2}, 1.0, -1.0), ArgumentError);
  manual_seed(9);
  const Tensor u = nn::init::uniform({1000}, -0.5, 0.25, on(backend, DType::f64, true));
  BOOST_TEST(u.is_leaf());
  BOOST_TEST(u.requires_grad());
  const std::vector<double> v = u.to_vector();
  BOOST_TEST(*std::min_element(v.begin(), v.end()) >= -0.5);
  BOOST_TEST(*std::max_element(v.begin(), v.end()) < 0.25);
  // Mean of 1000 draws of U(−0.5, 0.25): −0.125 ± 0.007 (σ); allow 6σ.
  double mean = 0.0;
  for (const double x : v)
    mean += x / 1000.0;
  BOOST_TEST(std::fabs(mean + 0.125) < 0.042);
}

MT_BACKEND_TEST(layers, linear_shapes_names_init_and_values) {
  manual_seed(1);
  nn::Linear layer(16, 3, on(backend));
  BOOST_TEST(layer.weights().value().shape() == (Shape{16, 3}));
  BOOST_TEST(layer.bias().value().shape() == (Shape{3}));
  BOOST_TEST(layer.weights().value().requires_grad());
  BOOST_TEST(layer.weights().value().is_leaf());
  const auto [wmax, wvaried] = spread(layer.weights().value());
  const auto [bmax, bvaried] = spread(layer.bias().value());
  BOOST_TEST(wmax <= 0.25);  // 1/√16
  BOOST_TEST(bmax <= 0.25);
  BOOST_TEST(wvaried);
  BOOST_TEST(bvaried);
  BOOST_TEST(layer.to_string() == "Linear(in_features=16, out_features=3)");

  std::mt19937_64 rng(4);
  const std::vector<double> x = uniform_values(2 * 16, rng);
  const std::vector<double> w = layer.weights().value().to_vector();
  const std::vector<double> b = layer.bias().value().to_vector();
  std::vector<double> expected;
  for (int r = 0; r < 2; ++r)
    for (int o = 0; o < 3; ++o) {
      double sum = b[static_cast<std::size_t>(o)];
      for (int i = 0; i < 16; ++i)
        sum += x[static_cast<std::size_t>(r * 16 + i)] * w[static_cast<std::size_t>(i * 3 + o)];
      expected.push_back(sum);
    }
  BOOST_TEST(compare(layer(Tensor::from_values(x, {2, 16}, on(backend))), expected, {2, 3}) == "");
  BOOST_CHECK_THROW(layer(zeros({2, 15}, on(backend))), ShapeError);
  BOOST_CHECK_THROW(nn::Linear(0, 3), ArgumentError);
}

MT_BACKEND_TEST(layers, conv_layers_shapes_init_and_bias_broadcast,
                needs({MT_FAMILY_CONV1D, MT_FAMILY_CONV2D})) {
  manual_seed(2);
  nn::Conv2d conv2(2, 3, 2, 2, on(backend));
  BOOST_TEST(conv2.weights().value().shape() == (Shape{3, 2, 2, 2}));
  BOOST_TEST(conv2.bias().value().shape() == (Shape{3, 1, 1}));
  BOOST_TEST(spread(conv2.weights().value()).first <= 1.0 / std::sqrt(8.0));
  BOOST_TEST(spread(conv2.bias().value()).first <= 1.0 / std::sqrt(8.0));
  BOOST_TEST(spread(conv2.weights().value()).second);
  // A zero input leaves only the bias, broadcast over batch and space.
  const std::vector<double> bias = conv2.bias().value().to_vector();
  std::vector<double> expected;
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 3; ++c)
      for (int s = 0; s < 20; ++s)
        expected.push_back(bias[static_cast<std::size_t>(c)]);
  BOOST_TEST(compare(conv2(zeros({2, 2, 4, 5}, on(backend))), expected, {2, 3, 4, 5}) == "");
  // A ones input: each output adds the weights that land inside.
  const Tensor out = conv2(ones({1, 2, 4, 5}, on(backend)));
  const double full = conv2.weights().value().narrow(0, 0, 1).sum().item();
  BOOST_TEST(out.get({0, 0, 0, 0}) == full + bias[0], boost::test_tools::tolerance(1e-12));

  nn::Conv1d conv1(4, 5, 3, on(backend));
  BOOST_TEST(conv1.weights().value().shape() == (Shape{5, 4, 3}));
  BOOST_TEST(conv1.bias().value().shape() == (Shape{1, 5, 1}));
  BOOST_TEST(spread(conv1.weights().value()).first <= 1.0 / std::sqrt(12.0));
  BOOST_TEST(conv1(zeros({2, 4, 7}, on(backend))).shape() == (Shape{2, 5, 7}));
  BOOST_CHECK_THROW(conv1(zeros({2, 3, 7}, on(backend))), ShapeError);
  BOOST_CHECK_THROW(nn::Conv2d(1, 1, 0, 1), ArgumentError);
}

MT_BACKEND_TEST(layers, dropout_module_follows_training_mode) {
  nn::Dropout drop(0.5);
  BOOST_CHECK_THROW(nn::Dropout(1.5), ArgumentError);
  const Tensor x = ones({200}, on(backend));
  BOOST_TEST(drop.training());
  const std::vector<double> trained = drop(x).to_vector();
  BOOST_TEST(std::count(trained.begin(), trained.end(), 0.0) > 0);
  BOOST_TEST(std::count(trained.begin(), trained.end(), 2.0) > 0);  // kept ones scaled by 2
  drop.eval();
  BOOST_TEST(!drop.training());
  BOOST_TEST(drop(x).to_vector() == x.to_vector());
  drop.train();
  const std::vector<double> again = drop(x).to_vector();
  BOOST_TEST(std::count(again.begin(), again.end(), 0.0) > 0);
}

MT_BACKEND_TEST(layers, linear_without_bias) {
  nn::Linear fc(3, 2, on(backend), /*bias=*/false);
  BOOST_TEST(!fc.has_bias());
  BOOST_TEST(fc.named_parameters().size() == 1u);
  BOOST_TEST(fc.named_parameters()[0].first == "weights");
  BOOST_CHECK_THROW(fc.bias(), ArgumentError);
  BOOST_TEST(fc.to_string() == "Linear(in_features=3, out_features=2, bias=false)");
  fc.weights().update(tensor({{1.0, 0.0}, {0.0, 1.0}, {2.0, -1.0}}, on(backend)));
  BOOST_TEST(fc(tensor({{1.0, 2.0, 3.0}}, on(backend))).to_vector() ==
             (std::vector<double>{7.0, -1.0}));
}

MT_BACKEND_TEST(layers, relu_sigmoid_and_flatten_modules) {
  const Tensor x = tensor({{-1.0, 2.0}, {0.0, -3.0}}, on(backend));
  BOOST_TEST(nn::ReLU()(x).to_vector() == (std::vector<double>{0.0, 2.0, 0.0, 0.0}));
  const std::vector<double> s = nn::Sigmoid()(x).to_vector();
  BOOST_TEST(std::fabs(s[1] - 1.0 / (1.0 + std::exp(-2.0))) < 1e-12);
  // t (2, 4, 3, 5), a permuted view: the default merges every dim but the batch.
  std::vector<double> values(120);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<double>(i);
  const Tensor t = Tensor::from_values(values, {2, 3, 4, 5}, on(backend)).permute({0, 2, 1, 3});
  const Tensor flat = nn::Flatten()(t);
  BOOST_TEST(flat.shape() == (Shape{2, 60}));
  BOOST_TEST(flat.to_vector() == t.contiguous().to_vector());  // row-major order of the view
  BOOST_TEST(nn::Flatten(1, 2)(t).shape() == (Shape{2, 12, 5}));
  BOOST_TEST(nn::Flatten(-2, -1)(t).shape() == (Shape{2, 4, 15}));  // t is (2, 4, 3, 5)
  BOOST_TEST(nn::Flatten(0, 0)(t).shape() == t.shape());
  BOOST_TEST(nn::Flatten(0)(tensor(7.0, on(backend))).shape() == (Shape{1}));
  BOOST_CHECK_THROW(nn::Flatten(4)(t), ArgumentError);
  BOOST_CHECK_THROW(nn::Flatten(2, 1)(t), ArgumentError);
  BOOST_TEST(nn::Flatten().to_string() == "Flatten(start_dim=1, end_dim=-1)");
  // Gradients pass through the reshape unchanged.
  Tensor leaf = Tensor::from_values(values, {2, 3, 4, 5}, on(backend)).requires_grad_();
  (nn::Flatten()(leaf) * 2.0).sum().backward();
  const std::vector<double> g = leaf.grad().to_vector();
  BOOST_TEST(std::all_of(g.begin(), g.end(), [](double v) { return v == 2.0; }));
}

MT_BACKEND_TEST(layers, mnist_network_names_shapes_and_gradients,
                needs({MT_FAMILY_CONV2D, MT_FAMILY_MATMUL}, {DType::f32})) {
  manual_seed(3);
  MnistNet net(on(backend, DType::f32));
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters())
    names.push_back(name);
  BOOST_TEST(names == (std::vector<std::string>{"conv1.weights", "conv1.bias", "conv2.weights",
                                                "conv2.bias", "linear1.weights", "linear1.bias",
                                                "linear2.weights", "linear2.bias"}));
  const Tensor images = rand({4, 1, 28, 28}, on(backend, DType::f32));
  const Tensor log_probs = net(images);
  BOOST_TEST(log_probs.shape() == (Shape{4, 10}));
  const std::vector<double> row_sums = log_probs.exp().sum(1).to_vector();
  for (const double s : row_sums)
    BOOST_TEST(s == 1.0, boost::test_tools::tolerance(1e-5));
  nn::nll_loss(log_probs, std::vector<int64_t>{1, 2, 3, 4}).backward();
  for (const auto& [name, p] : net.named_parameters()) {
    BOOST_TEST_CONTEXT(name) {
      const Tensor grad = p->value().grad();
      BOOST_TEST(grad.defined());
      if (grad.defined()) {
        BOOST_TEST(grad.shape() == p->value().shape());
        BOOST_TEST(spread(grad).first > 0.0);
      }
    }
  }
}

// A few Adam steps on one fixed batch must drive the loss well down (the
// network can memorise two images): forward, backward and update all work
// together on each backend.
MT_BACKEND_TEST(layers, mnist_network_overfits_one_batch,
                needs({MT_FAMILY_CONV2D, MT_FAMILY_MATMUL}, {DType::f32})) {
  manual_seed(4);
  MnistNet net(on(backend, DType::f32));
  net.eval();  // deterministic: no dropout
  std::vector<Tensor> params;
  for (auto* p : net.parameters())
    params.push_back(p->value());
  Adam adam(params, 0.01);
  const Tensor images = rand({2, 1, 28, 28}, on(backend, DType::f32));
  const std::vector<int64_t> labels{7, 3};
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 25; ++step) {
    adam.zero_grad();
    const Tensor loss = nn::nll_loss(net(images), labels);
    loss.backward();
    adam.step();
    last = loss.item();
    if (step == 0)
      first = last;
  }
  BOOST_TEST_MESSAGE("overfit on " << backend->name() << ": loss " << first << " -> " << last);
  BOOST_TEST(first > 1.5);  // about log 10 at the start
  BOOST_TEST(last < 0.5 * first);
}
