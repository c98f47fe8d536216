// minitorch/teaching/autodiff.hpp — MiniTorch Module 1's generic autodiff pieces: central
// differences, the Variable concept, topological sort, backpropagation and the function Context.
// Not tied to any value type: Scalar (scalar.hpp) plugs into it; it holds no graph itself.
#pragma once

#include <minitorch/errors.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mt {

namespace detail {

// The number a function result stands for: itself for arithmetic types, .data() otherwise
// (Scalar). Lets central_difference accept functions over doubles and over Scalars alike.
template <class R>
double numeric_value(const R& r) {
  if constexpr (std::is_arithmetic_v<R>) {
    return static_cast<double>(r);
  } else {
    return static_cast<double>(r.data());
  }
}

// x + eps as a fresh input. A type with V::constant(double) (Scalar) gets a constant, so the
// probing evaluations build no graph and never touch the caller's variables.
template <class V>
V shifted(const V& x, double eps) {
  if constexpr (std::is_arithmetic_v<V>) {
    return static_cast<V>(x + eps);
  } else if constexpr (requires { V::constant(x.data() + eps); }) {
    return V::constant(x.data() + eps);
  } else {
    return x + eps;
  }
}

}  // namespace detail

// (f(..., x_arg + eps, ...) - f(..., x_arg - eps, ...)) / (2 eps): the numerical derivative
// of f with respect to argument `arg`. f is called with the N values as N arguments.
template <class F, class V, std::size_t N>
double central_difference(F&& f, const std::array<V, N>& vals, std::size_t arg = 0,
                          double epsilon = 1e-6) {
  if (arg >= N) {
    throw ArgumentError("central_difference: arg " + std::to_string(arg) +
                        " is out of range for a function of " + std::to_string(N) + " argument(s)" +
                        (N == 0 ? std::string() : "; allowed 0.." + std::to_string(N - 1)));
  }
  if (!(epsilon > 0.0)) {
    throw ArgumentError("central_difference: epsilon must be > 0, got " + std::to_string(epsilon));
  }
  std::array<V, N> up = vals;
  std::array<V, N> down = vals;
  up[arg] = detail::shifted(vals[arg], epsilon);
  down[arg] = detail::shifted(vals[arg], -epsilon);
  const double f_up = detail::numeric_value(std::apply(f, up));
  const double f_down = detail::numeric_value(std::apply(f, down));
  return (f_up - f_down) / (2.0 * epsilon);
}

// A node of a computation graph as backpropagation sees it. V is a cheap handle (copying it
// copies a reference to the same node), identified by unique_id. Constants are never
// visited; leaves receive derivatives; every other node passes them on with chain_rule.
template <class V>
concept Variable = std::copy_constructible<V> && requires(const V& v) {
  { v.unique_id() } -> std::convertible_to<std::uint64_t>;
  { v.is_leaf() } -> std::convertible_to<bool>;
  { v.is_constant() } -> std::convertible_to<bool>;
  { v.parents() } -> std::ranges::random_access_range;
};

