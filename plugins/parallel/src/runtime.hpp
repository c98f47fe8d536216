// runtime.hpp — the parallel plugin's process-wide settings: its thread count
// (MT_NUM_THREADS), the instruction set chosen for the GEMM kernels
// (MT_PARALLEL_ISA), and the loop drivers parallel_for / parallel_tasks that
// run small ranges inline and fork larger ones over the plugin's own pool of
// persistent workers (runtime.cpp), or over a oneTBB arena when the pool is
// taken by another thread. It is not a scheduler: no queues, no stealing.
#pragma once

#include <minitorch/ops.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
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
// built with it), so under TSan each loop run through the arena announces
// its fork and join: the caller's writes happen before every task, and every
// task's writes before the caller goes on. No-ops in normal builds. (The
// pool synchronises with std::atomic only, which TSan sees.)
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

// The arena of the loops the pool cannot take (another thread holds it).
oneapi::tbb::task_arena& arena();

// ---- the pool ---------------------------------------------------------------
// (threads - 1) workers, started on the first fork (never at load) and never
// stopped, and one job at a time: the caller publishes the job, takes pieces
// of it itself from a shared counter like the workers do, and returns once
// every piece is done. Workers spin on the counter for a while after a job
// (kPoolSpinMicroseconds in runtime.cpp) and then sleep on a futex
// (std::atomic::wait), so an idle process burns no CPU.
using PieceFn = void (*)(const void* job, int64_t piece);
enum class PoolRun {
  done,    // every piece ran
  nested,  // called from inside a piece of a pool job: nothing ran, run it inline
  busy,    // another thread's job holds the pool: nothing ran
};
// Runs fn(job, i) for every i in [0, pieces) (pieces >= 1) on the calling
// thread and the workers. Which thread runs which piece is not fixed.
PoolRun pool_run(int64_t pieces, PieceFn fn, const void* job);
// Worker threads started so far (0 until the first fork, and always 0 with
// one thread): for tests.
int pool_workers_started();

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
// the 2-core AVX-512 machine (f32, 2 threads, with other builds running):
// a fork through the pool costs 0.6-0.7 us when the worker joins in (the
// TBB arena: 1.0-1.4 us); forced splits first won at 24K elements for map
// relu and 6K-24K for exp (the second core was often taken), and an MNIST
// SGD epoch was fastest with 16K / 4K of the 32K/16K/8K tried. A grain
// changes no result: reduce.cpp's chunking, which fixes a sum's order, has
// its own constant. A new cost class must be given a grain here (the switch
// has no default, so -Wswitch flags a missing one).
constexpr int64_t grain_for(sdk::Cost cost) {
  switch (cost) {
    case sdk::Cost::cheap:
      return 16384;
    case sdk::Cost::transcendental:
      return 4096;
  }
  return 16384;
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

// Only in the grain-sweep tool: fork through the arena even when the pool is
// free, so the tool can time TBB's fork against the pool's.
#if defined(MT_PARALLEL_GRAIN_SWEEP)
inline bool sweep_use_arena = false;
#endif

// Most pieces a split makes per thread: more than one, so a worker that
// wakes late (or a core that another process holds) leaves the caller
// pieces to take instead of a wait; few, as each piece costs a claim on a
// shared counter.
constexpr int64_t kPiecesPerThread = 4;

namespace detail {

// A loop body behind the pool's plain function pointer. The first exception
// a piece throws is kept and rethrown on the caller once every piece is done
// (a worker must not unwind into the pool).
template <class Body>
struct PoolJob {
  PoolJob(const Body* b, int64_t first, int64_t piece_size, int64_t larger)
      : body(b), begin(first), size(piece_size), extra(larger) {}

  const Body* body;
  int64_t begin;  // parallel_for: first index
  int64_t size;   // ... every piece holds size or size + 1 items,
  int64_t extra;  // ... the first `extra` of them size + 1
  mutable std::atomic<bool> failed{false};
  mutable std::exception_ptr error;

  void fail() const noexcept {
    if (!failed.exchange(true, std::memory_order_acq_rel))
      error = std::current_exception();
  }
  static void range(const void* job, int64_t piece) {
    const auto& j = *static_cast<const PoolJob*>(job);
    const int64_t b = j.begin + piece * j.size + std::min(piece, j.extra);
    const int64_t e = b + j.size + (piece < j.extra ? 1 : 0);
    try {
      (*j.body)(b, e);
    } catch (...) {
      j.fail();
    }
  }
  static void index(const void* job, int64_t piece) {
    const auto& j = *static_cast<const PoolJob*>(job);
    try {
      (*j.body)(piece);
    } catch (...) {
      j.fail();
    }
  }
  // After pool_run returned: every piece is done, so `error` is settled.
  void rethrow() const {
    if (failed.load(std::memory_order_acquire))
      std::rethrow_exception(error);
  }
};

template <class Body>
void arena_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
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

template <class Body>
void arena_tasks(int64_t count, const Body& body) {
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

inline bool pool_allowed() {
#if defined(MT_PARALLEL_GRAIN_SWEEP)
  return !sweep_use_arena;
#else
  return true;
#endif
}

}  // namespace detail

// Runs body(begin, end) over [begin, end). Ranges no larger than `grain` (or
// a one-thread plugin) run inline on the calling thread in one piece: no
// thread is involved, so tiny tensors pay nothing for the pool. Larger ones
// are cut into min(ceil(n / grain), kPiecesPerThread * threads) pieces of
// equal size (within one item, so at least half a grain each) that the
// caller and the workers take in turn; a call from inside a piece runs
// inline, and one made while another thread's loop holds the pool goes
// through the arena (pieces of half a grain to a grain there).
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
  const int64_t n = end - begin;
  if (n <= grain || thread_count() == 1) {
    body(begin, end);
    return;
  }
  if (detail::pool_allowed()) {
    const int64_t pieces =
        std::min<int64_t>(n / grain + (n % grain != 0), kPiecesPerThread * thread_count());
    const detail::PoolJob<Body> job{&body, begin, n / pieces, n % pieces};
    switch (pool_run(pieces, &detail::PoolJob<Body>::range, &job)) {
      case PoolRun::done:
        job.rethrow();
        return;
      case PoolRun::nested:
        body(begin, end);
        return;
      case PoolRun::busy:
        break;
    }
  }
  detail::arena_for(begin, end, grain, body);
}

// Runs body(i) for each i in [0, count) as separate pieces (one index per
// piece, no splitting heuristics): for loops whose items are already sized to
// be worth a piece each, e.g. GEMM blocks. Runs inline when count == 1, and
// like parallel_for when nested or when the pool is taken.
template <class Body>
void parallel_tasks(int64_t count, const Body& body) {
  if (count <= 0)
    return;
  bool serial = count == 1 || thread_count() == 1;
#if defined(MT_PARALLEL_GRAIN_SWEEP)
  serial = serial || sweep_mode == SweepMode::inline_all;
#endif
  if (!serial && detail::pool_allowed()) {
    const detail::PoolJob<Body> job{&body, 0, 1, 0};
    switch (pool_run(count, &detail::PoolJob<Body>::index, &job)) {
      case PoolRun::done:
        job.rethrow();
        return;
      case PoolRun::nested:
        serial = true;
        break;
      case PoolRun::busy:
        break;
    }
  }
  if (serial) {
    for (int64_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  detail::arena_tasks(count, body);
}

}  // namespace mt::par
