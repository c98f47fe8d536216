// minitorch/apps/hyperparams.hpp — the one table of training hyper-parameters:
// name, option, kind, range, which recipes use it, the per-recipe and
// per-dataset defaults, and help text. The CLI parser, the recipes, the
// metrics JSON and the checkpoints all read it. Header-only and free of core
// types (the CLI's argument parser and its fuzz target include it alone);
// it parses nothing itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mt::hyper {

// The recipes, as the bits of a mask.
inline constexpr unsigned kMlp2d = 1u, kLeNet = 2u, kKimCnn = 4u;
inline constexpr unsigned kAllRecipes = kMlp2d | kLeNet | kKimCnn;
inline constexpr unsigned kCnnRecipes = kLeNet | kKimCnn;

struct RecipeInfo {
  unsigned bit;
  std::string_view name;      // what checkpoints and metrics record
  std::string_view title;     // for --help
  std::string_view datasets;  // comma-separated
};
inline constexpr RecipeInfo kRecipes[] = {
    {kMlp2d, "mlp2d", "2-D MLP", "simple, diag, split, xor, circle, spiral"},
    {kLeNet, "lenet", "LeNet CNN", "mnist, fashion-mnist"},
    {kKimCnn, "kim-cnn", "Kim CNN", "imdb"},
};

enum class Kind { whole, real, choice };

// `hyper` values are part of the model's identity: a checkpoint records them
// and a resumed run must ask for the same. `run` values (how long, how often
// to save) may change between the pieces of one run.
enum class Role { hyper, run };

struct Param {
  std::string_view key;     // checkpoint / metrics name, e.g. "lr"
  std::string_view option;  // command-line option, e.g. "--rate"
  Kind kind;
  Role role;
  unsigned recipes;               // mask of the recipes that use it
  uint64_t whole_low = 0;         // Kind::whole: inclusive range
  uint64_t whole_high = 0;        //
  double real_low = 0;            // Kind::real: inclusive range
  double real_high = 0;           //
  std::string_view choices = {};  // Kind::choice: "a|b"
  std::string_view help;
};

// In resolution order: a default may depend on an earlier row (lr and
// momentum on optimizer).
inline constexpr Param kParams[] = {
    {.key = "epochs",
     .option = "--epochs",
     .kind = Kind::whole,
     .role = Role::run,
     .recipes = kAllRecipes,
     .whole_low = 1,
     .whole_high = 1000000,
     .help = "Epochs in total (a resumed run continues up to this epoch)"},
    {.key = "batch",
     .option = "--batch",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kAllRecipes,
     .whole_low = 1,
     .whole_high = 1000000,
     .help = "Training examples per mini-batch"},
    {.key = "seed",
     .option = "--seed",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kAllRecipes,
     .whole_low = 0,
     .whole_high = UINT64_MAX,
     .help = "Random seed (data points, initialisation, shuffling, dropout)"},
    {.key = "optimizer",
     .option = "--optimizer",
     .kind = Kind::choice,
     .role = Role::hyper,
     .recipes = kAllRecipes,
     .choices = "sgd|adam",
     .help = "sgd (PyTorch's, with --momentum) or adam"},
    {.key = "lr",
     .option = "--rate",
     .kind = Kind::real,
     .role = Role::hyper,
     .recipes = kAllRecipes,
     .real_low = 1e-9,
     .real_high = 1e3,
     .help = "Learning rate"},
    {.key = "momentum",
     .option = "--momentum",
     .kind = Kind::real,
     .role = Role::hyper,
     .recipes = kAllRecipes,
     .real_low = 0.0,
     .real_high = 0.999999,
     .help = "SGD momentum in [0, 1) (sgd only)"},
    {.key = "hidden",
     .option = "--hidden",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kMlp2d,
     .whole_low = 1,
     .whole_high = 100000,
     .help = "Hidden layer size of the 2-D MLP"},
    {.key = "points",
     .option = "--points",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kMlp2d,
     .whole_low = 2,
     .whole_high = 10000000,
     .help = "Points in the 2-D dataset"},
    {.key = "dropout",
     .option = "--dropout",
     .kind = Kind::real,
     .role = Role::hyper,
     .recipes = kCnnRecipes,
     .real_low = 0.0,
     .real_high = 0.999999,
     .help = "Dropout rate in [0, 1)"},
    {.key = "train_size",
     .option = "--train-size",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kCnnRecipes,
     .whole_low = 0,
     .whole_high = 100000000,
     .help = "Use only this many training examples (0 = all)"},
    {.key = "test_size",
     .option = "--test-size",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kCnnRecipes,
     .whole_low = 0,
     .whole_high = 100000000,
     .help = "Evaluation examples (0 = the whole test set)"},
    {.key = "max_length",
     .option = "--max-length",
     .kind = Kind::whole,
     .role = Role::hyper,
     .recipes = kKimCnn,
     .whole_low = 1,
     .whole_high = 100000,
     .help = "IMDB tokens per review (cut or padded)"},
    {.key = "save_every",
     .option = "--save-every",
     .kind = Kind::whole,
     .role = Role::run,
     .recipes = kAllRecipes,
     .whole_low = 0,
     .whole_high = 1000000,
     .help = "With --save: also write the checkpoint after every N epochs (0 = only at the end "
             "and on Ctrl-C)"},
};

