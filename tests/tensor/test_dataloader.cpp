// test_dataloader.cpp — Dataset, TensorDataset and DataLoader on every usable backend: rows and
// batches against the values put in, seeded unbiased shuffles, drop_last, batch dtype/backend,
// prefetch (same batches, another thread, exceptions re-thrown here), f32 / f64 host batches,
// errors. Not a benchmark.
#include <boost/test/unit_test.hpp>
#include <minitorch/data/dataloader.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/optim/scheduler.hpp>

#include "tensor_strategies.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace mt;
using namespace mt::test;

namespace {

// n examples: data row i = (10i, 10i + 1), target i = i.
TensorDataset numbered(int64_t n, const TensorOptions& o) {
  std::vector<double> data, targets;
  for (int64_t i = 0; i < n; ++i) {
    data.push_back(10.0 * static_cast<double>(i));
    data.push_back(10.0 * static_cast<double>(i) + 1.0);
    targets.push_back(static_cast<double>(i));
  }
  return TensorDataset(Tensor::from_values(data, {n, 2}, o), Tensor::from_values(targets, {n}, o));
}

// The example ids of a batch of numbered(), checking that data and target agree.
std::vector<int64_t> ids_of(const Example& batch) {
  const std::vector<double> data = batch.data.to_vector();
  const std::vector<double> targets = batch.target.to_vector();
  std::vector<int64_t> ids;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    BOOST_TEST(data[2 * k] == 10.0 * targets[k]);
    BOOST_TEST(data[2 * k + 1] == 10.0 * targets[k] + 1.0);
    ids.push_back(static_cast<int64_t>(targets[k]));
  }
  return ids;
}

// "0 1 2" and "[0 1] [2]", for comparisons that print what they saw.
std::string text(const std::vector<int64_t>& ids) {
  std::string out;
  for (const int64_t i : ids)
    out += (out.empty() ? "" : " ") + std::to_string(i);
  return out;
}
std::string text(const std::vector<std::vector<int64_t>>& batches) {
  std::string out;
  for (const auto& b : batches)
    out += (out.empty() ? "[" : " [") + text(b) + "]";
  return out;
}

std::vector<std::vector<int64_t>> one_epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> batches;
  for (const Example& batch : loader)
    batches.push_back(ids_of(batch));
  return batches;
}

// Wraps numbered() and records which threads gathered; throws DataError from
// the gather of any batch that holds `poison`.
class Recording : public Dataset {
 public:
  Recording(TensorDataset inner, int64_t poison) : inner_(std::move(inner)), poison_(poison) {}
  int64_t size() const override { return inner_.size(); }
  Example get(int64_t i) const override { return inner_.get(i); }
  bool gathers_on_host() const override { return true; }
  HostBatch gather_host(std::span<const int64_t> indices,
                        std::optional<DType> dtype) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.insert(std::this_thread::get_id());
    }
    for (const int64_t i : indices) {
      if (i == poison_)
        throw DataError("example " + std::to_string(i) + " is corrupt");
    }
    return inner_.gather_host(indices, dtype);
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  TensorDataset inner_;
  int64_t poison_;
  mutable std::mutex mutex_;
  mutable std::set<std::thread::id> threads_;
};

// A dataset with no host gather: example i is a (2, 2) block of i and target (i, −i).
class Blocks : public Dataset {
 public:
  Blocks(int64_t n, TensorOptions o, int64_t odd_one = -1) : n_(n), o_(o), odd_one_(odd_one) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    if (i < 0 || i >= n_)
      throw IndexingError("Blocks index " + std::to_string(i));
    const double v = static_cast<double>(i);
    const Shape shape = i == odd_one_ ? Shape{4} : Shape{2, 2};
    return {full(shape, v, o_), tensor({v, -v}, o_)};
  }

 private:
  int64_t n_;
  TensorOptions o_;
  int64_t odd_one_;
};

}  // namespace

