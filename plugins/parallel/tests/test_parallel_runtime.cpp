// test_parallel_runtime.cpp — the parallel plugin's loop drivers and its
// fork-join pool (src/runtime.hpp, with src/runtime.cpp compiled in): work up
// to one grain runs inline on the calling thread in one piece, larger ranges
// are covered exactly once by equal pieces of at least half a grain,
// parallel_tasks runs every index once, a loop inside a loop runs inline,
// several user threads forking at once all get exact results (the pool's
// loser goes through the arena), exceptions reach the caller, and threads
// start on the first fork only, never with MT_NUM_THREADS=1 (both checked in
// a child process). Not the kernels (test_parallel_plugin) nor their speed.
#define BOOST_TEST_MODULE parallel_runtime
#include <boost/test/unit_test.hpp>

#include "runtime.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace {

struct Pieces {
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<std::thread::id> threads;

  void add(int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(mutex);
    ranges.emplace_back(begin, end);
    threads.push_back(std::this_thread::get_id());
  }
};

// Threads of this process, from /proc (Linux).
int process_threads() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}

constexpr const char* kChildVariable = "MT_PARALLEL_RUNTIME_TEST_CHILD";

// Runs this test binary again with only `test` selected, `extra` added to
// the environment and kChildVariable set; returns its exit status.
int run_child(const std::string& test, const std::vector<std::string>& extra) {
  std::vector<std::string> env_text = extra;
  env_text.push_back(std::string(kChildVariable) + "=1");
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    });
    if (!replaced)
      env_text.push_back(entry);
  }
  std::vector<char*> env;
  for (auto& e : env_text)
    env.push_back(e.data());
  env.push_back(nullptr);
  std::string exe = "/proc/self/exe", arg = "--run_test=" + test;
  char* argv[] = {exe.data(), arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, env.data()) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool in_child() {
  return std::getenv(kChildVariable) != nullptr;
}

// Every index of [begin, end) counted once by parallel_for, for this grain.
void check_covered_once(int64_t begin, int64_t end, int64_t grain) {
  std::vector<std::atomic<int>> seen(static_cast<std::size_t>(end - begin));
  Pieces p;
  mt::par::parallel_for(begin, end, grain, [&](int64_t b, int64_t e) {
    p.add(b, e);
    for (int64_t i = b; i < e; ++i)
      seen[static_cast<std::size_t>(i - begin)]++;
  });
  int64_t wrong = 0;
  for (const auto& s : seen)
    wrong += s.load() != 1;
  BOOST_TEST(wrong == 0, "range [" << begin << ", " << end << ") grain " << grain);
  // Equal pieces (within one item), whatever thread ran them.
  int64_t smallest = end - begin, largest = 0;
  for (const auto& [b, e] : p.ranges) {
    smallest = std::min(smallest, e - b);
    largest = std::max(largest, e - b);
  }
  BOOST_TEST(largest - smallest <= 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(settings_are_valid_here) {
  BOOST_TEST(mt::par::settings().error.empty());
  BOOST_TEST(mt::par::thread_count() >= 1);
}

BOOST_AUTO_TEST_CASE(work_up_to_one_grain_runs_inline_in_one_piece) {
  for (const mt::sdk::Cost cost : {mt::sdk::Cost::cheap, mt::sdk::Cost::transcendental}) {
    const int64_t grain = mt::par::grain_for(cost);
    for (const int64_t n : {int64_t{1}, grain / 2, grain}) {
      Pieces p;
      mt::par::parallel_for(7, 7 + n, grain, [&](int64_t b, int64_t e) { p.add(b, e); });
      BOOST_TEST_REQUIRE(p.ranges.size() == 1u);
      BOOST_TEST(p.ranges[0].first == 7);
      BOOST_TEST(p.ranges[0].second == 7 + n);
      BOOST_TEST((p.threads[0] == std::this_thread::get_id()));
    }
  }
  Pieces empty;
  mt::par::parallel_for(5, 5, 16, [&](int64_t b, int64_t e) { empty.add(b, e); });
  BOOST_TEST(empty.ranges.empty());
}

BOOST_AUTO_TEST_CASE(larger_ranges_are_covered_once_by_pieces_of_half_a_grain) {
  const int64_t grain = mt::par::grain_for(mt::sdk::Cost::cheap);
  for (const int64_t n : {grain + 1, 3 * grain, 10 * grain + 3}) {
    Pieces p;
    mt::par::parallel_for(0, n, grain, [&](int64_t b, int64_t e) { p.add(b, e); });
    std::sort(p.ranges.begin(), p.ranges.end());
    int64_t next = 0;
    for (const auto& [b, e] : p.ranges) {
      BOOST_TEST_REQUIRE(b == next);
      BOOST_TEST(e - b >= grain / 2);
      next = e;
    }
    BOOST_TEST(next == n);
    if (mt::par::thread_count() > 1)
      BOOST_TEST(p.ranges.size() >= 2u);
  }
}

BOOST_AUTO_TEST_CASE(parallel_tasks_runs_every_index_once) {
  for (const int64_t count : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{37}}) {
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(count));
    mt::par::parallel_tasks(count, [&](int64_t i) { seen[static_cast<std::size_t>(i)]++; });
    for (const auto& s : seen)
      BOOST_TEST(s.load() == 1);
  }
}

