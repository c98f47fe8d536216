// summary.cpp — minitorch-bench-summary: reads minitorch-bench's JSON
// (--benchmark_out_format=json) and prints Markdown tables: the targets with
// the measured ratios, then every benchmark's median. It measures nothing and
// needs no Python or jq.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct Result {
  double time = NAN;  // median (or the single run's) wall time per iteration
  std::string unit;
  std::map<std::string, double> counters;
  std::string error;  // non-empty: the benchmark was skipped with this message
  bool median = false;
  double cv = NAN;  // coefficient of variation of the time over repetitions (0.05 = 5 %)
};

// "zip/add/16M/parallel/real_time" -> "zip/add/16M/parallel": drop the
// suffixes Google Benchmark adds for timing modes and fixed iterations.
std::string base_name(std::string name) {
  for (;;) {
    const auto slash = name.rfind('/');
    if (slash == std::string::npos)
      return name;
    const std::string last = name.substr(slash + 1);
    if (last == "real_time" || last == "manual_time" || last.rfind("iterations:", 0) == 0 ||
        last.rfind("repeats:", 0) == 0 || last.rfind("min_time:", 0) == 0)
      name.erase(slash);
    else
      return name;
  }
}

const std::set<std::string> kNonCounterFields{"name",
                                              "family_index",
                                              "per_family_instance_index",
                                              "run_name",
                                              "run_type",
                                              "repetitions",
                                              "repetition_index",
                                              "threads",
                                              "iterations",
                                              "real_time",
                                              "cpu_time",
                                              "time_unit",
                                              "aggregate_name",
                                              "aggregate_unit",
                                              "error_occurred",
                                              "error_message",
                                              "label"};

std::map<std::string, Result> read_results(const json& doc, std::vector<std::string>& order) {
  std::map<std::string, Result> results;
  // Registration order (family, then instance): with random interleaving
  // the JSON lists runs in the shuffled order they ran.
  std::map<std::string, std::pair<int64_t, int64_t>> rank;
  for (const json& entry : doc.at("benchmarks")) {
    const std::string name = base_name(entry.value("run_name", entry.value("name", "")));
    if (!rank.count(name))
      rank[name] = {entry.value("family_index", int64_t{0}),
                    entry.value("per_family_instance_index", int64_t{0})};
  }
  struct ByRank {
    const std::map<std::string, std::pair<int64_t, int64_t>>& rank;
    bool operator()(const std::string& a, const std::string& b) const {
      return rank.at(a) < rank.at(b);
    }
  };
  for (const json& entry : doc.at("benchmarks")) {
    const std::string name = base_name(entry.value("run_name", entry.value("name", "")));
    const bool is_aggregate = entry.value("run_type", "") == "aggregate";
    const std::string aggregate = entry.value("aggregate_name", "");
    if (is_aggregate && aggregate == "cv") {
      results[name].cv = entry.value("real_time", NAN);
      continue;
    }
    if (is_aggregate && aggregate != "median")
      continue;
    if (!results.count(name))
      order.push_back(name);
    Result& r = results[name];
    if (entry.value("error_occurred", false)) {
      r.error = entry.value("error_message", "skipped");
      continue;
    }
    // A median wins over single iterations (runs without repetitions have
    // no aggregates; then the last repetition is shown).
    if (r.median && !is_aggregate)
      continue;
    r.median = is_aggregate;
    r.time = entry.value("real_time", NAN);
    r.unit = entry.value("time_unit", "");
    r.counters.clear();
    for (auto it = entry.begin(); it != entry.end(); ++it)
      if (!kNonCounterFields.count(it.key()) && it.value().is_number())
        r.counters[it.key()] = it.value().get<double>();
  }
  std::stable_sort(order.begin(), order.end(), ByRank{rank});
  return results;
}

std::optional<double> counter(const std::map<std::string, Result>& results, const std::string& name,
                              const std::string& key) {
  const auto it = results.find(name);
  if (it == results.end() || !it->second.error.empty())
    return std::nullopt;
  const auto c = it->second.counters.find(key);
  if (c == it->second.counters.end())
    return std::nullopt;
  return c->second;
}

// Median time in milliseconds.
std::optional<double> time_ms(const std::map<std::string, Result>& results,
                              const std::string& name) {
  const auto it = results.find(name);
  if (it == results.end() || !it->second.error.empty() || std::isnan(it->second.time))
    return std::nullopt;
  const std::string& u = it->second.unit;
  const double scale = u == "ns" ? 1e-6 : u == "us" ? 1e-3 : u == "ms" ? 1.0 : u == "s" ? 1e3 : NAN;
  return it->second.time * scale;
}

