// test_module_api.cpp — the tensor Module API on every backend: buffers, to(backend) and
// to(dtype), state_dict and load_state_dict (names, shapes, conversions, strictness, and
// that a failed load changes nothing). Not a test of the layers' maths.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"

#include <string>

using namespace mt;
using namespace mt::nntest;

namespace {

// A Linear plus a buffer of its own, inside a parent with a buffer: the dotted names and
// torch's order (own parameters, own buffers, then children) are all exercised.
class Inner : public Module {
 public:
  explicit Inner(TensorOptions options) {
    fc = add_module("fc", std::make_shared<nn::Linear>(3, 2, options));
    counts = &register_buffer("counts", Tensor::from_values({1, 2}, {2}, options));
  }
  Tensor operator()(const Tensor& x) const { return (*fc)(x) * *counts; }
  std::shared_ptr<nn::Linear> fc;
  Tensor* counts;
};

class Outer : public Module {
 public:
  explicit Outer(TensorOptions options) {
    scale = &add_parameter("scale", Tensor::from_values({0.5}, {1}, options));
    register_buffer("step", zeros({1}, options));
    inner = add_module("inner", std::make_shared<Inner>(options));
  }
  Tensor operator()(const Tensor& x) const { return (*inner)(x)*scale->value(); }
  Parameter* scale;
  std::shared_ptr<Inner> inner;
};

std::vector<std::string> names_of(const StateDict& dict) {
  return dict.keys();
}

}  // namespace

MT_BACKEND_TEST(module_api, buffers_are_named_and_not_trainable) {
  Outer net(on(backend));
  const auto buffers = net.named_buffers();
  BOOST_REQUIRE_EQUAL(buffers.size(), 2u);
  BOOST_TEST(buffers[0].first == "step");
  BOOST_TEST(buffers[1].first == "inner.counts");
  BOOST_TEST(!buffers[1].second->requires_grad());
  BOOST_TEST(buffers[1].second == net.inner->counts);
  BOOST_TEST(&net.buffer("inner.counts") == net.inner->counts);
  // Buffers are not parameters.
  std::vector<std::string> params;
  for (const auto& [name, p] : net.named_parameters())
    params.push_back(name);
  BOOST_TEST(params == (std::vector<std::string>{"scale", "inner.fc.weights", "inner.fc.bias"}));
  // A buffer registered from a tensor that requires grad is stored detached.
  Module m;
  Tensor& b = m.register_buffer("b", ones({2}, on(backend, DType::f64, true)));
  BOOST_TEST(!b.requires_grad());
  BOOST_CHECK_THROW(m.register_buffer("b", ones({2}, on(backend))), ArgumentError);
  BOOST_CHECK_THROW(m.add_parameter("b", ones({2}, on(backend))), ArgumentError);
  BOOST_CHECK_THROW(m.register_buffer("a.b", ones({2}, on(backend))), ArgumentError);
  BOOST_CHECK_THROW(m.register_buffer("u", Tensor()), ArgumentError);
  BOOST_CHECK_THROW(net.buffer("inner.nothing"), ArgumentError);
}

MT_BACKEND_TEST(module_api, to_backend_moves_parameters_and_buffers) {
  const BackendPtr reference = load_backend("reference");
  manual_seed(3);
  Outer net(on(reference));
  const std::vector<double> w = net.inner->fc->weights().value().to_vector();
  Parameter* weights_before = &net.inner->fc->weights();
  net.to(backend);
  for (const auto& [name, p] : net.named_parameters()) {
    BOOST_TEST(p->value().backend() == backend, name);
    BOOST_TEST(p->value().is_leaf(), name);
    BOOST_TEST(p->value().requires_grad(), name);
  }
  for (const auto& [name, b] : net.named_buffers()) {
    BOOST_TEST(b->backend() == backend, name);
    BOOST_TEST(!b->requires_grad(), name);
  }
  // The same Parameter objects (layers keep pointers to them), with the same values.
  BOOST_TEST(&net.inner->fc->weights() == weights_before);
  BOOST_TEST(compare(net.inner->fc->weights().value(), w, {3, 2}) == "");
  // The tree still works: forward on the new backend and gradients reach the leaves.
  const Tensor x = Tensor::from_values({1, 2, 3}, {1, 3}, on(backend));
  const Tensor y = net(x);
  BOOST_TEST(y.backend() == backend);
  y.sum().backward();
  BOOST_TEST(net.scale->value().grad().defined());
  BOOST_TEST(net.inner->fc->bias().value().grad().backend() == backend);
  // d/dbias_j of sum(fc(x) * counts * scale) = counts_j * scale.
  BOOST_TEST(compare(net.inner->fc->bias().value().grad(), {0.5, 1.0}, {2}) == "");
  net.to(reference);
  BOOST_TEST(net.scale->value().backend() == reference);
  BOOST_CHECK_THROW(net.to(BackendPtr()), ArgumentError);
}

MT_BACKEND_TEST(module_api, optimizer_from_parameters_follows_to) {
  // Built before the move from parameters(), it steps the moved tensors on the new backend.
  const BackendPtr reference = load_backend("reference");
  Outer net(on(reference));
  SGD sgd(net.parameters(), 0.5);
  net.to(backend);
  net(ones({1, 3}, on(backend))).sum().backward();
  const std::vector<double> bias = net.inner->fc->bias().value().to_vector();
  sgd.step();
  // bias −= 0.5 · (counts · scale) = 0.5 · (0.5, 1.0).
  BOOST_TEST(net.inner->fc->bias().value().backend() == backend);
  BOOST_TEST(compare(net.inner->fc->bias().value(), {bias[0] - 0.25, bias[1] - 0.5}, {2}) == "");
}

