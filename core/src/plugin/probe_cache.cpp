// probe_cache.cpp — the verdict cache file (see probe_cache.hpp): read with
// O_NONBLOCK and a size limit, entries checked one by one, written through
// mt::write_file_atomically after merging what other processes added. Never
// throws: a problem is a note and a probe.
#include "probe_cache.hpp"

#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace mt::plugin {

namespace {

constexpr std::size_t kCacheLimit = 4u << 20;  // bytes; a bigger file is not ours
constexpr std::size_t kMaxEntries = 256;       // oldest dropped first
constexpr const char* kFormatKey = "minitorch_probe_cache";
constexpr int kFileFormat = 1;

std::string host_abi() {
  return std::to_string(MT_ABI_MAJOR) + "." + std::to_string(MT_ABI_MINOR);
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

enum class ReadResult { absent, ok, problem };

// Reads a small regular file without ever blocking; `text` gets the content
// or, on a problem, the reason.
ReadResult read_small_file(const fs::path& file, std::string& text) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return ReadResult::absent;
    text = std::strerror(errno);
    return ReadResult::problem;
  }
  if (!S_ISREG(st.st_mode)) {
    text = "not a regular file";
    return ReadResult::problem;
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    text = std::strerror(errno);
    return ReadResult::problem;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) > kCacheLimit) {
    text = S_ISREG(st.st_mode) ? "larger than " + std::to_string(kCacheLimit) + " bytes"
                               : std::string("not a regular file");
    return ReadResult::problem;
  }
  text.clear();
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      text = std::strerror(errno);
      return ReadResult::problem;
    }
    if (n == 0)
      return ReadResult::ok;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kCacheLimit) {
      text = "larger than " + std::to_string(kCacheLimit) + " bytes";
      return ReadResult::problem;
    }
  }
}

bool entry_is_well_formed(const nlohmann::json& e) {
  return e.is_object() && e.contains("path") && e["path"].is_string() && e.contains("size") &&
         e["size"].is_number_unsigned() && e.contains("mtime_ns") &&
         e["mtime_ns"].is_number_integer() && e.contains("host_abi") && e["host_abi"].is_string() &&
         e.contains("probe_format") && e["probe_format"].is_number_integer() &&
         e.contains("environment") && e["environment"].is_string() && e.contains("verdict") &&
         e["verdict"].is_object();
}

bool entry_matches(const nlohmann::json& e, const FileKey& key, const std::string& environment) {
  return e["path"].get<std::string>() == key.path && e["size"].get<uint64_t>() == key.size &&
         e["mtime_ns"].get<int64_t>() == key.mtime_ns &&
         e["host_abi"].get<std::string>() == host_abi() &&
         e["probe_format"].get<int>() == kProbeFormat &&
         e["environment"].get<std::string>() == environment;
}

// The entries of a cache file's text; `problem` says what was wrong, if anything.
std::vector<nlohmann::json> parse_entries(const std::string& text, std::string& problem) {
  std::vector<nlohmann::json> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    problem = "corrupt (not valid JSON)";
    return out;
  }
  if (!j.is_object() || !j.contains(kFormatKey) || !j[kFormatKey].is_number_integer() ||
      !j.contains("entries") || !j["entries"].is_array()) {
    problem = "corrupt (not a MiniTorch probe cache)";
    return out;
  }
  if (j[kFormatKey].get<int>() != kFileFormat) {
    problem = "written in another format (" + j[kFormatKey].dump() + ")";
    return out;
  }
  std::size_t bad = 0;
  for (const auto& e : j["entries"]) {
    if (entry_is_well_formed(e))
      out.push_back(e);
    else
      ++bad;
  }
  if (bad)
    problem = std::to_string(bad) + " malformed entries ignored";
  return out;
}

}  // namespace

std::optional<FileKey> file_key(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(file, ec);
  if (ec)
    return std::nullopt;
  struct stat st {};
  if (::stat(canonical.c_str(), &st) != 0)
    return std::nullopt;
  FileKey key;
  key.path = canonical.string();
  key.size = static_cast<uint64_t>(st.st_size);
  key.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return key;
}