MT_BACKEND_TEST(test_dataloader, tensor_dataset_rows) {
  const TensorDataset ds = numbered(5, f64());
  BOOST_TEST(ds.size() == 5);
  const Example e = ds.get(3);
  BOOST_TEST(e.data.shape() == (Shape{2}));
  BOOST_TEST(e.data.to_vector() == (std::vector<double>{30.0, 31.0}));
  BOOST_TEST(e.target.shape() == Shape{});
  BOOST_TEST(e.target.item() == 3.0);
  BOOST_TEST(!e.data.requires_grad());
  BOOST_CHECK_THROW(ds.get(5), IndexingError);
  BOOST_CHECK_THROW(ds.get(-1), IndexingError);

  // Without targets; from a non-contiguous view; rows of a 3-D tensor.
  const Tensor grid = Tensor::from_values({0, 1, 2, 3, 4, 5}, {2, 3}, f64());
  const TensorDataset columns(grid.transpose(0, 1));  // rows (0, 3), (1, 4), (2, 5)
  BOOST_TEST(columns.size() == 3);
  BOOST_TEST(!columns.get(1).target.defined());
  BOOST_TEST(columns.get(1).data.to_vector() == (std::vector<double>{1.0, 4.0}));
  const TensorDataset cubes(Tensor::from_values({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2}, f32()));
  const HostBatch host = cubes.gather_host(std::vector<int64_t>{1, 0, 1});
  BOOST_TEST(host.data.shape == (Shape{3, 2, 2}));
  BOOST_TEST(!host.target.has_value());
  const Tensor up = upload(host.data, backend);
  BOOST_TEST(up.to_vector() == (std::vector<double>{4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7}));

  // The rows are copied at construction: later writes to the tensor are not seen.
  Tensor source = Tensor::from_values({1, 2}, {2}, f64());
  const TensorDataset copied(source);
  source.fill_(9.0);
  BOOST_TEST(copied.get(1).data.item() == 2.0);
  BOOST_TEST(copied.get(1).data.backend() == backend);
  BOOST_TEST(copied.example_shape() == Shape{});
  BOOST_TEST(!copied.has_targets());

  BOOST_CHECK_THROW(upload({.shape = {2}, .dtype = DType::f64, .values = {1, 2, 3}}, backend),
                    ShapeError);
  // From host vectors (a file reader's images and labels), no tensor in between.
  const TensorDataset images =
      TensorDataset::from_host(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                               {3, 1, 2, 2}, std::vector<float>{7, 8, 9}, {3});
  BOOST_TEST(images.size() == 3);
  BOOST_TEST(images.example_shape() == (Shape{1, 2, 2}));
  DataLoader image_batches(images, {.batch_size = 2, .backend = backend});
  const Example first_two = *image_batches.begin();
  BOOST_TEST(first_two.data.shape() == (Shape{2, 1, 2, 2}));
  BOOST_TEST((first_two.data.dtype() == DType::f32));
  BOOST_TEST(first_two.data.to_vector() == (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  BOOST_TEST(first_two.target.to_vector() == (std::vector<double>{7, 8}));
  BOOST_TEST(TensorDataset::from_host(std::vector<double>{1, 2}, {2}).get(1).data.item() == 2.0);
  BOOST_CHECK_THROW(TensorDataset::from_host(std::vector<float>{1, 2, 3}, {2}), ShapeError);
  BOOST_CHECK_THROW(TensorDataset::from_host(std::vector<float>{1}, {}), ShapeError);
  BOOST_CHECK_THROW(
      TensorDataset::from_host(std::vector<double>{1, 2}, {2}, std::vector<double>{1, 2, 3}, {3}),
      ShapeError);

  BOOST_CHECK_THROW(TensorDataset{Tensor()}, ArgumentError);
  BOOST_CHECK_THROW(TensorDataset(tensor({1.0}, f64()).sum().view({})), ShapeError);
  BOOST_CHECK_THROW(TensorDataset(zeros({4, 2}, f64()), zeros({3}, f64())), ShapeError);
  BOOST_CHECK_THROW(ds.gather_host(std::vector<int64_t>{0, 7}), IndexingError);
}

// f32 rows gathered for an f32 batch stay floats (f32_values, no round trip through doubles);
// asked for f64 they widen into values. upload takes either, in the batch's dtype, and refuses
// a host tensor whose count is wrong or that fills both vectors.
MT_BACKEND_TEST(test_dataloader, host_tensors_hold_f32_or_f64_values) {
  const std::vector<float> rows{0.1f, 0.2f, 0.3f, 1.1f, 1.2f, 1.3f, 2.1f, 2.2f, 2.3f};
  const TensorDataset ds = TensorDataset::from_host(std::vector<float>(rows), {3, 3});
  const std::vector<int64_t> pick{2, 0};
  const HostBatch as_f32 = ds.gather_host(pick);
  BOOST_TEST(as_f32.data.values.empty());
  BOOST_TEST(as_f32.data.f32_values == (std::vector<float>{2.1f, 2.2f, 2.3f, 0.1f, 0.2f, 0.3f}),
             boost::test_tools::per_element());
  const Tensor up = upload(as_f32.data, backend);
  BOOST_TEST((up.dtype() == DType::f32 && up.shape() == Shape{2, 3}));
  BOOST_TEST(up.to_vector() == (std::vector<double>{2.1f, 2.2f, 2.3f, 0.1f, 0.2f, 0.3f}),
             boost::test_tools::per_element());
  const HostBatch as_f64 = ds.gather_host(pick, DType::f64);
  BOOST_TEST(as_f64.data.f32_values.empty());
  BOOST_TEST(as_f64.data.values == (std::vector<double>{2.1f, 2.2f, 2.3f, 0.1f, 0.2f, 0.3f}),
             boost::test_tools::per_element());
  // f32_values uploaded into an f64 tensor widen exactly.
  HostTensor widen{.shape = {2}, .dtype = DType::f64, .values = {}, .f32_values = {0.1f, 3.5f}};
  BOOST_TEST(upload(widen, backend).to_vector() == (std::vector<double>{0.1f, 3.5f}),
             boost::test_tools::per_element());
  widen.shape = {3};
  BOOST_CHECK_THROW(upload(widen, backend), ShapeError);
  widen.shape = {2};
  widen.values = {1.0, 2.0};
  BOOST_CHECK_THROW(upload(widen, backend), ArgumentError);
}

MT_BACKEND_TEST(test_dataloader, batches_in_order_on_the_backend) {
  DataLoader loader(numbered(5, f64()), {.batch_size = 2, .backend = backend});
  BOOST_TEST(loader.size() == 3);
  BOOST_TEST(loader.dataset_size() == 5);
  int64_t count = 0;
  for (const Example& batch : loader) {
    BOOST_TEST(batch.data.backend() == backend);
    BOOST_TEST(batch.target.backend() == backend);
    BOOST_TEST((batch.data.dtype() == DType::f64));
    BOOST_TEST(batch.data.dims() == 2);
    ++count;
  }
  BOOST_TEST(count == 3);
  loader.set_epoch(0);
  const auto batches = one_epoch(loader);
  const std::vector<std::vector<int64_t>> want{{0, 1}, {2, 3}, {4}};
  BOOST_TEST(text(batches) == text(want));
  BOOST_TEST(loader.epoch() == 1);

  DataLoader dropped(numbered(5, f64()), {.batch_size = 2, .drop_last = true, .backend = backend});
  BOOST_TEST(dropped.size() == 2);
  const std::vector<std::vector<int64_t>> kept{{0, 1}, {2, 3}};
  BOOST_TEST(text(one_epoch(dropped)) == text(kept));
  DataLoader exact(numbered(4, f64()), {.batch_size = 2, .drop_last = true, .backend = backend});
  BOOST_TEST(exact.size() == 2);
  DataLoader whole(numbered(3, f64()), {.batch_size = 100, .backend = backend});
  BOOST_TEST(whole.size() == 1);
  BOOST_TEST(text(one_epoch(whole)) == text((std::vector<std::vector<int64_t>>{{0, 1, 2}})));
  DataLoader empty(TensorDataset(zeros({0, 2}, f64())), {.batch_size = 3, .backend = backend});
  BOOST_TEST(empty.size() == 0);
  BOOST_TEST((empty.begin() == empty.end()));
}

MT_BACKEND_TEST(test_dataloader, shuffle_is_a_seeded_permutation_per_epoch) {
  const int64_t n = 50;
  DataLoader loader(numbered(n, f64()),
                    {.batch_size = 8, .shuffle = true, .seed = 7, .backend = backend});
  DataLoader twin(numbered(n, f64()),
                  {.batch_size = 8, .shuffle = true, .seed = 7, .backend = backend});
  DataLoader other(numbered(n, f64()),
                   {.batch_size = 8, .shuffle = true, .seed = 8, .backend = backend});
  std::vector<int64_t> identity(static_cast<std::size_t>(n));
  std::iota(identity.begin(), identity.end(), 0);
  std::set<std::vector<int64_t>> seen;
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    const std::vector<int64_t> order = loader.order(epoch);
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST(text(sorted) == text(identity));  // every index once
    BOOST_TEST(text(order) != text(identity));
    BOOST_TEST(text(twin.order(epoch)) == text(order));
    BOOST_TEST(text(other.order(epoch)) != text(order));
    seen.insert(order);
    // Iterating gives exactly that order, in batches of 8 (the last of 2).
    const auto batches = one_epoch(loader);
    BOOST_TEST(batches.size() == 7u);
    BOOST_TEST(batches.back().size() == 2u);
    std::vector<int64_t> visited;
    for (const auto& b : batches)
      visited.insert(visited.end(), b.begin(), b.end());
    BOOST_TEST(text(visited) == text(order));
    BOOST_TEST(loader.batch_indices(epoch, 1) ==
                   std::vector<int64_t>(order.begin() + 8, order.begin() + 16),
               boost::test_tools::per_element());
  }
  BOOST_TEST(seen.size() == 4u);  // a different permutation each epoch
  BOOST_TEST(loader.epoch() == 4);
  loader.set_epoch(2);  // resuming repeats epoch 2 exactly
  const auto again = one_epoch(loader);
  std::vector<int64_t> visited;
  for (const auto& b : again)
    visited.insert(visited.end(), b.begin(), b.end());
  BOOST_TEST(text(visited) == text(loader.order(2)));
  DataLoader plain(numbered(n, f64()), {.batch_size = 8, .backend = backend});
  BOOST_TEST(text(plain.order(3)) == text(identity));
}

// Each of the 6 orders of 3 examples comes up about equally often over 18000
// epochs: 3000 ± 50 (one standard deviation) each. The classic biased
// shuffle (swap with any index) gives 2667 or 3333, outside ± 200.
MT_BACKEND_TEST(test_dataloader, shuffle_is_unbiased) {
  DataLoader loader(numbered(3, f64()), {.shuffle = true, .seed = 1, .backend = backend});
  std::map<std::vector<int64_t>, int> counts;
  for (int64_t epoch = 0; epoch < 18000; ++epoch)
    ++counts[loader.order(epoch)];
  BOOST_TEST(counts.size() == 6u);
  for (const auto& [order, count] : counts)
    BOOST_TEST((count > 2800 && count < 3200), "order " << text(order) << " seen " << count);
}

MT_BACKEND_TEST(test_dataloader, dtype_and_backend_of_batches) {
  // An f64 dataset on the backend under test, batches in f32 on the reference backend.
  DataLoader loader(numbered(4, f64()),
                    {.batch_size = 3, .backend = reference(), .dtype = DType::f32});
  std::vector<Example> batches;
  for (const Example& b : loader)
    batches.push_back(b);
  BOOST_TEST(batches.size() == 2u);
  BOOST_TEST((batches[0].data.dtype() == DType::f32));
  BOOST_TEST((batches[0].target.dtype() == DType::f32));
  BOOST_TEST(batches[0].data.backend() == reference());
  BOOST_TEST(batches[0].data.shape() == (Shape{3, 2}));
  BOOST_TEST(batches[1].data.to_vector() == (std::vector<double>{30.0, 31.0}));
  BOOST_TEST(batches[1].target.to_vector() == (std::vector<double>{3.0}));
  // f32 to f64 widens exactly.
  const TensorDataset narrow(Tensor::from_values({0.1, 0.2}, {2}, f32()));
  DataLoader wide(narrow, {.batch_size = 2, .backend = backend, .dtype = DType::f64});
  const Example b = *wide.begin();
  BOOST_TEST(b.data.to_vector() == (std::vector<double>{double(0.1f), double(0.2f)}));
  // Batches are fresh tensors: writing one leaves the dataset alone.
  Example first = *DataLoader(narrow, {.batch_size = 1, .backend = backend}).begin();
  first.data.fill_(5.0);
  BOOST_TEST(narrow.get(0).data.item() == double(0.1f));
}

// A dataset with only get(): the default get_batch stacks the examples.
MT_BACKEND_TEST(test_dataloader, default_get_batch_stacks_examples) {
  DataLoader loader(Blocks(3, f64()), {.batch_size = 2, .backend = backend, .prefetch = true});
  auto it = loader.begin();
  BOOST_TEST(it->data.shape() == (Shape{2, 2, 2}));
  BOOST_TEST(it->data.to_vector() == (std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1}));
  BOOST_TEST(it->target.to_vector() == (std::vector<double>{0, 0, 1, -1}));
  ++it;
  BOOST_TEST(it->data.shape() == (Shape{1, 2, 2}));
  BOOST_TEST(it.batch() == 1);
  ++it;
  BOOST_TEST((it == loader.end()));
  BOOST_CHECK_THROW(*it, ArgumentError);
  BOOST_CHECK_THROW(++it, ArgumentError);

  DataLoader odd(Blocks(3, f64(), 1), {.batch_size = 3, .backend = backend});
  BOOST_CHECK_THROW(odd.begin(), ShapeError);
  BOOST_CHECK_THROW(Blocks(3, f64()).gather_host(std::vector<int64_t>{0}), ArgumentError);
}

