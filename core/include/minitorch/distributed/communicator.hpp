// minitorch/distributed/communicator.hpp — the communication layer data-parallel training uses:
// a small Communicator interface (one implementation file per engine: "local", "mpi"), with
// timed, fixed-order collectives on host memory. Not a general MPI wrapper, and not device-aware
// (tensor helpers stage device tensors through the host).
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/plugin/backend.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mt {
class Tensor;
}

namespace mt::dist {

// A peer died, hung or disagreed. After a CommError from a collective the communicator is
// broken: the process should report it and call Communicator::abort() (at exit, a broken
// communicator aborts the job instead of finalizing, so no rank is left waiting).
class CommError : public mt::Error {
 public:
  using Error::Error;
};

struct CommOptions {
  std::string engine = "mpi";                 // "mpi" or "local" (one process, no MPI)
  std::chrono::milliseconds timeout{60'000};  // longest wait for any peer in any collective;
                                              // env MINITORCH_DIST_TIMEOUT (seconds) overrides
};

// A started non-blocking collective. Not thread-safe: test() and wait() are called on the thread
// that started it (the engine runs MPI_THREAD_FUNNELED: one thread makes every MPI call).
class Request {
 public:
  virtual ~Request();
  // True when complete (never blocks); also moves the collective on.
  virtual bool test() = 0;
  // Blocks up to the communicator's timeout; CommError naming the rank(s) that did not take part.
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator();
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string engine() const = 0;
  // The longest wait for a peer in any collective (CommOptions::timeout or the environment's).
  virtual std::chrono::milliseconds timeout() const = 0;

  // In-place sum over ranks of host memory, f32 or f64. Every rank ends with the same bits:
  // the sum is taken in rank order ((x0 + x1) + x2) + ..., whatever the timing. `data` must
  // stay valid and untouched until the request completes. Every rank starts the same sequence
  // of collectives with the same counts and dtypes.
  virtual std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count,
                                                       DType dtype) = 0;
  void allreduce_sum(void* data, std::size_t count, DType dtype);  // = async + wait
  // Copies `bytes` bytes at `data` on rank `root` to `data` on every rank.
  virtual void broadcast(void* data, std::size_t bytes, int root) = 0;
  // Every rank's `bytes` bytes, in rank order: `out` holds size() * bytes.
  virtual void allgather(const void* data, std::size_t bytes, void* out) = 0;
  virtual void barrier() = 0;
  // Ends the whole job after a fatal error on this rank (MPI_Abort for mpi): no rank hangs.
  [[noreturn]] virtual void abort(int exit_code) = 0;

  // Start-up agreement: every rank passes (what, value); CommError naming each rank whose value
  // differs from rank 0's, e.g. "rank 2 has seed 7 but rank 0 has 42". Thrown on every rank.
  void check_same(const std::string& what, const std::string& value);
};

// True when this process was started by mpirun (OMPI_COMM_WORLD_SIZE / PMI env present).
bool launched_by_mpi();
// {"local"} plus "mpi" when built with MPI.
std::vector<std::string> available_engines();
// The timeout `options` asks for, after MINITORCH_DIST_TIMEOUT (seconds, > 0, may be fractional;
// ArgumentError naming the value otherwise).
std::chrono::milliseconds effective_timeout(const CommOptions& options);

// The process-wide communicator of an engine (MPI_Init_thread once, MPI_Finalize at exit); later
// calls with the same engine return the same object (with its first timeout). ArgumentError
// naming the engines available when the engine is unknown or not built. The mpi engine runs
// MPI_THREAD_FUNNELED: every call on it must come from the thread that called init().
std::shared_ptr<Communicator> init(const CommOptions& options = {});

// Every rank's `value`, in rank order (strings of any lengths; two allgathers).
std::vector<std::string> allgather_string(Communicator& comm, const std::string& value);

// ---- tensor helpers (host staging copy for non-host backends) --------------------------------
// Sums `t` over ranks in place (rank order, as allreduce_sum); t must be f32 or f64 and must not
// require grad while grad mode is on.
void all_reduce_sum_(Tensor& t, Communicator& comm);
// Replaces `t`'s values with rank `root`'s (same shape and dtype on every rank).
void broadcast_(Tensor& t, Communicator& comm, int root);

}  // namespace mt::dist
