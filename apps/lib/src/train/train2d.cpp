// train2d.cpp — MiniTorch's run_fast_tensor.py as C++: MLP, shuffled
// mini-batches, SGD. Fixes two upstream quirks: the loss is the stable form
// (no log(0)), and the reported loss covers the whole epoch, not the last batch.
// Checkpoints resume a run exactly (parameters, optimizer and generator state).
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/train2d.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>

namespace mt {

MiniTorchLinear::MiniTorchLinear(int64_t in_features, int64_t out_features,
                                 const TensorOptions& options) {
  weight_ = &add_parameter("weights", rand({in_features, out_features}, options) - 0.5);
  bias_ = &add_parameter("bias", full({out_features}, 0.1, options));
}

Tensor MiniTorchLinear::operator()(const Tensor& x) const {
  return x.matmul(weight_->value()) + bias_->value();
}

Mlp2D::Mlp2D(int64_t hidden, const TensorOptions& options) {
  layer1_ = add_module("layer1", std::make_shared<MiniTorchLinear>(2, hidden, options));
  layer2_ = add_module("layer2", std::make_shared<MiniTorchLinear>(hidden, hidden, options));
  layer3_ = add_module("layer3", std::make_shared<MiniTorchLinear>(hidden, 1, options));
}

Tensor Mlp2D::logits(const Tensor& x) const {
  const Tensor h1 = (*layer1_)(x).relu();
  const Tensor h2 = (*layer2_)(h1).relu();
  return (*layer3_)(h2);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& labels) {
  // nn's loss has the exact gradient sigmoid(z) - y everywhere; composing
  // relu and abs here would give -y at z = 0, where both have a kink. It is a
  // mean and MiniTorch's loss a sum, hence the scale.
  return nn::binary_cross_entropy_with_logits(logits, labels) * static_cast<double>(logits.numel());
}

namespace {

Tensor features_of(const Graph& data, const std::vector<int>& order, size_t begin, size_t end,
                   const TensorOptions& options) {
  std::vector<double> values;
  values.reserve((end - begin) * 2);
  for (size_t i = begin; i < end; ++i) {
    values.push_back(data.X[order[i]][0]);
    values.push_back(data.X[order[i]][1]);
  }
  return Tensor::from_values(values, {static_cast<int64_t>(end - begin), 2}, options);
}

Tensor labels_of(const Graph& data, const std::vector<int>& order, size_t begin, size_t end,
                 const TensorOptions& options) {
  std::vector<double> values;
  values.reserve(end - begin);
  for (size_t i = begin; i < end; ++i)
    values.push_back(data.y[order[i]]);
  return Tensor::from_values(values, {static_cast<int64_t>(end - begin), 1}, options);
}

int count_correct(const Mlp2D& model, const Graph& data, const TensorOptions& options) {
  NoGradGuard no_grad;
  std::vector<int> order(data.X.size());
  std::iota(order.begin(), order.end(), 0);
  const Tensor x = features_of(data, order, 0, order.size(), options);
  const std::vector<double> z = model.logits(x).to_vector();
  int correct = 0;
  for (size_t i = 0; i < z.size(); ++i)
    correct += ((z[i] > 0.0) == (data.y[i] == 1)) ? 1 : 0;
  return correct;
}

}  // namespace

Train2DResult train_2d(const Train2DConfig& config,
                       const std::function<void(const EpochStats&)>& on_epoch) {
  if (config.points < 1 || config.hidden < 1 || config.epochs < 1 || config.batch < 1) {
    throw ArgumentError("train_2d: points, hidden, epochs and batch must be >= 1 (got " +
                        std::to_string(config.points) + ", " + std::to_string(config.hidden) +
                        ", " + std::to_string(config.epochs) + ", " + std::to_string(config.batch) +
                        ")");
  }
  if (!(config.rate > 0.0)) {
    throw ArgumentError("train_2d: rate must be > 0, got " + std::to_string(config.rate));
  }
  const TensorOptions options{.dtype = config.dtype,
                              .backend = config.backend ? config.backend : default_backend()};
  manual_seed(config.seed);
  Train2DResult result;
  result.data = make_dataset(config.dataset, config.points, config.seed);
  result.model = std::make_shared<Mlp2D>(config.hidden, options);
  std::vector<Tensor> params;
  for (auto* p : result.model->parameters())
    params.push_back(p->value());
  SGD optimizer(params, config.rate);

  const std::map<std::string, std::string> hyper{{"points", std::to_string(config.points)},
                                                 {"hidden", std::to_string(config.hidden)},
                                                 {"rate", hyper_text(config.rate)},
                                                 {"batch", std::to_string(config.batch)},
                                                 {"seed", std::to_string(config.seed)}};
  if (!config.resume_from.empty()) {
    const Checkpoint ck = read_checkpoint(config.resume_from);
    check_checkpoint_matches(ck, config.resume_from, "mlp2d", config.dataset, config.dtype, hyper);
    if (ck.epoch >= config.epochs)
      throw ArgumentError(config.resume_from.string() + " already holds " +
                          std::to_string(ck.epoch) + " epochs; ask for more than that (epochs " +
                          "is the total to reach, got " + std::to_string(config.epochs) + ")");
    restore_parameters(*result.model, ck.parameters, config.resume_from);
    restore_optimizer_state(optimizer, ck, config.resume_from);
    set_generator_state(ck.rng_state, config.resume_from);
    for (const auto& record : ck.history) {
      auto get = [&](const char* key) {
        auto it = record.find(key);
        return it == record.end() ? 0.0 : it->second;
      };
      const auto count = [&](const char* key) {
        return static_cast<int>(history_integer(record, key, config.resume_from));
      };
      result.epochs.push_back(
          {count("epoch"), get("loss"), count("correct"), count("total"), get("seconds")});
    }
    result.resumed_epochs = static_cast<int>(ck.epoch);
  }

  const Graph& data = result.data;
  std::vector<int> order(data.X.size());
  std::mt19937_64& rng = generator();
  for (int epoch = result.resumed_epochs + 1; epoch <= config.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    // Shuffled from the identity each epoch, so the order depends only on the
    // generator's state, which a checkpoint carries.
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    double total_loss = 0.0;
    Tensor epoch_loss;
    for (size_t begin = 0; begin < order.size(); begin += config.batch) {
      const size_t end = std::min(order.size(), begin + static_cast<size_t>(config.batch));
      const Tensor x = features_of(data, order, begin, end, options);
      const Tensor y = labels_of(data, order, begin, end, options);
      optimizer.zero_grad();
      const Tensor loss = binary_cross_entropy_with_logits(result.model->logits(x), y);
      (loss / static_cast<double>(end - begin)).backward();
      optimizer.step();
      // Summed on the backend; read once per epoch to avoid a sync per batch.
      const Tensor detached = loss.detach();
      epoch_loss = epoch_loss.defined() ? epoch_loss + detached : detached;
    }
    total_loss = epoch_loss.item();
    const auto stop = std::chrono::steady_clock::now();
    EpochStats stats;
    stats.epoch = epoch;
    stats.loss = total_loss;
    stats.seconds = std::chrono::duration<double>(stop - start).count();
    stats.total = static_cast<int>(data.X.size());
    stats.correct = count_correct(*result.model, data, options);
    result.epochs.push_back(stats);
    if (!config.save_to.empty()) {
      Checkpoint ck;
      ck.recipe = "mlp2d";
      ck.dataset = config.dataset;
      ck.epoch = epoch;
      ck.dtype = config.dtype;
      ck.hyper = hyper;
      ck.rng_state = generator_state();
      ck.optimizer_steps = optimizer.steps();
      for (const EpochStats& s : result.epochs)
        ck.history.push_back({{"epoch", s.epoch},
                              {"loss", s.loss},
                              {"correct", s.correct},
                              {"total", s.total},
                              {"seconds", s.seconds}});
      ck.parameters = save_parameters(*result.model);
      ck.optimizer_state = save_optimizer_state(optimizer);
      write_checkpoint(config.save_to, ck);
    }
    if (on_epoch)
      on_epoch(stats);
  }
  return result;
}

}  // namespace mt
