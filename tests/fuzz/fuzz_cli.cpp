// fuzz_cli.cpp — libFuzzer target for the `minitorch` argument parser
// (apps/minitorch/cli.cpp): the input, split at NUL bytes, is argv after the
// program name. Nothing runs; the parser must return, never throw, and every
// number it lets through lies inside the option table of cli.hpp.
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
    // Every number that got through is inside the table's range (cli.hpp).
    const mt::cli::TrainOptions& t = parsed.train;
    const auto whole_ok = [](const char* option, int64_t value) {
      const auto& r = mt::cli::whole_range(option);
      return value >= 0 && static_cast<uint64_t>(value) >= r.low &&
             static_cast<uint64_t>(value) <= r.high;
    };
    const auto real_ok = [](const char* option, double value) {
      const auto& r = mt::cli::real_range(option);
      return value >= r.low && value <= r.high;
    };
    const bool dropout_default = t.given.count("--dropout") == 0 && t.dropout == -1;
    if (!whole_ok("--hidden", t.hidden) || !whole_ok("--epochs", t.epochs) ||
        !whole_ok("--points", t.points) || !whole_ok("--batch", t.batch) ||
        !whole_ok("--train-size", t.train_size) || !whole_ok("--test-size", t.test_size) ||
        !whole_ok("--max-length", t.max_length) || !real_ok("--rate", t.rate) ||
        !real_ok("--momentum", t.momentum) ||
        !(dropout_default || real_ok("--dropout", t.dropout)) ||
        !(t.threads == 0 || whole_ok("--threads", t.threads))) {
      std::fprintf(stderr, "invariant broken: a range check let a value through\n");
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
