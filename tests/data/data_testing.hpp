// data_testing.hpp — helpers for the data tests: file byte edits and
// DataError capture (the reference backend and TempDir come from
// test_support.hpp). Not a fixture library.
#pragma once

#include <minitorch/errors.hpp>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <fstream>
#include <iterator>
#include <string>

namespace mt::test {

inline std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `f`, requires a DataError, and returns its message.
template <class F>
std::string data_error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  BOOST_FAIL("expected a DataError");
  return {};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mt::test
