// plot.cpp — builds a gnuplot script (data inline as datablocks), runs
// gnuplot on it with its output going to a temporary PNG, then renames that
// into place. gnuplot's own messages are captured and reported on failure.
#include <minitorch/apps/plot.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace mt {

namespace fs = std::filesystem;

namespace {

// gnuplot single-quoted string: a quote is written twice.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'')
      out += '\'';
  }
  return out + "'";
}

std::string number(double v) {
  if (!std::isfinite(v))
    return "NaN";  // gnuplot skips undefined points
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

void check_panels(const std::vector<PlotPanel>& panels, const DecisionBoundary* boundary) {
  if (panels.empty() && boundary == nullptr)
    throw ArgumentError("plot_training: nothing to draw (no panels and no decision boundary)");
  for (const PlotPanel& p : panels) {
    if (p.series.empty())
      throw ArgumentError("plot_training: panel '" + p.title + "' has no series");
    for (const Series& s : p.series)
      if (s.x.size() != s.y.size() || s.x.empty())
        throw ArgumentError("plot_training: series '" + s.title + "' of panel '" + p.title +
                            "' has " + std::to_string(s.x.size()) + " x and " +
                            std::to_string(s.y.size()) + " y values (need equal, >= 1)");
  }
  if (boundary != nullptr) {
    const auto r = static_cast<std::size_t>(std::max(boundary->resolution, 0));
    if (r == 0 || boundary->probability.size() != r * r ||
        boundary->points.size() != boundary->labels.size())
      throw ArgumentError("plot_training: the decision boundary needs resolution^2 (" +
                          std::to_string(r * r) + ") probabilities, got " +
                          std::to_string(boundary->probability.size()) +
                          ", and one label per point");
  }
}

}  // namespace

fs::path find_gnuplot() {
  if (const char* own = std::getenv("MINITORCH_GNUPLOT"); own != nullptr && *own != '\0') {
    if (::access(own, X_OK) == 0)
      return own;
    throw Error(std::string("MINITORCH_GNUPLOT=") + own + " is not an executable file");
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty())
      continue;
    const fs::path candidate = fs::path(dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  throw Error(
      "cannot draw the plot: gnuplot is not installed (not found on PATH); install it with "
      "`bash scripts/install-deps.sh` (Debian package gnuplot-nox) or drop --plot");
}

std::string training_plot_script(const fs::path& output, const std::string& title,
                                 const std::vector<PlotPanel>& panels,
                                 const DecisionBoundary* boundary) {
  check_panels(panels, boundary);
  const std::size_t columns = panels.size() + (boundary != nullptr ? 1 : 0);
  std::ostringstream s;
  s << "set terminal pngcairo size " << 460 * columns << ",420 font 'Sans,10'\n";
  s << "set output " << quoted(output.string()) << "\n";
  // Datablocks first: gnuplot cannot define them inside multiplot.
  for (std::size_t p = 0; p < panels.size(); ++p) {
    for (std::size_t k = 0; k < panels[p].series.size(); ++k) {
      const Series& series = panels[p].series[k];
      s << "$d" << p << "_" << k << " << EOD\n";
      for (std::size_t i = 0; i < series.x.size(); ++i)
        s << number(series.x[i]) << ' ' << number(series.y[i]) << '\n';
      s << "EOD\n";
    }
  }
  if (boundary != nullptr) {
    const int r = boundary->resolution;
    s << "$grid << EOD\n";
    for (int j = 0; j < r; ++j) {
      for (int i = 0; i < r; ++i)
        s << number((i + 0.5) / r) << ' ' << number((j + 0.5) / r) << ' '
          << number(boundary->probability[static_cast<std::size_t>(j) * r + i]) << '\n';
      s << '\n';
    }
    s << "EOD\n";
    for (int label = 0; label <= 1; ++label) {
      s << "$points" << label << " << EOD\n";
      for (std::size_t i = 0; i < boundary->points.size(); ++i)
        if ((boundary->labels[i] == 1) == (label == 1))
          s << number(boundary->points[i][0]) << ' ' << number(boundary->points[i][1]) << '\n';
      s << "EOD\n";
    }
  }
  s << "set multiplot layout 1," << columns << " title " << quoted(title) << "\n";
  s << "set grid\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const PlotPanel& panel = panels[p];
    // Few epochs: one tick per epoch rather than gnuplot's 0.5 steps.
    double x_max = 0;
    for (const Series& series : panel.series)
      for (double x : series.x)
        x_max = std::max(x_max, x);
    s << (x_max <= 20 ? "set xtics 1\n" : "set xtics autofreq\n");
    s << "set key " << panel.key << "\n";
    s << "set title " << quoted(panel.title) << "\nset xlabel " << quoted(panel.xlabel)
      << "\nset ylabel " << quoted(panel.ylabel) << "\nplot ";
    for (std::size_t k = 0; k < panel.series.size(); ++k) {
      s << (k ? ", " : "") << "$d" << p << "_" << k << " using 1:2 with linespoints pt 7 ps 0.5"
        << " title " << quoted(panel.series[k].title);
    }
    s << "\n";
  }
  if (boundary != nullptr) {
    s << "set xtics autofreq\nset title 'decision boundary (P(class 1))'\nset xlabel 'x1'\nset "
         "ylabel 'x2'\n"
      << "set xrange [0:1]\nset yrange [0:1]\nset cbrange [0:1]\nset size ratio -1\n"
      << "set palette defined (0 '#4575b4', 0.5 '#f7f7f7', 1 '#d73027')\nunset grid\n"
      << "set key opaque box\n"
      << "plot $grid using 1:2:3 with image notitle, "
      << "$points0 using 1:2 with points pt 7 ps 0.8 lc rgb '#08306b' title 'class 0', "
      << "$points1 using 1:2 with points pt 5 ps 0.8 lc rgb '#67000d' title 'class 1'\n";
  }
  s << "unset multiplot\nset output\n";
  return s.str();
}

