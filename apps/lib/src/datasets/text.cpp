// text.cpp — tokenizer, embedding sources (wink JSON via a SAX pass, GloVe
// text) and the pruned binary cache. The 300 MB wink JSON is streamed, never
// held as a DOM; only the wanted words' vectors are kept. Every count and
// number read is checked before it is used.
#include <minitorch/datasets/text.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/tensor/tensor_data.hpp>
#include <minitorch/util/io.hpp>

#include "binary.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>

namespace mt {

namespace fs = std::filesystem;

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    // Apostrophes only count inside a word ("don't"), not as quotes around it.
    std::size_t begin = 0, end = current.size();
    while (begin < end && current[begin] == '\'')
      ++begin;
    while (end > begin && current[end - 1] == '\'')
      --end;
    if (end > begin)
      tokens.emplace_back(current.substr(begin, end - begin));
    current.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      // An HTML tag runs to the next '>'; a lone '<' (no '>' after it) is
      // just a separator.
      const std::size_t close = text.find('>', i + 1);
      if (close != std::string_view::npos) {
        flush();
        i = close;
        continue;
      }
    }
    if (c >= 'A' && c <= 'Z') {
      current += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || c == '\'') {
      current += c;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

std::vector<std::string> lookup_forms(const std::string& token) {
  std::vector<std::string> forms{token};
  if (token.find('\'') != std::string::npos) {
    std::string bare;
    for (char c : token)
      if (c != '\'')
        bare += c;
    if (!bare.empty())
      forms.push_back(bare);
  }
  return forms;
}

void EmbeddingTable::add(std::string word, const float* vector) {
  if (index.count(word) != 0)
    throw ArgumentError("EmbeddingTable::add: the word \"" + word + "\" is already in the table");
  index.emplace(word, static_cast<int32_t>(words.size()));
  words.push_back(std::move(word));
  vectors.insert(vectors.end(), vector, vector + dim);
}

int32_t EmbeddingTable::lookup(const std::string& token) const {
  for (const std::string& form : lookup_forms(token)) {
    auto it = index.find(form);
    if (it != index.end())
      return it->second;
  }
  return -1;
}

namespace {

bool fits_float(double v) {
  return std::isfinite(v) && std::fabs(v) <= static_cast<double>(std::numeric_limits<float>::max());
}

// The shortest text that reads back as `v` ("1e+300", not 1.0000000000000001e+300).
std::string number_text(double v) {
  char text[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, v);
    if (std::strtod(text, nullptr) == v)
      break;
  }
  return text;
}

// Streams a wink-embeddings JSON file: remembers "dimensions" and, inside the
// top-level "vectors" object, keeps the arrays of wanted words.
class WinkSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  using json = nlohmann::json;
  explicit WinkSax(const std::unordered_set<std::string>* wanted) : wanted_(wanted) {}

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(json::number_integer_t v) override { return number(double(v)); }
  bool number_unsigned(json::number_unsigned_t v) override { return number(double(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) override { return number(v); }
  bool string(json::string_t&) override { return scalar(); }
  bool binary(json::binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool key(json::string_t& k) override {
    if (depth_ == 1) {
      top_key_ = k;
    } else if (depth_ == 2 && top_key_ == "vectors") {
      word_ = k;
      keep_ = wanted_ == nullptr || wanted_->count(k) != 0;
      ++seen_words_;
    }
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (depth_ == 3 && top_key_ == "vectors") {
      in_vector_ = true;
      values_.clear();
    }
    return true;
  }
  bool end_array() override {
    if (depth_ == 3 && in_vector_) {
      in_vector_ = false;
      if (keep_)
        kept_.emplace_back(word_, values_);
    }
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error_ = "invalid JSON at byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

  int dimensions = -1;
  std::string error_;
  std::vector<std::pair<std::string, std::vector<float>>> kept_;
  int64_t seen_words_ = 0;

 private:
  bool scalar() { return true; }
  // Returning false stops the parse; error_ says why.
  bool number(double v) {
    if (depth_ == 1 && top_key_ == "dimensions") {
      // Checked before the cast: 1e300 or 2.5 must not become an int.
      if (!(v >= 1 && v <= max_embedding_dim) || v != std::floor(v)) {
        error_ = "\"dimensions\" is " + number_text(v) + "; expected a whole number in 1.." +
                 std::to_string(max_embedding_dim);
        return false;
      }
      dimensions = static_cast<int>(v);
    }
    if (in_vector_ && keep_ && depth_ == 3) {
      if (!fits_float(v)) {
        error_ = "the vector of \"" + word_ + "\" holds " + number_text(v) + " at position " +
                 std::to_string(values_.size()) + ", outside the float32 range";
        return false;
      }
      values_.push_back(static_cast<float>(v));
    }
    return true;
  }

  const std::unordered_set<std::string>* wanted_;
  int depth_ = 0;
  std::string top_key_;
  std::string word_;
  bool keep_ = false;
  bool in_vector_ = false;
  std::vector<float> values_;
};

EmbeddingTable read_wink_json(std::istream& in, const std::string& name,
                              const std::unordered_set<std::string>* wanted) {
  WinkSax sax(wanted);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(in, &sax);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(name + ": invalid JSON: " + e.what());
  }
  if (!ok)
    throw DataError(name + ": " + (sax.error_.empty() ? std::string("invalid JSON") : sax.error_));
  if (sax.dimensions < 1)
    throw DataError(name +
                    ": the embedding JSON has no \"dimensions\" field (a whole number in 1.." +
                    std::to_string(max_embedding_dim) + ")");
  EmbeddingTable table;
  table.dim = sax.dimensions;
  for (auto& [word, values] : sax.kept_) {
    // Each wink vector holds `dimensions` values then two extras (its L2
    // norm and its index); only the first `dimensions` are the embedding.
    if (values.size() < static_cast<std::size_t>(table.dim))
      throw DataError(name + ": the vector of \"" + word + "\" has " +
                      std::to_string(values.size()) + " values, expected at least " +
                      std::to_string(table.dim));
    if (table.index.count(word) == 0)
      table.add(word, values.data());
  }
  if (sax.seen_words_ == 0)
    throw DataError(name + ": no \"vectors\" object with word vectors found");
  return table;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// The next blank-separated field of `line` from `i` on ("" at the end).
std::string_view next_field(std::string_view line, std::size_t& i) {
  while (i < line.size() && is_blank(line[i]))
    ++i;
  const std::size_t begin = i;
  while (i < line.size() && !is_blank(line[i]))
    ++i;
  return line.substr(begin, i - begin);
}

// The values of a GloVe line after its word. Each is parsed exactly
// (from_chars) and must be a finite number in float32 range.
void parse_glove_values(std::string_view line, std::size_t i, const std::string& where,
                        std::vector<float>& values) {
  values.clear();
  for (std::string_view field = next_field(line, i); !field.empty(); field = next_field(line, i)) {
    double v = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), v);
    const std::string shown = "value " + std::to_string(values.size() + 1) + " (\"" +
                              std::string(field.substr(0, 40)) + "\")";
    const bool whole_field = error == std::errc() && end == field.data() + field.size();
    if (whole_field && !std::isfinite(v))
      throw DataError(where + ": " + shown + " is not a finite number");
    if (error == std::errc::result_out_of_range || (whole_field && !fits_float(v)))
      throw DataError(where + ": " + shown + " is outside the float32 range");
    if (error != std::errc() || end != field.data() + field.size())
      throw DataError(where + ": " + shown + " is not a number");
    if (values.size() >= static_cast<std::size_t>(max_embedding_dim))
      throw DataError(where + " has more than " + std::to_string(max_embedding_dim) +
                      " values; a word vector has at most that many");
    values.push_back(static_cast<float>(v));
  }
}

EmbeddingTable read_glove_text(std::istream& in, const std::string& name,
                               const std::unordered_set<std::string>* wanted) {
  EmbeddingTable table;
  std::string line;
  std::string word;
  int64_t line_number = 0;
  std::vector<float> values;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::size_t i = 0;
    word = std::string(next_field(line, i));
    // Words nobody asked for are skipped unread, once the dim is known.
    if (wanted != nullptr && wanted->count(word) == 0 && table.dim != 0)
      continue;
    const std::string where = name + ": line " + std::to_string(line_number);
    parse_glove_values(line, i, where, values);
    if (table.dim == 0) {
      if (values.empty())
        throw DataError(where + ": a word with no vector values");
      table.dim = static_cast<int>(values.size());
    }
    if (values.size() != static_cast<std::size_t>(table.dim))
      throw DataError(where + " has " + std::to_string(values.size()) + " values, expected " +
                      std::to_string(table.dim) + " (from the first line)");
    if ((wanted == nullptr || wanted->count(word) != 0) && table.index.count(word) == 0)
      table.add(word, values.data());
  }
  if (in.bad())
    throw DataError(name + ": read error after line " + std::to_string(line_number));
  if (table.dim == 0)
    throw DataError(name + ": no word vectors found (empty file)");
  return table;
}

constexpr char cache_magic[8] = {'M', 'T', 'E', 'M', 'B', 'E', 'D', '1'};
constexpr uint32_t cache_format_version = 1;

}  // namespace

