// registry.cpp — plugin discovery and loading: the search path, the file
// naming convention, manifests, probes in child processes with a verdict
// cache, the load report and load-by-name / "auto". Discovery never dlopens a
// plugin into this process; only the backend asked for is. A broken
// candidate becomes a failed LoadRecord; nothing a plugin file does escapes.
#include <minitorch/plugin/backend.hpp>

#include "plugin_open.hpp"
#include "probe_cache.hpp"
#include "probe_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>

#include <dirent.h>
#include <sys/stat.h>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

namespace fs = std::filesystem;

namespace mt {

namespace {

constexpr std::string_view kPrefix = "libminitorch_backend_";
constexpr std::string_view kSuffix = ".so";
constexpr double kDefaultProbeTimeout = 5.0;
constexpr double kMaxProbeTimeout = 3600.0;
constexpr const char* kCacheFileName = "plugin-probes.json";

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty())
      out += sep;
    out += item;
  }
  return out;
}

int backend_rank(const std::string& name) {
  if (name == "cuda")
    return 0;
  if (name == "parallel")
    return 1;
  if (name == "reference")
    return 2;
  return 3;
}

const char* device_text(int32_t kind) {
  return device_kind_name(static_cast<DeviceKind>(kind));
}

// The probe time limit: the option, else MINITORCH_PROBE_TIMEOUT, else 5 s.
double probe_timeout(const RegistryOptions& options, std::vector<SearchNote>& notes) {
  if (options.probe_timeout_seconds && *options.probe_timeout_seconds > 0 &&
      *options.probe_timeout_seconds <= kMaxProbeTimeout)
    return *options.probe_timeout_seconds;
  const char* env = std::getenv("MINITORCH_PROBE_TIMEOUT");
  if (env == nullptr || *env == '\0')
    return kDefaultProbeTimeout;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(env, &end);
  if (errno == 0 && end != env && *end == '\0' && std::isfinite(value) && value > 0 &&
      value <= kMaxProbeTimeout)
    return value;
  notes.push_back({{},
                   "MINITORCH_PROBE_TIMEOUT='" + std::string(env) +
                       "' is not a number of seconds in (0, 3600]; using " +
                       plugin::seconds_text(kDefaultProbeTimeout)});
  return kDefaultProbeTimeout;
}

}  // namespace

const char* outcome_name(LoadRecord::Outcome outcome) {
  switch (outcome) {
    case LoadRecord::Outcome::loaded:
      return "loaded";
    case LoadRecord::Outcome::not_usable:
      return "not usable";
    case LoadRecord::Outcome::failed:
      return "failed";
    case LoadRecord::Outcome::shadowed:
      return "shadowed";
  }
  return "?";
}

std::string plugin_file_name(std::string_view backend_name) {
  return std::string(kPrefix) + std::string(backend_name) + std::string(kSuffix);
}

std::optional<std::string> backend_name_from_file(const fs::path& file) {
  const std::string name = file.filename().string();
  if (name.size() <= kPrefix.size() + kSuffix.size())
    return std::nullopt;
  if (name.compare(0, kPrefix.size(), kPrefix) != 0)
    return std::nullopt;
  if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return std::nullopt;
  return name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
}

std::vector<fs::path> default_plugin_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("MINITORCH_PLUGIN_PATH")) {
    std::stringstream list(env);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty())
        dirs.emplace_back(item);
    }
  }
  // The install layout: <prefix>/lib/libminitorch.so and
  // <prefix>/lib/minitorch/plugins/. The build tree mirrors it.
  fs::path core_dir;
  try {
    core_dir = boost::dll::this_line_location().parent_path();
    dirs.push_back(core_dir / "minitorch" / "plugins");
  } catch (const std::exception&) {
    // Unknown location of the core library: the other entries still apply.
  }
