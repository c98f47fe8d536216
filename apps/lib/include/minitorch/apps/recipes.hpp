// minitorch/apps/recipes.hpp — MiniTorch's training scripts as library calls
// through one training loop: the LeNet-like CNN for MNIST / Fashion-MNIST,
// Kim's 1-D CNN for IMDB sentiment (here) and the 2-D MLP (train2d.hpp),
// with shuffled mini-batches, per-epoch evaluation in eval mode, and
// checkpoints that resume a run exactly. The CLI's `train` wraps these; they
// print nothing (progress comes back through callbacks).
#pragma once

#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/distributed/ddp.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mt {

// run_mnist_multiclass.py's network for rows x cols grey images (rows and
// cols divisible by 4; 28 x 28 for MNIST):
//   conv 1->4 3x3, ReLU -> conv 4->8 3x3, ReLU -> avgpool 4x4 -> view (B, 8*rows/4*cols/4)
//   -> linear ->64, ReLU -> dropout -> linear 64->classes -> logsoftmax.
// Convolutions keep the spatial size (MiniTorch's conv). Dropout is active
// only in training mode (MiniTorch's script left it on in evaluation; quirk 1).
class LeNet : public Module {
 public:
  LeNet(const TensorOptions& options, double dropout_rate = 0.25, int64_t rows = 28,
        int64_t cols = 28, int64_t classes = 10);
  // (B, 1, rows, cols) -> (B, classes) log-probabilities.
  Tensor operator()(const Tensor& images) const;

 private:
  int64_t flat_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::Linear> hidden_, out_;
  std::shared_ptr<nn::Dropout> dropout_;
};

// Kim (2014)'s sentence CNN as in run_sentiment.py / run_torch_sentiment.py:
// one Conv1d(dim -> filters, k) per kernel width k, ReLU, max over time; the
// pooled features are concatenated (filters * widths values, as the PyTorch
// reference does; MiniTorch's script summed them, quirk 10), then dropout
// and Linear(filters * widths -> 1). The Linear is applied blockwise
// (features_i @ weights[rows of block i]) which is the concatenation's exact
// product without building the concatenated tensor.
class KimCnn : public Module {
 public:
  KimCnn(int64_t embedding_dim, int64_t filters, std::vector<int64_t> kernel_widths,
         double dropout_rate, const TensorOptions& options);
  // (B, embedding_dim, L) -> (B) logits; P(positive) = sigmoid(logit).
  Tensor logits(const Tensor& embedded) const;

 private:
  int64_t filters_;
  std::vector<std::shared_ptr<nn::Conv1d>> convs_;
  std::shared_ptr<nn::Dropout> dropout_;
  std::shared_ptr<nn::Linear> out_;
};

// One run's configuration, for every recipe. The hyper-parameters are the
// rows of hyperparams.hpp (hyper_values() lists them as checkpoints and
// metrics record them); the defaults here are LeNet's, the CLI fills every
// field from the table's per-dataset defaults.
struct RecipeConfig {
  std::string dataset = "mnist";  // recorded in checkpoints; "xor", "mnist", "imdb", ...
  int epochs = 5;                 // total; a resumed run continues up to this epoch
  int64_t batch = 16;
  std::string optimizer = "sgd";  // "sgd" or "adam"
  double lr = 0.01;
  double momentum = 0.0;  // SGD only
  double dropout = 0.25;  // CNN recipes
  uint64_t seed = 42;     // model init, shuffling and dropout
  int64_t hidden = 10;    // 2-D MLP
  int64_t points = 50;    // 2-D MLP (the Graph passed in must have this many)
  // Recorded (and checked on resume); the caller cuts the data to these sizes.
  int64_t train_size = 0;
  int64_t test_size = 0;
  int64_t max_length = 200;  // Kim CNN
  BackendPtr backend;        // null: default_backend()
  DType dtype = DType::f32;
  int64_t eval_batch = 256;  // evaluation has no gradients, so bigger batches are cheap
  int64_t filters = 100;     // Kim CNN only
  std::vector<int64_t> kernel_widths{3, 4, 5};  // Kim CNN only
  std::filesystem::path resume_from;            // "": a fresh run
  // "": no checkpoint. Else written at the end of the run, after every
  // `save_every` epochs (0: never in between), and at the batch boundary
  // where an interrupt (interrupt.hpp) stops the run.
  std::filesystem::path save_to;
  int save_every = 0;
  // Data-parallel training (docs/distributed.md); null: this process alone. With a
  // communicator of R ranks, `batch` and `eval_batch` are GLOBAL: every rank takes its slice
  // of each batch (DataLoaderOptions::shard), DistributedDataParallel averages the gradients
  // over the global batch, the step's loss and hit counts are summed over ranks, and only
  // rank 0 writes `save_to`. Every rank calls the recipe with the same config.
  std::shared_ptr<dist::Communicator> comm;
  dist::DdpOptions ddp;
};