std::string fmt(std::optional<double> v, const char* format = "%.2f") {
  if (!v)
    return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, *v);
  return buffer;
}

std::string why_missing(const std::map<std::string, Result>& results, const std::string& name) {
  const auto it = results.find(name);
  if (it == results.end())
    return "not run";
  return it->second.error.empty() ? "" : "skipped: " + it->second.error;
}

// Why a figure is missing, from either of the two benchmarks it needs.
std::string why_missing(const std::map<std::string, Result>& results, const std::string& a,
                        const std::string& b) {
  const std::string first = why_missing(results, a);
  const std::string second = why_missing(results, b);
  if (first.empty() || second.empty() || first == second)
    return first.empty() ? second : first;
  return first + "; " + second;
}

// A time in the largest unit that keeps it at or above 1 (e.g. "12.3 ms").
std::string format_time(double value, const std::string& unit) {
  const std::map<std::string, double> to_ns{{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  const auto it = to_ns.find(unit);
  if (it == to_ns.end())
    return fmt(value, "%.4g") + " " + unit;
  const double ns = value * it->second;
  if (ns >= 1e9)
    return fmt(ns / 1e9, "%.3f") + " s";
  if (ns >= 1e6)
    return fmt(ns / 1e6, "%.3f") + " ms";
  if (ns >= 1e3)
    return fmt(ns / 1e3, "%.2f") + " us";
  return fmt(ns, "%.1f") + " ns";
}

struct Row {
  std::string figure, measured, target, verdict;
};

void add_ratio_row(std::vector<Row>& rows, const std::string& figure, std::optional<double> value,
                   std::optional<double> base, double target, const std::string& unit,
                   const std::string& missing) {
  if (!value || !base || *base <= 0) {
    rows.push_back({figure, "n/a", "≥ " + fmt(target) + "×", missing.empty() ? "n/a" : missing});
    return;
  }
  const double ratio = *value / *base;
  rows.push_back({figure, fmt(*value) + " / " + fmt(*base) + " " + unit + " = " + fmt(ratio) + "×",
                  "≥ " + fmt(target) + "×", ratio >= target ? "met" : "MISSED"});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: minitorch-bench-summary RESULTS.json\n");
    return 2;
  }
  json doc;
  try {
    std::ifstream in(argv[1]);
    if (!in)
      throw std::runtime_error("cannot open it");
    doc = json::parse(in);
    if (!doc.contains("benchmarks") || !doc["benchmarks"].is_array())
      throw std::runtime_error("no \"benchmarks\" array (is it Google Benchmark JSON?)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minitorch-bench-summary: %s: %s\n", argv[1], e.what());
    return 1;
  }
  std::vector<std::string> order;
  const auto results = read_results(doc, order);
  const json& context = doc.value("context", json::object());

  std::printf("# MiniTorch benchmark summary\n\n");
  std::printf("Run %s on %s (%d CPUs at %s MHz); load average at start %s.\n",
              context.value("date", "?").c_str(), context.value("host_name", "?").c_str(),
              context.value("num_cpus", 0),
              context.contains("mhz_per_cpu") ? context["mhz_per_cpu"].dump().c_str() : "?",
              context.contains("load_avg") ? context["load_avg"].dump().c_str() : "?");
  const std::string coretype = context.value("OPENBLAS_CORETYPE", "(unset)");
  std::printf("OpenBLAS kernels: %s; OPENBLAS_CORETYPE %s; OPENBLAS_NUM_THREADS %s.\n",
              context.value("openblas_corename", "?").c_str(), coretype.c_str(),
              context.value("OPENBLAS_NUM_THREADS", "?").c_str());
  const std::string core = context.value("openblas_corename", "");
  if (core == "Haswell" || core == "Prescott" || core == "Nehalem" || core == "Core2")
    std::printf(
        "WARNING: OpenBLAS ran its '%s' kernels; on an AVX-512 machine that is not its "
        "best, and the comparison flatters MiniTorch. Use benchmarks/run.sh.\n",
        core.c_str());
  std::printf("Every figure is the median over repetitions (when the run had repetitions).\n\n");

  // Fast backends: every backend with results other than the reference.
  std::set<std::string> fast;
  for (const auto& name : order) {
    const auto slash = name.rfind('/');
    const std::string backend = name.substr(slash + 1);
    if ((name.rfind("map/", 0) == 0 || name.rfind("matmul/", 0) == 0) && backend != "reference" &&
        backend.rfind("openblas", 0) != 0)
      fast.insert(backend);
  }

  std::vector<Row> rows;
  const std::string copy16 = "stream/copy/16M/2t";
  for (const std::string& b : fast) {
    for (const char* n : {"1024", "2048"}) {
      const std::string mine = std::string("matmul/f32/") + n + "/" + b;
      const std::string blas = std::string("matmul/f32/") + n + "/openblas_2t";
      add_ratio_row(rows, b + " sgemm " + n + "³ vs OpenBLAS (2 threads)",
                    counter(results, mine, "GFLOP/s"), counter(results, blas, "GFLOP/s"), 0.9,
                    "GFLOP/s", why_missing(results, mine, blas));
    }
    for (const char* op : {"map/exp", "map/relu", "map/neg", "map/copy", "zip/add", "zip/mul",
                           "reduce/sum_last", "reduce/sum_first"}) {
      const std::string mine = std::string(op) + "/16M/" + b;
      add_ratio_row(rows, b + " " + op + " 16M vs STREAM copy 16M (2 threads)",
                    counter(results, mine, "GB/s"), counter(results, copy16, "GB/s"), 0.8, "GB/s",
                    why_missing(results, mine, copy16));
    }
    {
      const std::string mine = "zip/add_T/16M/" + b;
      const auto v = counter(results, mine, "GB/s");
      rows.push_back({b + " x.T + y 16M (PyTorch ≈ 2 GB/s, quoted)", v ? fmt(v) + " GB/s" : "n/a",
                      "≥ 20 GB/s", v ? (*v >= 20 ? "met" : "MISSED") : why_missing(results, mine)});
    }
    for (const char* op : {"map/exp", "map/relu", "map/neg", "map/copy", "zip/add", "zip/mul",
                           "zip/add_bcast", "zip/add_T", "reduce/sum_last", "reduce/sum_first"}) {
      const std::string mine = std::string(op) + "/1M/" + b;
      const std::string ref = std::string(op) + "/1M/reference";
      const auto t_mine = time_ms(results, mine);
      const auto t_ref = time_ms(results, ref);
      // Speed-up = reference time / fast time.
      add_ratio_row(rows, b + " vs reference, " + op + " 1M (speed-up)", t_ref, t_mine, 10.0, "ms",
                    why_missing(results, mine, ref));
    }
    {
      const std::string mine = "train/split_h100_b10/" + b;
      const auto v = time_ms(results, mine);
      rows.push_back({b + " split MLP (h100, b10) ms/epoch (PyTorch eager ≈ 1.3 ms, quoted)",
                      v ? fmt(v, "%.3f") + " ms" : "n/a", "≤ 0.5 ms",
                      v ? (*v <= 0.5 ? "met" : "MISSED") : why_missing(results, mine)});
    }
    {
      const std::string mine = "conv2d/fwd/B32_64to64_3x3_56x56/" + b;
      const auto v = counter(results, mine, "GFLOP/s");
      rows.push_back({b + " conv2d (B32, 64→64, 3×3, 56×56) forward",
                      v ? fmt(v) + " GFLOP/s" : "n/a", "≥ 150 GFLOP/s",
                      v ? (*v >= 150 ? "met" : "MISSED") : why_missing(results, mine)});
    }
  }
  {
    const auto v = time_ms(results, "train/split_h100_b10/reference");
    rows.push_back(
        {"reference split MLP ms/epoch (for scale)", v ? fmt(v, "%.3f") + " ms" : "n/a", "—", "—"});
  }

  std::printf("## Targets\n\n| figure | measured | target | verdict |\n|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | %s | %s | %s |\n", r.figure.c_str(), r.measured.c_str(), r.target.c_str(),
                r.verdict.c_str());

  std::printf(
      "\n## Every benchmark (medians; cv = stddev / mean of the time over repetitions)\n\n"
      "| benchmark | time | cv | GB/s | GFLOP/s | other |\n|---|---|---|---|---|---|\n");
  for (const std::string& name : order) {
    const Result& r = results.at(name);
    if (!r.error.empty()) {
      std::printf("| %s | skipped: %s | | | | |\n", name.c_str(), r.error.c_str());
      continue;
    }
    std::string other;
    for (const auto& [key, value] : r.counters) {
      if (key == "GB/s" || key == "GFLOP/s")
        continue;
      other += (other.empty() ? "" : ", ") + key + " " + fmt(value, "%.3g");
    }
    const auto gb = r.counters.find("GB/s");
    const auto gf = r.counters.find("GFLOP/s");
    const std::string spread = std::isnan(r.cv) ? "" : fmt(100.0 * r.cv, "%.0f") + " %";
    std::printf("| %s | %s | %s | %s | %s | %s |\n", name.c_str(),
                format_time(r.time, r.unit).c_str(), spread.c_str(),
                gb == r.counters.end() ? "" : fmt(gb->second).c_str(),
                gf == r.counters.end() ? "" : fmt(gf->second).c_str(), other.c_str());
  }
  return 0;
}