#if defined(MT_BUILD_PLUGIN_DIR) && defined(MT_BUILD_LIB_DIR)
  // The build tree's plugins, only for the library that is still in the build
  // tree: an installed library must never pick up a stale build folder.
  std::error_code same_ec;
  if (!core_dir.empty() && fs::equivalent(core_dir, MT_BUILD_LIB_DIR, same_ec)) {
    dirs.emplace_back(MT_BUILD_PLUGIN_DIR);
  }
#endif
  // Drop duplicates (the build-tree rule usually equals the "beside" rule).
  std::vector<fs::path> unique;
  std::set<std::string> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(dir, ec);
    const std::string key = (ec ? dir : canonical).string();
    if (seen.insert(key).second)
      unique.push_back(dir);
  }
  return unique;
}

fs::path default_cache_dir() {
  return plugin::default_cache_dir();
}

// ---- the registry's state ---------------------------------------------------

struct BackendRegistry::Impl {
  // One candidate file; `report[i]` is its record.
  struct Candidate {
    enum class State { unresolved, loadable, failed, shadowed };
    fs::path path;
    State state = State::unresolved;
    std::optional<plugin::FileKey> key;
    BackendPtr backend;  // once dlopened into this process
    bool load_failed = false;
  };

  std::vector<fs::path> search_path;
  RegistryOptions options;
  double timeout = kDefaultProbeTimeout;
  fs::path probe_program;
  std::string environment;
  plugin::ProbeCache cache{fs::path()};
  std::size_t cache_problems_noted = 0;
  std::size_t probes_started = 0;

  std::vector<Candidate> candidates;
  std::vector<LoadRecord> report;
  std::vector<SearchNote> notes;
  std::vector<BackendPtr> loaded;  // what loaded() last returned
  mutable std::mutex mutex;

  void list_folder(const fs::path& dir);
  void add_candidate(const fs::path& file);
  bool prepare(std::size_t i);
  void apply_verdict(std::size_t i, const plugin::ProbeVerdict& verdict, bool from_cache);
  void fail(std::size_t i, std::string reason);
  void resolve();
  void probe(const std::vector<std::size_t>& which);
  void note_cache_problems();
  BackendPtr load_in_process(std::size_t i);
  std::optional<std::size_t> winner(std::string_view name) const;
  std::string describe_others() const;
};

void BackendRegistry::Impl::fail(std::size_t i, std::string reason) {
  candidates[i].state = Candidate::State::failed;
  report[i].outcome = LoadRecord::Outcome::failed;
  report[i].reason = std::move(reason);
}

void BackendRegistry::Impl::add_candidate(const fs::path& file) {
  Candidate c;
  c.path = file;
  LoadRecord r;
  r.path = file;
  r.name = backend_name_from_file(file).value_or(file.filename().string());
  candidates.push_back(std::move(c));
  report.push_back(std::move(r));
}

// Lists one search-path folder's plugin files (sorted); anything that keeps
// it from being read is a note, never silence.
void BackendRegistry::Impl::list_folder(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    notes.push_back({dir, errno == ENOENT ? std::string("no such folder")
                                          : std::string("cannot read: ") + std::strerror(errno)});
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    notes.push_back({dir, "not a folder (it is " + plugin::file_kind_text(st.st_mode) + ")"});
    return;
  }
  std::vector<fs::path> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    notes.push_back({dir, "cannot list: " + ec.message()});
    return;
  }
  std::size_t seen = 0;
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec)
      break;
    ++seen;
    if (backend_name_from_file(it->path()))
      files.push_back(it->path());
  }
  if (ec) {
    notes.push_back({dir, "listing stopped after " + std::to_string(seen) +
                              " entries: " + ec.message() + " (later files were not seen)"});
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files)
    add_candidate(file);
}