// A default: `value` for `key` where `scope` is a recipe name or a dataset
// name, optionally only with one optimizer. The most specific rule wins: a
// dataset beats its recipe, a rule naming the optimizer beats one that does
// not. Every (recipe, key) the recipe uses has a rule (checked below).
struct DefaultRule {
  std::string_view scope;
  std::string_view key;
  std::string_view value;
  std::string_view optimizer = {};
};
inline constexpr DefaultRule kDefaults[] = {
    // MiniTorch's run_fast_tensor.py: 50 points, hidden 10, batch 10, SGD,
    // 500 epochs, at the rate 0.5 its guide suggests (its script's 0.05
    // leaves xor at 94%, and spiral at 60% whatever the rate). Measured with
    // seed 42 (docs/metrics.md): simple, diag, split, circle, xor and spiral
    // all end at 50/50.
    {"mlp2d", "epochs", "500"},
    {"mlp2d", "batch", "10"},
    {"mlp2d", "seed", "42"},
    {"mlp2d", "optimizer", "sgd"},
    {"mlp2d", "lr", "0.5"},
    {"mlp2d", "momentum", "0"},
    {"mlp2d", "hidden", "10"},
    {"mlp2d", "points", "50"},
    {"mlp2d", "save_every", "0"},
    // xor wobbles by a few points at epoch 500 (45 to 50 of 50 over seeds);
    // by 1000 it has settled (49 or 50 for every seed tried).
    {"xor", "epochs", "1000"},
    // Spiral's two arms need a wider net and Adam (SGD at lr 0.05 to 1: <= 60%).
    {"spiral", "optimizer", "adam"},
    {"spiral", "hidden", "50"},
    {"spiral", "lr", "0.01", "adam"},
    {"spiral", "epochs", "1000"},
    // LeNet: Adam at PyTorch's 1e-3 (97% on MNIST after one epoch); sgd is
    // MiniTorch's lr 0.01, with momentum 0.9 (plain SGD crawls on [0, 1] pixels).
    {"lenet", "epochs", "5"},
    {"lenet", "batch", "16"},
    {"lenet", "seed", "42"},
    {"lenet", "optimizer", "adam"},
    {"lenet", "lr", "0.001"},
    {"lenet", "lr", "0.01", "sgd"},
    {"lenet", "momentum", "0"},
    {"lenet", "momentum", "0.9", "sgd"},
    {"lenet", "dropout", "0.25"},
    {"lenet", "train_size", "0"},
    {"lenet", "test_size", "0"},
    {"lenet", "save_every", "0"},
    // Kim CNN: the PyTorch sentiment reference (Adam 1e-3, dropout 0.5).
    {"kim-cnn", "epochs", "3"},
    {"kim-cnn", "batch", "32"},
    {"kim-cnn", "seed", "42"},
    {"kim-cnn", "optimizer", "adam"},
    {"kim-cnn", "lr", "0.001"},
    {"kim-cnn", "lr", "0.01", "sgd"},
    {"kim-cnn", "momentum", "0"},
    {"kim-cnn", "momentum", "0.9", "sgd"},
    {"kim-cnn", "dropout", "0.5"},
    {"kim-cnn", "train_size", "0"},
    {"kim-cnn", "test_size", "10000"},
    {"kim-cnn", "max_length", "200"},
    {"kim-cnn", "save_every", "0"},
};

