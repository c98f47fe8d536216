// runtime.cpp — environment parsing (MT_NUM_THREADS, MT_PARALLEL_ISA), the
// run-time CPU check for AVX2/AVX-512 (CPUID plus XGETBV, so a CPU whose OS
// has not enabled the wide registers is not picked), the plugin's fork-join
// pool and its fallback arena. It is not an auto-tuner: block sizes live
// with the kernels, grains in runtime.hpp.
#include "runtime.hpp"

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace mt::par {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    default:
      return "generic";
  }
}

namespace {

constexpr int kMaxThreads = 1024;

#if defined(__x86_64__) || defined(__i386__)
uint64_t read_xcr0() {
  uint32_t lo = 0;
  uint32_t hi = 0;
  // XGETBV with ECX = 0 reads XCR0: which register states the OS saves.
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// The widest kernel set both the CPU and the OS support.
Isa detect_isa() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return Isa::generic;
  const bool osxsave = (ecx & (1u << 27)) != 0;
  const bool fma = (ecx & (1u << 12)) != 0;
  if (!osxsave)
    return Isa::generic;
  const uint64_t xcr0 = read_xcr0();
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;  // plus opmask, ZMM_Hi256, Hi16_ZMM
  __builtin_cpu_init();
  const bool cpu_avx2 = __builtin_cpu_supports("avx2") && fma;
  const bool cpu_avx512 = __builtin_cpu_supports("avx512f") && cpu_avx2;
  if (cpu_avx512 && os_avx512)
    return Isa::avx512;
  if (cpu_avx2 && os_avx)
    return Isa::avx2;
  return Isa::generic;
}
#else
Isa detect_isa() {
  return Isa::generic;
}
#endif

Settings read_settings() {
  Settings s;
  const int available = oneapi::tbb::info::default_concurrency();
  s.threads = available > 0 ? available : 1;
  if (const char* text = std::getenv("MT_NUM_THREADS"); text != nullptr && *text != '\0') {
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || value > kMaxThreads) {
      s.error = std::string("MT_NUM_THREADS='") + text + "' is not a thread count (allowed 1.." +
                std::to_string(kMaxThreads) + "; unset it to use all " + std::to_string(s.threads) +
                " cores)";
    } else {
      s.threads = static_cast<int>(value);
    }
  }
  const Isa best = detect_isa();
  s.isa = best;
  if (const char* text = std::getenv("MT_PARALLEL_ISA"); text != nullptr && *text != '\0') {
    const std::string want(text);
    Isa chosen = best;
    bool known = true;
    if (want == "generic")
      chosen = Isa::generic;
    else if (want == "avx2")
      chosen = Isa::avx2;
    else if (want == "avx512")
      chosen = Isa::avx512;
    else
      known = false;
    if (!known) {
      s.error = "MT_PARALLEL_ISA='" + want + "' is not one of generic, avx2, avx512";
    } else if (static_cast<int>(chosen) > static_cast<int>(best)) {
      s.error = "MT_PARALLEL_ISA=" + want +
                " asks for kernels this CPU/OS cannot run (best: " + isa_name(best) + ")";
    } else {
      s.isa = chosen;
    }
  }
  return s;
}

}  // namespace

const Settings& settings() {
  static const Settings s = read_settings();
  return s;
}

oneapi::tbb::task_arena& arena() {
  // Built on first parallel use, not at load: loading the plugin to list it
  // must not start threads. Asking for more threads than TBB's default pool
  // also needs the process-wide limit raised. Both objects are deliberately
  // never destroyed (the library is linked -z nodelete), so no exit-time
  // ordering between this plugin and libtbb can bite.
  static oneapi::tbb::task_arena* const instance = [] {
    const int threads = settings().threads;
    static oneapi::tbb::global_control* const raised_limit =
        threads > oneapi::tbb::info::default_concurrency()
            ? new oneapi::tbb::global_control(oneapi::tbb::global_control::max_allowed_parallelism,
                                              static_cast<std::size_t>(threads))
            : nullptr;
    (void)raised_limit;
    auto* a = new oneapi::tbb::task_arena(threads);
    a->initialize();
    return a;
  }();
  return *instance;
}

