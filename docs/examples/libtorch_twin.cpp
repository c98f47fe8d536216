// The libtorch twin of docs/cpp-api.md's example: the same small CNN, data, loop and checks.
// Not built by CI (libtorch is not a dependency); docs/cpp-api.md says how it was built and run.
#include <torch/torch.h>

#include <cstdio>

// 8x8 images: class 1 has a vertical bar, class 0 a horizontal one, both with noise.
std::pair<torch::Tensor, torch::Tensor> bars(int64_t n) {
  auto images = 0.1 * torch::rand({n, 1, 8, 8});
  auto labels = torch::randint(0, 2, {n});
  auto where = torch::randint(0, 8, {n});
  for (int64_t i = 0; i < n; ++i) {
    auto line = labels[i].item<int64_t>() == 1 ? images[i][0].select(1, where[i].item<int64_t>())
                                               : images[i][0][where[i].item<int64_t>()];
    line += 1.0;
  }
  return {images, labels};
}

struct Bars : torch::data::datasets::Dataset<Bars> {
  torch::Tensor images, labels;
  Bars(torch::Tensor x, torch::Tensor y) : images(std::move(x)), labels(std::move(y)) {}
  torch::data::Example<> get(size_t i) override { return {images[i], labels[i]}; }
  torch::optional<size_t> size() const override { return images.size(0); }
};

struct NetImpl : torch::nn::Module {
  torch::nn::Sequential layers{torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)),
                               torch::nn::ReLU(), torch::nn::Flatten(),
                               torch::nn::Linear(4 * 8 * 8, 2)};
  NetImpl() { register_module("layers", layers); }
  torch::Tensor forward(torch::Tensor x) { return layers->forward(x); }
};
TORCH_MODULE(Net);

double accuracy(Net& net, const torch::Tensor& images, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  net->eval();
  return net->forward(images).argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
}

int main() {
  torch::manual_seed(0);
  auto [train_x, train_y] = bars(512);
  auto [test_x, test_y] = bars(256);
  auto data = Bars(train_x, train_y).map(torch::data::transforms::Stack<>());
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(data), torch::data::DataLoaderOptions().batch_size(32));
  Net net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(0.01));
  for (int epoch = 1; epoch <= 5; ++epoch) {
    net->train();
    for (auto& batch : *loader) {
      optimizer.zero_grad();
      auto loss = torch::nll_loss(torch::log_softmax(net->forward(batch.data), 1), batch.target);
      loss.backward();
      optimizer.step();
    }
    std::printf("epoch %d: test accuracy %.3f\n", epoch, accuracy(net, test_x, test_y));
  }
  torch::save(net, "small_cnn.pt");
  Net reloaded;
  torch::load(reloaded, "small_cnn.pt");
  std::printf("reloaded: test accuracy %.3f\n", accuracy(reloaded, test_x, test_y));
  return accuracy(reloaded, test_x, test_y) > 0.9 ? 0 : 1;
}
