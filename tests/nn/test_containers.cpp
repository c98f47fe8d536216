// test_containers.cpp — Sequential, ModuleList, ModuleDict and Functional on every backend:
// chaining against hand-called layers, child and parameter names, indexing and its errors,
// typed access and torch-style printing. Not a test of the layers themselves.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/containers.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"

#include <string>

using namespace mt;
using namespace mt::nntest;

namespace {
std::vector<std::string> parameter_names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters())
    out.push_back(name);
  return out;
}
}  // namespace

MT_BACKEND_TEST(containers, sequential_chains_forward) {
  manual_seed(11);
  auto fc1 = std::make_shared<nn::Linear>(4, 3, on(backend));
  auto fc2 = std::make_shared<nn::Linear>(3, 2, on(backend));
  nn::Sequential seq(
      fc1, std::make_shared<nn::Functional>([](const Tensor& x) { return x.relu(); }, "ReLU"));
  seq.push_back(fc2);
  seq.push_back([](const Tensor& x) { return x * 2.0; }, "Double");
  BOOST_TEST(seq.size() == 4u);
  std::mt19937_64 rng(3);
  const Tensor x = Tensor::from_values(uniform_values(8, rng), {2, 4}, on(backend));
  const Tensor expected = (*fc2)((*fc1)(x).relu()) * 2.0;
  BOOST_TEST(compare(seq(x), expected.to_vector(), {2, 2}, 1e-12) == "");
  BOOST_TEST(parameter_names(seq) ==
             (std::vector<std::string>{"0.weights", "0.bias", "2.weights", "2.bias"}));
  // Gradients flow through the chain to every layer.
  seq(x).sum().backward();
  BOOST_TEST(fc1->weights().value().grad().defined());
  BOOST_TEST(fc2->bias().value().grad().defined());
  BOOST_TEST(compare(fc2->bias().value().grad(), {4.0, 4.0}, {2}) == "");  // 2 rows × 2
  // An empty Sequential is the identity.
  BOOST_TEST(compare(nn::Sequential()(x), x.to_vector(), {2, 4}) == "");
}

MT_BACKEND_TEST(containers, sequential_indexing_and_errors) {
  auto fc = std::make_shared<nn::Linear>(2, 2, on(backend));
  nn::Sequential seq;
  seq.push_back(fc);
  seq.push_back("act", std::make_shared<nn::Functional>([](const Tensor& x) { return x; }));
  BOOST_TEST(seq[0] == fc);
  BOOST_TEST(seq[-2] == fc);
  BOOST_TEST(seq.at<nn::Linear>(0) == fc);
  BOOST_TEST(seq.named_children()[1].first == "act");
  BOOST_CHECK_THROW(seq[2], IndexingError);
  BOOST_CHECK_THROW(seq[-3], IndexingError);
  BOOST_CHECK_THROW(seq.at<nn::Conv2d>(0), ArgumentError);
  BOOST_CHECK_THROW(seq.push_back("act", fc), ArgumentError);
  BOOST_CHECK_THROW(seq.push_back(std::shared_ptr<nn::Linear>()), ArgumentError);
  BOOST_CHECK_THROW(nn::Functional(nn::Functional::Function()), ArgumentError);
  try {
    seq[5];
  } catch (const IndexingError& e) {
    BOOST_TEST(std::string(e.what()).find("index 5") != std::string::npos, e.what());
  }
}

MT_BACKEND_TEST(containers, sequential_prints_like_torch) {
  nn::Sequential seq(
      std::make_shared<nn::Linear>(4, 3, on(backend)),
      std::make_shared<nn::Functional>([](const Tensor& x) { return x.relu(); }, "ReLU"));
  nn::Sequential outer;
  outer.push_back(
      std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 1, on(backend))));
  BOOST_TEST(seq.to_string() ==
             "Sequential(\n  (0): Linear(in_features=4, out_features=3)\n  (1): ReLU()\n)");
  BOOST_TEST(
      outer.to_string() ==
      "Sequential(\n  (0): Sequential(\n    (0): Linear(in_features=2, out_features=1)\n  )\n)");
}

MT_BACKEND_TEST(containers, module_list_holds_by_position) {
  nn::ModuleList list(std::make_shared<nn::Linear>(3, 3, on(backend)));
  auto second = list.append(std::make_shared<nn::Linear>(3, 1, on(backend)));
  BOOST_TEST(list.size() == 2u);
  BOOST_TEST(list[1] == second);
  BOOST_TEST(list[-1] == second);
  BOOST_TEST(list.at<nn::Linear>(1)->out_features() == 1);
  BOOST_CHECK_THROW(list[2], IndexingError);
  BOOST_CHECK_THROW(list.at<nn::Dropout>(0), ArgumentError);
  // Iterating and calling each entry by hand, as a torch loop over a ModuleList does.
  Tensor h = ones({1, 3}, on(backend));
  std::size_t count = 0;
  for (const auto& m : list) {
    h = (*std::dynamic_pointer_cast<nn::Linear>(m))(h);
    ++count;
  }
  BOOST_TEST(count == 2u);
  BOOST_TEST(h.shape() == (Shape{1, 1}));
  BOOST_TEST(parameter_names(list) ==
             (std::vector<std::string>{"0.weights", "0.bias", "1.weights", "1.bias"}));
  BOOST_TEST(list.to_string() ==
             "ModuleList(\n  (0): Linear(in_features=3, out_features=3)\n  (1): "
             "Linear(in_features=3, out_features=1)\n)");
}

MT_BACKEND_TEST(containers, module_dict_by_name_in_order) {
  nn::ModuleDict dict({{"encoder", std::make_shared<nn::Linear>(2, 4, on(backend))},
                       {"decoder", std::make_shared<nn::Linear>(4, 2, on(backend))}});
  auto drop = dict.insert("drop", std::make_shared<nn::Dropout>(0.1));
  BOOST_TEST(dict.size() == 3u);
  BOOST_TEST(dict.keys() == (std::vector<std::string>{"encoder", "decoder", "drop"}));
  BOOST_TEST(dict.contains("decoder"));
  BOOST_TEST(!dict.contains("middle"));
  BOOST_TEST(dict["drop"] == drop);
  BOOST_TEST(dict.at<nn::Linear>("decoder")->in_features() == 4);
  BOOST_CHECK_THROW(dict.insert("drop", std::make_shared<nn::Dropout>(0.2)), ArgumentError);
  try {
    dict["middle"];
    BOOST_FAIL("an unknown name must throw");
  } catch (const ArgumentError& e) {
    BOOST_TEST(std::string(e.what()).find("encoder, decoder, drop") != std::string::npos, e.what());
  }
  std::vector<std::string> seen;
  for (const auto& [name, m] : dict)
    seen.push_back(name);
  BOOST_TEST(seen == dict.keys());
  BOOST_TEST(parameter_names(dict) ==
             (std::vector<std::string>{"encoder.weights", "encoder.bias", "decoder.weights",
                                       "decoder.bias"}));
}
