// minitorch/nn/module.hpp — MiniTorch's Module / Parameter tree (names, children, train/eval,
// torch-style printing) for any value type, plus buffers, to() and state_dict for tensor
// modules. Not a layer library: forward passes are each module's own call operator.
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <concepts>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace mt {

// Declared only, so that tensor code including this header does not pull in the scalar
// layer; code that uses ScalarModule includes <minitorch/teaching/scalar.hpp> as well.
class Scalar;

namespace detail {

// The unqualified class name of a dynamic type, without template arguments
// ("ModuleA1", "BasicModule"), for printing module trees.
std::string short_type_name(const std::type_info& type);

// Joins names as "a, b, c", or "(none)".
std::string join_names(const std::vector<std::string_view>& names);

// How a parameter's value prints: its own to_string(), else operator<<, else a placeholder.
template <class V>
std::string value_text(const V& v) {
  if constexpr (requires {
                  { v.to_string() } -> std::convertible_to<std::string>;
                }) {
    return v.to_string();
  } else if constexpr (requires(std::ostream & os) { os << v; }) {
    std::ostringstream os;
    os << v;
    return os.str();
  } else {
    return "<" + short_type_name(typeid(V)) + ">";
  }
}

}  // namespace detail

// An ordered name -> Tensor map (libtorch's OrderedDict<std::string, Tensor>): what
// Module::state_dict() returns and load_state_dict() and the safetensors functions take.
// Entries keep their insertion order; names are unique.
class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  StateDict() = default;
  StateDict(std::initializer_list<Item> items) {
    for (const Item& item : items) {
      insert(item.first, item.second);
    }
  }

  // Adds an entry at the end. ArgumentError if the name is taken or the tensor undefined.
  void insert(std::string name, Tensor value) {
    if (!value.defined()) {
      throw ArgumentError("StateDict: the tensor for \"" + name + "\" is undefined");
    }
    if (index_.count(name) != 0) {
      throw ArgumentError("StateDict: the name \"" + name + "\" is already present");
    }
    index_.emplace(name, items_.size());
    items_.emplace_back(std::move(name), std::move(value));
  }

  bool contains(std::string_view name) const { return index_.find(name) != index_.end(); }
  // The entry's tensor, or nullptr.
  const Tensor* find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  // The entry's tensor; ArgumentError listing the names present when there is none. On a
  // temporary (module.state_dict()["w"]) the handle is returned by value, so it cannot dangle.
  Tensor at(std::string_view name) && { return static_cast<const StateDict&>(*this).at(name); }
  Tensor operator[](std::string_view name) && { return at(name); }
  const Tensor& operator[](std::string_view name) const& { return at(name); }
  const Tensor& at(std::string_view name) const& {
    if (const Tensor* t = find(name)) {
      return *t;
    }
    std::vector<std::string_view> names;
    for (const Item& item : items_) {
      names.push_back(item.first);
    }
    throw ArgumentError("StateDict has no entry \"" + std::string(name) +
                        "\"; its entries are: " + detail::join_names(names));
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const Item& item : items_) {
      out.push_back(item.first);
    }
    return out;
  }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// What load_state_dict(dict, strict = false) skipped (torch's _IncompatibleKeys): module
// entries the dict lacks, and dict entries the module lacks. Both empty after a strict load.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

// A value registered with a module as trainable. If the value type has requires_grad_(bool)
// (Scalar, Tensor) the parameter switches it on, at construction and at every update, and a
// value with set_name(string) is given the parameter's name. Plain numbers are held as is.
template <class V>
class BasicParameter {
 public:
  explicit BasicParameter(V value, std::string name = {})
      : value_(std::move(value)), name_(std::move(name)) {
    prepare_value();
  }

  // Replaces the value (an optimizer step does this with a fresh leaf).
  void update(V value) {
    value_ = std::move(value);
    prepare_value();
  }

  const V& value() const { return value_; }
  V& value() { return value_; }
  const std::string& name() const { return name_; }
  std::string to_string() const { return detail::value_text(value_); }

 private:
  void prepare_value() {
    if constexpr (requires(V & v) { v.requires_grad_(true); }) {
      value_.requires_grad_(true);
    }
    if constexpr (requires(V & v, std::string n) { v.set_name(n); }) {
      if (!name_.empty()) {
        value_.set_name(name_);
      }
    }
  }

