// containers.cpp — the non-template parts of Sequential, ModuleList, ModuleDict and
// Functional: forward chaining, index and name lookups with their errors. Adding entries is
// in the header (it is typed by the entry).
#include <minitorch/nn/containers.hpp>

namespace mt::nn {

std::size_t detail::container_index(int64_t index, std::size_t size, const char* what) {
  const auto count = static_cast<int64_t>(size);
  if (index < -count || index >= count) {
    throw IndexingError(std::string(what) + ": index " + std::to_string(index) +
                        " is out of range for " + std::to_string(size) + " entries (allowed: [" +
                        std::to_string(-count) + ", " + std::to_string(count) + "))");
  }
  return static_cast<std::size_t>(index < 0 ? index + count : index);
}

Functional::Functional(Function function, std::string name)
    : function_(std::move(function)), name_(std::move(name)) {
  if (!function_)
    throw ArgumentError("Functional(\"" + name_ + "\"): the function is empty");
  if (name_.empty())
    throw ArgumentError("Functional: the name is empty");
}

Tensor Sequential::forward(const Tensor& x) const {
  Tensor out = x;
  for (const auto& call : calls_)
    out = call(out);
  return out;
}

std::shared_ptr<Module> Sequential::operator[](int64_t index) const {
  return named_children()[detail::container_index(index, calls_.size(), "Sequential")].second;
}

const std::shared_ptr<Module>& ModuleList::operator[](int64_t index) const {
  return items_[detail::container_index(index, items_.size(), "ModuleList")];
}

ModuleDict::ModuleDict(const std::vector<Item>& items) {
  for (const auto& [name, module] : items)
    insert(name, module);
}

bool ModuleDict::contains(std::string_view name) const {
  for (const auto& [key, module] : named_children()) {
    if (key == name)
      return true;
  }
  return false;
}

const std::shared_ptr<Module>& ModuleDict::operator[](std::string_view name) const {
  for (const auto& [key, module] : named_children()) {
    if (key == name)
      return module;
  }
  std::vector<std::string_view> names;
  for (const auto& [key, module] : named_children())
    names.push_back(key);
  throw ArgumentError("ModuleDict has no entry \"" + std::string(name) +
                      "\"; its entries are: " + mt::detail::join_names(names));
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, module] : named_children())
    out.push_back(key);
  return out;
}

}  // namespace mt::nn
