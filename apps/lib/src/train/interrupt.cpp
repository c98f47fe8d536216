// interrupt.cpp — the SIGINT flag behind interrupt.hpp: an async-signal-safe
// handler that sets a lock-free atomic the first time and, the second time,
// puts the previous disposition back and raises the signal again.
#include <minitorch/apps/interrupt.hpp>

#include <signal.h>

#include <atomic>
#include <stdexcept>

namespace mt {

namespace {

std::atomic<bool> g_requested{false};
std::atomic<bool> g_guarded{false};
struct sigaction g_previous {};

static_assert(std::atomic<bool>::is_always_lock_free, "the SIGINT flag must be lock-free");

extern "C" void on_sigint(int signal_number) {
  if (!g_requested.exchange(true))
    return;  // the first one: the loop stops at the next batch boundary
  // The second: whoever handled SIGINT before us decides (default: exit).
  sigaction(SIGINT, &g_previous, nullptr);
  raise(signal_number);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_guarded.exchange(true))
    throw std::logic_error("InterruptGuard: another guard is already installed");
  g_requested = false;
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking reads and writes go on after the flag is set
  sigaction(SIGINT, &action, &g_previous);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_previous, nullptr);
  g_guarded = false;
}

bool interrupt_requested() {
  return g_requested.load(std::memory_order_relaxed);
}

void request_interrupt() {
  g_requested = true;
}

void clear_interrupt() {
  g_requested = false;
}

}  // namespace mt
