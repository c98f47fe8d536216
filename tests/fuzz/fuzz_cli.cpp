// fuzz_cli.cpp — libFuzzer target for the `minitorch` argument parser
// (apps/minitorch/cli.cpp): the input, split at NUL bytes, is argv after the
// program name. Nothing runs; the parser must return, never throw, and every
// value it lets through is one its row of the hyper-parameter table admits.
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
  if (ran && parsed.command == mt::cli::Command::train) {
    // Every value that got through is one its table row admits (cli.hpp).
    for (const auto& [key, text] : parsed.train.values) {
      const mt::hyper::Param* row = mt::hyper::param_by_key(key);
      std::string problem;
      if (row == nullptr || !mt::cli::check_value(*row, text, problem)) {
        std::fprintf(stderr, "invariant broken: a range check let %s = %s through\n", key.c_str(),
                     text.c_str());
        std::abort();
      }
    }
    const auto& threads = mt::cli::whole_range("--threads");
    const int t = parsed.train.threads;
    if (t != 0 && (t < 0 || static_cast<uint64_t>(t) < threads.low ||
                   static_cast<uint64_t>(t) > threads.high)) {
      std::fprintf(stderr, "invariant broken: --threads %d got through\n", t);
      std::abort();
    }
  }
  if (ran && parsed.command == mt::cli::Command::eval) {
    const mt::cli::EvalOptions& e = parsed.eval;
    const auto whole_ok = [](const char* option, int64_t value) {
      const auto& r = mt::cli::whole_range(option);
      return value >= 0 && static_cast<uint64_t>(value) >= r.low &&
             static_cast<uint64_t>(value) <= r.high;
    };
    if (e.load.empty() || !whole_ok("--batch", e.batch) || !whole_ok("--test-size", e.test_size) ||
        !(e.threads == 0 || whole_ok("--threads", e.threads))) {
      std::fprintf(stderr, "invariant broken: eval accepted a missing --load or a bad number\n");
      std::abort();
    }
  }
  return 0;
}
