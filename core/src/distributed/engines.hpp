// engines.hpp — core-internal: the factories of the communicator engines (one file each:
// local_communicator.cpp, mpi_communicator.cpp) and what they share. Not public API.
#pragma once

#include <minitorch/distributed/communicator.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace mt::dist::detail {

std::shared_ptr<Communicator> make_local_communicator(std::chrono::milliseconds timeout);
#if MT_HAVE_MPI
std::shared_ptr<Communicator> make_mpi_communicator(std::chrono::milliseconds timeout);
#endif

// "30 s", "2.5 s", "0.25 s": how a timeout is named in messages.
std::string seconds_text(std::chrono::milliseconds timeout);

}  // namespace mt::dist::detail
