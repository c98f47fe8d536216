// mpi_communicator.cpp — the "mpi" engine (stub while it is written).
// Not the interface.
#include <minitorch/distributed/communicator.hpp>
