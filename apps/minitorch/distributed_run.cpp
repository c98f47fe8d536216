// distributed_run.cpp — starting and ending a `--distributed` rank (distributed_run.hpp).
// The collectives, timeouts and the MPI engine are core's (minitorch/distributed/); this file
// only decides what the CLI says and which exit status a rank takes.
#include "distributed_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

namespace mt::cli {

std::shared_ptr<dist::Communicator> start_distributed(const std::string& command) {
  const std::vector<std::string> engines = dist::available_engines();
  if (std::find(engines.begin(), engines.end(), "mpi") == engines.end())
    throw DistributedSetupError(
        "--distributed needs MPI, and this minitorch was built without it (engines built: " +
        [&] {
          std::string list;
          for (const std::string& e : engines)
            list += (list.empty() ? "" : ", ") + e;
          return list;
        }() +
        "); install libopenmpi-dev openmpi-bin and configure with -DMT_MPI=ON");
  if (!dist::launched_by_mpi())
    throw DistributedSetupError(
        "--distributed: this process was not started by mpirun (no OMPI_COMM_WORLD_SIZE or "
        "PMI_RANK in its environment); start every rank with it, e.g. `mpirun -np 2 minitorch " +
        command + " ... --distributed`");
  std::shared_ptr<dist::Communicator> comm;
  try {
    comm = dist::init({.engine = "mpi"});
  } catch (const ArgumentError& e) {
    throw DistributedSetupError(std::string("--distributed: ") + e.what());
  }
  if (comm->rank() != 0) {
    std::fflush(stdout);
    std::cout.flush();
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::close(null);
    }
  }
  return comm;
}

void warn_if_mpirun_without_distributed(const std::string& command) {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (dist::launched_by_mpi() && size != nullptr && std::string(size) != "1")
    std::cerr << "minitorch: warning: started by mpirun with " << size
              << " processes but without --distributed: each trains alone (add --distributed "
                 "to `minitorch "
              << command << "` for data-parallel training)\n";
}

void settle_setup(dist::Communicator* comm, const std::exception_ptr& failure) {
  if (comm == nullptr || comm->size() == 1) {
    if (failure)
      std::rethrow_exception(failure);
    return;
  }
  // (exit status, message) of this rank; status 0 = ready.
  int status = 0;
  std::string message;
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const DistributedSetupError& e) {
      status = 2;
      message = e.what();
    } catch (const std::exception& e) {
      status = 1;
      message = e.what();
    }
  }
  // One fixed-size record per rank: the status, then the message cut to fit.
  constexpr std::size_t kRecord = 2048;
  std::vector<char> mine(kRecord, '\0'), all(kRecord * static_cast<std::size_t>(comm->size()));
  mine[0] = static_cast<char>(status);
  message.copy(mine.data() + 1, kRecord - 2);
  comm->allgather(mine.data(), kRecord, all.data());
  std::vector<std::pair<std::string, std::string>> failures;  // (message, ranks)
  int worst = 0;
  for (int r = 0; r < comm->size(); ++r) {
    const char* record = all.data() + static_cast<std::size_t>(r) * kRecord;
    if (record[0] == 0)
      continue;
    worst = std::max(worst, static_cast<int>(record[0]));
    const std::string text(record + 1);
    auto it = std::find_if(failures.begin(), failures.end(),
                           [&](const auto& f) { return f.first == text; });
    if (it == failures.end())
      failures.emplace_back(text, std::to_string(r));
    else
      it->second += ", " + std::to_string(r);
  }
  if (failures.empty())
    return;
  const bool everyone_alike =
      failures.size() == 1 &&
      std::count(failures[0].second.begin(), failures[0].second.end(), ',') + 1 == comm->size();
  if (comm->rank() == 0)
    for (const auto& [text, ranks] : failures)
      std::cerr << "minitorch: error" << (everyone_alike ? "" : " on rank " + ranks) << ": " << text
                << '\n';
  throw SetupFailed(worst, failures[0].first);
}

void check_ranks_agree(dist::Communicator& comm,
                       const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [what, value] : values) {
    try {
      comm.check_same(what, value);
    } catch (const dist::CommError& e) {
      throw RanksDisagree(std::string(e.what()) +
                          "; start every rank with the same options (mpirun -np N minitorch ...)");
    }
  }
}

int run_on_ranks(const std::shared_ptr<dist::Communicator>& comm,
                 const std::function<int()>& body) {
  if (!comm || comm->size() == 1)
    return body();
  try {
    return body();
  } catch (const SetupFailed& e) {
    return e.exit_code();  // rank 0 printed it
  } catch (const RanksDisagree& e) {
    if (comm->rank() == 0)
      std::cerr << "minitorch: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "minitorch: error on rank " << comm->rank() << " of " << comm->size() << ": "
              << e.what() << "; ending the job" << std::endl;
    comm->abort(dynamic_cast<const dist::CommError*>(&e) != nullptr ? 3 : 1);
  }
  return 1;  // not reached: abort() ends the job (GCC does not see [[noreturn]] through virtual)
}

}  // namespace mt::cli
