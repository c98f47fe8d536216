// imdb.cpp — reviews.json parsing, token encoding against the embedding table,
// the fixed train/validation split and batch gathering. The embeddings are
// frozen: batches are gathered on the host and copied to the backend.
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/errors.hpp>

#include <minitorch/tensor/storage.hpp>
#include <minitorch/tensor/tensor_data.hpp>

#include "binary.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <unordered_set>

namespace mt {

namespace fs = std::filesystem;

std::vector<Review> parse_imdb_reviews(std::istream& in, const std::string& name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(name + ": invalid JSON: " + e.what());
  } catch (const std::bad_alloc&) {
    throw AllocationError("cannot allocate host memory for the parsed JSON of " + name);
  }
  if (!doc.is_array())
    throw DataError(name + ": expected a JSON array of {\"t\": text, \"s\": 0|1}, got " +
                    std::string(doc.type_name()));
  std::vector<Review> reviews;
  reviews.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& entry = doc[i];
    const auto where = name + ": review " + std::to_string(i);
    if (!entry.is_object() || !entry.contains("t") || !entry["t"].is_string() ||
        !entry.contains("s") || !entry["s"].is_number_integer())
      throw DataError(where + " is not an object with a string \"t\" and an integer \"s\"");
    // Compared as written: a huge unsigned value must not wrap to 0 or 1.
    const auto& s = entry["s"];
    const bool zero = s.is_number_unsigned() ? s.get<uint64_t>() == 0 : s.get<int64_t>() == 0;
    const bool one = s.is_number_unsigned() ? s.get<uint64_t>() == 1 : s.get<int64_t>() == 1;
    if (!zero && !one)
      throw DataError(where + " has sentiment " + s.dump() + "; allowed: 0 or 1");
    reviews.push_back({entry["t"].get<std::string>(), one ? 1 : 0});
  }
  if (reviews.empty())
    throw DataError(name + ": the review array is empty");
  return reviews;
}

std::vector<Review> read_imdb_reviews(const fs::path& path) {
  detail::require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  return parse_imdb_reviews(in, path.string());
}

std::vector<int32_t> encode_tokens(const std::vector<std::string>& tokens,
                                   const EmbeddingTable& table, int64_t max_length) {
  std::vector<int32_t> row(static_cast<std::size_t>(max_length), pad_token);
  const auto n = std::min<std::size_t>(tokens.size(), row.size());
  for (std::size_t i = 0; i < n; ++i) {
    const int32_t r = table.lookup(tokens[i]);
    row[i] = r < 0 ? unknown_token : 2 + r;
  }
  return row;
}

std::string embedding_cache_key(const fs::path& reviews, const fs::path& embeddings) {
  std::error_code ec;
  const auto size_of = [&](const fs::path& p) {
    const auto s = fs::file_size(p, ec);
    return ec ? std::string("?") : std::to_string(s);
  };
  return "tokenizer " + std::to_string(tokenizer_version) + "; " + reviews.filename().string() +
         " " + size_of(reviews) + " bytes; " + embeddings.filename().string() + " " +
         size_of(embeddings) + " bytes";
}

namespace {

void check_config(const SentimentConfig& config, std::size_t corpus) {
  if (config.max_length < 1 || config.max_length > 100000)
    throw ArgumentError("sentiment data: max_length must be in 1..100000, got " +
                        std::to_string(config.max_length));
  if (config.valid_size < 1 || config.train_size < 0)
    throw ArgumentError("sentiment data: valid_size must be >= 1 and train_size >= 0 (got " +
                        std::to_string(config.valid_size) + ", " +
                        std::to_string(config.train_size) + ")");
  const auto n = static_cast<int64_t>(corpus);
  if (config.valid_size >= n || config.valid_size + config.train_size > n)
    throw ArgumentError("sentiment data: " + std::to_string(config.valid_size) + " validation + " +
                        std::to_string(config.train_size) +
                        " training reviews do not fit a corpus of " + std::to_string(n) +
                        "; use smaller sizes (train_size 0 = all the rest)");
}

}  // namespace

