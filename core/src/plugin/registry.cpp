// registry.cpp — plugin discovery and loading: the search path, the file
// naming convention, manifests, the load report and load-by-name / "auto".
// A broken candidate becomes a failed LoadRecord; it never throws out of here.
#include <minitorch/backend.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace mt {

namespace {

constexpr std::string_view kPrefix = "libminitorch_backend_";
constexpr std::string_view kSuffix = ".so";

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty())
      out += sep;
    out += item;
  }
  return out;
}

// Reads and validates the manifest next to a plugin. Throws DataError naming
// the file and the problem.
PluginManifest read_manifest(const fs::path& file) {
  std::ifstream in(file);
  if (!in)
    throw DataError("cannot open manifest " + file.string());
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw DataError("corrupt manifest " + file.string() + ": " + e.what());
  }
  if (!j.is_object())
    throw DataError("corrupt manifest " + file.string() + ": not a JSON object");
  PluginManifest m;
  auto get_string = [&](const char* key, bool required) -> std::string {
    if (!j.contains(key)) {
      if (required) {
        throw DataError("corrupt manifest " + file.string() + ": missing field '" + key + "'");
      }
      return "";
    }
    if (!j[key].is_string()) {
      throw DataError("corrupt manifest " + file.string() + ": field '" + key +
                      "' must be a string");
    }
    return j[key].get<std::string>();
  };
  auto get_int = [&](const char* key) -> int {
    if (!j.contains(key)) {
      throw DataError("corrupt manifest " + file.string() + ": missing field '" + key + "'");
    }
    if (!j[key].is_number_integer()) {
      throw DataError("corrupt manifest " + file.string() + ": field '" + key +
                      "' must be an integer");
    }
    return j[key].get<int>();
  };
  m.name = get_string("name", true);
  m.version = get_string("version", false);
  m.abi_major = get_int("abi_major");
  m.abi_minor = j.contains("abi_minor") ? get_int("abi_minor") : 0;
  m.device = get_string("device", false);
  m.description = get_string("description", false);
  return m;
}

int backend_rank(const Backend& backend) {
  if (backend.name() == "cuda")
    return 0;
  if (backend.name() == "parallel")
    return 1;
  if (backend.name() == "reference")
    return 2;
  return 3;
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

BackendRegistry::BackendRegistry(std::vector<fs::path> search_path)
    : search_path_(std::move(search_path)) {
  scan();
}

BackendRegistry& BackendRegistry::global() {
  static BackendRegistry registry(default_plugin_search_path());
  return registry;
}

void BackendRegistry::scan() {
  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      continue;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (backend_name_from_file(it->path()))
        files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      try {
        load_file(file);
      } catch (const LoadError&) {
        // Recorded in the report by load_file; discovery goes on.
      }
    }
  }
}

