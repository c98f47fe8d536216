// test_report.cpp — what the user sees: the progress bar's text, and the
// gnuplot script and PNG of a training plot (drawn only where gnuplot is
// installed; the test says so when it skips).
#include <boost/test/unit_test.hpp>
#include <minitorch/apps/plot.hpp>
#include <minitorch/apps/progress.hpp>

#include "data_testing.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

using namespace mt;
using namespace mt::test;

BOOST_AUTO_TEST_SUITE(report)

BOOST_AUTO_TEST_CASE(progress_bar_shows_percent_count_rate_elapsed_and_eta) {
  // 30 of 60 images in 3 s: 50%, 10 img/s, 30 left -> 3 s more.
  const std::string tail = "   50%  30/60  10 img/s  elapsed 3s  ETA 3s  loss 0.2500";
  BOOST_TEST(ProgressBar::render("Epoch 1", 30, 60, 3.0, "img", 0.25, 120) ==
             "Epoch 1 [===============>              ]" + tail);  // the widest bar: 30
  // 80 columns: 79 characters, the bar takes what is left.
  const std::string at80 = ProgressBar::render("Epoch 1", 30, 60, 3.0, "img", 0.25, 80);
  BOOST_TEST(at80.size() == 79u, at80);
  BOOST_TEST(at80 == "Epoch 1 [" + std::string(6, '=') + ">" + std::string(6, ' ') + "]" + tail);
  BOOST_TEST(ProgressBar::render("E", 0, 5, 0.0, "x", NAN, 80)
                 .find("  0%  0/5  0 x/s  elapsed "
                       "0s  ETA ?") != std::string::npos);
  BOOST_TEST(format_duration(185) == "3m05s");
  BOOST_TEST(format_duration(3720) == "1h02m");
  BOOST_TEST(format_duration(-1) == "?");
}

BOOST_AUTO_TEST_CASE(progress_bar_never_wraps_and_drops_detail_when_narrow) {
  for (int columns = 1; columns <= 200; ++columns) {
    const std::string line =
        ProgressBar::render("Epoch 12/500", 1234, 60000, 7.5, "img", 0.1234, columns);
    BOOST_TEST_CONTEXT("columns " << columns) {
      BOOST_TEST(static_cast<int>(line.size()) <= std::max(columns - 1, 1));
      const std::size_t shown = std::min<std::size_t>(line.size(), 7);
      BOOST_TEST(line.substr(0, shown) == std::string("Epoch 1").substr(0, shown));
    }
  }
  // Narrow: the rate goes first, then the elapsed time, then the loss, while
  // percent, count and ETA stay.
  const std::string at70 = ProgressBar::render("Epoch 1", 30, 60, 3.0, "img", 0.25, 70);
  BOOST_TEST(!contains(at70, "img/s"), at70);
  BOOST_TEST(contains(at70, "elapsed 3s"), at70);
  BOOST_TEST(contains(at70, "["), at70);
  const std::string at60 = ProgressBar::render("Epoch 1", 30, 60, 3.0, "img", 0.25, 60);
  BOOST_TEST(!contains(at60, "elapsed"), at60);
  BOOST_TEST(contains(at60, "loss 0.2500"), at60);
  const std::string at45 = ProgressBar::render("Epoch 1", 30, 60, 3.0, "img", 0.25, 45);
  BOOST_TEST(!contains(at45, "elapsed"), at45);
  BOOST_TEST(!contains(at45, "loss"), at45);
  BOOST_TEST(contains(at45, " 50%  30/60  ETA 3s"), at45);
  BOOST_TEST(contains(at45, "["), at45);
}

BOOST_AUTO_TEST_CASE(terminal_columns_falls_back_to_columns_then_80) {
  // A pipe has no window size.
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  ::setenv("COLUMNS", "132", 1);
  BOOST_TEST(terminal_columns(fds[1]) == 132);
  ::setenv("COLUMNS", "wide", 1);
  BOOST_TEST(terminal_columns(fds[1]) == 80);
  ::unsetenv("COLUMNS");
  BOOST_TEST(terminal_columns(fds[1]) == 80);
  ::close(fds[0]);
  ::close(fds[1]);
}