BOOST_AUTO_TEST_CASE(every_index_is_visited_once_over_many_sizes_and_grains) {
  for (int64_t n = 1; n <= 300; n += (n < 40 ? 1 : 13))
    for (const int64_t grain : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{7}, int64_t{64}})
      check_covered_once(5, 5 + n, grain);
  check_covered_once(-1000, 1000003, 4096);
  check_covered_once(0, int64_t{1} << 20, 1);
  for (int64_t count = 0; count <= 70; ++count) {
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(count));
    mt::par::parallel_tasks(count, [&](int64_t i) { seen[static_cast<std::size_t>(i)]++; });
    int64_t wrong = 0;
    for (const auto& s : seen)
      wrong += s.load() != 1;
    BOOST_TEST(wrong == 0, "parallel_tasks(" << count << ")");
  }
}

BOOST_AUTO_TEST_CASE(a_split_uses_the_other_threads) {
  if (mt::par::thread_count() == 1)
    return;
  // Each piece waits (bounded) until another thread has run a piece too, so
  // the split must reach a worker; it does, or the wait times out and the
  // check fails.
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> others{0};
    const auto caller = std::this_thread::get_id();
    mt::par::parallel_tasks(mt::par::thread_count(), [&](int64_t) {
      if (std::this_thread::get_id() != caller) {
        others++;
        return;
      }
      for (int spin = 0; spin < 100000 && others.load() == 0; ++spin)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    });
    BOOST_TEST(others.load() >= 1);
  }
  BOOST_TEST(mt::par::pool_workers_started() == mt::par::thread_count() - 1);
}

BOOST_AUTO_TEST_CASE(a_loop_inside_a_loop_runs_inline) {
  const int64_t grain = 16;
  const int64_t outer = 64, inner = 1000;
  std::vector<int64_t> sums(static_cast<std::size_t>(outer), 0);
  std::atomic<int> inline_ok{0}, calls{0};
  mt::par::parallel_for(0, outer, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const auto self = std::this_thread::get_id();
      int pieces = 0;
      bool same_thread = true;
      int64_t sum = 0;
      mt::par::parallel_for(0, inner, grain, [&](int64_t ib, int64_t ie) {
        ++pieces;
        same_thread = same_thread && std::this_thread::get_id() == self;
        for (int64_t j = ib; j < ie; ++j)
          sum += i * j;
      });
      mt::par::parallel_tasks(3, [&](int64_t t) {
        same_thread = same_thread && std::this_thread::get_id() == self;
        sum += t;
      });
      sums[static_cast<std::size_t>(i)] = sum;
      calls++;
      if (pieces == 1 && same_thread)
        inline_ok++;
    }
  });
  BOOST_TEST(calls.load() == outer);
  BOOST_TEST(inline_ok.load() == outer);
  for (int64_t i = 0; i < outer; ++i)
    BOOST_TEST(sums[static_cast<std::size_t>(i)] == i * (inner * (inner - 1) / 2) + 3);
}

