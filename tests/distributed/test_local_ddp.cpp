// test_local_ddp.cpp — the communication layer with the "local" engine (one process) and DDP on
// it, on every backend: gradients after ddp.backward equal plain backward scaled by the example
// weight, unused parameters get zeros, buckets in reverse order with one dtype each, stats, the
// engine list, the timeout from the environment, and the errors. Not multi-process (that is
// test_distributed_mpi).
#include <boost/test/unit_test.hpp>
#include <minitorch/distributed/ddp.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/random.hpp>

#include "backend_suites.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace mt;

namespace {

// Two linear layers, of which forward uses only `used` (torch DDP's unused-parameter case).
class TwoHeads : public Module {
 public:
  TwoHeads(const TensorOptions& o, DType unused_dtype)
      : used(add_module("used", std::make_shared<nn::Linear>(3, 2, o))),
        unused(add_module("unused",
                          std::make_shared<nn::Linear>(
                              2, 2, TensorOptions{.dtype = unused_dtype, .backend = o.backend}))) {}
  Tensor operator()(const Tensor& x) const { return (*used)(x); }
  std::shared_ptr<nn::Linear> used, unused;
};

std::string text(const std::vector<std::size_t>& v) {
  std::string out;
  for (auto i : v)
    out += std::to_string(i) + " ";
  return out;
}

}  // namespace

MT_BACKEND_TEST(test_local_ddp, gradients_are_the_weighted_local_ones) {
  const TensorOptions o{.dtype = DType::f64, .backend = backend};
  manual_seed(5);
  auto model = std::make_shared<TwoHeads>(o, DType::f64);
  manual_seed(5);
  TwoHeads plain(o, DType::f64);
  auto comm = dist::init({.engine = "local"});
  BOOST_TEST(comm->size() == 1);
  BOOST_TEST(comm->rank() == 0);
  BOOST_TEST(comm->engine() == "local");
  dist::DistributedDataParallel ddp(model, comm, {.bucket_bytes = 40});
  const Tensor x = Tensor::from_values({1, -2, 0.5, 3, 0, -1}, {2, 3}, o);
  const std::vector<int64_t> y{1, 0};

  nn::cross_entropy(plain(x), y).backward();
  // Weight 2/4 = 0.5, a power of two: the scaled gradient is exact.
  ddp.backward(nn::cross_entropy((*model)(x), y), 2, 4);
  const auto ps = plain.parameters();
  const auto ds = model->parameters();
  BOOST_TEST_REQUIRE(ds.size() == 4u);
  for (std::size_t k = 0; k < 2; ++k) {  // used.weights, used.bias
    const auto expected = ps[k]->value().grad().to_vector();
    auto got = ds[k]->value().grad().to_vector();
    for (double& g : got)
      g *= 2;
    BOOST_TEST(got == expected, "parameter " << k);
  }
  for (std::size_t k = 2; k < 4; ++k) {  // unused: zeros, not undefined
    BOOST_TEST_REQUIRE(ds[k]->value().grad().defined());
    const auto g = ds[k]->value().grad().to_vector();
    BOOST_TEST(std::all_of(g.begin(), g.end(), [](double v) { return v == 0; }));
  }
  // 40-byte buckets, reverse order: unused.bias (2 f64 = 16 B) + ... each bucket <= 40 B
  // unless one parameter is bigger: [3] [2] [1] [0] for 16, 32, 16, 48 bytes.
  const auto layout = ddp.bucket_layout();
  std::string got;
  for (const auto& b : layout)
    got += "[" + text(b) + "]";
  BOOST_TEST(got == "[3 ][2 ][1 ][0 ]");
  BOOST_TEST(ddp.stats().steps == 1);
  BOOST_TEST(ddp.stats().buckets == 4);
  BOOST_TEST(ddp.stats().bytes_reduced == (2 + 4 + 2 + 6) * 8);
}

MT_BACKEND_TEST(test_local_ddp, buckets_hold_one_dtype_and_a_rank_without_examples_takes_part) {
  const TensorOptions o{.dtype = DType::f64, .backend = backend};
  auto model = std::make_shared<TwoHeads>(o, DType::f32);
  dist::DistributedDataParallel ddp(model, dist::init({.engine = "local"}));
  // Default 1 MiB buckets: the f32 layer and the f64 layer cannot share one.
  const auto layout = ddp.bucket_layout();
  BOOST_TEST_REQUIRE(layout.size() == 2u);
  BOOST_TEST(text(layout[0]) == "3 2 ");
  BOOST_TEST(text(layout[1]) == "1 0 ");
  // No examples here: no loss, every gradient zero.
  ddp.backward(Tensor(), 0, 8);
  for (Parameter* p : model->parameters()) {
    const auto g = p->value().grad().to_vector();
    BOOST_TEST(std::all_of(g.begin(), g.end(), [](double v) { return v == 0; }));
  }
  BOOST_CHECK_THROW(ddp.backward(Tensor(), 3, 8), ArgumentError);  // examples but no loss
  BOOST_CHECK_THROW(ddp.backward(Tensor(), 9, 8), ArgumentError);
  BOOST_CHECK_THROW(ddp.backward(Tensor(), 0, 0), ArgumentError);
  BOOST_CHECK_THROW(ddp.backward(Tensor(), -1, 8), ArgumentError);
}

