// sentiment.cpp — the IMDB + GloVe sentiment data of libminitorch_apps
// (datasets/imdb.hpp) for Python: load once, then embedded batches as tensors.
// Not a text pipeline: tokenizing, pruning and caching are the C++ loader's.
#include "bindings.hpp"

#include <minitorch/datasets/fetch.hpp>
#include <minitorch/datasets/imdb.hpp>

#include <filesystem>

#include <pybind11/stl.h>

namespace mt::python {

namespace {

const TextSet& split_of(const SentimentData& data, const std::string& split) {
  if (split == "train") {
    return data.train;
  }
  if (split == "valid") {
    return data.valid;
  }
  throw ArgumentError("sentiment data has the splits 'train' and 'valid'; got '" + split + "'");
}

TensorOptions f64_on(const py::object& backend) {
  return TensorOptions{.dtype = DType::f64, .backend = resolve_backend(backend)};
}

}  // namespace

void bind_sentiment(py::module_& m) {
  py::module_ data = m.attr("datasets").cast<py::module_>();
  py::class_<SentimentData>(data, "SentimentData", R"doc(
IMDB reviews as fixed-length token rows over pruned GloVe vectors (the C++
loader's). embed(split, rows) gives a (B, dim, max_length) batch, labels(split,
rows) its 0/1 labels; padding is a zero vector, unknown words share one vector.)doc")
      .def_property_readonly("train_count", [](const SentimentData& d) { return d.train.count; })
      .def_property_readonly("valid_count", [](const SentimentData& d) { return d.valid.count; })
      .def_property_readonly("max_length",
                             [](const SentimentData& d) { return d.train.max_length; })
      .def_property_readonly("dim", &SentimentData::dim)
      .def_readonly("unknown_words", &SentimentData::unknown_words)
      .def_readonly("corpus_words", &SentimentData::corpus_words)
      .def(
          "embed",
          [](const SentimentData& d, const std::string& split, const std::vector<int64_t>& rows,
             const py::object& backend) {
            return d.embed(split_of(d, split), rows, f64_on(backend));
          },
          py::arg("split"), py::arg("rows"), py::arg("backend") = py::none())
      .def(
          "labels",
          [](const SentimentData& d, const std::string& split, const std::vector<int64_t>& rows,
             const py::object& backend) {
            return d.labels(split_of(d, split), rows, f64_on(backend));
          },
          py::arg("split"), py::arg("rows"), py::arg("backend") = py::none());

  data.def(
      "load_sentiment",
      [](const std::string& data_dir, int64_t max_length, int64_t train_size, int64_t valid_size,
         std::uint64_t seed) {
        const std::filesystem::path root =
            data_dir.empty() ? data_root() : std::filesystem::path(data_dir);
        SentimentConfig config;
        config.reviews = imdb_reviews_file(root);
        config.embeddings = glove_source_file(root);
        for (const auto& file : {config.reviews, config.embeddings}) {
          if (!std::filesystem::exists(file)) {
            throw DataError("the IMDB sentiment data is not in " + root.string() + ": " +
                            file.string() + " is missing; run scripts/fetch-data.sh imdb");
          }
        }
        config.cache = glove_cache_file(root);
        config.max_length = max_length;
        config.train_size = train_size;
        config.valid_size = valid_size;
        config.split_seed = seed;
        py::gil_scoped_release unlocked;  // the first load prunes ~300 MB of vectors
        return load_sentiment_data(config);
      },
      py::arg("data_dir") = "", py::arg("max_length") = 200, py::arg("train_size") = 450,
      py::arg("valid_size") = 100, py::arg("seed") = 0,
      "Loads the IMDB reviews and GloVe vectors from the data cache (scripts/fetch-data.sh imdb).");
}

}  // namespace mt::python