// ---- the pool ---------------------------------------------------------------
//
// One job at a time, held by the thread that published it (`held_`, a
// try-lock: a second caller gets PoolRun::busy). A job is a function, its
// argument and a piece count; `claim_` packs the count (high 32 bits) with
// the next piece to hand out (low 32 bits). The caller runs piece 0 without
// a claim; then every thread, the caller included, takes pieces with one
// fetch_add each until the count is reached. Because the count travels in the same word, a thread
// that comes late sees a finished job as finished without reading anything else, and a successful
// claim always names a piece of the live job: that job cannot end (nor `fn_` / `job_` change)
// before the piece is counted in `done_`. A failed claim only pushes the low half past the count,
// once per thread per job. The caller returns when `done_` holds every piece it did not run.
//
// Idle workers spin on `claim_` for kPoolSpinMicroseconds, then sleep on
// `epoch_` (a futex through std::atomic::wait). A caller publishes with a
// sequentially consistent store and then reads `sleepers_`; a worker
// announces itself in `sleepers_` and then re-reads `claim_` (also
// sequentially consistent), so at least one of them sees the other: either
// the caller bumps `epoch_` and wakes it, or the worker finds the job and
// does not sleep. A worker that sleeps through a whole job costs nothing but
// the wake-up, as the caller takes the pieces it does not.

