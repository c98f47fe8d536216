// fuzz_word_vectors.cpp — libFuzzer target for the word-vector sources (wink
// JSON and GloVe text, told by the first non-blank character), read once
// keeping every word and once keeping two wanted words.
#include <minitorch/datasets/text.hpp>

#include "fuzz_support.hpp"

#include <cmath>
#include <sstream>

namespace {

void check(const mt::EmbeddingTable& table) {
  if (table.dim < 1 || table.dim > mt::max_embedding_dim ||
      table.vectors.size() != table.words.size() * static_cast<std::size_t>(table.dim))
    mt::fuzz::invariant_failed("an accepted source gave a table that does not add up");
  for (float v : table.vectors)
    if (!std::isfinite(v))
      mt::fuzz::invariant_failed("an accepted source holds a value that is not finite");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(mt::fuzz::as_text(data, size));
  mt::fuzz::expect_clean("fuzz-input", [&] {
    std::istringstream in(text);
    check(mt::read_embedding_source(in, "fuzz-input"));
  });
  mt::fuzz::expect_clean("fuzz-input", [&] {
    const std::unordered_set<std::string> wanted{"the", "movie"};
    std::istringstream in(text);
    check(mt::read_embedding_source(in, "fuzz-input", &wanted));
  });
  return 0;
}
