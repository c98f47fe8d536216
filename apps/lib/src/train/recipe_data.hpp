// recipe_data.hpp (private to libminitorch_apps) — the recipes' data as
// core's Dataset (minitorch/data/dataset.hpp), so the training loop batches
// every recipe through one DataLoader: MNIST-style images and 2-D points are
// gathered on the host (the loader can prefetch them); IMDB reviews are
// embedded by SentimentData::embed. Views: the sets must outlive the datasets.
#pragma once

#include <minitorch/data/dataset.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/teaching/datasets.hpp>

#include <memory>

namespace mt::detail {

// Example i: the (1, rows, cols) image and its (classes) one-hot label.
class ImageSetDataset : public Dataset {
 public:
  explicit ImageSetDataset(const ImageSet& set) : set_(&set) {}
  int64_t size() const override { return set_->count; }
  Example get(int64_t index) const override;
  bool gathers_on_host() const override { return true; }
  HostBatch gather_host(std::span<const int64_t> indices,
                        std::optional<DType> dtype = std::nullopt) const override;

 private:
  const ImageSet* set_;
};

// Example i: review i of `set` embedded as (dim, max_length), and its 0/1 label.
class TextSetDataset : public Dataset {
 public:
  TextSetDataset(const SentimentData& data, const TextSet& set) : data_(&data), set_(&set) {}
  int64_t size() const override { return set_->count; }
  Example get(int64_t index) const override;
  Example get_batch(std::span<const int64_t> indices, const BackendPtr& backend,
                    std::optional<DType> dtype = std::nullopt) const override;

 private:
  const SentimentData* data_;
  const TextSet* set_;
};

// The points (N, 2) and their 0/1 labels (N, 1), copied to the host once.
std::shared_ptr<const Dataset> points_dataset(const Graph& data);

}  // namespace mt::detail
