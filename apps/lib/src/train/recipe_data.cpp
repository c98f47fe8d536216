// recipe_data.cpp — the Dataset views of recipe_data.hpp: host gathering of
// images and one-hot labels (no tensor made, so a DataLoader may run it on a
// worker thread), IMDB batches through SentimentData, 2-D points as a
// TensorDataset.
#include "train/recipe_data.hpp"

#include <minitorch/errors.hpp>

#include <algorithm>

namespace mt::detail {

namespace {

// Drops the batch dim of a one-example batch.
Example single(Example batch) {
  const auto drop = [](const Tensor& t) {
    if (!t.defined())
      return t;
    Shape shape = t.shape();
    shape.erase(shape.begin());
    return t.reshape(shape);
  };
  return {drop(batch.data), drop(batch.target)};
}

}  // namespace

Example ImageSetDataset::get(int64_t index) const {
  const int64_t one[] = {index};
  return single(get_batch(one, nullptr));
}

HostBatch ImageSetDataset::gather_host(std::span<const int64_t> indices,
                                       std::optional<DType> dtype) const {
  const ImageSet& s = *set_;
  const auto per_image = static_cast<std::size_t>(s.rows * s.cols);
  if (s.pixels.size() != static_cast<std::size_t>(s.count) * per_image ||
      s.labels.size() != static_cast<std::size_t>(s.count))
    throw ArgumentError("ImageSetDataset: the set has " + std::to_string(s.pixels.size()) +
                        " pixels and " + std::to_string(s.labels.size()) + " labels for " +
                        std::to_string(s.count) + " images of " + std::to_string(s.rows) + "x" +
                        std::to_string(s.cols));
  const auto b = static_cast<int64_t>(indices.size());
  const auto classes = static_cast<std::size_t>(s.num_classes);
  HostBatch out;
  out.data.shape = {b, 1, s.rows, s.cols};
  out.data.dtype = dtype.value_or(DType::f32);
  HostTensor target;
  target.shape = {b, s.num_classes};
  target.dtype = out.data.dtype;
  // The pixels are floats: an f32 batch keeps them so (f32_values), an f64
  // one widens them once.
  const auto fill = [&]<class T>(std::vector<T>& pixels, std::vector<T>& one_hot) {
    pixels.resize(indices.size() * per_image);
    one_hot.assign(indices.size() * classes, T{0});
    for (std::size_t i = 0; i < indices.size(); ++i) {
      const int64_t row = indices[i];
      if (row < 0 || row >= s.count)
        throw IndexingError("image index " + std::to_string(row) + " is outside 0.." +
                            std::to_string(s.count - 1));
      const int32_t label = s.labels[static_cast<std::size_t>(row)];
      if (label < 0 || label >= s.num_classes)
        throw ArgumentError("ImageSetDataset: label " + std::to_string(label) + " of image " +
                            std::to_string(row) + " is outside 0.." +
                            std::to_string(s.num_classes - 1));
      const float* source = s.pixels.data() + static_cast<std::size_t>(row) * per_image;
      std::copy(source, source + per_image, pixels.begin() + i * per_image);
      one_hot[i * classes + static_cast<std::size_t>(label)] = T{1};
    }
  };
  if (out.data.dtype == DType::f32)
    fill(out.data.f32_values, target.f32_values);
  else
    fill(out.data.values, target.values);
  out.target = std::move(target);
  return out;
}

Example TextSetDataset::get(int64_t index) const {
  const int64_t one[] = {index};
  return single(get_batch(one, nullptr));
}

Example TextSetDataset::get_batch(std::span<const int64_t> indices, const BackendPtr& backend,
                                  std::optional<DType> dtype) const {
  const TensorOptions options{.dtype = dtype.value_or(DType::f32),
                              .backend = backend ? backend : default_backend()};
  return {data_->embed(*set_, indices, options), data_->labels(*set_, indices, options)};
}

std::shared_ptr<const Dataset> points_dataset(const Graph& data) {
  std::vector<double> points, labels;
  points.reserve(data.X.size() * 2);
  for (const auto& x : data.X) {
    points.push_back(x[0]);
    points.push_back(x[1]);
  }
  labels.assign(data.y.begin(), data.y.end());
  const auto n = static_cast<int64_t>(data.X.size());
  return std::make_shared<TensorDataset>(
      TensorDataset::from_host(std::move(points), {n, 2}, std::move(labels), {n, 1}));
}

}  // namespace mt::detail
