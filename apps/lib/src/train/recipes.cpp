// recipes.cpp — the LeNet and Kim CNN networks and one shared training loop
// (shuffle, mini-batch steps, eval-mode evaluation, per-epoch checkpoint).
// The loop knows nothing of images or text: each recipe hands it a function
// that turns a batch of example indices into a mean loss and a hit count.
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace mt {

// ---- networks -----------------------------------------------------------------

LeNet::LeNet(const TensorOptions& options, double dropout_rate, int64_t rows, int64_t cols,
             int64_t classes) {
  if (rows < 4 || cols < 4 || rows % 4 != 0 || cols % 4 != 0 || classes < 2)
    throw ArgumentError(
        "LeNet: images must be at least 4x4 with sides divisible by 4 (the 4x4 "
        "average pool) and classes >= 2; got " +
        std::to_string(rows) + "x" + std::to_string(cols) + ", " + std::to_string(classes) +
        " classes");
  flat_ = 8 * (rows / 4) * (cols / 4);
  conv1_ = add_module("conv1", std::make_shared<nn::Conv2d>(1, 4, 3, 3, options));
  conv2_ = add_module("conv2", std::make_shared<nn::Conv2d>(4, 8, 3, 3, options));
  hidden_ = add_module("linear1", std::make_shared<nn::Linear>(flat_, 64, options));
  dropout_ = add_module("dropout", std::make_shared<nn::Dropout>(dropout_rate));
  out_ = add_module("linear2", std::make_shared<nn::Linear>(64, classes, options));
}

Tensor LeNet::operator()(const Tensor& images) const {
  const Tensor mid = (*conv1_)(images).relu();
  const Tensor features = (*conv2_)(mid).relu();
  const Tensor pooled = nn::avgpool2d(features, 4, 4);
  const Tensor flat = pooled.reshape({images.size(0), flat_});
  const Tensor h = (*dropout_)((*hidden_)(flat).relu());
  return nn::logsoftmax((*out_)(h), 1);
}

KimCnn::KimCnn(int64_t embedding_dim, int64_t filters, std::vector<int64_t> kernel_widths,
               double dropout_rate, const TensorOptions& options)
    : filters_(filters) {
  if (kernel_widths.empty())
    throw ArgumentError("KimCnn: needs at least one kernel width");
  for (std::size_t i = 0; i < kernel_widths.size(); ++i)
    convs_.push_back(add_module(
        "conv" + std::to_string(kernel_widths[i]),
        std::make_shared<nn::Conv1d>(embedding_dim, filters, kernel_widths[i], options)));
  dropout_ = add_module("dropout", std::make_shared<nn::Dropout>(dropout_rate));
  out_ =
      add_module("linear", std::make_shared<nn::Linear>(
                               filters * static_cast<int64_t>(kernel_widths.size()), 1, options));
}

Tensor KimCnn::logits(const Tensor& embedded) const {
  const int64_t batch = embedded.size(0);
  const Tensor& weights = out_->weights().value();  // (filters * widths, 1)
  Tensor sum;
  for (std::size_t i = 0; i < convs_.size(); ++i) {
    const Tensor pooled =
        nn::max((*convs_[i])(embedded).relu(), 2).reshape({batch, filters_});  // (B, filters)
    const Tensor block = weights.narrow(0, static_cast<int64_t>(i) * filters_, filters_);
    const Tensor part = (*dropout_)(pooled).matmul(block);  // (B, 1)
    sum = sum.defined() ? sum + part : part;
  }
  return (sum + out_->bias().value()).reshape({batch});
}

// ---- shared pieces ------------------------------------------------------------

std::unique_ptr<Optimizer> make_optimizer(const RecipeConfig& config,
                                          std::vector<Tensor> parameters) {
  if (config.optimizer == "sgd")
    return std::make_unique<SGD>(std::move(parameters), config.lr,
                                 SGDOptions{.momentum = config.momentum});
  if (config.optimizer == "adam") {
    if (config.momentum != 0.0)
      throw ArgumentError("--momentum applies to sgd only; adam has its own betas");
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

namespace {

using Clock = std::chrono::steady_clock;

// A batch of example indices -> mean loss over the batch (shape (1)), and the
// number of those examples the model got right (written to *correct).
using BatchLoss = std::function<Tensor(std::span<const int64_t>, bool train, int64_t* correct)>;

struct LoopSpec {
  std::string recipe;
  int64_t train_count = 0;
  int64_t eval_count = 0;
  BatchLoss train_loss;
  BatchLoss eval_loss;
};

std::map<std::string, std::string> recipe_hyper(const RecipeConfig& c) {
  std::map<std::string, std::string> h = c.extra_hyper;
  h["batch"] = std::to_string(c.batch);
  h["optimizer"] = c.optimizer;
  h["lr"] = hyper_text(c.lr);
  h["momentum"] = hyper_text(c.momentum);
  h["dropout"] = hyper_text(c.dropout);
  h["seed"] = std::to_string(c.seed);
  return h;
}

void check_config(const RecipeConfig& c, const LoopSpec& spec) {
  if (c.epochs < 1 || c.batch < 1 || c.eval_batch < 1)
    throw ArgumentError(spec.recipe + ": epochs, batch and eval_batch must be >= 1 (got " +
                        std::to_string(c.epochs) + ", " + std::to_string(c.batch) + ", " +
                        std::to_string(c.eval_batch) + ")");
  if (!(c.dropout >= 0.0 && c.dropout < 1.0))
    throw ArgumentError(spec.recipe + ": dropout must be in [0, 1), got " + hyper_text(c.dropout));
  if (spec.train_count < 1 || spec.eval_count < 1)
    throw ArgumentError(spec.recipe + ": needs at least one training and one evaluation example");
}

RecipeResult run_loop(const std::shared_ptr<Module>& model, const RecipeConfig& config,
                      const LoopSpec& spec, const RecipeCallbacks& callbacks) {
  std::vector<Tensor> params;
  for (auto* p : model->parameters())
    params.push_back(p->value());
  std::unique_ptr<Optimizer> optimizer = make_optimizer(config, params);
  const auto hyper = recipe_hyper(config);

  RecipeResult result;
  result.model = model;
  if (!config.resume_from.empty()) {
    const Checkpoint ck = read_checkpoint(config.resume_from);
    check_checkpoint_matches(ck, config.resume_from, spec.recipe, config.dataset, config.dtype,
                             hyper);
    if (ck.epoch >= config.epochs)
      throw ArgumentError(config.resume_from.string() + " already holds " +
                          std::to_string(ck.epoch) + " epochs; ask for more than that (epochs " +
                          "is the total to reach, got " + std::to_string(config.epochs) + ")");
    restore_parameters(*model, ck.parameters, config.resume_from);
    restore_optimizer_state(*optimizer, ck, config.resume_from);
    set_generator_state(ck.rng_state, config.resume_from);
    for (const auto& record : ck.history)
      result.history.push_back(epoch_report_from(record, config.resume_from));
    result.resumed_epochs = static_cast<int>(ck.epoch);
  }

  std::vector<int64_t> order(static_cast<std::size_t>(spec.train_count));
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> eval_order(static_cast<std::size_t>(spec.eval_count));
  std::iota(eval_order.begin(), eval_order.end(), 0);
  const auto n = static_cast<std::size_t>(spec.train_count);
  const auto batch = static_cast<std::size_t>(config.batch);

  for (int epoch = result.resumed_epochs + 1; epoch <= config.epochs; ++epoch) {
    EpochReport report;
    report.epoch = epoch;
    model->train();
    // The order is reshuffled from the identity each epoch, so it depends on
    // the generator state alone (which checkpoints carry), not on history.
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), generator());
    const auto start = Clock::now();
    double loss_sum = 0;
    int64_t correct_sum = 0;
    for (std::size_t begin = 0; begin < n; begin += batch) {
      const std::size_t end = std::min(n, begin + batch);
      const std::span<const int64_t> indices(order.data() + begin, end - begin);
      optimizer->zero_grad();
      int64_t correct = 0;
      const Tensor loss = spec.train_loss(indices, true, &correct);
      loss.backward();
      optimizer->step();
      loss_sum += loss.item() * static_cast<double>(indices.size());
      correct_sum += correct;
      if (callbacks.on_batch)
        callbacks.on_batch({epoch, static_cast<int64_t>(end), spec.train_count,
                            loss_sum / static_cast<double>(end)});
    }
    report.train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.train_loss = loss_sum / static_cast<double>(n);
    report.train_accuracy = static_cast<double>(correct_sum) / static_cast<double>(n);
    report.items_per_second = static_cast<double>(n) / std::max(report.train_seconds, 1e-9);

    const auto eval_start = Clock::now();
    model->eval();
    {
      NoGradGuard no_grad;
      double eval_loss = 0;
      int64_t eval_correct = 0;
      const auto m = static_cast<std::size_t>(spec.eval_count);
      const auto eval_batch = static_cast<std::size_t>(config.eval_batch);
      for (std::size_t begin = 0; begin < m; begin += eval_batch) {
        const std::size_t end = std::min(m, begin + eval_batch);
        int64_t correct = 0;
        const Tensor loss = spec.eval_loss(
            std::span<const int64_t>(eval_order.data() + begin, end - begin), false, &correct);
        eval_loss += loss.item() * static_cast<double>(end - begin);
        eval_correct += correct;
      }
      report.test_loss = eval_loss / static_cast<double>(m);
      report.test_correct = eval_correct;
      report.test_total = spec.eval_count;
      report.test_accuracy = static_cast<double>(eval_correct) / static_cast<double>(m);
    }
    model->train();
    report.eval_seconds = std::chrono::duration<double>(Clock::now() - eval_start).count();
    result.history.push_back(report);

    if (!config.save_to.empty()) {
      Checkpoint ck;
      ck.recipe = spec.recipe;
      ck.dataset = config.dataset;
      ck.epoch = epoch;
      ck.dtype = config.dtype;
      ck.hyper = hyper;
      ck.rng_state = generator_state();
      ck.optimizer_steps = optimizer->steps();
      for (const EpochReport& r : result.history)
        ck.history.push_back(epoch_record(r));
      ck.parameters = save_parameters(*model);
      ck.optimizer_state = save_optimizer_state(*optimizer);
      write_checkpoint(config.save_to, ck);
    }
    if (callbacks.on_epoch)
      callbacks.on_epoch(report);
  }
  return result;
}

TensorOptions options_of(const RecipeConfig& config) {
  return TensorOptions{.dtype = config.dtype,
                       .backend = config.backend ? config.backend : default_backend()};
}

// Row-wise argmax of log-probabilities on the host, compared with labels.
int64_t count_class_hits(const Tensor& log_probs, const ImageSet& set,
                         std::span<const int64_t> indices) {
  const std::vector<double> values = log_probs.detach().to_vector();
  const auto classes = static_cast<std::size_t>(log_probs.size(1));
  int64_t hits = 0;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto row = values.begin() + static_cast<std::ptrdiff_t>(b * classes);
    const auto best = std::max_element(row, row + static_cast<std::ptrdiff_t>(classes)) - row;
    hits += best == set.labels[indices[b]] ? 1 : 0;
  }
  return hits;
}

}  // namespace

