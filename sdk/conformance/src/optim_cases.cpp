// optim_cases.cpp — the conformance cases of the optim_step slot (ABI 1.1, cases "optim.*"):
// one step of each rule over several parameters (small, large enough to be split across
// threads, empty; views at an offset inside guarded buffers) compared with the header's formula
// evaluated here in f64 on the same dtype-rounded inputs; calls the slot must refuse (a strided
// view, a state buffer overlapping its parameter, an unknown kind), which must change nothing.
// Not the element-wise cases (cases.cpp / runner.cpp) and no timing.
#include "optim_cases.hpp"

#include "plan.hpp"
#include "random.hpp"
#include "text.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace mt::conformance::detail {

namespace {

using Status = CaseResult::Status;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A case: the rule's coefficients (before rounding) and what the call does.
struct OptimCase {
  const char* layout;
  mt_optim_step step;
  enum class Expect { update, invalid_arg, unsupported } expect = Expect::update;
};

mt_optim_step sgd(double lr, double momentum, double weight_decay, bool nesterov) {
  mt_optim_step s{};
  s.kind = MT_OPTIM_SGD;
  s.nesterov = nesterov ? 1 : 0;
  s.step = 3;
  s.lr = lr;
  s.momentum = momentum;
  s.weight_decay = weight_decay;
  return s;
}

mt_optim_step adam(mt_optim_kind kind, double lr, double weight_decay) {
  mt_optim_step s{};
  s.kind = kind;
  s.step = 3;
  s.lr = lr;
  s.weight_decay = weight_decay;
  s.decay = 1.0 - lr * weight_decay;
  s.beta1 = 0.9;
  s.one_minus_beta1 = 1.0 - 0.9;
  s.beta2 = 0.999;
  s.one_minus_beta2 = 1.0 - 0.999;
  s.eps = 1e-8;
  s.step_size = lr / (1.0 - std::pow(0.9, 3.0));
  s.inv_sqrt_bias_correction2 = 1.0 / std::sqrt(1.0 - std::pow(0.999, 3.0));
  return s;
}

std::vector<OptimCase> catalogue() {
  using E = OptimCase::Expect;
  mt_optim_step unknown = sgd(0.1, 0.0, 0.0, false);
  unknown.kind = MT_OPTIM_KIND_COUNT;
  return {
      {"plain", sgd(0.1, 0.0, 0.0, false)},
      {"decay", sgd(0.05, 0.0, 0.01, false)},
      {"momentum_decay", sgd(0.05, 0.9, 0.1, false)},
      {"nesterov", sgd(0.03, 0.7, 0.02, true)},
      {"plain", adam(MT_OPTIM_ADAM, 0.01, 0.0)},
      {"decay", adam(MT_OPTIM_ADAM, 0.02, 0.05)},
      {"plain", adam(MT_OPTIM_ADAMW, 0.01, 0.0)},
      {"decay", adam(MT_OPTIM_ADAMW, 0.01, 0.01)},
      {"reject_strided", adam(MT_OPTIM_ADAM, 0.01, 0.0), E::invalid_arg},
      {"reject_overlap", sgd(0.05, 0.9, 0.0, false), E::invalid_arg},
      {kOptimUnknownKind, unknown, E::unsupported},
  };
}

// The parameters of every case: (shape, offset of its views in their buffers).
struct ParamShape {
  std::vector<int64_t> shape;
  int64_t offset;
};
const std::vector<ParamShape> kParams = {{{7}, 3}, {{3, 5}, 0}, {{384, 400}, 5}, {{0, 4}, 0}};
constexpr int64_t kGuard = 8;  // elements after each view; writes there are out of bounds
constexpr int kArrays = 4;     // params, grads, state0, state1
const char* const kArrayNames[kArrays] = {"params", "grads", "state0", "state1"};

double rounded(DType dtype, double x) {
  return round_to(dtype, x);
}

// The header's formula for one element, in f64, on coefficients rounded to the dtype; `scale`
// gets the size of the terms each result is made of, for the tolerance.
struct Element {
  double p, g, b0, b1;
};
struct Scales {
  double p, b0, b1;
};
Element expected(const mt_optim_step& s, DType dtype, Element e, Scales& scale) {
  const auto c = [&](double x) { return rounded(dtype, x); };
  double g = e.g, sg = std::fabs(e.g);
  if (s.kind == MT_OPTIM_SGD) {
    if (s.weight_decay != 0.0) {
      g = g + e.p * c(s.weight_decay);
      sg += std::fabs(e.p * c(s.weight_decay));
    }
    if (s.momentum == 0.0) {
      scale = {std::fabs(e.p) + sg * c(s.lr), 0, 0};
      e.p = e.p - g * c(s.lr);
      return e;
    }
    const double mu = c(s.momentum);
    const double sb0 = std::fabs(e.b0 * mu) + sg;
    e.b0 = e.b0 * mu + g;
    const double x = s.nesterov ? g + e.b0 * mu : e.b0;
    const double sx = s.nesterov ? sg + sb0 * mu : sb0;
    scale = {std::fabs(e.p) + sx * c(s.lr), sb0, 0};
    e.p = e.p - x * c(s.lr);
    return e;
  }
  if (s.weight_decay != 0.0) {
    if (s.kind == MT_OPTIM_ADAMW) {
      e.p = e.p * c(s.decay);
    } else {
      g = g + e.p * c(s.weight_decay);
      sg += std::fabs(e.p * c(s.weight_decay));
    }
  }
  const double sb0 = std::fabs(e.b0 * c(s.beta1)) + sg * c(s.one_minus_beta1);
  e.b0 = e.b0 * c(s.beta1) + g * c(s.one_minus_beta1);
  e.b1 = e.b1 * c(s.beta2) + g * g * c(s.one_minus_beta2);  // a sum of non-negative terms
  const double denom = std::sqrt(e.b1) * c(s.inv_sqrt_bias_correction2) + c(s.eps);
  scale = {std::fabs(e.p) + sb0 / denom * c(s.step_size), sb0, std::fabs(e.b1)};
  e.p = e.p - e.b0 / denom * c(s.step_size);
  return e;
}

// Host copies of the four arrays' buffers, and views onto the device copies.
struct Buffers {
  std::vector<std::vector<double>> host[kArrays];  // [array][parameter], whole buffers
  std::vector<void*> device[kArrays];
  std::vector<mt_view> views[kArrays];
};

std::size_t bytes_of(DType dtype, std::size_t n) {
  return n * (dtype == DType::f64 ? 8 : 4);
}

std::vector<unsigned char> to_bytes(const std::vector<double>& values, DType dtype) {
  std::vector<unsigned char> out(bytes_of(dtype, values.size()));
  if (dtype == DType::f64) {
    std::memcpy(out.data(), values.data(), out.size());
  } else {
    std::vector<float> f(values.begin(), values.end());
    std::memcpy(out.data(), f.data(), out.size());
  }
  return out;
}

std::vector<double> from_bytes(const std::vector<unsigned char>& bytes, DType dtype) {
  std::vector<double> out(bytes.size() / (dtype == DType::f64 ? 8 : 4));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (dtype == DType::f64) {
      std::memcpy(&out[i], bytes.data() + i * 8, 8);
    } else {
      float f;
      std::memcpy(&f, bytes.data() + i * 4, 4);
      out[i] = f;
    }
  }
  return out;
}