void plot_training(const fs::path& png, const std::string& title,
                   const std::vector<PlotPanel>& panels, const DecisionBoundary* boundary) {
  const fs::path gnuplot = find_gnuplot();
  // All three files are registered temporaries: removed on every way out,
  // a SIGINT/SIGTERM included; only the image is renamed into place.
  ScopedTemporary image_file(temporary_path_for(png));
  const ScopedTemporary script_file(fs::path(image_file.path().string() + ".gp"));
  const ScopedTemporary messages_file(fs::path(image_file.path().string() + ".log"));
  const fs::path& image = image_file.path();
  const fs::path& script = script_file.path();
  const fs::path& messages = messages_file.path();
  std::error_code ec;
  {
    std::ofstream out(script);
    out << training_plot_script(image, title, panels, boundary);
    if (!out)
      throw DataError("cannot write " + png.string() + ": cannot write the gnuplot script " +
                      script.string());
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, messages.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string program = gnuplot.string(), script_arg = script.string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw Error("cannot run " + program + ": " + std::strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::file_size(image, ec) > 0;
  if (!ok) {
    std::ifstream log(messages);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    throw Error("gnuplot failed to draw " + png.string() +
                (text.empty() ? std::string() : ": " + text));
  }
  commit_file(image, png);
  image_file.release();
}

void plot_history(const fs::path& png, const std::string& title,
                  const std::vector<EpochReport>& history, const std::string& eval_name,
                  const DecisionBoundary* boundary) {
  if (history.empty())
    throw ArgumentError("plot_history: no finished epoch to draw");
  Series train_loss{"train", {}, {}}, eval_loss{eval_name, {}, {}};
  Series train_acc{"train", {}, {}}, eval_acc{eval_name, {}, {}};
  for (const EpochReport& r : history) {
    for (Series* s : {&train_loss, &eval_loss, &train_acc, &eval_acc})
      s->x.push_back(r.epoch);
    train_loss.y.push_back(r.train_loss);
    eval_loss.y.push_back(r.test_loss);
    train_acc.y.push_back(100.0 * r.train_accuracy);
    eval_acc.y.push_back(100.0 * r.test_accuracy);
  }
  const std::vector<Series> losses{train_loss, eval_loss}, accuracies{train_acc, eval_acc};
  plot_training(png, title,
                {{"loss", "epoch", "mean loss per example", losses},
                 {"accuracy", "epoch", "% correct", accuracies, "bottom right"}},
                boundary);
}

}  // namespace mt
