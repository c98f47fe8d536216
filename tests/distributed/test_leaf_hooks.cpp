// test_leaf_hooks.cpp — the backward engine's leaf hooks (what DDP overlaps on), on every
// backend: each hook runs once per backward, after its leaf's last gradient edge and before the
// nodes that come later, with the final gradient; leaves reached by several paths, by no
// gradient, or not at all; guards nest; errors. Not a test of DDP.
#include <boost/test/unit_test.hpp>
#include <minitorch/tensor/autograd.hpp>

#include "backend_suites.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace mt;

namespace {

// An op that passes no gradient back (its input's gradient is undefined).
class Block : public Node {
 public:
  const char* name() const override { return "Block"; }
  std::vector<Tensor> backward(const Tensor&) override { return {Tensor()}; }
};

TensorOptions f64(const BackendPtr& backend, bool requires_grad = true) {
  return {.dtype = DType::f64, .backend = backend, .requires_grad = requires_grad};
}

}  // namespace

MT_BACKEND_TEST(test_leaf_hooks, each_hook_runs_once_with_the_final_gradient) {
  const Tensor a = tensor({1, 2}, f64(backend));
  const Tensor b = tensor({3, 4}, f64(backend));
  // y = sum(a*b + a*a): a is reached by three edges (two from a*a), b by one.
  // dy/da = b + 2a = (5, 8); dy/db = a = (1, 2).
  const Tensor y = (a * b + a * a).sum();
  LeafHooks hooks;
  std::vector<std::string> calls;
  std::vector<std::vector<double>> seen;
  hooks.add(a, [&](const Tensor& leaf) {
    calls.push_back("a");
    seen.push_back(leaf.grad().to_vector());
  });
  hooks.add(b, [&](const Tensor& leaf) {
    calls.push_back("b");
    seen.push_back(leaf.grad().to_vector());
  });
  {
    LeafHookGuard guard(hooks);
    y.backward();
  }
  BOOST_TEST_REQUIRE(calls.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto expected = calls[i] == "a" ? std::vector<double>{5, 8} : std::vector<double>{1, 2};
    BOOST_TEST(seen[i] == expected, "hook " << calls[i]);
  }
  // Without the guard the hooks are not called.
  y.backward();
  BOOST_TEST(calls.size() == 2u);
  BOOST_TEST((a.grad().to_vector() == std::vector<double>{10, 16}));
}

MT_BACKEND_TEST(test_leaf_hooks, a_hook_runs_before_later_nodes) {
  // A chain: w1 feeds the first layer, w2 the last. Backward reaches w2 first; its hook must run
  // before w1's gradient exists (what lets DDP start w2's bucket while w1's is computed).
  const Tensor x = tensor({1, 2}, f64(backend, false));
  const Tensor w1 = tensor({0.5, -1}, f64(backend));
  const Tensor w2 = tensor({2, 3}, f64(backend));
  const Tensor y = ((x * w1).exp() * w2).sum();
  LeafHooks hooks;
  std::vector<std::string> order;
  bool w1_had_grad_at_w2 = true;
  hooks.add(w1, [&](const Tensor&) { order.push_back("w1"); });
  hooks.add(w2, [&](const Tensor&) {
    order.push_back("w2");
    w1_had_grad_at_w2 = w1.grad().defined();
  });
  LeafHookGuard guard(hooks);
  y.backward();
  BOOST_TEST((order == std::vector<std::string>{"w2", "w1"}));
  BOOST_TEST(!w1_had_grad_at_w2);
}

MT_BACKEND_TEST(test_leaf_hooks, unreached_and_gradientless_leaves_are_called_first) {
  const Tensor used = tensor({1, 2}, f64(backend));
  const Tensor unused = tensor({7}, f64(backend));            // not in the graph at all
  const Tensor frozen = tensor({3, 3}, f64(backend, false));  // in the graph, no grad
  const Tensor y = (used * frozen).sum();
  LeafHooks hooks;
  std::vector<std::string> order;
  hooks.add(unused, [&](const Tensor& leaf) {
    order.push_back("unused");
    BOOST_TEST(!leaf.grad().defined());
  });
  hooks.add(frozen, [&](const Tensor&) { order.push_back("frozen"); });
  hooks.add(used, [&](const Tensor&) { order.push_back("used"); });
  hooks.add(used, [&](const Tensor&) { order.push_back("used again"); });
  LeafHookGuard guard(hooks);
  y.backward();
  // The leaves no edge reaches before any node runs, in registration order; then `used` when
  // its edge is done (both its hooks, in registration order).
  BOOST_TEST((order == std::vector<std::string>{"unused", "frozen", "used", "used again"}));
}

MT_BACKEND_TEST(test_leaf_hooks, a_leaf_whose_paths_give_no_gradient_is_still_called_once) {
  // y = sum(block(w * x)) + sum(b): `block` passes no gradient back, so the w * x node gets none
  // and w's only edge delivers nothing. w's hook runs once, when that edge is skipped — before
  // the end of backward — and w has no gradient; b is unaffected.
  const Tensor x = tensor({1, 2}, f64(backend, false));
  const Tensor w = tensor({3, 4}, f64(backend));
  const Tensor b = tensor({5}, f64(backend));
  const Tensor wx = w * x;
  Tensor blocked = wx.detach().clone();
  record<Block>(blocked, wx);
  const Tensor y = blocked.sum() + b.sum();
  LeafHooks hooks;
  std::vector<std::string> order;
  hooks.add(w, [&](const Tensor& leaf) {
    order.push_back("w");
    BOOST_TEST(!leaf.grad().defined());
  });
  hooks.add(b, [&](const Tensor&) { order.push_back("b"); });
  LeafHookGuard guard(hooks);
  y.backward();
  BOOST_TEST(order.size() == 2u);
  BOOST_TEST(std::count(order.begin(), order.end(), "w") == 1);
  BOOST_TEST(std::count(order.begin(), order.end(), "b") == 1);
  BOOST_TEST(!w.grad().defined());
  BOOST_TEST((b.grad().to_vector() == std::vector<double>{1}));
}

MT_BACKEND_TEST(test_leaf_hooks, the_root_as_a_leaf_and_nested_guards) {
  const Tensor a = tensor({2}, f64(backend));
  LeafHooks outer, inner;
  int outer_calls = 0, inner_calls = 0;
  outer.add(a, [&](const Tensor&) { ++outer_calls; });
  inner.add(a, [&](const Tensor&) { ++inner_calls; });
  LeafHookGuard g1(outer);
  {
    LeafHookGuard g2(inner);
    a.backward(tensor({1}, f64(backend, false)));
  }
  BOOST_TEST(inner_calls == 1);
  BOOST_TEST(outer_calls == 0);
  (a * 3.0).sum().backward();
  BOOST_TEST(outer_calls == 1);
  BOOST_TEST(inner_calls == 1);
}

MT_BACKEND_TEST(test_leaf_hooks, add_refuses_non_leaves_and_empty_hooks) {
  const Tensor a = tensor({2}, f64(backend));
  LeafHooks hooks;
  BOOST_CHECK_THROW(hooks.add(Tensor(), [](const Tensor&) {}), ArgumentError);
  BOOST_CHECK_THROW(hooks.add(a * 2.0, [](const Tensor&) {}), ArgumentError);
  BOOST_CHECK_THROW(hooks.add(a, LeafHook()), ArgumentError);
  BOOST_TEST(hooks.empty());
}