// Everything short of a probe: the manifest (its ABI says no without reading
// the library), the ELF check, the cache.
// Returns true when that decided the candidate.
bool BackendRegistry::Impl::prepare(std::size_t i) {
  Candidate& c = candidates[i];
  LoadRecord& r = report[i];
  fs::path manifest_path = c.path;
  manifest_path.replace_extension(".json");
  try {
    r.manifest = read_manifest(manifest_path);
  } catch (const DataError& e) {
    fail(i, e.what());
    return true;
  }
  if (r.manifest) {
    r.version = r.manifest->version;
    r.device = r.manifest->device;
    if (r.manifest->name != r.name) {
      fail(i, "manifest " + manifest_path.string() + " names backend '" + r.manifest->name +
                  "' but the file is for '" + r.name + "'");
      return true;
    }
    if (r.manifest->abi_major != MT_ABI_MAJOR) {
      fail(i, "manifest " + manifest_path.string() + " declares ABI " +
                  std::to_string(r.manifest->abi_major) + "." +
                  std::to_string(r.manifest->abi_minor) + "; this host speaks ABI " +
                  std::to_string(MT_ABI_MAJOR) + "." + std::to_string(MT_ABI_MINOR));
      return true;
    }
  }
  if (auto refusal = plugin::elf_refusal(c.path)) {
    fail(i, *refusal);
    return true;
  }
  c.key = plugin::file_key(c.path);
  if (c.key && !options.reprobe) {
    if (auto verdict = cache.find(*c.key, environment, timeout)) {
      apply_verdict(i, *verdict, true);
      return true;
    }
  }
  return false;
}

void BackendRegistry::Impl::apply_verdict(std::size_t i, const plugin::ProbeVerdict& v,
                                          bool from_cache) {
  Candidate& c = candidates[i];
  LoadRecord& r = report[i];
  r.from_cache = from_cache;
  r.output = v.output;
  if (!v.loadable) {
    fail(i, v.reason);
    return;
  }
  c.state = Candidate::State::loadable;
  r.version = v.version;
  r.device = device_text(v.device);
  if (v.usable) {
    r.outcome = LoadRecord::Outcome::loaded;
    r.reason.clear();
    r.note = v.note;
  } else {
    r.outcome = LoadRecord::Outcome::not_usable;
    r.reason = v.unusable_reason;
  }
  r.warnings.clear();
  if (r.manifest) {
    fs::path manifest_path = c.path;
    manifest_path.replace_extension(".json");
    const std::string m = "manifest " + manifest_path.string();
    if (!r.manifest->version.empty() && r.manifest->version != v.version) {
      r.warnings.push_back(m + " says version " + r.manifest->version + " but the plugin reports " +
                           v.version);
    }
    if (!r.manifest->device.empty() && r.manifest->device != r.device) {
      r.warnings.push_back(m + " says device " + r.manifest->device + " but the plugin reports " +
                           r.device);
    }
  }
}

void BackendRegistry::Impl::note_cache_problems() {
  const auto& problems = cache.problems();
  for (; cache_problems_noted < problems.size(); ++cache_problems_noted)
    notes.push_back({cache.file(), "probe cache: " + problems[cache_problems_noted]});
}

void BackendRegistry::Impl::probe(const std::vector<std::size_t>& which) {
  std::vector<plugin::ProbeRequest> requests;
  for (const std::size_t i : which)
    requests.push_back({candidates[i].path, report[i].name});
  probes_started += requests.size();
  const auto verdicts = plugin::run_probes(probe_program, requests, timeout);
  for (std::size_t k = 0; k < which.size(); ++k) {
    const std::size_t i = which[k];
    apply_verdict(i, verdicts[k], false);
    // Keyed by the file as it was before the probe: if it changed meanwhile,
    // the entry simply never matches.
    if (candidates[i].key)
      cache.put(*candidates[i].key, environment, verdicts[k]);
  }
}

