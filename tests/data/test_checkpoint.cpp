// test_checkpoint.cpp — checkpoint files: a full round trip, each corruption
// (bit flip, truncation, magic, version) as a DataError naming the file,
// models and optimizers that do not fit, the generator state, and atomic
// writes that never leave a partial file behind.
#include <boost/test/unit_test.hpp>
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/tensor/random.hpp>
#include <minitorch/util/io.hpp>

#include "data_testing.hpp"

#include <cmath>

using namespace mt;
using namespace mt::test;

namespace {

Checkpoint sample_checkpoint() {
  Checkpoint ck;
  ck.recipe = "lenet";
  ck.dataset = "mnist";
  ck.epoch = 3;
  ck.dtype = DType::f32;
  ck.hyper = {{"lr", "0.01"}, {"batch", "16"}};
  ck.rng_state = "not checked here";
  ck.optimizer_steps = 11;
  ck.history = {{{"epoch", 1}, {"loss", 0.5}}, {{"epoch", 2}, {"loss", NAN}}};
  ck.parameters = {{"a.weights", {2, 3}, DType::f32, {1, 2, 3, 4, 5, 0.25}},
                   {"a.bias", {3}, DType::f64, {0.1, -0.2, 1e-300}}};
  ck.optimizer_state = {{"momentum_buffer.0", {2, 3}, DType::f32, {0, 0, 1, 0, 0, -1}}};
  return ck;
}

struct TwoLayer : Module {
  explicit TwoLayer(int64_t hidden, TensorOptions options) {
    first = add_module("first", std::make_shared<nn::Linear>(2, hidden, options));
    second = add_module("second", std::make_shared<nn::Linear>(hidden, 1, options));
  }
  std::shared_ptr<nn::Linear> first, second;
};

std::vector<Tensor> params_of(const Module& m) {
  std::vector<Tensor> out;
  for (auto* p : m.parameters())
    out.push_back(p->value());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field) {
  TempDir dir;
  const Checkpoint ck = sample_checkpoint();
  write_checkpoint(dir / "c.ckpt", ck);
  const Checkpoint back = read_checkpoint(dir / "c.ckpt");
  BOOST_TEST(back.recipe == ck.recipe);
  BOOST_TEST(back.dataset == ck.dataset);
  BOOST_TEST(back.epoch == 3);
  BOOST_TEST((back.dtype == DType::f32));
  BOOST_TEST((back.hyper == ck.hyper));
  BOOST_TEST(back.rng_state == ck.rng_state);
  BOOST_TEST(back.optimizer_steps == 11);
  BOOST_TEST(back.history.size() == 2u);
  BOOST_TEST(back.history[0].at("loss") == 0.5);
  BOOST_TEST(std::isnan(back.history[1].at("loss")));
  BOOST_REQUIRE(back.parameters.size() == 2u);
  BOOST_TEST(back.parameters[0].name == "a.weights");
  BOOST_TEST(back.parameters[0].shape == (Shape{2, 3}), boost::test_tools::per_element());
  BOOST_TEST(back.parameters[0].values == ck.parameters[0].values,
             boost::test_tools::per_element());
  BOOST_TEST((back.parameters[1].dtype == DType::f64));
  BOOST_TEST(back.parameters[1].values == ck.parameters[1].values,
             boost::test_tools::per_element());
  BOOST_REQUIRE(back.optimizer_state.size() == 1u);
  BOOST_TEST(back.optimizer_state[0].values == ck.optimizer_state[0].values,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_corruption_is_a_data_error_naming_the_file) {
  TempDir dir;
  write_checkpoint(dir / "c.ckpt", sample_checkpoint());
  const std::string good = read_bytes(dir / "c.ckpt");
  const std::string path = (dir / "c.ckpt").string();

  // A flipped bit anywhere after the header: checksum mismatch.
  for (std::size_t at : {std::size_t{40}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    write_bytes(dir / "c.ckpt", bad);
    const std::string m = data_error_of([&] { read_checkpoint(dir / "c.ckpt"); });
    BOOST_TEST(contains(m, path));
    BOOST_TEST(contains(m, "checksum mismatch"));
  }
  // Truncated: the header's sizes say how many bytes there should be.
  write_bytes(dir / "c.ckpt", good.substr(0, good.size() - 10));
  std::string m = data_error_of([&] { read_checkpoint(dir / "c.ckpt"); });
  BOOST_TEST(contains(m, path));
  BOOST_TEST(contains(m, "truncated: the header describes " + std::to_string(good.size()) +
                             " bytes, got " + std::to_string(good.size() - 10)));
  write_bytes(dir / "c.ckpt", good.substr(0, 10));
  BOOST_TEST(contains(data_error_of([&] { read_checkpoint(dir / "c.ckpt"); }), "truncated"));
  // Not a checkpoint at all.
  write_bytes(dir / "c.ckpt", "{\"json\": \"but not a checkpoint, and long enough\"}");
  BOOST_TEST(contains(data_error_of([&] { read_checkpoint(dir / "c.ckpt"); }), "bad magic"));
  // A future format version.
  std::string future = good;
  future[8] = 9;
  write_bytes(dir / "c.ckpt", future);
  BOOST_TEST(contains(data_error_of([&] { read_checkpoint(dir / "c.ckpt"); }),
                      "format version 9 is not supported"));
  // Missing.
  BOOST_TEST(contains(data_error_of([&] { read_checkpoint(dir / "none.ckpt"); }), "not found"));
}

BOOST_AUTO_TEST_CASE(restores_a_model_and_rejects_a_different_one) {
  TempDir dir;
  const TensorOptions options{.dtype = DType::f64, .backend = reference()};
  manual_seed(1);
  TwoLayer saved_model(4, options);
  Checkpoint saved;
  saved.recipe = "two";
  saved.dataset = "none";
  saved.dtype = DType::f64;
  saved.parameters = save_parameters(saved_model);
  write_checkpoint(dir / "m.ckpt", saved);
  const Checkpoint ck = read_checkpoint(dir / "m.ckpt");

  manual_seed(2);
  TwoLayer same_shape(4, options);
  restore_parameters(same_shape, ck.parameters, dir / "m.ckpt");
  const auto a = params_of(saved_model), b = params_of(same_shape);
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(a[i].to_vector() == b[i].to_vector(), boost::test_tools::per_element());
  BOOST_TEST(b[0].requires_grad());

  // Other shapes: a DataError naming the file, the parameter and both shapes;
  // the model is left as it was.
  manual_seed(3);
  TwoLayer wider(5, options);
  const std::vector<double> before = wider.first->weights().value().to_vector();
  const std::string m =
      data_error_of([&] { restore_parameters(wider, ck.parameters, dir / "m.ckpt"); });
  BOOST_TEST(contains(m, (dir / "m.ckpt").string()));
  BOOST_TEST(contains(m, "first.weights"));
  BOOST_TEST(contains(m, "(2, 4)"));
  BOOST_TEST(contains(m, "(2, 5)"));
  BOOST_TEST(wider.first->weights().value().to_vector() == before,
             boost::test_tools::per_element());

  // Another dtype.
  TwoLayer f32_model(4, TensorOptions{.dtype = DType::f32, .backend = reference()});
  BOOST_TEST(
      contains(data_error_of([&] { restore_parameters(f32_model, ck.parameters, dir / "m.ckpt"); }),
               "saved as f64"));

  // A model with other parameter names/count.
  // The message names what is on one side only, with the shapes.
  nn::Linear single(2, 4, options);
  const std::string other = data_error_of([&] { restore_parameters(single, ck.parameters, "x"); });
  BOOST_TEST(contains(other, "x (checkpoint) holds 4 parameters but the model has 2"), other);
  BOOST_TEST(contains(other, "the model's weights (2, 4), bias (4) not in the file"), other);
  BOOST_TEST(contains(other, "the file's first.weights (2, 4), first.bias (4), second.weights"),
             other);
  BOOST_TEST(contains(other, "different model"), other);
}

BOOST_AUTO_TEST_CASE(optimizer_state_and_metadata_checks) {
  TempDir dir;
  const TensorOptions options{.dtype = DType::f64, .backend = reference()};
  TwoLayer model(3, options);
  Adam adam(params_of(model), 0.01);
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    (model.second->forward(model.first->forward(ones({2, 2}, options))).sum()).backward();
    adam.step();
  }
  Checkpoint ck;
  ck.recipe = "two";
  ck.dataset = "none";
  ck.dtype = DType::f64;
  ck.hyper = {{"lr", hyper_text(0.01)}};
  ck.optimizer_steps = adam.steps();
  ck.optimizer_state = save_optimizer_state(adam);
  write_checkpoint(dir / "o.ckpt", ck);
  const Checkpoint back = read_checkpoint(dir / "o.ckpt");

  Adam fresh(params_of(model), 0.01);
  restore_optimizer_state(fresh, back, dir / "o.ckpt");
  BOOST_TEST(fresh.steps() == 3);
  const auto live = adam.state(), restored = fresh.state();
  BOOST_REQUIRE(live.size() == restored.size());
  for (std::size_t i = 0; i < live.size(); ++i)
    BOOST_TEST(live[i].second.to_vector() == restored[i].second.to_vector(),
               boost::test_tools::per_element());

  // SGD with momentum has other buffers: a DataError naming the file.
  SGD sgd(params_of(model), 0.1, {.momentum = 0.9});
  BOOST_TEST(contains(data_error_of([&] { restore_optimizer_state(sgd, back, dir / "o.ckpt"); }),
                      (dir / "o.ckpt").string()));

  // Metadata mismatches name the field and both values.
  std::string m = data_error_of([&] {
    check_checkpoint_matches(back, "o.ckpt", "two", "none", DType::f64, {{"lr", "0.1"}});
  });
  BOOST_TEST(contains(m, "lr = 0.01, this run asks for 0.1"));
  m = data_error_of(
      [&] { check_checkpoint_matches(back, "o.ckpt", "lenet", "none", DType::f64, {}); });
  BOOST_TEST(contains(m, "recipe \"two\""));
  m = data_error_of(
      [&] { check_checkpoint_matches(back, "o.ckpt", "two", "xor", DType::f64, {}); });
  BOOST_TEST(contains(m, "dataset \"none\""));
  BOOST_CHECK_NO_THROW(
      check_checkpoint_matches(back, "o.ckpt", "two", "none", DType::f64, {{"lr", "0.01"}}));
}

BOOST_AUTO_TEST_CASE(generator_state_round_trip) {
  manual_seed(123);
  uniform();
  const std::string state = generator_state();
  const double a = uniform(), b = uniform();
  manual_seed(999);
  set_generator_state(state, "g.ckpt");
  BOOST_TEST(uniform() == a);
  BOOST_TEST(uniform() == b);
  BOOST_TEST(contains(data_error_of([] { set_generator_state("12 x", "g.ckpt"); }), "g.ckpt"));
}

BOOST_AUTO_TEST_CASE(hyper_text_round_trips_doubles) {
  for (double v : {0.05, 0.01, 1e-3, 0.1 + 0.2, 1.0 / 3.0, 42.0})
    BOOST_TEST(std::strtod(hyper_text(v).c_str(), nullptr) == v);
  BOOST_TEST(hyper_text(0.05) == "0.05");
}

BOOST_AUTO_TEST_CASE(atomic_writes_leave_no_partial_file) {
  TempDir dir;
  write_checkpoint(dir / "c.ckpt", sample_checkpoint());
  const std::string old_bytes = read_bytes(dir / "c.ckpt");
  // A write that cannot be renamed into place (the target is a folder):
  // the error names the path, and no temporary file is left behind.
  fs::create_directory(dir / "taken");
  const std::string m =
      data_error_of([&] { write_checkpoint(dir / "taken", sample_checkpoint()); });
  BOOST_TEST(contains(m, (dir / "taken").string()));
  // Into a folder that does not exist: nothing is created.
  BOOST_CHECK_THROW(write_file_atomically(dir / "no-such-dir" / "f", "x"), DataError);
  BOOST_TEST(!fs::exists(dir / "no-such-dir"));
  // A successful overwrite replaces the whole file.
  Checkpoint smaller = sample_checkpoint();
  smaller.history.clear();
  write_checkpoint(dir / "c.ckpt", smaller);
  BOOST_TEST(read_bytes(dir / "c.ckpt").size() < old_bytes.size());
  BOOST_TEST(read_checkpoint(dir / "c.ckpt").history.empty());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  BOOST_TEST(names == (std::vector<std::string>{"c.ckpt", "taken"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
