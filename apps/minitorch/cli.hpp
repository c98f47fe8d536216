// cli.hpp — the `minitorch` command line turned into a command and its
// options, without running anything or printing: main.cpp and the CLI fuzz
// target both call parse_command_line. The commands themselves are in
// commands.hpp; this header knows nothing of core. What each option accepts
// (ranges, choices, defaults) is the table of minitorch/apps/hyperparams.hpp,
// which `train --load` checks a checkpoint against too.
#pragma once

#include "commands.hpp"

#include <minitorch/apps/hyperparams.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::cli {

// ---- what `train` accepts: the table of minitorch/apps/hyperparams.hpp -------
// The argument parser checks the command line against it, and `train
// --load` checks the values a checkpoint holds against the same rows, so a
// checkpoint can ask for nothing the command line could not. The range
// lists below are views of that table, by kind.

// A whole-number option and its inclusive range.
struct WholeRange {
  std::string_view option;  // long name, e.g. "--hidden"
  uint64_t low = 0;
  uint64_t high = 0;
};

// An option that takes any finite decimal number in an inclusive range.
struct RealRange {
  std::string_view option;
  double low = 0;
  double high = 0;
};

constexpr std::size_t rows_of_kind(hyper::Kind kind) {
  std::size_t n = 0;
  for (const hyper::Param& p : hyper::kParams)
    n += p.kind == kind ? 1 : 0;
  return n;
}

// Whole-number options that are no hyper-parameter of a run (no table row).
inline constexpr WholeRange kOtherWholeRanges[] = {{"--threads", 1, 1024},
                                                   {"--bucket-kb", 1, 1048576}};
static_assert(kOtherWholeRanges[0].high <= INT32_MAX && kOtherWholeRanges[1].high <= INT32_MAX,
              "--threads and --bucket-kb must fit their int fields");

inline constexpr auto kWholeRanges = [] {
  constexpr std::size_t others = sizeof kOtherWholeRanges / sizeof kOtherWholeRanges[0];
  std::array<WholeRange, rows_of_kind(hyper::Kind::whole) + others> out{};
  std::size_t i = 0;
  for (const hyper::Param& p : hyper::kParams)
    if (p.kind == hyper::Kind::whole)
      out[i++] = {p.option, p.whole_low, p.whole_high};
  for (const WholeRange& r : kOtherWholeRanges)
    out[i++] = r;
  return out;
}();

inline constexpr auto kRealRanges = [] {
  std::array<RealRange, rows_of_kind(hyper::Kind::real)> out{};
  std::size_t i = 0;
  for (const hyper::Param& p : hyper::kParams)
    if (p.kind == hyper::Kind::real)
      out[i++] = {p.option, p.real_low, p.real_high};
  return out;
}();

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

// `text` checked against a table row of any kind; on failure nullopt and
// `problem` as above (a choice: "\"rmsprop\" is not an optimizer `train`
// knows (allowed: sgd, adam)"). On success the text in canonical form
// ("010" -> "10").
std::optional<std::string> check_value(const hyper::Param& row, std::string_view text,
                                       std::string& problem);

// The --help epilog: every recipe's defaults, and the per-dataset ones.
std::string defaults_text();

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