MT_BACKEND_TEST(test_local_ddp, the_local_engine_collectives) {
  auto comm = dist::init({.engine = "local"});
  std::vector<double> v{1.5, -2};
  comm->allreduce_sum(v.data(), v.size(), DType::f64);
  BOOST_TEST((v == std::vector<double>{1.5, -2}));
  BOOST_CHECK_THROW(comm->allreduce_sum(v.data(), 2, DType(99)), ArgumentError);
  BOOST_CHECK_THROW(comm->broadcast(v.data(), 16, 1), ArgumentError);
  comm->check_same("seed", "42");
  BOOST_TEST((dist::allgather_string(*comm, "abc") == std::vector<std::string>{"abc"}));
  Tensor t = Tensor::from_values({1, 2}, {2}, {.dtype = DType::f32, .backend = backend});
  dist::all_reduce_sum_(t, *comm);
  BOOST_TEST((t.to_vector() == std::vector<double>{1, 2}));
  BOOST_TEST(dist::init({.engine = "local"}).get() == comm.get());
}

MT_BACKEND_TEST(test_local_ddp, engines_timeouts_and_errors) {
  const auto engines = dist::available_engines();
  BOOST_TEST(engines.front() == "local");
  try {
    dist::init({.engine = "nccl"});
    BOOST_FAIL("an unknown engine was accepted");
  } catch (const ArgumentError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("\"nccl\" is unknown") != std::string::npos, what);
    BOOST_TEST(what.find("engines available are: local") != std::string::npos, what);
  }
  setenv("MINITORCH_DIST_TIMEOUT", "2.5", 1);
  BOOST_TEST(dist::effective_timeout({}).count() == 2500);
  setenv("MINITORCH_DIST_TIMEOUT", "soon", 1);
  BOOST_CHECK_THROW(dist::effective_timeout({}), ArgumentError);
  setenv("MINITORCH_DIST_TIMEOUT", "-1", 1);
  BOOST_CHECK_THROW(dist::effective_timeout({}), ArgumentError);
  unsetenv("MINITORCH_DIST_TIMEOUT");
  BOOST_TEST(dist::effective_timeout({.timeout = std::chrono::milliseconds(700)}).count() == 700);
  BOOST_CHECK_THROW(dist::DistributedDataParallel(nullptr, dist::init({.engine = "local"})),
                    ArgumentError);
}

namespace {

// One rank that records, at each allreduce start, whether the first layer already has its
// gradient: a bucket started during backward finds it missing (the layer is reached last).
class RecordingCommunicator final : public dist::Communicator {
 public:
  explicit RecordingCommunicator(const Tensor* watched) : watched_(watched) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string engine() const override { return "recording"; }
  std::chrono::milliseconds timeout() const override { return std::chrono::milliseconds(1000); }
  std::unique_ptr<dist::Request> allreduce_sum_async(void*, std::size_t count, DType) override {
    starts.push_back({count, watched_->grad().defined()});
    struct Done final : dist::Request {
      bool test() override { return true; }
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  void broadcast(void*, std::size_t, int) override {}
  void allgather(const void* data, std::size_t bytes, void* out) override {
    std::memcpy(out, data, bytes);
  }
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

  struct Start {
    std::size_t count;
    bool first_layer_done;
  };
  std::vector<Start> starts;
  const Tensor* watched_;
};

}  // namespace

MT_BACKEND_TEST(test_local_ddp, buckets_start_during_backward_only_with_overlap) {
  const TensorOptions o{.dtype = DType::f64, .backend = backend};
  for (bool overlap : {true, false}) {
    manual_seed(3);
    auto model = std::make_shared<TwoHeads>(o, DType::f64);
    // The first layer's weights: the last gradient backward finishes.
    Tensor first = model->used->weights().value();
    auto comm = std::make_shared<RecordingCommunicator>(&first);
    // 16-byte buckets: one per parameter, [unused.bias] [unused.weights] [used.bias]
    // [used.weights].
    dist::DistributedDataParallel ddp(model, comm, {.bucket_bytes = 16, .overlap = overlap});
    first = model->used->weights().value();
    const Tensor x = Tensor::from_values({1, 2, 3}, {1, 3}, o);
    ddp.backward(nn::cross_entropy((*model)(x), std::vector<int64_t>{1}), 1, 1);
    BOOST_TEST_REQUIRE(comm->starts.size() == 4u);
    // Bucket order: element counts 2, 4, 2, 6.
    BOOST_TEST(comm->starts[0].count == 2u);
    BOOST_TEST(comm->starts[1].count == 4u);
    BOOST_TEST(comm->starts[2].count == 2u);
    BOOST_TEST(comm->starts[3].count == 6u);
    // With overlap the used.bias bucket starts before the first layer's gradient exists (during
    // backward); without, every bucket starts after backward.
    BOOST_TEST(comm->starts[2].first_layer_done == !overlap, "overlap " << overlap);
    BOOST_TEST(comm->starts[3].first_layer_done);
  }
}
