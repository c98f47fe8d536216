// test_parallel_runtime.cpp — the parallel plugin's loop drivers
// (src/runtime.hpp, with src/runtime.cpp compiled in): work up to one grain
// runs inline on the calling thread in one piece, larger ranges are covered
// exactly once by pieces of at least half a grain, and parallel_tasks runs
// every index once. Not the kernels (test_parallel_plugin) nor their speed.
#define BOOST_TEST_MODULE parallel_runtime
#include <boost/test/unit_test.hpp>

#include "runtime.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

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
