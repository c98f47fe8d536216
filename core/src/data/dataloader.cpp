// dataloader.cpp — DataLoader: the per-epoch order (a seeded Fisher–Yates shuffle, the same with
// every standard library), batching, and the next batch's host gather on a oneTBB worker
// (MT_HAVE_TBB; inline otherwise), and a shard's slice of each global batch. Uploads stay on the
// consuming thread. Not a process pool.
#include <minitorch/data/dataloader.hpp>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <utility>

#if MT_HAVE_TBB
#include <oneapi/tbb/task_arena.h>
#endif

namespace mt {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, bound) from whole 64-bit draws (rejecting the biased top),
// so the result depends on the mt19937_64 sequence alone, which the standard
// fixes bit for bit (std::uniform_int_distribution is not specified so).
uint64_t draw_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  uint64_t r = rng();
  while (r >= limit)
    r = rng();
  return r % bound;
}

#if MT_HAVE_TBB
// One slot and none reserved for external threads: the work runs on a TBB
// worker (oneTBB starts one for enqueued work even when it has no workers).
// Never destroyed, like the parallel plugin's arena, so exit order cannot bite.
oneapi::tbb::task_arena& prefetch_arena() {
  static oneapi::tbb::task_arena* const arena = [] {
    auto* a = new oneapi::tbb::task_arena(1, 0);
    a->initialize();
    return a;
  }();
  return *arena;
}
#endif

// The part [r*n/R, (r+1)*n/R) of a batch of n that rank r of R takes (sizes differ by at most
// one; the products fit: n <= batch_size and R is an int).
std::pair<int64_t, int64_t> shard_range(int64_t n, const ShardOptions& shard) {
  const int64_t r = shard.rank;
  const int64_t world = shard.world_size;
  return {r * n / world, (r + 1) * n / world};
}

// The host gather of one batch, made on a worker and taken by the consumer.
// Everything in it changes hands under the mutex: the worker keeps no copy of
// the result or the exception once `done` is set, and the consumer moves both
// out, so an exception thrown on the worker is released on the consumer
// (exception_ptr's count lives in libstdc++, which ThreadSanitizer cannot
// see, so a last release on the worker after the consumer used the exception
// is reported as a race on its vptr).
struct PrefetchJob {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  bool cancelled = false;  // the iteration ended first: skip the work
  HostBatch result;
  std::exception_ptr error;
};

}  // namespace

// ---- DataLoader -------------------------------------------------------------------

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  if (!dataset_)
    throw ArgumentError("DataLoader: the dataset is null");
  if (options_.batch_size < 1) {
    throw ArgumentError("DataLoader: batch_size must be >= 1, got " +
                        std::to_string(options_.batch_size));
  }
  dataset_size_ = dataset_->size();
  if (dataset_size_ < 0) {
    throw ShapeError("DataLoader: the dataset reports a negative size " +
                     std::to_string(dataset_size_));
  }
  if (options_.drop_last && dataset_size_ < options_.batch_size) {
    throw ArgumentError("DataLoader: drop_last with batch_size " +
                        std::to_string(options_.batch_size) + " leaves no batch of a dataset of " +
                        std::to_string(dataset_size_) +
                        " examples; use a smaller batch_size or drop_last = false");
  }
  if (options_.shard.world_size < 1) {
    throw ArgumentError("DataLoader: shard.world_size must be >= 1, got " +
                        std::to_string(options_.shard.world_size));
  }
  if (options_.shard.rank < 0 || options_.shard.rank >= options_.shard.world_size) {
    throw ArgumentError("DataLoader: shard.rank " + std::to_string(options_.shard.rank) +
                        " is outside [0, " + std::to_string(options_.shard.world_size) +
                        ") for shard.world_size " + std::to_string(options_.shard.world_size));
  }
  if (!options_.backend)
    options_.backend = default_backend();
}

bool DataLoader::prefetch_supported() {
  return MT_HAVE_TBB != 0;
}

int64_t DataLoader::size() const {
  const int64_t b = options_.batch_size;
  return options_.drop_last ? dataset_size_ / b : (dataset_size_ + b - 1) / b;
}

