// grain_sweep.cpp — measures where forking a loop across the arena starts to
// pay, per op family: for each size it times the plugin's kernel with every
// loop forced inline and with every loop forced across all threads
// (runtime.hpp's MT_PARALLEL_GRAIN_SWEEP mode, compiled into this tool only)
// and prints both, their ratio and the smallest size from which the split
// run stays faster; first, the cost of one fork itself through the plugin's
// pool and through the oneTBB arena, with the worker awake and asleep. Not a
// benchmark of the kernels (benchmarks/ is) and not a test: nothing is
// asserted.
// Usage: parallel-grain-sweep [repeats [case-substring]]   (cases: fork, map/relu,
//        map/exp, zip, reduce, matmul, matmul/small split)
#include "elementwise.hpp"
#include "gemm_kernels.hpp"
#include "matmul.hpp"
#include "memory.hpp"
#include "reduce.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using mt::par::SweepMode;

mt_view view_of(void* buffer, std::initializer_list<int64_t> shape) {
  mt_view v{};
  v.buffer = buffer;
  v.dtype = MT_F32;
  v.ndim = static_cast<int32_t>(shape.size());
  int d = 0;
  for (int64_t s : shape)
    v.shape[d++] = s;
  int64_t stride = 1;
  for (int k = v.ndim - 1; k >= 0; --k) {
    v.strides[k] = stride;
    stride *= v.shape[k];
  }
  return v;
}

float* floats(std::size_t n, float value) {
  auto* p = static_cast<float*>(mt::par::buffer_alloc(n * sizeof(float)));
  for (std::size_t i = 0; i < n; ++i)
    p[i] = value + static_cast<float>(i % 7) * 0.125f;
  return p;
}

// Best (minimum) time of one call in microseconds over `repeats` batches of
// calls lasting about 2 ms each: the minimum is what the code costs when no
// other process takes the core away.
double best_us(const std::function<void()>& call, int repeats) {
  call();
  int per_batch = 1;
  for (;;) {
    const auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i)
      call();
    if (Clock::now() - t0 > std::chrono::microseconds(500) || per_batch > (1 << 20))
      break;
    per_batch *= 2;
  }
  per_batch *= 4;
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i)
      call();
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    best = std::min(best, us / per_batch);
  }
  return best;
}

// Median wall time of one fork + join of `threads` pieces in microseconds,
// over `forks` forks. `rendezvous`: every piece waits until all have started,
// so the join includes the worker's wake-up and arrival (without it the
// caller may run every piece of an empty body itself). `gap`: idle time
// before each fork (long enough and the worker has gone to sleep).
double fork_us(bool arena, bool rendezvous, std::chrono::microseconds gap, int forks) {
  const int threads = mt::par::thread_count();
  mt::par::sweep_use_arena = arena;
  std::atomic<int> arrived{0};
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(forks));
  for (int f = 0; f < forks + 10; ++f) {
    if (gap.count() > 0)
      std::this_thread::sleep_for(gap);
    arrived.store(0);
    const auto t0 = Clock::now();
    mt::par::parallel_tasks(threads, [&](int64_t) {
      if (!rendezvous)
        return;
      arrived.fetch_add(1);
      while (arrived.load() < threads) {
      }
    });
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (f >= 10)  // the first forks start the threads
      times.push_back(us);
  }
  mt::par::sweep_use_arena = false;
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void fork_costs(int repeats) {
  std::printf("\n%-28s %12s %12s %12s %12s\n", "fork (median us)", "pool awake", "arena awake",
              "pool asleep", "arena asleep");
  const int awake = 200 * repeats, asleep = 20 * repeats;
  for (const bool rendezvous : {false, true}) {
    const auto none = std::chrono::microseconds(0), idle = std::chrono::microseconds(3000);
    // Interleaved, so a change in the machine's load touches both alike.
    const double pw = fork_us(false, rendezvous, none, awake);
    const double aw = fork_us(true, rendezvous, none, awake);
    const double ps = fork_us(false, rendezvous, idle, asleep);
    const double as = fork_us(true, rendezvous, idle, asleep);
    std::printf("%-28s %12.2f %12.2f %12.2f %12.2f\n",
                rendezvous ? "  every thread takes part" : "  empty pieces", pw, aw, ps, as);
  }
}

