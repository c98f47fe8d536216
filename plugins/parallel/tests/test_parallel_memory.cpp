// test_parallel_memory.cpp — the parallel plugin's caching allocator
// (src/memory.cpp, compiled into this binary): size classes, the header
// sizes, reuse without system calls in a steady state, the byte bound with
// its least-recently-used eviction, and blocks handed between threads (run
// under ThreadSanitizer by the TSan build). Not the plugin's kernels.
#define BOOST_TEST_MODULE parallel_memory
#include <boost/test/unit_test.hpp>

#include "memory.hpp"

#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace {

using mt::par::buffer_alloc;
using mt::par::buffer_bytes;
using mt::par::buffer_cache_stats;
using mt::par::buffer_class_bytes;
using mt::par::buffer_free;

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace

BOOST_AUTO_TEST_CASE(size_classes_by_hand) {
  // 64-byte steps up to 1 KiB.
  BOOST_TEST(buffer_class_bytes(0) == 64u);
  BOOST_TEST(buffer_class_bytes(1) == 64u);
  BOOST_TEST(buffer_class_bytes(64) == 64u);
  BOOST_TEST(buffer_class_bytes(65) == 128u);
  BOOST_TEST(buffer_class_bytes(1024) == 1024u);
  // Then eight steps per octave: (1024, 2048] in steps of 128, (2048, 4096] of 256.
  BOOST_TEST(buffer_class_bytes(1025) == 1152u);
  BOOST_TEST(buffer_class_bytes(2048) == 2048u);
  BOOST_TEST(buffer_class_bytes(2049) == 2304u);
  BOOST_TEST(buffer_class_bytes(3000) == 3072u);
  BOOST_TEST(buffer_class_bytes(4 * kMiB + 1) == 4 * kMiB + 512 * 1024);
}

BOOST_AUTO_TEST_CASE(size_classes_waste_at_most_an_eighth) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::size_t n = rng() % (std::size_t{1} << (1 + rng() % 34));
    const std::size_t c = buffer_class_bytes(n);
    const std::size_t r = (std::max<std::size_t>(n, 1) + 63) / 64 * 64;
    BOOST_TEST_REQUIRE(c >= r);
    BOOST_TEST_REQUIRE(c % 64 == 0u);
    BOOST_TEST_REQUIRE(c - r <= r / 8);
  }
}

BOOST_AUTO_TEST_CASE(blocks_are_aligned_and_report_their_request) {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{65}, std::size_t{1000},
        std::size_t{1025}, std::size_t{5000}, kMiB + 3, 5 * kMiB + 7}) {
    void* p = buffer_alloc(n);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % 64 == 0u);
    const std::size_t r = (std::max<std::size_t>(n, 1) + 63) / 64 * 64;
    BOOST_TEST(buffer_bytes(p) == r);
    std::memset(p, 0xab, buffer_class_bytes(n));  // the whole class is usable
    buffer_free(p);
  }
  BOOST_TEST(buffer_bytes(nullptr) == 0u);
  buffer_free(nullptr);
  BOOST_CHECK_THROW(buffer_alloc(SIZE_MAX - 10), std::bad_alloc);
}

BOOST_AUTO_TEST_CASE(same_class_reuses_the_block_with_the_new_request) {
  void* a = buffer_alloc(1100);
  buffer_free(a);
  void* b = buffer_alloc(1150);  // same class (1152)
  BOOST_TEST(b == a);
  BOOST_TEST(buffer_bytes(b) == 1152u);
  buffer_free(b);
  void* big = buffer_alloc(3 * kMiB + 100);
  buffer_free(big);
  void* big2 = buffer_alloc(3 * kMiB + 5000);
  BOOST_TEST(big2 == big);
  buffer_free(big2);
}

