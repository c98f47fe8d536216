// fuzz_support.hpp — what the fuzz targets share: the bytes as text, and the
// rule for exceptions. A target may throw mt::Error (bad input, reported);
// anything else escapes LLVMFuzzerTestOneInput and libFuzzer counts it as a
// crash. Not a harness framework: each target is one short function.
#pragma once

#include <minitorch/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mt::fuzz {

inline std::string_view as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`; an mt::Error is the parser doing its job, so it is swallowed.
// Every message must name the input (messages that forget the file are bugs).
template <class F>
void expect_clean(const char* input_name, F&& body) {
  try {
    body();
  } catch (const mt::Error& e) {
    // MT_FUZZ_VERBOSE=1 prints what each input was refused for (for people
    // reading a corpus; libFuzzer runs stay quiet).
    static const bool verbose = std::getenv("MT_FUZZ_VERBOSE") != nullptr;
    if (verbose)
      std::fprintf(stderr, "refused: %s\n", e.what());
    if (std::string_view(e.what()).find(input_name) == std::string_view::npos) {
      std::fprintf(stderr, "error message does not name the input '%s': %s\n", input_name,
                   e.what());
      std::abort();
    }
  }
}

// A broken invariant: something the parser promises does not hold.
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}
[[noreturn]] inline void invariant_failed(const std::string& what) {
  invariant_failed(what.c_str());
}

}  // namespace mt::fuzz
