// minitorch/apps/plot.hpp — training figures as PNG through gnuplot (run as a
// separate program on a generated script): curves side by side and, for the
// 2-D datasets, the decision boundary with the points. Not a plotting library.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace mt {

struct EpochReport;  // recipes.hpp

// One line of a panel.
struct Series {
  std::string title;
  std::vector<double> x;
  std::vector<double> y;
};

// One panel of the figure (e.g. "loss" over epochs).
struct PlotPanel {
  std::string title;
  std::string xlabel;
  std::string ylabel;
  std::vector<Series> series;
  std::string key = "top right";  // where gnuplot puts the legend
};

// A classifier's probability of class 1 over [0,1]^2 on a resolution x
// resolution grid (row-major, x2 outer: probability[j * resolution + i] is at
// x1 = (i + 0.5)/resolution, x2 = (j + 0.5)/resolution), and the data points.
struct DecisionBoundary {
  int resolution = 0;
  std::vector<double> probability;
  std::vector<std::array<double, 2>> points;
  std::vector<int> labels;
};

// The gnuplot executable on PATH (or $MINITORCH_GNUPLOT). Throws mt::Error
// saying how to install it (Debian: gnuplot-nox) when there is none.
std::filesystem::path find_gnuplot();

// Draws the panels left to right (and the boundary last, when given) into
// `png`, written under a temporary name and renamed, so a failure never
// leaves a partial image. Throws mt::Error when gnuplot is missing or fails
// (its message included); ArgumentError for empty or mismatched series.
void plot_training(const std::filesystem::path& png, const std::string& title,
                   const std::vector<PlotPanel>& panels,
                   const DecisionBoundary* boundary = nullptr);

// The figure of a training run, the same for every recipe: loss and accuracy
// per epoch, training beside `eval_name` ("test", "validation", ...), and the
// decision boundary when given. ArgumentError for an empty history.
void plot_history(const std::filesystem::path& png, const std::string& title,
                  const std::vector<EpochReport>& history, const std::string& eval_name,
                  const DecisionBoundary* boundary = nullptr);

// The gnuplot script plot_training runs (for tests and debugging), writing to
// `output`.
std::string training_plot_script(const std::filesystem::path& output, const std::string& title,
                                 const std::vector<PlotPanel>& panels,
                                 const DecisionBoundary* boundary);

}  // namespace mt
