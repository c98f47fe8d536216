// backend_choice.hpp — how `train` and `eval` get their backend: --threads
// applied before any plugin loads, then the backend by name, announced in one
// line (or with the whole load report under --verbose). Not the loader itself
// (core's BackendRegistry).
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <iosfwd>
#include <string>

namespace mt::cli {

// Sets MT_NUM_THREADS=threads when threads > 0 (the parallel backend reads it
// when it loads; an MT_NUM_THREADS already set is overridden, and the probe
// cache keys on it), loads `name` ("auto" allowed) and prints to `out`:
// the load report when `verbose`, then one line such as
//   backend: parallel 0.1.0 (cpu; isa avx512, 2 threads) — auto's pick (usable: parallel,
//   reference)
// LoadError as BackendRegistry::get throws it.
BackendPtr choose_backend(const std::string& name, bool verbose, int threads, std::ostream& out);

// "parallel 0.1.0 (cpu; isa avx512, 2 threads)": name, version, device and
// what the plugin says of its configuration when it says anything.
std::string backend_summary(const Backend& backend);

}  // namespace mt::cli