// The config's hyper-parameters (Role::hyper rows of hyperparams.hpp that
// `recipe` uses) as text, exactly as checkpoints store and compare them.
std::map<std::string, std::string> hyper_values(const RecipeConfig& config,
                                                const std::string& recipe);
// Every row `recipe` uses (run rows too), as text.
std::map<std::string, std::string> config_values(const RecipeConfig& config,
                                                 const std::string& recipe);
// Sets the field of `key` from text the table's range already admitted.
// ArgumentError for a key no row has.
void set_config_value(RecipeConfig& config, const std::string& key, const std::string& text);

struct EpochReport {
  int epoch = 0;              // 1-based
  double train_loss = 0;      // mean per example over the epoch
  double train_accuracy = 0;  // fraction of training examples right (in training mode)
  double test_loss = 0;       // mean per example, eval mode
  double test_accuracy = 0;   // fraction
  int64_t test_correct = 0;
  int64_t test_total = 0;
  double train_seconds = 0;     // wall time of the epoch's training steps
  double eval_seconds = 0;      // wall time of the evaluation
  double items_per_second = 0;  // training throughput
};

struct BatchUpdate {
  int epoch = 0;
  int64_t done = 0;   // training examples processed this epoch
  int64_t total = 0;  // training examples per epoch
  double mean_loss = 0;
};

struct RecipeCallbacks {
  std::function<void(const BatchUpdate&)> on_batch;
  // After each evaluation batch: `done` / `total` count evaluation examples, `mean_loss` is
  // the running mean over them.
  std::function<void(const BatchUpdate&)> on_eval_batch;
  std::function<void(const EpochReport&)> on_epoch;
};

struct RecipeResult {
  std::string recipe;                // "mlp2d", "lenet", "kim-cnn"
  std::vector<EpochReport> history;  // every whole epoch of the run, resumed ones included
  int resumed_epochs = 0;            // how many came from the checkpoint
  std::shared_ptr<Module> model;
  // Stopped by an interrupt (interrupt.hpp) at a batch boundary: `history`
  // holds the finished epochs; the checkpoint, if any, resumes mid-epoch.
  bool interrupted = false;
  int interrupted_epoch = 0;        // the epoch it stopped in
  int64_t interrupted_batches = 0;  // batches of it that were done
  bool saved = false;               // a checkpoint was written to save_to
  int world_size = 1;               // ranks that trained (config.comm's size)
  dist::DdpStats ddp;               // this rank's communication figures (zeros alone)
};

// The optimizer a config names, over `parameters`. ArgumentError for an
// unknown name or a bad value.
std::unique_ptr<Optimizer> make_optimizer(const RecipeConfig& config,
                                          std::vector<Tensor> parameters);

// Trains LeNet on data.train and evaluates on data.test after every epoch.
// ArgumentError for bad sizes; DataError for a checkpoint that does not fit.
RecipeResult train_image_recipe(const ImageDataset& data, const RecipeConfig& config,
                                const RecipeCallbacks& callbacks = {});

// Trains KimCnn on data.train and evaluates on data.valid after every epoch,
// with mean binary cross-entropy on the logits (the stable form of
// sigmoid + BCE) and 0.5 as the decision threshold.
RecipeResult train_sentiment_recipe(const SentimentData& data, const RecipeConfig& config,
                                    const RecipeCallbacks& callbacks = {});

// Turns a history into checkpoint/metrics records and back; `source` names
// the checkpoint a record came from, for the error on a malformed count.
std::map<std::string, double> epoch_record(const EpochReport& report);
EpochReport epoch_report_from(const std::map<std::string, double>& record,
                              const std::filesystem::path& source);

}  // namespace mt
