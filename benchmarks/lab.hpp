// lab.hpp — the benchmark lab's shared machinery: deterministic operands on
// any backend, one kernel "step" (a raw plugin slot call over views), the
// check of a fast backend against the reference plugin before it is timed,
// and the GB/s / GFLOP/s counters. It is not a test framework: a mismatch
// only skips the benchmark with an error message.
#pragma once

#include <minitorch/ops.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mt::bench {

// Which plugin slot a step calls.
enum class Family { map, zip, reduce, matmul, conv1d, conv2d };

// One raw slot call. Operands are tensors on one backend; the step passes
// their views straight to the slot (no core shape logic, no allocation), so
// the timing is the kernel's.
struct Step {
  Family family = Family::map;
  int32_t op = 0;                  // mt_map_op / mt_zip_op / mt_reduce_op; unused otherwise
  int32_t dim = 0;                 // reduce: the reduced dim
  bool reverse = false;            // conv: MiniTorch's reversed (input-gradient) convolution
  std::vector<Tensor> operands{};  // the output first, then the inputs in slot order
  // For validation: operand i is narrowed to its first `slice_len` entries
  // along slice_dims[i] (-1: not narrowed), so the reference plugin only
  // recomputes a slice of a large problem. Chosen so the slice computes
  // exactly the same output elements as the full call.
  std::vector<int> slice_dims{};
  int64_t slice_len = 0;  // 0: the reference recomputes the whole step
};

// Calls the step's slot on its operands' backend (narrowed when `sliced`).
void run_step(const Step& step, bool sliced = false);

// A benchmark case: what it builds on a backend and what one run costs.
struct Case {
  std::string name;  // e.g. "zip/add_T/16M"; the backend name is appended
  // Builds the steps on `backend` from deterministic data (the same values on
  // every backend, so outputs can be compared).
  std::function<std::vector<Step>(const BackendPtr& backend, DType dtype)> build;
  DType dtype = DType::f32;
  double bytes = 0;              // bytes one run reads + writes (GB/s counter), 0: none
  double flops = 0;              // floating-point operations of one run, 0: none
  double tolerance = 1e-5;       // allowed max |fast − ref| / max(max |ref|, 1)
  bool run_on_reference = true;  // false: too slow to time on the reference plugin
};

// The values every backend gets for (count, seed): uniform in [-1, 1),
// computed per index (splitmix64), so any prefix is reproducible.
std::vector<double> host_values(int64_t count, uint64_t seed);

// A contiguous tensor of host_values on `backend`.
Tensor random_tensor(const Shape& shape, DType dtype, const BackendPtr& backend, uint64_t seed);
// The same values mapped into an op table domain (op_table.h's DOMAIN), so
// every op of the table is timed on inputs it is defined for (log and sqrt
// on positive values, inv away from 0, ...): uniform [lo, hi), ±[lo, hi)
// for magnitude, ±e^[lo, hi) for log_magnitude, the grid's points.
Tensor domain_tensor(const Shape& shape, DType dtype, const BackendPtr& backend, uint64_t seed,
                     const sdk::Domain& domain);
// An uninitialised contiguous tensor on `backend`.
Tensor empty_tensor(const Shape& shape, DType dtype, const BackendPtr& backend);

// "" when the step outputs computed on `fast_steps` (already built, not yet
// run) match the reference plugin's on the same data, else what differed.
// Runs every fast step once, full size.
std::string validate_against_reference(const Case& kase, const std::vector<Step>& fast_steps,
                                       const BackendPtr& reference);

// Largest |a − b| / max(max |b|, 1) over two equally long value lists.
double relative_max_error(const std::vector<double>& a, const std::vector<double>& b);

// Sets the GB/s and GFLOP/s rate counters for `bytes` / `flops` per iteration.
void set_rate_counters(benchmark::State& state, double bytes, double flops);

// Registers "<case>/<backend>" for every usable backend (the reference
// plugin only when kase.run_on_reference). Fast backends are checked
// against `reference` on their first run; a mismatch skips the benchmark.
void register_case(const Case& kase, const std::vector<BackendPtr>& backends,
                   const BackendPtr& reference);

// Human labels for element counts: 1048576 -> "1M".
std::string count_label(int64_t count);

// ---- the groups of benchmarks (one file each) --------------------------------
void register_stream();
void register_elementwise(const std::vector<BackendPtr>& backends, const BackendPtr& reference);
void register_matmul(const std::vector<BackendPtr>& backends, const BackendPtr& reference);
void register_openblas(const BackendPtr& reference);  // no-op without OpenBLAS
// The kernels OpenBLAS picked at load time ("" when it is not linked).
std::string openblas_core_name();
void register_conv(const std::vector<BackendPtr>& backends, const BackendPtr& reference);
void register_train(const std::vector<BackendPtr>& backends);
// One optimizer step over LeNet's parameters, fused slot vs element-wise path (optim.cpp).
void register_optim(const std::vector<BackendPtr>& backends);

}  // namespace mt::bench
