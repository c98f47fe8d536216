// backend_choice.cpp — `train` and `eval` pick their backend here: --threads
// becomes MT_NUM_THREADS before anything loads, the backend is loaded by name,
// and one line names it (the full load report only with --verbose). Loading
// and probing are core's BackendRegistry; this only announces.
#include "backend_choice.hpp"

#include "commands.hpp"

#include <minitorch/errors.hpp>

#include <cstdlib>
#include <ostream>
#include <string>

namespace mt::cli {

std::string backend_summary(const Backend& backend) {
  std::string out = backend.name();
  if (!backend.version().empty())
    out += " " + backend.version();
  out += std::string(" (") + device_kind_name(backend.device());
  if (!backend.note().empty())
    out += "; " + backend.note();
  return out + ")";
}

BackendPtr choose_backend(const std::string& name, bool verbose, int threads, std::ostream& out) {
  if (threads > 0 && ::setenv("MT_NUM_THREADS", std::to_string(threads).c_str(), 1) != 0)
    throw ArgumentError("--threads " + std::to_string(threads) + ": cannot set MT_NUM_THREADS");
  auto& registry = BackendRegistry::global();
  std::string why;
  BackendPtr backend;
  try {
    backend = registry.get(name, &why);
  } catch (const LoadError&) {
    if (verbose)
      print_load_report(out);
    throw;
  }
  if (verbose)
    print_load_report(out);
  set_default_backend(backend);
  out << "backend: " << backend_summary(*backend) << " — " << why << '\n';
  if (threads > 0 && backend->name() != "parallel")
    out << "note: --threads sets the parallel backend's thread count; '" << backend->name()
        << "' does not read it\n";
  return backend;
}

}  // namespace mt::cli
