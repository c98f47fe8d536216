// test_shard.cpp — DataLoaderOptions::shard on every backend, all ranks emulated in one process:
// each rank's slice is [r*n/R, (r+1)*n/R) of the unsharded batch, slices joined in rank order are
// the unsharded batch, every index once per epoch, a rank may get 0 examples of a tiny last batch,
// the same global steps with another world size, prefetch gives the same, bad shards refused.
// Not the MPI run of the same checks (test_distributed_mpi).
#include <boost/test/unit_test.hpp>
#include <minitorch/data/dataloader.hpp>

#include "backend_suites.hpp"

#include <vector>

using namespace mt;

namespace {

std::shared_ptr<const Dataset> numbered(int64_t n, const BackendPtr& backend) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i)
    v.push_back(static_cast<double>(i));
  return std::make_shared<const TensorDataset>(
      Tensor::from_values(v, {n, 1}, {.dtype = DType::f64, .backend = backend}),
      Tensor::from_values(v, {n}, {.dtype = DType::f64, .backend = backend}));
}

std::vector<int64_t> ids(const Example& e) {
  std::vector<int64_t> out;
  for (double v : e.target.to_vector())
    out.push_back(static_cast<int64_t>(v));
  return out;
}

}  // namespace

MT_BACKEND_TEST(test_shard, slices_join_to_the_unsharded_batches_and_cover_each_epoch) {
  const auto data = numbered(23, backend);
  for (int world : {1, 2, 3, 4}) {
    for (bool prefetch : {false, true}) {
      const DataLoaderOptions base{
          .batch_size = 6, .shuffle = true, .seed = 11, .backend = backend, .prefetch = prefetch};
      DataLoader whole(data, base);
      std::vector<DataLoader> ranks;
      std::vector<DataLoader::Iterator> its;
      for (int r = 0; r < world; ++r) {
        DataLoaderOptions o = base;
        o.shard = {.rank = r, .world_size = world};
        ranks.emplace_back(data, o);
      }
      for (int64_t epoch = 0; epoch < 2; ++epoch) {
        its.clear();
        for (auto& l : ranks)
          its.push_back(l.begin());
        std::vector<int> seen(23, 0);
        for (int64_t b = 0; b < whole.size(); ++b) {
          const std::vector<int64_t> global = whole.batch_indices(epoch, b);
          std::vector<int64_t> joined;
          for (int r = 0; r < world; ++r) {
            auto& it = its[static_cast<std::size_t>(r)];
            BOOST_TEST_REQUIRE(!(it == std::default_sentinel));
            const std::vector<int64_t> got = ids(*it);
            const auto n = static_cast<int64_t>(global.size());
            // Rank r's slice is [r*n/R, (r+1)*n/R).
            const std::vector<int64_t> expected(global.begin() + r * n / world,
                                                global.begin() + (r + 1) * n / world);
            BOOST_TEST(got == expected, "world " << world << " rank " << r << " batch " << b);
            BOOST_TEST(ranks[static_cast<std::size_t>(r)].local_batch_size(epoch, b) ==
                       static_cast<int64_t>(expected.size()));
            BOOST_TEST(ranks[static_cast<std::size_t>(r)].global_batch_size(epoch, b) == n);
            BOOST_TEST(ranks[static_cast<std::size_t>(r)].batch_indices(epoch, b) == expected);
            joined.insert(joined.end(), got.begin(), got.end());
            ++it;
          }
          BOOST_TEST(joined == global);
          for (int64_t i : joined)
            ++seen[static_cast<std::size_t>(i)];
        }
        for (auto& it : its)
          BOOST_TEST((it == std::default_sentinel));
        BOOST_TEST(seen == std::vector<int>(23, 1), "world " << world << " epoch " << epoch);
      }
    }
  }
}

MT_BACKEND_TEST(test_shard, a_rank_with_nothing_gets_a_zero_size_batch) {
  // 13 = 6 + 6 + 1: the last batch of 1 leaves ranks 0 and 1 of 3 empty (0*1/3 = 0, 1*1/3 = 0,
  // 2*1/3 = 0 .. 3*1/3 = 1).
  const auto data = numbered(13, backend);
  for (int r = 0; r < 3; ++r) {
    DataLoader loader(data, {.batch_size = 6, .backend = backend, .shard = {r, 3}});
    BOOST_TEST(loader.size() == 3);
    BOOST_TEST(loader.local_batch_size(0, 2) == (r == 2 ? 1 : 0));
    int64_t b = 0;
    for (auto it = loader.begin(); it != loader.end(); ++it, ++b) {
      if (b != 2)
        continue;
      BOOST_TEST((it->data.shape() == Shape{r == 2 ? 1 : 0, 1}));
      BOOST_TEST((it->target.shape() == Shape{r == 2 ? 1 : 0}));
      BOOST_TEST((it->data.dtype() == DType::f64));
    }
    BOOST_TEST(b == 3);
  }
}

MT_BACKEND_TEST(test_shard, bad_shards_are_refused) {
  const auto data = numbered(5, backend);
  BOOST_CHECK_THROW(DataLoader(data, {.backend = backend, .shard = {0, 0}}), ArgumentError);
  BOOST_CHECK_THROW(DataLoader(data, {.backend = backend, .shard = {2, 2}}), ArgumentError);
  BOOST_CHECK_THROW(DataLoader(data, {.backend = backend, .shard = {-1, 2}}), ArgumentError);
  DataLoader ok(data, {.batch_size = 2, .backend = backend, .shard = {1, 2}});
  BOOST_CHECK_THROW(ok.local_batch_size(0, 3), IndexingError);
}

MT_BACKEND_TEST(test_shard, resuming_with_another_world_size_sees_the_same_steps) {
  // Epoch 0 on 2 ranks, then resume at epoch 1 on 3 ranks (set_epoch, as after a checkpoint):
  // each step's examples over all ranks are the same as one process's, whatever the world size.
  const auto data = numbered(20, backend);
  const DataLoaderOptions base{.batch_size = 6, .shuffle = true, .seed = 21, .backend = backend};
  DataLoader single(data, base);
  for (const auto& [epoch, world] : std::vector<std::pair<int64_t, int>>{{0, 2}, {1, 3}}) {
    std::vector<std::vector<int64_t>> steps(static_cast<std::size_t>(single.size()));
    for (int r = 0; r < world; ++r) {
      DataLoaderOptions o = base;
      o.shard = {.rank = r, .world_size = world};
      DataLoader loader(data, o);
      loader.set_epoch(epoch);
      int64_t b = 0;
      for (const Example& batch : loader) {
        const auto got = ids(batch);
        steps[static_cast<std::size_t>(b)].insert(steps[static_cast<std::size_t>(b)].end(),
                                                  got.begin(), got.end());
        ++b;
      }
    }
    for (int64_t b = 0; b < single.size(); ++b)
      BOOST_TEST(steps[static_cast<std::size_t>(b)] == single.batch_indices(epoch, b),
                 "epoch " << epoch << " world " << world << " step " << b);
  }
}