EmbeddingTable read_embedding_source(std::istream& in, const std::string& name,
                                     const std::unordered_set<std::string>* wanted) {
  int c;
  while ((c = in.peek()) != std::char_traits<char>::eof() && std::isspace(c))
    in.get();
  if (c == std::char_traits<char>::eof())
    throw DataError(name + ": the embedding file is empty");
  if (c == '{')
    return read_wink_json(in, name, wanted);
  return read_glove_text(in, name, wanted);
}

EmbeddingTable read_embedding_source(const fs::path& path,
                                     const std::unordered_set<std::string>* wanted) {
  detail::require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  return read_embedding_source(in, path.string(), wanted);
}

void save_embedding_cache(const fs::path& path, const EmbeddingTable& table,
                          const std::string& key) {
  int64_t floats = 0;
  if (table.dim < 1 || table.dim > max_embedding_dim ||
      !checked_mul(static_cast<int64_t>(table.words.size()), table.dim, floats) ||
      table.vectors.size() != static_cast<uint64_t>(floats))
    throw ArgumentError("save_embedding_cache: the table holds " +
                        std::to_string(table.vectors.size()) + " values for " +
                        std::to_string(table.words.size()) + " words of dim " +
                        std::to_string(table.dim));
  detail::ByteWriter w;
  w.bytes(cache_magic, sizeof cache_magic);
  w.number<uint32_t>(cache_format_version);
  w.number<uint32_t>(static_cast<uint32_t>(table.dim));
  w.number<uint64_t>(table.words.size());
  w.text(key);
  for (const std::string& word : table.words)
    w.text(word);
  w.bytes(table.vectors.data(), table.vectors.size() * sizeof(float));
  const uint32_t crc = detail::crc32_of(w.buffer().data(), w.buffer().size());
  w.number<uint32_t>(crc);
  write_file_atomically(path, w.buffer());
}

