// dist_worker.cpp — the program test_distributed_mpi runs under mpirun, one scenario per run:
// collectives against hand-computed sums, DDP training against a single-process emulation and
// full-batch training, the sharded sampler across real ranks, start-up mismatches, and a rank
// that hangs or dies. It prints what it checked and exits non-zero on a failed check. Not a
// Boost.Test program (each rank is a process of one MPI job) and not a benchmark.
#include <minitorch/data/dataloader.hpp>
#include <minitorch/distributed/communicator.hpp>
#include <minitorch/distributed/ddp.hpp>
#include <minitorch/nn/containers.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mt;
using mt::dist::Communicator;

namespace {

struct Args {
  std::string scenario;
  std::string backend = "reference";
  DType dtype = DType::f64;
  std::string optimizer = "sgd";
  int steps_epochs = 2;
  int victim = 1;
};

int g_failures = 0;
int g_rank = 0;

void check(bool ok, const std::string& what) {
  std::printf("rank %d: %s: %s\n", g_rank, ok ? "ok" : "FAILED", what.c_str());
  std::fflush(stdout);
  if (!ok)
    ++g_failures;
}

// ---- collectives ------------------------------------------------------------------------------

void scenario_collectives(Communicator& comm) {
  const int R = comm.size();
  const int me = comm.rank();
  // f64 sums of rank-dependent values: element i of rank r is r * 1000 + i, so the sum is
  // 1000 * R(R-1)/2 + R * i. Counts below, at and above the rank count, and 0.
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t(R), std::size_t{1000}}) {
    std::vector<double> v(count);
    for (std::size_t i = 0; i < count; ++i)
      v[i] = me * 1000.0 + static_cast<double>(i);
    comm.allreduce_sum(v.data(), count, DType::f64);
    bool ok = true;
    for (std::size_t i = 0; i < count; ++i)
      ok = ok && v[i] == 1000.0 * R * (R - 1) / 2 + R * static_cast<double>(i);
    check(ok, "allreduce f64 of " + std::to_string(count) + " values = hand sum");
  }
  // The order is the rank order: rank 0 holds 1e16, rank 1 holds 1, the rest -1e16 ...:
  // ((1e16 + 1) + -1e16) is 0 in f64 (1e16 + 1 rounds to 1e16), while any order that adds 1 last
  // gives 1.
  {
    std::vector<double> v(7, me == 0 ? 1e16 : me == 1 ? 1.0 : -1e16 / (R - 2));
    comm.allreduce_sum(v.data(), v.size(), DType::f64);
    const double expected = R == 2 ? 1e16 : 0.0;
    bool ok = true;
    for (double x : v)
      ok = ok && x == expected;
    check(ok, "allreduce sums in rank order (got " + std::to_string(v[0]) + ")");
  }
  // f32, started together and completed out of order (async).
  {
    std::vector<float> a(300, static_cast<float>(me + 1)), b(5, 0.5f);
    auto ra = comm.allreduce_sum_async(a.data(), a.size(), DType::f32);
    auto rb = comm.allreduce_sum_async(b.data(), b.size(), DType::f32);
    rb->wait();
    ra->wait();
    bool ok = true;
    for (float x : a)
      ok = ok && x == static_cast<float>(R * (R + 1) / 2);
    for (float x : b)
      ok = ok && x == 0.5f * static_cast<float>(R);
    check(ok, "two async f32 allreduces in flight");
  }
  // broadcast / allgather / barrier.
  {
    int value = me == R - 1 ? 4242 : -1;
    comm.broadcast(&value, sizeof value, R - 1);
    check(value == 4242, "broadcast from the last rank");
    const int mine = 10 + me;
    std::vector<int> all(static_cast<std::size_t>(R));
    comm.allgather(&mine, sizeof mine, all.data());
    bool ok = true;
    for (int r = 0; r < R; ++r)
      ok = ok && all[static_cast<std::size_t>(r)] == 10 + r;
    check(ok, "allgather in rank order");
    comm.barrier();
    comm.check_same("seed", "42");
    check(true, "check_same passes when every rank agrees");
  }
  // The tensor helper, on the backend under test.
  {
    Tensor t = Tensor::from_values({1.0 * me, 2.0}, {2}, {.dtype = DType::f32});
    dist::all_reduce_sum_(t, comm);
    const auto v = t.to_vector();
    check(v[0] == R * (R - 1) / 2.0 && v[1] == 2.0 * R, "all_reduce_sum_ on a tensor");
    Tensor u = Tensor::from_values({1.0 * me}, {1}, {.dtype = DType::f64});
    dist::broadcast_(u, comm, 1);
    check(u.item() == 1.0, "broadcast_ of a tensor from rank 1");
  }
}

