// cli_testing.hpp — runs the real `minitorch` binary for the CLI tests (its path comes from
// MT_TEST_MINITORCH_EXE, set by tests/train/CMakeLists.txt). Not a parser test helper.
#pragma once

#include <run_program.hpp>

#include <string>
#include <vector>

namespace mt::test {

// `minitorch ARGS...` with a 120 s limit, its exit status and both output streams.
inline ProgramRun run_minitorch(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {MT_TEST_MINITORCH_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, 120);
}

}  // namespace mt::test
