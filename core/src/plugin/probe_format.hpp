// probe_format.hpp — what a probe of one plugin file finds (ProbeVerdict) and
// its JSON form, shared by the probe program (which writes it), the host
// (which reads it) and the verdict cache (which stores it). Not the probing
// itself: that is probe_main.cpp (child side) and probe_runner.cpp (host side).
#pragma once

#include <minitorch/plugin_abi.h>

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mt::plugin {

// Bumped whenever the meaning or layout of a verdict changes: a cached
// verdict of another format is probed again.
constexpr int kProbeFormat = 1;

// The probe program's protocol on file descriptor 3: lines "stage <name>"
// as it goes (so a crash or hang can be placed), then one "result <json>".
constexpr int kProbeResultFd = 3;

// Ops of a family: MT_MAP_OP_COUNT etc.; 1 for matmul and the convolutions
// (op 0); 0 for an unknown family.
int32_t op_count(int32_t family);

// Which (family, op, dtype) a plugin's `supports` said yes to: one bit per op.
struct SupportsMatrix {
  std::array<std::array<uint64_t, MT_DTYPE_COUNT>, MT_FAMILY_COUNT> bits{};
  bool get(int32_t family, int32_t op, int32_t dtype) const;
  void set(int32_t family, int32_t op, int32_t dtype);
};
static_assert(MT_MAP_OP_COUNT <= 64 && MT_ZIP_OP_COUNT <= 64 && MT_REDUCE_OP_COUNT <= 64,
              "SupportsMatrix keeps one 64-bit mask per family and dtype");

struct ProbeVerdict {
  bool loadable = false;  // the ELF check, dlopen, entry and table checks passed
  std::string reason;     // why not loadable (a failed record's reason)
  std::string name;       // from the table
  std::string version;
  int32_t device = -1;  // mt_device_kind
  bool usable = false;
  std::string unusable_reason;
  std::string note;              // what a usable plugin said of its configuration
  SupportsMatrix supports;       // asked only when usable
  std::string output;            // tail of what the plugin printed while probed
  double timed_out_after = 0.0;  // > 0: killed at this limit (seconds)
  bool cacheable = true;         // false when the probe itself could not run
};

nlohmann::json verdict_to_json(const ProbeVerdict& verdict);
// Throws nlohmann::json::exception or std::runtime_error on a malformed verdict.
ProbeVerdict verdict_from_json(const nlohmann::json& j);

}  // namespace mt::plugin
