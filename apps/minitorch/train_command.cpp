// train_command.cpp — `minitorch train`: settles every hyper-parameter (the
// command line, then the checkpoint's, then the table's per-dataset
// defaults), picks the backend, makes sure the data is there, runs the
// dataset's recipe through the one training loop with a Ctrl-C guard, and
// prints progress and a summary; --metrics, --plot and --save write files.
// The recipes, the loop and the metrics document live in apps/lib. With
// --distributed it is one rank of an mpirun job (distributed_run.hpp): --batch
// per rank, rank 0 alone prints and writes, the ranks' flags checked alike.
#include "backend_choice.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "distributed_run.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/hyperparams.hpp>
#include <minitorch/apps/interrupt.hpp>
#include <minitorch/apps/metrics.hpp>
#include <minitorch/apps/output.hpp>
#include <minitorch/apps/plot.hpp>
#include <minitorch/apps/progress.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/apps/train2d.hpp>
#include <minitorch/datasets/fetch.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/util/io.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

namespace mt::cli {

namespace {

namespace fs = std::filesystem;

const hyper::RecipeInfo& recipe_for(const std::string& dataset) {
  const hyper::RecipeInfo* r = hyper::recipe_of(dataset);
  if (r == nullptr)
    throw ArgumentError("unknown dataset '" + dataset +
                        "'; allowed: " + choices_text(dataset_choices()));
  return *r;
}

// Options the user did not give are taken from the checkpoint, so
// `train --load run.ckpt --epochs 20` continues the same run. The dataset
// too. A checkpoint is input like any other: every value taken from it is
// checked against the same table rows as the command line before anything
// is sized from it, and refused with the file, the field, the value and
// what is allowed. Only the rows the checkpoint's recipe uses are read.
//
// The checkpoint's batch is the global one (per-rank batch x its ranks). A run
// on `ranks` ranks takes --batch global/ranks (given or derived), so it sees
// the same examples at every step; anything else is refused saying what to give.
void resume_batch(TrainOptions& o, const Checkpoint& ck, int ranks) {
  const auto it = ck.hyper.find("batch");
  if (it == ck.hyper.end() || (ranks == 1 && ck.world_size == 1))
    return;  // one process then and now: the usual rules
  std::string problem;
  const auto global = parse_whole(whole_range("--batch"), it->second, problem);
  if (!global)
    throw DataError(o.load + " (checkpoint): hyper-parameter batch = " + problem +
                    ", as for --batch");
  const std::string trained =
      o.load + " (checkpoint) was trained with global batch " + std::to_string(*global) + " (" +
      (ck.world_size > 1 ? std::to_string(*global / static_cast<uint64_t>(ck.world_size)) +
                               " per rank x " + std::to_string(ck.world_size) + " ranks"
                         : "one process") +
      ")";
  const auto R = static_cast<uint64_t>(ranks);
  if (*global % R != 0)
    throw ArgumentError(trained + "; it cannot be split over " + std::to_string(ranks) +
                        " ranks: resume with a number of ranks that divides " +
                        std::to_string(*global));
  const std::string per_rank = std::to_string(*global / R);
  const auto given = o.values.find("batch");
  if (given != o.values.end() && given->second != per_rank)
    throw ArgumentError(trained + "; with " + std::to_string(ranks) + " rank" +
                        (ranks == 1 ? "" : "s") + " give --batch " + per_rank + " (or leave " +
                        "--batch out), not --batch " + given->second + " (global " +
                        std::to_string(std::stoull(given->second) * R) + ")");
  o.values["batch"] = per_rank;
  o.given.insert("--batch");
}

void fill_from_checkpoint(TrainOptions& o, int ranks) {
  if (o.load.empty())
    return;
  const Checkpoint ck = read_checkpoint(o.load);
  const std::string where = o.load + " (checkpoint)";
  const auto& datasets = dataset_choices();
  if (std::find(datasets.begin(), datasets.end(), ck.dataset) == datasets.end()) {
    throw DataError(where + ": dataset \"" + ck.dataset +
                    "\" is not one `train` knows (allowed: " + choices_text(datasets) + ")");
  }
  const bool dataset_given = !o.given.insert("--dataset").second;
  if (!dataset_given)
    o.dataset = ck.dataset;
  const std::string asked_by = (dataset_given ? "--dataset " : "dataset ") + o.dataset;
  if (o.given.insert("--dtype").second)
    o.dtype = dtype_name(ck.dtype);
  // Recipe, dataset and dtype must be this run's before any data is fetched
  // or any model is built (the loop checks the hyper-parameters again).
  const hyper::RecipeInfo& recipe = recipe_for(o.dataset);
  // The model this run needs, for the message when the checkpoint holds
  // another one: the values given, else the table's defaults.
  std::map<std::string, std::string> needed;
  for (const hyper::Param& p : hyper::kParams) {
    if (!hyper::uses(p, recipe))
      continue;
    const std::string key(p.key);
    const auto given = o.values.find(key);
    const auto optimizer = o.values.find("optimizer");
    needed[key] =
        given != o.values.end()
            ? given->second
            : std::string(hyper::default_value(
                  recipe, o.dataset, optimizer == o.values.end() ? "" : optimizer->second, p.key));
  }
  check_checkpoint_model(ck, o.load, std::string(recipe.name), o.dataset, asked_by, needed);
  check_checkpoint_matches(ck, o.load, std::string(recipe.name), o.dataset, parse_dtype(o.dtype),
                           {});
  resume_batch(o, ck, ranks);
  for (const hyper::Param& p : hyper::kParams) {
    const std::string option(p.option), key(p.key);
    const auto it = ck.hyper.find(key);
    if (p.role != hyper::Role::hyper || !hyper::uses(p, recipe) || it == ck.hyper.end() ||
        o.given.count(option) != 0)
      continue;
    std::string problem;
    const auto value = check_value(p, it->second, problem);
    if (!value)
      throw DataError(where + ": hyper-parameter " + key + " = " + problem + ", as for " + option);
    o.values[key] = *value;
    o.given.insert(option);
  }
}

// Every row the recipe uses gets a value (the table's default for the
// dataset where neither the user nor the checkpoint set one); options of
// other recipes are refused rather than silently ignored.
void apply_defaults(TrainOptions& o, const hyper::RecipeInfo& recipe) {
  for (const hyper::Param& p : hyper::kParams) {
    if (hyper::uses(p, recipe) || o.given.count(std::string(p.option)) == 0)
      continue;
    std::string users;
    for (const hyper::RecipeInfo& r : hyper::kRecipes)
      if (hyper::uses(p, r))
        users += (users.empty() ? "" : ", ") + std::string(r.datasets);
    throw ArgumentError(std::string(p.option) + " applies to " + users + "; '" + o.dataset +
                        "' trains the " + std::string(recipe.title) + ", which has no " +
                        std::string(p.key));
  }
  if (recipe.bit == hyper::kMlp2d && o.given.count("--data-dir") != 0)
    throw ArgumentError("--data-dir applies to mnist, fashion-mnist and imdb; '" + o.dataset +
                        "' is generated, not read");
  for (const hyper::Param& p : hyper::kParams) {
    const std::string key(p.key);
    if (!hyper::uses(p, recipe) || o.values.count(key) != 0)
      continue;
    const auto optimizer = o.values.find("optimizer");  // an earlier row
    o.values[key] = std::string(hyper::default_value(
        recipe, o.dataset, optimizer == o.values.end() ? "" : optimizer->second, p.key));
  }
  // make_optimizer refuses this too, but only once the data is loaded.
  if (o.values.at("optimizer") == "adam" &&
      std::strtod(o.values.at("momentum").c_str(), nullptr) != 0)
    throw ArgumentError("--momentum applies to sgd only; adam has its own betas (got momentum " +
                        o.values.at("momentum") + " with --optimizer adam, the default for '" +
                        o.dataset + "' unless --optimizer says otherwise)");
  if (o.values.at("save_every") != "0" && o.save.empty())
    throw ArgumentError("--save-every " + o.values.at("save_every") +
                        " needs --save FILE (the checkpoint to write)");
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

// "0.412 ms", "3.2 s".
std::string seconds_text(double seconds) {
  char text[32];
  if (seconds < 1.0)
    std::snprintf(text, sizeof text, "%.3f ms", 1e3 * seconds);
  else
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

// The data of a run, loaded for its recipe.
struct RunData {
  Graph points;           // mlp2d
  ImageDataset images;    // lenet
  SentimentData text;     // kim-cnn
  std::string model;      // for the banner
  std::string eval_name;  // "points", "test", "valid"
  std::string unit;       // what the progress bar counts
};

RunData load_data(const TrainOptions& options, const RecipeConfig& config,
                  const hyper::RecipeInfo& recipe) {
  RunData d;
  if (recipe.bit == hyper::kMlp2d) {
    d.points = make_dataset(config.dataset, static_cast<int>(config.points), config.seed);
    d.model = "MiniTorch's MLP 2 -> " + std::to_string(config.hidden) + " -> " +
              std::to_string(config.hidden) + " -> 1 on '" + config.dataset + "' (" +
              std::to_string(config.points) + " points)";
    d.eval_name = "points";
    d.unit = "pts";
    return d;
  }
  const fs::path root = options.data_dir.empty() ? data_root() : fs::path(options.data_dir);
  ensure_dataset(options.dataset, root, fetch_script(), std::cout);
  if (recipe.bit == hyper::kKimCnn) {
    SentimentConfig data_config;
    data_config.reviews = imdb_reviews_file(root);
    data_config.embeddings = glove_source_file(root);
    data_config.cache = glove_cache_file(root);
    data_config.max_length = config.max_length;
    data_config.train_size = config.train_size;
    data_config.valid_size = config.test_size;
    d.text =
        load_sentiment_data(data_config, [](const std::string& m) { std::cout << m << std::endl; });
    std::printf(
        "IMDB: %lld train / %lld validation reviews, %lld tokens each, %lld GloVe vectors\n",
        static_cast<long long>(d.text.train.count), static_cast<long long>(d.text.valid.count),
        static_cast<long long>(config.max_length), static_cast<long long>(d.text.table.size()));
    d.model =
        "Kim CNN (conv1d 100->100 x {3,4,5}, max over time, concat 300, dropout, linear 300->1) "
        "on 'imdb'";
    d.eval_name = "valid";
    d.unit = "reviews";
    return d;
  }
  d.images =
      load_mnist_folder(options.dataset == "mnist" ? mnist_dir(root) : fashion_mnist_dir(root));
  if (config.train_size > 0)
    d.images.train.truncate(config.train_size);
  if (config.test_size > 0)
    d.images.test.truncate(config.test_size);
  std::printf(
      "%s: %lld train / %lld test images of %lldx%lld\n", options.dataset.c_str(),
      static_cast<long long>(d.images.train.count), static_cast<long long>(d.images.test.count),
      static_cast<long long>(d.images.train.rows), static_cast<long long>(d.images.train.cols));
  d.model = "LeNet (conv 1->4->8 3x3, avgpool 4x4, linear 392->64->10, logsoftmax) on '" +
            options.dataset + "'";
  d.eval_name = "test";
  d.unit = "img";
  return d;
}

int train(const TrainOptions& options, const hyper::RecipeInfo& recipe, const BackendPtr& backend,
          const std::shared_ptr<dist::Communicator>& comm) {
  RecipeConfig config;
  config.dataset = options.dataset;
  for (const auto& [key, text] : options.values)
    set_config_value(config, key, text);
  const int ranks = comm ? comm->size() : 1;
  const int64_t per_rank_batch = config.batch;
  config.batch = per_rank_batch * ranks;  // the loop's batch is the global one
  config.comm = comm;
  config.ddp.bucket_bytes = static_cast<std::size_t>(options.bucket_kb) * 1024;
  config.ddp.overlap = !options.no_overlap;
  config.backend = backend;
  config.dtype = parse_dtype(options.dtype);
  config.resume_from = options.load;
  config.save_to = options.save;
  // A distributed run fetches nothing: ranks fetching into one cache at once would race.
  if (comm && recipe.bit != hyper::kMlp2d) {
    const fs::path root = options.data_dir.empty() ? data_root() : fs::path(options.data_dir);
    const std::string missing = missing_dataset_files(options.dataset, root);
    if (!missing.empty())
      throw DataError("dataset " + options.dataset + " is not complete in " + root.string() + " (" +
                      missing + "); a --distributed run fetches nothing: fetch it first " +
                      "with scripts/fetch-data.sh " + options.dataset + " (or `minitorch train " +
                      "--dataset " + options.dataset + " --epochs 1` without mpirun)");
  }
  const RunData data = load_data(options, config, recipe);

  std::printf("Training %s, %s on backend '%s'\n", data.model.c_str(), options.dtype.c_str(),
              backend->name().c_str());
  if (comm)
    std::printf("Distributed: %d ranks (engine %s), batch %lld per rank, global batch %lld\n",
                ranks, comm->engine().c_str(), static_cast<long long>(per_rank_batch),
                static_cast<long long>(config.batch));
  std::string settings;
  for (const hyper::Param& p : hyper::kParams)
    if (hyper::uses(p, recipe))
      settings += (settings.empty() ? "" : ", ") + std::string(p.key) + " " +
                  options.values.at(std::string(p.key)) +
                  (comm && p.key == "batch" ? " per rank" : "");
  std::printf("Settings: %s\n", settings.c_str());
  std::fflush(stdout);

  const bool interactive = is_terminal(STDOUT_FILENO);
  std::unique_ptr<ProgressBar> bar;
  double train_seconds = 0;
  int new_epochs = 0;
  // Every epoch of a short run; of a long one the first, the last and at most
  // ~100 in between (every 10th, 100th, ...).
  int print_every = 10;
  while (config.epochs / print_every > 100)
    print_every *= 10;
  RecipeCallbacks callbacks;
  callbacks.on_batch = [&](const BatchUpdate& u) {
    if (u.total < 1000)
      return;  // a 2-D epoch takes a millisecond: no bar
    if (!bar)
      bar = std::make_unique<ProgressBar>(std::cout, "Epoch " + std::to_string(u.epoch), u.total,
                                          data.unit, interactive);
    bar->update(u.done, u.mean_loss);
  };
  bool evaluating = false;  // the bar shows this epoch's evaluation
  callbacks.on_eval_batch = [&](const BatchUpdate& u) {
    if (!bar)
      return;  // no training bar (a short epoch): no evaluation bar either
    if (!evaluating)
      bar->begin_phase("Evaluating " + std::to_string(u.epoch), u.total, data.unit);
    evaluating = true;
    bar->update(u.done, u.mean_loss);
  };
  callbacks.on_epoch = [&](const EpochReport& r) {
    if (bar)
      bar->finish();
    bar.reset();
    evaluating = false;
    if (new_epochs == 0 && !options.load.empty())
      std::printf("Resumed from %s after epoch %d\n", options.load.c_str(), r.epoch - 1);
    ++new_epochs;
    train_seconds += r.train_seconds;
    if (config.epochs > 20 && r.epoch != 1 && r.epoch % print_every != 0 &&
        r.epoch != config.epochs)
      return;
    std::printf(
        "Epoch %d/%d  train loss %.4f acc %.2f%%  |  %s loss %.4f acc %.2f%% (%lld/%lld)  |  "
        "train %s (%.0f %s/s), eval %s\n",
        r.epoch, config.epochs, r.train_loss, 100.0 * r.train_accuracy, data.eval_name.c_str(),
        r.test_loss, 100.0 * r.test_accuracy, static_cast<long long>(r.test_correct),
        static_cast<long long>(r.test_total), seconds_text(r.train_seconds).c_str(),
        r.items_per_second, data.unit.c_str(), seconds_text(r.eval_seconds).c_str());
    std::fflush(stdout);
  };

  RecipeResult result;
  {
    InterruptGuard ctrl_c;  // the first Ctrl-C stops at the next batch boundary
    if (recipe.bit == hyper::kMlp2d)
      result = train_mlp2d_recipe(data.points, config, callbacks);
    else if (recipe.bit == hyper::kKimCnn)
      result = train_sentiment_recipe(data.text, config, callbacks);
    else
      result = train_image_recipe(data.images, config, callbacks);
  }
  if (bar)
    bar->finish();
  if (!result.history.empty()) {
    const EpochReport& last = result.history.back();
    std::printf(
        "%s: %s accuracy %.2f%% (%lld/%lld), %s loss %.4f, mean %s/epoch training over %d "
        "epochs\n",
        result.interrupted ? "Last finished epoch" : "Final", data.eval_name.c_str(),
        100.0 * last.test_accuracy, static_cast<long long>(last.test_correct),
        static_cast<long long>(last.test_total), data.eval_name.c_str(), last.test_loss,
        seconds_text(train_seconds / std::max(new_epochs, 1)).c_str(), new_epochs);
  }
  if (result.saved)
    std::printf("Saved checkpoint %s (%s)\n", options.save.c_str(),
                result.interrupted && result.interrupted_batches > 0
                    ? ("epoch " + std::to_string(result.interrupted_epoch) + ", batch " +
                       std::to_string(result.interrupted_batches))
                          .c_str()
                    : ("epoch " + std::to_string(result.history.back().epoch)).c_str());
  if (!options.metrics.empty() && !result.history.empty()) {
    write_output(options.metrics, metrics_json(config, result));
    std::printf("Wrote metrics to %s\n", options.metrics.c_str());
  }
  if (result.interrupted) {
    const std::string where = result.interrupted_batches > 0
                                  ? "in epoch " + std::to_string(result.interrupted_epoch) +
                                        " after " + std::to_string(result.interrupted_batches) +
                                        " batches"
                                  : "after epoch " + std::to_string(result.interrupted_epoch - 1);
    const std::string resume = comm ? "mpirun -np N minitorch train --load " + options.save +
                                          " --epochs " + std::to_string(config.epochs) +
                                          " --distributed (N dividing the global batch " +
                                          std::to_string(config.batch) + ")"
                                    : "minitorch train --load " + options.save + " --epochs " +
                                          std::to_string(config.epochs);
    const std::string next =
        result.saved ? "resume with: " + resume : "nothing saved (no --save given)";
    std::fflush(stdout);
    if (!comm || comm->rank() == 0)
      std::fprintf(stderr, "minitorch: interrupted %s; %s\n", where.c_str(), next.c_str());
    return 130;
  }
  if (!options.plot.empty()) {
    std::unique_ptr<DecisionBoundary> boundary;
    if (const auto mlp = std::dynamic_pointer_cast<Mlp2D>(result.model))
      boundary = std::make_unique<DecisionBoundary>(decision_boundary(
          *mlp, data.points, TensorOptions{.dtype = config.dtype, .backend = backend}));
    std::string title =
        data.model + " (" + backend->name() + ", " + config.optimizer + " lr " +
        hyper_text(config.lr) + ", batch " + std::to_string(config.batch) +
        (comm ? " = " + std::to_string(ranks) + " ranks x " + std::to_string(per_rank_batch)
              : std::string()) +
        ")";
    plot_history(options.plot, title, result.history,
                 boundary ? "points, after the epoch" : data.eval_name, boundary.get());
    std::printf("Wrote plot to %s\n", options.plot.c_str());
  }
  return 0;
}

// What every rank of a --distributed run must have alike, in a fixed order (the
// dataset first: it decides which rows follow). The flags outside the list
// (--threads, --verbose, file names) may differ between ranks.
std::vector<std::pair<std::string, std::string>> agreed_values(const TrainOptions& o,
                                                               const hyper::RecipeInfo& recipe,
                                                               const Backend& backend) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"dataset", o.dataset}, {"dtype", o.dtype}, {"backend", backend.name()}};
  for (const hyper::Param& p : hyper::kParams)
    if (hyper::uses(p, recipe))
      out.emplace_back(std::string(p.key), o.values.at(std::string(p.key)));
  std::string resumed = "(none)";
  if (!o.load.empty()) {
    const Checkpoint ck = read_checkpoint(o.load);
    resumed = "epoch " + std::to_string(ck.epoch) + ", step " + std::to_string(ck.optimizer_steps) +
              ", " + std::to_string(ck.parameters.size()) + " parameters";
  }
  out.emplace_back("--load checkpoint", resumed);
  return out;
}

int train_rank(TrainOptions options, const std::shared_ptr<dist::Communicator>& comm) {
  const int ranks = comm ? comm->size() : 1;
  const bool writer = !comm || comm->rank() == 0;
  const hyper::RecipeInfo* recipe = nullptr;
  BackendPtr backend;
  // The set-up: each rank settles its options, checks its outputs and loads its backend; the
  // ranks then learn together whether every one of them got there (settle_setup).
  std::exception_ptr failure;
  try {
    for (const char* option : {"--bucket-kb", "--no-overlap"})
      if (!comm && options.given.count(option) != 0)
        throw ArgumentError(std::string(option) +
                            " applies to --distributed runs (it tunes the gradient allreduce)");
    fill_from_checkpoint(options, ranks);
    recipe = &recipe_for(options.dataset);
    apply_defaults(options, *recipe);
    // Rank 0 alone writes files (the loop saves only there).
    if (!writer) {
      options.metrics.clear();
      options.plot.clear();
    }
    // Fail before a long run, not after it.
    prepare_outputs({{"--metrics", options.metrics, true},
                     {"--save", writer ? options.save : std::string(), false},
                     {"--plot", options.plot, false}});
    if (!options.plot.empty())
      find_gnuplot();
    backend = choose_backend(options.backend, options.verbose, options.threads, std::cout);
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  settle_setup(comm.get(), failure);
  if (comm)
    check_ranks_agree(*comm, agreed_values(options, *recipe, *backend));
  return train(options, *recipe, backend, comm);
}

}  // namespace

int run_train(TrainOptions options) {
  std::shared_ptr<dist::Communicator> comm;
  if (options.distributed)
    comm = start_distributed("train");
  else
    warn_if_mpirun_without_distributed("train");
  return run_on_ranks(comm, [&] { return train_rank(options, comm); });
}

}  // namespace mt::cli
