// minitorch/data/dataloader.hpp — DataLoader: a Dataset's batches stacked along dim 0 on a chosen
// backend, in order or shuffled per epoch from a seed, with optional oneTBB prefetch of the next
// batch. Not a sampler library and not multi-process: one loader, one consuming thread (a shard
// picks this rank's slice of each batch for data-parallel training; the ranks are other processes).
#pragma once

#include <minitorch/data/dataset.hpp>

#include <concepts>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

namespace mt {

// One rank's part of every batch (data-parallel training, DistributedDataParallel): with
// world_size R > 1, batch k of epoch e is the same n global indices the unsharded loader takes
// (DataLoaderOptions::batch_size is the GLOBAL batch), and rank r gets the contiguous slice
// [r*n/R, (r+1)*n/R) of them (sizes differ by at most one; a tiny last batch may give a rank none:
// its Example has a batch dim of 0). Every rank sees the same number of batches per epoch.
struct ShardOptions {
  int rank = 0;        // in [0, world_size)
  int world_size = 1;  // >= 1
};

struct DataLoaderOptions {
  int64_t batch_size = 1;  // >= 1
  bool shuffle = false;    // a seeded permutation per epoch
  uint64_t seed = 0;       // with shuffle: the order depends on (seed, epoch) only
  bool drop_last = false;  // drop a last batch smaller than batch_size
  // Where batches are built (null: default_backend(), resolved when the
  // loader is made) and their dtype (nullopt: the dataset's).
  BackendPtr backend = nullptr;
  std::optional<DType> dtype = std::nullopt;
  // Gather batch k+1 on the host on a oneTBB worker thread while batch k is
  // used. Needs a dataset with gathers_on_host() (TensorDataset does) and a
  // build with oneTBB (prefetch_supported()); otherwise batches are made
  // inline, on the consuming thread, with the same results. The upload to
  // the backend always happens on the consuming thread.
  bool prefetch = false;
  // This process's share of each batch; the default (one rank) is the whole batch.
  ShardOptions shard = {};
};

class DataLoader {
 public:
  // The dataset is shared (kept alive by the loader and any iteration).
  // ArgumentError for a null dataset, batch_size < 1, drop_last with fewer
  // examples than batch_size (no batch at all), or a shard with world_size < 1 or a
  // rank outside [0, world_size); a negative dataset size is a ShapeError.
  explicit DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  // Takes a dataset by value: DataLoader(TensorDataset(images, labels), {...}).
  template <std::derived_from<Dataset> D>
  explicit DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::shared_ptr<const Dataset>(std::make_shared<const D>(std::move(dataset))),
                   std::move(options)) {}

  // Batches per epoch: ⌈n / batch_size⌉, or ⌊n / batch_size⌋ with drop_last.
  int64_t size() const;
  // Examples in the dataset.
  int64_t dataset_size() const { return dataset_size_; }
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }
  // True when this build can prefetch in the background (built with oneTBB).
  static bool prefetch_supported();

  // The epoch the next begin() iterates; each begin() takes it and advances
  // it by one. set_epoch(e) (e >= 0, ArgumentError otherwise) picks the next
  // one, e.g. when resuming at epoch e.
  int64_t epoch() const { return epoch_; }
  void set_epoch(int64_t epoch);
  // The order in which `epoch` visits the examples: every index once; the
  // identity without shuffle.
  std::vector<int64_t> order(int64_t epoch) const;
  // The indices of batch `batch` (in [0, size())) of `epoch`: this rank's slice of the
  // global batch when sharded.
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t batch) const;
  // All ranks' indices of that batch (the unsharded loader's batch).
  std::vector<int64_t> global_batch_indices(int64_t epoch, int64_t batch) const;
  // Examples in that batch on this rank / on all ranks together (same for every epoch).
  int64_t local_batch_size(int64_t epoch, int64_t batch) const;
  int64_t global_batch_size(int64_t epoch, int64_t batch) const;

  // Iterates one epoch: for (const Example& batch : loader) { ... }. An
  // exception thrown while a batch is made (in the background too) is thrown
  // from begin() or ++ on the consuming thread, with its own type.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = const Example*;
    using reference = const Example&;

    Iterator();
    Iterator(Iterator&&) noexcept;
    Iterator& operator=(Iterator&&) noexcept;
    ~Iterator();

    const Example& operator*() const;
    const Example* operator->() const { return &**this; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const;
    // Which batch of the epoch this is, and the epoch.
    int64_t batch() const;
    int64_t epoch() const;

   private:
    friend class DataLoader;
    struct Pass;
    explicit Iterator(std::unique_ptr<Pass> pass);
    std::unique_ptr<Pass> pass_;
  };

  Iterator begin();
  std::default_sentinel_t end() const { return {}; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t dataset_size_ = 0;
  int64_t epoch_ = 0;
};

}  // namespace mt
