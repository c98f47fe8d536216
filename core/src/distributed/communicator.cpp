// communicator.cpp — what every engine shares: init() and the engine registry, the timeout
// from the environment, check_same, and the tensor helpers (host staging). Not an engine: those
// are local_communicator.cpp and mpi_communicator.cpp (the only file that includes mpi.h).
#include <minitorch/distributed/communicator.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include "distributed/engines.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

namespace mt::dist {

Request::~Request() = default;
Communicator::~Communicator() = default;

void Communicator::allreduce_sum(void* data, std::size_t count, DType dtype) {
  allreduce_sum_async(data, count, dtype)->wait();
}

std::vector<std::string> allgather_string(Communicator& comm, const std::string& value) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  const uint64_t length = value.size();
  std::vector<uint64_t> lengths(ranks);
  comm.allgather(&length, sizeof length, lengths.data());
  uint64_t longest = 0;
  for (uint64_t l : lengths)
    longest = std::max(longest, l);
  std::string padded = value;
  padded.resize(longest, '\0');
  std::string all(longest * ranks, '\0');
  if (longest > 0)
    comm.allgather(padded.data(), longest, all.data());
  std::vector<std::string> out(ranks);
  for (std::size_t r = 0; r < ranks; ++r)
    out[r] = all.substr(r * longest, lengths[r]);
  return out;
}

void Communicator::check_same(const std::string& what, const std::string& value) {
  const std::vector<std::string> values = allgather_string(*this, value);
  std::string differences;
  for (std::size_t r = 1; r < values.size(); ++r) {
    if (values[r] == values[0])
      continue;
    if (!differences.empty())
      differences += "; ";
    differences += "rank " + std::to_string(r) + " has " + what + " " + values[r] +
                   " but rank 0 has " + values[0];
  }
  if (!differences.empty()) {
    throw CommError("the ranks disagree at start-up: " + differences + " (every rank of a " +
                    std::to_string(size()) + "-rank job must use the same " + what + ")");
  }
}

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr)
      return true;
  }
  return false;
}

std::vector<std::string> available_engines() {
  std::vector<std::string> engines{"local"};
#if MT_HAVE_MPI
  engines.emplace_back("mpi");
#endif
  return engines;
}

std::chrono::milliseconds effective_timeout(const CommOptions& options) {
  const char* env = std::getenv("MINITORCH_DIST_TIMEOUT");
  if (env == nullptr || *env == '\0') {
    if (options.timeout.count() <= 0) {
      throw ArgumentError("CommOptions::timeout must be > 0 ms, got " +
                          std::to_string(options.timeout.count()));
    }
    return options.timeout;
  }
  char* end = nullptr;
  const double seconds = std::strtod(env, &end);
  if (end == env || *end != '\0' || !std::isfinite(seconds) || seconds <= 0 || seconds > 1e7) {
    throw ArgumentError(std::string("MINITORCH_DIST_TIMEOUT=") + env +
                        " is not a number of seconds in (0, 1e7], e.g. 30 or 2.5");
  }
  return std::chrono::milliseconds(std::max<int64_t>(1, std::llround(seconds * 1000)));
}

namespace detail {
std::string seconds_text(std::chrono::milliseconds timeout) {
  std::ostringstream out;
  out << static_cast<double>(timeout.count()) / 1000.0 << " s";
  return out.str();
}
}  // namespace detail

std::shared_ptr<Communicator> init(const CommOptions& options) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<Communicator>> started;
  std::lock_guard<std::mutex> lock(mutex);
  const auto engines = available_engines();
  if (std::find(engines.begin(), engines.end(), options.engine) == engines.end()) {
    std::string list;
    for (const auto& e : engines)
      list += (list.empty() ? "" : ", ") + e;
    const bool known = options.engine == "mpi";
    throw ArgumentError("distributed engine \"" + options.engine + "\" " +
                        (known ? "is not built in (configure with -DMT_MPI=ON and "
                                 "libopenmpi-dev installed)"
                               : "is unknown") +
                        "; the engines available are: " + list);
  }
  const std::chrono::milliseconds timeout = effective_timeout(options);
  auto found = started.find(options.engine);
  if (found != started.end())
    return found->second;
  std::shared_ptr<Communicator> comm;
#if MT_HAVE_MPI
  if (options.engine == "mpi")
    comm = detail::make_mpi_communicator(timeout);
#endif
  if (options.engine == "local")
    comm = detail::make_local_communicator(timeout);
  started.emplace(options.engine, comm);
  return comm;
}

// ---- tensor helpers -------------------------------------------------------------------------

namespace {

void check_reducible(const Tensor& t, const char* what) {
  if (!t.defined())
    throw ArgumentError(std::string(what) + ": the tensor is undefined");
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64) {
    throw ArgumentError(std::string(what) + ": the tensor is " + dtype_name(t.dtype()) +
                        "; f32 and f64 are supported");
  }
}

// The tensor's elements on the host in its own dtype (row-major), as raw bytes.
std::vector<unsigned char> to_host_bytes(const Tensor& t) {
  const std::vector<double> values = t.to_vector();
  std::vector<unsigned char> bytes(values.size() * dtype_size(t.dtype()));
  if (t.dtype() == DType::f64) {
    std::memcpy(bytes.data(), values.data(), bytes.size());
  } else {
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto f = static_cast<float>(values[i]);
      std::memcpy(bytes.data() + i * sizeof f, &f, sizeof f);
    }
  }
  return bytes;
}

void copy_from_host_bytes(Tensor& t, const std::vector<unsigned char>& bytes) {
  const auto n = static_cast<std::size_t>(t.numel());
  Tensor staged;
  const TensorOptions options{.dtype = t.dtype(), .backend = t.backend()};
  if (t.dtype() == DType::f64) {
    std::vector<double> values(n);
    std::memcpy(values.data(), bytes.data(), n * sizeof(double));
    staged = Tensor::from_host(std::span<const double>(values), t.shape(), options);
  } else {
    std::vector<float> values(n);
    std::memcpy(values.data(), bytes.data(), n * sizeof(float));
    staged = Tensor::from_host(std::span<const float>(values), t.shape(), options);
  }
  t.copy_(staged);
}

}  // namespace

void all_reduce_sum_(Tensor& t, Communicator& comm) {
  check_reducible(t, "all_reduce_sum_");
  std::vector<unsigned char> bytes = to_host_bytes(t);
  comm.allreduce_sum(bytes.data(), static_cast<std::size_t>(t.numel()), t.dtype());
  copy_from_host_bytes(t, bytes);
}

void broadcast_(Tensor& t, Communicator& comm, int root) {
  check_reducible(t, "broadcast_");
  std::vector<unsigned char> bytes = to_host_bytes(t);
  comm.broadcast(bytes.data(), bytes.size(), root);
  copy_from_host_bytes(t, bytes);
}

}  // namespace mt::dist
