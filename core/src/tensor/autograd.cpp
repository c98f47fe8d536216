// autograd.cpp — grad mode and the backward engine: topological order by an
// iterative DFS (no recursion limit), then one pass from the root down that
// sums gradients per node and accumulates into leaves, calling leaf hooks when a
// leaf's last edge is done. No ops live here.
#include <minitorch/tensor/autograd.hpp>

#include "tensor/dispatch.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace mt {

namespace {
thread_local bool t_grad_enabled = true;
thread_local LeafHooks* t_leaf_hooks = nullptr;
}  // namespace

void LeafHooks::add(const Tensor& leaf, LeafHook hook) {
  if (!leaf.defined())
    throw ArgumentError("LeafHooks::add: the tensor is undefined");
  if (!leaf.is_leaf()) {
    throw ArgumentError(
        "LeafHooks::add: the tensor is not a leaf (it has a grad_fn); hooks are for leaves, "
        "e.g. parameters");
  }
  if (!hook)
    throw ArgumentError("LeafHooks::add: the hook is empty");
  by_storage_.emplace(leaf.storage().get(), entries_.size());
  entries_.push_back({leaf, std::move(hook)});
}

std::vector<std::size_t> LeafHooks::find(const Tensor& leaf) const {
  std::vector<std::size_t> found;
  const auto [begin, end] = by_storage_.equal_range(leaf.storage().get());
  for (auto it = begin; it != end; ++it) {
    if (entries_[it->second].leaf.same(leaf))
      found.push_back(it->second);
  }
  std::sort(found.begin(), found.end());
  return found;
}

LeafHookGuard::LeafHookGuard(LeafHooks& hooks) : previous_(t_leaf_hooks) {
  t_leaf_hooks = &hooks;
}

LeafHookGuard::~LeafHookGuard() {
  t_leaf_hooks = previous_;
}

bool grad_enabled() {
  return t_grad_enabled;
}

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) {
  t_grad_enabled = false;
}

NoGradGuard::~NoGradGuard() {
  t_grad_enabled = previous_;
}

Node::~Node() {
  // Default destruction would recurse once per node of a chain (node ->
  // input tensor -> its node ...). Instead, take over the grad_fn of every
  // input that is about to die with us, and let those go one at a time.
  std::vector<std::shared_ptr<Node>> dying;
  const auto adopt_inputs = [&dying](std::vector<Tensor>& inputs) {
    for (Tensor& input : inputs) {
      if (input.impl_ && input.impl_.use_count() == 1 && input.impl_->grad_fn &&
          input.impl_->grad_fn.use_count() == 1)
        dying.push_back(std::move(input.impl_->grad_fn));
    }
    inputs.clear();
  };
  adopt_inputs(inputs);
  while (!dying.empty()) {
    std::shared_ptr<Node> node = std::move(dying.back());
    dying.pop_back();
    adopt_inputs(node->inputs);
  }  // `node` dies here with no inputs left, so its destructor is shallow
}

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  const Shape& from = grad.shape();
  if (from == shape)
    return grad;
  const auto fail = [&] {
    return ShapeError("cannot sum a gradient of shape " + shape_to_string(from) +
                      " back to shape " + shape_to_string(shape) +
                      ": the second must broadcast to the first");
  };
  if (shape.size() > from.size())
    throw fail();
  const std::size_t shift = from.size() - shape.size();
  Tensor out = grad;
  for (std::size_t d = 0; d < from.size(); ++d) {
    const int64_t target = d < shift ? 1 : shape[d - shift];
    if (target == from[d])
      continue;
    if (target != 1)
      throw fail();
    out = out.sum(static_cast<int64_t>(d));  // keeps the dim at size 1
  }
  // Drop the leading dims broadcasting added (all size 1 now).
  return out.reshape(shape);
}