SentimentData make_sentiment_data(const std::vector<Review>& reviews, EmbeddingTable table,
                                  const SentimentConfig& config) {
  check_config(config, reviews.size());
  SentimentData data;
  data.table = std::move(table);
  // MiniTorch gives every unknown word one shared vector 0.1 * (rand - 0.5);
  // a private generator keeps it independent of the training seed.
  std::mt19937_64 unknown_rng(0x5eed);
  data.unknown_vector.resize(static_cast<std::size_t>(data.table.dim));
  for (float& v : data.unknown_vector)
    v = static_cast<float>(0.1 * ((unknown_rng() >> 11) * 0x1.0p-53 - 0.5));

  std::vector<int64_t> order(reviews.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 split_rng(config.split_seed);
  std::shuffle(order.begin(), order.end(), split_rng);
  const int64_t n = static_cast<int64_t>(reviews.size());
  const int64_t train_size = config.train_size == 0 ? n - config.valid_size : config.train_size;

  std::unordered_set<std::string> distinct, unknown;
  auto fill = [&](TextSet& set, int64_t begin, int64_t count) {
    set.count = count;
    set.max_length = config.max_length;
    host_reserve(set.tokens, shape_size({count, config.max_length}), [&] {
      return "the token rows of " + std::to_string(count) + " reviews of " +
             std::to_string(config.max_length) + " tokens";
    });
    for (int64_t k = begin; k < begin + count; ++k) {
      const Review& review = reviews[order[k]];
      const std::vector<std::string> tokens = tokenize(review.text);
      const std::vector<int32_t> row = encode_tokens(tokens, data.table, config.max_length);
      for (std::size_t i = 0; i < row.size() && i < tokens.size(); ++i) {
        distinct.insert(tokens[i]);
        if (row[i] == unknown_token) {
          unknown.insert(tokens[i]);
          ++data.unknown_occurrences;
        }
        ++data.total_occurrences;
      }
      set.tokens.insert(set.tokens.end(), row.begin(), row.end());
      set.labels.push_back(review.label);
    }
  };
  fill(data.valid, 0, config.valid_size);
  fill(data.train, config.valid_size, train_size);
  data.corpus_words = static_cast<int64_t>(distinct.size());
  data.unknown_words = static_cast<int64_t>(unknown.size());
  return data;
}

SentimentData load_sentiment_data(const SentimentConfig& config,
                                  const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& m) {
    if (log)
      log(m);
  };
  std::vector<Review> reviews = read_imdb_reviews(config.reviews);
  check_config(config, reviews.size());
  // The cache holds every corpus word with a vector (whole reviews, not just
  // the first max_length tokens), so changing the length or the split does
  // not need a rebuild.
  std::unordered_set<std::string> vocabulary;
  for (const Review& r : reviews)
    for (std::string& t : tokenize(r.text))
      vocabulary.insert(std::move(t));
  EmbeddingTable table =
      load_or_build_embeddings(config.cache, config.embeddings, vocabulary,
                               embedding_cache_key(config.reviews, config.embeddings), log);
  SentimentData data = make_sentiment_data(reviews, std::move(table), config);
  say("missing pre-trained embedding for " + std::to_string(data.unknown_words) + " of " +
      std::to_string(data.corpus_words) + " distinct words in the kept tokens (" +
      std::to_string(data.unknown_occurrences) + " of " + std::to_string(data.total_occurrences) +
      " tokens)");
  return data;
}

namespace {

// Writes sample rows[b]'s (d, length) channels-first block for every b into
// `out` (indices.size() * d * length values of T). Each review's token
// vectors are looked up once, then copied channel by channel, so the writes
// run along time and the ~length vectors read stay in cache. Pad tokens
// read `zeros` (d values).
template <class T>
void embed_into(T* out, const SentimentData& data, const TextSet& set,
                std::span<const int64_t> indices, const float* zeros) {
  const int64_t length = set.max_length;
  const int64_t d = data.table.dim;
  std::vector<const float*> vectors(static_cast<std::size_t>(length));
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const int64_t row = indices[b];
    if (row < 0 || row >= set.count)
      throw IndexingError("review index " + std::to_string(row) + " is outside 0.." +
                          std::to_string(set.count - 1));
    for (int64_t t = 0; t < length; ++t) {
      const int32_t id = set.tokens[static_cast<std::size_t>(row * length + t)];
      const float* v = zeros;
      if (id != pad_token) {
        if (id < 0 || id - 2 >= data.table.size())
          throw ArgumentError("SentimentData::embed: token id " + std::to_string(id) + " in row " +
                              std::to_string(row) + " is outside 0.." +
                              std::to_string(data.table.size() + 1));
        v = id == unknown_token ? data.unknown_vector.data()
                                : data.table.vectors.data() + (id - 2) * d;
      }
      vectors[static_cast<std::size_t>(t)] = v;
    }
    // Channels-first (dim, length): conv1d reads channel c at time t.
    T* sample = out + b * static_cast<std::size_t>(d * length);
    for (int64_t c = 0; c < d; ++c) {
      T* channel = sample + c * length;
      for (int64_t t = 0; t < length; ++t)
        channel[t] = static_cast<T>(vectors[static_cast<std::size_t>(t)][c]);
    }
  }
}

}  // namespace

