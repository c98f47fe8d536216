// main.cpp — the `minitorch` command line: parses arguments (cli.cpp) and
// dispatches to a command. Bad arguments exit non-zero with a message that
// says what is allowed; library errors are printed, never left to abort.
#include "cli.hpp"
#include "commands.hpp"
#include "distributed_run.hpp"

#include <minitorch/errors.hpp>

#include <iostream>
#include <new>

int main(int argc, char** argv) {
  const mt::cli::ParsedCommandLine parsed =
      mt::cli::parse_command_line(std::vector<std::string>(argv, argv + argc));
  if (parsed.exit_code >= 0) {
    std::cout << parsed.out;
    std::cerr << parsed.err;
    return parsed.exit_code;
  }
  try {
    switch (parsed.command) {
      case mt::cli::Command::backends:
        return mt::cli::run_backends(parsed.backends);
      case mt::cli::Command::train:
        return mt::cli::run_train(parsed.train);
      case mt::cli::Command::eval:
        return mt::cli::run_eval(parsed.eval);
      case mt::cli::Command::none:
        break;
    }
  } catch (const mt::cli::DistributedSetupError& e) {
    // --distributed outside mpirun or without MPI: a usage error, like a bad argument.
    std::cerr << "minitorch: error: " << e.what() << '\n';
    return 2;
  } catch (const mt::Error& e) {
    std::cerr << "minitorch: error: " << e.what() << '\n';
    return 1;
  } catch (const std::bad_alloc&) {
    // Every large allocation in MiniTorch reports an AllocationError naming
    // what it was for; this is a small one that failed with memory exhausted.
    std::cerr << "minitorch: error: out of memory (an allocation failed with std::bad_alloc "
                 "outside MiniTorch's checked paths)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "minitorch: internal error: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
