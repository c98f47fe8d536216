// loop.cpp — the training loop of loop.hpp and the config <-> table glue
// (hyper_values, set_config_value, make_optimizer, epoch records). A resume
// restores parameters, optimizer state, the generator (dropout) and, for a
// run stopped mid-epoch, the batches done and the sums so far, so it ends
// with the numbers of a run that was never stopped. With a communicator
// (RecipeConfig::comm) the same loop trains data-parallel: each rank takes its
// slice of every global batch, DistributedDataParallel averages the gradients,
// and the per-step sums (loss, hits, a Ctrl-C on any rank) are allreduced, so
// every rank takes the same decisions at the same step.
#include "train/loop.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/hyperparams.hpp>
#include <minitorch/apps/interrupt.hpp>
#include <minitorch/data/dataloader.hpp>
#include <minitorch/distributed/ddp.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <span>
#include <sstream>

namespace mt {

// ---- the config and the table ---------------------------------------------------

namespace {

const hyper::RecipeInfo& recipe_info(const std::string& recipe) {
  const hyper::RecipeInfo* info = hyper::recipe_named(recipe);
  if (info == nullptr)
    throw ArgumentError("unknown recipe '" + recipe + "'; allowed: mlp2d, lenet, kim-cnn");
  return *info;
}

std::string value_text(const RecipeConfig& c, std::string_view key) {
  if (key == "epochs")
    return std::to_string(c.epochs);
  if (key == "batch")
    return std::to_string(c.batch);
  if (key == "seed")
    return std::to_string(c.seed);
  if (key == "optimizer")
    return c.optimizer;
  if (key == "lr")
    return hyper_text(c.lr);
  if (key == "momentum")
    return hyper_text(c.momentum);
  if (key == "hidden")
    return std::to_string(c.hidden);
  if (key == "points")
    return std::to_string(c.points);
  if (key == "dropout")
    return hyper_text(c.dropout);
  if (key == "train_size")
    return std::to_string(c.train_size);
  if (key == "test_size")
    return std::to_string(c.test_size);
  if (key == "max_length")
    return std::to_string(c.max_length);
  if (key == "save_every")
    return std::to_string(c.save_every);
  throw ArgumentError("RecipeConfig has no field for hyper-parameter '" + std::string(key) + "'");
}

std::map<std::string, std::string> values_of(const RecipeConfig& c, const std::string& recipe,
                                             bool run_rows_too) {
  const hyper::RecipeInfo& info = recipe_info(recipe);
  std::map<std::string, std::string> out;
  for (const hyper::Param& p : hyper::kParams)
    if (hyper::uses(p, info) && (run_rows_too || p.role == hyper::Role::hyper))
      out[std::string(p.key)] = value_text(c, p.key);
  return out;
}

// The int fields take any value their rows admit.
static_assert(hyper::whole_high_of("epochs") <= INT32_MAX &&
                  hyper::whole_high_of("save_every") <= INT32_MAX,
              "a row's range does not fit its RecipeConfig field");

}  // namespace

std::map<std::string, std::string> hyper_values(const RecipeConfig& c, const std::string& recipe) {
  return values_of(c, recipe, false);
}

std::map<std::string, std::string> config_values(const RecipeConfig& c, const std::string& recipe) {
  return values_of(c, recipe, true);
}

void set_config_value(RecipeConfig& c, const std::string& key, const std::string& text) {
  const hyper::Param* p = hyper::param_by_key(key);
  if (p == nullptr)
    throw ArgumentError("no hyper-parameter is called '" + key + "'");
  const auto whole = [&] { return std::strtoull(text.c_str(), nullptr, 10); };
  const auto real = [&] { return std::strtod(text.c_str(), nullptr); };
  if (key == "epochs")
    c.epochs = static_cast<int>(whole());
  else if (key == "batch")
    c.batch = static_cast<int64_t>(whole());
  else if (key == "seed")
    c.seed = whole();
  else if (key == "optimizer")
    c.optimizer = text;
  else if (key == "lr")
    c.lr = real();
  else if (key == "momentum")
    c.momentum = real();
  else if (key == "hidden")
    c.hidden = static_cast<int64_t>(whole());
  else if (key == "points")
    c.points = static_cast<int64_t>(whole());
  else if (key == "dropout")
    c.dropout = real();
  else if (key == "train_size")
    c.train_size = static_cast<int64_t>(whole());
  else if (key == "test_size")
    c.test_size = static_cast<int64_t>(whole());
  else if (key == "max_length")
    c.max_length = static_cast<int64_t>(whole());
  else if (key == "save_every")
    c.save_every = static_cast<int>(whole());
  else
    throw ArgumentError("RecipeConfig has no field for hyper-parameter '" + key + "'");
}

std::unique_ptr<Optimizer> make_optimizer(const RecipeConfig& config,
                                          std::vector<Tensor> parameters) {
  if (config.optimizer == "sgd")
    return std::make_unique<SGD>(std::move(parameters), config.lr,
                                 SGDOptions{.momentum = config.momentum});
  if (config.optimizer == "adam") {
    if (config.momentum != 0.0)
      throw ArgumentError("--momentum applies to sgd only; adam has its own betas (got momentum " +
                          hyper_text(config.momentum) + ")");
    return std::make_unique<Adam>(std::move(parameters), config.lr);
  }
  throw ArgumentError("unknown optimizer '" + config.optimizer + "'; allowed: sgd, adam");
}

std::map<std::string, double> epoch_record(const EpochReport& r) {
  return {{"epoch", r.epoch},
          {"train_loss", r.train_loss},
          {"train_accuracy", r.train_accuracy},
          {"test_loss", r.test_loss},
          {"test_accuracy", r.test_accuracy},
          {"test_correct", static_cast<double>(r.test_correct)},
          {"test_total", static_cast<double>(r.test_total)},
          {"train_seconds", r.train_seconds},
          {"eval_seconds", r.eval_seconds},
          {"items_per_second", r.items_per_second}};
}

EpochReport epoch_report_from(const std::map<std::string, double>& record,
                              const std::filesystem::path& source) {
  auto get = [&](const char* key) {
    auto it = record.find(key);
    return it == record.end() ? NAN : it->second;
  };
  EpochReport r;
  r.epoch = static_cast<int>(history_integer(record, "epoch", source));
  r.train_loss = get("train_loss");
  r.train_accuracy = get("train_accuracy");
  r.test_loss = get("test_loss");
  r.test_accuracy = get("test_accuracy");
  r.test_correct = history_integer(record, "test_correct", source, INT64_C(1) << 53);
  r.test_total = history_integer(record, "test_total", source, INT64_C(1) << 53);
  r.train_seconds = get("train_seconds");
  r.eval_seconds = get("eval_seconds");
  r.items_per_second = get("items_per_second");
  return r;
}

// ---- the loop ----------------------------------------------------------------------

namespace detail {

namespace {

using Clock = std::chrono::steady_clock;

// Where inside an epoch a run stopped (Checkpoint::resume). The epoch's
// order is the DataLoader's for (seed, epoch), so it needs no saving.
struct PartialEpoch {
  int64_t batches = 0;  // steps done in the epoch
  double loss_sum = 0;
  int64_t correct_sum = 0;
  double seconds = 0;
};

std::map<std::string, std::string> partial_record(const PartialEpoch& p) {
  return {{"batches", std::to_string(p.batches)},
          {"loss_sum", hyper_text(p.loss_sum)},
          {"correct_sum", std::to_string(p.correct_sum)},
          {"seconds", hyper_text(p.seconds)}};
}

PartialEpoch partial_from(const std::map<std::string, std::string>& record,
                          const std::filesystem::path& file, int64_t batches_per_epoch) {
  const std::string where = file.string() + " (checkpoint): the mid-epoch resume point";
  auto field = [&](const char* key) -> const std::string& {
    auto it = record.find(key);
    if (it == record.end())
      throw DataError(where + " lacks \"" + key + "\"");
    return it->second;
  };
  auto whole = [&](const char* key, int64_t high) {
    const std::string& text = field(key);
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size() || v < 0 || v > high)
      throw DataError(where + ": \"" + key + "\" = \"" + text.substr(0, 40) +
                      "\" is not a whole number in [0, " + std::to_string(high) + "]");
    return static_cast<int64_t>(v);
  };
  auto real = [&](const char* key) {
    const std::string& text = field(key);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
      throw DataError(where + ": \"" + key + "\" = \"" + text.substr(0, 40) +
                      "\" is not a finite number");
    return v;
  };
  PartialEpoch p;
  p.batches = whole("batches", batches_per_epoch - 1);
  p.loss_sum = real("loss_sum");
  p.correct_sum = whole("correct_sum", INT64_C(1) << 53);
  p.seconds = real("seconds");
  return p;
}

// This rank's part [lo, hi) of the global batch [begin, end), by the rule of
// DataLoaderOptions::shard (contiguous slices, sizes differing by at most one).
std::pair<std::size_t, std::size_t> shard_of(std::size_t begin, std::size_t end, int rank,
                                             int ranks) {
  const std::size_t n = end - begin, r = static_cast<std::size_t>(rank);
  const auto R = static_cast<std::size_t>(ranks);
  return {begin + r * n / R, begin + (r + 1) * n / R};
}

// Sums `values` over the ranks in place (rank order, the same bits everywhere); nothing alone.
void sum_over_ranks(dist::Communicator* comm, std::span<double> values) {
  if (comm != nullptr && comm->size() > 1)
    comm->allreduce_sum(values.data(), values.size(), DType::f64);
}

// Ranks other than 0 draw their dropout masks from their own stream, derived from rank 0's
// state and the rank (else every rank would drop the same units of its slice). Rank 0 keeps
// the stream a checkpoint saves, so a resumed run derives the same streams again.
void split_generator_by_rank(int rank) {
  if (rank == 0)
    return;
  const uint64_t base = generator()();
  std::seed_seq seq{static_cast<uint32_t>(base), static_cast<uint32_t>(base >> 32),
                    static_cast<uint32_t>(rank)};
  generator().seed(seq);
}

}  // namespace

void check_config(const RecipeConfig& c, const LoopSpec& spec) {
  if (c.epochs < 1 || c.batch < 1 || c.eval_batch < 1 || c.save_every < 0)
    throw ArgumentError(spec.recipe +
                        ": epochs, batch and eval_batch must be >= 1 and save_every >= 0 (got " +
                        std::to_string(c.epochs) + ", " + std::to_string(c.batch) + ", " +
                        std::to_string(c.eval_batch) + ", " + std::to_string(c.save_every) + ")");
  if (!(c.dropout >= 0.0 && c.dropout < 1.0))
    throw ArgumentError(spec.recipe + ": dropout must be in [0, 1), got " + hyper_text(c.dropout));
  if (!(c.lr > 0.0 && std::isfinite(c.lr)))
    throw ArgumentError(spec.recipe + ": the learning rate must be finite and > 0, got " +
                        hyper_text(c.lr));
  if (!spec.train_set || !spec.eval_set || spec.train_set->size() < 1 || spec.eval_set->size() < 1)
    throw ArgumentError(spec.recipe + ": needs at least one training and one evaluation example");
}

RecipeResult run_loop(const std::shared_ptr<Module>& model, const RecipeConfig& config,
                      const LoopSpec& spec, const RecipeCallbacks& callbacks) {
  std::vector<Tensor> params;
  for (auto* p : model->parameters())
    params.push_back(p->value());
  std::unique_ptr<Optimizer> optimizer = make_optimizer(config, params);
  const auto hyper = hyper_values(config, spec.recipe);
  const BackendPtr backend = config.backend ? config.backend : default_backend();
  dist::Communicator* comm = config.comm.get();
  const int rank = comm != nullptr ? comm->rank() : 0;
  const int ranks = comm != nullptr ? comm->size() : 1;
  const ShardOptions shard{.rank = rank, .world_size = ranks};
  DataLoader train_loader(spec.train_set, {.batch_size = config.batch,
                                           .shuffle = true,
                                           .seed = config.seed,
                                           .backend = backend,
                                           .dtype = config.dtype,
                                           .prefetch = true,
                                           .shard = shard});
  DataLoader eval_loader(spec.eval_set, {.batch_size = config.eval_batch,
                                         .backend = backend,
                                         .dtype = config.dtype,
                                         .prefetch = true,
                                         .shard = shard});
  const int64_t n = train_loader.dataset_size();
  const auto batch = static_cast<std::size_t>(config.batch);

  RecipeResult result;
  result.recipe = spec.recipe;
  result.model = model;
  result.world_size = ranks;
  bool have_partial = false;
  PartialEpoch partial;
  if (!config.resume_from.empty()) {
    const Checkpoint ck = read_checkpoint(config.resume_from);
    check_checkpoint_matches(ck, config.resume_from, spec.recipe, config.dataset, config.dtype,
                             hyper);
    if (ck.epoch >= config.epochs)
      throw ArgumentError(config.resume_from.string() + " already holds " +
                          std::to_string(ck.epoch) + " epochs; ask for more than that (epochs " +
                          "is the total to reach, got " + std::to_string(config.epochs) + ")");
    if (!ck.resume.empty()) {
      partial = partial_from(ck.resume, config.resume_from, train_loader.size());
      have_partial = true;
    }
    restore_parameters(*model, ck.parameters, config.resume_from);
    restore_optimizer_state(*optimizer, ck, config.resume_from);
    set_generator_state(ck.rng_state, config.resume_from);
    for (const auto& record : ck.history)
      result.history.push_back(epoch_report_from(record, config.resume_from));
    result.resumed_epochs = static_cast<int>(ck.epoch);
  }
  // After the model is built (same on every rank: same seed, and DDP copies rank 0's values
  // anyway) and after a resume restored rank 0's generator.
  std::unique_ptr<dist::DistributedDataParallel> ddp;
  if (comm != nullptr) {
    split_generator_by_rank(rank);
    ddp = std::make_unique<dist::DistributedDataParallel>(model, config.comm, config.ddp);
  }
  const auto finish = [&]() -> RecipeResult& {
    if (ddp)
      result.ddp = ddp->stats();
    return result;
  };

  // Everything a checkpoint holds; `stopped` is set for a mid-epoch one.
  auto save = [&](int completed, const PartialEpoch* stopped) {
    Checkpoint ck;
    ck.recipe = spec.recipe;
    ck.dataset = config.dataset;
    ck.epoch = completed;
    ck.dtype = config.dtype;
    ck.hyper = hyper;
    ck.rng_state = generator_state();
    ck.optimizer_steps = optimizer->steps();
    ck.world_size = ranks;
    for (const EpochReport& r : result.history)
      ck.history.push_back(epoch_record(r));
    ck.parameters = save_parameters(*model);
    ck.optimizer_state = save_optimizer_state(*optimizer);
    if (stopped != nullptr)
      ck.resume = partial_record(*stopped);
    write_checkpoint(config.save_to, ck);
    result.saved = true;
  };

  // The loader's epochs count from 0.
  const std::vector<int64_t> eval_order = eval_loader.order(0);
  for (int epoch = result.resumed_epochs + 1; epoch <= config.epochs; ++epoch) {
    EpochReport report;
    report.epoch = epoch;
    model->train();
    PartialEpoch progress;
    if (have_partial && epoch == result.resumed_epochs + 1)
      progress = partial;
    const std::vector<int64_t> order = train_loader.order(epoch - 1);
    train_loader.set_epoch(epoch - 1);
    const auto start = Clock::now();
    for (auto it = train_loader.begin(); it != train_loader.end(); ++it) {
      if (it.batch() < progress.batches)
        continue;  // done before the checkpoint (a resumed epoch)
      const std::size_t begin = static_cast<std::size_t>(it.batch()) * batch;
      const std::size_t end = std::min(static_cast<std::size_t>(n), begin + batch);
      const auto [lo, hi] = shard_of(begin, end, rank, ranks);
      const std::span<const int64_t> indices(order.data() + lo, hi - lo);
      optimizer->zero_grad();
      int64_t correct = 0;
      // A rank whose slice of a tiny last batch is empty still takes part in the allreduce.
      const Tensor loss = indices.empty() ? Tensor() : spec.train_loss(*it, indices, &correct);
      if (ddp)
        ddp->backward(loss, static_cast<int64_t>(indices.size()),
                      static_cast<int64_t>(end - begin));
      else
        loss.backward();
      optimizer->step();
      // This step's loss sum, hits and Ctrl-C, over all ranks.
      double sums[3] = {indices.empty() ? 0.0 : loss.item() * static_cast<double>(indices.size()),
                        static_cast<double>(correct), interrupt_requested() ? 1.0 : 0.0};
      sum_over_ranks(comm, sums);
      progress.loss_sum += sums[0];
      progress.correct_sum += static_cast<int64_t>(sums[1]);
      ++progress.batches;
      if (callbacks.on_batch)
        callbacks.on_batch(
            {epoch, static_cast<int64_t>(end), n, progress.loss_sum / static_cast<double>(end)});
      // Alone, a Ctrl-C seen by on_batch stops here; ranks stop where they agreed to.
      const bool stop = ranks > 1 ? sums[2] > 0 : interrupt_requested();
      if (stop && end < static_cast<std::size_t>(n)) {
        progress.seconds += std::chrono::duration<double>(Clock::now() - start).count();
        result.interrupted = true;
        result.interrupted_epoch = epoch;
        result.interrupted_batches = progress.batches;
        if (!config.save_to.empty() && rank == 0)
          save(epoch - 1, &progress);
        return finish();
      }
    }
    report.train_seconds =
        progress.seconds + std::chrono::duration<double>(Clock::now() - start).count();
    report.train_loss = progress.loss_sum / static_cast<double>(n);
    report.train_accuracy = static_cast<double>(progress.correct_sum) / static_cast<double>(n);
    report.items_per_second = static_cast<double>(n) / std::max(report.train_seconds, 1e-9);

    const auto eval_start = Clock::now();
    bool stop_requested = false;
    model->eval();
    {
      NoGradGuard no_grad;
      double eval_loss = 0;
      int64_t eval_correct = 0;
      const auto m = static_cast<std::size_t>(eval_loader.dataset_size());
      const auto eval_batch = static_cast<std::size_t>(config.eval_batch);
      eval_loader.set_epoch(0);
      std::size_t local_done = 0;  // this rank's evaluation examples so far
      for (auto it = eval_loader.begin(); it != eval_loader.end(); ++it) {
        const std::size_t begin = static_cast<std::size_t>(it.batch()) * eval_batch;
        const std::size_t end = std::min(m, begin + eval_batch);
        const auto [lo, hi] = shard_of(begin, end, rank, ranks);
        local_done += hi - lo;
        if (hi > lo) {
          int64_t correct = 0;
          const Tensor loss = spec.eval_loss(
              *it, std::span<const int64_t>(eval_order.data() + lo, hi - lo), &correct);
          eval_loss += loss.item() * static_cast<double>(hi - lo);
          eval_correct += correct;
        }
        // Sharded: the examples done by all ranks, and this rank's running mean.
        if (callbacks.on_eval_batch)
          callbacks.on_eval_batch(
              {epoch, static_cast<int64_t>(end), static_cast<int64_t>(m),
               eval_loss / static_cast<double>(std::max<std::size_t>(local_done, 1))});
      }
      // The sums over ranks, and whether any rank was asked to stop during the epoch.
      double sums[3] = {eval_loss, static_cast<double>(eval_correct),
                        interrupt_requested() ? 1.0 : 0.0};
      sum_over_ranks(comm, sums);
      eval_loss = sums[0];
      eval_correct = static_cast<int64_t>(sums[1]);
      stop_requested = sums[2] > 0;
      report.test_loss = eval_loss / static_cast<double>(m);
      report.test_correct = eval_correct;
      report.test_total = static_cast<int64_t>(m);
      report.test_accuracy = static_cast<double>(eval_correct) / static_cast<double>(m);
    }
    model->train();
    report.eval_seconds = std::chrono::duration<double>(Clock::now() - eval_start).count();
    result.history.push_back(report);

    const bool last = epoch == config.epochs;
    const bool stop = ranks > 1 ? stop_requested : interrupt_requested();
    if (!config.save_to.empty() && rank == 0 &&
        (last || stop || (config.save_every > 0 && epoch % config.save_every == 0)))
      save(epoch, nullptr);
    if (callbacks.on_epoch)
      callbacks.on_epoch(report);
    if (stop && !last) {
      result.interrupted = true;
      result.interrupted_epoch = epoch + 1;
      result.interrupted_batches = 0;
      return finish();
    }
  }
  return finish();
}

}  // namespace detail

}  // namespace mt
