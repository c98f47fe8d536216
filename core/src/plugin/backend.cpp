// backend.cpp — mt::Backend: a loaded plugin table wrapped as a C++ object.
// Checks each compute call against the plugin's `supports` answers (asked
// once, at construction) and turns each slot's mt_status into a BackendError
// that names the plugin, the op, the view shapes and the plugin's own
// last_error. No shape logic here, and no fallback to another backend.
#include <minitorch/plugin/backend.hpp>
#include <minitorch/plugin_helpers.hpp>

#include "probe_format.hpp"

#include <array>
#include <cstdio>
#include <sstream>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

namespace mt {

const char* dtype_name(DType dtype) {
  return dtype == DType::f64 ? "f64" : "f32";
}

std::size_t dtype_size(DType dtype) {
  return dtype == DType::f64 ? 8 : 4;
}

DType parse_dtype(std::string_view text) {
  if (text == "f32" || text == "float32" || text == "float")
    return DType::f32;
  if (text == "f64" || text == "float64" || text == "double")
    return DType::f64;
  throw ArgumentError("unknown dtype '" + std::string(text) + "'; allowed: f32, f64");
}

const char* device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::cpu:
      return "cpu";
    case DeviceKind::cuda:
      return "cuda";
    default:
      return "other";
  }
}

mt_view make_view(void* buffer, DType dtype, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, int64_t offset) {
  if (shape.size() != strides.size()) {
    throw ShapeError("view has " + std::to_string(shape.size()) + " sizes but " +
                     std::to_string(strides.size()) + " strides");
  }
  if (shape.size() > MT_MAX_DIMS) {
    throw ShapeError("tensor has " + std::to_string(shape.size()) + " dims; at most " +
                     std::to_string(MT_MAX_DIMS) + " are allowed");
  }
  // Field by field, the entries past ndim left unset (the ABI ignores them): zero-filling
  // the two MT_MAX_DIMS arrays and copying the struct out cost more than the view itself
  // (see view_of in core/src/tensor/dispatch.cpp).
  mt_view v;
  v.buffer = buffer;
  v.offset = offset;
  v.dtype = static_cast<int32_t>(dtype);
  v.ndim = static_cast<int32_t>(shape.size());
  for (std::size_t d = 0; d < MT_MAX_DIMS; ++d) {
    if (d == shape.size())
      break;
    v.shape[d] = shape[d];
    v.strides[d] = strides[d];
  }
  return v;
}

namespace {

std::string shape_text(const mt_view& v) {
  std::ostringstream out;
  out << '(';
  for (int32_t d = 0; d < v.ndim; ++d)
    out << (d ? ", " : "") << v.shape[d];
  out << ')';
  return out.str();
}

const char* status_name(mt_status status) {
  switch (status) {
    case MT_OK:
      return "MT_OK";
    case MT_ERR_UNSUPPORTED:
      return "MT_ERR_UNSUPPORTED";
    case MT_ERR_INVALID_ARG:
      return "MT_ERR_INVALID_ARG";
    case MT_ERR_OUT_OF_MEMORY:
      return "MT_ERR_OUT_OF_MEMORY";
    case MT_ERR_DEVICE:
      return "MT_ERR_DEVICE";
    case MT_ERR_UNIMPLEMENTED:
      return "MT_ERR_UNIMPLEMENTED";
    case MT_ERR_INTERNAL:
      return "MT_ERR_INTERNAL";
  }
  return "unknown status";
}

// " in f64", for messages about a call on `view`.
std::string in_dtype(const mt_view& view) {
  return mt::sdk::valid_dtype(view.dtype) ? std::string(" in ") + mt::sdk::dtype_name(view.dtype)
                                          : " in dtype " + std::to_string(view.dtype);
}

// The named views of one call, for error messages.
using NamedViews = std::initializer_list<std::pair<const char*, const mt_view*>>;

}  // namespace