// ---- look-ups ---------------------------------------------------------------------

// The recipe a dataset trains; nullptr for an unknown dataset.
constexpr const RecipeInfo* recipe_of(std::string_view dataset) {
  for (const RecipeInfo& r : kRecipes) {
    std::string_view rest = r.datasets;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      if (name == dataset)
        return &r;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    }
  }
  return nullptr;
}

constexpr const RecipeInfo* recipe_named(std::string_view name) {
  for (const RecipeInfo& r : kRecipes)
    if (r.name == name)
      return &r;
  return nullptr;
}

constexpr const Param* param_by_key(std::string_view key) {
  for (const Param& p : kParams)
    if (p.key == key)
      return &p;
  return nullptr;
}

constexpr const Param* param_by_option(std::string_view option) {
  for (const Param& p : kParams)
    if (p.option == option)
      return &p;
  return nullptr;
}

constexpr bool uses(const Param& p, const RecipeInfo& r) {
  return (p.recipes & r.bit) != 0;
}

// Whether `value` is one of a choice row's "a|b" choices.
constexpr bool is_choice(const Param& p, std::string_view value) {
  std::string_view rest = p.choices;
  while (!rest.empty()) {
    const std::size_t bar = rest.find('|');
    if (rest.substr(0, bar) == value)
      return true;
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  return false;
}

// The default text of `key` for a run of `dataset` (which trains `recipe`)
// with `optimizer`; empty when no rule applies.
constexpr std::string_view default_value(const RecipeInfo& recipe, std::string_view dataset,
                                         std::string_view optimizer, std::string_view key) {
  std::string_view best;
  int best_score = -1;
  for (const DefaultRule& d : kDefaults) {
    if (d.key != key || (!d.optimizer.empty() && d.optimizer != optimizer))
      continue;
    int score = -1;
    if (d.scope == dataset)
      score = 2;
    else if (d.scope == recipe.name)
      score = 0;
    if (score < 0)
      continue;
    score += d.optimizer.empty() ? 0 : 1;
    if (score > best_score) {
      best_score = score;
      best = d.value;
    }
  }
  return best;
}

// Whether a row has `key`, and a row's whole-number bound, without pointers
// (GCC's -fsanitize=undefined makes a pointer comparison non-constant).
constexpr bool has_param(std::string_view key) {
  for (const Param& p : kParams)
    if (p.key == key)
      return true;
  return false;
}

constexpr uint64_t whole_high_of(std::string_view key) {
  for (const Param& p : kParams)
    if (p.key == key)
      return p.whole_high;
  return 0;
}

// Whether `scope` names a recipe or a dataset.
constexpr bool is_scope(std::string_view scope) {
  for (const RecipeInfo& r : kRecipes) {
    if (r.name == scope)
      return true;
    std::string_view rest = r.datasets;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      if (rest.substr(0, comma) == scope)
        return true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    }
  }
  return false;
}

// Every recipe has a default for every row it uses, under every optimizer,
// and every rule names a known key and a scope that is a recipe or dataset.
constexpr bool table_is_complete() {
  for (const RecipeInfo& r : kRecipes)
    for (const Param& p : kParams)
      if (uses(p, r) && (default_value(r, "", "sgd", p.key).empty() ||
                         default_value(r, "", "adam", p.key).empty()))
        return false;
  for (const DefaultRule& d : kDefaults)
    if (!has_param(d.key) || !is_scope(d.scope))
      return false;
  return true;
}
static_assert(table_is_complete(), "hyperparams.hpp: a recipe lacks a default, or a rule is stray");

}  // namespace mt::hyper
