// run_program.hpp — runs a program (e.g. the `minitorch` CLI) as a child
// under a time limit and returns its exit status, output and wall time, via
// core's child runner. For suites that check what a user would see; it is not
// a shell (no redirection, no environment of its own: the child inherits ours).
#pragma once

#include <minitorch/util/child_process.hpp>

#include <string>
#include <vector>

namespace mt::test {

struct ProgramRun {
  int status = -1;     // exit status; -1 when it did not exit normally
  std::string output;  // stdout and stderr (the last 64 KiB), then how it ended if abnormally
  double seconds = 0;
};

inline ProgramRun run_program(const std::vector<std::string>& argv, double timeout_seconds) {
  mt::proc::ChildLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.output_keep = 64 * 1024;
  ProgramRun run;
  mt::proc::run_children(
      1,
      [&](std::size_t) {
        return mt::proc::ChildTask{argv, {}};
      },
      limits,
      [&](std::size_t, const mt::proc::ChildOutcome& o) {
        run.output = o.output;
        run.seconds = o.seconds;
        if (o.ending == mt::proc::ChildOutcome::Ending::finished)
          run.status = 0;
        else if (o.ending == mt::proc::ChildOutcome::Ending::exited)
          run.status = o.exit_code;
        else
          run.output +=
              "\n(ended otherwise: " + o.result + " signal " + std::to_string(o.signal) + ")";
      });
  return run;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mt::test