BOOST_AUTO_TEST_CASE(concurrent_callers_get_exact_results) {
  // Several user threads fork at once: one holds the pool, the others go
  // through the arena (or inline when nested); every result must be exact.
  const int callers = 4;
  std::vector<int64_t> wrong(callers, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int round = 0; round < 60; ++round) {
        const int64_t n = 1 + (round * 7919 + t * 104729) % 50000;
        std::vector<int64_t> out(static_cast<std::size_t>(n), -1);
        mt::par::parallel_for(0, n, 256, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i)
            out[static_cast<std::size_t>(i)] = i * 3 + t;
        });
        std::vector<int64_t> tasks(static_cast<std::size_t>(round % 9 + 1), -1);
        mt::par::parallel_tasks(static_cast<int64_t>(tasks.size()),
                                [&](int64_t i) { tasks[static_cast<std::size_t>(i)] = i + t; });
        for (int64_t i = 0; i < n; ++i)
          wrong[t] += out[static_cast<std::size_t>(i)] != i * 3 + t;
        for (std::size_t i = 0; i < tasks.size(); ++i)
          wrong[t] += tasks[i] != static_cast<int64_t>(i) + t;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < callers; ++t)
    BOOST_TEST(wrong[t] == 0, "caller " << t);
}

BOOST_AUTO_TEST_CASE(an_exception_in_a_piece_reaches_the_caller) {
  for (int round = 0; round < 10; ++round) {
    BOOST_CHECK_THROW(mt::par::parallel_for(0, 100000, 100,
                                            [&](int64_t b, int64_t e) {
                                              if (b <= 77777 && 77777 < e)
                                                throw std::runtime_error("piece");
                                            }),
                      std::runtime_error);
    BOOST_CHECK_THROW(mt::par::parallel_tasks(8,
                                              [&](int64_t i) {
                                                if (i == round % 8)
                                                  throw std::runtime_error("task");
                                              }),
                      std::runtime_error);
  }
  // The pool is free again afterwards.
  check_covered_once(0, 100000, 100);
}

BOOST_AUTO_TEST_CASE(threads_start_on_the_first_fork_only) {
  if (!in_child()) {
    BOOST_TEST(run_child("threads_start_on_the_first_fork_only", {}) == 0);
    return;
  }
  // Reading the settings (what listing the plugin does) starts nothing.
  // (A sanitizer may run a thread of its own, hence the count at the start.)
  const int before = process_threads();
  const int threads = mt::par::thread_count();
  BOOST_TEST(mt::par::settings().error.empty());
  BOOST_TEST(mt::par::pool_workers_started() == 0);
  check_covered_once(0, 1000, 2000);  // inline
  BOOST_TEST(process_threads() == before);
  check_covered_once(0, 100000, 1000);
  BOOST_TEST(mt::par::pool_workers_started() == threads - 1);
  BOOST_TEST(process_threads() >= before + threads - 1);
}

BOOST_AUTO_TEST_CASE(one_thread_runs_every_loop_inline_and_starts_no_thread) {
  if (!in_child()) {
    BOOST_TEST(run_child("one_thread_runs_every_loop_inline_and_starts_no_thread",
                         {"MT_NUM_THREADS=1"}) == 0);
    return;
  }
  const int before = process_threads();
  BOOST_TEST_REQUIRE(mt::par::thread_count() == 1);
  for (const int64_t n : {int64_t{10}, int64_t{1} << 20}) {
    Pieces p;
    mt::par::parallel_for(0, n, 1, [&](int64_t b, int64_t e) { p.add(b, e); });
    BOOST_TEST_REQUIRE(p.ranges.size() == 1u);
    BOOST_TEST(p.ranges[0].second - p.ranges[0].first == n);
    BOOST_TEST((p.threads[0] == std::this_thread::get_id()));
  }
  int64_t seen = 0;
  mt::par::parallel_tasks(1000, [&](int64_t i) { seen += i; });
  BOOST_TEST(seen == 999 * 1000 / 2);
  BOOST_TEST(mt::par::pool_workers_started() == 0);
  BOOST_TEST(process_threads() == before);
}
