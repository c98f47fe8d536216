// train_command.cpp — `minitorch train`: picks the backend, fills options from
// a checkpoint and the recipe's defaults, makes sure the dataset is cached,
// runs a recipe from core and prints progress and a summary; --metrics,
// --plot and --save write files. The recipes themselves live in core.
#include "backend_choice.hpp"
#include "cli.hpp"
#include "commands.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/output.hpp>
#include <minitorch/apps/plot.hpp>
#include <minitorch/apps/progress.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/apps/train2d.hpp>
#include <minitorch/datasets/fetch.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/util/io.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

namespace mt::cli {

namespace {

namespace fs = std::filesystem;

bool is_cnn_dataset(const std::string& name) {
  return name == "mnist" || name == "fashion-mnist" || name == "imdb";
}

// The recipe a dataset trains (what core writes into its checkpoints).
std::string recipe_of(const std::string& dataset) {
  if (dataset == "imdb")
    return "kim-cnn";
  return is_cnn_dataset(dataset) ? "lenet" : "mlp2d";
}

// Options the user did not give are taken from the checkpoint, so
// `train --load run.ckpt --epochs 20` continues the same run. The dataset
// too. Keys set here count as given (the recipe defaults must not override
// them). A checkpoint is input like any other: every value taken from it is
// checked against the command line's own ranges and choices (cli.hpp)
// before anything is sized from it, and refused with the file, the field,
// the value and what is allowed.
void fill_from_checkpoint(TrainOptions& o) {
  if (o.load.empty())
    return;
  const Checkpoint ck = read_checkpoint(o.load);
  const std::string where = o.load + " (checkpoint)";
  auto take = [&](const char* option, auto setter) {
    if (o.given.count(option) == 0) {
      setter();
      o.given.insert(option);
    }
  };
  const auto& datasets = dataset_choices();
  if (std::find(datasets.begin(), datasets.end(), ck.dataset) == datasets.end()) {
    throw DataError(where + ": dataset \"" + ck.dataset +
                    "\" is not one `train` knows (allowed: " + choices_text(datasets) + ")");
  }
  const bool dataset_given = o.given.count("--dataset") != 0;
  take("--dataset", [&] { o.dataset = ck.dataset; });
  const std::string asked_by = (dataset_given ? "--dataset " : "dataset ") + o.dataset;
  take("--dtype", [&] { o.dtype = dtype_name(ck.dtype); });
  // Recipe, dataset and dtype must be this run's before any data is fetched
  // or any model is built (core checks the hyper-parameters again on resume).
  check_checkpoint_model(ck, o.load, recipe_of(o.dataset), o.dataset, asked_by,
                         {{"hidden", std::to_string(o.hidden)}});
  check_checkpoint_matches(ck, o.load, recipe_of(o.dataset), o.dataset, parse_dtype(o.dtype), {});

  auto hyper = [&](const char* key) -> const std::string* {
    auto it = ck.hyper.find(key);
    return it == ck.hyper.end() ? nullptr : &it->second;
  };
  auto refuse = [&](const char* key, const std::string& problem) {
    return DataError(where + ": hyper-parameter " + key + " = " + problem);
  };
  // Only the keys the checkpoint's recipe writes are read (train2d.cpp and
  // recipes.cpp): a 2-D checkpoint's "optimizer" would otherwise count as
  // --optimizer given and be refused as a CNN-only option.
  const bool cnn = is_cnn_dataset(o.dataset);
  struct WholeField {
    const char* option;
    const char* key;
    std::function<void(uint64_t)> set;
  };
  std::vector<WholeField> whole{
      {"--batch", "batch", [&](uint64_t v) { o.batch = static_cast<int>(v); }},
      {"--seed", "seed", [&](uint64_t v) { o.seed = v; }},
  };
  struct RealField {
    const char* option;
    const char* key;
    double* into;
  };
  std::vector<RealField> real;
  if (cnn) {
    whole.push_back({"--train-size", "train_size",
                     [&](uint64_t v) { o.train_size = static_cast<int64_t>(v); }});
    whole.push_back(
        {"--test-size", "test_size", [&](uint64_t v) { o.test_size = static_cast<int64_t>(v); }});
    whole.push_back({"--max-length", "max_length",
                     [&](uint64_t v) { o.max_length = static_cast<int64_t>(v); }});
    real = {{"--rate", "lr", &o.rate},
            {"--momentum", "momentum", &o.momentum},
            {"--dropout", "dropout", &o.dropout}};
  } else {
    whole.push_back({"--points", "points", [&](uint64_t v) { o.points = static_cast<int>(v); }});
    whole.push_back({"--hidden", "hidden", [&](uint64_t v) { o.hidden = static_cast<int>(v); }});
    real = {{"--rate", "rate", &o.rate}};
  }
  for (const WholeField& f : whole) {
    const std::string* value = hyper(f.key);
    if (value == nullptr || o.given.count(f.option) != 0)
      continue;
    std::string problem;
    const auto v = parse_whole(whole_range(f.option), *value, problem);
    if (!v)
      throw refuse(f.key, problem + ", as for " + f.option);
    f.set(*v);  // fits: cli.hpp asserts each range fits its field
    o.given.insert(f.option);
  }
  for (const RealField& f : real) {
    const std::string* value = hyper(f.key);
    if (value == nullptr || o.given.count(f.option) != 0)
      continue;
    std::string problem;
    const auto v = parse_real(real_range(f.option), *value, problem);
    if (!v)
      throw refuse(f.key, problem + ", as for " + f.option);
    *f.into = *v;
    o.given.insert(f.option);
  }
  if (cnn) {
    if (const std::string* value = hyper("optimizer"); value && o.given.count("--optimizer") == 0) {
      const auto& names = optimizer_choices();
      if (std::find(names.begin(), names.end(), *value) == names.end())
        throw refuse("optimizer", "\"" + *value +
                                      "\" is not an optimizer `train` knows (allowed: " +
                                      choices_text(names) + ")");
      o.optimizer = *value;
      o.given.insert("--optimizer");
    }
  }
}

// The CNN recipes' own defaults for what neither the user nor a checkpoint
// set; and the options that belong to the other kind of dataset are refused
// rather than silently ignored.
void apply_recipe_defaults(TrainOptions& o) {
  const auto given = [&](const char* name) { return o.given.count(name) != 0; };
  if (!is_cnn_dataset(o.dataset)) {
    for (const char* cnn_only : {"--optimizer", "--momentum", "--dropout", "--train-size",
                                 "--test-size", "--max-length", "--data-dir"})
      if (given(cnn_only))
        throw ArgumentError(std::string(cnn_only) + " applies to mnist, fashion-mnist and imdb; '" +
                            o.dataset + "' trains MiniTorch's 2-D MLP with plain SGD");
    return;
  }
  for (const char* mlp_only : {"--hidden", "--points"})
    if (given(mlp_only))
      throw ArgumentError(std::string(mlp_only) + " applies to the 2-D datasets, not '" +
                          o.dataset + "'");
  const bool imdb = o.dataset == "imdb";
  // Adam at PyTorch's lr 1e-3 by default (the PyTorch sentiment reference's
  // choice; on MNIST it reaches 97% in one epoch). --optimizer sgd is
  // MiniTorch's SGD at lr 0.01, with momentum 0.9 unless --momentum says
  // otherwise (plain SGD crawls on [0, 1] pixels).
  if (!given("--optimizer"))
    o.optimizer = "adam";
  const bool adam = o.optimizer == "adam";
  if (!given("--rate"))
    o.rate = adam ? 1e-3 : 0.01;
  if (!given("--momentum") && !adam)
    o.momentum = 0.9;
  if (!given("--epochs"))
    o.epochs = imdb ? 3 : 5;
  if (!given("--batch"))
    o.batch = imdb ? 32 : 16;
  if (!given("--dropout"))
    o.dropout = imdb ? 0.5 : 0.25;
  if (!given("--test-size") && imdb)
    o.test_size = 10000;
}

fs::path fetch_script() {
  if (const char* own = std::getenv("MINITORCH_FETCH_SCRIPT"); own != nullptr && *own != '\0')
    return own;
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share" / "minitorch" / "fetch-data.sh");
#ifdef MT_FETCH_SCRIPT
  candidates.emplace_back(MT_FETCH_SCRIPT);
#endif
  for (const fs::path& c : candidates)
    if (fs::exists(c, ec))
      return c;
  return candidates.empty() ? fs::path("scripts/fetch-data.sh") : candidates.back();
}

// ---- 2-D datasets -------------------------------------------------------------

DecisionBoundary boundary_of(const Mlp2D& model, const Graph& data, const TensorOptions& options) {
  DecisionBoundary b;
  b.resolution = 60;
  std::vector<double> grid;
  for (int j = 0; j < b.resolution; ++j)
    for (int i = 0; i < b.resolution; ++i) {
      grid.push_back((i + 0.5) / b.resolution);
      grid.push_back((j + 0.5) / b.resolution);
    }
  NoGradGuard no_grad;
  const Tensor x = Tensor::from_values(grid, {b.resolution * b.resolution, 2}, options);
  b.probability = model(x).to_vector();
  b.points = data.X;
  b.labels = data.y;
  return b;
}

int run_train_2d(const TrainOptions& options, const BackendPtr& backend) {
  Train2DConfig config;
  config.dataset = options.dataset;
  config.points = options.points;
  config.hidden = options.hidden;
  config.rate = options.rate;
  config.epochs = options.epochs;
  config.batch = options.batch;
  config.seed = options.seed;
  config.backend = backend;
  config.dtype = parse_dtype(options.dtype);
  config.resume_from = options.load;
  config.save_to = options.save;

  std::printf(
      "Training MiniTorch's MLP 2 -> %d -> %d -> 1 on '%s' (%d points), batch %d, "
      "rate %g, %d epochs, %s on backend '%s'\n",
      config.hidden, config.hidden, config.dataset.c_str(), config.points, config.batch,
      config.rate, config.epochs, dtype_name(config.dtype), backend->name().c_str());
  double total_seconds = 0;
  int new_epochs = 0;
  bool announced = false;
  const auto result = train_2d(config, [&](const EpochStats& s) {
    if (!announced && !options.load.empty())
      std::printf("Resumed from %s after epoch %d\n", options.load.c_str(), s.epoch - 1);
    announced = true;
    total_seconds += s.seconds;
    ++new_epochs;
    if (s.epoch % 10 == 0 || s.epoch == 1 || s.epoch == config.epochs) {
      std::printf("Epoch %5d  loss %10.4f  correct %d/%d  time %.3f ms/epoch\n", s.epoch, s.loss,
                  s.correct, s.total, 1e3 * s.seconds);
      std::fflush(stdout);
    }
  });
  const EpochStats& last = result.epochs.back();
  std::printf("Final: correct %d/%d (%.1f%%), loss %.4f, mean %.3f ms/epoch over %d epochs\n",
              last.correct, last.total, 100.0 * last.correct / last.total, last.loss,
              1e3 * total_seconds / std::max(new_epochs, 1), new_epochs);
  if (!options.save.empty())
    std::printf("Saved checkpoint %s (epoch %d)\n", options.save.c_str(), last.epoch);

  if (!options.metrics.empty()) {
    nlohmann::json j;
    j["dataset"] = config.dataset;
    j["backend"] = backend->name();
    j["dtype"] = dtype_name(config.dtype);
    j["hidden"] = config.hidden;
    j["rate"] = config.rate;
    j["batch"] = config.batch;
    j["points"] = config.points;
    j["seed"] = config.seed;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& s : result.epochs) {
      epochs.push_back({{"epoch", s.epoch},
                        {"loss", s.loss},
                        {"correct", s.correct},
                        {"total", s.total},
                        {"seconds", s.seconds}});
    }
    j["epochs"] = epochs;
    write_output(options.metrics, j.dump(2) + "\n");
    std::printf("Wrote metrics to %s\n", options.metrics.c_str());
  }
  if (!options.plot.empty()) {
    Series loss{"train (sum over batches)", {}, {}}, accuracy{"train", {}, {}};
    for (const auto& s : result.epochs) {
      loss.x.push_back(s.epoch);
      loss.y.push_back(s.loss);
      accuracy.x.push_back(s.epoch);
      accuracy.y.push_back(100.0 * s.correct / s.total);
    }
    const DecisionBoundary boundary = boundary_of(
        *result.model, result.data, TensorOptions{.dtype = config.dtype, .backend = backend});
    plot_training(options.plot,
                  "MLP 2-" + std::to_string(config.hidden) + "-" + std::to_string(config.hidden) +
                      "-1 on " + config.dataset + " (" + backend->name() + ")",
                  {{"loss", "epoch", "BCE", {loss}},
                   {"accuracy", "epoch", "% correct", {accuracy}, "bottom right"}},
                  &boundary);
    std::printf("Wrote plot to %s\n", options.plot.c_str());
  }
  return 0;
}

// ---- CNN recipes ------------------------------------------------------------------

void write_recipe_metrics(const TrainOptions& options, const std::string& recipe,
                          const std::string& backend, const std::vector<EpochReport>& history) {
  nlohmann::json j;
  j["recipe"] = recipe;
  j["backend"] = backend;
  j["dtype"] = options.dtype;
  j["optimizer"] = options.optimizer;
  j["momentum"] = options.momentum;
  j["dropout"] = options.dropout;
  j["train_size"] = options.train_size;
  j["test_size"] = options.test_size;
  j["dataset"] = options.dataset;
  j["batch"] = options.batch;
  j["rate"] = options.rate;
  j["seed"] = options.seed;
  if (options.dataset == "imdb")
    j["max_length"] = options.max_length;
  nlohmann::json epochs = nlohmann::json::array();
  for (const EpochReport& r : history) {
    nlohmann::json e;
    for (const auto& [key, value] : epoch_record(r))
      e[key] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
    epochs.push_back(e);
  }
  j["epochs"] = epochs;
  write_output(options.metrics, j.dump(2) + "\n");
}

void plot_recipe(const TrainOptions& options, const std::string& title,
                 const std::vector<EpochReport>& history) {
  Series train_loss{"train", {}, {}}, test_loss{"test", {}, {}};
  Series train_acc{"train", {}, {}}, test_acc{"test", {}, {}};
  for (const EpochReport& r : history) {
    train_loss.x.push_back(r.epoch);
    train_loss.y.push_back(r.train_loss);
    test_loss.x.push_back(r.epoch);
    test_loss.y.push_back(r.test_loss);
    train_acc.x.push_back(r.epoch);
    train_acc.y.push_back(100.0 * r.train_accuracy);
    test_acc.x.push_back(r.epoch);
    test_acc.y.push_back(100.0 * r.test_accuracy);
  }
  const std::string eval_name = options.dataset == "imdb" ? "validation" : "test";
  test_loss.title = test_acc.title = eval_name;
  plot_training(options.plot, title,
                {{"loss", "epoch", "mean loss per example", {train_loss, test_loss}},
                 {"accuracy", "epoch", "% correct", {train_acc, test_acc}, "bottom right"}});
}

int run_train_recipe(const TrainOptions& options, const BackendPtr& backend) {
  const fs::path root = options.data_dir.empty() ? data_root() : fs::path(options.data_dir);
  ensure_dataset(options.dataset, root, fetch_script(), std::cout);

  RecipeConfig config;
  config.dataset = options.dataset;
  config.epochs = options.epochs;
  config.batch = options.batch;
  config.optimizer = options.optimizer;
  config.lr = options.rate;
  config.momentum = options.momentum;
  config.dropout = options.dropout;
  config.seed = options.seed;
  config.backend = backend;
  config.dtype = parse_dtype(options.dtype);
  config.resume_from = options.load;
  config.save_to = options.save;
  config.extra_hyper = {{"train_size", std::to_string(options.train_size)},
                        {"test_size", std::to_string(options.test_size)}};

  const bool imdb = options.dataset == "imdb";
  std::string recipe, title, unit;
  ImageDataset images;
  SentimentData text;
  if (imdb) {
    config.extra_hyper["max_length"] = std::to_string(options.max_length);
    SentimentConfig data_config;
    data_config.reviews = imdb_reviews_file(root);
    data_config.embeddings = glove_source_file(root);
    data_config.cache = glove_cache_file(root);
    data_config.max_length = options.max_length;
    data_config.train_size = options.train_size;
    data_config.valid_size = options.test_size;
    text =
        load_sentiment_data(data_config, [](const std::string& m) { std::cout << m << std::endl; });
    recipe =
        "Kim CNN (conv1d 100->100 x {3,4,5}, max over time, concat 300, dropout, linear 300->1)";
    unit = "reviews";
    std::printf(
        "IMDB: %lld train / %lld validation reviews, %lld tokens each, %lld GloVe vectors\n",
        static_cast<long long>(text.train.count), static_cast<long long>(text.valid.count),
        static_cast<long long>(options.max_length), static_cast<long long>(text.table.size()));
  } else {
    images =
        load_mnist_folder(options.dataset == "mnist" ? mnist_dir(root) : fashion_mnist_dir(root));
    if (options.train_size > 0)
      images.train.truncate(options.train_size);
    if (options.test_size > 0)
      images.test.truncate(options.test_size);
    recipe = "LeNet (conv 1->4->8 3x3, avgpool 4x4, linear 392->64->10, logsoftmax)";
    unit = "img";
    std::printf(
        "%s: %lld train / %lld test images of %lldx%lld\n", options.dataset.c_str(),
        static_cast<long long>(images.train.count), static_cast<long long>(images.test.count),
        static_cast<long long>(images.train.rows), static_cast<long long>(images.train.cols));
  }
  std::string optimizer = options.optimizer + " lr " + hyper_text(options.rate);
  if (options.optimizer == "sgd" && options.momentum > 0)
    optimizer += " momentum " + hyper_text(options.momentum);
  std::printf("Training %s on '%s', batch %d, %s, dropout %g, %d epochs, %s on backend '%s'\n",
              recipe.c_str(), options.dataset.c_str(), options.batch, optimizer.c_str(),
              options.dropout, options.epochs, options.dtype.c_str(), backend->name().c_str());
  std::fflush(stdout);

  const bool interactive = is_terminal(STDOUT_FILENO);
  const std::string eval_name = imdb ? "valid" : "test";
  std::unique_ptr<ProgressBar> bar;
  double train_seconds = 0;
  int new_epochs = 0;
  RecipeCallbacks callbacks;
  callbacks.on_batch = [&](const BatchUpdate& u) {
    if (!bar)
      bar = std::make_unique<ProgressBar>(std::cout, "Epoch " + std::to_string(u.epoch), u.total,
                                          unit, interactive);
    bar->update(u.done, u.mean_loss);
  };
  callbacks.on_epoch = [&](const EpochReport& r) {
    if (bar)
      bar->finish();
    bar.reset();
    if (new_epochs == 0 && !options.load.empty())
      std::printf("Resumed from %s after epoch %d\n", options.load.c_str(), r.epoch - 1);
    ++new_epochs;
    train_seconds += r.train_seconds;
    std::printf(
        "Epoch %d/%d  train loss %.4f acc %.2f%%  |  %s loss %.4f acc %.2f%% (%lld/%lld)  |  "
        "train %.1f s (%.0f %s/s), eval %.1f s\n",
        r.epoch, options.epochs, r.train_loss, 100.0 * r.train_accuracy, eval_name.c_str(),
        r.test_loss, 100.0 * r.test_accuracy, static_cast<long long>(r.test_correct),
        static_cast<long long>(r.test_total), r.train_seconds, r.items_per_second, unit.c_str(),
        r.eval_seconds);
    std::fflush(stdout);
  };

  const RecipeResult result = imdb ? train_sentiment_recipe(text, config, callbacks)
                                   : train_image_recipe(images, config, callbacks);
  const EpochReport& last = result.history.back();
  std::printf(
      "Final: %s accuracy %.2f%% (%lld/%lld), %s loss %.4f, mean %.1f s/epoch training "
      "over %d epochs\n",
      eval_name.c_str(), 100.0 * last.test_accuracy, static_cast<long long>(last.test_correct),
      static_cast<long long>(last.test_total), eval_name.c_str(), last.test_loss,
      train_seconds / std::max(new_epochs, 1), new_epochs);
  if (!options.save.empty())
    std::printf("Saved checkpoint %s (epoch %d)\n", options.save.c_str(), last.epoch);
  if (!options.metrics.empty()) {
    write_recipe_metrics(options, imdb ? "kim-cnn" : "lenet", backend->name(), result.history);
    std::printf("Wrote metrics to %s\n", options.metrics.c_str());
  }
  if (!options.plot.empty()) {
    plot_recipe(options,
                std::string(imdb ? "Kim CNN on IMDB" : "LeNet on " + options.dataset) + " (" +
                    backend->name() + ", " + optimizer + ", batch " +
                    std::to_string(options.batch) + ")",
                result.history);
    std::printf("Wrote plot to %s\n", options.plot.c_str());
  }
  return 0;
}

}  // namespace

int run_train(TrainOptions options) {
  fill_from_checkpoint(options);
  apply_recipe_defaults(options);
  // Fail before a long run, not after it.
  prepare_outputs({{"--metrics", options.metrics, true},
                   {"--save", options.save, false},
                   {"--plot", options.plot, false}});
  if (!options.plot.empty())
    find_gnuplot();
  const BackendPtr backend =
      choose_backend(options.backend, options.verbose, options.threads, std::cout);
  if (is_cnn_dataset(options.dataset))
    return run_train_recipe(options, backend);
  return run_train_2d(options, backend);
}

}  // namespace mt::cli