MT_BACKEND_TEST(module_api, to_dtype_converts_everything) {
  Outer net(on(backend, DType::f64));
  net.to(DType::f32);
  for (const auto& [name, t] : net.state_dict())
    BOOST_TEST((t.dtype() == DType::f32), name);
  BOOST_TEST(net.scale->value().requires_grad());
  BOOST_TEST(net.scale->value().is_leaf());
  BOOST_TEST((net(ones({4, 3}, on(backend, DType::f32))).dtype() == DType::f32));
  // A no-op to() keeps the very same tensors (so an optimizer made earlier keeps working).
  const Tensor before = net.scale->value();
  net.to(DType::f32);
  net.to(backend);
  BOOST_TEST(net.scale->value().same(before));
}

MT_BACKEND_TEST(module_api, state_dict_names_order_and_detached) {
  Outer net(on(backend));
  const StateDict dict = net.state_dict();
  BOOST_TEST(names_of(dict) == (std::vector<std::string>{"scale", "step", "inner.counts",
                                                         "inner.fc.weights", "inner.fc.bias"}));
  BOOST_TEST(!dict["scale"].requires_grad());
  BOOST_TEST(dict["scale"].storage() == net.scale->value().storage());
  BOOST_TEST(dict["inner.fc.weights"].shape() == (Shape{3, 2}));
  BOOST_TEST(compare(dict["inner.counts"], {1, 2}, {2}) == "");
  BOOST_CHECK_THROW(dict["nope"], ArgumentError);
  StateDict copy;
  copy.insert("a", ones({1}, on(backend)));
  BOOST_CHECK_THROW(copy.insert("a", ones({1}, on(backend))), ArgumentError);
  BOOST_CHECK_THROW(copy.insert("b", Tensor()), ArgumentError);
}

MT_BACKEND_TEST(module_api, load_state_dict_copies_and_converts) {
  manual_seed(5);
  Outer source(on(backend, DType::f32));
  source.buffer("step").fill_(7.0);
  manual_seed(6);
  Outer target(on(backend, DType::f64));
  const Tensor target_weights = target.inner->fc->weights().value();
  const auto result = target.load_state_dict(source.state_dict());
  BOOST_TEST(result.missing_keys.empty());
  BOOST_TEST(result.unexpected_keys.empty());
  // In place: the same tensor handles, now holding the source's values, still f64 leaves.
  BOOST_TEST(target.inner->fc->weights().value().same(target_weights));
  BOOST_TEST((target_weights.dtype() == DType::f64));
  BOOST_TEST(target_weights.requires_grad());
  BOOST_TEST(compare(target_weights, source.inner->fc->weights().value().to_vector(), {3, 2},
                     1e-12) == "");
  BOOST_TEST(target.buffer("step").item() == 7.0);
  // Copied, not shared: changing the source afterwards leaves the target alone.
  source.buffer("step").fill_(9.0);
  BOOST_TEST(target.buffer("step").item() == 7.0);
  // From another backend too.
  Outer elsewhere(on(load_backend("reference")));
  elsewhere.buffer("step").fill_(3.0);
  target.load_state_dict(elsewhere.state_dict());
  BOOST_TEST(target.buffer("step").item() == 3.0);
  BOOST_TEST(target.buffer("step").backend() == backend);
}

MT_BACKEND_TEST(module_api, load_state_dict_errors_change_nothing) {
  Outer net(on(backend));
  const std::vector<double> scale_before = net.scale->value().to_vector();
  // Missing and unexpected names, all listed.
  StateDict partial{{"scale", full({1}, 4.0, on(backend))}, {"extra", ones({1}, on(backend))}};
  try {
    net.load_state_dict(partial);
    BOOST_FAIL("a strict load of a partial dict must throw");
  } catch (const ArgumentError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("inner.fc.weights") != std::string::npos, what);
    BOOST_TEST(what.find("step") != std::string::npos, what);
    BOOST_TEST(what.find("extra") != std::string::npos, what);
  }
  BOOST_TEST(net.scale->value().to_vector() == scale_before);
  // Not strict: loads what matches, reports the rest.
  const auto result = net.load_state_dict(partial, /*strict=*/false);
  BOOST_TEST(net.scale->value().item() == 4.0);
  BOOST_TEST(result.unexpected_keys == (std::vector<std::string>{"extra"}));
  BOOST_TEST(
      result.missing_keys ==
      (std::vector<std::string>{"step", "inner.counts", "inner.fc.weights", "inner.fc.bias"}));
  // A wrong shape names the entry and both shapes; the valid entry before it is not copied.
  StateDict good = net.state_dict();
  StateDict bad;
  for (const auto& [name, t] : good) {
    if (name == "inner.fc.weights")
      bad.insert(name, zeros({2, 3}, on(backend)));
    else
      bad.insert(name, full(t.shape(), 11.0, on(backend)));
  }
  try {
    net.load_state_dict(bad);
    BOOST_FAIL("a wrong shape must throw");
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("inner.fc.weights") != std::string::npos, what);
    BOOST_TEST(what.find("(3, 2)") != std::string::npos, what);
    BOOST_TEST(what.find("(2, 3)") != std::string::npos, what);
  }
  BOOST_TEST(net.scale->value().item() == 4.0);
  BOOST_TEST(net.buffer("step").item() == 0.0);
}