void DataLoader::set_epoch(int64_t epoch) {
  if (epoch < 0)
    throw ArgumentError("DataLoader::set_epoch: the epoch must be >= 0, got " +
                        std::to_string(epoch));
  epoch_ = epoch;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  if (epoch < 0)
    throw ArgumentError("DataLoader::order: the epoch must be >= 0, got " + std::to_string(epoch));
  std::vector<int64_t> order(static_cast<std::size_t>(dataset_size_));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (!options_.shuffle)
    return order;
  std::mt19937_64 rng(splitmix64(options_.seed ^ splitmix64(static_cast<uint64_t>(epoch))));
  for (std::size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[draw_below(rng, i)]);
  return order;
}

std::vector<int64_t> DataLoader::batch_indices(int64_t epoch, int64_t batch) const {
  const std::vector<int64_t> global = global_batch_indices(epoch, batch);
  const auto [begin, end] = shard_range(static_cast<int64_t>(global.size()), options_.shard);
  return {global.begin() + begin, global.begin() + end};
}

int64_t DataLoader::global_batch_size(int64_t epoch, int64_t batch) const {
  if (epoch < 0)
    throw ArgumentError("DataLoader: the epoch must be >= 0, got " + std::to_string(epoch));
  if (batch < 0 || batch >= size()) {
    throw IndexingError("DataLoader: batch " + std::to_string(batch) + " is out of range for " +
                        std::to_string(size()) + " batches per epoch");
  }
  return std::min(options_.batch_size, dataset_size_ - batch * options_.batch_size);
}

int64_t DataLoader::local_batch_size(int64_t epoch, int64_t batch) const {
  const auto [begin, end] = shard_range(global_batch_size(epoch, batch), options_.shard);
  return end - begin;
}

std::vector<int64_t> DataLoader::global_batch_indices(int64_t epoch, int64_t batch) const {
  if (batch < 0 || batch >= size()) {
    throw IndexingError("DataLoader: batch " + std::to_string(batch) + " is out of range for " +
                        std::to_string(size()) + " batches per epoch");
  }
  const std::vector<int64_t> all = order(epoch);
  const int64_t begin = batch * options_.batch_size;
  const int64_t end = std::min(dataset_size_, begin + options_.batch_size);
  return {all.begin() + begin, all.begin() + end};
}

// ---- one pass over an epoch -----------------------------------------------------------

struct DataLoader::Iterator::Pass {
  std::shared_ptr<const Dataset> dataset;
  DataLoaderOptions options;
  int64_t epoch = 0;
  std::vector<int64_t> order;
  int64_t batches = 0;
  int64_t batch = 0;
  Example current;
  std::shared_ptr<PrefetchJob> pending;  // the host gather of batch + 1

  Pass() = default;
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;
  ~Pass() { cancel(); }

  // This rank's indices of batch b (all of them without a shard).
  std::vector<int64_t> indices(int64_t b) const {
    const int64_t first = b * options.batch_size;
    const int64_t n = std::min(static_cast<int64_t>(order.size()) - first, options.batch_size);
    const auto [begin, end] = shard_range(n, options.shard);
    return {order.begin() + static_cast<std::ptrdiff_t>(first + begin),
            order.begin() + static_cast<std::ptrdiff_t>(first + end)};
  }

  bool prefetching() const {
    return DataLoader::prefetch_supported() && options.prefetch && dataset->gathers_on_host();
  }

  Example make_inline(int64_t b) const {
    const std::vector<int64_t> idx = indices(b);
    if (idx.empty())
      return empty_batch();
    return dataset->get_batch(idx, options.backend, options.dtype);
  }

  // A shard's share of a tiny last batch may be nothing: tensors with a batch dim of 0 and
  // the examples' shape and dtype (taken from example 0; the epoch has at least one).
  Example empty_batch() const {
    const Example first = dataset->get(0);
    const auto none = [&](const Tensor& like) {
      if (!like.defined())
        return Tensor();
      Shape shape = like.shape();
      shape.insert(shape.begin(), 0);
      return Tensor::empty(
          shape, {.dtype = options.dtype.value_or(like.dtype()), .backend = options.backend});
    };
    return {none(first.data), none(first.target)};
  }