// Decides every unresolved candidate: per name, the first one that loads
// wins and later ones are shadowed (and never probed). Probes of different
// names run together; a name whose first candidate fails tries its next in
// the following round.
void BackendRegistry::Impl::resolve() {
  for (;;) {
    std::vector<std::size_t> to_probe;
    std::set<std::string> done;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::string& name = report[i].name;
      if (done.count(name))
        continue;
      for (std::size_t j = i; j < candidates.size(); ++j) {
        if (report[j].name != name)
          continue;
        Candidate& c = candidates[j];
        if (c.state == Candidate::State::unresolved && prepare(j) == false) {
          to_probe.push_back(j);
          break;
        }
        if (c.state == Candidate::State::loadable) {
          for (std::size_t k = j + 1; k < candidates.size(); ++k) {
            if (report[k].name == name && candidates[k].state == Candidate::State::unresolved) {
              candidates[k].state = Candidate::State::shadowed;
              report[k].outcome = LoadRecord::Outcome::shadowed;
              report[k].reason = "shadowed by " + c.path.string() + " (earlier in the search path)";
            }
          }
          break;
        }
      }
      done.insert(name);
    }
    if (to_probe.empty())
      break;
    probe(to_probe);
  }
  cache.save();
  note_cache_problems();
}

std::optional<std::size_t> BackendRegistry::Impl::winner(std::string_view name) const {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (report[i].name == name && candidates[i].state == Candidate::State::loadable)
      return i;
  }
  return std::nullopt;
}

// dlopens candidate i into this process (once), with the same checks as the
// probe. Throws LoadError; the record then says why.
BackendPtr BackendRegistry::Impl::load_in_process(std::size_t i) {
  Candidate& c = candidates[i];
  LoadRecord& r = report[i];
  if (c.backend)
    return c.backend;
  if (c.load_failed || c.state != Candidate::State::loadable)
    throw LoadError("cannot load plugin " + c.path.string() + ": " + r.reason);
  // The verdict is for the file as it was: a file changed since is probed again.
  const auto now = plugin::file_key(c.path);
  if (!now || !c.key || now->size != c.key->size || now->mtime_ns != c.key->mtime_ns ||
      now->path != c.key->path) {
    c.key = now;
    probe({i});
    cache.save();
    note_cache_problems();
    if (c.state != Candidate::State::loadable)
      throw LoadError("cannot load plugin " + c.path.string() + ": " + r.reason);
  }
  plugin::OpenedPlugin opened;
  try {
    opened = plugin::open_plugin(c.path, r.name);
  } catch (const plugin::OpenFailure& e) {
    c.load_failed = true;
    r.outcome = LoadRecord::Outcome::failed;
    r.reason =
        std::string("probed fine in a child process, but loading it here failed: ") + e.what();
    throw LoadError("cannot load plugin " + c.path.string() + ": " + r.reason);
  }
  c.backend = std::make_shared<Backend>(std::move(opened.library), opened.table, c.path);
  // This process has the last word on usability (the environment may differ
  // from the one a cached verdict was made in).
  if (c.backend->usable()) {
    r.outcome = LoadRecord::Outcome::loaded;
    r.reason.clear();
    r.note = c.backend->note();
  } else {
    r.outcome = LoadRecord::Outcome::not_usable;
    r.reason = c.backend->unusable_reason();
  }
  return c.backend;
}

std::string BackendRegistry::Impl::describe_others() const {
  std::vector<std::string> usable_names, lines;
  for (std::size_t i = 0; i < report.size(); ++i) {
    const LoadRecord& record = report[i];
    if (record.outcome == LoadRecord::Outcome::loaded) {
      usable_names.push_back(record.name);
      continue;
    }
    lines.push_back("  " + record.name + " (" + record.path.string() +
                    "): " + outcome_name(record.outcome) + ": " + record.reason);
  }
  std::string text =
      "usable backends: " + (usable_names.empty() ? "none" : join(usable_names, ", "));
  if (!lines.empty())
    text += "\nother candidates:\n" + join(lines, "\n");
  std::vector<std::string> dirs;
  for (const auto& dir : search_path)
    dirs.push_back(dir.string());
  text += "\nsearched: " + (dirs.empty() ? std::string("(nothing)") : join(dirs, ":"));
  for (const auto& note : notes)
    text += "\nnote: " + (note.path.empty() ? "" : note.path.string() + ": ") + note.text;
  return text;
}

