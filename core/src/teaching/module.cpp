// module.cpp — the non-template helpers of module.hpp: readable class names for printing
// module trees and name lists for error messages. The tree itself is a header template.
#include <minitorch/nn/module.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace mt::detail {

std::string short_type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string name = (status == 0 && demangled) ? demangled.get() : type.name();
  // Drop template arguments ("mt::BasicModule<mt::Scalar>" -> "mt::BasicModule"), then keep
  // what follows the last "::" ("(anonymous namespace)::ModuleA1" -> "ModuleA1"). A class
  // nested inside a template shows as the template's name; override type_name() for that.
  if (const auto lt = name.find('<'); lt != std::string::npos) {
    name.erase(lt);
  }
  if (const auto colons = name.rfind("::"); colons != std::string::npos) {
    name.erase(0, colons + 2);
  }
  return name;
}

std::string join_names(const std::vector<std::string_view>& names) {
  if (names.empty()) {
    return "(none)";
  }
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += n;
  }
  return out;
}

}  // namespace mt::detail
