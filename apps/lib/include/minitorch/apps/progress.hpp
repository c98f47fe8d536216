// minitorch/apps/progress.hpp — progress for the training and evaluation
// commands: a one-line bar redrawn in place on a terminal, sized to the
// terminal's width (never wraps), with percent, count, rate, elapsed time,
// ETA and the running loss; nothing at all when the output is not a terminal
// (logs stay clean). Phases (an epoch's training, then its evaluation) reuse
// one bar. Not a logger.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace mt {

// True when `fd` (e.g. 1 for stdout) is a terminal.
bool is_terminal(int fd);

// The width of the terminal on `fd` (TIOCGWINSZ), else $COLUMNS when it is a
// number in 10..1000, else 80.
int terminal_columns(int fd);

// "12s", "3m05s", "1h02m"; "?" for a negative or non-finite value.
std::string format_duration(double seconds);

class ProgressBar {
 public:
  // `unit` names what is counted ("img", "reviews"). When `interactive` is
  // false, nothing is ever printed. The width is read from the terminal on
  // `fd` at every redraw (a resized window is followed).
  ProgressBar(std::ostream& out, std::string label, int64_t total, std::string unit,
              bool interactive, int fd = 1);

  // `done` items so far; redraws at most ~10 times a second (and always at
  // the end). `loss` is shown when finite.
  void update(int64_t done, double loss);
  // Starts another phase on the same line (e.g. "Evaluating" after an
  // epoch's training): new label, total and unit; the clock restarts.
  void begin_phase(std::string label, int64_t total, std::string unit);
  // Clears the bar so the caller's summary line replaces it.
  void finish();

  // The text of one bar that fits in `columns` - 1 characters:
  //   "Epoch 1 [=====>    ]  50%  30/60  10 img/s  elapsed 3s  ETA 3s  loss 0.2500"
  // The bar takes what room is left (at most 30); when the line is narrow the
  // rate, the elapsed time, the loss and then the bar are left out, and the
  // rest is cut at the edge.
  static std::string render(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& unit, double loss, int columns);

 private:
  std::ostream& out_;
  std::string label_;
  int64_t total_;
  std::string unit_;
  bool interactive_;
  int fd_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace mt
