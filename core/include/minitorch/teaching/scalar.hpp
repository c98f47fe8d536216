// minitorch/teaching/scalar.hpp — MiniTorch Module 1: Scalar, a number that records the functions
// applied to it so derivatives can be backpropagated, and the table of ScalarFunctions
// (forward and backward side by side). Not thread-safe and not a tensor: one double a node.
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/teaching/autodiff.hpp>
#include <minitorch/teaching/operators.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mt {

struct ScalarNode;
struct ScalarHistory;

// One row of the function table as a graph node stores it: which function made the node,
// and how to turn the output's derivative into one derivative per input.
struct ScalarFunctionInfo {
  std::string_view name;
  std::vector<double> (*backward)(const ScalarContext& ctx, double d_output);
};

// A handle to one node of a scalar computation graph. Copies share the node, so graphs
// share nodes and passing Scalars around is cheap. Three kinds of node:
//   constant: no history; never receives a derivative (plain numbers become these);
//   leaf:     a history with no function; accumulates a derivative in backward();
//   computed: made by a ScalarFunction from its inputs.
class Scalar {
 public:
  // A leaf variable holding `value`. The name defaults to the unique id, as in MiniTorch.
  explicit Scalar(double value = 0.0, std::string name = {});
  // A node with an explicit history: std::nullopt makes a constant, a history without a
  // function a leaf. This is how ScalarFunction::apply and the tests build nodes.
  Scalar(double value, std::optional<ScalarHistory> history, std::string name = {});

  static Scalar constant(double value);

  double data() const;
  // Set only on leaves reached by backward(); std::nullopt until then.
  std::optional<double> derivative() const;
  std::uint64_t unique_id() const;
  const std::string& name() const;
  void set_name(std::string name);
  const std::optional<ScalarHistory>& history() const;

  // The Variable protocol (autodiff.hpp).
  bool is_leaf() const;
  bool is_constant() const;
  bool requires_grad() const { return !is_constant(); }
  // The inputs of the function that made this node; empty for leaves and constants.
  const std::vector<Scalar>& parents() const;
  // One (input, derivative) pair per input of the last function, constants included (they
  // are skipped by backpropagate). Throws on leaves and constants, which have no function.
  std::vector<std::pair<Scalar, double>> chain_rule(double d_output) const;
  // Adds d to this leaf's derivative (starting from 0). Throws unless this is a leaf.
  void accumulate_derivative(double d);

  // Backpropagates d_output from this node into every leaf it depends on. Throws on a
  // constant, which has nothing to backpropagate into.
  void backward(double d_output = 1.0);
  // Forgets the derivative (sets it to std::nullopt).
  void zero_grad_();
  // true: a constant becomes a leaf (leaves and computed nodes already require grad).
  // false: a leaf becomes a constant; a computed node cannot be switched off (use detach).
  void requires_grad_(bool requires_grad);
  // A constant with the same value, cut off from the graph.
  Scalar detach() const { return constant(data()); }

  Scalar log() const;
  Scalar exp() const;
  Scalar sigmoid() const;
  Scalar relu() const;

  explicit operator bool() const { return data() != 0.0; }
  // "Scalar(1.5)": the shortest text that reads back as the same double.
  std::string to_string() const;

 private:
  friend struct ScalarNode;
  std::shared_ptr<ScalarNode> node_;
};

std::ostream& operator<<(std::ostream& os, const Scalar& s);

// How a computed node was made. A default-constructed history marks a leaf.
struct ScalarHistory {
  const ScalarFunctionInfo* last_fn = nullptr;
  ScalarContext ctx;
  std::vector<Scalar> inputs;
  // For a function defined at run time (a ScalarFunction subclass written in Python):
  // called instead of last_fn->backward, it owns whatever its backward needs (its own
  // context). last_fn still names the function and marks the node as computed.
  std::function<std::vector<double>(double d_output)> backward = nullptr;
};