EmbeddingTable parse_embedding_cache(std::string_view data, const std::string& source,
                                     std::string* key_out) {
  const std::string name = source + " (embedding cache)";
  if (data.size() < sizeof cache_magic + 4)
    throw DataError(name + ": truncated: " + std::to_string(data.size()) +
                    " bytes is shorter than the header");
  if (std::memcmp(data.data(), cache_magic, sizeof cache_magic) != 0)
    throw DataError(name + ": bad magic; not a MiniTorch embedding cache");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data.data() + data.size() - 4, 4);
  const uint32_t actual_crc = detail::crc32_of(data.data(), data.size() - 4);
  detail::ByteReader r(data.substr(0, data.size() - 4), name);
  r.take(sizeof cache_magic, "the magic");
  const auto version = r.number<uint32_t>("the format version");
  if (version != cache_format_version)
    throw DataError(name + ": format version " + std::to_string(version) +
                    " is not supported (this build reads version " +
                    std::to_string(cache_format_version) + ")");
  if (stored_crc != actual_crc)
    throw DataError(name + ": checksum mismatch (stored CRC-32 " + std::to_string(stored_crc) +
                    ", computed " + std::to_string(actual_crc) +
                    "); the file is corrupt or truncated");
  const std::size_t dim_at = r.position();
  const auto dim = r.number<uint32_t>("the dimension");
  if (dim < 1 || dim > static_cast<uint32_t>(max_embedding_dim))
    throw DataError(name + ": the dimension at byte " + std::to_string(dim_at) + " is " +
                    std::to_string(dim) + "; expected 1.." + std::to_string(max_embedding_dim));
  // Each word takes its 4-byte length and its dim floats, so the count is
  // checked against the bytes that remain before anything is sized from it.
  const uint64_t count = r.count<uint64_t>("the word count", 4 + 4 * std::size_t{dim});
  if (count > static_cast<uint64_t>(INT32_MAX))
    throw DataError(name + ": the word count " + std::to_string(count) + " exceeds " +
                    std::to_string(INT32_MAX) + ", the most a table can index");
  std::string key = r.text("the key");
  std::vector<std::string> words;
  words.reserve(static_cast<std::size_t>(count));
  for (uint64_t i = 0; i < count; ++i)
    words.push_back(r.text("a word"));
  const std::size_t floats = static_cast<std::size_t>(count) * dim;
  const std::size_t vectors_at = r.position();
  const std::string_view block = r.take(floats * sizeof(float), "the vectors");
  if (r.remaining() != 0)
    throw DataError(name + ": " + std::to_string(r.remaining()) +
                    " unexpected bytes after the vectors");
  std::vector<float> vectors(floats);
  if (floats > 0)
    std::memcpy(vectors.data(), block.data(), block.size());
  for (std::size_t i = 0; i < floats; ++i) {
    if (!std::isfinite(vectors[i]))
      throw DataError(name + ": the value at byte " + std::to_string(vectors_at + 4 * i) +
                      " (word \"" + words[i / dim] + "\") is not a finite number");
  }
  EmbeddingTable table;
  table.dim = static_cast<int>(dim);
  for (uint64_t i = 0; i < count; ++i) {
    if (table.index.count(words[i]) != 0)
      throw DataError(name + ": the word \"" + words[i] + "\" appears twice");
    table.add(std::move(words[i]), vectors.data() + i * dim);
  }
  if (key_out != nullptr)
    *key_out = std::move(key);
  return table;
}

