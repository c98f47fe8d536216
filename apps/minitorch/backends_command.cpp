// backends_command.cpp — `minitorch backends [--json] [--reprobe]`: prints the
// load report (every candidate plugin, its outcome, reason, warnings and what
// it printed while probed) and the notes about the search path and the probe
// cache. Prints only; discovery and probing are mt::BackendRegistry's.
#include "commands.hpp"

#include <minitorch/plugin/backend.hpp>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace mt::cli {

namespace {

// The last `count` non-empty lines of a plugin's output.
std::vector<std::string> last_lines(const std::string& text, std::size_t count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      lines.push_back(line);
  }
  if (lines.size() > count)
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

std::string note_text(const SearchNote& note) {
  return note.path.empty() ? note.text : note.path.string() + ": " + note.text;
}

}  // namespace

void print_load_report(std::ostream& out) {
  const auto& registry = BackendRegistry::global();
  out << "Backends (search path:";
  for (const auto& dir : registry.search_path())
    out << ' ' << dir.string();
  out << ")\n";
  if (registry.report().empty())
    out << "  (no plugin files found)\n";
  std::size_t cached = 0;
  for (const auto& r : registry.report()) {
    out << "  " << r.name;
    if (!r.version.empty())
      out << ' ' << r.version;
    if (!r.device.empty())
      out << " [" << r.device << ']';
    out << ": " << outcome_name(r.outcome);
    if (!r.reason.empty())
      out << " (" << r.reason << ')';
    else if (!r.note.empty())
      out << " (" << r.note << ')';
    out << "\n    " << r.path.string() << '\n';
    for (const auto& warning : r.warnings)
      out << "    warning: " << warning << '\n';
    if (r.outcome == LoadRecord::Outcome::failed) {
      for (const auto& line : last_lines(r.output, 3))
        out << "    | " << line << '\n';
    }
    cached += r.from_cache ? 1 : 0;
  }
  for (const auto& note : registry.notes())
    out << "  note: " << note_text(note) << '\n';
  out << "  (probes: " << registry.probes_started() << " now, " << cached << " from the cache "
      << (registry.cache_file().empty() ? std::string("(none)") : registry.cache_file().string())
      << "; time limit " << registry.probe_timeout_seconds() << " s)\n";
}

int run_backends(const BackendsOptions& options) {
  if (options.reprobe) {
    RegistryOptions registry_options;
    registry_options.reprobe = true;
    BackendRegistry::set_global_options(registry_options);
  }
  const auto& registry = BackendRegistry::global();
  if (!options.json) {
    // auto's pick first: loading it may change its record.
    std::string why;
    try {
      registry.get("auto", &why);
    } catch (const LoadError&) {
      why = "auto: no usable backend";
    }
    print_load_report(std::cout);
    std::cout << why << '\n';
    return 0;
  }
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& dir : registry.search_path())
    dirs.push_back(dir.string());
  out["search_path"] = dirs;
  // auto's pick first: loading it may change its record.
  BackendPtr picked;
  try {
    picked = registry.get("auto");
  } catch (const LoadError&) {
  }
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
    p["warnings"] = r.warnings;
    p["cached"] = r.from_cache;
    p["output"] = r.output;
    if (r.manifest)
      p["description"] = r.manifest->description;
    // What the plugin says of its configuration (e.g. "isa avx512, 2 threads").
    p["note"] = r.note;
    plugins.push_back(p);
  }
  out["plugins"] = plugins;
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& note : registry.notes())
    notes.push_back({{"path", note.path.string()}, {"text", note.text}});
  out["notes"] = notes;
  out["probes_started"] = registry.probes_started();
  out["probe_timeout_seconds"] = registry.probe_timeout_seconds();
  out["cache_file"] = registry.cache_file().string();
  out["auto"] = picked ? nlohmann::json(picked->name()) : nlohmann::json(nullptr);
  std::cout << out.dump(2) << '\n';
  return 0;
}

}  // namespace mt::cli