Backend::Backend(std::shared_ptr<boost::dll::shared_library> library, const mt_backend* table,
                 std::filesystem::path path)
    : library_(std::move(library)),
      table_(table),
      path_(std::move(path)),
      name_(table->name ? table->name : ""),
      version_(table->version ? table->version : ""),
      device_(static_cast<DeviceKind>(table->device_kind)) {
  if (table_->struct_size >= MT_BACKEND_SIZE_THROUGH(is_usable) && table_->is_usable) {
    std::array<char, 512> reason{};
    usable_ = table_->is_usable(table_->context, reason.data(), reason.size()) == 1;
    reason.back() = '\0';
    if (!usable_) {
      unusable_reason_ = reason[0] ? reason.data() : "plugin reported not usable (no reason given)";
    } else {
      note_ = reason.data();  // optional: what a usable plugin says of its configuration
    }
  } else {
    unusable_reason_ = "plugin has no is_usable slot";
  }
  // Asked once here, so the check before every compute call costs a bit test.
  // A plugin that is not usable is asked nothing more.
  if (usable_ && table_->struct_size >= MT_BACKEND_SIZE_THROUGH(supports) && table_->supports) {
    // A plugin of ABI 1.0, or one without the optional optim_step slot, is
    // not asked about the optim family: its answer would mean nothing.
    const bool has_optim_slot =
        table_->struct_size >= MT_BACKEND_SIZE_THROUGH(optim_step) && table_->optim_step;
    for (int32_t family = 0; family < MT_FAMILY_COUNT; ++family) {
      if (family == MT_FAMILY_OPTIM && !has_optim_slot)
        continue;
      const int32_t ops = plugin::op_count(family);
      for (int32_t op = 0; op < ops; ++op) {
        for (int32_t dtype = 0; dtype < MT_DTYPE_COUNT; ++dtype) {
          if (table_->supports(table_->context, family, op, dtype) == 1)
            supported_[static_cast<std::size_t>(family)][static_cast<std::size_t>(dtype)] |=
                uint64_t{1} << op;
        }
      }
    }
  }
}

Backend::~Backend() = default;

namespace {

// A slot is present when the table is long enough to hold it and it is set.
template <class Fn>
Fn slot_or_null(const mt_backend* table, Fn mt_backend::*member, std::size_t size_through) {
  if (table->struct_size < size_through)
    return nullptr;
  return table->*member;
}

}  // namespace

#define MT_SLOT(member) slot_or_null(table_, &mt_backend::member, MT_BACKEND_SIZE_THROUGH(member))

namespace {

[[noreturn]] void throw_failure(const Backend& backend, const std::string& op, mt_status status,
                                NamedViews views) {
  std::ostringstream out;
  out << "backend '" << backend.name() << "' failed in " << op;
  bool first = true;
  for (const auto& [label, view] : views) {
    if (view == nullptr)
      continue;
    out << (first ? " on " : ", ") << label << ' ' << shape_text(*view);
    if (first)
      out << ' ' << mt::sdk::dtype_name(view->dtype);
    first = false;
  }
  const char* message = nullptr;
  const mt_backend& table = backend.table();
  if (table.struct_size >= MT_BACKEND_SIZE_THROUGH(last_error) && table.last_error) {
    message = table.last_error(table.context);
  }
  out << ": " << status_name(status);
  if (message && *message)
    out << ": " << message;
  throw BackendError(out.str());
}

}  // namespace

bool Backend::supports(mt_family family, int32_t op, DType dtype) const {
  const int32_t d = static_cast<int32_t>(dtype);
  if (family < 0 || family >= MT_FAMILY_COUNT || d < 0 || d >= MT_DTYPE_COUNT || op < 0 ||
      op >= 64 || !mt::sdk::valid_op(family, op))
    return false;
  return (supported_[static_cast<std::size_t>(family)][static_cast<std::size_t>(d)] >> op) & 1u;
}

void Backend::require_supported(mt_family family, int32_t op, int32_t dtype) const {
  if (dtype >= 0 && dtype < MT_DTYPE_COUNT && supports(family, op, static_cast<DType>(dtype)))
    return;
  // Named from the op table: "zip.add", "matmul", "map op 99 (unknown)".
  std::string op_text = mt::sdk::family_name(family);
  if (family < 0 || family >= MT_FAMILY_COUNT)
    op_text = "family " + std::to_string(family) + " (unknown)";
  else if (!mt::sdk::valid_op(family, op))
    op_text += " op " + std::to_string(op) + " (unknown)";
  else if (mt::sdk::op_rows(family).count > 0)
    op_text += std::string(".") + mt::sdk::op_name(family, op);
  else if (family == MT_FAMILY_OPTIM)
    op_text += std::string(".") + mt::sdk::optim_kind_name(op);
  throw BackendError("backend '" + name_ + "' does not support " + op_text + " in " +
                     (mt::sdk::valid_dtype(dtype) ? std::string(mt::sdk::dtype_name(dtype))
                                                  : "dtype " + std::to_string(dtype)) +
                     " (its supports() says no; there is no fallback: move the tensors to a "
                     "backend that supports it with to(backend))");
}

