// probe_cache.hpp — probe verdicts kept between commands in one small JSON
// file, so each plugin file is probed once, not once per command. A cache
// that cannot be read, parsed or written only costs a probe: every problem
// becomes a note, never an error. Not the probing and not the report.
#pragma once

#include "probe_format.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mt::plugin {

// The identity of one plugin file as the cache sees it.
struct FileKey {
  std::string path;  // canonical
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};
std::optional<FileKey> file_key(const std::filesystem::path& file);

// $MINITORCH_CACHE_DIR, else $XDG_CACHE_HOME/minitorch, else
// $HOME/.cache/minitorch; "" when none is set.
std::filesystem::path default_cache_dir();

// What besides the file decides a verdict: the host name and the variables
// a plugin's loading or is_usable may read (MT_*, CUDA_*, NVIDIA_*,
// LD_LIBRARY_PATH, LD_PRELOAD). A change in any of them means a new probe.
std::string environment_fingerprint();

class ProbeCache {
 public:
  // `file` "" means no cache: nothing is found, nothing saved.
  explicit ProbeCache(std::filesystem::path file);

  const std::filesystem::path& file() const { return file_; }

  // The cached verdict for this file and environment, if any. A "timed out"
  // verdict counts only when it was reached with at least `timeout_seconds`.
  std::optional<ProbeVerdict> find(const FileKey& key, const std::string& environment,
                                   double timeout_seconds);
  void put(const FileKey& key, const std::string& environment, const ProbeVerdict& verdict);

  // Writes the new verdicts (merged with what other processes wrote since),
  // atomically. Does nothing when nothing was put.
  void save();

  // What went wrong reading or writing, e.g. "corrupt (...); ignored".
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void load();

  std::filesystem::path file_;
  bool loaded_ = false;
  std::vector<nlohmann::json> entries_;  // as read
  std::vector<nlohmann::json> added_;    // put since
  std::vector<std::string> problems_;
};

}  // namespace mt::plugin
