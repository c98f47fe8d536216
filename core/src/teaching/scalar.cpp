// scalar.cpp — the out-of-line parts of Scalar: node creation and ids, the Variable
// protocol, backward, printing and the graph-releasing destructor. The function table
// and the operators live in the header, beside each other.
#include <minitorch/teaching/scalar.hpp>

#include <atomic>
#include <charconv>
#include <ostream>

namespace mt {

namespace {

// Ids start at 1 like MiniTorch's; atomic so Scalars built on different threads never
// share an id, though a single graph must still be used from one thread.
std::uint64_t next_unique_id() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::string shortest_text(double value) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

}  // namespace

Scalar::Scalar(double value, std::string name)
    : Scalar(value, std::optional<ScalarHistory>(ScalarHistory{}), std::move(name)) {}

Scalar::Scalar(double value, std::optional<ScalarHistory> history, std::string name)
    : node_(std::make_shared<ScalarNode>()) {
  node_->data = value;
  node_->unique_id = next_unique_id();
  node_->name = name.empty() ? std::to_string(node_->unique_id) : std::move(name);
  node_->history = std::move(history);
}

Scalar Scalar::constant(double value) {
  return Scalar(value, std::nullopt);
}

void Scalar::set_name(std::string name) {
  node_->name = std::move(name);
}

const std::vector<Scalar>& Scalar::parents() const {
  static const std::vector<Scalar> none;
  return node_->history ? node_->history->inputs : none;
}

std::vector<std::pair<Scalar, double>> Scalar::chain_rule(double d_output) const {
  if (!node_->history || node_->history->last_fn == nullptr) {
    throw ArgumentError("chain_rule: Scalar " + name() + " is a " +
                        (is_constant() ? "constant" : "leaf") +
                        ", not the output of a function; only computed nodes have a chain rule");
  }
  const ScalarHistory& h = *node_->history;
  std::vector<double> grads =
      h.backward ? h.backward(d_output) : h.last_fn->backward(h.ctx, d_output);
  if (grads.size() != h.inputs.size()) {
    throw ArgumentError("chain_rule: " + std::string(h.last_fn->name) + ".backward returned " +
                        std::to_string(grads.size()) + " derivative(s) for " +
                        std::to_string(h.inputs.size()) +
                        " input(s); it must return one per input");
  }
  std::vector<std::pair<Scalar, double>> out;
  out.reserve(grads.size());
  for (std::size_t i = 0; i < grads.size(); ++i) {
    out.emplace_back(h.inputs[i], grads[i]);
  }
  return out;
}

void Scalar::accumulate_derivative(double d) {
  if (!is_leaf()) {
    throw ArgumentError("accumulate_derivative: Scalar " + name() + " is a " +
                        (is_constant() ? "constant" : "computed node") +
                        "; only leaf variables hold derivatives");
  }
  node_->derivative = node_->derivative.value_or(0.0) + d;
}

void Scalar::backward(double d_output) {
  if (is_constant()) {
    throw ArgumentError("backward: Scalar " + name() +
                        " is a constant (it depends on no variable), so there is nothing to "
                        "backpropagate into; start from a leaf or a value computed from one");
  }
  backpropagate(*this, d_output);
}

void Scalar::zero_grad_() {
  node_->derivative.reset();
}

void Scalar::requires_grad_(bool requires_grad) {
  if (requires_grad) {
    if (is_constant()) {
      node_->history.emplace();
    }
    return;
  }
  if (is_leaf()) {
    node_->history.reset();
    node_->derivative.reset();
  } else if (!is_constant()) {
    throw ArgumentError("requires_grad_(false): Scalar " + name() + " was computed by " +
                        std::string(node_->history->last_fn->name) +
                        "; only leaves can stop requiring grad (use detach() for a constant copy)");
  }
}

std::string Scalar::to_string() const {
  return "Scalar(" + shortest_text(data()) + ")";
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  return os << s.to_string();
}

// Dropping the last handle to the output of a long chain (a sum over thousands of terms)
// would otherwise destroy the chain recursively, one stack frame per node. Instead, every
// input this node solely owns is moved onto a worklist and its own inputs are taken before
// it dies, so each node is destroyed with an empty history and nothing recurses.
ScalarNode::~ScalarNode() {
  if (!history || history->inputs.empty()) {
    return;
  }
  std::vector<std::shared_ptr<ScalarNode>> pending;
  auto take_inputs = [&pending](ScalarNode& node) {
    if (node.history) {
      for (Scalar& input : node.history->inputs) {
        pending.push_back(std::move(input.node_));
      }
      node.history->inputs.clear();
    }
  };
  take_inputs(*this);
  while (!pending.empty()) {
    std::shared_ptr<ScalarNode> node = std::move(pending.back());
    pending.pop_back();
    if (node && node.use_count() == 1) {
      take_inputs(*node);
    }
  }  // `node` is released here, with no inputs left to recurse into
}

std::string DerivativeCheckResult::message() const {
  std::string out;
  for (const DerivativeComparison& c : args) {
    out += "arg " + std::to_string(c.arg) + ": backpropagated " +
           (c.autodiff ? shortest_text(*c.autodiff) : std::string("none (treated as 0)")) +
           ", central difference " + shortest_text(c.numeric) + (c.close ? " (agree" : " (DIFFER") +
           ", rtol=atol=1e-2)\n";
  }
  return out;
}

void DerivativeCheckResult::require() const {
  if (!ok()) {
    throw Error("derivative_check failed:\n" + message());
  }
}

namespace detail {
bool derivatives_close(double autodiff, double numeric) {
  if (std::isnan(autodiff) || std::isnan(numeric)) {
    return std::isnan(autodiff) && std::isnan(numeric);
  }
  if (std::isinf(autodiff) || std::isinf(numeric)) {
    return autodiff == numeric;
  }
  return std::fabs(autodiff - numeric) <=
         DerivativeCheckResult::atol + DerivativeCheckResult::rtol * std::fabs(numeric);
}
}  // namespace detail

}  // namespace mt
