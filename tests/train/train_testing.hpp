// train_testing.hpp — shared helpers for the training tests: the reference
// backend, a self-removing temp folder, and parameter snapshots. Not a
// training utility library.
#pragma once

#include <minitorch/backend.hpp>
#include <minitorch/module.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace mt::test {

namespace fs = std::filesystem;

inline BackendPtr reference() {
  static const BackendPtr backend = load_backend("reference");
  return backend;
}

class TempDir {
 public:
  TempDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("minitorch-train-" + std::to_string(entropy()) + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Every parameter's values, in the module's order.
inline std::vector<std::vector<double>> parameter_values(const Module& m) {
  std::vector<std::vector<double>> out;
  for (const auto& [name, p] : m.named_parameters())
    out.push_back(p->value().to_vector());
  return out;
}

}  // namespace mt::test
