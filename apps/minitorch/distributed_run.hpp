// distributed_run.hpp — what `--distributed` adds to `train` and `eval`: starting this rank's
// communicator (only under mpirun, only in a build with MPI), silencing rank > 0's standard
// output, the start-up agreement on the flags that matter, and the error path that ends the
// whole job instead of leaving ranks waiting. No training or evaluation here.
#pragma once

#include <minitorch/distributed/communicator.hpp>
#include <minitorch/errors.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mt::cli {

// --distributed cannot start here (not launched by mpirun, a build without MPI, a bad
// MINITORCH_DIST_TIMEOUT): main.cpp exits 2, as for a bad argument.
class DistributedSetupError : public ArgumentError {
 public:
  using ArgumentError::ArgumentError;
};

// The ranks were started with different values of a flag that matters (every rank throws it,
// so every rank knows): rank 0 prints it and every rank exits 2.
class RanksDisagree : public ArgumentError {
 public:
  using ArgumentError::ArgumentError;
};

// The communicator of this mpirun job for `command` ("train", "eval"); on ranks other than 0
// standard output goes to /dev/null from here on (errors still reach standard error).
std::shared_ptr<dist::Communicator> start_distributed(const std::string& command);

// A warning on standard error when this process was started by mpirun without --distributed
// (each process would train alone and write the same files).
void warn_if_mpirun_without_distributed(const std::string& command);

// Every rank reports how its set-up (options, checkpoint, outputs, backend) ended: `failure`
// null for success. When any rank failed, rank 0 prints each distinct message once (naming
// the ranks when not all failed alike) and every rank throws SetupFailed; nobody has to abort,
// since every rank knows. Alone (no communicator) a failure is rethrown as it is.
class SetupFailed : public Error {
 public:
  SetupFailed(int exit_code, const std::string& what) : Error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};
void settle_setup(dist::Communicator* comm, const std::exception_ptr& failure);

// check_same for each (what, value) in order; RanksDisagree naming the rank and both values.
void check_ranks_agree(dist::Communicator& comm,
                       const std::vector<std::pair<std::string, std::string>>& values);

// Runs `body` on this rank. In a job of more than one rank an error does not just return: it
// is printed with the rank ("minitorch: error on rank 1 of 3: ...") and the whole job is
// ended (Communicator::abort, so no rank waits for a dead peer), except RanksDisagree and
// SetupFailed (above), which every rank knows of.
// Alone (no communicator, or one rank) errors propagate to main as usual.
int run_on_ranks(const std::shared_ptr<dist::Communicator>& comm, const std::function<int()>& body);

}  // namespace mt::cli
