// ddp.cpp — DistributedDataParallel: start-up agreement and broadcast, then per backward the
// buckets (reverse parameter order, one dtype each) packed on the host, each bucket's allreduce
// started by the autograd leaf hooks as soon as its last gradient is final, waited for at the
// end, and unpacked into the gradients. Not the communicator (communicator.cpp and the engines).
#include <minitorch/distributed/ddp.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>

namespace mt::dist {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One line per parameter: what every rank must agree on.
std::string describe(const std::string& name, const Tensor& value) {
  return name + " " + shape_to_string(value.shape()) + " " + dtype_name(value.dtype());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

struct DistributedDataParallel::State {
  struct Bucket {
    DType dtype = DType::f32;
    std::vector<std::size_t> params;   // indices into `params`, in packing order
    std::vector<std::size_t> offsets;  // element offset of each in `buffer`
    std::size_t count = 0;             // elements
    std::vector<unsigned char> buffer;
    std::size_t waiting = 0;  // gradients not yet final in this backward
    std::unique_ptr<Request> request;
    Clock::time_point started;
  };

  std::shared_ptr<Module> module;
  std::shared_ptr<Communicator> comm;
  DdpOptions options;
  std::vector<std::string> names;
  std::vector<Module::Parameter*> params;
  std::vector<Bucket> buckets;
  std::vector<std::size_t> bucket_of;  // parameter index -> bucket
  DdpStats stats;
  // Per backward:
  double weight = 0;
  std::size_t next_to_start = 0;  // buckets start in bucket order (see on_final)

  void check_agreement() {
    std::string mine;
    for (std::size_t i = 0; i < params.size(); ++i)
      mine += describe(names[i], params[i]->value()) + "\n";
    const std::vector<std::string> all = allgather_string(*comm, mine);
    const std::vector<std::string> first = split_lines(all[0]);
    std::string differences;
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r] == all[0])
        continue;
      const std::vector<std::string> theirs = split_lines(all[r]);
      std::string what;
      for (std::size_t k = 0; k < std::max(theirs.size(), first.size()) && what.empty(); ++k) {
        if (k >= theirs.size()) {
          what = "no parameter where rank 0 has " + first[k];
        } else if (k >= first.size()) {
          what = "parameter " + theirs[k] + " where rank 0 has none";
        } else if (theirs[k] != first[k]) {
          what = "parameter " + theirs[k] + " but rank 0 has " + first[k];
        }
      }
      differences +=
          (differences.empty() ? "" : "; ") + ("rank " + std::to_string(r) + " has " + what);
    }
    if (!differences.empty()) {
      throw CommError("DistributedDataParallel: the ranks' models differ: " + differences +
                      "; every rank must build the same model (names, shapes, dtypes)");
    }
  }

  void make_buckets() {
    bucket_of.assign(params.size(), 0);
    for (std::size_t k = params.size(); k-- > 0;) {  // reverse registration order
      const Tensor& value = params[k]->value();
      const std::size_t bytes = static_cast<std::size_t>(value.numel()) * dtype_size(value.dtype());
      const bool fits =
          !buckets.empty() && buckets.back().dtype == value.dtype() &&
          buckets.back().count * dtype_size(value.dtype()) + bytes <= options.bucket_bytes;
      if (!fits) {
        buckets.emplace_back();
        buckets.back().dtype = value.dtype();
      }
      Bucket& b = buckets.back();
      b.params.push_back(k);
      b.offsets.push_back(b.count);
      b.count += static_cast<std::size_t>(value.numel());
      bucket_of[k] = buckets.size() - 1;
    }
    for (Bucket& b : buckets)
      b.buffer.resize(b.count * dtype_size(b.dtype));
  }

  // Writes weight * grad of parameter `k` (zeros when it has none) into its bucket's buffer:
  // the product in double, rounded once to the bucket's dtype.
  void pack(std::size_t k, std::size_t slot) {
    Bucket& b = buckets[bucket_of[k]];
    const Tensor grad = params[k]->value().grad();
    const auto n = static_cast<std::size_t>(params[k]->value().numel());
    std::vector<double> values;
    if (grad.defined() && weight != 0)
      values = grad.to_vector();
    else
      values.assign(n, 0.0);
    unsigned char* out = b.buffer.data() + b.offsets[slot] * dtype_size(b.dtype);
    if (b.dtype == DType::f64) {
      for (std::size_t i = 0; i < n; ++i) {
        const double v = values[i] * weight;
        std::memcpy(out + i * sizeof v, &v, sizeof v);
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<float>(values[i] * weight);
        std::memcpy(out + i * sizeof v, &v, sizeof v);
      }
    }
  }

  void start(Bucket& b) {
    b.request = comm->allreduce_sum_async(b.buffer.data(), b.count, b.dtype);
    b.started = Clock::now();
  }

  // The leaf hook: parameter k's gradient is final.
  void on_final(std::size_t k) {
    Bucket& b = buckets[bucket_of[k]];
    const auto slot =
        static_cast<std::size_t>(std::find(b.params.begin(), b.params.end(), k) - b.params.begin());
    pack(k, slot);
    --b.waiting;
    // Every rank must start the same collectives in the same order (the engine matches them by
    // sequence), and the order gradients become final can differ between ranks (a rank without
    // examples has no backward at all): so buckets start in bucket order, each as soon as it
    // and all before it are complete.
    while (options.overlap && next_to_start < buckets.size() && buckets[next_to_start].waiting == 0)
      start(buckets[next_to_start++]);
    // Give MPI a chance to move the buckets in flight on (it progresses inside its calls).
    for (Bucket& other : buckets) {
      if (other.request)
        other.request->test();
    }
  }

  void unpack(const Bucket& b) {
    NoGradGuard no_grad;
    for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
      Tensor value = params[b.params[slot]]->value();
      const auto n = static_cast<std::size_t>(value.numel());
      const unsigned char* in = b.buffer.data() + b.offsets[slot] * dtype_size(b.dtype);
      const TensorOptions options{.dtype = value.dtype(), .backend = value.backend()};
      Tensor reduced;
      if (b.dtype == DType::f64) {
        std::vector<double> v(n);
        std::memcpy(v.data(), in, n * sizeof(double));
        reduced = Tensor::from_host(std::span<const double>(v), value.shape(), options);
      } else {
        std::vector<float> v(n);
        std::memcpy(v.data(), in, n * sizeof(float));
        reduced = Tensor::from_host(std::span<const float>(v), value.shape(), options);
      }
      Tensor grad = value.grad();
      if (grad.defined() && grad.shape() == value.shape())
        grad.copy_(reduced);
      else
        value.set_grad(reduced);
    }
  }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module> module,
                                                 std::shared_ptr<Communicator> comm,
                                                 DdpOptions options)
    : state_(std::make_unique<State>()) {
  if (!module)
    throw ArgumentError("DistributedDataParallel: the module is null");
  if (!comm)
    throw ArgumentError("DistributedDataParallel: the communicator is null");
  if (options.bucket_bytes == 0)
    throw ArgumentError("DistributedDataParallel: bucket_bytes must be > 0, got 0");
  State& s = *state_;
  s.module = std::move(module);
  s.comm = std::move(comm);
  s.options = options;
  for (auto& [name, param] : s.module->named_parameters()) {
    const Tensor& value = param->value();
    if (value.dtype() != DType::f32 && value.dtype() != DType::f64) {
      throw ArgumentError("DistributedDataParallel: parameter " + name + " is " +
                          dtype_name(value.dtype()) + "; f32 and f64 are supported");
    }
    s.names.push_back(name);
    s.params.push_back(param);
  }
  s.check_agreement();
  s.make_buckets();
  s.stats.buckets = static_cast<int64_t>(s.buckets.size());
  if (options.broadcast_parameters) {
    NoGradGuard no_grad;
    for (Module::Parameter* p : s.params)
      broadcast_(p->value(), *s.comm, 0);
    for (auto& [name, buffer] : s.module->named_buffers()) {
      if (buffer->dtype() == DType::f32 || buffer->dtype() == DType::f64)
        broadcast_(*buffer, *s.comm, 0);
    }
  }
}

