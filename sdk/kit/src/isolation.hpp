// isolation.hpp — runs tasks each in its own forked child process under a
// wall-clock limit, so that a crash or a hang in one is reported (by signal
// or as timed out) while the caller goes on with the next. POSIX only. It
// knows nothing about backends or cases: a task is a function returning text.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace mt::kit {

// How one child ended.
struct ChildOutcome {
  enum class Ending {
    finished,    // the task returned; `result` holds its text
    threw,       // the task threw; `result` holds the exception's message
    exited,      // the child exited (exit code `exit_code`) before returning a result
    signaled,    // the child was killed by signal `signal`
    timed_out,   // still running at the time limit: killed with SIGKILL
    not_started  // fork or pipe failed; `result` says why
  };
  Ending ending = Ending::not_started;
  std::string result;
  int exit_code = 0;
  int signal = 0;
  // What the child wrote to stdout and stderr (its last 16 KiB), e.g. a
  // sanitizer report or a plugin's own diagnostics.
  std::string output;
  double seconds = 0.0;
};

// "SIGSEGV" for SIGSEGV, ...; "signal <n>" for one without a well-known name.
std::string signal_name(int signal);

// Runs task(i) for i in [0, count), each in a fresh child forked from this
// process, at most `jobs` at a time, each killed (with its process group)
// after `timeout_seconds`. Calls on_done(i, outcome) in this process as each
// child ends, in the order they end. The child never returns into the
// caller's code: it writes the task's result and leaves with _exit, skipping
// static destructors and atexit handlers (which belong to the parent). It is
// also killed if this process dies. SIGINT / SIGTERM during the run kill the
// running children and end the run: on_done is not called for those tasks
// nor for the ones not started, and `interrupted` then says so.
void run_isolated(std::size_t count, const std::function<std::string(std::size_t)>& task, int jobs,
                  double timeout_seconds,
                  const std::function<void(std::size_t, const ChildOutcome&)>& on_done);

// True once a run was cut short by SIGINT or SIGTERM.
bool interrupted();

}  // namespace mt::kit
