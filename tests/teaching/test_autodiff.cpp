// test_autodiff.cpp — MiniTorch's test_autodiff (task1_3, task1_4): chain_rule1–4 and
// backprop1–4 with the Function1 / Function2 fixtures, plus the topological order itself
// and backpropagate over a value type that is not Scalar.
#include <minitorch/teaching/autodiff.hpp>
#include <minitorch/teaching/scalar.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace {

using mt::Scalar;
using mt::ScalarContext;
using mt::ScalarHistory;

// x + y + 10, derivative 1 for both.
struct Function1 : mt::ScalarFunction<Function1, 2> {
  static constexpr std::string_view name = "Function1";
  static double forward(ScalarContext&, double x, double y) { return x + y + 10.0; }
  static std::array<double, 2> backward(const ScalarContext&, double d) { return {d, d}; }
};

// x * y + x: derivatives y + 1 and x.
struct Function2 : mt::ScalarFunction<Function2, 2> {
  static constexpr std::string_view name = "Function2";
  static double forward(ScalarContext& ctx, double x, double y) {
    ctx.save_for_backward(x, y);
    return x * y + x;
  }
  static std::array<double, 2> backward(const ScalarContext& ctx, double d) {
    const double x = ctx.saved(0);
    const double y = ctx.saved(1);
    return {d * (y + 1.0), d * x};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(autodiff)

// ---- task1_3: chain rule ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(test_chain_rule1) {
  Scalar x(0.0);
  Scalar constant(0.0, ScalarHistory{&Function1::info(), ScalarContext{}, {x, x}});
  const auto back = constant.chain_rule(5.0);
  BOOST_TEST(back.size() == 2u);
}

BOOST_AUTO_TEST_CASE(test_chain_rule2) {
  Scalar var(0.0, ScalarHistory{});
  Scalar constant(0.0, ScalarHistory{&Function1::info(), ScalarContext{}, {var, var}});
  const auto back = constant.chain_rule(5.0);
  BOOST_TEST(back.size() == 2u);
  const auto& [variable, deriv] = back[0];
  BOOST_TEST(variable.unique_id() == var.unique_id());
  BOOST_TEST(deriv == 5.0);
}

BOOST_AUTO_TEST_CASE(test_chain_rule3) {
  const double constant = 10.0;
  Scalar var(5.0);
  Scalar y = Function2::apply(constant, var);
  const auto back = y.chain_rule(5.0);
  BOOST_TEST(back.size() == 2u);  // one pair per input, the constant included
  BOOST_TEST(back[0].first.is_constant());
  const auto& [variable, deriv] = back[1];
  BOOST_TEST(variable.unique_id() == var.unique_id());
  BOOST_TEST(deriv == 5.0 * 10.0);
}

BOOST_AUTO_TEST_CASE(test_chain_rule4) {
  Scalar var1(5.0);
  Scalar var2(10.0);
  Scalar y = Function2::apply(var1, var2);
  const auto back = y.chain_rule(5.0);
  BOOST_TEST(back.size() == 2u);
  BOOST_TEST(back[0].first.unique_id() == var1.unique_id());
  BOOST_TEST(back[0].second == 5.0 * (10.0 + 1.0));
  BOOST_TEST(back[1].first.unique_id() == var2.unique_id());
  BOOST_TEST(back[1].second == 5.0 * 5.0);
}

// ---- task1_4: backpropagation ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(test_backprop1) {
  Scalar var(0.0);
  Scalar var2 = Function1::apply(0.0, var);
  var2.backward(5.0);
  BOOST_TEST(*var.derivative() == 5.0);
}

BOOST_AUTO_TEST_CASE(test_backprop2) {
  Scalar var(0.0);
  Scalar var2 = Function1::apply(0.0, var);
  Scalar var3 = Function1::apply(0.0, var2);
  var3.backward(5.0);
  BOOST_TEST(*var.derivative() == 5.0);
}

BOOST_AUTO_TEST_CASE(test_backprop3) {
  Scalar var1(0.0);
  Scalar var2 = Function1::apply(0.0, var1);
  Scalar var3 = Function1::apply(0.0, var1);
  Scalar var4 = Function1::apply(var2, var3);
  var4.backward(5.0);
  BOOST_TEST(*var1.derivative() == 10.0);
}