EmbeddingTable load_embedding_cache(const fs::path& path, std::string* key_out) {
  return parse_embedding_cache(detail::read_whole_file(path), path.string(), key_out);
}

EmbeddingTable load_or_build_embeddings(const fs::path& cache, const fs::path& source,
                                        const std::unordered_set<std::string>& vocabulary,
                                        const std::string& key,
                                        const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& message) {
    if (log)
      log(message);
  };
  std::error_code ec;
  if (fs::exists(cache, ec)) {
    try {
      std::string stored_key;
      EmbeddingTable table = load_embedding_cache(cache, &stored_key);
      if (stored_key == key)
        return table;
      say("embedding cache " + cache.string() + " is stale (built from \"" + stored_key +
          "\", need \"" + key + "\"); rebuilding");
    } catch (const DataError& e) {
      say(std::string(e.what()) + "; rebuilding it");
    }
  }
  std::unordered_set<std::string> wanted;
  for (const std::string& word : vocabulary)
    for (std::string& form : lookup_forms(word))
      wanted.insert(std::move(form));
  say("pruning " + source.string() + " to the " + std::to_string(vocabulary.size()) +
      "-word corpus vocabulary (once) ...");
  EmbeddingTable table = read_embedding_source(source, &wanted);
  save_embedding_cache(cache, table, key);
  say("wrote " + cache.string() + ": " + std::to_string(table.size()) + " vectors of dim " +
      std::to_string(table.dim));
  return table;
}

}  // namespace mt
