// lab.cpp — operands, slot calls, validation against the reference plugin and
// the registration loop shared by every per-op benchmark.
// It defines no benchmark case itself (see the group files).
#include "lab.hpp"

#include <minitorch/errors.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <sstream>

namespace mt::bench {

namespace {

// splitmix64: a stateless hash of (seed, index), so values are reproducible
// per element no matter how the buffer is produced.
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

Tensor narrowed(const Step& step, std::size_t i) {
  const Tensor& t = step.operands[i];
  if (step.slice_len <= 0 || i >= step.slice_dims.size() || step.slice_dims[i] < 0)
    return t;
  const int64_t dim = step.slice_dims[i];
  return t.narrow(dim, 0, std::min(step.slice_len, t.size(dim)));
}

// One entry per benchmark name: the steps stay built across the repetitions
// of one benchmark (they run back to back), so repetitions reuse warm
// buffers instead of paying allocation and first-touch page faults again.
struct StepCache {
  std::string name;
  std::vector<Step> steps;
};
StepCache& step_cache() {
  static StepCache cache;
  return cache;
}

// Validation verdicts by benchmark name ("" = passed): checked once per run.
std::map<std::string, std::string>& verdicts() {
  static std::map<std::string, std::string> cache;
  return cache;
}

void run_case(benchmark::State& state, const Case& kase, const BackendPtr& backend,
              const BackendPtr& reference, const std::string& full_name) {
  try {
    StepCache& cache = step_cache();
    if (cache.name != full_name) {
      cache.steps.clear();  // release the previous benchmark's buffers first
      cache.name.clear();
      cache.steps = kase.build(backend, kase.dtype);
      cache.name = full_name;
    }
    const std::vector<Step>& steps = cache.steps;
    if (backend != reference) {
      auto found = verdicts().find(full_name);
      if (found == verdicts().end())
        found =
            verdicts().emplace(full_name, validate_against_reference(kase, steps, reference)).first;
      if (!found->second.empty()) {
        state.SkipWithError(found->second.c_str());
        return;
      }
    }
    // Untimed warm-up: thread pools started, caches and TLBs populated.
    for (const Step& step : steps)
      run_step(step);
    backend->synchronize();
    for (auto _ : state) {
      for (const Step& step : steps)
        run_step(step);
      backend->synchronize();
    }
    set_rate_counters(state, kase.bytes, kase.flops);
  } catch (const std::exception& e) {
    const std::string message = full_name + ": " + e.what();
    state.SkipWithError(message.c_str());
  }
}

}  // namespace

std::vector<double> host_values(int64_t count, uint64_t seed) {
  std::vector<double> values(static_cast<std::size_t>(count));
  const uint64_t base = splitmix64(seed);
  for (int64_t i = 0; i < count; ++i) {
    // Top 53 bits -> [0, 1) -> [-1, 1).
    const double unit =
        static_cast<double>(splitmix64(base + static_cast<uint64_t>(i)) >> 11) * 0x1.0p-53;
    values[static_cast<std::size_t>(i)] = 2.0 * unit - 1.0;
  }
  return values;
}

namespace {

Tensor tensor_of(const std::vector<double>& values, const Shape& shape, DType dtype,
                 const BackendPtr& backend) {
  const TensorOptions options{.dtype = dtype, .backend = backend};
  if (dtype == DType::f64)
    return Tensor::from_host(std::span<const double>(values), shape, options);
  const std::vector<float> narrow_values(values.begin(), values.end());
  return Tensor::from_host(std::span<const float>(narrow_values), shape, options);
}

int64_t count_of(const Shape& shape) {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  return count;
}

}  // namespace

Tensor random_tensor(const Shape& shape, DType dtype, const BackendPtr& backend, uint64_t seed) {
  return tensor_of(host_values(count_of(shape), seed), shape, dtype, backend);
}

Tensor domain_tensor(const Shape& shape, DType dtype, const BackendPtr& backend, uint64_t seed,
                     const sdk::Domain& domain) {
  std::vector<double> values = host_values(count_of(shape), seed);
  using Kind = sdk::Domain::Kind;
  for (double& v : values) {
    const double unit = (v + 1.0) / 2.0;  // [0, 1)
    const double magnitude = std::fabs(v);
    const double sign = v < 0 ? -1.0 : 1.0;
    switch (domain.kind) {
      case Kind::uniform:
        v = domain.lo + unit * (domain.hi - domain.lo);
        break;
      case Kind::magnitude:
        v = sign * (domain.lo + magnitude * (domain.hi - domain.lo));
        break;
      case Kind::log_magnitude:
        v = sign * std::exp(domain.lo + magnitude * (domain.hi - domain.lo));
        break;
      case Kind::grid:
        v = domain.lo + domain.step * std::floor(unit * static_cast<double>(domain.count));
        break;
    }
  }
  return tensor_of(values, shape, dtype, backend);
}

Tensor empty_tensor(const Shape& shape, DType dtype, const BackendPtr& backend) {
  return Tensor::empty(shape, TensorOptions{.dtype = dtype, .backend = backend});
}

void run_step(const Step& step, bool sliced) {
  std::vector<mt_view> views;
  views.reserve(step.operands.size());
  for (std::size_t i = 0; i < step.operands.size(); ++i)
    views.push_back(sliced ? narrowed(step, i).view_desc() : step.operands[i].view_desc());
  const std::size_t expected = step.family == Family::map || step.family == Family::reduce ? 2 : 3;
  if (views.size() != expected)
    throw ArgumentError("benchmark step has " + std::to_string(views.size()) +
                        " operands; this family takes " + std::to_string(expected));
  Backend& backend = *step.operands.front().backend();
  switch (step.family) {
    case Family::map:
      backend.map(static_cast<mt_map_op>(step.op), views[0], views[1]);
      break;
    case Family::zip:
      backend.zip(static_cast<mt_zip_op>(step.op), views[0], views[1], views[2]);
      break;
    case Family::reduce:
      backend.reduce(static_cast<mt_reduce_op>(step.op), views[0], views[1], step.dim);
      break;
    case Family::matmul:
      backend.matmul(views[0], views[1], views[2]);
      break;
    case Family::conv1d:
      backend.conv1d(views[0], views[1], views[2], step.reverse);
      break;
    case Family::conv2d:
      backend.conv2d(views[0], views[1], views[2], step.reverse);
      break;
  }
}

double relative_max_error(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 1.0;
  for (double v : b)
    scale = std::max(scale, std::fabs(v));
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double diff = std::fabs(a[i] - b[i]);
    // NaN anywhere counts as a total mismatch.
    worst = std::isnan(diff) ? INFINITY : std::max(worst, diff);
  }
  return worst / scale;
}

