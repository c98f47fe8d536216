// minitorch/apps/interrupt.hpp — Ctrl-C during training: while an
// InterruptGuard lives, the first SIGINT only sets a flag, which the training
// loop reads at every batch boundary (it saves a resumable checkpoint and
// stops); a second SIGINT hands the signal to whatever handled it before
// (by default: the process ends at once). Not a general signal framework:
// SIGTERM and temp-file cleanup are handled elsewhere.
#pragma once

namespace mt {

class InterruptGuard {
 public:
  // Installs the SIGINT handler (sigaction) and clears the flag. One guard
  // at a time; a second live guard is a logic_error.
  InterruptGuard();
  // Restores the handler that was there before.
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// True once SIGINT arrived under a guard (or request_interrupt() was called).
bool interrupt_requested();
// What the first SIGINT does, for tests and for embedding programs that
// stop a run from another thread.
void request_interrupt();
void clear_interrupt();

}  // namespace mt
