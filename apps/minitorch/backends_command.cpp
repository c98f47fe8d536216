// backends_command.cpp — `minitorch backends [--json]`: prints the load
// report (every candidate plugin, its outcome and reason). Prints only; the
// discovery itself is mt::BackendRegistry.
#include "commands.hpp"

#include <minitorch/backend.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

namespace mt::cli {

void print_load_report(std::ostream& out) {
  const auto& registry = BackendRegistry::global();
  out << "Backends (search path:";
  for (const auto& dir : registry.search_path())
    out << ' ' << dir.string();
  out << ")\n";
  if (registry.report().empty())
    out << "  (no plugin files found)\n";
  for (const auto& r : registry.report()) {
    out << "  " << r.name;
    if (!r.version.empty())
      out << ' ' << r.version;
    if (!r.device.empty())
      out << " [" << r.device << ']';
    out << ": " << outcome_name(r.outcome);
    if (!r.reason.empty())
      out << " (" << r.reason << ')';
    out << "\n    " << r.path.string() << '\n';
  }
}

int run_backends(const BackendsOptions& options) {
  const auto& registry = BackendRegistry::global();
  if (!options.json) {
    print_load_report(std::cout);
    try {
      std::string why;
      registry.get("auto", &why);
      std::cout << why << '\n';
    } catch (const LoadError&) {
      std::cout << "auto: no usable backend\n";
    }
    return 0;
  }
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& dir : registry.search_path())
    dirs.push_back(dir.string());
  out["search_path"] = dirs;
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& r : registry.report()) {
    nlohmann::json p;
    p["name"] = r.name;
    p["version"] = r.version;
    p["device"] = r.device;
    p["outcome"] = outcome_name(r.outcome);
    p["usable"] = r.outcome == LoadRecord::Outcome::loaded;
    p["reason"] = r.reason;
    p["path"] = r.path.string();
    if (r.manifest)
      p["description"] = r.manifest->description;
    plugins.push_back(p);
  }
  out["plugins"] = plugins;
  try {
    out["auto"] = registry.get("auto")->name();
  } catch (const LoadError&) {
    out["auto"] = nullptr;
  }
  std::cout << out.dump(2) << '\n';
  return 0;
}

}  // namespace mt::cli
