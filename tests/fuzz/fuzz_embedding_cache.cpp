// fuzz_embedding_cache.cpp — libFuzzer target for the pruned embedding cache.
// First byte even: the rest is a whole cache file; odd: the rest is a cache
// without its trailing CRC-32, which the target appends, so mutations get
// past the checksum to the header, counts and words.
#include <minitorch/datasets/text.hpp>

#include "fuzz_support.hpp"

#include <zlib.h>

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::string file(mt::fuzz::as_text(data + 1, size - 1));
  if (data[0] & 1) {
    const auto crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0),
                                                 reinterpret_cast<const Bytef*>(file.data()),
                                                 static_cast<uInt>(file.size())));
    char bytes[4];
    std::memcpy(bytes, &crc, 4);
    file.append(bytes, 4);
  }
  mt::fuzz::expect_clean("fuzz-input", [&] {
    std::string key;
    const mt::EmbeddingTable table = mt::parse_embedding_cache(file, "fuzz-input", &key);
    if (table.dim < 1 || table.dim > mt::max_embedding_dim ||
        table.vectors.size() != table.words.size() * static_cast<std::size_t>(table.dim) ||
        table.index.size() != table.words.size())
      mt::fuzz::invariant_failed("an accepted cache does not add up");
  });
  return 0;
}