namespace {

// Spin time of an idle worker before it sleeps: longer than the gaps
// between the forks of a training step (a few to tens of microseconds), so
// a step's forks find the worker awake; short enough that a process that
// stops computing stops burning CPU almost at once. (parallel-grain-sweep's
// "fork" rows time a fork with the worker awake and asleep.)
constexpr auto kPoolSpinMicroseconds = std::chrono::microseconds(200);
// After this long waiting for a worker's last piece, the caller yields its
// core between checks (the worker may be waiting for that very core).
constexpr auto kCallerSpin = std::chrono::microseconds(50);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Set on the pool's workers and on a caller while its job runs: a parallel
// loop from there runs inline. A pthread key, not a thread_local: this
// library is dlopen'ed, so a thread_local would live in dynamic TLS, which
// LeakSanitizer (GCC 12's, with glibc 2.36) crashes scanning on the
// workers alive at exit.
pthread_key_t pool_job_key() {
  static const pthread_key_t key = [] {
    pthread_key_t k;
    if (pthread_key_create(&k, nullptr) != 0)
      std::abort();
    return k;
  }();
  return key;
}
bool inside_pool_job() {
  return pthread_getspecific(pool_job_key()) != nullptr;
}
void mark_pool_job(bool on) {
  static char marker = 0;
  pthread_setspecific(pool_job_key(), on ? &marker : nullptr);
}

class Pool {
 public:
  // Starts `workers` threads (fewer if the system refuses some: the caller
  // then runs more pieces itself). With more threads than cores, idle
  // workers sleep at once rather than spin, so they never take a core from
  // the thread that has work.
  Pool(int workers, bool spin) : spin_(spin) {
    for (int i = 0; i < workers; ++i) {
      try {
        std::thread([this] { work(); }).detach();
      } catch (const std::exception&) {
        break;
      }
      started_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  int started() const { return started_.load(std::memory_order_relaxed); }

  PoolRun run(int64_t pieces, PieceFn fn, const void* job) {
    if (inside_pool_job())
      return PoolRun::nested;
    if (pieces >= (int64_t{1} << 31) || held_.load(std::memory_order_relaxed) ||
        held_.exchange(true, std::memory_order_acquire))
      return PoolRun::busy;
    mark_pool_job(true);
    fn_ = fn;
    job_ = job;
    done_.store(0, std::memory_order_relaxed);
    // Piece 0 is the caller's without a claim: one shared-line round trip
    // fewer per fork.
    claim_.store((static_cast<uint64_t>(pieces) << 32) | 1u, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      epoch_.fetch_add(1, std::memory_order_seq_cst);
      epoch_.notify_all();
    }
    fn(job, 0);
    const int64_t others = pieces - 1 - take_pieces();
    if (others > 0) {
      const auto t0 = std::chrono::steady_clock::now();
      bool yield = !spin_;
      for (unsigned i = 1; done_.load(std::memory_order_acquire) != others; ++i) {
        if (yield) {
          std::this_thread::yield();
          continue;
        }
        cpu_relax();
        if (i % 64 == 0 && std::chrono::steady_clock::now() - t0 > kCallerSpin)
          yield = true;
      }
    }
    mark_pool_job(false);
    held_.store(false, std::memory_order_release);
    return PoolRun::done;
  }

 private:
  static bool has_work(uint64_t claim) { return (claim & 0xffffffffu) < (claim >> 32); }

  // Runs pieces of the live job until none is left; returns how many. (A
  // plain load first: when every piece is taken, which is how each thread
  // leaves a job, the line stays shared instead of moving to this core.)
  int64_t take_pieces() {
    int64_t ran = 0;
    for (;;) {
      if (!has_work(claim_.load(std::memory_order_relaxed)))
        return ran;
      const uint64_t c = claim_.fetch_add(1, std::memory_order_acq_rel);
      if (!has_work(c))
        return ran;
      fn_(job_, static_cast<int64_t>(c & 0xffffffffu));
      ++ran;
    }
  }

  void wait_for_work() {
    if (spin_) {
      const auto t0 = std::chrono::steady_clock::now();
      for (unsigned i = 1;; ++i) {
        if (has_work(claim_.load(std::memory_order_relaxed)))
          return;
        cpu_relax();
        if (i % 64 == 0 && std::chrono::steady_clock::now() - t0 > kPoolSpinMicroseconds)
          break;
      }
    }
    for (;;) {
      const uint32_t epoch = epoch_.load(std::memory_order_acquire);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      if (!has_work(claim_.load(std::memory_order_seq_cst)))
        epoch_.wait(epoch, std::memory_order_acquire);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      if (has_work(claim_.load(std::memory_order_relaxed)))
        return;
    }
  }

  void work() {
    mark_pool_job(true);
    pthread_setname_np(pthread_self(), "mt-parallel");
    for (;;) {
      wait_for_work();
      const int64_t ran = take_pieces();
      if (ran > 0)
        done_.fetch_add(ran, std::memory_order_release);
    }
  }

  // The live job: written by the holder before `claim_` publishes it, read
  // by a thread only after a successful claim.
  alignas(64) std::atomic<uint64_t> claim_{0};
  PieceFn fn_ = nullptr;
  const void* job_ = nullptr;
  alignas(64) std::atomic<int64_t> done_{0};  // pieces finished by workers
  alignas(64) std::atomic<bool> held_{false};
  std::atomic<uint32_t> epoch_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<int> started_{0};
  const bool spin_;
};

std::atomic<Pool*> g_pool{nullptr};

Pool& pool() {
  // Built on the first fork, not at load. Never destroyed: its detached
  // workers wait on it until the process exits (the library is linked
  // -z nodelete, so their code stays mapped).
  static Pool* const instance = [] {
    const int threads = settings().threads;
    auto* p = new Pool(threads - 1, threads <= oneapi::tbb::info::default_concurrency());
    g_pool.store(p, std::memory_order_release);
    return p;
  }();
  return *instance;
}

}  // namespace

PoolRun pool_run(int64_t pieces, PieceFn fn, const void* job) {
  return pool().run(pieces, fn, job);
}

int pool_workers_started() {
  const Pool* p = g_pool.load(std::memory_order_acquire);
  return p != nullptr ? p->started() : 0;
}

}  // namespace mt::par
