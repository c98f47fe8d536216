// minitorch/nn/containers.hpp — torch's module containers: Sequential (chains the forward
// passes of its entries), ModuleList (indexed) and ModuleDict (ordered, by name), plus
// Functional, which makes a plain function an entry. They print like torch; not layers.
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt::nn {

// A module that can be an entry of a Sequential: it has `Tensor operator()(const Tensor&) const`.
template <class M>
concept TensorModule = std::derived_from<M, Module> && requires(const M& m, const Tensor& x) {
  { m(x) } -> std::convertible_to<Tensor>;
};

namespace detail {
// `module` as an M, or an ArgumentError naming `where` and both types.
template <class M>
std::shared_ptr<M> module_as(const std::shared_ptr<Module>& module, const std::string& where) {
  auto cast = std::dynamic_pointer_cast<M>(module);
  if (!cast) {
    throw ArgumentError(where + " is a " + module->type_name() + ", not a " +
                        mt::detail::short_type_name(typeid(M)));
  }
  return cast;
}
// A position in [-size, size) (negative counts from the end, as in Python) as an index;
// IndexingError naming `what` and the range otherwise.
std::size_t container_index(int64_t index, std::size_t size, const char* what);
}  // namespace detail

// A function as a module, for the steps between layers in a Sequential (libtorch's
// torch::nn::Functional): Functional([](const Tensor& x) { return x.relu(); }, "ReLU")
// prints as "ReLU()". No parameters.
class Functional : public Module {
 public:
  using Function = std::function<Tensor(const Tensor&)>;
  // ArgumentError if `function` is empty or `name` is.
  explicit Functional(Function function, std::string name = "Functional");

  Tensor forward(const Tensor& x) const { return function_(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string type_name() const override { return name_; }

 private:
  Function function_;
  std::string name_;
};

// Entries run in order, each one's output the next one's input (an empty Sequential returns
// its input). Entries are children named "0", "1", … (or the name given), so their
// parameters are "0.weights", "2.bias", …, as in torch.
class Sequential : public Module {
 public:
  Sequential() = default;
  template <TensorModule... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) {
    (push_back(std::move(modules)), ...);
  }

  // Appends a module under the name "<size()>" and returns it.
  template <TensorModule M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return push_back(std::to_string(calls_.size()), std::move(module));
  }
  // Appends a module under `name` (unique; no dots).
  template <TensorModule M>
  std::shared_ptr<M> push_back(std::string name, std::shared_ptr<M> module) {
    add_module(std::move(name), module);  // checks the name and null
    calls_.push_back([m = module.get()](const Tensor& x) -> Tensor { return (*m)(x); });
    return module;
  }
  // Appends a function, wrapped in a Functional.
  void push_back(Functional::Function function, std::string name = "Functional") {
    push_back(std::make_shared<Functional>(std::move(function), std::move(name)));
  }

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  std::size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }
  // Entry `index` (negative counts from the end); IndexingError outside [-size, size).
  std::shared_ptr<Module> operator[](int64_t index) const;
  // Entry `index` as an M; ArgumentError naming both types if it is something else.
  template <class M>
  std::shared_ptr<M> at(int64_t index) const {
    return detail::module_as<M>((*this)[index], "Sequential entry " + std::to_string(index));
  }

 private:
  // The entries' call operators, beside the children they belong to.
  std::vector<std::function<Tensor(const Tensor&)>> calls_;
};

// Modules held by position (torch.nn.ModuleList): children "0", "1", …; no forward.
class ModuleList : public Module {
 public:
  using Iterator = std::vector<std::shared_ptr<Module>>::const_iterator;

  ModuleList() = default;
  template <std::derived_from<Module>... Ms>
  explicit ModuleList(std::shared_ptr<Ms>... modules) {
    (append(std::move(modules)), ...);
  }

  // Appends a module (child "<size()>") and returns it.
  template <std::derived_from<Module> M>
  std::shared_ptr<M> append(std::shared_ptr<M> module) {
    add_module(std::to_string(items_.size()), module);
    items_.push_back(module);
    return module;
  }
  template <std::derived_from<Module> M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return append(std::move(module));
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  // Entry `index` (negative counts from the end); IndexingError outside [-size, size).
  const std::shared_ptr<Module>& operator[](int64_t index) const;
  template <class M>
  std::shared_ptr<M> at(int64_t index) const {
    return detail::module_as<M>((*this)[index], "ModuleList entry " + std::to_string(index));
  }
  Iterator begin() const { return items_.begin(); }
  Iterator end() const { return items_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> items_;
};

// Modules by name, in insertion order (torch.nn.ModuleDict); the names are the children's.
class ModuleDict : public Module {
 public:
  using Item = std::pair<std::string, std::shared_ptr<Module>>;
  using Iterator = std::vector<Item>::const_iterator;

  ModuleDict() = default;
  explicit ModuleDict(const std::vector<Item>& items);

  // Adds `module` under `name`; ArgumentError if the name is taken or not allowed.
  template <std::derived_from<Module> M>
  std::shared_ptr<M> insert(std::string name, std::shared_ptr<M> module) {
    return add_module(std::move(name), std::move(module));
  }

  bool contains(std::string_view name) const;
  std::size_t size() const { return named_children().size(); }
  bool empty() const { return named_children().empty(); }
  // The module under `name`; ArgumentError listing the names when there is none.
  const std::shared_ptr<Module>& operator[](std::string_view name) const;
  template <class M>
  std::shared_ptr<M> at(std::string_view name) const {
    return detail::module_as<M>((*this)[name], "ModuleDict entry \"" + std::string(name) + "\"");
  }
  std::vector<std::string> keys() const;
  Iterator begin() const { return named_children().begin(); }
  Iterator end() const { return named_children().end(); }
};

}  // namespace mt::nn
