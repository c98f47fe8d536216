// probe_runner.hpp — the host side of probing: runs minitorch-plugin-probe on
// several plugin files at once, each in its own child under one time limit,
// and turns how each child ended into a ProbeVerdict. No cache, no report:
// the registry decides what to probe and what a verdict means for a record.
#pragma once

#include "probe_format.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace mt::plugin {

struct ProbeRequest {
  std::filesystem::path file;
  std::string expected_name;
};

// <dir of libminitorch>/minitorch/minitorch-plugin-probe (the install layout;
// the build tree mirrors it), or "" when libminitorch's location is unknown.
std::filesystem::path default_probe_program();

// One verdict per request, in order. All run concurrently (up to 64 at a
// time), so N hanging plugins cost one time limit.
std::vector<ProbeVerdict> run_probes(const std::filesystem::path& probe_program,
                                     const std::vector<ProbeRequest>& requests,
                                     double timeout_seconds);

// "5 s", "0.5 s".
std::string seconds_text(double seconds);

}  // namespace mt::plugin