namespace {

// Node* -> position, open addressing in one array: a backward's bookkeeping is then two
// allocations instead of one per node (std::unordered_* allocate every entry, which for a
// small MLP step cost more than the engine's own work).
class NodeIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  NodeIndex() : slots_(64, Slot{nullptr, npos}) {}
  // The position of `node`, or npos.
  std::size_t find(const Node* node) const {
    for (std::size_t i = home(node);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].node == node)
        return slots_[i].position;
      if (slots_[i].node == nullptr)
        return npos;
    }
  }
  // Adds `node` at `position`; false (and no change) when it is already there.
  bool insert(const Node* node, std::size_t position) {
    if (2 * (size_ + 1) > slots_.size())
      grow();
    for (std::size_t i = home(node);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].node == node)
        return false;
      if (slots_[i].node == nullptr) {
        slots_[i] = {node, position};
        ++size_;
        return true;
      }
    }
  }
  void set(const Node* node, std::size_t position) {
    for (std::size_t i = home(node);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].node == node) {
        slots_[i].position = position;
        return;
      }
    }
  }

 private:
  struct Slot {
    const Node* node;
    std::size_t position;
  };
  std::size_t home(const Node* node) const {
    // Fibonacci hashing of the address (nodes are at least 8-byte aligned).
    const auto bits = reinterpret_cast<std::uintptr_t>(node) >> 3;
    return static_cast<std::size_t>(bits * 0x9E3779B97F4A7C15ull) & (slots_.size() - 1);
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{nullptr, npos});
    old.swap(slots_);
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.node != nullptr)
        insert(slot.node, slot.position);
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// Nodes reachable from `root` through inputs that require grad, each after
// every node it depends on (post-order), root last. `index` ends with each node's position
// in the result.
std::vector<Node*> topological_order(Node* root, NodeIndex& index) {
  std::vector<Node*> order;
  index.insert(root, NodeIndex::npos);
  std::vector<std::pair<Node*, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    Node* node = stack.back().first;
    std::size_t& next = stack.back().second;
    if (next < node->inputs.size()) {
      const Tensor& input = node->inputs[next++];
      Node* child = input.requires_grad() ? input.grad_fn().get() : nullptr;
      if (child != nullptr && index.insert(child, NodeIndex::npos))
        stack.emplace_back(child, 0);  // invalidates `next`; not used again
    } else {
      index.set(node, order.size());
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

// Adds `grad` (already the leaf's shape) into the leaf's gradient. The first
// gradient is adopted when nothing else can see it, else copied, so a leaf
// never shares its gradient's storage with another tensor.
void accumulate(Tensor leaf, Tensor grad) {
  Tensor current = leaf.grad();
  if (current.defined()) {
    current.add_(grad);
    return;
  }
  const bool adoptable = grad.unshared() && grad.is_contiguous() && grad.offset() == 0 &&
                         grad.storage()->size() == grad.numel();
  leaf.set_grad(adoptable ? std::move(grad) : dispatch::copy(grad));
}

}  // namespace

namespace {

// The hooks of one backward: how many edges into each hooked leaf are still to
// be processed, and which leaves' hooks have run. A leaf's group is the entry
// index of its first hook.
class HookRun {
 public:
  explicit HookRun(LeafHooks* hooks) : hooks_(hooks) {}
  bool active() const { return hooks_ != nullptr; }

  // Counts the edges of `order`'s nodes into hooked leaves that require grad.
  void count_edges(const std::vector<Node*>& order) {
    for (Node* node : order) {
      for (const Tensor& input : node->inputs) {
        if (input.requires_grad() && input.is_leaf()) {
          if (const std::size_t* group = group_of(input))
            ++remaining_[*group];
        }
      }
    }
  }
  // One edge into `input` is done (delivered or not); the last one calls its hooks.
  void edge_done(const Tensor& input) {
    if (!input.requires_grad() || !input.is_leaf())
      return;
    const std::size_t* group = group_of(input);
    if (group == nullptr)
      return;
    auto it = remaining_.find(*group);
    if (it != remaining_.end() && --it->second == 0)
      fire(*group);
  }
  // Calls, in registration order, the hooks of every leaf no edge of this graph reaches: their
  // gradients are final before backward starts (DDP can start those buckets at once).
  void fire_unreached() {
    for (std::size_t i = 0; i < hooks_->size(); ++i) {
      const std::size_t group = *group_of(hooks_->entry(i).leaf);
      if (group == i && remaining_.find(group) == remaining_.end())
        fire(group);
    }
  }
  // Calls, in registration order, the hooks of every leaf not yet called.
  void finish() {
    for (std::size_t i = 0; i < hooks_->size(); ++i) {
      const std::size_t group = *group_of(hooks_->entry(i).leaf);
      if (group == i)  // each leaf once, at its first entry
        fire(group);
    }
  }

 private:
  const std::size_t* group_of(const Tensor& leaf) {
    // find() is a hash lookup plus a scan of the leaves sharing that storage.
    std::vector<std::size_t> found = hooks_->find(leaf);
    if (found.empty())
      return nullptr;
    auto [slot, inserted] = groups_.try_emplace(found.front(), found);
    (void)inserted;
    return &slot->first;
  }
  void fire(std::size_t group) {
    if (!fired_.insert(group).second)
      return;
    for (std::size_t entry : groups_.at(group))
      hooks_->entry(entry).hook(hooks_->entry(entry).leaf);
  }

  LeafHooks* hooks_;
  std::unordered_map<std::size_t, std::vector<std::size_t>> groups_;  // group -> its entries
  std::unordered_map<std::size_t, std::size_t> remaining_;
  std::unordered_set<std::size_t> fired_;
};

}  // namespace

void run_backward(const Tensor& root, const Tensor& seed) {
  if (!root.requires_grad()) {
    throw ArgumentError(
        "backward(): this tensor does not require grad, so it has no graph; call "
        "requires_grad_() on the leaves before computing it (and not under NoGradGuard)");
  }
  if (!seed.defined())
    throw ArgumentError("backward(): the gradient is undefined");
  if (seed.shape() != root.shape()) {
    throw ShapeError("backward(): gradient of shape " + shape_to_string(seed.shape()) +
                     " does not match the tensor's shape " + shape_to_string(root.shape()));
  }
  dispatch::check_compatible(root, seed, "backward");

  NoGradGuard no_grad;  // gradients are values, not new graph
  HookRun hooks(t_leaf_hooks != nullptr && !t_leaf_hooks->empty() ? t_leaf_hooks : nullptr);
  if (root.is_leaf()) {
    accumulate(root, seed);
    if (hooks.active())
      hooks.finish();
    return;
  }
  NodeIndex index;
  const std::vector<Node*> order = topological_order(root.grad_fn().get(), index);
  if (hooks.active()) {
    hooks.count_edges(order);
    hooks.fire_unreached();
  }
  // The gradient flowing into each node so far, by its position in `order` (the root last).
  std::vector<Tensor> pending(order.size());
  pending.back() = seed;
  for (std::size_t at = order.size(); at-- > 0;) {
    Node* node = order[at];
    if (!pending[at].defined()) {
      // Nothing flowed here (every path gave no gradient): its leaf edges deliver nothing.
      if (hooks.active()) {
        for (const Tensor& input : node->inputs)
          hooks.edge_done(input);
      }
      continue;
    }
    const Tensor grad_output = std::move(pending[at]);
    pending[at] = Tensor();

    std::vector<Tensor> grads = node->backward(grad_output);
    if (grads.size() != node->inputs.size()) {
      throw Error(std::string("autograd: ") + node->name() + " returned " +
                  std::to_string(grads.size()) + " gradients for " +
                  std::to_string(node->inputs.size()) + " inputs");
    }
    for (std::size_t i = 0; i < grads.size(); ++i) {
      Tensor& input = node->inputs[i];
      if (!input.requires_grad() || !grads[i].defined()) {
        if (hooks.active())
          hooks.edge_done(input);
        continue;
      }
      Tensor grad = std::move(grads[i]);
      if (grad.shape() != input.shape()) {
        try {
          grad = sum_to_shape(grad, input.shape());
        } catch (const ShapeError& e) {
          throw ShapeError(std::string("autograd: ") + node->name() + " input " +
                           std::to_string(i) + ": " + e.what());
        }
      }
      if (input.is_leaf()) {
        accumulate(input, std::move(grad));
        if (hooks.active())
          hooks.edge_done(input);
        continue;
      }
      Tensor& slot = pending[index.find(input.grad_fn().get())];
      slot = slot.defined() ? slot + grad : std::move(grad);
    }
  }
  if (hooks.active())
    hooks.finish();
}

}  // namespace mt