// ---- training equality --------------------------------------------------------------------------

constexpr int64_t kExamples = 17;
constexpr int64_t kFeatures = 4;
constexpr int64_t kClasses = 3;
constexpr int64_t kGlobalBatch = 8;  // 17 = 8 + 8 + 1: the last batch leaves some ranks empty

TensorDataset make_dataset(const TensorOptions& o) {
  std::vector<double> x, y;
  for (int64_t i = 0; i < kExamples; ++i) {
    for (int64_t f = 0; f < kFeatures; ++f)
      x.push_back(std::sin(0.7 * static_cast<double>(i) + 1.3 * static_cast<double>(f)));
    y.push_back(static_cast<double>((i * 7) % kClasses));
  }
  return TensorDataset(Tensor::from_values(x, {kExamples, kFeatures}, o),
                       Tensor::from_values(y, {kExamples}, o));
}

std::shared_ptr<nn::Sequential> make_model(const TensorOptions& o, int64_t hidden = 6,
                                           uint64_t seed = 1234) {
  manual_seed(seed);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(kFeatures, hidden, o));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::Linear>(hidden, kClasses, o));
  return model;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Module& model) {
  if (name == "adam")
    return std::make_unique<Adam>(model.named_parameters(), 0.05);
  return std::make_unique<SGD>(model.named_parameters(), 0.3);
}

std::vector<int64_t> targets_of(const Tensor& t) {
  std::vector<int64_t> out;
  for (double v : t.to_vector())
    out.push_back(static_cast<int64_t>(v));
  return out;
}

Tensor loss_of(nn::Sequential& model, const Example& batch) {
  return nn::cross_entropy(model(batch.data), targets_of(batch.target));
}

std::vector<std::vector<double>> params_of(Module& model) {
  std::vector<std::vector<double>> out;
  for (Parameter* p : model.parameters())
    out.push_back(p->value().to_vector());
  return out;
}

// DDP's start-up broadcast: every rank initialises with its own seed; after construction every
// rank holds rank 0's parameters.
void scenario_broadcast_parameters(Communicator& comm, const Args& args) {
  const TensorOptions o{.dtype = DType::f64, .backend = load_backend(args.backend)};
  auto model = make_model(o, 6, 1000 + static_cast<uint64_t>(comm.rank()));
  auto reference = make_model(o, 6, 1000);  // what rank 0 starts from
  const auto before = params_of(*model);
  dist::DistributedDataParallel ddp(model, dist::init());
  const auto after = params_of(*model);
  check(after == params_of(*reference), "DDP start-up: every rank holds rank 0's parameters");
  check(comm.rank() == 0 ? after == before : after != before,
        "DDP start-up: the ranks really started from different parameters");
}

// The emulation's rounding of one rank's scaled gradient to the dtype, as DDP packs it.
double packed(double g, double w, DType dtype) {
  return dtype == DType::f64 ? g * w : static_cast<double>(static_cast<float>(g * w));
}
double add_in(double a, double b, DType dtype) {
  return dtype == DType::f64 ? a + b
                             : static_cast<double>(static_cast<float>(a) + static_cast<float>(b));
}