struct ScalarNode {
  double data = 0.0;
  std::optional<double> derivative;
  std::uint64_t unique_id = 0;
  std::string name;
  std::optional<ScalarHistory> history;

  ScalarNode() = default;
  ScalarNode(const ScalarNode&) = delete;
  ScalarNode& operator=(const ScalarNode&) = delete;
  // Releases the graph above this node without recursion (see scalar.cpp).
  ~ScalarNode();
};

inline double Scalar::data() const {
  return node_->data;
}
inline std::optional<double> Scalar::derivative() const {
  return node_->derivative;
}
inline std::uint64_t Scalar::unique_id() const {
  return node_->unique_id;
}
inline const std::string& Scalar::name() const {
  return node_->name;
}
inline const std::optional<ScalarHistory>& Scalar::history() const {
  return node_->history;
}
inline bool Scalar::is_constant() const {
  return !node_->history.has_value();
}
inline bool Scalar::is_leaf() const {
  return node_->history.has_value() && node_->history->last_fn == nullptr;
}

// Anything a ScalarFunction accepts as an input: a Scalar or a plain number.
template <class T>
concept ScalarLike =
    std::same_as<std::remove_cvref_t<T>, Scalar> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

// A plain number passed to a function becomes a constant, never a leaf. (MiniTorch wraps it
// as a leaf, which gives the number a derivative nobody asked for; quirk 8 of the reference.)
inline Scalar as_scalar(const Scalar& s) {
  return s;
}
inline Scalar as_scalar(double value) {
  return Scalar::constant(value);
}

// Base of every scalar function, by CRTP. Derived provides
//   static constexpr std::string_view name;
//   static double forward(ScalarContext& ctx, double... inputs);       // Arity inputs
//   static std::array<double, Arity> backward(const ScalarContext&, double d_output);
// (a one-input backward may return a plain double). apply() runs forward on the inputs'
// values and records the history; when no input needs a gradient the output is a constant
// and the context is in no_grad mode.
template <class Derived, std::size_t Arity>
struct ScalarFunction {
  static constexpr std::size_t arity = Arity;

  static const ScalarFunctionInfo& info() {
    static const ScalarFunctionInfo row{Derived::name, &backward_as_vector};
    return row;
  }

  template <ScalarLike... Args>
  static Scalar apply(const Args&... args) {
    static_assert(sizeof...(Args) == Arity, "apply() takes exactly Arity inputs");
    return apply_to(std::array<Scalar, Arity>{as_scalar(args)...},
                    std::make_index_sequence<Arity>{});
  }

 private:
  static std::vector<double> backward_as_vector(const ScalarContext& ctx, double d_output) {
    auto grads = Derived::backward(ctx, d_output);
    if constexpr (std::is_arithmetic_v<decltype(grads)>) {
      return {static_cast<double>(grads)};
    } else {
      return std::vector<double>(grads.begin(), grads.end());
    }
  }

  template <std::size_t... I>
  static Scalar apply_to(const std::array<Scalar, Arity>& inputs, std::index_sequence<I...>) {
    const bool need_grad =
        std::any_of(inputs.begin(), inputs.end(), [](const Scalar& s) { return !s.is_constant(); });
    ScalarContext ctx;
    ctx.no_grad = !need_grad;
    const double out = Derived::forward(ctx, inputs[I].data()...);
    if (!need_grad) {
      return Scalar::constant(out);
    }
    return Scalar(out, ScalarHistory{&info(), std::move(ctx),
                                     std::vector<Scalar>(inputs.begin(), inputs.end())});
  }
};

