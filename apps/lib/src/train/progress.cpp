// progress.cpp — the terminal progress bar. It redraws with '\r' and erases to
// the end of the line, fitted to the terminal's width so it never wraps; there
// is no other cursor movement and no colour.
#include <minitorch/apps/progress.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <vector>

namespace mt {

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

int terminal_columns(int fd) {
  struct winsize size {};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  if (const char* text = std::getenv("COLUMNS"); text != nullptr) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && value >= 10 && value <= 1000)
      return static_cast<int>(value);
  }
  return 80;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (s < 60)
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  return text;
}

ProgressBar::ProgressBar(std::ostream& out, std::string label, int64_t total, std::string unit,
                         bool interactive, int fd)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      interactive_(interactive),
      fd_(fd),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::render(const std::string& label, int64_t done, int64_t total,
                                double seconds, const std::string& unit, double loss, int columns) {
  const double fraction =
      total > 0 ? std::min(1.0, std::max(0.0, static_cast<double>(done) / total)) : 0.0;
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const double eta = rate > 0 ? (total - done) / rate : NAN;
  char text[128];
  std::snprintf(text, sizeof text, "%3d%%", static_cast<int>(std::floor(fraction * 100.0)));
  const std::string percent = text;
  std::snprintf(text, sizeof text, "%lld/%lld", static_cast<long long>(done),
                static_cast<long long>(total));
  const std::string count = text;
  std::snprintf(text, sizeof text, "%.0f %s/s", rate, unit.c_str());
  const std::string speed = text;
  const std::string elapsed = "elapsed " + format_duration(seconds);
  const std::string remaining = "ETA " + format_duration(eta);
  std::string loss_text;
  if (std::isfinite(loss)) {
    std::snprintf(text, sizeof text, "loss %.4f", loss);
    loss_text = text;
  }
  // Parts after the bar; when the line is too narrow the ones of rank 2 (the
  // rate), then 3 (elapsed), then 4 (the loss) go; rank 0 always stays.
  struct Part {
    const std::string* text;
    int drop_rank;  // 0: never dropped
  };
  std::vector<Part> parts{{&percent, 0}, {&count, 0},     {&speed, 2},
                          {&elapsed, 3}, {&remaining, 0}, {&loss_text, 4}};
  const int room = std::max(columns - 1, 1);
  auto tail_length = [&](int dropped_up_to) {
    std::size_t n = 0;
    for (const Part& p : parts)
      if (!p.text->empty() && (p.drop_rank == 0 || p.drop_rank > dropped_up_to))
        n += 2 + p.text->size();
    return n;
  };
  constexpr int kMinBar = 10, kMaxBar = 30;
  int dropped = 1;  // parts of rank 1..dropped are left out; 1: none
  while (dropped < 4 && static_cast<int>(label.size() + tail_length(dropped)) + 3 + kMinBar > room)
    ++dropped;
  const int left = room - static_cast<int>(label.size() + tail_length(dropped)) - 3;
  std::string line = label;
  if (left >= kMinBar) {
    const int width = std::min(left, kMaxBar);
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < width) {
      bar += '>';
      bar.append(static_cast<std::size_t>(width - filled - 1), ' ');
    }
    line += " [" + bar + "]";
  }
  for (const Part& p : parts)
    if (!p.text->empty() && (p.drop_rank == 0 || p.drop_rank > dropped))
      line += "  " + *p.text;
  if (static_cast<int>(line.size()) > room)
    line.resize(static_cast<std::size_t>(room));
  return line;
}

void ProgressBar::update(int64_t done, double loss) {
  if (!interactive_)
    return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total_ && now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  out_ << '\r' << render(label_, done, total_, seconds, unit_, loss, terminal_columns(fd_))
       << "\x1b[K" << std::flush;
}

void ProgressBar::begin_phase(std::string label, int64_t total, std::string unit) {
  label_ = std::move(label);
  total_ = total;
  unit_ = std::move(unit);
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_;
  if (interactive_ && drawn_)
    out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

void ProgressBar::finish() {
  if (interactive_ && drawn_)
    out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace mt
