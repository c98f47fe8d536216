// minitorch/apps/metrics.hpp — the one metrics JSON every recipe writes
// (schema "minitorch.metrics/1", documented in docs/metrics.md): the run's
// whole configuration and one record per epoch. Builds the text only; the
// caller decides where it goes.
#pragma once

#include <minitorch/apps/recipes.hpp>

#include <string>

namespace mt {

inline constexpr const char* kMetricsSchema = "minitorch.metrics/1";
// The schema of `minitorch eval --metrics` (one evaluation of a checkpoint, no epochs).
inline constexpr const char* kEvalMetricsSchema = "minitorch.eval/1";

// What a recipe evaluates on after each epoch: "train" (the 2-D MLP scores
// its own points, as MiniTorch does), "test" (LeNet) or "validation" (Kim CNN).
std::string eval_set_of(const std::string& recipe);

// The metrics document of a run of `config` that gave `result`, as JSON text
// (2-space indent, trailing newline). Numbers that are not finite are null.
std::string metrics_json(const RecipeConfig& config, const RecipeResult& result);

}  // namespace mt