BOOST_AUTO_TEST_CASE(progress_bar_is_silent_when_not_interactive) {
  std::ostringstream out;
  ProgressBar bar(out, "Epoch 1", 10, "img", false);
  bar.update(5, 1.0);
  bar.finish();
  BOOST_TEST(out.str().empty());
  ProgressBar live(out, "Epoch 1", 10, "img", true);
  live.update(10, 1.0);
  BOOST_TEST(contains(out.str(), "\r"));
  BOOST_TEST(contains(out.str(), "100%  10/10"));
  // A second phase on the same line: the evaluation after an epoch.
  live.begin_phase("Evaluating", 4, "img");
  live.update(4, NAN);
  live.finish();
  BOOST_TEST(contains(out.str(), "Evaluating ["), out.str());
  BOOST_TEST(contains(out.str(), "100%  4/4"), out.str());
  BOOST_TEST(out.str().substr(out.str().size() - 4) == "\r\x1b[K");
  // Not interactive: the phase API prints nothing either.
  std::ostringstream quiet;
  ProgressBar silent(quiet, "Epoch 1", 10, "img", false);
  silent.begin_phase("Evaluating", 4, "img");
  silent.update(4, 0.5);
  silent.finish();
  BOOST_TEST(quiet.str().empty());
}

BOOST_AUTO_TEST_CASE(plot_script_holds_the_data_and_panels) {
  const std::vector<PlotPanel> panels{
      {"loss",
       "epoch",
       "loss",
       {{"train", {1, 2}, {0.5, 0.25}}, {"it's test", {1, 2}, {0.6, NAN}}}}};
  DecisionBoundary b;
  b.resolution = 2;
  b.probability = {0.1, 0.9, 0.2, 0.8};
  b.points = {{0.1, 0.2}, {0.7, 0.9}};
  b.labels = {0, 1};
  const std::string s = training_plot_script("out.png", "title", panels, &b);
  BOOST_TEST(contains(s, "set output 'out.png'"));
  BOOST_TEST(contains(s, "set multiplot layout 1,2"));
  BOOST_TEST(contains(s, "2 0.25\n"));
  BOOST_TEST(contains(s, "2 NaN\n"));
  BOOST_TEST(contains(s, "title 'it''s test'"));  // quote doubled for gnuplot
  BOOST_TEST(contains(s, "0.75 0.25 0.9\n"));     // grid cell i = 1, j = 0
  BOOST_TEST(contains(s, "$points1 << EOD\n0.7 0.9\nEOD"));
  BOOST_CHECK_THROW(
      training_plot_script("o.png", "t", {{"p", "x", "y", {{"s", {1}, {}}}}}, nullptr),
      ArgumentError);
}

BOOST_AUTO_TEST_CASE(plot_png_is_written_atomically) {
  try {
    find_gnuplot();
  } catch (const Error& e) {
    BOOST_TEST_MESSAGE("skipped: gnuplot is not installed here (" << e.what() << ")");
    return;
  }
  TempDir dir;
  plot_training(dir / "p.png", "t", {{"loss", "epoch", "loss", {{"train", {1, 2, 3}, {3, 2, 1}}}}});
  const std::string png = read_bytes(dir / "p.png");
  BOOST_TEST(png.substr(0, 4) == "\x89PNG");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  BOOST_TEST(files == 1);  // no script, log or temporary image left
}

BOOST_AUTO_TEST_CASE(missing_gnuplot_is_a_clear_error) {
  TempDir dir;
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  const char* own = std::getenv("MINITORCH_GNUPLOT");
  const std::string old_own = own ? own : "";
  ::setenv("PATH", dir.path().c_str(), 1);
  ::unsetenv("MINITORCH_GNUPLOT");
  std::string message;
  try {
    find_gnuplot();
  } catch (const Error& e) {
    message = e.what();
  }
  ::setenv("PATH", old_path.c_str(), 1);
  if (own)
    ::setenv("MINITORCH_GNUPLOT", old_own.c_str(), 1);
  BOOST_TEST(contains(message, "gnuplot is not installed"));
  BOOST_TEST(contains(message, "gnuplot-nox"));
}

BOOST_AUTO_TEST_SUITE_END()