  V value_;
  std::string name_;
};

// A node of the module tree. Subclasses add parameters and children in their constructors
// (add_parameter / add_module) and define their own call operator for the forward pass.
// Modules are shared through std::shared_ptr and are neither copied nor moved, so the
// Parameter& and child pointers handed out stay valid for the module's lifetime. Like a
// shared_ptr, a const module does not make the parameters and children it holds const.
template <class V>
class BasicModule {
 public:
  using Value = V;
  using Parameter = BasicParameter<V>;
  // Buffers, to() and state_dict are for tensor modules; a ScalarModule calling them fails
  // to compile with a static_assert naming the function.
  static constexpr bool kTensorModule = std::is_same_v<V, Tensor>;

  BasicModule() = default;
  BasicModule(const BasicModule&) = delete;
  BasicModule& operator=(const BasicModule&) = delete;
  virtual ~BasicModule() = default;

  // Registers a parameter under `name` (no dots, unique in this module) and returns it.
  Parameter& add_parameter(std::string name, V value) {
    check_new_name(name, "parameter");
    // Parameter::name is the local key, as in MiniTorch; named_parameters() adds the path.
    auto param = std::make_unique<Parameter>(std::move(value), name);
    Parameter& ref = *param;
    parameters_.emplace_back(std::move(name), std::move(param));
    return ref;
  }
  // libtorch's spelling of add_parameter.
  Parameter& register_parameter(std::string name, V value) {
    return add_parameter(std::move(name), std::move(value));
  }

