// cli.hpp — the `minitorch` command line turned into a command and its
// options, without running anything or printing: main.cpp and the CLI fuzz
// target both call parse_command_line. The commands themselves are in
// commands.hpp; this header knows nothing of core. It also holds what each
// option accepts (ranges, choices), which `train --load` checks a checkpoint
// against.
#pragma once

#include "commands.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::cli {

// ---- what `train` accepts, written once ---------------------------------------
// The argument parser checks the command line against these, and `train
// --load` checks the values a checkpoint holds against the same ones, so a
// checkpoint can ask for nothing the command line could not.

// A whole-number option and its inclusive range.
struct WholeRange {
  std::string_view option;  // long name, e.g. "--hidden"
  uint64_t low;
  uint64_t high;
};
inline constexpr WholeRange kWholeRanges[] = {
    {"--hidden", 1, 100000},       {"--epochs", 1, 1000000},    {"--points", 2, 10000000},
    {"--batch", 1, 1000000},       {"--seed", 0, UINT64_MAX},   {"--train-size", 0, 100000000},
    {"--test-size", 0, 100000000}, {"--max-length", 1, 100000}, {"--threads", 1, 1024},
};

// An option that takes any finite decimal number in an inclusive range.
struct RealRange {
  std::string_view option;
  double low;
  double high;
};
inline constexpr RealRange kRealRanges[] = {
    {"--rate", 1e-9, 1e3},
    {"--momentum", 0.0, 0.999999},
    {"--dropout", 0.0, 0.999999},
};

// Every whole-number row fits the TrainOptions field it fills (so a value
// the table allows can be stored without a check of its own).
constexpr bool whole_range_fits(std::string_view option, uint64_t field_max) {
  for (const WholeRange& r : kWholeRanges)
    if (r.option == option)
      return r.low <= r.high && r.high <= field_max;
  return false;
}
template <class Field>
constexpr uint64_t field_max = static_cast<uint64_t>(std::numeric_limits<Field>::max());
static_assert(whole_range_fits("--hidden", field_max<decltype(TrainOptions::hidden)>) &&
                  whole_range_fits("--epochs", field_max<decltype(TrainOptions::epochs)>) &&
                  whole_range_fits("--points", field_max<decltype(TrainOptions::points)>) &&
                  whole_range_fits("--batch", field_max<decltype(TrainOptions::batch)>) &&
                  whole_range_fits("--seed", field_max<decltype(TrainOptions::seed)>) &&
                  whole_range_fits("--train-size", field_max<decltype(TrainOptions::train_size)>) &&
                  whole_range_fits("--test-size", field_max<decltype(TrainOptions::test_size)>) &&
                  whole_range_fits("--max-length", field_max<decltype(TrainOptions::max_length)>) &&
                  whole_range_fits("--threads", field_max<decltype(TrainOptions::threads)>),
              "an option's range does not fit its TrainOptions field");

// The row of `option`; std::logic_error for an option not in the table.
const WholeRange& whole_range(std::string_view option);
const RealRange& real_range(std::string_view option);
// "1 to 100000", "1e-09 to 1000".
std::string range_text(const WholeRange& range);
std::string range_text(const RealRange& range);

// `text` read as a value of the option: digits only (for a whole number) or
// a decimal number (no spaces, hex, nan or inf), inside the range. On
// failure nullopt, and `problem` says why with the allowed range, e.g.
// "2000000000 is out of range (allowed: 1 to 100000)".
std::optional<uint64_t> parse_whole(const WholeRange& range, std::string_view text,
                                    std::string& problem);
std::optional<double> parse_real(const RealRange& range, std::string_view text,
                                 std::string& problem);

// The values --dataset, --dtype and --optimizer accept.
const std::vector<std::string>& dataset_choices();
const std::vector<std::string>& dtype_choices();
const std::vector<std::string>& optimizer_choices();
// "a, b, c".
std::string choices_text(const std::vector<std::string>& choices);

enum class Command { none, backends, train, eval };

struct ParsedCommandLine {
  Command command = Command::none;
  BackendsOptions backends;
  TrainOptions train;
  EvalOptions eval;
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
