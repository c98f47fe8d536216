// minitorch/apps/progress.hpp — per-epoch progress for the training commands: a
// redrawn one-line bar with throughput and ETA on a terminal, nothing until
// the epoch's summary line otherwise (logs stay clean). Not a logger.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace mt {

// True when `fd` (e.g. 1 for stdout) is a terminal.
bool is_terminal(int fd);

// "12s", "3m05s", "1h02m".
std::string format_duration(double seconds);

class ProgressBar {
 public:
  // `unit` names what is counted ("img", "reviews"). When `interactive` is
  // false, update() and finish() print nothing.
  ProgressBar(std::ostream& out, std::string label, int64_t total, std::string unit,
              bool interactive);

  // `done` items so far; redraws at most ~10 times a second. `loss` is shown
  // when finite.
  void update(int64_t done, double loss);
  // Clears the bar so the caller's summary line replaces it.
  void finish();

  // The text of one bar (for tests): label, bar, done/total, rate, ETA, loss.
  static std::string render(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& unit, double loss, int width);

 private:
  std::ostream& out_;
  std::string label_;
  int64_t total_;
  std::string unit_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace mt
