// runtime.hpp — the parallel plugin's process-wide settings: its oneTBB task
// arena (MT_NUM_THREADS), the instruction set chosen for the GEMM kernels
// (MT_PARALLEL_ISA) and a parallel_for that runs small ranges inline.
// It is not a scheduler: every parallel loop is a plain tbb::parallel_for.
#pragma once

#include <minitorch/ops.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace mt::par {

// ThreadSanitizer cannot see the synchronisation inside libtbb (which is not
// built with it), so under TSan each parallel loop announces its fork and
// join: the caller's writes happen before every task, and every task's
// writes before the caller goes on. No-ops in normal builds.
inline void announce_release([[maybe_unused]] void* token) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(token);
#endif
}
inline void announce_acquire([[maybe_unused]] void* token) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(token);
#endif
}

// Instruction sets with their own GEMM micro-kernels. `generic` is plain C++
// (SSE2 on x86-64, NEON on AArch64) and always available.
enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };
const char* isa_name(Isa isa);

struct Settings {
  int threads = 1;         // size of the plugin's arena
  Isa isa = Isa::generic;  // kernels the GEMM uses
  std::string error;       // non-empty: the environment was invalid (plugin not usable)
};

// Reads the environment once (first call) and returns the result.
const Settings& settings();

// The arena every parallel loop of this plugin runs in.
oneapi::tbb::task_arena& arena();

inline int thread_count() {
  return settings().threads;
}

// Elements below which a loop is not worth a task, by the op table's cost
// class (op_table.h's COST column): a cheap op costs a few cycles per
// element, so a task needs more elements to pay for its start-up than one of
// an op that costs tens of cycles. A range is split only when it holds more
// than one grain, into pieces of half a grain or more. parallel-grain-sweep
// (README.md, "Choosing the cut-off") times both sides of these values; on
// a quiet machine its "suggested grain" is what belongs here. Measured on
// the 2-core AVX-512 machine (f32, 2 threads): a fork costs 1-1.6 us when
// the worker joins in; forced splits first win at 32-48K elements for map
// relu and sums of columns, 24-32K for zip add, 8-12K for exp. A new cost
// class must be given a grain here (the switch has no default, so -Wswitch
// flags a missing one).
constexpr int64_t grain_for(sdk::Cost cost) {
  switch (cost) {
    case sdk::Cost::cheap:
      return 32768;
    case sdk::Cost::transcendental:
      return 8192;
  }
  return 32768;
}

// The grain of (family, op); `op` must be valid.
constexpr int64_t op_grain(int32_t family, int32_t op) {
  return grain_for(sdk::op_info(family, op)->cost);
}

#if defined(MT_PARALLEL_GRAIN_SWEEP)
// Only in the grain-sweep tool (bench/grain_sweep.cpp), never in the plugin:
// every loop either runs inline or is split over all threads, whatever its
// size, so the tool can time both sides of the cut-off.
enum class SweepMode { normal, inline_all, split_all };
inline SweepMode sweep_mode = SweepMode::normal;
#endif

// Runs body(begin, end) over [begin, end) split into pieces of at least
// `grain` items. Ranges no larger than `grain` (or a one-thread arena) run
// inline on the calling thread: no task is created, so tiny tensors pay
// nothing for the thread pool.
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  if (end <= begin)
    return;
  if (grain < 1)
    grain = 1;
#if defined(MT_PARALLEL_GRAIN_SWEEP)
  if (sweep_mode == SweepMode::split_all)
    grain = std::max<int64_t>(1, (end - begin + thread_count() - 1) / thread_count());
  if (sweep_mode == SweepMode::inline_all)
    grain = end - begin;
#endif
  if (end - begin <= grain || thread_count() == 1) {
    body(begin, end);
    return;
  }
  char fork = 0, join = 0;
  announce_release(&fork);
  arena().execute([&] {
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<int64_t>(begin, end, grain),
                              [&](const oneapi::tbb::blocked_range<int64_t>& r) {
                                announce_acquire(&fork);
                                body(r.begin(), r.end());
                                announce_release(&join);
                              });
  });
  announce_acquire(&join);
}

// Runs body(i) for each i in [0, count) as separate tasks (one index per
// task, no splitting heuristics): for loops whose items are already sized to
// be worth a task each, e.g. GEMM blocks. Runs inline when count == 1.
template <class Body>
void parallel_tasks(int64_t count, const Body& body) {
  if (count <= 0)
    return;
  bool serial = count == 1 || thread_count() == 1;
#if defined(MT_PARALLEL_GRAIN_SWEEP)
  serial = serial || sweep_mode == SweepMode::inline_all;
#endif
  if (serial) {
    for (int64_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  char fork = 0, join = 0;
  announce_release(&fork);
  arena().execute([&] {
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<int64_t>(0, count, 1),
        [&](const oneapi::tbb::blocked_range<int64_t>& r) {
          announce_acquire(&fork);
          for (int64_t i = r.begin(); i < r.end(); ++i)
            body(i);
          announce_release(&join);
        },
        oneapi::tbb::simple_partitioner());
  });
  announce_acquire(&join);
}

}  // namespace mt::par
