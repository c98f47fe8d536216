// minitorch/plugin/backend.hpp — core's side of the plugin ABI: a loaded plugin as a
// C++ object (status codes become typed exceptions), and the registry that
// finds, probes, loads and reports plugins. It does no shape logic: callers (the
// Tensor layer) build fully expanded views before calling a compute method.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/errors.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::dll {
class shared_library;
}

namespace mt {

enum class DType : int32_t { f32 = MT_F32, f64 = MT_F64 };

// "f32" / "f64".
const char* dtype_name(DType dtype);
// Bytes per element.
std::size_t dtype_size(DType dtype);
// Parses "f32"/"float32"/"f64"/"float64"; throws ArgumentError otherwise.
DType parse_dtype(std::string_view text);

enum class DeviceKind : int32_t {
  cpu = MT_DEVICE_CPU,
  cuda = MT_DEVICE_CUDA,
  other = MT_DEVICE_OTHER
};
const char* device_kind_name(DeviceKind kind);

// One loaded plugin. Shared ownership: every Storage allocated by a backend
// holds a BackendPtr, so the shared object stays loaded while any buffer is
// alive. All compute methods throw BackendError naming the plugin, the op,
// the view shapes and the plugin's last_error on any non-OK status. Before a
// compute slot is called, the op and dtype are checked against the plugin's
// `supports` answers (asked once, at construction): a "no" or an absent slot
// is a BackendError naming the backend, the op and the dtype, never a
// fallback to another backend.
class Backend {
 public:
  Backend(std::shared_ptr<boost::dll::shared_library> library, const mt_backend* table,
          std::filesystem::path path);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  DeviceKind device() const { return device_; }
  const std::filesystem::path& path() const { return path_; }
  // Host code may read/write buffers directly only when this is true.
  bool host_accessible() const { return device_ == DeviceKind::cpu; }
  bool usable() const { return usable_; }
  const std::string& unusable_reason() const { return unusable_reason_; }
  // What a usable plugin wrote of its configuration into is_usable's reason
  // buffer (e.g. "isa avx512, 2 threads"); "" when it wrote nothing.
  const std::string& note() const { return note_; }
  // What the plugin's `supports` said at load (false for every pair when it
  // is not usable, has no supports slot, or for an absent compute slot).
  bool supports(mt_family family, int32_t op, DType dtype) const;

  // Memory. allocate(0) may return nullptr.
  void* allocate(std::size_t bytes);
  void release(void* buffer) noexcept;  // failures are logged to stderr, never thrown
  void copy_from_host(void* dst, std::size_t dst_offset_bytes, const void* src, std::size_t bytes);
  void copy_to_host(void* dst, const void* src, std::size_t src_offset_bytes, std::size_t bytes);
  void fill(const mt_view& out, double value);
  void synchronize();

  // Compute families (see plugin_abi.h for each contract).
  void map(mt_map_op op, const mt_view& out, const mt_view& in);
  void zip(mt_zip_op op, const mt_view& out, const mt_view& a, const mt_view& b);
  void reduce(mt_reduce_op op, const mt_view& out, const mt_view& in, int32_t dim);
  void matmul(const mt_view& out, const mt_view& a, const mt_view& b);
  void conv1d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse);
  void conv2d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse);

  // ABI 1.1 (optional slot): whether optim_step can run `kind` in `dtype`
  // here (the slot is present and `supports` said yes).
  bool has_optim_step(mt_optim_kind kind, DType dtype) const;
  // One optimizer step over `count` parameters (the contract is the slot's).
  // BackendError when the slot is absent, unsupported or fails.
  void optim_step(const mt_optim_step& step, int32_t count, const mt_view* params,
                  const mt_view* grads, const mt_view* state0, const mt_view* state1);

  // ABI 1.1 (optional slot): whether caller-owned host memory can be viewed
  // without a copy (a host backend with the adopt_host slot).
  bool has_adopt_host() const;
  // A buffer handle referring to [data, data + bytes), released with
  // release() (which then only forgets it; the memory stays the caller's).
  // BackendError when the slot is absent or the plugin declines.
  void* adopt_host(void* data, std::size_t bytes);

  // The raw table, for the conformance kit and tests.
  const mt_backend& table() const { return *table_; }

 private:
  // Throws BackendError (backend, op, dtype) unless `supports` said yes.
  void require_supported(mt_family family, int32_t op, int32_t dtype) const;

  std::shared_ptr<boost::dll::shared_library> library_;  // keeps the .so mapped
  const mt_backend* table_;
  std::filesystem::path path_;
  std::string name_;
  std::string version_;
  DeviceKind device_;
  bool usable_ = false;
  std::string unusable_reason_;
  std::string note_;
  // One bit per op, per family and dtype: the answers of `supports`.
  std::array<std::array<uint64_t, MT_DTYPE_COUNT>, MT_FAMILY_COUNT> supported_{};
};

using BackendPtr = std::shared_ptr<Backend>;

// Optional JSON manifest next to a plugin (same stem, ".json").
struct PluginManifest {
  std::string name;
  std::string version;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::string device;  // "", "cpu", "cuda" or "other"
  std::string description;
  std::string library;  // the plugin's file name, informational
};

// Parses a manifest's text (a JSON object: name, abi_major required;
// version, abi_minor, device, description, library optional). Numbers out of
// range are reported as written. Throws DataError naming `where` and the
// problem. Pure: no file access (a fuzz target can call it).
PluginManifest parse_manifest(std::string_view text, const std::filesystem::path& where);

// Reads the manifest file `file`: nullopt when there is none. Only a regular
// file is opened (never blocks on a FIFO), at most 64 KiB. Throws DataError
// naming the file when it is a folder, FIFO or device, unreadable, too large
// or corrupt.
std::optional<PluginManifest> read_manifest(const std::filesystem::path& file);

