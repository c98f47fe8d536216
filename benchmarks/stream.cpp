// stream.cpp — the machine's bandwidth ceiling, STREAM-style: copy
// (c = a) and triad (a = b + s·c) over float arrays with plain C++ loops on 1
// or 2 threads. Bytes count each array element read or written once (no
// write-allocate traffic), as STREAM does, so the element-wise kernels'
// GB/s compare directly. Not a MiniTorch kernel: no plugin is involved.
#include "lab.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mt::bench {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// A fixed team of threads that spin between jobs: waking a sleeping thread
// costs tens of microseconds, a visible share of a 1M-element copy. The team
// only lives for one benchmark call, so no core is left spinning afterwards.
class SpinTeam {
 public:
  using Job = std::function<void(int part, int parts)>;

  explicit SpinTeam(int threads) : parts_(threads) {
    for (int id = 1; id < threads; ++id)
      helpers_.emplace_back([this, id] { helper_loop(id); });
  }
  ~SpinTeam() {
    stop_.store(true, std::memory_order_release);
    for (std::thread& t : helpers_)
      t.join();
  }
  SpinTeam(const SpinTeam&) = delete;
  SpinTeam& operator=(const SpinTeam&) = delete;

  // Runs job(part, parts) on every member (the caller is part 0); returns
  // when all parts are done.
  void run(const Job& job) {
    job_ = &job;
    pending_.store(parts_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    job(0, parts_);
    while (pending_.load(std::memory_order_acquire) != 0)
      cpu_relax();
  }

 private:
  void helper_loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      while (generation_.load(std::memory_order_acquire) == seen) {
        if (stop_.load(std::memory_order_acquire))
          return;
        cpu_relax();
      }
      ++seen;
      (*job_)(id, parts_);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  const int parts_;
  const Job* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> helpers_;
};

// The loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at
// load time, so the ceiling is the machine's and not the baseline ISA's.
#if defined(__x86_64__) && defined(__GNUC__)
#define MT_BENCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MT_BENCH_CLONES
#endif

MT_BENCH_CLONES void copy_kernel(const float* __restrict a, float* __restrict c, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    c[i] = a[i];
}

MT_BENCH_CLONES void triad_kernel(float* __restrict a, const float* __restrict b,
                                  const float* __restrict c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = b[i] + s * c[i];
}

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Array = std::unique_ptr<float[], FreeDeleter>;

Array make_array(int64_t n) {
  const std::size_t bytes = ((static_cast<std::size_t>(n) * sizeof(float) + 4095) / 4096) * 4096;
  auto* p = static_cast<float*>(std::aligned_alloc(4096, bytes));
  if (p == nullptr)
    throw std::bad_alloc();
  return Array(p);
}

// [begin, end) of part `part` of `parts`, in whole cache lines.
std::pair<int64_t, int64_t> chunk(int64_t n, int part, int parts) {
  const int64_t lines = (n + 15) / 16;
  const int64_t begin = lines * part / parts * 16;
  const int64_t end = std::min<int64_t>(n, lines * (part + 1) / parts * 16);
  return {begin, end};
}

enum class Kernel { copy, triad };

void bm_stream(benchmark::State& state, Kernel kernel, int64_t n, int threads) {
  SpinTeam team(threads);
  Array a = make_array(n), b = make_array(n), c = make_array(n);
  float* pa = a.get();
  float* pb = b.get();
  float* pc = c.get();
  // First touch by the thread that later streams each chunk.
  team.run([&](int part, int parts) {
    auto [begin, end] = chunk(n, part, parts);
    for (int64_t i = begin; i < end; ++i) {
      pa[i] = 1.0f;
      pb[i] = 2.0f;
      pc[i] = 0.0f;
    }
  });
  const SpinTeam::Job job = [&](int part, int parts) {
    auto [begin, end] = chunk(n, part, parts);
    if (kernel == Kernel::copy)
      copy_kernel(pa + begin, pc + begin, end - begin);
    else
      triad_kernel(pa + begin, pb + begin, pc + begin, 3.0f, end - begin);
  };
  team.run(job);  // warm-up
  for (auto _ : state) {
    team.run(job);
    benchmark::ClobberMemory();
  }
  const double arrays = kernel == Kernel::copy ? 2.0 : 3.0;
  set_rate_counters(state, arrays * static_cast<double>(n) * sizeof(float), 0);
  // Keep the result observable (and check it: copy/triad of constants).
  const float expected = kernel == Kernel::copy ? 1.0f : 2.0f + 3.0f * pc[0];
  if ((kernel == Kernel::copy ? pc[n - 1] : pa[n - 1]) != expected)
    state.SkipWithError("stream kernel produced a wrong value");
}

}  // namespace

void register_stream() {
  struct Config {
    int64_t n;
    std::vector<int> threads;
  };
  // 1M and 16M match the element-wise cases; 128M (512 MB an array) is
  // well past any cache this machine shares with us: main memory.
  const Config configs[] = {{1 << 20, {1, 2}}, {1 << 24, {1, 2}}, {1 << 27, {2}}};
  for (const Config& config : configs) {
    for (int threads : config.threads) {
      for (Kernel kernel : {Kernel::copy, Kernel::triad}) {
        const std::string name = std::string("stream/") +
                                 (kernel == Kernel::copy ? "copy/" : "triad/") +
                                 count_label(config.n) + "/" + std::to_string(threads) + "t";
        const int64_t n = config.n;
        benchmark::RegisterBenchmark(
            name.c_str(),
            [kernel, n, threads](benchmark::State& state) { bm_stream(state, kernel, n, threads); })
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace mt::bench