MT_BACKEND_TEST(test_dataloader, prefetch_gives_the_same_batches) {
  auto dataset = std::make_shared<Recording>(numbered(23, f64()), -1);
  DataLoader plain(dataset, {.batch_size = 4, .shuffle = true, .seed = 3, .backend = backend});
  DataLoader ahead(
      dataset, {.batch_size = 4, .shuffle = true, .seed = 3, .backend = backend, .prefetch = true});
  for (int epoch = 0; epoch < 3; ++epoch)
    BOOST_TEST(text(one_epoch(ahead)) == text(one_epoch(plain)));
  if (DataLoader::prefetch_supported()) {
    // Batches after the first are gathered on a oneTBB worker.
    const std::set<std::thread::id> threads = dataset->threads();
    BOOST_TEST(threads.size() >= 2u);
    BOOST_TEST(threads.contains(std::this_thread::get_id()));
  }
  // Leaving a loop early (a batch still being prefetched) is fine.
  for (const Example& batch : ahead) {
    BOOST_TEST(batch.data.size(0) == 4);
    break;
  }
  BOOST_TEST(one_epoch(ahead).size() == 6u);

  // An iteration may outlive its loader (it shares the dataset), and ending
  // one with a batch still pending waits for it.
  auto orphan =
      DataLoader(numbered(40, f64()), {.batch_size = 4, .backend = backend, .prefetch = true})
          .begin();
  ++orphan;
  BOOST_TEST(text(ids_of(*orphan)) == "4 5 6 7");
  orphan = DataLoader::Iterator();
  BOOST_TEST((orphan == std::default_sentinel));
}