Tensor SentimentData::embed(const TextSet& set, std::span<const int64_t> indices,
                            const TensorOptions& options) const {
  const int64_t length = set.max_length;
  const int64_t d = table.dim;
  int64_t cells = 0;
  if (set.count < 0 || length < 0 || !checked_mul(set.count, length, cells) ||
      static_cast<uint64_t>(cells) != set.tokens.size() ||
      table.vectors.size() != static_cast<uint64_t>(table.size()) * static_cast<uint64_t>(d) ||
      unknown_vector.size() != static_cast<uint64_t>(d))
    throw ArgumentError("SentimentData::embed: the text set (" + std::to_string(set.count) +
                        " rows of " + std::to_string(length) + " tokens, " +
                        std::to_string(set.tokens.size()) +
                        " stored) or the table does not add up");
  const Shape shape{static_cast<int64_t>(indices.size()), d, length};
  const std::vector<float> zeros(static_cast<std::size_t>(d), 0.0f);
  const BackendPtr backend = options.backend ? options.backend : default_backend();
  if (backend->host_accessible()) {
    // Gather straight into the new tensor's buffer: no host batch, no copy,
    // and the buffer comes from the backend's allocator (reused every batch).
    TensorOptions plain = options;
    plain.backend = backend;
    plain.requires_grad = false;
    Tensor out = Tensor::empty(shape, plain);
    if (out.numel() > 0) {
      void* data = out.storage()->data();
      if (out.dtype() == DType::f32)
        embed_into(static_cast<float*>(data) + out.offset(), *this, set, indices, zeros.data());
      else
        embed_into(static_cast<double*>(data) + out.offset(), *this, set, indices, zeros.data());
    } else {
      embed_into(static_cast<float*>(nullptr), *this, set, indices, zeros.data());
    }
    out.requires_grad_(options.requires_grad);
    return out;
  }
  // A device backend: gather into a per-thread staging buffer that keeps its
  // capacity across batches (no fresh pages per batch), then one upload.
  thread_local std::vector<float> staging;
  const auto n = static_cast<std::size_t>(shape_size(shape));
  if (staging.size() < n)
    staging = host_vector<float>(
        shape_size(shape), [&] { return "a batch of embedded reviews " + shape_to_string(shape); });
  embed_into(staging.data(), *this, set, indices, zeros.data());
  return Tensor::from_host(std::span<const float>(staging.data(), n), shape, options);
}

Tensor SentimentData::labels(const TextSet& set, std::span<const int64_t> indices,
                             const TensorOptions& options) const {
  if (set.count < 0 || set.labels.size() != static_cast<uint64_t>(set.count))
    throw ArgumentError("SentimentData::labels: the text set has " + std::to_string(set.count) +
                        " rows but " + std::to_string(set.labels.size()) + " labels");
  std::vector<float> out;
  out.reserve(indices.size());
  for (int64_t row : indices) {
    if (row < 0 || row >= set.count)
      throw IndexingError("review index " + std::to_string(row) + " is outside 0.." +
                          std::to_string(set.count - 1));
    out.push_back(static_cast<float>(set.labels[static_cast<std::size_t>(row)]));
  }
  return Tensor::from_host(std::span<const float>(out), {static_cast<int64_t>(indices.size())},
                           options);
}

}  // namespace mt