#define MT_REQUIRE_SLOT(member, op_text)                                                   \
  auto fn = MT_SLOT(member);                                                               \
  if (!fn) {                                                                               \
    throw BackendError("backend '" + name_ + "' has no " #member " slot (needed for " +    \
                       std::string(op_text) + ")");                                        \
  }                                                                                        \
  if (!usable_) {                                                                          \
    throw BackendError("backend '" + name_ + "' is not usable here: " + unusable_reason_); \
  }

void* Backend::allocate(std::size_t bytes) {
  MT_REQUIRE_SLOT(alloc, "allocate");
  void* out = nullptr;
  const mt_status status = fn(table_->context, bytes, &out);
  if (status != MT_OK) {
    throw_failure(*this, "alloc of " + std::to_string(bytes) + " bytes", status, {});
  }
  return out;
}

void Backend::release(void* buffer) noexcept {
  auto fn = MT_SLOT(free);
  if (!fn || buffer == nullptr)
    return;
  const mt_status status = fn(table_->context, buffer);
  if (status != MT_OK) {
    std::fprintf(stderr, "minitorch: backend '%s' failed to free a buffer: %s\n", name_.c_str(),
                 status_name(status));
  }
}

void Backend::copy_from_host(void* dst, std::size_t dst_offset_bytes, const void* src,
                             std::size_t bytes) {
  MT_REQUIRE_SLOT(copy_from_host, "copy_from_host");
  const mt_status status = fn(table_->context, dst, dst_offset_bytes, src, bytes);
  if (status != MT_OK) {
    throw_failure(*this, "copy_from_host of " + std::to_string(bytes) + " bytes", status, {});
  }
}

void Backend::copy_to_host(void* dst, const void* src, std::size_t src_offset_bytes,
                           std::size_t bytes) {
  MT_REQUIRE_SLOT(copy_to_host, "copy_to_host");
  const mt_status status = fn(table_->context, dst, src, src_offset_bytes, bytes);
  if (status != MT_OK) {
    throw_failure(*this, "copy_to_host of " + std::to_string(bytes) + " bytes", status, {});
  }
}

void Backend::fill(const mt_view& out, double value) {
  MT_REQUIRE_SLOT(fill, "fill");
  const mt_status status = fn(table_->context, &out, value);
  if (status != MT_OK)
    throw_failure(*this, "fill", status, {{"out", &out}});
}

void Backend::synchronize() {
  MT_REQUIRE_SLOT(synchronize, "synchronize");
  const mt_status status = fn(table_->context);
  if (status != MT_OK)
    throw_failure(*this, "synchronize", status, {});
}

void Backend::map(mt_map_op op, const mt_view& out, const mt_view& in) {
  MT_REQUIRE_SLOT(map, std::string("map.") + mt::sdk::map_op_name(op) + in_dtype(out));
  require_supported(MT_FAMILY_MAP, op, out.dtype);
  const mt_status status = fn(table_->context, op, &out, &in);
  if (status != MT_OK) {
    throw_failure(*this, std::string("map.") + mt::sdk::map_op_name(op), status,
                  {{"out", &out}, {"in", &in}});
  }
}

void Backend::zip(mt_zip_op op, const mt_view& out, const mt_view& a, const mt_view& b) {
  MT_REQUIRE_SLOT(zip, std::string("zip.") + mt::sdk::zip_op_name(op) + in_dtype(out));
  require_supported(MT_FAMILY_ZIP, op, out.dtype);
  const mt_status status = fn(table_->context, op, &out, &a, &b);
  if (status != MT_OK) {
    throw_failure(*this, std::string("zip.") + mt::sdk::zip_op_name(op), status,
                  {{"out", &out}, {"a", &a}, {"b", &b}});
  }
}

