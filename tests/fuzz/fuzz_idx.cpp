// fuzz_idx.cpp — libFuzzer target for the IDX reader (raw and gzipped: the
// input is a whole file, told apart by its magic) and the image set built
// from an accepted 3-D u8 array. Not a test of the pixel values.
#include <minitorch/datasets/idx.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  mt::fuzz::expect_clean("fuzz-input", [&] {
    const mt::IdxArray array = mt::parse_idx(mt::fuzz::as_text(data, size), "fuzz-input");
    const auto element = mt::idx_type_size(static_cast<uint8_t>(array.type));
    if (element == 0 || array.dims.empty() ||
        array.bytes.size() != static_cast<std::size_t>(array.count()) * element)
      mt::fuzz::invariant_failed("parse_idx returned a payload its header does not describe");
    // With a 0 among rows/cols the count dim can be 2^32-1 with no payload:
    // labels that long are the harness's allocation, not the reader's.
    if (array.type != mt::IdxType::u8 || array.dims.size() != 3 ||
        array.dims[0] > static_cast<int64_t>(array.bytes.size()) + 16)
      return;
    // Labels to match (all class 0), so the image checks themselves run.
    mt::IdxArray labels;
    labels.dims = {array.dims[0]};
    labels.bytes.assign(static_cast<std::size_t>(array.dims[0]), 0);
    mt::ImageSet set = mt::make_image_set(array, "fuzz-input", labels, "fuzz-input labels");
    if (set.pixels.size() != array.bytes.size() || set.labels.size() != labels.bytes.size())
      mt::fuzz::invariant_failed("make_image_set lost pixels or labels");
    set.truncate(set.count / 2);
  });
  return 0;
}