// ---- the public face ----------------------------------------------------------

BackendRegistry::BackendRegistry(std::vector<fs::path> search_path, RegistryOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.search_path = std::move(search_path);
  s.options = std::move(options);
  s.timeout = probe_timeout(s.options, s.notes);
  s.probe_program = s.options.probe_program.value_or(plugin::default_probe_program());
  s.environment = plugin::environment_fingerprint();
  const fs::path dir = s.options.cache_dir.value_or(plugin::default_cache_dir());
  s.cache = plugin::ProbeCache(dir.empty() ? fs::path() : dir / kCacheFileName);
  if (dir.empty() && !s.options.cache_dir) {
    s.notes.push_back({{},
                       "no cache folder (set MINITORCH_CACHE_DIR, XDG_CACHE_HOME or HOME): "
                       "plugins are probed by every command"});
  }
  try {
    for (const auto& dir_entry : s.search_path)
      s.list_folder(dir_entry);
    s.resolve();
  } catch (const std::exception& e) {
    // Nothing above should throw; if something does (bad_alloc), discovery
    // ends with a note rather than taking the command down.
    s.notes.push_back({{}, std::string("discovery stopped early: ") + e.what()});
  }
}

BackendRegistry::~BackendRegistry() = default;
BackendRegistry::BackendRegistry(BackendRegistry&&) noexcept = default;
BackendRegistry& BackendRegistry::operator=(BackendRegistry&&) noexcept = default;

namespace {
std::mutex g_global_options_mutex;
std::optional<RegistryOptions> g_global_options;
bool g_global_built = false;
}  // namespace

BackendRegistry& BackendRegistry::global() {
  static BackendRegistry registry = [] {
    std::lock_guard<std::mutex> lock(g_global_options_mutex);
    g_global_built = true;
    return BackendRegistry(default_plugin_search_path(),
                           g_global_options.value_or(RegistryOptions{}));
  }();
  return registry;
}

bool BackendRegistry::set_global_options(RegistryOptions options) {
  std::lock_guard<std::mutex> lock(g_global_options_mutex);
  if (g_global_built)
    return false;
  g_global_options = std::move(options);
  return true;
}

const std::vector<fs::path>& BackendRegistry::search_path() const {
  return impl_->search_path;
}

const std::vector<LoadRecord>& BackendRegistry::report() const {
  return impl_->report;
}

const std::vector<SearchNote>& BackendRegistry::notes() const {
  return impl_->notes;
}

std::size_t BackendRegistry::probes_started() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->probes_started;
}

double BackendRegistry::probe_timeout_seconds() const {
  return impl_->timeout;
}

fs::path BackendRegistry::cache_file() const {
  return impl_->cache.file();
}

const std::vector<BackendPtr>& BackendRegistry::loaded() const {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mutex);
  std::vector<BackendPtr> out;
  for (std::size_t i = 0; i < s.candidates.size(); ++i) {
    if (s.candidates[i].state != Impl::Candidate::State::loadable)
      continue;
    try {
      out.push_back(s.load_in_process(i));
    } catch (const LoadError&) {
      // Left out; its record says why.
    }
  }
  s.loaded = std::move(out);
  return s.loaded;
}

std::vector<BackendPtr> BackendRegistry::usable() const {
  std::vector<BackendPtr> out;
  for (const auto& backend : loaded()) {
    if (backend->usable())
      out.push_back(backend);
  }
  return out;
}

