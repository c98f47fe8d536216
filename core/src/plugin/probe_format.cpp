// probe_format.cpp — ProbeVerdict to and from JSON (see probe_format.hpp).
// Strict on reading: a verdict with a missing or mistyped field is refused,
// so a stale or hand-edited cache entry is probed again, never trusted.
#include "probe_format.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mt::plugin {

int32_t op_count(int32_t family) {
  switch (family) {
    case MT_FAMILY_MAP:
      return MT_MAP_OP_COUNT;
    case MT_FAMILY_ZIP:
      return MT_ZIP_OP_COUNT;
    case MT_FAMILY_REDUCE:
      return MT_REDUCE_OP_COUNT;
    case MT_FAMILY_MATMUL:
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D:
      return 1;
    case MT_FAMILY_OPTIM:
      return MT_OPTIM_KIND_COUNT;
    default:
      return 0;
  }
}

bool SupportsMatrix::get(int32_t family, int32_t op, int32_t dtype) const {
  if (family < 0 || family >= MT_FAMILY_COUNT || dtype < 0 || dtype >= MT_DTYPE_COUNT || op < 0 ||
      op >= op_count(family))
    return false;
  return (bits[static_cast<std::size_t>(family)][static_cast<std::size_t>(dtype)] >> op) & 1u;
}

void SupportsMatrix::set(int32_t family, int32_t op, int32_t dtype) {
  if (family < 0 || family >= MT_FAMILY_COUNT || dtype < 0 || dtype >= MT_DTYPE_COUNT || op < 0 ||
      op >= op_count(family))
    return;
  bits[static_cast<std::size_t>(family)][static_cast<std::size_t>(dtype)] |= uint64_t{1} << op;
}

nlohmann::json verdict_to_json(const ProbeVerdict& v) {
  nlohmann::json supports = nlohmann::json::array();
  for (const auto& per_dtype : v.supports.bits)
    supports.push_back(per_dtype);
  return {{"format", kProbeFormat}, {"loadable", v.loadable},
          {"reason", v.reason},     {"name", v.name},
          {"version", v.version},   {"device", v.device},
          {"usable", v.usable},     {"unusable_reason", v.unusable_reason},
          {"note", v.note},         {"supports", supports},
          {"output", v.output},     {"timed_out_after", v.timed_out_after}};
}

ProbeVerdict verdict_from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.at("format").get<int>() != kProbeFormat)
    throw std::runtime_error("verdict of another format");
  ProbeVerdict v;
  v.loadable = j.at("loadable").get<bool>();
  v.reason = j.at("reason").get<std::string>();
  v.name = j.at("name").get<std::string>();
  v.version = j.at("version").get<std::string>();
  v.device = j.at("device").get<int32_t>();
  v.usable = j.at("usable").get<bool>();
  v.unusable_reason = j.at("unusable_reason").get<std::string>();
  // Absent in verdicts cached before notes existed.
  if (const auto note = j.find("note"); note != j.end() && note->is_string())
    v.note = note->get<std::string>();
  const auto& supports = j.at("supports");
  if (!supports.is_array() || supports.size() != MT_FAMILY_COUNT)
    throw std::runtime_error("supports matrix of the wrong size");
  for (std::size_t f = 0; f < MT_FAMILY_COUNT; ++f) {
    const auto& row = supports.at(f);
    if (!row.is_array() || row.size() != MT_DTYPE_COUNT)
      throw std::runtime_error("supports matrix of the wrong size");
    for (std::size_t d = 0; d < MT_DTYPE_COUNT; ++d)
      v.supports.bits[f][d] = row.at(d).get<uint64_t>();
  }
  v.output = j.at("output").get<std::string>();
  v.timed_out_after = j.at("timed_out_after").get<double>();
  if (v.loadable && v.name.empty())
    throw std::runtime_error("a loadable verdict without a name");
  return v;
}

}  // namespace mt::plugin
