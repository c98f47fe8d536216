// limits_testing.hpp — helpers for the limits tests: capture an exception of
// a given type and return its message, and write bytes to a file. The
// reference backend and TempDir come from test_support.hpp. Not a fixture
// library.
#pragma once

#include <minitorch/errors.hpp>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <fstream>
#include <string>

namespace mt::test {

// Runs `f`, requires it to throw E (not a subclass test: any E), and returns
// the message. Any other exception, std::bad_alloc included, fails the test.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    BOOST_FAIL(std::string("expected another exception type, got: ") + e.what());
  }
  BOOST_FAIL("expected an exception, none was thrown");
  return {};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace mt::test
