// test_support.hpp — what several test suites share: the reference backend
// (the oracle, loaded by name) and a temporary folder that removes itself.
// On every test's include path (mt_add_test). Not a fixture library.
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace mt::test {

namespace fs = std::filesystem;

// The in-tree reference backend, loaded by name (the oracle of every suite).
inline BackendPtr reference() {
  static const BackendPtr backend = load_backend("reference");
  return backend;
}

// A fresh folder under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("minitorch-test-" + std::to_string(entropy()) + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

}  // namespace mt::test