fs::path default_cache_dir() {
  if (const std::string dir = env_or_empty("MINITORCH_CACHE_DIR"); !dir.empty())
    return dir;
  if (const std::string xdg = env_or_empty("XDG_CACHE_HOME"); !xdg.empty())
    return fs::path(xdg) / "minitorch";
  if (const std::string home = env_or_empty("HOME"); !home.empty())
    return fs::path(home) / ".cache" / "minitorch";
  return {};
}

std::string environment_fingerprint() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  std::vector<std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (name.rfind("MT_", 0) == 0 || name.rfind("CUDA_", 0) == 0 || name.rfind("NVIDIA_", 0) == 0 ||
        name == "LD_LIBRARY_PATH" || name == "LD_PRELOAD")
      vars.emplace_back(entry);
  }
  std::sort(vars.begin(), vars.end());
  std::string out = std::string("host=") + host;
  for (const auto& v : vars)
    out += "\n" + v;
  return out;
}

ProbeCache::ProbeCache(fs::path file) : file_(std::move(file)) {}

void ProbeCache::load() {
  if (loaded_)
    return;
  loaded_ = true;
  if (file_.empty())
    return;
  std::string text;
  switch (read_small_file(file_, text)) {
    case ReadResult::absent:
      return;
    case ReadResult::problem:
      problems_.push_back("cannot read it (" + text + "); probing again");
      return;
    case ReadResult::ok:
      break;
  }
  std::string problem;
  entries_ = parse_entries(text, problem);
  if (!problem.empty())
    problems_.push_back(problem + "; probing again what it does not hold");
}

std::optional<ProbeVerdict> ProbeCache::find(const FileKey& key, const std::string& environment,
                                             double timeout_seconds) {
  load();
  for (const auto* list : {&added_, &entries_}) {
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
      if (!entry_matches(*it, key, environment))
        continue;
      try {
        ProbeVerdict v = verdict_from_json((*it)["verdict"]);
        // A longer limit than the one it timed out under deserves a new try.
        if (v.timed_out_after > 0 && v.timed_out_after < timeout_seconds)
          return std::nullopt;
        return v;
      } catch (const std::exception&) {
        return std::nullopt;  // a malformed verdict: probe again
      }
    }
  }
  return std::nullopt;
}

void ProbeCache::put(const FileKey& key, const std::string& environment,
                     const ProbeVerdict& verdict) {
  if (file_.empty() || !verdict.cacheable)
    return;
  added_.push_back({{"path", key.path},
                    {"size", key.size},
                    {"mtime_ns", key.mtime_ns},
                    {"host_abi", host_abi()},
                    {"probe_format", kProbeFormat},
                    {"environment", environment},
                    {"verdict", verdict_to_json(verdict)}});
}

void ProbeCache::save() {
  if (file_.empty() || added_.empty())
    return;
  // Another process may have written since we read: merge with its entries.
  std::vector<nlohmann::json> merged;
  std::string text, ignored;
  if (read_small_file(file_, text) == ReadResult::ok)
    merged = parse_entries(text, ignored);
  std::set<std::pair<std::string, std::string>> replaced;
  for (const auto& e : added_)
    replaced.insert({e["path"].get<std::string>(), e["environment"].get<std::string>()});
  merged.erase(std::remove_if(merged.begin(), merged.end(),
                              [&](const nlohmann::json& e) {
                                return replaced.count({e["path"].get<std::string>(),
                                                       e["environment"].get<std::string>()}) > 0;
                              }),
               merged.end());
  merged.insert(merged.end(), added_.begin(), added_.end());
  if (merged.size() > kMaxEntries)
    merged.erase(merged.begin(), merged.end() - static_cast<std::ptrdiff_t>(kMaxEntries));
  nlohmann::json out = {{kFormatKey, kFileFormat}, {"entries", merged}};
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  if (ec) {
    problems_.push_back("cannot create its folder (" + ec.message() +
                        "); verdicts are not kept, so plugins are probed again next time");
    return;
  }
  try {
    write_file_atomically(file_, out.dump(1) + "\n");
    entries_ = std::move(merged);
    added_.clear();
  } catch (const std::exception& e) {
    problems_.push_back(std::string("cannot write it (") + e.what() +
                        "); verdicts are not kept, so plugins are probed again next time");
  }
}

}  // namespace mt::plugin
