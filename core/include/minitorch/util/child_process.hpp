// minitorch/util/child_process.hpp — runs tasks each in its own child process
// under a wall-clock limit, so a crash, a hang or an exit in one is reported
// (by signal, as timed out, by exit status) while the caller goes on. A task
// is either a program to execute or a function run in a forked copy of this
// process. POSIX (Linux) only. It knows nothing about plugins or cases.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mt::proc {

// How one child ended.
struct ChildOutcome {
  enum class Ending {
    finished,    // a program exited 0 / a function returned
    threw,       // a function threw
    exited,      // the child exited (status `exit_code`) without a result
    signaled,    // the child was killed by signal `signal`
    timed_out,   // still running at the time limit: its process group was killed
    not_started  // pipe, fork or exec failed
  };
  Ending ending = Ending::not_started;
  // A function's returned text or exception message; for a program task,
  // whatever it wrote to fd 3, however it ended; for not_started, why.
  std::string result;
  int exit_code = 0;
  int signal = 0;
  // The tail of what the child wrote to stdout and stderr (never mixed into
  // this process's own output), e.g. a plugin's diagnostics.
  std::string output;
  double seconds = 0.0;
};

// One task. A program task has `argv` (argv[0] is the program's path); the
// program's result is whatever it writes to file descriptor 3, and it
// "finished" when it exits with status 0. Its stdin is /dev/null and only
// fds 0-3 are open in it. Program tasks are safe from a multi-threaded host:
// between fork and exec the child makes only async-signal-safe calls.
// A function task (empty `argv`) runs `function` in a forked copy of this
// process and returns its text; it must not rely on threads this process
// started, so use it only from a single-threaded host.
struct ChildTask {
  std::vector<std::string> argv;
  std::function<std::string()> function;
};

struct ChildLimits {
  int jobs = 1;                         // children running at once
  double timeout_seconds = 5.0;         // per child, from its start
  std::size_t output_keep = 16 * 1024;  // bytes of stdout/stderr tail kept
  std::size_t result_limit = 8u << 20;  // bytes of result kept
  bool stop_on_interrupt = false;       // SIGINT/SIGTERM end the run (see below)
};

// "SIGSEGV" for SIGSEGV, ...; "signal <n>" for one without a well-known name.
std::string signal_name(int signal);

// Runs task(i) for i in [0, count), each in a fresh child in its own process
// group, at most `jobs` at a time; a child still running at the time limit
// is killed with its whole process group, and any process it left behind is
// killed when it ends. Children die with this process (PR_SET_PDEATHSIG).
// Calls on_done(i, outcome) in this process as each child ends, in the order
// they end. With stop_on_interrupt, SIGINT / SIGTERM during the run kill the
// running children and end it: on_done is not called for those tasks nor for
// the ones not started, and the call returns false. Otherwise returns true.
bool run_children(std::size_t count, const std::function<ChildTask(std::size_t)>& task,
                  const ChildLimits& limits,
                  const std::function<void(std::size_t, const ChildOutcome&)>& on_done);

}  // namespace mt::proc