struct Case {
  std::string name;
  std::vector<int64_t> sizes;                          // elements (matmul: n of n x n x n)
  std::function<std::function<void()>(int64_t)> make;  // a call for that size
};

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  const std::string only = argc > 2 ? argv[2] : "";
  std::vector<int64_t> sizes;
  for (int64_t n = 1024; n <= (int64_t{1} << 20); n *= 2) {
    sizes.push_back(n);
    if (n < (int64_t{1} << 20))
      sizes.push_back(n + n / 2);
  }
  const std::size_t max_n = std::size_t{1} << 20;
  float* x = floats(max_n, -1.0f);
  float* y = floats(max_n, 0.5f);
  float* out = floats(max_n, 0.0f);

  std::vector<Case> cases;
  auto map_case = [&](const char* name, int32_t op) {
    cases.push_back({name, sizes, [=](int64_t n) -> std::function<void()> {
                       return [=] { mt::par::map(op, view_of(out, {n}), view_of(x, {n})); };
                     }});
  };
  map_case("map/relu", MT_MAP_RELU);
  map_case("map/exp", MT_MAP_EXP);
  cases.push_back({"zip/add", sizes, [=](int64_t n) -> std::function<void()> {
                     return [=] {
                       mt::par::zip(MT_ZIP_ADD, view_of(out, {n}), view_of(x, {n}),
                                    view_of(y, {n}));
                     };
                   }});
  cases.push_back({"reduce/sum rows of 256", sizes, [=](int64_t n) -> std::function<void()> {
                     return [=] {
                       mt::par::reduce(MT_REDUCE_SUM, view_of(out, {n / 256, 1}),
                                       view_of(x, {n / 256, 256}), 1);
                     };
                   }});
  // The IMDB Kim CNN's max over time: rows of 198 (200 tokens, kernel 3).
  cases.push_back({"reduce/max rows of 198", sizes, [=](int64_t n) -> std::function<void()> {
                     return [=] {
                       mt::par::reduce(MT_REDUCE_MAX, view_of(out, {n / 198, 1}),
                                       view_of(x, {n / 198, 198}), 1);
                     };
                   }});
  cases.push_back(
      {"reduce/sum columns of 256", sizes, [=](int64_t n) -> std::function<void()> {
         return [=] {
           mt::par::reduce(MT_REDUCE_SUM, view_of(out, {1, 256}), view_of(x, {n / 256, 256}), 0);
         };
       }});
  cases.push_back(
      {"matmul/f32 n^3",
       {8, 16, 24, 32, 48, 64, 96, 128, 192, 256},
       [=](int64_t n) -> std::function<void()> {
         return [=] {
           mt::par::matmul(view_of(out, {1, n, n}), view_of(x, {1, n, n}), view_of(y, {1, n, n}));
         };
       }});
  // matmul.cpp's unpacked kernel for products up to 128^3, split by rows as
  // matmul.cpp splits it (blocks of 12 rows, two blocks per thread) at every
  // size, to place its 2^20 multiply-add threshold (kSmallSplit).
  cases.push_back({"matmul/small split n^3",
                   {32, 40, 48, 56, 64, 72, 80, 88, 96, 112, 128},
                   [=](int64_t n) -> std::function<void()> {
                     return [=] {
                       const auto small = mt::par::gemm_kernel<float>().small;
                       const int64_t groups = (n + 11) / 12;
                       const int64_t blocks =
                           std::min<int64_t>(groups, 2 * mt::par::thread_count());
                       const bool split = mt::par::sweep_mode != SweepMode::inline_all;
                       mt::par::parallel_tasks(split ? blocks : 1, [&](int64_t t) {
                         const int64_t r0 = split ? t * groups / blocks * 12 : 0;
                         const int64_t r1 = split ? std::min(n, (t + 1) * groups / blocks * 12) : n;
                         if (r0 < r1)
                           small(r1 - r0, n, n, x + r0 * n, n, 1, y, n, out + r0 * n, n);
                       });
                     };
                   }});

  std::printf("# parallel-grain-sweep: %d threads, isa %s; best of %d batches; us per call\n",
              mt::par::thread_count(), mt::par::isa_name(mt::par::settings().isa), repeats);
  if (std::string("fork").find(only) != std::string::npos)
    fork_costs(repeats);
  for (const Case& c : cases) {
    if (c.name.find(only) == std::string::npos)
      continue;
    std::printf("\n%-28s %10s %10s %10s %8s\n", c.name.c_str(), "n", "inline", "split", "split/in");
    int64_t crossover = -1;
    int64_t previous = -1;
    int64_t suggested = -1;  // the last size before the crossover: forks happen above a grain
    for (int64_t n : c.sizes) {
      const auto call = c.make(n);
      mt::par::sweep_mode = SweepMode::inline_all;
      const double t_inline = best_us(call, repeats);
      mt::par::sweep_mode = SweepMode::split_all;
      const double t_split = best_us(call, repeats);
      mt::par::sweep_mode = SweepMode::normal;
      const double t_now = best_us(call, repeats);
      const double ratio = t_split / t_inline;
      if (ratio < 1.0 && crossover < 0) {
        crossover = n;
        suggested = previous;
      }
      if (ratio >= 1.0)
        crossover = -1;
      previous = n;
      std::printf("%-28s %10lld %10.2f %10.2f %8.2f   (as built: %.2f)\n", "",
                  static_cast<long long>(n), t_inline, t_split, ratio, t_now);
    }
    std::printf("%-28s split stays faster from n = %lld; suggested grain %lld (-1: none)\n",
                c.name.c_str(), static_cast<long long>(crossover),
                static_cast<long long>(crossover < 0 ? -1 : suggested));
  }
  mt::par::buffer_free(x);
  mt::par::buffer_free(y);
  mt::par::buffer_free(out);
  return 0;
}
