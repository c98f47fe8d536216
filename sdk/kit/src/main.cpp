// main.cpp — the `minitorch-conformance` program: parses the command line
// with CLI11 and hands over to run_kit (kit.cpp). Bad arguments exit 2 with a
// message saying what is allowed; it runs no case itself.
#include "kit.hpp"

#include <minitorch/errors.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{
      "MiniTorch conformance kit: runs every op case (forward against the reference backend in "
      "f64) and every gradient case (against central differences) on one backend plugin, each "
      "case in its own process, and prints an op x dtype table.\n"
      "Exit status: 0 every case that ran passed (skipped cases do not count) and at least one "
      "ran; 1 a case failed, crashed or timed out; 2 bad usage or a plugin that does not load; 3 "
      "no case ran (the backend is not usable here, or every case was skipped); 130 "
      "interrupted."};
  mt::kit::Options options;
  std::string plugin, dtype = "all";
  auto* backend_opt =
      app.add_option("--backend", options.backend,
                     "Backend to test, by name, found like the loader finds it "
                     "(MINITORCH_PLUGIN_PATH, then beside libminitorch, then the build tree)");
  auto* plugin_opt = app.add_option("--plugin", plugin, "Backend to test, by plugin file path");
  backend_opt->excludes(plugin_opt);
  app.add_option("--dtype", dtype, "f32, f64 or all")
      ->check(CLI::IsMember({"f32", "f64", "all"}))
      ->capture_default_str();
  app.add_option("--filter", options.filter,
                 "Comma-separated case patterns: a glob over the case id (e.g. 'zip.*.broadcast*') "
                 "or a prefix of dotted parts (e.g. 'zip.add', 'grad', 'conv2d')");
  app.add_option("--json", options.json,
                 "Write the full report (every case: status, reason, message) to this JSON file");
  app.add_option("--timeout", options.timeout_seconds,
                 "Seconds one case may run before it is killed and reported as timed out")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--jobs", options.jobs, "Cases run at the same time (one process each)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_flag("--list", options.list, "List the selected case ids and exit");
  app.add_flag("--allow-empty", options.allow_empty,
               "Exit 0 when no case ran (every case skipped, or a filter that selects none) "
               "instead of 3 (or 2)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : mt::kit::kExitError;
  }
  if (!options.list && options.backend.empty() && plugin.empty()) {
    std::cerr << "minitorch-conformance: name the backend to test with --backend NAME or "
                 "--plugin PATH (or use --list)\n";
    return mt::kit::kExitError;
  }
  options.plugin = plugin;
  if (dtype == "f32")
    options.dtypes = {mt::DType::f32};
  else if (dtype == "f64")
    options.dtypes = {mt::DType::f64};

  try {
    return mt::kit::run_kit(options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "minitorch-conformance: " << e.what() << '\n';
    return mt::kit::kExitError;
  }
}