std::string validate_against_reference(const Case& kase, const std::vector<Step>& fast_steps,
                                       const BackendPtr& reference) {
  const std::vector<Step> ref_steps = kase.build(reference, kase.dtype);
  for (std::size_t s = 0; s < fast_steps.size(); ++s) {
    run_step(fast_steps[s]);
    run_step(ref_steps[s], /*sliced=*/true);
    const std::vector<double> fast = narrowed(fast_steps[s], 0).to_vector();
    const std::vector<double> ref = narrowed(ref_steps[s], 0).to_vector();
    if (fast.size() != ref.size())
      return "validation: output sizes differ (" + std::to_string(fast.size()) + " vs " +
             std::to_string(ref.size()) + ")";
    const double error = relative_max_error(fast, ref);
    if (!(error <= kase.tolerance)) {
      std::ostringstream out;
      out << "disagrees with the reference plugin: step " << s << " max relative error " << error
          << " > tolerance " << kase.tolerance;
      return out.str();
    }
  }
  return "";
}

void set_rate_counters(benchmark::State& state, double bytes, double flops) {
  using benchmark::Counter;
  if (bytes > 0)
    state.counters["GB/s"] = Counter(bytes * 1e-9, Counter::kIsIterationInvariantRate);
  if (flops > 0)
    state.counters["GFLOP/s"] = Counter(flops * 1e-9, Counter::kIsIterationInvariantRate);
}

void register_case(const Case& kase, const std::vector<BackendPtr>& backends,
                   const BackendPtr& reference) {
  auto shared_case = std::make_shared<const Case>(kase);
  for (const BackendPtr& backend : backends) {
    if (backend == reference && !kase.run_on_reference)
      continue;
    const std::string full_name = kase.name + "/" + backend->name();
    benchmark::RegisterBenchmark(
        full_name.c_str(),
        [shared_case, backend, reference, full_name](benchmark::State& state) {
          run_case(state, *shared_case, backend, reference, full_name);
        })
        ->UseRealTime()  // the kernels run on other threads: wall time is the cost
        ->Unit(benchmark::kMicrosecond);
  }
}

std::string count_label(int64_t count) {
  if (count >= (1 << 20) && count % (1 << 20) == 0)
    return std::to_string(count >> 20) + "M";
  if (count >= (1 << 10) && count % (1 << 10) == 0)
    return std::to_string(count >> 10) + "K";
  return std::to_string(count);
}

}  // namespace mt::bench
