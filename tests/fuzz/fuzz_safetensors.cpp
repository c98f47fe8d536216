// fuzz_safetensors.cpp — libFuzzer target for mt::nn::read_safetensors_header: 'R' + a whole
// file, or "header JSON, NUL, data" (the length is added); refusals must name the input and
// accepted entries must tile the data. Not the tensor-making step (it needs a backend).
#include <minitorch/nn/safetensors.hpp>

#include "fuzz_support.hpp"

#include <string>

namespace {

const char* const kWhere = "fuzz-input.safetensors";

std::string assemble(std::string_view input) {
  const std::size_t nul = input.find('\0');
  const std::string_view header = input.substr(0, nul);
  const std::string_view data = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  std::string file;
  for (std::size_t i = 0; i < 8; ++i)
    file.push_back(
        static_cast<char>((static_cast<std::uint64_t>(header.size()) >> (8 * i)) & 0xFF));
  return file + std::string(header) + std::string(data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::string_view input = mt::fuzz::as_text(data, size);
  const std::string file =
      input[0] == 'R' ? std::string(input.substr(1)) : assemble(input.substr(1));
  mt::fuzz::expect_clean(kWhere, [&] {
    const mt::nn::SafetensorsHeader header = mt::nn::read_safetensors_header(file, kWhere);
    if (header.data_start < 8 || header.data_start > file.size())
      mt::fuzz::invariant_failed("data_start lies outside the file");
    std::uint64_t covered = 0;
    for (const mt::nn::SafetensorsEntry& e : header.entries) {
      if (e.begin != covered || e.end < e.begin)
        mt::fuzz::invariant_failed("accepted entries do not tile the data in order");
      const auto count = static_cast<std::uint64_t>(mt::shape_size(e.shape));
      if (count * e.element_size != e.end - e.begin)
        mt::fuzz::invariant_failed("an accepted entry's span is not shape size × element size");
      covered = e.end;
    }
    if (covered != file.size() - header.data_start)
      mt::fuzz::invariant_failed("accepted entries do not cover the data exactly");
  });
  return 0;
}
