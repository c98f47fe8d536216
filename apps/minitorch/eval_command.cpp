// eval_command.cpp — `minitorch eval --load CKPT`: rebuilds the checkpoint's
// model (2-D MLP, LeNet or Kim CNN), restores its parameters and reports loss
// and accuracy on the dataset's evaluation split, in eval mode, without
// gradients. It trains nothing, writes only --metrics, and fetches no data
// (a missing dataset is an error that says how to fetch it). With --distributed
// each rank of an mpirun job scores its slice of every batch and the sums are
// allreduced; rank 0 alone prints and writes --metrics.
#include "backend_choice.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "distributed_run.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/metrics.hpp>
#include <minitorch/apps/output.hpp>
#include <minitorch/apps/progress.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/apps/train2d.hpp>
#include <minitorch/datasets/fetch.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/autograd.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <span>

namespace mt::cli {

namespace {

namespace fs = std::filesystem;

std::string recipe_for(const std::string& dataset) {
  if (dataset == "imdb")
    return "kim-cnn";
  return dataset == "mnist" || dataset == "fashion-mnist" ? "lenet" : "mlp2d";
}

// A hyper-parameter of the checkpoint read against the option table (as
// `train --load` reads it), or `fallback` when the file does not record it.
uint64_t whole_hyper(const Checkpoint& ck, const std::string& file, const char* key,
                     const char* option, uint64_t fallback) {
  const auto it = ck.hyper.find(key);
  if (it == ck.hyper.end())
    return fallback;
  std::string problem;
  const auto value = parse_whole(whole_range(option), it->second, problem);
  if (!value)
    throw DataError(file + " (checkpoint): hyper-parameter " + key + " = " + problem + ", as for " +
                    option);
  return *value;
}

double real_hyper(const Checkpoint& ck, const std::string& file, const char* key,
                  const char* option, double fallback) {
  const auto it = ck.hyper.find(key);
  if (it == ck.hyper.end())
    return fallback;
  std::string problem;
  const auto value = parse_real(real_range(option), it->second, problem);
  if (!value)
    throw DataError(file + " (checkpoint): hyper-parameter " + key + " = " + problem + ", as for " +
                    option);
  return *value;
}

// What one evaluation needs: how many examples, and a batch -> (summed
// loss, hits) function. The loop, the timing and the progress are shared.
struct EvalSpec {
  std::string split;  // "test", "validation", "points"
  std::string unit;   // "img", "reviews", "points"
  int64_t count = 0;
  std::function<std::pair<double, int64_t>(std::span<const int64_t>)> batch;
};

struct EvalResult {
  double mean_loss = 0;
  int64_t correct = 0;
  int64_t total = 0;
  double seconds = 0;
};

// Batch by batch in order; with a communicator each rank takes its slice of
// every batch (the sampler's rule, DataLoaderOptions::shard) and the loss sums
// and hits are summed over the ranks at the end.
EvalResult evaluate(const EvalSpec& spec, int64_t batch, dist::Communicator* comm) {
  const int rank = comm != nullptr ? comm->rank() : 0;
  const int ranks = comm != nullptr ? comm->size() : 1;
  const bool interactive = is_terminal(STDOUT_FILENO);
  ProgressBar bar(std::cout, "Evaluating", spec.count, spec.unit, interactive);
  NoGradGuard no_grad;
  std::vector<int64_t> order(static_cast<std::size_t>(spec.count));
  std::iota(order.begin(), order.end(), 0);
  const auto start = std::chrono::steady_clock::now();
  double loss_sum = 0;
  EvalResult r;
  for (int64_t begin = 0; begin < spec.count; begin += batch) {
    const int64_t end = std::min(spec.count, begin + batch);
    const int64_t lo = begin + rank * (end - begin) / ranks;
    const int64_t hi = begin + (rank + 1) * (end - begin) / ranks;
    if (hi > lo) {
      const auto [loss, hits] = spec.batch(
          std::span<const int64_t>(order.data() + lo, static_cast<std::size_t>(hi - lo)));
      loss_sum += loss;
      r.correct += hits;
    }
    bar.update(end, loss_sum / static_cast<double>(ranks > 1 ? hi : end));
  }
  bar.finish();
  if (comm != nullptr && ranks > 1) {
    double sums[2] = {loss_sum, static_cast<double>(r.correct)};
    comm->allreduce_sum(sums, 2, DType::f64);
    loss_sum = sums[0];
    r.correct = static_cast<int64_t>(sums[1]);
  }
  r.total = spec.count;
  r.mean_loss = loss_sum / static_cast<double>(std::max<int64_t>(spec.count, 1));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

DataError dataset_missing(const std::string& dataset, const fs::path& where,
                          const std::string& what) {
  return DataError("dataset " + dataset + " is not in " + where.string() + " (" + what +
                   "); fetch it first: scripts/fetch-data.sh " + dataset +
                   " (or run `minitorch train --dataset " + dataset +
                   "` once); eval fetches "
                   "nothing");
}

int eval_rank(EvalOptions o, const std::shared_ptr<dist::Communicator>& comm) {
  if (comm && comm->rank() != 0)
    o.metrics.clear();  // rank 0 alone writes
  Checkpoint ck;
  std::string dataset, recipe;
  BackendPtr backend;
  // The set-up on each rank, then whether every rank got through it (settle_setup).
  std::exception_ptr failure;
  try {
    ck = read_checkpoint(o.load);
    const auto& datasets = dataset_choices();
    if (std::find(datasets.begin(), datasets.end(), ck.dataset) == datasets.end())
      throw DataError(o.load + " (checkpoint): dataset \"" + ck.dataset +
                      "\" is not one `eval` knows (allowed: " + choices_text(datasets) + ")");
    const bool dataset_given = !o.dataset.empty();
    dataset = dataset_given ? o.dataset : ck.dataset;
    recipe = recipe_for(dataset);
    check_checkpoint_model(ck, o.load, recipe, dataset,
                           (dataset_given ? "--dataset " : "dataset ") + dataset, ck.hyper);
    if (recipe == "mlp2d" && dataset != ck.dataset)
      throw ArgumentError("--dataset " + dataset + ": " + o.load + " was trained on " + ck.dataset +
                          "; a 2-D model is evaluated on the points it was trained on (leave "
                          "--dataset out)");
    if (recipe == "mlp2d" && o.given.count("--test-size") != 0)
      throw ArgumentError("--test-size applies to mnist, fashion-mnist and imdb checkpoints");
    prepare_outputs({{"--metrics", o.metrics, true}});

    backend = choose_backend(o.backend, o.verbose, o.threads, std::cout);
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  settle_setup(comm.get(), failure);
  if (comm)
    check_ranks_agree(
        *comm,
        {{"--load checkpoint",
          "epoch " + std::to_string(ck.epoch) + ", step " + std::to_string(ck.optimizer_steps)},
         {"dataset", dataset},
         {"backend", backend->name()},
         {"--batch", std::to_string(o.batch)},
         {"--test-size", o.given.count("--test-size") != 0 ? std::to_string(o.test_size)
                                                           : std::string("(the checkpoint's)")}});
  const TensorOptions options{.dtype = ck.dtype, .backend = backend};
  const fs::path root = o.data_dir.empty() ? data_root() : fs::path(o.data_dir);

  std::shared_ptr<Module> model;
  EvalSpec spec;
  // Data sets outlive the spec's batch function.
  Graph points;
  ImageSet images;
  SentimentData text;
  if (recipe == "mlp2d") {
    const auto hidden = static_cast<int64_t>(whole_hyper(ck, o.load, "hidden", "--hidden", 10));
    const auto n = static_cast<int>(whole_hyper(ck, o.load, "points", "--points", 50));
    const uint64_t seed = whole_hyper(ck, o.load, "seed", "--seed", 42);
    points = make_dataset(dataset, n, seed);
    auto mlp = std::make_shared<Mlp2D>(hidden, options);
    model = mlp;
    spec.split = "training points";
    spec.unit = "points";
    spec.count = static_cast<int64_t>(points.X.size());
    spec.batch = [&points, &options, mlp](std::span<const int64_t> idx) {
      std::vector<double> x, y;
      for (const int64_t i : idx) {
        x.push_back(points.X[static_cast<std::size_t>(i)][0]);
        x.push_back(points.X[static_cast<std::size_t>(i)][1]);
        y.push_back(points.y[static_cast<std::size_t>(i)]);
      }
      const auto b = static_cast<int64_t>(idx.size());
      const Tensor logits = mlp->logits(Tensor::from_values(x, {b, 2}, options));
      const double loss =
          nn::binary_cross_entropy_with_logits(logits, Tensor::from_values(y, {b, 1}, options))
              .item() *
          static_cast<double>(b);
      const std::vector<double> z = logits.to_vector();
      int64_t hits = 0;
      for (std::size_t k = 0; k < z.size(); ++k)
        hits += (z[k] > 0.0) == (y[k] == 1.0) ? 1 : 0;
      return std::pair<double, int64_t>(loss, hits);
    };
  } else if (recipe == "lenet") {
    const fs::path dir = dataset == "mnist" ? mnist_dir(root) : fashion_mnist_dir(root);
    const fs::path image_file = find_idx_file(dir, "t10k-images-idx3-ubyte");
    const fs::path label_file = find_idx_file(dir, "t10k-labels-idx1-ubyte");
    for (const fs::path& f : {image_file, label_file})
      if (!fs::exists(f))
        throw dataset_missing(dataset, root, f.string() + " is missing");
    images = load_idx_images(image_file, label_file);
    const int64_t test_size =
        o.given.count("--test-size") != 0
            ? o.test_size
            : static_cast<int64_t>(whole_hyper(ck, o.load, "test_size", "--test-size", 0));
    if (test_size > 0)
      images.truncate(test_size);
    const double dropout = real_hyper(ck, o.load, "dropout", "--dropout", 0.25);
    auto lenet =
        std::make_shared<LeNet>(options, dropout, images.rows, images.cols, images.num_classes);
    model = lenet;
    spec.split = "test images";
    spec.unit = "img";
    spec.count = images.count;
    spec.batch = [&images, &options, lenet](std::span<const int64_t> idx) {
      const Tensor log_probs = (*lenet)(images.images(idx, options));
      const double loss = nn::nll_loss(log_probs, images.one_hot(idx, options)).item() *
                          static_cast<double>(idx.size());
      const std::vector<double> v = log_probs.to_vector();
      const auto classes = static_cast<std::size_t>(log_probs.size(1));
      int64_t hits = 0;
      for (std::size_t b = 0; b < idx.size(); ++b) {
        const auto row = v.begin() + static_cast<std::ptrdiff_t>(b * classes);
        const auto best = std::max_element(row, row + static_cast<std::ptrdiff_t>(classes)) - row;
        hits += best == images.labels[static_cast<std::size_t>(idx[b])] ? 1 : 0;
      }
      return std::pair<double, int64_t>(loss, hits);
    };
  } else {
    SentimentConfig data_config;
    data_config.reviews = imdb_reviews_file(root);
    data_config.embeddings = glove_source_file(root);
    data_config.cache = glove_cache_file(root);
    if (!fs::exists(data_config.reviews))
      throw dataset_missing(dataset, root, data_config.reviews.string() + " is missing");
    data_config.max_length =
        static_cast<int64_t>(whole_hyper(ck, o.load, "max_length", "--max-length", 200));
    data_config.train_size =
        static_cast<int64_t>(whole_hyper(ck, o.load, "train_size", "--train-size", 0));
    data_config.valid_size =
        o.given.count("--test-size") != 0
            ? o.test_size
            : static_cast<int64_t>(whole_hyper(ck, o.load, "test_size", "--test-size", 10000));
    text =
        load_sentiment_data(data_config, [](const std::string& m) { std::cout << m << std::endl; });
    const double dropout = real_hyper(ck, o.load, "dropout", "--dropout", 0.5);
    auto kim =
        std::make_shared<KimCnn>(text.dim(), 100, std::vector<int64_t>{3, 4, 5}, dropout, options);
    model = kim;
    spec.split = "validation reviews";
    spec.unit = "reviews";
    spec.count = text.valid.count;
    spec.batch = [&text, &options, kim](std::span<const int64_t> idx) {
      const Tensor logits = kim->logits(text.embed(text.valid, idx, options));
      const double loss =
          nn::binary_cross_entropy_with_logits(logits, text.labels(text.valid, idx, options))
              .item() *
          static_cast<double>(idx.size());
      const std::vector<double> z = logits.to_vector();
      int64_t hits = 0;
      for (std::size_t b = 0; b < idx.size(); ++b)
        hits += (z[b] > 0.0) == (text.valid.labels[static_cast<std::size_t>(idx[b])] == 1) ? 1 : 0;
      return std::pair<double, int64_t>(loss, hits);
    };
  }
  if (spec.count < 1)
    throw ArgumentError("nothing to evaluate: the " + spec.split + " set is empty");
  restore_parameters(*model, ck.parameters, o.load);
  model->eval();

  const std::string model_name = recipe_model_name(ck.recipe, ck.hyper);
  std::printf("Evaluating %s (%s, trained on %s for %lld epochs, %s) on %lld %s of %s\n",
              o.load.c_str(), model_name.c_str(), ck.dataset.c_str(),
              static_cast<long long>(ck.epoch), dtype_name(ck.dtype),
              static_cast<long long>(spec.count), spec.split.c_str(), dataset.c_str());
  std::fflush(stdout);
  if (comm)
    std::printf(
        "Distributed: %d ranks (engine %s), each evaluating its slice of every batch of "
        "%d\n",
        comm->size(), comm->engine().c_str(), o.batch);
  const EvalResult r = evaluate(spec, o.batch, comm.get());
  const double accuracy = static_cast<double>(r.correct) / static_cast<double>(r.total);
  std::printf("Result: accuracy %.2f%% (%lld/%lld), mean loss %.4f, %.2f s on backend '%s'\n",
              100.0 * accuracy, static_cast<long long>(r.correct), static_cast<long long>(r.total),
              r.mean_loss, r.seconds, backend->name().c_str());
  std::fflush(stdout);

  if (!o.metrics.empty()) {
    nlohmann::json j;
    j["schema"] = kEvalMetricsSchema;
    j["command"] = "eval";
    j["checkpoint"] = o.load;
    j["recipe"] = ck.recipe;
    j["model"] = model_name;
    j["trained_on"] = ck.dataset;
    j["trained_epochs"] = ck.epoch;
    j["dataset"] = dataset;
    j["split"] = spec.split;
    j["backend"] = backend->name();
    j["dtype"] = dtype_name(ck.dtype);
    j["examples"] = r.total;
    j["correct"] = r.correct;
    j["accuracy"] = accuracy;
    j["loss"] = std::isfinite(r.mean_loss) ? nlohmann::json(r.mean_loss) : nlohmann::json(nullptr);
    j["seconds"] = r.seconds;
    if (comm)
      j["world_size"] = comm->size();
    write_output(o.metrics, j.dump(2) + "\n");
    if (o.metrics != "-")
      std::printf("Wrote metrics to %s\n", o.metrics.c_str());
  }
  return 0;
}

}  // namespace

int run_eval(EvalOptions options) {
  std::shared_ptr<dist::Communicator> comm;
  if (options.distributed)
    comm = start_distributed("eval");
  else
    warn_if_mpirun_without_distributed("eval");
  return run_on_ranks(comm, [&] { return eval_rank(options, comm); });
}

}  // namespace mt::cli