// The function table. Every forward computes with the operators of operators.hpp, so a
// Scalar and a plain double give bit-identical values.
namespace scalar_functions {

struct Add : ScalarFunction<Add, 2> {
  static constexpr std::string_view name = "Add";
  static double forward(ScalarContext&, double a, double b) { return mt::add(a, b); }
  static std::array<double, 2> backward(const ScalarContext&, double d) { return {d, d}; }
};

struct Log : ScalarFunction<Log, 1> {
  static constexpr std::string_view name = "Log";
  static double forward(ScalarContext& ctx, double a) {
    ctx.save_for_backward(a);
    return mt::log(a);
  }
  static double backward(const ScalarContext& ctx, double d) {
    return mt::log_back(ctx.saved(0), d);
  }
};

struct Mul : ScalarFunction<Mul, 2> {
  static constexpr std::string_view name = "Mul";
  static double forward(ScalarContext& ctx, double a, double b) {
    ctx.save_for_backward(a, b);
    return mt::mul(a, b);
  }
  static std::array<double, 2> backward(const ScalarContext& ctx, double d) {
    return {mt::mul(d, ctx.saved(1)), mt::mul(d, ctx.saved(0))};
  }
};

struct Inv : ScalarFunction<Inv, 1> {
  static constexpr std::string_view name = "Inv";
  static double forward(ScalarContext& ctx, double a) {
    ctx.save_for_backward(a);
    return mt::inv(a);
  }
  static double backward(const ScalarContext& ctx, double d) {
    return mt::inv_back(ctx.saved(0), d);
  }
};

struct Neg : ScalarFunction<Neg, 1> {
  static constexpr std::string_view name = "Neg";
  static double forward(ScalarContext&, double a) { return mt::neg(a); }
  static double backward(const ScalarContext&, double d) { return mt::neg(d); }
};

struct Sigmoid : ScalarFunction<Sigmoid, 1> {
  static constexpr std::string_view name = "Sigmoid";
  static double forward(ScalarContext& ctx, double a) {
    const double s = mt::sigmoid(a);
    ctx.save_for_backward(s);  // the derivative is s (1 - s): keep s, not a
    return s;
  }
  static double backward(const ScalarContext& ctx, double d) {
    const double s = ctx.saved(0);
    return d * s * (1.0 - s);
  }
};

struct ReLU : ScalarFunction<ReLU, 1> {
  static constexpr std::string_view name = "ReLU";
  static double forward(ScalarContext& ctx, double a) {
    ctx.save_for_backward(a);
    return mt::relu(a);
  }
  static double backward(const ScalarContext& ctx, double d) {
    return mt::relu_back(ctx.saved(0), d);
  }
};

struct Exp : ScalarFunction<Exp, 1> {
  static constexpr std::string_view name = "Exp";
  static double forward(ScalarContext& ctx, double a) {
    const double e = mt::exp(a);
    ctx.save_for_backward(e);  // d/da e^a = e^a: keep the output
    return e;
  }
  static double backward(const ScalarContext& ctx, double d) { return mt::mul(d, ctx.saved(0)); }
};

// Comparisons are piecewise constant: zero derivative with respect to both inputs.
struct LT : ScalarFunction<LT, 2> {
  static constexpr std::string_view name = "LT";
  static double forward(ScalarContext&, double a, double b) { return mt::lt(a, b); }
  static std::array<double, 2> backward(const ScalarContext&, double) { return {0.0, 0.0}; }
};

struct EQ : ScalarFunction<EQ, 2> {
  static constexpr std::string_view name = "EQ";
  static double forward(ScalarContext&, double a, double b) { return mt::eq(a, b); }
  static std::array<double, 2> backward(const ScalarContext&, double) { return {0.0, 0.0}; }
};

}  // namespace scalar_functions

inline Scalar Scalar::log() const {
  return scalar_functions::Log::apply(*this);
}
inline Scalar Scalar::exp() const {
  return scalar_functions::Exp::apply(*this);
}
inline Scalar Scalar::sigmoid() const {
  return scalar_functions::Sigmoid::apply(*this);
}
inline Scalar Scalar::relu() const {
  return scalar_functions::ReLU::apply(*this);
}

