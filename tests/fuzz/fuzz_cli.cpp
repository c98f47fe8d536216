// fuzz_cli.cpp — libFuzzer target for the `minitorch` argument parser
// (apps/minitorch/cli.cpp): the input, split at NUL bytes, is argv after the
// program name. Nothing runs; the parser must return, never throw.
#include "cli.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"minitorch"};
  std::string current;
  for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
    if (data[i] == '\0') {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  if (!current.empty() && args.size() < 64)
    args.push_back(current);
  const mt::cli::ParsedCommandLine parsed = mt::cli::parse_command_line(args);
  const bool ran = parsed.exit_code < 0;
  if (ran && parsed.command == mt::cli::Command::none) {
    std::fprintf(stderr, "the parser accepted the arguments but chose no command\n");
    std::abort();
  }
  if (!ran && parsed.exit_code != 0 && parsed.err.empty()) {
    std::fprintf(stderr, "the parser refused the arguments without saying why\n");
    std::abort();
  }
  if (ran && parsed.command == mt::cli::Command::train &&
      (parsed.train.hidden < 1 || parsed.train.hidden > 100000 || parsed.train.batch < 1 ||
       parsed.train.epochs < 1 || parsed.train.max_length < 1))
    std::abort();  // a range check let a value through
  return 0;
}