  // Starts the host gather of batch b on the prefetch worker. The task reads
  // the dataset through a plain pointer: the pass keeps the dataset alive and
  // waits for the task before it ends (cancel), so the dataset, and the
  // tensors it holds, are never released on the worker (freeing a buffer is a
  // plugin slot, which only the consuming thread may call).
  void schedule(int64_t b) {
#if MT_HAVE_TBB
    auto job = std::make_shared<PrefetchJob>();
    prefetch_arena().enqueue(
        [job, source = dataset.get(), idx = indices(b), dtype = options.dtype] {
          bool skip = false;
          {
            std::lock_guard<std::mutex> lock(job->mutex);
            skip = job->cancelled;
          }
          HostBatch result;
          std::exception_ptr error;
          if (!skip) {
            try {
              result = source->gather_host(idx, dtype);
            } catch (...) {
              error = std::current_exception();
            }
          }
          {
            std::lock_guard<std::mutex> lock(job->mutex);
            job->result = std::move(result);
            job->error = std::move(error);  // the worker keeps no reference
            job->done = true;
          }
          job->finished.notify_all();
        });
    pending = std::move(job);
#else
    (void)b;
#endif
  }

  // Waits for the prefetched gather, rethrows its exception, uploads.
  Example take(const std::shared_ptr<PrefetchJob>& job) const {
    HostBatch host;
    std::exception_ptr error;
    {
      std::unique_lock<std::mutex> lock(job->mutex);
      job->finished.wait(lock, [&] { return job->done; });
      error = std::move(job->error);  // released here, not by the worker (see PrefetchJob)
      host = std::move(job->result);
    }
    if (error)
      std::rethrow_exception(error);
    return {upload(host.data, options.backend),
            host.target ? upload(*host.target, options.backend) : Tensor()};
  }

  // Makes batch `b` current (b < batches) and starts prefetching b + 1.
  void load(int64_t b) {
    batch = b;
    std::shared_ptr<PrefetchJob> job = std::move(pending);
    pending.reset();
    try {
      current = job ? take(job) : make_inline(b);
    } catch (...) {
      batch = batches;  // the pass is over
      current = {};
      throw;
    }
    if (prefetching() && b + 1 < batches && !indices(b + 1).empty())
      schedule(b + 1);
  }

  // Ends a pending prefetch: it is skipped if not started, and waited for
  // either way (see schedule).
  void cancel() noexcept {
    if (!pending)
      return;
    std::unique_lock<std::mutex> lock(pending->mutex);
    pending->cancelled = true;
    pending->finished.wait(lock, [&] { return pending->done; });
    lock.unlock();
    pending.reset();
  }
};

// A (move-only) C++20 input iterator with its sentinel, so std::ranges algorithms work too.
static_assert(std::input_iterator<DataLoader::Iterator>);
static_assert(std::sentinel_for<std::default_sentinel_t, DataLoader::Iterator>);

DataLoader::Iterator::Iterator() = default;
DataLoader::Iterator::Iterator(std::unique_ptr<Pass> pass) : pass_(std::move(pass)) {}
DataLoader::Iterator::Iterator(Iterator&&) noexcept = default;
DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&&) noexcept = default;
DataLoader::Iterator::~Iterator() = default;  // ~Pass ends a pending prefetch

const Example& DataLoader::Iterator::operator*() const {
  if (*this == std::default_sentinel)
    throw ArgumentError("DataLoader iterator: there is no batch here (the epoch has ended)");
  return pass_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (*this == std::default_sentinel)
    throw ArgumentError("DataLoader iterator: ++ past the last batch of the epoch");
  if (pass_->batch + 1 < pass_->batches) {
    pass_->load(pass_->batch + 1);
  } else {
    pass_->batch = pass_->batches;
    pass_->current = {};
  }
  return *this;
}

bool DataLoader::Iterator::operator==(std::default_sentinel_t) const {
  return !pass_ || pass_->batch >= pass_->batches;
}

int64_t DataLoader::Iterator::batch() const {
  return pass_ ? pass_->batch : 0;
}
int64_t DataLoader::Iterator::epoch() const {
  return pass_ ? pass_->epoch : 0;
}

DataLoader::Iterator DataLoader::begin() {
  auto pass = std::make_unique<Iterator::Pass>();
  pass->dataset = dataset_;
  pass->options = options_;
  pass->epoch = epoch_;
  pass->order = order(epoch_);
  pass->batches = size();
  ++epoch_;
  if (pass->batches > 0)
    pass->load(0);
  return Iterator(std::move(pass));
}

}  // namespace mt