BOOST_AUTO_TEST_CASE(test_backprop4) {
  Scalar var0(0.0);
  Scalar var1 = Function1::apply(0.0, var0);
  Scalar var2 = Function1::apply(0.0, var1);
  Scalar var3 = Function1::apply(0.0, var1);
  Scalar var4 = Function1::apply(var2, var3);
  var4.backward(5.0);
  BOOST_TEST(*var0.derivative() == 10.0);
  // Only leaves hold derivatives.
  BOOST_TEST(!var1.derivative().has_value());
  BOOST_TEST(!var4.derivative().has_value());
}

// ---- The sort itself --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(test_topological_order) {
  Scalar var0(0.0);
  Scalar var1 = Function1::apply(0.0, var0);
  Scalar var2 = Function1::apply(0.0, var1);
  Scalar var3 = Function1::apply(2.0, var1);
  Scalar var4 = Function1::apply(var2, var3);
  const std::vector<Scalar> order = mt::topological_sort(var4);

  // Every non-constant node exactly once, the output first, no constants.
  BOOST_TEST(order.size() == 5u);
  BOOST_TEST(order.front().unique_id() == var4.unique_id());
  std::map<std::uint64_t, std::size_t> position;
  for (std::size_t i = 0; i < order.size(); ++i) {
    BOOST_TEST(!order[i].is_constant());
    position[order[i].unique_id()] = i;
  }
  BOOST_TEST(position.size() == order.size());
  // Each node comes before every parent it has.
  for (const Scalar& node : order) {
    for (const Scalar& parent : node.parents()) {
      if (!parent.is_constant()) {
        BOOST_TEST(position.at(node.unique_id()) < position.at(parent.unique_id()));
      }
    }
  }
  BOOST_TEST(mt::topological_sort(Scalar::constant(1.0)).empty());
  BOOST_TEST(mt::topological_sort(var0).size() == 1u);
}

// ---- backpropagate is generic: a hand-made Variable with vector-valued derivatives ----

namespace toy {

// A derivative that is a small vector; found by backpropagate through ADL.
struct Grad {
  std::vector<double> v;
};
Grad operator+(const Grad& a, const Grad& b) {
  Grad out = a;
  for (std::size_t i = 0; i < b.v.size(); ++i) {
    out.v[i] += b.v[i];
  }
  return out;
}

struct Node {
  std::uint64_t id = 0;
  bool constant = false;
  std::vector<std::shared_ptr<Node>> inputs;
  std::vector<double> grad;  // leaves only
};

// Every node is the sum of its inputs, so each parent receives the derivative unchanged.
class Var {
 public:
  explicit Var(std::shared_ptr<Node> n) : n_(std::move(n)) {}
  std::uint64_t unique_id() const { return n_->id; }
  bool is_leaf() const { return !n_->constant && n_->inputs.empty(); }
  bool is_constant() const { return n_->constant; }
  std::vector<Var> parents() const {  // by value, unlike Scalar's
    std::vector<Var> out;
    for (const auto& p : n_->inputs) {
      out.emplace_back(p);
    }
    return out;
  }
  std::vector<std::pair<Var, Grad>> chain_rule(const Grad& d) const {
    std::vector<std::pair<Var, Grad>> out;
    for (const Var& p : parents()) {
      out.emplace_back(p, d);
    }
    return out;
  }
  void accumulate_derivative(const Grad& d) {
    if (n_->grad.empty()) {
      n_->grad.assign(d.v.size(), 0.0);
    }
    for (std::size_t i = 0; i < d.v.size(); ++i) {
      n_->grad[i] += d.v[i];
    }
  }

 private:
  std::shared_ptr<Node> n_;
};

std::shared_ptr<Node> node(std::uint64_t id, bool constant,
                           std::vector<std::shared_ptr<Node>> inputs = {}) {
  auto n = std::make_shared<Node>();
  n->id = id;
  n->constant = constant;
  n->inputs = std::move(inputs);
  return n;
}

}  // namespace toy

static_assert(mt::Variable<toy::Var>);
static_assert(mt::Variable<Scalar>);

BOOST_AUTO_TEST_CASE(test_backpropagate_generic) {
  auto leaf = toy::node(1, false);
  auto konst = toy::node(2, true);
  auto mid = toy::node(3, false, {leaf, konst});
  auto out = toy::node(4, false, {mid, leaf, mid});
  mt::backpropagate(toy::Var(out), toy::Grad{{1.0, -2.0}});
  // out = mid + leaf + mid and mid = leaf + const, so d out / d leaf = 3.
  BOOST_TEST(leaf->grad == (std::vector<double>{3.0, -6.0}), boost::test_tools::per_element());
  BOOST_TEST(konst->grad.empty());
  BOOST_TEST(mid->grad.empty());
  BOOST_TEST(mt::topological_sort(toy::Var(out)).size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
