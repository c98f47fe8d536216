// datasets.cpp — the point sampler and the six labelling rules of datasets.hpp.
// Nothing is cached or read from disk: every call regenerates its points from the seed.
#include <minitorch/teaching/datasets.hpp>

#include <minitorch/errors.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>

namespace mt {

namespace {

void check_count(const char* what, int N) {
  if (N < 0) {
    throw ArgumentError(std::string(what) + ": the number of points must be >= 0, got " +
                        std::to_string(N));
  }
}

double unit_interval(std::mt19937_64& rng) {
  // The top 53 bits of one draw, scaled: every double k * 2^-53 in [0, 1) equally likely.
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

template <class Label>
Graph labelled(const char* what, int N, std::uint64_t seed, Label label) {
  check_count(what, N);
  Graph g;
  g.N = N;
  g.X = make_pts(N, seed);
  g.y.reserve(g.X.size());
  for (const auto& [x1, x2] : g.X) {
    g.y.push_back(label(x1, x2) ? 1 : 0);
  }
  return g;
}

}  // namespace

std::vector<std::array<double, 2>> make_pts(int N, std::uint64_t seed) {
  check_count("make_pts", N);
  std::mt19937_64 rng(seed);
  std::vector<std::array<double, 2>> pts(static_cast<std::size_t>(N));
  for (auto& p : pts) {
    p[0] = unit_interval(rng);  // x1 is drawn before x2, as in MiniTorch
    p[1] = unit_interval(rng);
  }
  return pts;
}

Graph simple(int N, std::uint64_t seed) {
  return labelled("simple", N, seed, [](double x1, double) { return x1 < 0.5; });
}

Graph diag(int N, std::uint64_t seed) {
  return labelled("diag", N, seed, [](double x1, double x2) { return x1 + x2 < 0.5; });
}

Graph split(int N, std::uint64_t seed) {
  return labelled("split", N, seed, [](double x1, double) { return x1 < 0.2 || x1 > 0.8; });
}

Graph xor_(int N, std::uint64_t seed) {
  return labelled("xor", N, seed, [](double x1, double x2) {
    return (x1 < 0.5 && x2 > 0.5) || (x1 > 0.5 && x2 < 0.5);
  });
}

Graph circle(int N, std::uint64_t seed) {
  return labelled("circle", N, seed, [](double x1, double x2) {
    const double c1 = x1 - 0.5;
    const double c2 = x2 - 0.5;
    return c1 * c1 + c2 * c2 > 0.1;
  });
}

Graph spiral(int N) {
  check_count("spiral", N);
  const int h = N / 2;
  auto x = [](double t) { return t * std::cos(t) / 20.0; };
  auto y = [](double t) { return t * std::sin(t) / 20.0; };
  Graph g;
  g.N = 2 * h;
  g.X.reserve(static_cast<std::size_t>(g.N));
  // t is computed as 10 * (i / h), in MiniTorch's order, so the points match it bit for bit.
  for (int i = 5; i < 5 + h; ++i) {
    const double t = 10.0 * (static_cast<double>(i) / h);
    g.X.push_back({x(t) + 0.5, y(t) + 0.5});
  }
  for (int i = 5; i < 5 + h; ++i) {
    const double t = -10.0 * (static_cast<double>(i) / h);
    g.X.push_back({y(t) + 0.5, x(t) + 0.5});
  }
  g.y.assign(static_cast<std::size_t>(h), 0);
  g.y.resize(static_cast<std::size_t>(g.N), 1);
  return g;
}

namespace {

struct DatasetEntry {
  const char* name;
  Graph (*make)(int N, std::uint64_t seed);
};

// The one list of datasets; dataset_names() and make_dataset() both read it.
constexpr DatasetEntry kDatasets[] = {
    {"simple", simple}, {"diag", diag},
    {"split", split},   {"xor", xor_},
    {"circle", circle}, {"spiral", [](int N, std::uint64_t) { return spiral(N); }},
};

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const DatasetEntry& e : kDatasets) {
      out.emplace_back(e.name);
    }
    return out;
  }();
  return names;
}

Graph make_dataset(std::string_view name, int N, std::uint64_t seed) {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const DatasetEntry& e : kDatasets) {
    if (key == e.name) {
      return e.make(N, seed);
    }
  }
  std::string allowed;
  for (const std::string& n : dataset_names()) {
    allowed += (allowed.empty() ? "" : ", ") + n;
  }
  throw ArgumentError("unknown dataset \"" + std::string(name) + "\"; allowed: " + allowed +
                      " (case-insensitive)");
}

}  // namespace mt
