// progress.cpp — the terminal progress bar. It redraws with '\r' and clears
// the line before the caller's summary; there is no cursor movement or colour.
#include <minitorch/apps/progress.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace mt {

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
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
                         bool interactive)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      interactive_(interactive),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::render(const std::string& label, int64_t done, int64_t total,
                                double seconds, const std::string& unit, double loss, int width) {
  const double fraction =
      total > 0 ? std::min(1.0, std::max(0.0, static_cast<double>(done) / total)) : 0.0;
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) {
    bar += '>';
    bar.append(static_cast<std::size_t>(width - filled - 1), ' ');
  }
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const double eta = rate > 0 ? (total - done) / rate : NAN;
  char text[256];
  std::snprintf(text, sizeof text, "%s [%s] %lld/%lld  %.0f %s/s  ETA %s", label.c_str(),
                bar.c_str(), static_cast<long long>(done), static_cast<long long>(total), rate,
                unit.c_str(), format_duration(eta).c_str());
  std::string out = text;
  if (std::isfinite(loss)) {
    std::snprintf(text, sizeof text, "  loss %.4f", loss);
    out += text;
  }
  return out;
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
  out_ << '\r' << render(label_, done, total_, seconds, unit_, loss, 30) << "\x1b[K" << std::flush;
}

void ProgressBar::finish() {
  if (interactive_ && drawn_)
    out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace mt