// A failure while the next batch is gathered in the background surfaces on
// this thread, with its type and message, when that batch is reached.
MT_BACKEND_TEST(test_dataloader, prefetch_rethrows_on_the_consumer) {
  for (const bool prefetch : {true, false}) {
    BOOST_TEST_CONTEXT("prefetch " << prefetch) {
      // Example 9 is in batch 2 (in order, batch_size 4).
      DataLoader loader(std::make_shared<Recording>(numbered(16, f64()), 9),
                        {.batch_size = 4, .backend = backend, .prefetch = prefetch});
      auto it = loader.begin();
      BOOST_TEST(text(ids_of(*it)) == text((std::vector<int64_t>{0, 1, 2, 3})));
      ++it;
      BOOST_TEST(text(ids_of(*it)) == text((std::vector<int64_t>{4, 5, 6, 7})));
      bool thrown = false;
      try {
        ++it;
      } catch (const DataError& e) {
        thrown = std::string(e.what()).find("example 9 is corrupt") != std::string::npos;
      }
      BOOST_TEST(thrown);
      BOOST_TEST((it == loader.end()));  // the failed pass is over
    }
  }
}

MT_BACKEND_TEST(test_dataloader, option_errors) {
  const TensorDataset ds = numbered(5, f64());
  BOOST_CHECK_THROW(DataLoader(ds, {.batch_size = 0}), ArgumentError);
  BOOST_CHECK_THROW(DataLoader(ds, {.batch_size = -2}), ArgumentError);
  BOOST_CHECK_THROW(DataLoader(ds, {.batch_size = 6, .drop_last = true}), ArgumentError);
  BOOST_CHECK_THROW(DataLoader(TensorDataset(zeros({0, 3}, f64())), {.drop_last = true}),
                    ArgumentError);
  BOOST_CHECK_THROW(DataLoader(std::shared_ptr<const Dataset>()), ArgumentError);
  DataLoader loader(ds, {.batch_size = 2, .backend = backend});
  BOOST_CHECK_THROW(loader.set_epoch(-1), ArgumentError);
  BOOST_CHECK_THROW(loader.order(-1), ArgumentError);
  BOOST_CHECK_THROW(loader.batch_indices(0, 3), IndexingError);
  try {
    DataLoader(ds, {.batch_size = 0});
  } catch (const ArgumentError& e) {
    BOOST_TEST(std::string(e.what()).find("batch_size must be >= 1, got 0") != std::string::npos);
  }
  // A loader with the default options uses the default backend.
  BOOST_TEST(DataLoader(ds).options().backend == default_backend());
}