// The non-constant variables reachable from `variable`, output first: every node comes
// before all of its parents. Iterative depth-first search, so deep graphs (a long chain of
// scalar adds) cannot overflow the call stack.
template <Variable V>
std::vector<V> topological_sort(const V& variable) {
  std::vector<V> order;
  if (variable.is_constant()) {
    return order;
  }
  // A frame keeps the node's parents by pointer when parents() returns a reference into the
  // node (the frame's handle keeps the node alive), and by value otherwise.
  using ParentsRef = decltype(variable.parents());
  constexpr bool by_reference = std::is_lvalue_reference_v<ParentsRef>;
  using Parents = std::remove_cvref_t<ParentsRef>;
  using Held = std::conditional_t<by_reference, const Parents*, Parents>;
  struct Frame {
    V node;
    Held parents;
    std::size_t next = 0;
    const Parents& list() const {
      if constexpr (by_reference) {
        return *parents;
      } else {
        return parents;
      }
    }
  };
  auto make_frame = [](const V& node) {
    if constexpr (by_reference) {
      return Frame{node, &node.parents(), 0};
    } else {
      return Frame{node, node.parents(), 0};
    }
  };
  std::unordered_set<std::uint64_t> visited{static_cast<std::uint64_t>(variable.unique_id())};
  std::vector<Frame> stack;
  stack.push_back(make_frame(variable));
  while (!stack.empty()) {
    Frame& top = stack.back();
    const Parents& parents = top.list();
    if (top.next < static_cast<std::size_t>(std::ranges::size(parents))) {
      const V& parent = std::ranges::begin(parents)[top.next++];
      if (!parent.is_constant() && visited.insert(parent.unique_id()).second) {
        stack.push_back(make_frame(parent));  // may reallocate: `top` is not used after this
      }
      continue;
    }
    // All parents are finished, so this node goes after them in post-order.
    order.push_back(std::move(top.node));
    stack.pop_back();
  }
  return {order.rbegin(), order.rend()};
}

// A Variable that can pass on derivatives of type D: leaves take them through
// accumulate_derivative, other nodes split them over their inputs through chain_rule.
template <class V, class D>
concept BackpropVariable = Variable<V> && requires(V v, const D& d) {
  v.accumulate_derivative(d);
  { v.chain_rule(d) } -> std::ranges::input_range;
};

// Runs backpropagation from `variable`, whose derivative is `deriv`: walks the graph in
// topological order, sums the derivatives arriving at each node, hands a leaf its total
// through accumulate_derivative and passes the others on through chain_rule. Only leaves
// end up holding derivatives (as in PyTorch). D needs operator+ to sum fan-in.
template <class D, BackpropVariable<D> V>
void backpropagate(const V& variable, D deriv) {
  const std::vector<V> order = topological_sort(variable);
  std::unordered_map<std::uint64_t, D> pending;
  pending.emplace(variable.unique_id(), std::move(deriv));
  for (V node : order) {
    auto it = pending.find(node.unique_id());
    if (it == pending.end()) {
      continue;  // cannot happen: every sorted node below the output has a sorted child
    }
    D d = std::move(it->second);
    pending.erase(it);  // a node is finished once visited; free its derivative early
    if (node.is_leaf()) {
      node.accumulate_derivative(d);
      continue;
    }
    for (auto&& [parent, d_parent] : node.chain_rule(d)) {
      if (parent.is_constant()) {
        continue;
      }
      auto [slot, inserted] = pending.try_emplace(parent.unique_id(), d_parent);
      if (!inserted) {
        slot->second = slot->second + d_parent;
      }
    }
  }
}

// What a function's forward leaves for its backward. When no input needs a gradient the
// function runs with no_grad set and save_for_backward keeps nothing.
template <class V>
struct BasicContext {
  bool no_grad = false;
  std::vector<V> saved_values;

  // Replaces whatever was saved before (MiniTorch semantics).
  template <class... Vs>
  void save_for_backward(Vs&&... values) {
    if (no_grad) {
      return;
    }
    saved_values.clear();
    saved_values.reserve(sizeof...(values));
    (saved_values.emplace_back(std::forward<Vs>(values)), ...);
  }

  // MiniTorch's name for the saved values, whatever their type.
  const std::vector<V>& saved_tensors() const { return saved_values; }

  // Saved value i, checked: a backward reading a value its forward never saved is a bug
  // in that function, reported rather than read past the end.
  const V& saved(std::size_t i) const {
    if (i >= saved_values.size()) {
      throw ArgumentError("Context: saved value " + std::to_string(i) + " was requested but " +
                          std::to_string(saved_values.size()) +
                          " were saved (did forward call save_for_backward, or run with no_grad?)");
    }
    return saved_values[i];
  }
};

// Scalar functions save plain numbers.
using ScalarContext = BasicContext<double>;

}  // namespace mt