void scenario_equality(Communicator& comm, const Args& args) {
  const int R = comm.size();
  const TensorOptions o{.dtype = args.dtype, .backend = load_backend(args.backend)};
  const auto dataset = std::make_shared<const TensorDataset>(make_dataset(o));
  const DataLoaderOptions base{.batch_size = kGlobalBatch,
                               .shuffle = true,
                               .seed = 99,
                               .backend = o.backend,
                               .dtype = args.dtype};

  // 1. DDP: this rank's shard, gradients reduced in buckets (small, so there are several).
  auto model = make_model(o);
  dist::DistributedDataParallel ddp(model, dist::init(), {.bucket_bytes = 64});
  auto opt = make_optimizer(args.optimizer, *model);
  DataLoaderOptions sharded = base;
  sharded.shard = {.rank = comm.rank(), .world_size = R};
  DataLoader loader(dataset, sharded);
  int64_t steps = 0;
  for (int e = 0; e < args.steps_epochs; ++e) {
    for (auto it = loader.begin(); it != loader.end(); ++it) {
      const int64_t local = loader.local_batch_size(it.epoch(), it.batch());
      const int64_t global = loader.global_batch_size(it.epoch(), it.batch());
      opt->zero_grad();
      const Tensor loss = local > 0 ? loss_of(*model, *it) : Tensor();
      ddp.backward(loss, local, global);
      opt->step();
      ++steps;
    }
  }
  const auto ddp_params = params_of(*model);

  // 2. The same in one process: every rank's shard in turn, each gradient scaled and rounded
  // as DDP packs it, summed in rank order in the dtype.
  auto emu = make_model(o);
  auto emu_opt = make_optimizer(args.optimizer, *emu);
  std::vector<DataLoader> shards;
  for (int r = 0; r < R; ++r) {
    DataLoaderOptions s = base;
    s.shard = {.rank = r, .world_size = R};
    shards.emplace_back(dataset, s);
  }
  const std::vector<Parameter*> emu_params = emu->parameters();
  for (int e = 0; e < args.steps_epochs; ++e) {
    for (int64_t b = 0; b < shards[0].size(); ++b) {
      std::vector<std::vector<double>> sum(emu_params.size());
      for (int r = 0; r < R; ++r) {
        const int64_t local = shards[static_cast<std::size_t>(r)].local_batch_size(e, b);
        const int64_t global = shards[0].global_batch_size(e, b);
        const double w = static_cast<double>(local) / static_cast<double>(global);
        emu_opt->zero_grad();
        if (local > 0) {
          const auto idx = shards[static_cast<std::size_t>(r)].batch_indices(e, b);
          loss_of(*emu, dataset->get_batch(idx, o.backend, args.dtype)).backward();
        }
        for (std::size_t k = 0; k < emu_params.size(); ++k) {
          const Tensor g = emu_params[k]->value().grad();
          const auto n = static_cast<std::size_t>(emu_params[k]->value().numel());
          std::vector<double> gv =
              g.defined() && local > 0 ? g.to_vector() : std::vector<double>(n, 0.0);
          for (std::size_t i = 0; i < n; ++i) {
            const double x = packed(gv[i], w, args.dtype);
            if (r == 0)
              sum[k].push_back(x);
            else
              sum[k][i] = add_in(sum[k][i], x, args.dtype);
          }
        }
      }
      emu_opt->zero_grad();
      for (std::size_t k = 0; k < emu_params.size(); ++k) {
        Tensor v = emu_params[k]->value();
        v.set_grad(
            Tensor::from_values(sum[k], v.shape(), {.dtype = v.dtype(), .backend = v.backend()}));
      }
      emu_opt->step();
    }
  }
  const auto emu_params_v = params_of(*emu);
  bool identical = true;
  for (std::size_t k = 0; k < ddp_params.size(); ++k)
    identical = identical && std::memcmp(ddp_params[k].data(), emu_params_v[k].data(),
                                         ddp_params[k].size() * sizeof(double)) == 0;
  check(identical, "DDP parameters after " + std::to_string(steps) + " " + args.optimizer +
                       " steps are bit-identical to the rank-order emulation");

  // 3. Plain full-batch training on the global batches (the unsharded loader).
  auto full = make_model(o);
  auto full_opt = make_optimizer(args.optimizer, *full);
  DataLoader full_loader(dataset, base);
  for (int e = 0; e < args.steps_epochs; ++e) {
    for (const Example& batch : full_loader) {
      full_opt->zero_grad();
      loss_of(*full, batch).backward();
      full_opt->step();
    }
  }
  const auto full_params = params_of(*full);
  double worst = 0;
  for (std::size_t k = 0; k < ddp_params.size(); ++k) {
    for (std::size_t i = 0; i < ddp_params[k].size(); ++i) {
      const double d = std::abs(ddp_params[k][i] - full_params[k][i]) /
                       std::max(1.0, std::abs(full_params[k][i]));
      worst = std::max(worst, d);
    }
  }
  const double tolerance = args.dtype == DType::f64 ? 1e-12 : 1e-5;
  std::ostringstream what;
  what << "DDP vs full-batch training: max relative difference " << worst << " <= " << tolerance;
  check(worst <= tolerance, what.str());

  // 4. Every rank holds the same bits.
  std::string mine;
  for (const auto& p : ddp_params)
    mine.append(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(double));
  const auto all = dist::allgather_string(comm, mine);
  bool same = true;
  for (const auto& a : all)
    same = same && a == all[0];
  check(same, "every rank has the same parameters, bit for bit");
  const auto& st = ddp.stats();
  std::printf("rank %d: stats steps=%lld buckets=%lld bytes=%lld comm=%.6fs overlapped=%.6fs\n",
              comm.rank(), static_cast<long long>(st.steps), static_cast<long long>(st.buckets),
              static_cast<long long>(st.bytes_reduced), st.comm_seconds, st.overlapped_seconds);
  check(st.steps == steps && st.buckets > 1, "DDP stats count the steps and buckets");
}

