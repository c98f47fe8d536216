// recipes.cpp — the LeNet and Kim CNN networks and their recipes: each hands
// the one training loop (loop.cpp) its data as Datasets (recipe_data.hpp) and
// a function that turns a batch into a mean loss and a hit count. No loop here.
#include <minitorch/apps/recipes.hpp>

#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>
#include "train/loop.hpp"
#include "train/recipe_data.hpp"

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

// ---- the recipes -------------------------------------------------------------

namespace {

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
  detail::LoopSpec spec;
  spec.recipe = "lenet";
  spec.train_set = std::make_shared<detail::ImageSetDataset>(data.train);
  spec.eval_set = std::make_shared<detail::ImageSetDataset>(data.test);
  auto loss_on = [model](const ImageSet& set) {
    return [&set, model](const Example& batch, std::span<const int64_t> idx, int64_t* correct) {
      const Tensor log_probs = (*model)(batch.data);
      *correct = count_class_hits(log_probs, set, idx);
      return nn::nll_loss(log_probs, batch.target);
    };
  };
  spec.train_loss = loss_on(data.train);
  spec.eval_loss = loss_on(data.test);
  detail::check_config(config, spec);
  return detail::run_loop(model, config, spec, callbacks);
}

RecipeResult train_sentiment_recipe(const SentimentData& data, const RecipeConfig& config,
                                    const RecipeCallbacks& callbacks) {
  const TensorOptions options = options_of(config);
  manual_seed(config.seed);
  auto model = std::make_shared<KimCnn>(data.dim(), config.filters, config.kernel_widths,
                                        config.dropout, options);
  detail::LoopSpec spec;
  spec.recipe = "kim-cnn";
  spec.train_set = std::make_shared<detail::TextSetDataset>(data, data.train);
  spec.eval_set = std::make_shared<detail::TextSetDataset>(data, data.valid);
  auto loss_on = [model](const TextSet& set) {
    return [&set, model](const Example& batch, std::span<const int64_t> idx, int64_t* correct) {
      const Tensor logits = model->logits(batch.data);
      const std::vector<double> z = logits.detach().to_vector();
      int64_t hits = 0;
      for (std::size_t b = 0; b < idx.size(); ++b)
        hits += (z[b] > 0.0) == (set.labels[idx[b]] == 1) ? 1 : 0;
      *correct = hits;
      return nn::binary_cross_entropy_with_logits(logits, batch.target);
    };
  };
  spec.train_loss = loss_on(data.train);
  spec.eval_loss = loss_on(data.valid);
  detail::check_config(config, spec);
  return detail::run_loop(model, config, spec, callbacks);
}

}  // namespace mt
