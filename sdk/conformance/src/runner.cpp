// runner.cpp — runs one conformance case: for an op case, uploads the plan's
// buffers (with guard elements and NaN-poisoned gaps), calls the op on the
// candidate and on the reference (f64), and compares values (to the op
// table's tolerance), guard bytes and inputs; gradient cases go to
// grad_cases.cpp. It does not choose cases or layouts (cases.cpp) and does
// no reporting.

#include "adopt_cases.hpp"
#include "grad_cases.hpp"
#include "optim_cases.hpp"
#include "plan.hpp"
#include "text.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace mt::conformance {

namespace {

using detail::index_text;
using detail::list_text;
using detail::round_to;

using detail::Operand;
using detail::Plan;
using detail::ViewSpec;
using Bytes = std::vector<unsigned char>;
using Status = CaseResult::Status;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Output buffers start filled with this byte, so an element the candidate
// never wrote, and a write outside the view, are both visible.
constexpr unsigned char kSentinelByte = 0xA5;

std::size_t size_of(DType dtype) {
  return dtype == DType::f64 ? sizeof(double) : sizeof(float);
}

// `values` must already be representable in `dtype` (see round_to).
Bytes to_bytes(const std::vector<double>& values, DType dtype) {
  Bytes out(values.size() * size_of(dtype));
  if (dtype == DType::f64) {
    std::memcpy(out.data(), values.data(), out.size());
  } else {
    std::vector<float> f(values.begin(), values.end());
    std::memcpy(out.data(), f.data(), out.size());
  }
  return out;
}

double element_at(const Bytes& bytes, int64_t position, DType dtype) {
  const auto at = static_cast<std::size_t>(position) * size_of(dtype);
  if (dtype == DType::f64) {
    double d;
    std::memcpy(&d, bytes.data() + at, sizeof d);
    return d;
  }
  float f;
  std::memcpy(&f, bytes.data() + at, sizeof f);
  return static_cast<double>(f);
}

bool same_element_bytes(const Bytes& a, const Bytes& b, int64_t position, DType dtype) {
  const std::size_t n = size_of(dtype);
  const auto at = static_cast<std::size_t>(position) * n;
  return std::memcmp(a.data() + at, b.data() + at, n) == 0;
}

std::string number(double x, DType dtype) {
  return detail::number_text(x, dtype == DType::f64 ? 17 : 9);
}

std::string short_number(double x) {
  return detail::number_text(x, 3);
}

std::string view_text(const ViewSpec& v) {
  return "shape " + list_text(v.shape) + ", strides " + list_text(v.strides) + ", offset " +
         std::to_string(v.offset);
}

// A buffer allocated on a backend, released on scope exit.
class DeviceBuffer {
 public:
  DeviceBuffer(Backend& backend, std::size_t bytes)
      : backend_(backend), data_(backend.allocate(bytes)) {}
  ~DeviceBuffer() { backend_.release(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* data() const { return data_; }

 private:
  Backend& backend_;
  void* data_;
};

mt_view to_view(const ViewSpec& v, void* buffer, DType dtype) {
  return make_view(buffer, dtype, v.shape, v.strides, v.offset);
}

// What one execution of a plan produced.
struct Execution {
  std::string failure;               // non-empty: the call or a check failed
  std::vector<double> out;           // output elements in row-major order
  std::vector<char> still_sentinel;  // per output element: never written
};

// Calls the op; returns "" or what went wrong.
using OpCall =
    std::function<std::string(Backend&, const mt_view& out, const std::vector<mt_view>& inputs)>;

std::string call_op(const Plan& p, Backend& be, const mt_view& out,
                    const std::vector<mt_view>& in) {
  try {
    switch (p.family) {
      case MT_FAMILY_MAP:
        be.map(static_cast<mt_map_op>(p.op), out, in[0]);
        break;
      case MT_FAMILY_ZIP:
        be.zip(static_cast<mt_zip_op>(p.op), out, in[0], in[1]);
        break;
      case MT_FAMILY_REDUCE:
        be.reduce(static_cast<mt_reduce_op>(p.op), out, in[0], p.dim);
        break;
      case MT_FAMILY_MATMUL:
        be.matmul(out, in[0], in[1]);
        break;
      case MT_FAMILY_CONV1D:
        be.conv1d(out, in[0], in[1], p.reverse);
        break;
      case MT_FAMILY_CONV2D:
        be.conv2d(out, in[0], in[1], p.reverse);
        break;
      default:
        be.fill(out, p.fill_value);
        break;
    }
    be.synchronize();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Uploads the plan's buffers to `be` in `dtype`, runs `op`, downloads, and
// checks that nothing outside the output view changed and that inputs are
// unchanged. `values` are the input buffers' contents (already rounded).
Execution execute(Backend& be, DType dtype, const Plan& plan,
                  const std::vector<std::vector<double>>& values, const OpCall& op) {
  // Buffer positions of the output view's elements, in row-major order.
  const std::vector<int64_t> out_positions = detail::positions(plan.output);
  Execution result;
  const std::size_t n_in = plan.inputs.size();
  std::vector<Bytes> images(n_in);
  std::vector<std::unique_ptr<DeviceBuffer>> buffers(n_in);
  for (std::size_t i = 0; i < n_in; ++i) {
    images[i] = to_bytes(values[i], dtype);
    buffers[i] = std::make_unique<DeviceBuffer>(be, images[i].size());
  }
  const bool aliased = plan.aliased_input >= 0;
  const auto alias = static_cast<std::size_t>(plan.aliased_input);
  Bytes out_image = aliased ? images[alias]
                            : Bytes(static_cast<std::size_t>(plan.output.storage) * size_of(dtype),
                                    kSentinelByte);
  std::unique_ptr<DeviceBuffer> own_out;
  if (!aliased)
    own_out = std::make_unique<DeviceBuffer>(be, out_image.size());
  void* out_buffer = aliased ? buffers[alias]->data() : own_out->data();

  auto upload = [&] {
    for (std::size_t i = 0; i < n_in; ++i)
      be.copy_from_host(buffers[i]->data(), 0, images[i].data(), images[i].size());
    if (!aliased)
      be.copy_from_host(out_buffer, 0, out_image.data(), out_image.size());
  };
  upload();

  std::vector<mt_view> in_views;
  for (std::size_t i = 0; i < n_in; ++i)
    in_views.push_back(to_view(plan.inputs[i].view, buffers[i]->data(), dtype));
  const mt_view out_view = to_view(plan.output, out_buffer, dtype);

  if (plan.null_empty_buffers) {
    // The header allows a NULL buffer for a view without elements.
    auto nulled = [](mt_view v) {
      if (mt::sdk::element_count(v) == 0)
        v.buffer = nullptr;
      return v;
    };
    std::vector<mt_view> null_in;
    for (const auto& v : in_views)
      null_in.push_back(nulled(v));
    const std::string failure = op(be, nulled(out_view), null_in);
    if (!failure.empty()) {
      result.failure = "with a NULL buffer for each view without elements: " + failure;
      return result;
    }
    upload();  // start the checked call from the same state as everyone else
  }

  const std::string failure = op(be, out_view, in_views);
  if (!failure.empty()) {
    result.failure = failure;
    // Still check the guards: even a failing call must not write outside its output.
  }

  Bytes after(out_image.size());
  be.copy_to_host(after.data(), out_buffer, 0, after.size());
  // Outside the view, `after` must equal `out_image` byte for byte. Compare
  // whole buffers (cheap) and look for the position only when they differ.
  Bytes outside = after;
  const std::size_t esize = size_of(dtype);
  for (const int64_t p : out_positions)
    std::memcpy(outside.data() + static_cast<std::size_t>(p) * esize,
                out_image.data() + static_cast<std::size_t>(p) * esize, esize);
  int64_t outside_writes = 0, first_outside = -1;
  if (outside != out_image) {
    for (int64_t p = 0; p < plan.output.storage; ++p) {
      if (!same_element_bytes(outside, out_image, p, dtype)) {
        if (first_outside < 0)
          first_outside = p;
        ++outside_writes;
      }
    }
  }
  if (outside_writes > 0) {
    std::string text = "out-of-bounds write: buffer element " + std::to_string(first_outside) +
                       ", outside the out view (" + view_text(plan.output) + ") in a buffer of " +
                       std::to_string(plan.output.storage) + " elements, changed from " +
                       number(element_at(out_image, first_outside, dtype), dtype) + " to " +
                       number(element_at(after, first_outside, dtype), dtype) + " (" +
                       std::to_string(outside_writes) + " element(s) outside the view changed)";
    result.failure = result.failure.empty() ? text : result.failure + "; and " + text;
    return result;
  }

  for (std::size_t i = 0; i < n_in; ++i) {
    if (aliased && i == alias)
      continue;
    Bytes now(images[i].size());
    be.copy_to_host(now.data(), buffers[i]->data(), 0, now.size());
    if (now == images[i])
      continue;
    for (int64_t p = 0; p < plan.inputs[i].view.storage; ++p) {
      if (!same_element_bytes(now, images[i], p, dtype)) {
        const std::string text = "input '" + plan.inputs[i].name +
                                 "' was modified: buffer element " + std::to_string(p) +
                                 " changed from " + number(element_at(images[i], p, dtype), dtype) +
                                 " to " + number(element_at(now, p, dtype), dtype);
        result.failure = result.failure.empty() ? text : result.failure + "; and " + text;
        return result;
      }
    }
  }
  if (!result.failure.empty())
    return result;

  result.out.reserve(out_positions.size());
  result.still_sentinel.reserve(out_positions.size());
  for (const int64_t p : out_positions) {
    result.out.push_back(element_at(after, p, dtype));
    result.still_sentinel.push_back(!aliased && same_element_bytes(after, out_image, p, dtype));
  }
  return result;
}

// ---------------------------------------------------------------------------
// Tolerances
// ---------------------------------------------------------------------------

struct Tolerance {
  double rtol = 0;
  // Scale each error by the same computation on |inputs| (Σ|a·b|) instead of
  // |expected|: the right yardstick for sums, where cancellation makes
  // |expected| arbitrarily small compared with the rounding of its terms.
  bool absolute_scale = false;
  std::string rule;  // how rtol was chosen, for messages
};

// The op table's tolerance for map, zip and reduce (op_table.h's RTOL and
// SCALE columns); matmul and conv, which have no table rows, are sums of
// products with the rounded-arithmetic tolerance. Exact means 0.
Tolerance tolerance_for(const Plan& p, DType dtype) {
  const bool f32 = dtype == DType::f32;
  const double eps = f32 ? 0x1p-23 : 0x1p-52;
  const std::string dtype_text = f32 ? "f32" : "f64";
  // Sums of n terms in any order and any blocking. The inputs are zero-mean
  // random values, so rounding errors grow like sqrt(n) relative to Σ|terms|
  // (the worst case n·eps would hide a lost block of a long reduction).
  auto accumulation = [&](double rtol, int64_t terms, const char* what, bool absolute) {
    Tolerance t;
    t.rtol = rtol + 4.0 * std::sqrt(static_cast<double>(terms)) * eps;
    t.absolute_scale = absolute;
    t.rule = "op table " + dtype_text + " rtol " + short_number(rtol) + " + 4 x sqrt(" +
             std::to_string(terms) + " " + what + ") x eps";
    return t;
  };
  if (const sdk::OpInfo* row = sdk::op_info(p.family, p.op)) {
    const double rtol = row->rtol(static_cast<int32_t>(dtype));
    const std::string name = std::string(sdk::family_name(p.family)) + "." + row->name;
    if (p.family == MT_FAMILY_REDUCE && rtol > 0) {
      const int64_t n = p.inputs[0].view.shape[static_cast<std::size_t>(p.dim)];
      return accumulation(rtol, n, "terms", row->scale == sdk::ErrorScale::terms);
    }
    return {rtol, false,
            rtol == 0 ? "exact (op table)"
                      : "op table " + dtype_text + " rtol of " + name + " " + short_number(rtol)};
  }
  const double products =
      sdk::op_info(MT_FAMILY_ZIP, MT_ZIP_MUL)->rtol(static_cast<int32_t>(dtype));
  switch (p.family) {
    case MT_FAMILY_MATMUL:
      return accumulation(products, p.inputs[0].view.shape[2], "products", true);
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D: {
      const auto& w = p.inputs[1].view.shape;
      int64_t terms = 1;
      for (std::size_t d = 1; d < w.size(); ++d)
        terms *= w[d];
      return accumulation(products, terms, "products", true);
    }
    default:
      return {0.0, false, "exact"};  // memory.fill: the value itself
  }
}

// Compares got with expected element by element; fills result.
void compare(const std::vector<double>& expected, const std::vector<double>& scale,
             const Execution& got, const Tolerance& tol, const Plan& plan, DType dtype,
             CaseResult& result) {
  const double floor = dtype == DType::f32 ? static_cast<double>(std::numeric_limits<float>::min())
                                           : std::numeric_limits<double>::min();
  int64_t bad = 0;
  std::string first;
  double max_error = 0.0;
  for (std::size_t e = 0; e < expected.size(); ++e) {
    const double want = expected[e];
    const double have = got.out[e];
    std::string problem;
    double error = 0.0;
    if (std::isnan(want) || std::isnan(have)) {
      if (std::isnan(want) != std::isnan(have)) {
        error = kInf;
        problem = "NaN must match NaN";
      }
    } else if (std::isinf(want) || std::isinf(have)) {
      if (want != have) {
        error = kInf;
        problem = "infinities must match exactly";
      }
    } else {
      double s = std::fabs(want);
      if (tol.absolute_scale && std::isfinite(scale[e]))
        s = std::fabs(scale[e]);
      const double denominator = std::max(s, floor);
      const double diff = std::fabs(have - want);
      error = diff / denominator;
      if (diff > tol.rtol * denominator) {
        problem = "|diff| " + short_number(diff) + " > tolerance " +
                  short_number(tol.rtol * denominator) + " (rtol " + short_number(tol.rtol) + " [" +
                  tol.rule + "] x scale " + short_number(denominator) + ")";
      }
    }
    max_error = std::max(max_error, error);
    if (problem.empty())
      continue;
    if (bad++ == 0) {
      first = "element " + std::to_string(e) + " at index " +
              index_text(plan.output.shape, static_cast<int64_t>(e)) + ": expected " +
              number(want, dtype) + ", got " + number(have, dtype);
      if (got.still_sentinel[e])
        first += " (never written: it still holds the pre-fill pattern)";
      first += "; " + problem;
    }
  }
  result.max_error = max_error;
  if (bad == 0) {
    result.status = Status::passed;
    return;
  }
  result.status = Status::failed;
  result.message = std::to_string(bad) + " of " + std::to_string(expected.size()) +
                   " elements wrong; first: " + first;
}

CaseResult failed(std::string message, double max_error = 0.0) {
  return {Status::failed, std::move(message), max_error};
}

// ---------------------------------------------------------------------------
// Cases that are not "compute and compare"
// ---------------------------------------------------------------------------

const char* status_text(mt_status s) {
  switch (s) {
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
  return "an unknown status";
}

// A conv call that breaks the header's contract must be refused with
// MT_ERR_INVALID_ARG and a message, without writing anything. Calls the raw
// slot so the exact status is visible.
CaseResult run_reject(const Plan& plan, Backend& candidate, DType dtype,
                      const std::vector<std::vector<double>>& values) {
  const mt_backend& table = candidate.table();
  const bool two_d = plan.family == MT_FAMILY_CONV2D;
  const bool present = two_d ? table.struct_size >= MT_BACKEND_SIZE_THROUGH(conv2d) && table.conv2d
                             : table.struct_size >= MT_BACKEND_SIZE_THROUGH(conv1d) && table.conv1d;
  if (!present)
    return failed(std::string("supports() says yes but the table has no ") +
                  (two_d ? "conv2d" : "conv1d") + " slot");
  std::string status_failure;
  OpCall op = [&](Backend&, const mt_view& out, const std::vector<mt_view>& in) -> std::string {
    const mt_status s =
        two_d ? table.conv2d(table.context, &out, &in[0], &in[1], plan.reverse ? 1 : 0)
              : table.conv1d(table.context, &out, &in[0], &in[1], plan.reverse ? 1 : 0);
    if (s != MT_ERR_INVALID_ARG) {
      status_failure = std::string("expected MT_ERR_INVALID_ARG because ") + plan.reject_reason +
                       ", got " + status_text(s);
      return "";
    }
    const char* message =
        table.struct_size >= MT_BACKEND_SIZE_THROUGH(last_error) && table.last_error != nullptr
            ? table.last_error(table.context)
            : nullptr;
    if (message == nullptr || *message == '\0')
      status_failure = "returned MT_ERR_INVALID_ARG but last_error is empty; it must say why";
    return "";
  };
  const Execution run = execute(candidate, dtype, plan, values, op);
  if (!run.failure.empty())
    return failed(run.failure);
  if (!status_failure.empty())
    return failed(status_failure);
  return {Status::passed, "", 0.0};
}

// The unknown-op rule of plugin_abi.h: for op values the op table does not
// have (one past the last, far past it, negative), `supports` answers 0 in
// both dtypes and the slot returns MT_ERR_UNSUPPORTED with a last_error and
// writes nothing (not even the output view). Calls the raw slot, so the
// exact status is visible.
CaseResult run_unknown_op(const Plan& plan, Backend& candidate, DType dtype,
                          const std::vector<std::vector<double>>& values) {
  const mt_backend& table = candidate.table();
  const int32_t count = sdk::op_count(plan.family);
  const std::vector<int32_t> unknown = {count, count + 7, -1, std::numeric_limits<int32_t>::max()};
  const std::string family = sdk::family_name(plan.family);
  // The plugin's own answer, from its raw slot: core's Backend::supports
  // answers from the op table and is never true for an unknown op.
  const bool has_supports =
      table.struct_size >= MT_BACKEND_SIZE_THROUGH(supports) && table.supports != nullptr;
  for (const int32_t op : unknown)
    for (const DType d : {DType::f32, DType::f64})
      if (has_supports &&
          table.supports(table.context, plan.family, op, static_cast<int32_t>(d)) == 1)
        return failed("supports(" + family + ", op " + std::to_string(op) + ", " + dtype_name(d) +
                      ") says 1, but the op table has no " + family + " op " + std::to_string(op) +
                      " (ops 0.." + std::to_string(count - 1) +
                      "); an unknown op must be unsupported");
  const bool present = plan.family == MT_FAMILY_MAP
                           ? table.struct_size >= MT_BACKEND_SIZE_THROUGH(map) && table.map
                       : plan.family == MT_FAMILY_ZIP
                           ? table.struct_size >= MT_BACKEND_SIZE_THROUGH(zip) && table.zip
                           : table.struct_size >= MT_BACKEND_SIZE_THROUGH(reduce) && table.reduce;
  if (!present)
    return failed("the table has no " + family + " slot, which is required");
  std::string status_failure;
  OpCall op_call = [&](Backend&, const mt_view& out, const std::vector<mt_view>& in) {
    for (const int32_t op : unknown) {
      const mt_status s = plan.family == MT_FAMILY_MAP ? table.map(table.context, op, &out, &in[0])
                          : plan.family == MT_FAMILY_ZIP
                              ? table.zip(table.context, op, &out, &in[0], &in[1])
                              : table.reduce(table.context, op, &out, &in[0], plan.dim);
      if (s != MT_ERR_UNSUPPORTED) {
        status_failure = family + " op " + std::to_string(op) +
                         " (unknown to the op table) must give MT_ERR_UNSUPPORTED, got " +
                         status_text(s);
        return std::string();
      }
      const char* message =
          table.struct_size >= MT_BACKEND_SIZE_THROUGH(last_error) && table.last_error != nullptr
              ? table.last_error(table.context)
              : nullptr;
      if (message == nullptr || *message == '\0') {
        status_failure = family + " op " + std::to_string(op) +
                         " returned MT_ERR_UNSUPPORTED but last_error is empty; it must say why";
        return std::string();
      }
    }
    return std::string();
  };
  const Execution run = execute(candidate, dtype, plan, values, op_call);
  if (!run.failure.empty())
    return failed(run.failure);
  if (!status_failure.empty())
    return failed(status_failure);
  for (std::size_t e = 0; e < run.still_sentinel.size(); ++e)
    if (!run.still_sentinel[e])
      return failed("a refused call with an unknown " + family + " op wrote output element " +
                    std::to_string(e) + "; a failing call must leave the output alone");
  return {Status::passed, "", 0.0};
}

// copy_from_host / copy_to_host with byte offsets, and zero-byte copies.
CaseResult run_copy(Backend& be) {
  constexpr std::size_t kBytes = 256;
  Bytes pattern(kBytes), patch(40);
  for (std::size_t i = 0; i < kBytes; ++i)
    pattern[i] = static_cast<unsigned char>(i * 7 + 3);
  for (std::size_t i = 0; i < patch.size(); ++i)
    patch[i] = static_cast<unsigned char>(200 - i);
  DeviceBuffer buffer(be, kBytes);
  be.copy_from_host(buffer.data(), 0, pattern.data(), kBytes);
  be.copy_from_host(buffer.data(), 24, patch.data(), patch.size());
  be.copy_from_host(buffer.data(), kBytes, pattern.data(), 0);  // zero bytes at the end: a no-op
  Bytes expected = pattern;
  std::copy(patch.begin(), patch.end(), expected.begin() + 24);

  Bytes whole(kBytes, 0);
  be.copy_to_host(whole.data(), buffer.data(), 0, kBytes);
  for (std::size_t i = 0; i < kBytes; ++i)
    if (whole[i] != expected[i])
      return failed("after copy_from_host of 256 bytes and of 40 bytes at byte offset 24, byte " +
                    std::to_string(i) + " reads back as " + std::to_string(whole[i]) +
                    ", expected " + std::to_string(expected[i]));
  Bytes part(50, 0);
  be.copy_to_host(part.data(), buffer.data(), 100, part.size());
  for (std::size_t i = 0; i < part.size(); ++i)
    if (part[i] != expected[100 + i])
      return failed("copy_to_host of 50 bytes from byte offset 100: byte " + std::to_string(i) +
                    " is " + std::to_string(part[i]) + ", expected " +
                    std::to_string(expected[100 + i]));
  be.copy_to_host(part.data(), buffer.data(), kBytes, 0);  // zero bytes: a no-op
  return {Status::passed, "", 0.0};
}

// Allocations of several sizes (0 included) are usable over their whole size
// and aligned for any dtype.
CaseResult run_alloc(Backend& be) {
  void* zero = be.allocate(0);  // may be NULL; must not fail
  be.release(zero);
  for (const std::size_t bytes : {std::size_t{1}, std::size_t{7}, std::size_t{64},
                                  std::size_t{1000}, std::size_t{4099}, std::size_t{1} << 20}) {
    DeviceBuffer buffer(be, bytes);
    if (buffer.data() == nullptr)
      return failed("allocate(" + std::to_string(bytes) + ") returned NULL without an error");
    const auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
    if (address % alignof(double) != 0)
      return failed("allocate(" + std::to_string(bytes) + ") returned an address aligned to less " +
                    "than 8 bytes; buffers must suit any dtype");
    Bytes pattern(bytes), back(bytes, 0);
    for (std::size_t i = 0; i < bytes; ++i)
      pattern[i] = static_cast<unsigned char>(i % 251);
    be.copy_from_host(buffer.data(), 0, pattern.data(), bytes);
    be.copy_to_host(back.data(), buffer.data(), 0, bytes);
    if (back != pattern)
      return failed("a buffer of " + std::to_string(bytes) +
                    " bytes did not read back what was written to it");
  }
  return {Status::passed, "", 0.0};
}

// An op case on a usable candidate that supports what it needs.
CaseResult run_op_case(const CaseInfo& info, Backend& candidate, Backend& reference, DType dtype) {
  try {
    const Plan plan = detail::build_plan(info);
    if (plan.family == kMemoryFamily && plan.op == memory_copy)
      return run_copy(candidate);
    if (plan.family == kMemoryFamily && plan.op == memory_alloc)
      return run_alloc(candidate);

    // The inputs every side sees: generated in double, rounded to the dtype
    // under test (NaN poison and special values pass through unchanged).
    std::vector<std::vector<double>> values;
    for (const Operand& in : plan.inputs) {
      values.push_back(in.values);
      for (double& v : values.back())
        v = round_to(dtype, v);
    }
    if (plan.expect_invalid_arg)
      return run_reject(plan, candidate, dtype, values);
    if (plan.expect_unsupported)
      return run_unknown_op(plan, candidate, dtype, values);

    const OpCall op = [&plan](Backend& be, const mt_view& out, const std::vector<mt_view>& in) {
      return call_op(plan, be, out, in);
    };
    const bool reference_ok =
        reference.usable() &&
        (info.family == kMemoryFamily || reference.supports(info.family, info.op, DType::f64));
    if (!reference_ok)
      return failed("the reference backend '" + reference.name() +
                    "' cannot compute the expected result of " + info.id + " in f64");
    const Execution want = execute(reference, DType::f64, plan, values, op);
    if (!want.failure.empty())
      return failed("the reference backend failed, so there is no expected result: " +
                    want.failure);
    std::vector<double> expected = want.out;
    for (double& v : expected)
      v = round_to(dtype, v);

    const Tolerance tol = tolerance_for(plan, dtype);
    std::vector<double> scale;
    if (tol.absolute_scale) {
      auto absolute = values;
      for (auto& buffer : absolute)
        for (double& v : buffer)
          v = std::fabs(v);
      const Execution s = execute(reference, DType::f64, plan, absolute, op);
      if (!s.failure.empty())
        return failed("the reference backend failed on |inputs|: " + s.failure);
      scale = s.out;
    }

    const Execution got = execute(candidate, dtype, plan, values, op);
    if (!got.failure.empty())
      return failed(got.failure);
    CaseResult result;
    compare(expected, scale, got, tol, plan, dtype, result);
    return result;
  } catch (const std::exception& e) {
    // Allocation or copies failed (the candidate's or the reference's).
    return failed(std::string("error outside the op call: ") + e.what());
  }
}

}  // namespace

CaseResult run_case(const CaseInfo& info, const BackendPtr& candidate, const BackendPtr& reference,
                    DType dtype) {
  if (!candidate || !reference)
    return failed(std::string("run_case: no ") + (candidate ? "reference" : "candidate") +
                  " backend was given");
  if (!candidate->usable())
    return {
        Status::skipped,
        "backend '" + candidate->name() + "' is not usable here: " + candidate->unusable_reason(),
        0.0};
  for (const auto& [family, op] : info.needs) {
    if (!candidate->supports(family, op, dtype)) {
      const std::string what =
          std::string(sdk::family_name(family)) + (sdk::op_rows(family).count > 0
                                                       ? std::string(".") + sdk::op_name(family, op)
                                                       : std::string());
      return {Status::skipped,
              "backend '" + candidate->name() + "' does not support " + what + " in " +
                  dtype_name(dtype) +
                  (info.kind == CaseKind::gradient ? " (which " + info.id + " needs)" : ""),
              0.0};
    }
  }
  if (info.kind == CaseKind::gradient)
    return detail::run_gradient_case(info, candidate, reference, dtype);
  if (info.family == MT_FAMILY_OPTIM)
    return detail::run_optim_case(info, candidate, dtype);
  if (info.family == kMemoryFamily && info.op == memory_adopt)
    return detail::run_adopt_case(info, candidate, dtype);
  return run_op_case(info, *candidate, *reference, dtype);
}

}  // namespace mt::conformance