RecipeResult train_image_recipe(const ImageDataset& data, const RecipeConfig& config,
                                const RecipeCallbacks& callbacks) {
  if (data.train.rows != data.test.rows || data.train.cols != data.test.cols ||
      data.train.num_classes != data.test.num_classes)
    throw ArgumentError("image recipe: train images are " + std::to_string(data.train.rows) + "x" +
                        std::to_string(data.train.cols) + " but test images are " +
                        std::to_string(data.test.rows) + "x" + std::to_string(data.test.cols));
  const TensorOptions options = options_of(config);
  manual_seed(config.seed);
  auto model = std::make_shared<LeNet>(options, config.dropout, data.train.rows, data.train.cols,
                                       data.train.num_classes);
  LoopSpec spec;
  spec.recipe = "lenet";
  spec.train_count = data.train.count;
  spec.eval_count = data.test.count;
  auto loss_on = [&, model](const ImageSet& set) {
    return [&set, &options, model](std::span<const int64_t> idx, bool, int64_t* correct) {
      const Tensor log_probs = (*model)(set.images(idx, options));
      *correct = count_class_hits(log_probs, set, idx);
      return nn::nll_loss(log_probs, set.one_hot(idx, options));
    };
  };
  spec.train_loss = loss_on(data.train);
  spec.eval_loss = loss_on(data.test);
  check_config(config, spec);
  return run_loop(model, config, spec, callbacks);
}