BackendPtr BackendRegistry::load_file(const fs::path& file) {
  LoadRecord record;
  record.path = file;
  record.name = backend_name_from_file(file).value_or(file.filename().string());
  auto fail = [&](const std::string& reason) -> BackendPtr {
    record.outcome = LoadRecord::Outcome::failed;
    record.reason = reason;
    report_.push_back(record);
    throw LoadError("cannot load plugin " + file.string() + ": " + reason);
  };

  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    return fail("no such file");

  // A backend with this name already loaded from earlier in the search path wins.
  for (const auto& loaded : loaded_) {
    if (loaded->name() == record.name) {
      record.outcome = LoadRecord::Outcome::shadowed;
      record.reason = "shadowed by " + loaded->path().string() + " (earlier in the search path)";
      report_.push_back(record);
      return loaded;
    }
  }

  fs::path manifest_path = file;
  manifest_path.replace_extension(".json");
  if (fs::exists(manifest_path, ec)) {
    try {
      record.manifest = read_manifest(manifest_path);
    } catch (const DataError& e) {
      return fail(e.what());
    }
    record.version = record.manifest->version;
    record.device = record.manifest->device;
    if (record.manifest->name != record.name) {
      return fail("manifest " + manifest_path.string() + " names backend '" +
                  record.manifest->name + "' but the file is for '" + record.name + "'");
    }
    if (record.manifest->abi_major != MT_ABI_MAJOR) {
      return fail("manifest " + manifest_path.string() + " declares ABI " +
                  std::to_string(record.manifest->abi_major) + "." +
                  std::to_string(record.manifest->abi_minor) + "; this host speaks ABI " +
                  std::to_string(MT_ABI_MAJOR) + "." + std::to_string(MT_ABI_MINOR));
    }
  }

  std::shared_ptr<boost::dll::shared_library> library;
  try {
    library = std::make_shared<boost::dll::shared_library>(
        file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fail(std::string("dlopen failed: ") + e.what());
  }
  if (!library->has(MT_PLUGIN_ENTRY_SYMBOL)) {
    return fail(std::string("missing entry symbol '") + MT_PLUGIN_ENTRY_SYMBOL + "'");
  }
  const mt_backend* table = nullptr;
  try {
    auto& entry = library->get<const mt_backend*(uint32_t, uint32_t)>(MT_PLUGIN_ENTRY_SYMBOL);
    table = entry(MT_ABI_MAJOR, MT_ABI_MINOR);
  } catch (const std::exception& e) {
    return fail(std::string("entry point threw: ") + e.what());
  }
  if (table == nullptr)
    return fail("entry point returned NULL");
  if (table->abi_major != MT_ABI_MAJOR) {
    return fail("ABI major mismatch: plugin speaks " + std::to_string(table->abi_major) + "." +
                std::to_string(table->abi_minor) + ", host speaks " + std::to_string(MT_ABI_MAJOR) +
                "." + std::to_string(MT_ABI_MINOR));
  }
  if (table->struct_size < MT_BACKEND_SIZE_THROUGH(context)) {
    return fail("table too small: struct_size " + std::to_string(table->struct_size) +
                " bytes is less than the fixed header");
  }
  const std::string table_name = table->name ? table->name : "";
  if (table_name != record.name) {
    return fail("plugin calls itself '" + table_name + "' but its file name says '" + record.name +
                "'");
  }
  if (table->device_kind < MT_DEVICE_CPU || table->device_kind > MT_DEVICE_OTHER) {
    return fail("unknown device kind " + std::to_string(table->device_kind));
  }

  auto backend = std::make_shared<Backend>(std::move(library), table, file);
  record.version = backend->version();
  record.device = device_kind_name(backend->device());
  if (backend->usable()) {
    record.outcome = LoadRecord::Outcome::loaded;
  } else {
    record.outcome = LoadRecord::Outcome::not_usable;
    record.reason = backend->unusable_reason();
  }
  report_.push_back(record);
  loaded_.push_back(backend);
  return backend;
}

std::vector<BackendPtr> BackendRegistry::usable() const {
  std::vector<BackendPtr> out;
  for (const auto& backend : loaded_) {
    if (backend->usable())
      out.push_back(backend);
  }
  return out;
}

BackendPtr BackendRegistry::get(std::string_view name, std::string* why) const {
  std::vector<std::string> usable_names;
  for (const auto& backend : loaded_) {
    if (backend->usable())
      usable_names.push_back(backend->name());
  }
  auto describe_others = [&]() {
    std::vector<std::string> lines;
    for (const auto& record : report_) {
      if (record.outcome == LoadRecord::Outcome::loaded)
        continue;
      lines.push_back("  " + record.name + " (" + record.path.string() +
                      "): " + outcome_name(record.outcome) + ": " + record.reason);
    }
    std::string text =
        "usable backends: " + (usable_names.empty() ? "none" : join(usable_names, ", "));
    if (!lines.empty())
      text += "\nother candidates:\n" + join(lines, "\n");
    std::vector<std::string> dirs;
    for (const auto& dir : search_path_)
      dirs.push_back(dir.string());
    text += "\nsearched: " + (dirs.empty() ? std::string("(nothing)") : join(dirs, ":"));
    return text;
  };

  if (name == "auto") {
    BackendPtr best;
    for (const auto& backend : loaded_) {
      if (backend->usable() && (!best || backend_rank(*backend) < backend_rank(*best))) {
        best = backend;
      }
    }
    if (!best)
      throw LoadError("no usable backend for 'auto'\n" + describe_others());
    if (why) {
      std::vector<std::string> skipped;
      for (const auto& backend : loaded_) {
        if (!backend->usable()) {
          skipped.push_back(backend->name() + " not usable: " + backend->unusable_reason());
        }
      }
      *why = "auto picked '" + best->name() + "' (usable: " + join(usable_names, ", ") + ")";
      if (!skipped.empty())
        *why += "; skipped " + join(skipped, "; ");
    }
    return best;
  }
  for (const auto& backend : loaded_) {
    if (backend->name() != name)
      continue;
    if (!backend->usable()) {
      throw LoadError("backend '" + std::string(name) + "' is not usable here: " +
                      backend->unusable_reason() + "\n" + describe_others());
    }
    if (why)
      *why = "using backend '" + backend->name() + "' as requested";
    return backend;
  }
  for (const auto& record : report_) {
    if (record.name == name && record.outcome == LoadRecord::Outcome::failed) {
      throw LoadError("backend '" + std::string(name) + "' failed to load from " +
                      record.path.string() + ": " + record.reason + "\n" + describe_others());
    }
  }
  throw LoadError("unknown backend '" + std::string(name) + "'\n" + describe_others());
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