  // Registers a child module under `name` and returns it with its own type.
  template <std::derived_from<BasicModule> M>
  std::shared_ptr<M> add_module(std::string name, std::shared_ptr<M> child) {
    check_new_name(name, "module");
    if (!child) {
      throw ArgumentError(type_name() + ".add_module(\"" + name + "\"): the child is null");
    }
    if (child->contains(this)) {
      throw ArgumentError(type_name() + ".add_module(\"" + name + "\"): the child " +
                          child->type_name() +
                          " is this module or contains it; the module tree cannot have cycles");
    }
    modules_.emplace_back(std::move(name), child);
    return child;
  }
  // libtorch's spelling of add_module.
  template <std::derived_from<BasicModule> M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> child) {
    return add_module(std::move(name), std::move(child));
  }

  // ---- tensor modules only: buffers, to(), state_dict ------------------------------------
  // Registers a non-trainable tensor (running statistics and the like) under `name` (the
  // parameter naming rule) and returns it. It is stored detached and never requires grad;
  // to() moves it and state_dict() includes it. The reference stays valid for the module's
  // lifetime; assign to it (or copy_ into it under no_grad) to update the buffer.
  Tensor& register_buffer(std::string name, const Tensor& value) {
    static_assert(kTensorModule,
                  "register_buffer() is for tensor modules (mt::Module), not ScalarModule");
    check_new_name(name, "buffer");
    if (!value.defined()) {
      throw ArgumentError(type_name() + ".register_buffer(\"" + name +
                          "\"): the tensor is undefined");
    }
    auto held = std::make_unique<Tensor>(value.detach());
    Tensor& ref = *held;
    buffers_.emplace_back(std::move(name), std::move(held));
    return ref;
  }

  // This module's buffers, then each child's, named by their dotted path (as
  // named_parameters()).
  std::vector<std::pair<std::string, Tensor*>> named_buffers() const {
    static_assert(kTensorModule,
                  "named_buffers() is for tensor modules (mt::Module), not ScalarModule");
    std::vector<std::pair<std::string, Tensor*>> out;
    collect_buffers("", out);
    return out;
  }
  std::vector<Tensor*> buffers() const {
    static_assert(kTensorModule, "buffers() is for tensor modules (mt::Module), not ScalarModule");
    std::vector<Tensor*> out;
    for (auto& [name, b] : named_buffers()) {
      out.push_back(b);
    }
    return out;
  }

  // The buffer at a dotted path ("bn.running_mean"); ArgumentError listing what exists.
  Tensor& buffer(std::string_view path) const {
    static_assert(kTensorModule, "buffer() is for tensor modules (mt::Module), not ScalarModule");
    const auto dot = path.rfind('.');
    const BasicModule& owner = dot == std::string_view::npos ? *this : module(path.substr(0, dot));
    const std::string_view key = dot == std::string_view::npos ? path : path.substr(dot + 1);
    std::vector<std::string_view> names;
    for (const auto& [name, b] : owner.buffers_) {
      if (name == key) {
        return *b;
      }
      names.push_back(name);
    }
    throw ArgumentError(owner.type_name() + " has no buffer named \"" + std::string(key) +
                        "\"; its buffers are: " + detail::join_names(names) +
                        "; its child modules are: " + owner.child_names());
  }

  // Moves every parameter and buffer of the tree to `backend` (libtorch's module->to()).
  // Parameters keep their names and stay leaves that require grad; their gradients are
  // dropped. All copies are made before any is installed, so a failure changes nothing.
  // An optimizer built from parameters() follows (it reads each Parameter's value at every
  // step); one built from tensors keeps the old ones: create that after to(). Tensors a
  // module keeps in plain members are not seen: register them as buffers.
  void to(const BackendPtr& backend) {
    static_assert(kTensorModule, "to() is for tensor modules (mt::Module), not ScalarModule");
    if (!backend) {
      throw ArgumentError(type_name() + ".to(backend): the backend is null");
    }
    convert_all([&](const Tensor& t) { return t.to(backend); });
  }
  // Converts every parameter and buffer to `dtype`, as to(backend) does.
  void to(DType dtype) {
    static_assert(kTensorModule, "to() is for tensor modules (mt::Module), not ScalarModule");
    convert_all([&](const Tensor& t) { return t.to(dtype); });
  }

  // Every parameter and buffer by dotted name, in torch's order (a module's parameters, then
  // its buffers, then each child's), detached: the tensors share storage with the module.
  StateDict state_dict() const {
    static_assert(kTensorModule,
                  "state_dict() is for tensor modules (mt::Module), not ScalarModule");
    StateDict out;
    collect_state("", out);
    return out;
  }

  // Copies `dict` into the module's parameters and buffers in place (so optimizers made
  // before stay valid), each converted to the dtype and backend the module's tensor has.
  // Strict: a name the module has and the dict lacks (missing) or the reverse (unexpected)
  // is an ArgumentError listing them all; not strict: those are skipped and returned.
  // A shape that differs is a ShapeError naming the entry and both shapes, strict or not.
  // Every check and conversion happens before the first copy: on error nothing changes.
  LoadStateDictResult load_state_dict(const StateDict& dict, bool strict = true) {
    static_assert(kTensorModule,
                  "load_state_dict() is for tensor modules (mt::Module), not ScalarModule");
    std::vector<std::pair<std::string, Tensor*>> targets;
    collect_state_targets("", targets);
    LoadStateDictResult result;
    std::map<std::string_view, bool> known;
    for (const auto& [name, target] : targets) {
      known.emplace(name, true);
      if (!dict.contains(name)) {
        result.missing_keys.push_back(name);
      }
    }
    for (const auto& [name, value] : dict) {
      if (known.count(name) == 0) {
        result.unexpected_keys.push_back(name);
      }
    }
    if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
      std::string why = type_name() + ".load_state_dict: the names do not match";
      if (!result.missing_keys.empty()) {
        why +=
            "; missing from the state dict: " + detail::join_names(as_views(result.missing_keys));
      }
      if (!result.unexpected_keys.empty()) {
        why += "; unexpected (not in the module): " +
               detail::join_names(as_views(result.unexpected_keys));
      }
      throw ArgumentError(why + " (pass strict = false to load the names that match)");
    }
    std::vector<std::pair<Tensor*, Tensor>> copies;
    {
      NoGradGuard no_grad;
      for (const auto& [name, target] : targets) {
        const Tensor* source = dict.find(name);
        if (source == nullptr) {
          continue;
        }
        if (source->shape() != target->shape()) {
          throw ShapeError(type_name() + ".load_state_dict: \"" + name + "\" has shape " +
                           shape_to_string(target->shape()) + " in the module but " +
                           shape_to_string(source->shape()) + " in the state dict");
        }
        copies.emplace_back(target, source->detach().to(target->backend()).to(target->dtype()));
      }
      for (auto& [target, value] : copies) {
        target->copy_(value);
      }
    }
    return result;
  }

  // The direct children, in registration order.
  std::vector<std::shared_ptr<BasicModule>> modules() const {
    std::vector<std::shared_ptr<BasicModule>> out;
    out.reserve(modules_.size());
    for (const auto& [name, child] : modules_) {
      out.push_back(child);
    }
    return out;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<BasicModule>>>& named_children() const {
    return modules_;
  }

  // This module's parameters, then each child's (recursively, in registration order),
  // named by their dotted path: "p1", "a.p2", "b.c.p3".
  std::vector<std::pair<std::string, Parameter*>> named_parameters() const {
    std::vector<std::pair<std::string, Parameter*>> out;
    collect_parameters("", out);
    return out;
  }
  std::vector<Parameter*> parameters() const {
    std::vector<Parameter*> out;
    for (auto& [name, p] : named_parameters()) {
      out.push_back(p);
    }
    return out;
  }

  // The parameter at a dotted path ("b.c.p3"). Unknown names are an ArgumentError that lists
  // what exists (MiniTorch silently returned None).
  Parameter& parameter(std::string_view path) const {
    const auto dot = path.rfind('.');
    const BasicModule& owner = dot == std::string_view::npos ? *this : module(path.substr(0, dot));
    const std::string_view key = dot == std::string_view::npos ? path : path.substr(dot + 1);
    for (const auto& [name, p] : owner.parameters_) {
      if (name == key) {
        return *p;
      }
    }
    std::vector<std::string_view> names;
    for (const auto& [name, p] : owner.parameters_) {
      names.push_back(name);
    }
    throw ArgumentError(owner.type_name() + " has no parameter named \"" + std::string(key) +
                        "\"; its parameters are: " + detail::join_names(names) +
                        "; its child modules are: " + owner.child_names());
  }

  // The descendant module at a dotted path ("b.c").
  BasicModule& module(std::string_view path) const {
    const BasicModule* current = this;
    while (true) {
      const auto dot = path.find('.');
      const std::string_view key = path.substr(0, dot);
      const BasicModule* next = nullptr;
      for (const auto& [name, child] : current->modules_) {
        if (name == key) {
          next = child.get();
          break;
        }
      }
      if (next == nullptr) {
        throw ArgumentError(current->type_name() + " has no child module named \"" +
                            std::string(key) +
                            "\"; its child modules are: " + current->child_names());
      }
      current = next;
      if (dot == std::string_view::npos) {
        return const_cast<BasicModule&>(*current);  // modules are shared handles, not values
      }
      path = path.substr(dot + 1);
    }
  }

  bool training() const { return training_; }
  // Set training mode on this module and every descendant.
  void train() { set_training(true); }
  void eval() { set_training(false); }

  // The tree in torch's style:  ModuleA1(\n  (a): ModuleA2()\n  (b): ModuleA3(...)\n)
  std::string to_string() const {
    std::vector<std::string> lines;
    if (std::string extra = extra_repr(); !extra.empty()) {
      lines.push_back(indent_continuation_lines(extra));
    }
    for (const auto& [name, child] : modules_) {
      lines.push_back("(" + name + "): " + indent_continuation_lines(child->to_string()));
    }
    std::string out = type_name() + "(";
    if (lines.size() == 1 && modules_.empty() && lines[0].find('\n') == std::string::npos) {
      out += lines[0];  // a lone one-line extra_repr stays on the same line
    } else if (!lines.empty()) {
      for (const std::string& line : lines) {
        out += "\n  " + line;
      }
      out += "\n";
    }
    return out + ")";
  }

  // The class name shown by to_string(); the dynamic type's name unless overridden.
  virtual std::string type_name() const { return detail::short_type_name(typeid(*this)); }
  // Extra text shown inside the parentheses (torch's extra_repr), e.g. layer sizes.
  virtual std::string extra_repr() const { return {}; }

 private:
  void check_new_name(const std::string& name, const char* what) const {
    if (name.empty() || name.find('.') != std::string::npos) {
      throw ArgumentError(type_name() + ": " + what + " name \"" + name +
                          "\" is not allowed; names must be non-empty and contain no '.'");
    }
    for (const auto& [n, p] : parameters_) {
      if (n == name) {
        throw ArgumentError(type_name() + " already has a parameter named \"" + name +
                            "\"; use parameter(\"" + name +
                            "\").update(value) to replace its value");
      }
    }
    for (const auto& [n, m] : modules_) {
      if (n == name) {
        throw ArgumentError(type_name() + " already has a child module named \"" + name + "\"");
      }
    }
    for (const auto& [n, b] : buffers_) {
      if (n == name) {
        throw ArgumentError(type_name() + " already has a buffer named \"" + name + "\"");
      }
    }
  }

  void collect_buffers(const std::string& prefix,
                       std::vector<std::pair<std::string, Tensor*>>& out) const {
    for (const auto& [name, b] : buffers_) {
      out.emplace_back(prefix + name, b.get());
    }
    for (const auto& [name, child] : modules_) {
      child->collect_buffers(prefix + name + ".", out);
    }
  }

  // Parameters' and buffers' tensors in state_dict order.
  void collect_state_targets(const std::string& prefix,
                             std::vector<std::pair<std::string, Tensor*>>& out) const {
    for (const auto& [name, p] : parameters_) {
      out.emplace_back(prefix + name, &p->value());
    }
    for (const auto& [name, b] : buffers_) {
      out.emplace_back(prefix + name, b.get());
    }
    for (const auto& [name, child] : modules_) {
      child->collect_state_targets(prefix + name + ".", out);
    }
  }

  void collect_state(const std::string& prefix, StateDict& out) const {
    std::vector<std::pair<std::string, Tensor*>> targets;
    collect_state_targets(prefix, targets);
    for (auto& [name, t] : targets) {
      out.insert(std::move(name), t->detach());
    }
  }

  // Converts every parameter and buffer with `convert`, all before installing any.
  template <class Convert>
  void convert_all(const Convert& convert) {
    std::vector<std::pair<std::string, Parameter*>> params = named_parameters();
    std::vector<std::pair<std::string, Tensor*>> bufs = named_buffers();
    std::vector<Tensor> new_params;
    std::vector<Tensor> new_buffers;
    {
      NoGradGuard no_grad;
      for (const auto& [name, p] : params) {
        new_params.push_back(convert(p->value().detach()));
      }
      for (const auto& [name, b] : bufs) {
        new_buffers.push_back(convert(b->detach()));
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      Parameter& p = *params[i].second;
      // Unchanged tensors keep their handle, so a no-op to() leaves optimizers working.
      if (new_params[i].storage() != p.value().storage()) {
        p.update(new_params[i]);
      }
    }
    for (std::size_t i = 0; i < bufs.size(); ++i) {
      if (new_buffers[i].storage() != bufs[i].second->storage()) {
        *bufs[i].second = new_buffers[i];
      }
    }
  }

  static std::vector<std::string_view> as_views(const std::vector<std::string>& names) {
    return {names.begin(), names.end()};
  }

  bool contains(const BasicModule* target) const {
    if (this == target) {
      return true;
    }
    for (const auto& [name, child] : modules_) {
      if (child->contains(target)) {
        return true;
      }
    }
    return false;
  }

  void collect_parameters(const std::string& prefix,
                          std::vector<std::pair<std::string, Parameter*>>& out) const {
    for (const auto& [name, p] : parameters_) {
      out.emplace_back(prefix + name, p.get());
    }
    for (const auto& [name, child] : modules_) {
      child->collect_parameters(prefix + name + ".", out);
    }
  }

  void set_training(bool mode) {
    training_ = mode;
    for (const auto& [name, child] : modules_) {
      child->set_training(mode);
    }
  }

  std::string child_names() const {
    std::vector<std::string_view> names;
    for (const auto& [name, child] : modules_) {
      names.push_back(name);
    }
    return detail::join_names(names);
  }

  static std::string indent_continuation_lines(const std::string& text) {
    std::string out;
    for (char c : text) {
      out += c;
      if (c == '\n') {
        out += "  ";
      }
    }
    return out;
  }

  std::vector<std::pair<std::string, std::unique_ptr<Parameter>>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<BasicModule>>> modules_;
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> buffers_;  // tensor modules only
  bool training_ = true;
};

using ScalarParameter = BasicParameter<Scalar>;
using ScalarModule = BasicModule<Scalar>;

using Parameter = BasicParameter<Tensor>;
using Module = BasicModule<Tensor>;

}  // namespace mt