void Backend::reduce(mt_reduce_op op, const mt_view& out, const mt_view& in, int32_t dim) {
  MT_REQUIRE_SLOT(reduce, std::string("reduce.") + mt::sdk::reduce_op_name(op) + in_dtype(out));
  require_supported(MT_FAMILY_REDUCE, op, out.dtype);
  const mt_status status = fn(table_->context, op, &out, &in, dim);
  if (status != MT_OK) {
    throw_failure(
        *this,
        std::string("reduce.") + mt::sdk::reduce_op_name(op) + " over dim " + std::to_string(dim),
        status, {{"out", &out}, {"in", &in}});
  }
}

void Backend::matmul(const mt_view& out, const mt_view& a, const mt_view& b) {
  MT_REQUIRE_SLOT(matmul, "matmul" + in_dtype(out));
  require_supported(MT_FAMILY_MATMUL, 0, out.dtype);
  const mt_status status = fn(table_->context, &out, &a, &b);
  if (status != MT_OK)
    throw_failure(*this, "matmul", status, {{"out", &out}, {"a", &a}, {"b", &b}});
}

void Backend::conv1d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse) {
  MT_REQUIRE_SLOT(conv1d, "conv1d" + in_dtype(out));
  require_supported(MT_FAMILY_CONV1D, 0, out.dtype);
  const mt_status status = fn(table_->context, &out, &in, &weight, reverse ? 1 : 0);
  if (status != MT_OK) {
    throw_failure(*this, reverse ? "conv1d (reverse)" : "conv1d", status,
                  {{"out", &out}, {"input", &in}, {"weight", &weight}});
  }
}

void Backend::conv2d(const mt_view& out, const mt_view& in, const mt_view& weight, bool reverse) {
  MT_REQUIRE_SLOT(conv2d, "conv2d" + in_dtype(out));
  require_supported(MT_FAMILY_CONV2D, 0, out.dtype);
  const mt_status status = fn(table_->context, &out, &in, &weight, reverse ? 1 : 0);
  if (status != MT_OK) {
    throw_failure(*this, reverse ? "conv2d (reverse)" : "conv2d", status,
                  {{"out", &out}, {"input", &in}, {"weight", &weight}});
  }
}

bool Backend::has_optim_step(mt_optim_kind kind, DType dtype) const {
  return MT_SLOT(optim_step) != nullptr && supports(MT_FAMILY_OPTIM, kind, dtype);
}

void Backend::optim_step(const mt_optim_step& step, int32_t count, const mt_view* params,
                         const mt_view* grads, const mt_view* state0, const mt_view* state1) {
  const std::string what = std::string("optim_step.") + mt::sdk::optim_kind_name(step.kind);
  const int32_t dtype = count > 0 ? params[0].dtype : MT_F32;
  MT_REQUIRE_SLOT(optim_step, what + (count > 0 ? in_dtype(params[0]) : std::string()));
  if (count > 0)
    require_supported(MT_FAMILY_OPTIM, step.kind, dtype);
  const mt_status status = fn(table_->context, &step, count, params, grads, state0, state1);
  if (status != MT_OK) {
    throw_failure(*this,
                  what + " (step " + std::to_string(step.step) + ", " + std::to_string(count) +
                      " parameters)",
                  status, {{"params[0]", count > 0 ? &params[0] : nullptr}});
  }
}

bool Backend::has_adopt_host() const {
  return host_accessible() && MT_SLOT(adopt_host) != nullptr;
}

void* Backend::adopt_host(void* data, std::size_t bytes) {
  MT_REQUIRE_SLOT(adopt_host, "adopting host memory without a copy");
  void* out = nullptr;
  const mt_status status = fn(table_->context, data, bytes, &out);
  if (status != MT_OK)
    throw_failure(*this, "adopt_host of " + std::to_string(bytes) + " bytes", status, {});
  if (out != data) {
    // The contract: a host handle is the memory itself (core reads through it).
    release(out);
    throw BackendError("backend '" + name_ +
                       "' broke the adopt_host contract: the handle differs from the memory");
  }
  return out;
}

}  // namespace mt