RecipeResult train_sentiment_recipe(const SentimentData& data, const RecipeConfig& config,
                                    const RecipeCallbacks& callbacks) {
  const TensorOptions options = options_of(config);
  manual_seed(config.seed);
  auto model = std::make_shared<KimCnn>(data.dim(), config.filters, config.kernel_widths,
                                        config.dropout, options);
  LoopSpec spec;
  spec.recipe = "kim-cnn";
  spec.train_count = data.train.count;
  spec.eval_count = data.valid.count;
  auto loss_on = [&, model](const TextSet& set) {
    return [&set, &data, &options, model](std::span<const int64_t> idx, bool, int64_t* correct) {
      const Tensor logits = model->logits(data.embed(set, idx, options));
      const std::vector<double> z = logits.detach().to_vector();
      int64_t hits = 0;
      for (std::size_t b = 0; b < idx.size(); ++b)
        hits += (z[b] > 0.0) == (set.labels[idx[b]] == 1) ? 1 : 0;
      *correct = hits;
      return nn::binary_cross_entropy_with_logits(logits, data.labels(set, idx, options));
    };
  };
  spec.train_loss = loss_on(data.train);
  spec.eval_loss = loss_on(data.valid);
  check_config(config, spec);
  return run_loop(model, config, spec, callbacks);
}

}  // namespace mt