// The buffer values: NaN outside the view (a read there poisons a result), the view's
// elements drawn per array.
std::vector<double> make_values(int array, int64_t offset, int64_t n, DType dtype, Rng& rng) {
  std::vector<double> v(static_cast<std::size_t>(offset + n + kGuard),
                        std::numeric_limits<double>::quiet_NaN());
  for (int64_t i = 0; i < n; ++i) {
    double x = 0;
    switch (array) {
      case 0:
        x = rng.uniform(-2.0, 2.0);
        break;
      case 1:
        x = rng.uniform(-1.0, 1.0);
        break;
      case 2:
        x = rng.uniform(-0.5, 0.5);
        break;
      default:
        x = rng.uniform(0.0, 0.25);  // exp_avg_sq is never negative
        break;
    }
    v[static_cast<std::size_t>(offset + i)] = rounded(dtype, x);
  }
  return v;
}

class Run {
 public:
  Run(Backend& backend, DType dtype) : backend_(backend), dtype_(dtype) {}
  ~Run() {
    for (auto& per_array : buffers_.device)
      for (void* p : per_array)
        backend_.release(p);
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  void upload(const std::string& id) {
    Rng rng(id);
    for (int a = 0; a < kArrays; ++a) {
      for (const ParamShape& ps : kParams) {
        const int64_t n = element_count(ps.shape);
        std::vector<double> values = make_values(a, ps.offset, n, dtype_, rng);
        const std::vector<unsigned char> bytes = to_bytes(values, dtype_);
        void* buffer = backend_.allocate(bytes.size());
        buffers_.device[a].push_back(buffer);
        backend_.copy_from_host(buffer, 0, bytes.data(), bytes.size());
        buffers_.host[a].push_back(std::move(values));
        buffers_.views[a].push_back(
            make_view(buffer, dtype_, ps.shape, contiguous_strides(ps.shape), ps.offset));
      }
    }
  }

  std::vector<double> download(int array, std::size_t i) {
    std::vector<unsigned char> bytes(bytes_of(dtype_, buffers_.host[array][i].size()));
    backend_.copy_to_host(bytes.data(), buffers_.device[array][i], 0, bytes.size());
    return from_bytes(bytes, dtype_);
  }

  Buffers& buffers() { return buffers_; }

 private:
  Backend& backend_;
  DType dtype_;
  Buffers buffers_;
};

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// "" when every buffer still holds what was uploaded.
std::string unchanged(Run& run) {
  for (int a = 0; a < kArrays; ++a) {
    for (std::size_t i = 0; i < kParams.size(); ++i) {
      const std::vector<double> now = run.download(a, i);
      for (std::size_t k = 0; k < now.size(); ++k) {
        if (!same_value(now[k], run.buffers().host[a][i][k]))
          return std::string(kArrayNames[a]) + "[" + std::to_string(i) + "] position " +
                 std::to_string(k) + " was changed by a call that was refused";
      }
    }
  }
  return "";
}

CaseResult run_update(const OptimCase& c, Run& run, Backend& backend, DType dtype) {
  Buffers& b = run.buffers();
  const auto count = static_cast<int32_t>(kParams.size());
  backend.optim_step(c.step, count, b.views[0].data(), b.views[1].data(),
                     sdk::optim_uses_state0(c.step) ? b.views[2].data() : nullptr,
                     sdk::optim_uses_state1(c.step) ? b.views[3].data() : nullptr);
  const double rtol = dtype == DType::f64 ? 1e-14 : 4e-6;
  CaseResult result{Status::passed, "", 0.0};
  for (std::size_t i = 0; i < kParams.size(); ++i) {
    std::vector<double> got[kArrays];
    for (int a = 0; a < kArrays; ++a)
      got[a] = run.download(a, i);
    const int64_t offset = kParams[i].offset;
    const auto n = static_cast<int64_t>(b.host[0][i].size()) - offset - kGuard;
    for (int64_t k = 0; k < static_cast<int64_t>(got[0].size()); ++k) {
      const auto at = static_cast<std::size_t>(k);
      const bool inside = k >= offset && k < offset + n;
      for (int a = 0; a < kArrays; ++a) {
        const bool written = a == 0 || (a == 2 && sdk::optim_uses_state0(c.step)) ||
                             (a == 3 && sdk::optim_uses_state1(c.step));
        if (inside && written)
          continue;
        if (!same_value(got[a][at], b.host[a][i][at])) {
          return {Status::failed,
                  std::string(kArrayNames[a]) + "[" + std::to_string(i) + "] position " +
                      std::to_string(k) + (inside ? " (an input)" : " (outside the view)") +
                      " was written: " + number_text(b.host[a][i][at], 9) + " became " +
                      number_text(got[a][at], 9),
                  kInf};
        }
      }
      if (!inside)
        continue;
      Scales scale{};
      const Element want =
          expected(c.step, dtype,
                   {b.host[0][i][at], b.host[1][i][at], b.host[2][i][at], b.host[3][i][at]}, scale);
      const double outs[3][3] = {{got[0][at], want.p, scale.p},
                                 {got[2][at], want.b0, scale.b0},
                                 {got[3][at], want.b1, scale.b1}};
      for (int o = 0; o < 3; ++o) {
        if (o == 1 && !sdk::optim_uses_state0(c.step))
          continue;
        if (o == 2 && !sdk::optim_uses_state1(c.step))
          continue;
        const double err = std::fabs(outs[o][0] - rounded(dtype, outs[o][1])) /
                           std::max(outs[o][2], std::numeric_limits<double>::min());
        const double e = std::isfinite(err) ? err : kInf;
        result.max_error = std::max(result.max_error, e);
        if (!(e <= rtol)) {
          const int array = o == 0 ? 0 : o + 1;
          return {Status::failed,
                  std::string(kArrayNames[array]) + "[" + std::to_string(i) + "] element " +
                      std::to_string(k - offset) + ": expected " +
                      number_text(rounded(dtype, outs[o][1]), 17) + ", got " +
                      number_text(outs[o][0], 17) + " (error " + number_text(e, 3) +
                      " of the terms' size, allowed " + number_text(rtol, 3) + ")",
                  e};
        }
      }
    }
  }
  return result;
}

CaseResult run_refused(const OptimCase& c, Run& run, Backend& backend) {
  Buffers& b = run.buffers();
  std::vector<mt_view> views[kArrays];
  for (int a = 0; a < kArrays; ++a)
    views[a] = b.views[a];
  std::string what;
  if (std::string(c.layout) == "reject_strided") {
    // params[1] (3, 5) seen transposed: (5, 3) with strides (1, 5), and the
    // other views to match.
    for (int a = 0; a < kArrays; ++a) {
      mt_view& v = views[a][1];
      v.shape[0] = 5;
      v.shape[1] = 3;
      if (a == 0) {
        v.strides[0] = 1;
        v.strides[1] = 5;
      } else {
        v.strides[0] = 3;
        v.strides[1] = 1;
      }
    }
    what = "a transposed params view";
  } else if (std::string(c.layout) == "reject_overlap") {
    views[2][0] = views[0][0];  // the momentum buffer is the parameter itself
    what = "state0[0] on the same memory as params[0]";
  } else {
    what = "an unknown kind " + std::to_string(c.step.kind);
  }
  const mt_backend& table = backend.table();
  const auto count = static_cast<int32_t>(kParams.size());
  const mt_status status = table.optim_step(table.context, &c.step, count, views[0].data(),
                                            views[1].data(), views[2].data(), views[3].data());
  const mt_status want =
      c.expect == OptimCase::Expect::unsupported ? MT_ERR_UNSUPPORTED : MT_ERR_INVALID_ARG;
  if (status != want)
    return {Status::failed,
            "optim_step with " + what + " returned status " + std::to_string(status) +
                ", expected " + std::to_string(want) +
                (want == MT_ERR_UNSUPPORTED ? " (MT_ERR_UNSUPPORTED)" : " (MT_ERR_INVALID_ARG)"),
            kInf};
  if (want == MT_ERR_UNSUPPORTED && table.supports(table.context, MT_FAMILY_OPTIM, c.step.kind,
                                                   static_cast<int32_t>(MT_F32)) != 0)
    return {Status::failed, "supports() says 1 for optim kind " + std::to_string(c.step.kind),
            kInf};
  const std::string changed = unchanged(run);
  if (!changed.empty())
    return {Status::failed, changed, kInf};
  return {Status::passed, "", 0.0};
}

const OptimCase* find(const CaseInfo& info) {
  static const std::vector<OptimCase> cases = catalogue();
  for (const OptimCase& c : cases) {
    const std::string id = std::string("optim.") +
                           (c.expect == OptimCase::Expect::unsupported
                                ? std::string(kOptimUnknownKind)
                                : std::string(sdk::optim_kind_name(c.step.kind)) + "." + c.layout);
    if (id == info.id)
      return &c;
  }
  return nullptr;
}

}  // namespace