// The pieces together, as a training program uses them: a TensorDataset of
// host tensors, a shuffled DataLoader building batches on the backend, a module
// trained by AdamW from its parameters() with a warm-up + cosine schedule and
// gradient clipping. Fits y = 3x − 1; the loss must fall by orders of magnitude.
MT_BACKEND_TEST(test_dataloader, trains_a_model_end_to_end) {
  struct Line : Module {
    Parameter& w;
    Parameter& b;
    explicit Line(const TensorOptions& o)
        : w(add_parameter("w", zeros({1, 1}, o))), b(add_parameter("b", zeros({1}, o))) {}
    Tensor operator()(const Tensor& x) const { return x.matmul(w.value()) + b.value(); }
  };
  std::vector<double> xs, ys;
  for (int i = 0; i < 64; ++i) {
    xs.push_back(-1.0 + 2.0 * i / 63.0);
    ys.push_back(3.0 * xs.back() - 1.0);
  }
  const TensorOptions host{.dtype = DType::f64, .backend = reference()};
  DataLoader loader(
      TensorDataset(Tensor::from_values(xs, {64, 1}, host), Tensor::from_values(ys, {64, 1}, host)),
      {.batch_size = 16, .shuffle = true, .seed = 5, .backend = backend, .prefetch = true});
  auto model = std::make_shared<Line>(f64());
  AdamW optimizer(model->parameters(), 0.1, {.weight_decay = 0.0});
  auto warm = std::make_shared<LinearLR>(optimizer, 0.2, 1.0, 8);
  auto cosine = std::make_shared<CosineAnnealingLR>(optimizer, 4 * 60 - 8, 1e-3);
  SequentialLR schedule(optimizer, {warm, cosine}, {8});
  double first = 0.0, last = 0.0;
  for (int epoch = 0; epoch < 60; ++epoch) {
    double sum = 0.0;
    for (const Example& batch : loader) {
      optimizer.zero_grad();
      const Tensor err = (*model)(batch.data) - batch.target;
      const Tensor loss = (err * err).mean();
      loss.backward();
      clip_grad_norm_(model->parameters(), 5.0);
      optimizer.step();
      schedule.step();  // per batch
      sum += loss.item();
    }
    (epoch == 0 ? first : last) = sum / static_cast<double>(loader.size());
  }
  BOOST_TEST(schedule.last_epoch() == 240);
  BOOST_TEST(first > 1.0);
  BOOST_TEST(last < 1e-4);
  BOOST_TEST(model->w.value().item() == 3.0, boost::test_tools::tolerance(1e-2));
  BOOST_TEST(model->b.value().item() == -1.0, boost::test_tools::tolerance(1e-2));
}