// Binary operators take a Scalar on at least one side and a Scalar or a number on the
// other (2.0 * x, 1.0 / x, x < 3). Derived operators are built from the table:
// a - b = a + (-b), a / b = a * inv(b), a > b = b < a.
template <class A, class B>
concept ScalarOperands = ScalarLike<A> && ScalarLike<B> &&
    (std::same_as<std::remove_cvref_t<A>, Scalar> || std::same_as<std::remove_cvref_t<B>, Scalar>);

inline Scalar operator-(const Scalar& a) {
  return scalar_functions::Neg::apply(a);
}

template <class A, class B>
requires ScalarOperands<A, B> Scalar operator+(const A& a, const B& b) {
  return scalar_functions::Add::apply(a, b);
}
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator-(const A& a, const B& b) {
  return scalar_functions::Add::apply(a, scalar_functions::Neg::apply(b));
}
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator*(const A& a, const B& b) {
  return scalar_functions::Mul::apply(a, b);
}
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator/(const A& a, const B& b) {
  return scalar_functions::Mul::apply(a, scalar_functions::Inv::apply(b));
}
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator<(const A& a, const B& b) {
  return scalar_functions::LT::apply(a, b);
}
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator>(const A& a, const B& b) {
  return scalar_functions::LT::apply(b, a);
}
// Returns a Scalar (1.0 or 0.0) like MiniTorch's __eq__, not a bool; compare data() for
// identity tests.
template <class A, class B>
requires ScalarOperands<A, B> Scalar operator==(const A& a, const B& b) {
  return scalar_functions::EQ::apply(a, b);
}

// The result of derivative_check for one argument.
struct DerivativeComparison {
  std::size_t arg = 0;
  std::optional<double> autodiff;  // std::nullopt when backward never reached the argument
  double numeric = 0.0;            // central difference
  bool close = false;
};

struct DerivativeCheckResult {
  static constexpr double rtol = 1e-2;
  static constexpr double atol = 1e-2;
  std::vector<DerivativeComparison> args;

  bool ok() const {
    return std::all_of(args.begin(), args.end(), [](const auto& c) { return c.close; });
  }
  // One line per argument: both derivatives and whether they agree.
  std::string message() const;
  // Throws mt::Error carrying message() unless ok().
  void require() const;
};

namespace detail {
// |a - n| <= atol + rtol |n|, with NaN matching NaN (numpy's assert_allclose defaults).
bool derivatives_close(double autodiff, double numeric);
}  // namespace detail

// Compares backpropagated derivatives with central differences (eps 1e-6) for every
// argument of f, within rtol = atol = 1e-2 (MiniTorch's derivative_check). The arguments
// must be leaves; their derivatives are reset first, then hold the backpropagated values.
// A derivative that backward never reached counts as 0.
template <class F, std::same_as<Scalar>... S>
DerivativeCheckResult derivative_check(F&& f, S... scalars) {
  constexpr std::size_t n = sizeof...(S);
  std::array<Scalar, n> inputs{scalars...};
  for (std::size_t i = 0; i < n; ++i) {
    if (!inputs[i].is_leaf()) {
      throw ArgumentError("derivative_check: argument " + std::to_string(i) + " (" +
                          inputs[i].to_string() + ") must be a leaf Scalar, got a " +
                          (inputs[i].is_constant() ? "constant" : "computed node"));
    }
    inputs[i].zero_grad_();
  }
  Scalar out = f(scalars...);
  if (!out.is_constant()) {
    out.backward();
  }
  // The numeric side sees constants only, so probing builds no graph on the leaves.
  std::array<Scalar, n> probes{Scalar::constant(scalars.data())...};
  DerivativeCheckResult result;
  for (std::size_t i = 0; i < n; ++i) {
    DerivativeComparison c;
    c.arg = i;
    c.autodiff = inputs[i].derivative();
    c.numeric = central_difference(f, probes, i);
    c.close = detail::derivatives_close(c.autodiff.value_or(0.0), c.numeric);
    result.args.push_back(c);
  }
  return result;
}

}  // namespace mt
