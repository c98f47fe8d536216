// minitorch/backend.hpp — core's side of the plugin ABI: a loaded plugin as a
// C++ object (status codes become typed exceptions), and the registry that
// finds, loads and reports plugins. It does no shape logic: callers (the
// Tensor layer) build fully expanded views before calling a compute method.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/errors.hpp>

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
// the view shapes and the plugin's last_error on any non-OK status.
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
  // False for absent slots and unsupported (family, op, dtype).
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

  // The raw table, for the conformance kit and tests.
  const mt_backend& table() const { return *table_; }

 private:
  std::shared_ptr<boost::dll::shared_library> library_;  // keeps the .so mapped
  const mt_backend* table_;
  std::filesystem::path path_;
  std::string name_;
  std::string version_;
  DeviceKind device_;
  bool usable_ = false;
  std::string unusable_reason_;
};

using BackendPtr = std::shared_ptr<Backend>;

// Optional JSON manifest next to a plugin (same stem, ".json").
struct PluginManifest {
  std::string name;
  std::string version;
  int abi_major = 0;
  int abi_minor = 0;
  std::string device;
  std::string description;
};

// What happened to one candidate file during discovery.
struct LoadRecord {
  enum class Outcome { loaded, not_usable, failed, shadowed };
  std::filesystem::path path;
  Outcome outcome = Outcome::failed;
  std::string name;     // from the table, else the manifest, else the file name
  std::string version;  // "" when unknown
  std::string device;   // "cpu" / "cuda" / "other" / ""
  std::string reason;   // why not loaded / not usable / shadowed; "" when loaded
  std::optional<PluginManifest> manifest;
};
const char* outcome_name(LoadRecord::Outcome outcome);

// Plugin file naming convention: libminitorch_backend_<name>.so (+ .json).
std::string plugin_file_name(std::string_view backend_name);
// The backend name encoded in a plugin file name, or nullopt if it is not one.
std::optional<std::string> backend_name_from_file(const std::filesystem::path& file);

// The directories searched, in order: each entry of MINITORCH_PLUGIN_PATH
// (colon-separated), then <dir of libminitorch>/minitorch/plugins (the
// install layout), then the build tree's plugin folder.
std::vector<std::filesystem::path> default_plugin_search_path();

// Finds and loads plugins. A broken plugin yields a failed LoadRecord, never
// an exception out of the constructor.
class BackendRegistry {
 public:
  explicit BackendRegistry(std::vector<std::filesystem::path> search_path);

  // The process-wide registry over default_plugin_search_path(), built on
  // first use.
  static BackendRegistry& global();

  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }
  const std::vector<LoadRecord>& report() const { return report_; }

  // Backends that loaded (usable or not), in discovery order.
  const std::vector<BackendPtr>& loaded() const { return loaded_; }
  std::vector<BackendPtr> usable() const;

  // Load by name. "auto" picks the best usable backend (cuda > parallel >
  // reference > any other) and, if `why` is given, says why. An unknown,
  // broken or unusable name throws LoadError listing the usable backends and
  // why each other candidate failed. Never falls back silently.
  BackendPtr get(std::string_view name, std::string* why = nullptr) const;

  // Loads one plugin file directly (e.g. --plugin PATH), adding it to the
  // report. Throws LoadError with the reason on failure.
  BackendPtr load_file(const std::filesystem::path& file);

 private:
  void scan();
  std::vector<std::filesystem::path> search_path_;
  std::vector<LoadRecord> report_;
  std::vector<BackendPtr> loaded_;
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
