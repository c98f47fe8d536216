// cli.hpp — the `minitorch` command line turned into a command and its
// options, without running anything or printing: main.cpp and the CLI fuzz
// target both call parse_command_line. The commands themselves are in
// commands.hpp; this header knows nothing of core.
#pragma once

#include "commands.hpp"

#include <string>
#include <vector>

namespace mt::cli {

enum class Command { none, backends, train };

struct ParsedCommandLine {
  Command command = Command::none;
  BackendsOptions backends;
  TrainOptions train;
  // When parsing stops before a command can run (--help, a bad argument),
  // `exit_code` is set (0 for --help) and `out` / `err` hold the text CLI11
  // would print to stdout / stderr. Otherwise exit_code is -1.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Parses `args` (args[0] is the program name). Never throws for any input:
// a bad argument becomes a non-zero exit_code with CLI11's message in `err`.
ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

}  // namespace mt::cli
