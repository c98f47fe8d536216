// train2d.cpp — MiniTorch's run_fast_tensor.py as a recipe: its MLP and
// Linear, and the batch function the one training loop (loop.cpp) calls.
// Fixes two upstream quirks: the loss is the stable form (no log(0)), and
// the reported loss covers the whole epoch, not the last batch. No loop here.
#include <minitorch/apps/train2d.hpp>

#include <minitorch/nn/loss.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>
#include "train/loop.hpp"
#include "train/recipe_data.hpp"

#include <span>

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

RecipeResult train_mlp2d_recipe(const Graph& data, const RecipeConfig& config,
                                const RecipeCallbacks& callbacks) {
  if (config.hidden < 1 || config.points < 1)
    throw ArgumentError("mlp2d: hidden and points must be >= 1 (got " +
                        std::to_string(config.hidden) + ", " + std::to_string(config.points) + ")");
  if (data.X.size() != data.y.size() || data.X.empty())
    throw ArgumentError("mlp2d: the dataset has " + std::to_string(data.X.size()) + " points and " +
                        std::to_string(data.y.size()) + " labels (need equal, >= 1)");
  const TensorOptions options{.dtype = config.dtype,
                              .backend = config.backend ? config.backend : default_backend()};
  manual_seed(config.seed);
  auto model = std::make_shared<Mlp2D>(config.hidden, options);
  detail::LoopSpec spec;
  spec.recipe = "mlp2d";
  // MiniTorch scores the training points: they are the evaluation set too.
  spec.train_set = spec.eval_set = detail::points_dataset(data);
  spec.train_loss = [&data, model](const Example& batch, std::span<const int64_t> idx,
                                   int64_t* correct) {
    const Tensor z = model->logits(batch.data);
    const std::vector<double> values = z.detach().to_vector();
    int64_t hits = 0;
    for (std::size_t b = 0; b < idx.size(); ++b)
      hits += (values[b] > 0.0) == (data.y[static_cast<std::size_t>(idx[b])] == 1) ? 1 : 0;
    *correct = hits;
    return nn::binary_cross_entropy_with_logits(z, batch.target);
  };
  spec.eval_loss = spec.train_loss;
  detail::check_config(config, spec);
  return detail::run_loop(model, config, spec, callbacks);
}

DecisionBoundary decision_boundary(const Mlp2D& model, const Graph& data,
                                   const TensorOptions& options, int resolution) {
  DecisionBoundary b;
  b.resolution = resolution;
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

}  // namespace mt
