// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint reader. Two kinds
// of input, told by the first byte: 'M' is a whole file as on disk; anything
// else is "metadata JSON, NUL, payload", which the target wraps in a header
// with correct sizes and CRC-32 (replacing @CRC@ in the JSON by the
// payload's), so mutations reach the metadata and tensor-table checks.
#include <minitorch/apps/checkpoint.hpp>

#include "fuzz_support.hpp"

#include <zlib.h>

#include <cstring>

namespace {

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

uint32_t crc_of(std::string_view s) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

std::string assemble(std::string_view input) {
  const std::size_t nul = input.find('\0');
  std::string meta(input.substr(0, nul));
  const std::string_view payload = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  const std::string crc = std::to_string(crc_of(payload));
  for (std::size_t at = meta.find("@CRC@"); at != std::string::npos; at = meta.find("@CRC@"))
    meta.replace(at, 5, crc);
  std::string body = meta + std::string(payload);
  std::string file = "MTCKPT01";
  put<uint32_t>(file, 1);
  put<uint64_t>(file, meta.size());
  put<uint64_t>(file, payload.size());
  put<uint32_t>(file, crc_of(body));
  return file + body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::string_view input = mt::fuzz::as_text(data, size);
  const std::string file = input[0] == 'M' ? std::string(input) : assemble(input.substr(1));
  mt::fuzz::expect_clean("fuzz-input", [&] {
    const mt::Checkpoint ck = mt::parse_checkpoint(file, "fuzz-input");
    for (const auto* list : {&ck.parameters, &ck.optimizer_state})
      for (const mt::SavedTensor& t : *list)
        if (t.values.size() != static_cast<std::size_t>(mt::shape_size(t.shape)))
          mt::fuzz::invariant_failed("a saved tensor's values do not fill its shape");
  });
  return 0;
}