// For any size, batch size, drop_last, shuffle, seed and epoch: the batches
// hold whole rows (data and target agreeing), all of batch_size but the last,
// and together visit order(epoch), which is every index once (or, with
// drop_last, all but the n mod batch_size left over).
MT_BACKEND_PROP(test_dataloader, batches_cover_the_epoch, 40) {
  const auto n = *rc::gen::inRange<int64_t>(1, 40);
  const auto batch_size = *rc::gen::inRange<int64_t>(1, 12);
  const bool drop_last = *rc::gen::arbitrary<bool>() && batch_size <= n;
  const bool shuffle = *rc::gen::arbitrary<bool>();
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const auto epoch = *rc::gen::inRange<int64_t>(0, 1000);
  const bool prefetch = *rc::gen::arbitrary<bool>();
  DataLoader loader(numbered(n, f64()), {.batch_size = batch_size,
                                         .shuffle = shuffle,
                                         .seed = seed,
                                         .drop_last = drop_last,
                                         .backend = backend,
                                         .prefetch = prefetch});
  const int64_t full = n / batch_size;
  const int64_t expected_batches = drop_last || n % batch_size == 0 ? full : full + 1;
  RC_ASSERT(loader.size() == expected_batches);
  const std::vector<int64_t> order = loader.order(epoch);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < n; ++i)
    RC_ASSERT(sorted[static_cast<std::size_t>(i)] == i);
  loader.set_epoch(epoch);
  std::vector<int64_t> visited;
  int64_t batches = 0;
  for (const Example& batch : loader) {
    const int64_t rows = batch.data.size(0);
    RC_ASSERT(batch.data.shape() == (Shape{rows, 2}));
    RC_ASSERT(rows == (batches + 1 < expected_batches ? batch_size : rows));
    RC_ASSERT(rows >= 1);
    RC_ASSERT(rows <= batch_size);
    if (drop_last)
      RC_ASSERT(rows == batch_size);
    const std::vector<double> data = batch.data.to_vector();
    const std::vector<double> targets = batch.target.to_vector();
    for (std::size_t k = 0; k < targets.size(); ++k) {
      RC_ASSERT(data[2 * k] == 10.0 * targets[k]);
      visited.push_back(static_cast<int64_t>(targets[k]));
    }
    ++batches;
  }
  RC_ASSERT(batches == expected_batches);
  RC_ASSERT(visited.size() == static_cast<std::size_t>(drop_last ? full * batch_size : n));
  RC_ASSERT(std::equal(visited.begin(), visited.end(), order.begin()));
}
