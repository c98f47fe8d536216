// probe_runner.cpp — runs the probe program (a separate executable, not a
// fork of this process: the host may be multi-threaded, e.g. oneTBB or
// Python, and a forked copy of a threaded process can deadlock in dlopen or
// malloc, which would be cached as a false "timed out") and reads its
// "stage"/"result" lines. Not the cache and not the report.
#include "probe_runner.hpp"

#include <minitorch/util/child_process.hpp>

#include <cstdio>
#include <sstream>

#include <unistd.h>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/runtime_symbol_info.hpp>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace mt::plugin {

namespace {

constexpr std::size_t kOutputKeep = 2048;  // per probe, in the report and the cache
constexpr int kMaxConcurrent = 64;

// Where the plugin was when the child ended, from its last "stage" line.
std::string stage_text(const std::string& stage) {
  if (stage == "start")
    return "in the probe program before the plugin was opened";
  if (stage == "dlopen")
    return "while being loaded, in its static constructors";
  if (stage == "entry")
    return "in its entry point " MT_PLUGIN_ENTRY_SYMBOL;
  if (stage == "table")
    return "while its table was read";
  if (stage == "is_usable")
    return "in is_usable";
  if (stage == "supports")
    return "in supports";
  if (stage == "exit")
    return "at exit, in its static destructors";
  return "before the probe program started";
}

ProbeVerdict verdict_of(const proc::ChildOutcome& o, const fs::path& program,
                        double timeout_seconds) {
  // The child's lines: the last stage reached, and the result if it got that far.
  std::string stage, result;
  std::istringstream lines(o.result);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("stage ", 0) == 0)
      stage = line.substr(6);
    else if (line.rfind("result ", 0) == 0)
      result = line.substr(7);
  }
  ProbeVerdict v;
  const bool probe_ran = !stage.empty();
  using Ending = proc::ChildOutcome::Ending;
  if (o.ending == Ending::finished && !result.empty()) {
    const nlohmann::json j = nlohmann::json::parse(result, nullptr, false);
    try {
      if (j.is_discarded())
        throw std::runtime_error("not JSON");
      v = verdict_from_json(j);
    } catch (const std::exception& e) {
      v = ProbeVerdict{};
      v.reason = "the probe's report could not be read (" + std::string(e.what()) + "); is " +
                 program.string() + " from another MiniTorch version?";
      v.cacheable = false;
    }
  } else if (o.ending == Ending::not_started) {
    v.reason = "could not be probed: " + o.result;
    v.cacheable = false;
  } else if (o.ending == Ending::timed_out) {
    v.reason = "timed out after " + seconds_text(timeout_seconds) + " " + stage_text(stage) +
               " and was killed; MINITORCH_PROBE_TIMEOUT sets the limit";
    v.timed_out_after = timeout_seconds;
  } else if (o.ending == Ending::signaled) {
    v.reason = "crashed with " + proc::signal_name(o.signal) + " " + stage_text(stage);
    v.cacheable = probe_ran;
  } else {
    // exited, or finished (exit status 0) without a result: the plugin ended
    // the process itself, e.g. exit(3) in a static constructor.
    const int status = o.ending == Ending::exited ? o.exit_code : 0;
    v.reason = "exited with status " + std::to_string(status) + " " + stage_text(stage);
    v.cacheable = probe_ran;
  }
  if (!probe_ran && o.ending != Ending::not_started) {
    v.reason =
        "could not be probed: " + program.string() + " " +
        (o.ending == Ending::signaled ? "crashed with " + proc::signal_name(o.signal)
                                      : "exited with status " + std::to_string(o.exit_code)) +
        " before it started";
    v.cacheable = false;
  }
  v.output = o.output;
  if (v.output.size() > kOutputKeep)
    v.output.erase(0, v.output.size() - kOutputKeep);
  return v;
}

}  // namespace

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g s", seconds);
  return buffer;
}

fs::path default_probe_program() {
  try {
    return boost::dll::this_line_location().parent_path() / "minitorch" / "minitorch-plugin-probe";
  } catch (const std::exception&) {
    return {};
  }
}

std::vector<ProbeVerdict> run_probes(const fs::path& program,
                                     const std::vector<ProbeRequest>& requests,
                                     double timeout_seconds) {
  std::vector<ProbeVerdict> verdicts(requests.size());
  if (requests.empty())
    return verdicts;
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    for (auto& v : verdicts) {
      v.reason =
          "could not be probed: the probe program " +
          (program.empty() ? std::string("(location of libminitorch unknown)") : program.string()) +
          " is missing or not executable; reinstall MiniTorch";
      v.cacheable = false;
    }
    return verdicts;
  }
  proc::ChildLimits limits;
  limits.jobs = static_cast<int>(std::min<std::size_t>(requests.size(), kMaxConcurrent));
  limits.timeout_seconds = timeout_seconds;
  limits.output_keep = kOutputKeep;
  limits.result_limit = 1u << 20;
  proc::run_children(
      requests.size(),
      [&](std::size_t i) {
        proc::ChildTask task;
        task.argv = {program.string(), requests[i].file.string(), requests[i].expected_name};
        return task;
      },
      limits,
      [&](std::size_t i, const proc::ChildOutcome& o) {
        verdicts[i] = verdict_of(o, program, timeout_seconds);
      });
  return verdicts;
}

}  // namespace mt::plugin