// ---- the sampler across ranks ------------------------------------------------------------------

void scenario_coverage(Communicator& comm) {
  const int R = comm.size();
  const int64_t n = 23;
  std::vector<double> ids(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    ids[static_cast<std::size_t>(i)] = static_cast<double>(i);
  const auto data = std::make_shared<const TensorDataset>(
      TensorDataset(Tensor::from_values(ids, {n, 1}, {.dtype = DType::f64})));
  const DataLoaderOptions base{.batch_size = 5, .shuffle = true, .seed = 3};
  DataLoaderOptions mine = base;
  mine.shard = {.rank = comm.rank(), .world_size = R};
  DataLoader sharded(data, mine), whole(data, base);
  bool ok = sharded.size() == whole.size();
  for (int64_t e = 0; e < 3; ++e) {
    std::vector<int> seen(static_cast<std::size_t>(n), 0);
    int64_t b = 0;
    for (auto it = sharded.begin(); it != sharded.end(); ++it, ++b) {
      std::string text;
      for (double v : it->data.to_vector())
        text += std::to_string(static_cast<int64_t>(v)) + " ";
      const auto all = dist::allgather_string(comm, text);
      std::string joined, expected;
      for (const auto& a : all)
        joined += a;
      for (int64_t i : whole.batch_indices(e, b))
        expected += std::to_string(i) + " ";
      ok = ok && joined == expected;
      std::istringstream in(joined);
      for (int64_t i; in >> i;)
        ++seen[static_cast<std::size_t>(i)];
    }
    for (int c : seen)
      ok = ok && c == 1;
  }
  check(ok,
        "every epoch's global batches, joined in rank order, are the unsharded loader's, "
        "and cover each index once");
}

// ---- faults
// ---------------------------------------------------------------------------------------

int scenario_mismatch(Communicator& comm, const Args& args, const std::string& kind) {
  const bool odd = comm.rank() == comm.size() - 1;
  try {
    if (kind == "seed") {
      comm.check_same("seed", odd ? "7" : "42");
    } else {
      const DType dtype = kind == "dtype" && odd ? DType::f32 : DType::f64;
      auto model = make_model({.dtype = dtype, .backend = load_backend(args.backend)},
                              kind == "shape" && odd ? 5 : 6);
      dist::DistributedDataParallel ddp(model, dist::init({}));
    }
  } catch (const dist::CommError& e) {
    std::printf("rank %d: CommError: %s\n", comm.rank(), e.what());
    return 3;
  }
  std::printf("rank %d: no error for a %s mismatch\n", comm.rank(), kind.c_str());
  return 1;
}

// The last rank reduces one value fewer than the others: a program bug the engine must name
// instead of summing garbage or hanging.
int scenario_mismatch_count(Communicator& comm) {
  std::vector<double> v(30, 1.0);
  const std::size_t count = comm.rank() == comm.size() - 1 ? 29 : 30;
  try {
    comm.allreduce_sum(v.data(), count, DType::f64);
  } catch (const dist::CommError& e) {
    std::printf("rank %d: CommError: %s\n", comm.rank(), e.what());
    std::fflush(stdout);
    comm.abort(3);
  }
  std::printf("rank %d: no error for a count mismatch\n", comm.rank());
  return 1;
}

int scenario_fault(Communicator& comm, const Args& args, bool die) {
  std::vector<double> v(64, 1.0);
  comm.allreduce_sum(v.data(), v.size(), DType::f64);  // everyone is up
  if (comm.rank() == args.victim) {
    std::printf("rank %d: %s now\n", comm.rank(), die ? "dying (SIGKILL)" : "hanging (SIGSTOP)");
    std::fflush(stdout);
    std::raise(die ? SIGKILL : SIGSTOP);
  }
  try {
    comm.allreduce_sum(v.data(), v.size(), DType::f64);
  } catch (const dist::CommError& e) {
    std::printf("rank %d: CommError: %s\n", comm.rank(), e.what());
    std::fflush(stdout);
    comm.abort(4);
  }
  std::printf("rank %d: the allreduce finished without rank %d\n", comm.rank(), args.victim);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: dist_worker collectives|equality|coverage|mismatch-shape|"
        "mismatch-dtype|mismatch-seed|mismatch-count|hang|die [--backend B] [--dtype f32|f64] "
        "[--optimizer sgd|adam] [--epochs N]\n");
    return 2;
  }
  args.scenario = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--backend")
      args.backend = value;
    else if (key == "--dtype")
      args.dtype = value == "f32" ? DType::f32 : DType::f64;
    else if (key == "--optimizer")
      args.optimizer = value;
    else if (key == "--epochs")
      args.steps_epochs = std::stoi(value);
    else {
      std::fprintf(stderr, "dist_worker: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    set_default_backend(load_backend(args.backend));
    auto comm = dist::init({.engine = "mpi"});
    g_rank = comm->rank();
    if (args.scenario == "collectives") {
      scenario_collectives(*comm);
      scenario_broadcast_parameters(*comm, args);
    } else if (args.scenario == "equality")
      scenario_equality(*comm, args);
    else if (args.scenario == "coverage")
      scenario_coverage(*comm);
    else if (args.scenario == "mismatch-count")
      return scenario_mismatch_count(*comm);
    else if (args.scenario.rfind("mismatch-", 0) == 0)
      return scenario_mismatch(*comm, args, args.scenario.substr(9));
    else if (args.scenario == "hang" || args.scenario == "die")
      return scenario_fault(*comm, args, args.scenario == "die");
    else {
      std::fprintf(stderr, "dist_worker: unknown scenario %s\n", args.scenario.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::printf("rank %d: error: %s\n", g_rank, e.what());
    return 1;
  }
  std::printf("rank %d: %s: %d failure(s)\n", g_rank, args.scenario.c_str(), g_failures);
  return g_failures == 0 ? 0 : 1;
}