std::vector<CaseInfo> optim_cases() {
  std::vector<CaseInfo> out;
  for (const OptimCase& c : catalogue()) {
    CaseInfo info;
    info.kind = CaseKind::op;
    info.family = MT_FAMILY_OPTIM;
    info.op = c.step.kind;
    info.layout = c.layout;
    if (c.expect == OptimCase::Expect::unsupported) {
      info.row = std::string("optim.") + kOptimUnknownKind;
      info.id = info.row;
      // Every backend with the slot must refuse it; one without is skipped
      // by run_optim_case (there is nothing to call).
    } else {
      info.row = std::string("optim.") + sdk::optim_kind_name(c.step.kind);
      info.id = info.row + "." + c.layout;
      info.needs = {{MT_FAMILY_OPTIM, c.step.kind}};
    }
    out.push_back(std::move(info));
  }
  return out;
}

CaseResult run_optim_case(const CaseInfo& info, const BackendPtr& candidate, DType dtype) {
  const OptimCase* c = find(info);
  if (c == nullptr)
    return {Status::failed, "conformance: no optim case is called '" + info.id + "'", kInf};
  const mt_backend& table = candidate->table();
  if (table.struct_size < MT_BACKEND_SIZE_THROUGH(optim_step) || table.optim_step == nullptr)
    return {Status::skipped,
            "backend '" + candidate->name() + "' has no optim_step slot (optional, ABI 1.1)", 0.0};
  try {
    Run run(*candidate, dtype);
    run.upload(info.id);
    if (c->expect == OptimCase::Expect::update)
      return run_update(*c, run, *candidate, dtype);
    return run_refused(*c, run, *candidate);
  } catch (const std::exception& e) {
    return {Status::failed, e.what(), kInf};
  }
}

}  // namespace mt::conformance::detail
