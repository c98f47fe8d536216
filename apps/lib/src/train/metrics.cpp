// metrics.cpp — the metrics document of metrics.hpp: configuration values
// typed by the hyper-parameter table (whole numbers and reals as JSON
// numbers, choices as strings), then the epoch records of epoch_record().
// Not a reader: tools read the JSON themselves. A data-parallel run adds a
// "distributed" object (ranks, batch split, communication figures).
#include <minitorch/apps/hyperparams.hpp>
#include <minitorch/apps/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace mt {

// Keys in the order written: schema first, the config in the table's order.
using json = nlohmann::ordered_json;

std::string eval_set_of(const std::string& recipe) {
  if (recipe == "mlp2d")
    return "train";
  if (recipe == "kim-cnn")
    return "validation";
  return "test";
}

std::string metrics_json(const RecipeConfig& config, const RecipeResult& result) {
  json j;
  j["schema"] = kMetricsSchema;
  j["recipe"] = result.recipe;
  j["dataset"] = config.dataset;
  j["backend"] = (config.backend ? config.backend : default_backend())->name();
  j["dtype"] = dtype_name(config.dtype);
  j["eval_set"] = eval_set_of(result.recipe);
  json values = json::object();
  const auto texts = config_values(config, result.recipe);
  for (const hyper::Param& p : hyper::kParams) {
    const auto it = texts.find(std::string(p.key));
    if (it == texts.end())
      continue;  // a row this recipe does not use
    const std::string key(p.key);
    if (p.kind == hyper::Kind::whole)
      values[key] = std::strtoull(it->second.c_str(), nullptr, 10);
    else if (p.kind == hyper::Kind::real)
      values[key] = std::strtod(it->second.c_str(), nullptr);
    else
      values[key] = it->second;
  }
  j["config"] = values;
  // Data-parallel runs: how the global batch (config.batch) was split, and rank 0's
  // communication figures (DdpStats, docs/distributed.md).
  if (config.comm) {
    const dist::DdpStats& d = result.ddp;
    const double steps = static_cast<double>(std::max<int64_t>(d.steps, 1));
    j["distributed"] = {
        {"engine", config.comm->engine()},
        {"world_size", result.world_size},
        {"global_batch", config.batch},
        {"per_rank_batch", config.batch / std::max(result.world_size, 1)},
        {"steps", d.steps},
        {"buckets_per_step", d.buckets},
        {"bytes_reduced", d.bytes_reduced},
        {"bytes_per_step", static_cast<double>(d.bytes_reduced) / steps},
        {"comm_seconds", d.comm_seconds},
        {"comm_seconds_per_step", d.comm_seconds / steps},
        {"overlapped_seconds", d.overlapped_seconds},
    };
  }
  j["resumed_epochs"] = result.resumed_epochs;
  j["interrupted"] = result.interrupted;
  json epochs = json::array();
  for (const EpochReport& r : result.history) {
    const auto record = epoch_record(r);
    json e = json::object();
    for (const auto& [key, value] : record)
      e[key] = std::isfinite(value) ? json(value) : json(nullptr);
    // Counts as integers, not 3.0.
    for (const char* key : {"epoch", "test_correct", "test_total"})
      e[key] = static_cast<int64_t>(record.at(key));
    epochs.push_back(e);
  }
  j["epochs"] = epochs;
  return j.dump(2) + "\n";
}

}  // namespace mt