DistributedDataParallel::~DistributedDataParallel() = default;

Module& DistributedDataParallel::module() {
  return *state_->module;
}
Communicator& DistributedDataParallel::comm() {
  return *state_->comm;
}
const DdpStats& DistributedDataParallel::stats() const {
  return state_->stats;
}

std::vector<std::vector<std::size_t>> DistributedDataParallel::bucket_layout() const {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& b : state_->buckets)
    out.push_back(b.params);
  return out;
}

void DistributedDataParallel::backward(const Tensor& loss, int64_t local_examples,
                                       int64_t global_examples) {
  State& s = *state_;
  if (global_examples < 1 || local_examples < 0 || local_examples > global_examples) {
    throw ArgumentError("DistributedDataParallel::backward: local_examples " +
                        std::to_string(local_examples) + " and global_examples " +
                        std::to_string(global_examples) +
                        " must satisfy 0 <= local <= global and global >= 1");
  }
  if (local_examples > 0 && !loss.defined()) {
    throw ArgumentError(
        "DistributedDataParallel::backward: the loss is undefined but this rank "
        "has " +
        std::to_string(local_examples) + " examples");
  }
  s.weight = static_cast<double>(local_examples) / static_cast<double>(global_examples);
  for (auto& b : s.buckets) {
    b.waiting = b.params.size();
    b.request.reset();
  }
  s.next_to_start = 0;
  if (local_examples > 0) {
    // Hooks on the current values: an optimizer step may have replaced them since last time.
    LeafHooks hooks;
    for (std::size_t k = 0; k < s.params.size(); ++k)
      hooks.add(s.params[k]->value(), [&s, k](const Tensor&) { s.on_final(k); });
    LeafHookGuard guard(hooks);
    loss.backward();
  } else {
    // No examples here: every gradient counts as zero (weight 0), and this rank still takes part.
    for (std::size_t k = 0; k < s.params.size(); ++k)
      s.on_final(k);
  }
  const Clock::time_point backward_end = Clock::now();
  for (auto& b : s.buckets) {
    if (b.waiting != 0) {
      throw Error("DistributedDataParallel: " + std::to_string(b.waiting) +
                  " gradients of a bucket were never final (internal error)");
    }
    if (!b.request)
      s.start(b);  // overlap off
    else
      s.stats.overlapped_seconds += seconds_between(b.started, backward_end);
  }
  for (auto& b : s.buckets) {
    b.request->wait();
    b.request.reset();
  }
  s.stats.comm_seconds += seconds_between(backward_end, Clock::now());
  for (const auto& b : s.buckets) {
    s.unpack(b);
    s.stats.bytes_reduced += static_cast<int64_t>(b.buffer.size());
  }
  ++s.stats.steps;
}

}  // namespace mt::dist
