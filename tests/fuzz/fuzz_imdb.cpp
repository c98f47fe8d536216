// fuzz_imdb.cpp — libFuzzer target for the IMDB reviews reader and what the
// text then goes through: the tokenizer and the token encoding against a
// two-word table. Not a test of the split or the embeddings.
#include <minitorch/datasets/imdb.hpp>

#include "fuzz_support.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const mt::EmbeddingTable table = [] {
    mt::EmbeddingTable t;
    t.dim = 2;
    const float good[2] = {1, 0}, bad[2] = {0, 1};
    t.add("good", good);
    t.add("bad", bad);
    return t;
  }();
  mt::fuzz::expect_clean("fuzz-input", [&] {
    std::istringstream in{std::string(mt::fuzz::as_text(data, size))};
    const std::vector<mt::Review> reviews = mt::parse_imdb_reviews(in, "fuzz-input");
    for (const mt::Review& review : reviews) {
      if (review.label != 0 && review.label != 1)
        mt::fuzz::invariant_failed("a review label is neither 0 nor 1");
      const std::vector<std::string> tokens = mt::tokenize(review.text);
      for (const std::string& token : tokens)
        if (token.empty() || token.front() == '\'' || token.back() == '\'')
          mt::fuzz::invariant_failed("the tokenizer made an empty or quoted token");
      const std::vector<int32_t> row = mt::encode_tokens(tokens, table, 16);
      for (int32_t id : row)
        if (id < 0 || id > 1 + table.size())
          mt::fuzz::invariant_failed("encode_tokens made an id outside the table");
    }
  });
  return 0;
}
