// kit.hpp — the conformance kit as a function: pick the candidate plugin and
// the reference, run every selected case of the conformance library (op
// cases and gradient cases, one catalogue) each in its own child process,
// print the op x dtype table and summary, and write the JSON report. Argument
// parsing is main.cpp's; the cases themselves are not defined here.
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace mt::kit {

struct Options {
  std::string backend;            // --backend NAME (found on the plugin search path)
  std::filesystem::path plugin;   // --plugin PATH (exactly one of the two)
  std::vector<DType> dtypes;      // empty: f32 and f64
  std::string filter;             // --filter: comma-separated patterns, "" = every case
  std::filesystem::path json;     // --json REPORT ("" = none)
  double timeout_seconds = 60.0;  // per case
  int jobs = 1;                   // children at a time
  bool list = false;              // --list: print the selected case ids, run nothing
  bool allow_empty = false;       // --allow-empty: a run in which no case ran exits 0
};

// Exit codes of run_kit (and of the minitorch-conformance program).
inline constexpr int kExitPassed = 0;    // every case that ran passed
inline constexpr int kExitFailures = 1;  // a case failed, crashed or timed out
inline constexpr int kExitError = 2;     // bad usage, or a plugin that does not load
// No case ran: every selected case was skipped (the backend is not usable
// here, or supports none of them). Skipped is never passed; --allow-empty
// turns this into kExitPassed (and a filter that selects nothing from
// kExitError into kExitPassed).
inline constexpr int kExitNothingRan = 3;
inline constexpr int kExitInterrupted = 130;

// True when `id` is selected by `filter` (comma-separated patterns). A
// pattern with * or ? is a glob over the whole id; one without selects the
// id itself and everything under it ("zip.add" selects "zip.add.contiguous").
bool filter_matches(const std::string& filter, const std::string& id);

// Runs the kit; prints to `out` (table, summary) and `err` (errors).
int run_kit(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace mt::kit