BackendPtr BackendRegistry::get(std::string_view name, std::string* why) const {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (name == "auto") {
    // Best first; discovery order among equals.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < s.candidates.size(); ++i) {
      if (s.candidates[i].state == Impl::Candidate::State::loadable &&
          s.report[i].outcome == LoadRecord::Outcome::loaded)
        order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return backend_rank(s.report[a].name) < backend_rank(s.report[b].name);
    });
    BackendPtr best;
    for (const std::size_t i : order) {
      try {
        BackendPtr backend = s.load_in_process(i);
        if (backend->usable()) {
          best = std::move(backend);
          break;
        }
      } catch (const LoadError&) {
        // Its record now says why; the next best is tried.
      }
    }
    if (!best)
      throw LoadError("no usable backend for 'auto'\n" + s.describe_others());
    if (why) {
      std::vector<std::string> usable_names, skipped;
      for (const LoadRecord& r : s.report) {
        if (r.outcome == LoadRecord::Outcome::loaded)
          usable_names.push_back(r.name);
        else if (r.outcome == LoadRecord::Outcome::not_usable)
          skipped.push_back(r.name + " not usable: " + r.reason);
      }
      *why = "auto picked '" + best->name() + "' (usable: " + join(usable_names, ", ") + ")";
      if (!skipped.empty())
        *why += "; skipped " + join(skipped, "; ");
    }
    return best;
  }
  if (const auto i = s.winner(name)) {
    if (s.report[*i].outcome == LoadRecord::Outcome::not_usable) {
      throw LoadError("backend '" + std::string(name) +
                      "' is not usable here: " + s.report[*i].reason + "\n" + s.describe_others());
    }
    BackendPtr backend;
    try {
      backend = s.load_in_process(*i);
    } catch (const LoadError&) {
      throw LoadError("backend '" + std::string(name) + "' failed to load from " +
                      s.candidates[*i].path.string() + ": " + s.report[*i].reason + "\n" +
                      s.describe_others());
    }
    if (!backend->usable()) {
      throw LoadError("backend '" + std::string(name) + "' is not usable here: " +
                      backend->unusable_reason() + "\n" + s.describe_others());
    }
    if (why)
      *why = "using backend '" + backend->name() + "' as requested";
    return backend;
  }
  for (const auto& record : s.report) {
    if (record.name == name && record.outcome == LoadRecord::Outcome::failed) {
      throw LoadError("backend '" + std::string(name) + "' failed to load from " +
                      record.path.string() + ": " + record.reason + "\n" + s.describe_others());
    }
  }
  throw LoadError("unknown backend '" + std::string(name) + "'\n" + s.describe_others());
}

BackendPtr BackendRegistry::load_file(const fs::path& file) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.add_candidate(file);
  const std::size_t i = s.candidates.size() - 1;
  const std::string name = s.report[i].name;
  // A backend of this name that already loads, from earlier, wins.
  if (const auto earlier = s.winner(name); earlier && *earlier != i) {
    s.candidates[i].state = Impl::Candidate::State::shadowed;
    s.report[i].outcome = LoadRecord::Outcome::shadowed;
    s.report[i].reason =
        "shadowed by " + s.candidates[*earlier].path.string() + " (earlier in the search path)";
    return s.load_in_process(*earlier);
  }
  if (!s.prepare(i))
    s.probe({i});
  s.cache.save();
  s.note_cache_problems();
  if (s.candidates[i].state != Impl::Candidate::State::loadable)
    throw LoadError("cannot load plugin " + file.string() + ": " + s.report[i].reason);
  return s.load_in_process(i);
}

BackendPtr load_backend(std::string_view name) {
  return BackendRegistry::global().get(name);
}

namespace {
std::mutex g_default_mutex;
BackendPtr g_default_backend;
}  // namespace

BackendPtr default_backend() {
  std::lock_guard<std::mutex> lock(g_default_mutex);
  if (!g_default_backend)
    g_default_backend = BackendRegistry::global().get("auto");
  return g_default_backend;
}

void set_default_backend(BackendPtr backend) {
  std::lock_guard<std::mutex> lock(g_default_mutex);
  g_default_backend = std::move(backend);
}

}  // namespace mt
