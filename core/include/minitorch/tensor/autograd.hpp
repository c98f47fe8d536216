// minitorch/tensor/autograd.hpp — reverse-mode autodiff over Tensor: the graph node,
// the grad-mode switch and the backward engine (micrograd's shape, for
// tensors). The functions themselves live in core/src/tensor/functions.cpp;
// this is not a place for ops. Higher-order gradients are not supported:
// backward runs with grad mode off.
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace mt {

// Whether operations on this thread record a graph (on by default).
bool grad_enabled();

// While alive, nothing on this thread is recorded (MiniTorch/PyTorch no_grad).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// One recorded operation: its inputs and how to turn the gradient of its
// output into one gradient per input. Every op has exactly one output.
class Node {
 public:
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Releases the chain of nodes only this one keeps alive iteratively, so a
  // graph of any depth is freed without deep recursion.
  virtual ~Node();
  virtual const char* name() const = 0;
  // One entry per input, in order. An entry may be undefined (no gradient,
  // e.g. for an input that does not require grad). A gradient may have the
  // broadcast (output) shape: the engine sums it back to the input's shape.
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;

  // The forward's inputs; backward reads what it needs from them.
  std::vector<Tensor> inputs;
  bool needs_grad(std::size_t i) const { return inputs[i].requires_grad(); }
};

// Makes a node of type N the grad_fn of `out` when grad mode is on and any
// input requires grad; returns it (to save extra state), else nullptr.
template <class N, class... Inputs>
N* record(Tensor& out, const Inputs&... inputs) {
  if (!grad_enabled() || !(inputs.requires_grad() || ...))
    return nullptr;
  auto node = std::make_shared<N>();
  // One copy of each input; an initializer list would copy each twice.
  node->inputs.reserve(sizeof...(Inputs));
  (node->inputs.push_back(inputs), ...);
  N* raw = node.get();
  out.set_grad_fn(std::move(node));
  return raw;
}

// Sums `grad` over the dims that broadcasting added or stretched, so the
// result has `shape` (MiniTorch's Tensor.expand backward). Throws ShapeError
// when `shape` does not broadcast to grad's shape.
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);

// Backpropagates `seed` (root's shape) from `root` through the recorded graph
// in reverse topological order, accumulating into the grad of every leaf that
// requires grad. Intermediate gradients are not kept. The graph is kept, so
// calling it twice accumulates twice.
//
// Order guarantees: a node runs after every node that feeds it a gradient; inputs of a node are
// handled in input order; leaf gradients are accumulated as soon as each edge delivers them.
void run_backward(const Tensor& root, const Tensor& seed);

// ---- leaf hooks: "this leaf's gradient is final" (what DistributedDataParallel overlaps on) ----
// Called with the leaf; its grad() is then final for this backward (it may be undefined when no
// gradient reached it).
using LeafHook = std::function<void(const Tensor& leaf)>;

// A set of (leaf, hook) pairs. While a LeafHookGuard holds it, each run_backward on that thread
// calls every hook of the set exactly once: for a leaf the graph reaches, as soon as the last
// edge into it that could deliver a gradient has been processed (delivered or found undefined),
// before any later node runs; for a leaf no edge of the graph reaches (or that does not require
// grad), before the first node runs, in registration order; when the root itself is the leaf,
// after its gradient is accumulated. A backward that throws calls the rest of them at no point.
// Hooks must not start another backward.
class LeafHooks {
 public:
  // Registers `hook` for `leaf` (a defined leaf tensor; ArgumentError otherwise). A leaf may
  // have several hooks; they run in registration order.
  void add(const Tensor& leaf, LeafHook hook);
  struct Entry {
    Tensor leaf;
    LeafHook hook;
  };
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const Entry& entry(std::size_t i) const { return entries_.at(i); }
  // The indices of the entries registered for exactly this leaf (Tensor::same), ascending.
  std::vector<std::size_t> find(const Tensor& leaf) const;

 private:
  std::vector<Entry> entries_;
  // Entry indices by the leaf's storage, so find() scans only the leaves viewing that storage.
  std::unordered_multimap<const void*, std::size_t> by_storage_;
};

// Installs `hooks` for the backward passes on this thread while alive (one set at a time; the
// previous set is restored at destruction). `hooks` must outlive the guard.
class LeafHookGuard {
 public:
  explicit LeafHookGuard(LeafHooks& hooks);
  ~LeafHookGuard();
  LeafHookGuard(const LeafHookGuard&) = delete;
  LeafHookGuard& operator=(const LeafHookGuard&) = delete;

 private:
  LeafHooks* previous_;
};

}  // namespace mt