BOOST_AUTO_TEST_CASE(a_steady_training_loop_makes_no_system_allocations) {
  // The sizes of a small step: many tiny tensors, some medium, a few large.
  const std::vector<std::size_t> sizes = {40,    40,    400,       4000,      4000, 40000,
                                          70000, 70000, 4'000'000, 9'000'000, 12,   800};
  auto step = [&] {
    std::vector<void*> live;
    for (std::size_t n : sizes)
      live.push_back(buffer_alloc(n));
    for (void* p : live)
      buffer_free(p);
  };
  step();  // warm-up: fills the caches
  const auto before = buffer_cache_stats().system_allocs;
  for (int i = 0; i < 200; ++i)
    step();
  BOOST_TEST(buffer_cache_stats().system_allocs == before);
}

BOOST_AUTO_TEST_CASE(the_cache_stays_in_bounds_and_evicts_the_coldest) {
  // Blocks of distinct classes, 96 MiB and up: twelve of them exceed the
  // bound, so the first freed (coldest) must go back to the system. Only the
  // header page of each is ever touched.
  std::vector<void*> blocks;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 12; ++i) {
    sizes.push_back((96 + 16 * static_cast<std::size_t>(i)) * kMiB);
    blocks.push_back(buffer_alloc(sizes.back()));
  }
  const auto evictions_before = buffer_cache_stats().evictions;
  for (void* p : blocks)
    buffer_free(p);
  const auto s = buffer_cache_stats();
  BOOST_TEST(s.cached_bytes <= mt::par::kCacheLimitBytes);
  BOOST_TEST(s.evictions > evictions_before);
  // The most recently freed is still cached: no system allocation.
  const auto allocs = s.system_allocs;
  void* hot = buffer_alloc(sizes.back());
  BOOST_TEST(buffer_cache_stats().system_allocs == allocs);
  // The first one freed was evicted: it needs the system again.
  void* cold = buffer_alloc(sizes.front());
  BOOST_TEST(buffer_cache_stats().system_allocs == allocs + 1);
  buffer_free(hot);
  buffer_free(cold);
  // A block larger than the whole bound is never kept.
  void* huge = buffer_alloc(mt::par::kCacheLimitBytes + kMiB);
  const auto shared = buffer_cache_stats().cached_bytes;
  buffer_free(huge);
  BOOST_TEST(buffer_cache_stats().cached_bytes == shared);
}

BOOST_AUTO_TEST_CASE(blocks_handed_between_threads_keep_their_contents) {
  // Each thread fills blocks and hands them on; whichever thread takes one
  // checks and frees it, so blocks are freed and reused across threads.
  std::mutex mutex;
  std::deque<void*> queue;
  constexpr int kThreads = 4;
  constexpr int kBlocksEach = 3000;
  bool ok = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      bool mine_ok = true;
      for (int i = 0; i < kBlocksEach; ++i) {
        const std::size_t n = 8 + rng() % 20000;
        auto* p = static_cast<unsigned char*>(buffer_alloc(n));
        std::memset(p, static_cast<int>(n & 0xff), n);
        std::memcpy(p, &n, sizeof n);  // the size first, then its low byte
        void* other = nullptr;
        {
          std::lock_guard<std::mutex> lock(mutex);
          queue.push_back(p);
          if (queue.size() > 8) {
            other = queue.front();
            queue.pop_front();
          }
        }
        if (other != nullptr) {
          const auto* q = static_cast<const unsigned char*>(other);
          std::size_t m = 0;
          std::memcpy(&m, q, sizeof m);
          mine_ok = mine_ok && buffer_bytes(other) == (m + 63) / 64 * 64;
          for (std::size_t k = sizeof m; k < m; ++k)
            mine_ok = mine_ok && q[k] == static_cast<unsigned char>(m & 0xff);
          buffer_free(other);
        }
      }
      std::lock_guard<std::mutex> lock(mutex);
      ok = ok && mine_ok;
    });
  }
  for (auto& th : threads)
    th.join();
  for (void* p : queue)
    buffer_free(p);
  BOOST_TEST(ok);
}
