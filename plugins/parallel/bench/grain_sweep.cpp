// grain_sweep.cpp — measures where forking a loop across the arena starts to
// pay, per op family: for each size it times the plugin's kernel with every
// loop forced inline and with every loop forced across all threads
// (runtime.hpp's MT_PARALLEL_GRAIN_SWEEP mode, compiled into this tool only)
// and prints both, their ratio and the smallest size from which the split
// run stays faster. Not a benchmark of the kernels (benchmarks/ is) and not
// a test: nothing is asserted.
// Usage: parallel-grain-sweep [repeats [case-substring]]
#include "elementwise.hpp"
#include "matmul.hpp"
#include "memory.hpp"
#include "reduce.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
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

  std::printf("# parallel-grain-sweep: %d threads, isa %s; best of %d batches; us per call\n",
              mt::par::thread_count(), mt::par::isa_name(mt::par::settings().isa), repeats);
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