// What happened to one candidate file during discovery.
struct LoadRecord {
  // loaded: the plugin loads and is usable here (proven by a probe in a child
  //   process; it is dlopened into this process only when used);
  // not_usable: it loads but says it cannot run here; failed: it cannot be
  //   used (reason says why); shadowed: an earlier one of that name won.
  enum class Outcome { loaded, not_usable, failed, shadowed };
  std::filesystem::path path;
  Outcome outcome = Outcome::failed;
  std::string name;     // from the table, else the manifest, else the file name
  std::string version;  // "" when unknown
  std::string device;   // "cpu" / "cuda" / "other" / ""
  std::string reason;   // why not loaded / not usable / shadowed; "" when loaded
  std::optional<PluginManifest> manifest;
  // Disagreements that do not stop the plugin, e.g. a manifest whose version
  // or device differs from the plugin's own table.
  std::vector<std::string> warnings;
  bool from_cache = false;  // the verdict came from the probe cache
  std::string output;       // the tail of what the plugin printed while probed
  // A loaded plugin's note on its configuration (e.g. "isa avx512, 2
  // threads"; see is_usable in plugin_abi.h); "" when it gives none.
  std::string note;
};
const char* outcome_name(LoadRecord::Outcome outcome);

// Something about discovery that is not one candidate: a search-path entry
// that is missing, unreadable or not a folder, a probe cache that cannot be
// read or written, a bad MINITORCH_PROBE_TIMEOUT. `path` may be empty.
struct SearchNote {
  std::filesystem::path path;
  std::string text;
};

// Plugin file naming convention: libminitorch_backend_<name>.so (+ .json).
std::string plugin_file_name(std::string_view backend_name);
// The backend name encoded in a plugin file name, or nullopt if it is not one.
std::optional<std::string> backend_name_from_file(const std::filesystem::path& file);

// The directories searched, in order: each entry of MINITORCH_PLUGIN_PATH
// (colon-separated), then <dir of libminitorch>/minitorch/plugins (the
// install layout), then the build tree's plugin folder.
std::vector<std::filesystem::path> default_plugin_search_path();

// $MINITORCH_CACHE_DIR, else $XDG_CACHE_HOME/minitorch, else
// ~/.cache/minitorch: where probe verdicts are kept (plugin-probes.json).
std::filesystem::path default_cache_dir();

struct RegistryOptions {
  bool reprobe = false;  // ignore cached verdicts: probe every candidate again
  // Where the verdict cache lives; default default_cache_dir(). An empty
  // path means no cache (every candidate is probed).
  std::optional<std::filesystem::path> cache_dir;
  // Per-probe time limit; default $MINITORCH_PROBE_TIMEOUT, else 5 s.
  std::optional<double> probe_timeout_seconds;
  // The probe program; default <dir of libminitorch>/minitorch/minitorch-plugin-probe.
  std::optional<std::filesystem::path> probe_program;
};

// Finds plugins and loads them by name. Discovery never dlopens a plugin
// into this process: each candidate passes an ELF check, its manifest (if
// any) is read, and one not yet proven loadable is probed in a child process
// under a time limit (several at once); verdicts are cached per file (path,
// size, mtime) and environment. Only the backend asked for (or auto's pick)
// is dlopened here. A broken plugin yields a failed LoadRecord, never an
// exception out of the constructor, a crash or a hang.
// Thread-safe, except that report() and notes() must not be read while
// another thread loads (get, loaded, usable, load_file).
class BackendRegistry {
 public:
  explicit BackendRegistry(std::vector<std::filesystem::path> search_path,
                           RegistryOptions options = {});
  ~BackendRegistry();
  BackendRegistry(BackendRegistry&&) noexcept;
  BackendRegistry& operator=(BackendRegistry&&) noexcept;

  // The process-wide registry over default_plugin_search_path(), built on
  // first use.
  static BackendRegistry& global();
  // Options for global(); only before its first use (returns false after).
  static bool set_global_options(RegistryOptions options);

  const std::vector<std::filesystem::path>& search_path() const;
  const std::vector<LoadRecord>& report() const;
  const std::vector<SearchNote>& notes() const;

  // Every backend the probes proved loadable (usable or not), loaded into
  // this process, in discovery order. One that fails to load here after all
  // is left out and its record says why.
  const std::vector<BackendPtr>& loaded() const;
  std::vector<BackendPtr> usable() const;

  // Load by name. "auto" picks the best usable backend (cuda > parallel >
  // reference > any other) and, if `why` is given, says why. An unknown,
  // broken or unusable name throws LoadError listing the usable backends and
  // why each other candidate failed. Never falls back silently.
  BackendPtr get(std::string_view name, std::string* why = nullptr) const;

  // Loads one plugin file directly (e.g. --plugin PATH) through the same
  // checks and probe, adding it to the report. Throws LoadError with the
  // reason on failure.
  BackendPtr load_file(const std::filesystem::path& file);

  // How many probe children this registry started (tests use it to see
  // that a cached verdict was used).
  std::size_t probes_started() const;
  double probe_timeout_seconds() const;
  // The verdict cache file, or "" when there is none.
  std::filesystem::path cache_file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience over the global registry.
BackendPtr load_backend(std::string_view name);

// The backend used when none is named: set by the CLI; defaults on first use
// to load_backend("auto").
BackendPtr default_backend();
void set_default_backend(BackendPtr backend);

// Builds a view (helper for tests and core).
mt_view make_view(void* buffer, DType dtype, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, int64_t offset = 0);

}  // namespace mt
