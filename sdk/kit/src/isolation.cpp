// isolation.cpp — fork-per-task execution with a time limit: pipes for the
// result and for the child's stdout/stderr, poll() in the parent, SIGKILL of
// the child's process group on timeout. Linux/POSIX only; no exec (the child
// runs the task in a copy of this process), so tasks must not rely on threads
// the parent started before forking — the kit's parent starts none.
#include "isolation.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mt::kit {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kOutputKeep = 16 * 1024;
constexpr std::size_t kResultLimit = 8 * 1024 * 1024;
// The first byte of the result channel says how the task ended.
constexpr char kTagResult = 'R';
constexpr char kTagThrew = 'E';

volatile std::sig_atomic_t g_interrupt = 0;
bool g_was_interrupted = false;

extern "C" void on_interrupt(int) {
  g_interrupt = 1;
}

struct Child {
  std::size_t index = 0;
  pid_t pid = -1;
  int result_fd = -1;
  int output_fd = -1;
  Clock::time_point start;
  Clock::time_point deadline;
  std::string result;
  std::string output;
};

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // the parent is gone or closed the pipe: nothing left to tell
    done += static_cast<std::size_t>(n);
  }
}

void keep_tail(std::string& text) {
  if (text.size() > 2 * kOutputKeep)
    text.erase(0, text.size() - kOutputKeep);
}

// Reads what is available; closes the fd at end of file.
void drain(int& fd, std::string& into, bool is_output) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      if (is_output || into.size() < kResultLimit)
        into.append(buffer, static_cast<std::size_t>(n));
      if (is_output)
        keep_tail(into);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    close_fd(fd);  // end of file, or an error that will not go away
    return;
  }
}

void kill_child(const Child& c) {
  // The child made itself a process-group leader; kill anything it started too.
  if (::kill(-c.pid, SIGKILL) != 0)
    ::kill(c.pid, SIGKILL);
}

[[noreturn]] void run_child(std::size_t index, const std::function<std::string(std::size_t)>& task,
                            int result_w, int output_w, pid_t parent,
                            const std::vector<int>& inherited) {
  // Die with the parent: a hung child must never outlive a killed kit.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(125);
  ::setpgid(0, 0);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_DFL);
  for (const int fd : inherited)
    ::close(fd);
  ::dup2(output_w, STDOUT_FILENO);
  ::dup2(output_w, STDERR_FILENO);
  if (output_w != STDOUT_FILENO && output_w != STDERR_FILENO)
    ::close(output_w);

  std::string text;
  char tag = kTagResult;
  try {
    text = task(index);
  } catch (const std::exception& e) {
    tag = kTagThrew;
    text = e.what();
  } catch (...) {
    tag = kTagThrew;
    text = "an exception that is not a std::exception";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  write_all(result_w, std::string(1, tag) + text);
  ::_exit(0);
}

ChildOutcome outcome_of(Child& c, int status, bool timed_out) {
  ChildOutcome o;
  o.seconds = std::chrono::duration<double>(Clock::now() - c.start).count();
  o.output = std::move(c.output);
  if (o.output.size() > kOutputKeep)
    o.output.erase(0, o.output.size() - kOutputKeep);
  if (timed_out) {
    o.ending = ChildOutcome::Ending::timed_out;
  } else if (WIFSIGNALED(status)) {
    o.ending = ChildOutcome::Ending::signaled;
    o.signal = WTERMSIG(status);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !c.result.empty() &&
             (c.result[0] == kTagResult || c.result[0] == kTagThrew)) {
    o.ending =
        c.result[0] == kTagResult ? ChildOutcome::Ending::finished : ChildOutcome::Ending::threw;
    o.result = c.result.substr(1);
  } else {
    o.ending = ChildOutcome::Ending::exited;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return o;
}

// Starts task `index` in a child; returns false (and fills `failure`) when
// the pipes or the fork cannot be made.
bool start_child(std::size_t index, const std::function<std::string(std::size_t)>& task,
                 double timeout_seconds, const std::vector<Child>& running, Child& child,
                 std::string& failure) {
  int result_pipe[2], output_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) {
    failure = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    failure = std::string("pipe: ") + std::strerror(errno);
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    return false;
  }
  // Unflushed output would otherwise be written twice, once by the child.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::vector<int> inherited = {result_pipe[0], output_pipe[0]};
  for (const Child& other : running) {
    if (other.result_fd >= 0)
      inherited.push_back(other.result_fd);
    if (other.output_fd >= 0)
      inherited.push_back(other.output_fd);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    failure = std::string("fork: ") + std::strerror(errno);
    for (const int fd : {result_pipe[0], result_pipe[1], output_pipe[0], output_pipe[1]})
      ::close(fd);
    return false;
  }
  if (pid == 0)
    run_child(index, task, result_pipe[1], output_pipe[1], parent, inherited);

  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
  ::close(result_pipe[1]);
  ::close(output_pipe[1]);
  ::fcntl(result_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);
  child.index = index;
  child.pid = pid;
  child.result_fd = result_pipe[0];
  child.output_fd = output_pipe[0];
  child.start = Clock::now();
  child.deadline = child.start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(timeout_seconds));
  return true;
}

}  // namespace

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGHUP:
      return "SIGHUP";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGSYS:
      return "SIGSYS";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    case SIGALRM:
      return "SIGALRM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "signal " + std::to_string(signal);
  }
}

bool interrupted() {
  return g_was_interrupted;
}

void run_isolated(std::size_t count, const std::function<std::string(std::size_t)>& task, int jobs,
                  double timeout_seconds,
                  const std::function<void(std::size_t, const ChildOutcome&)>& on_done) {
  jobs = std::max(jobs, 1);
  struct sigaction action {
  }, old_int{}, old_term{};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);

  std::vector<Child> running;
  std::size_t next = 0;
  while ((next < count && !g_interrupt) || !running.empty()) {
    while (!g_interrupt && next < count && running.size() < static_cast<std::size_t>(jobs)) {
      Child child;
      std::string failure;
      if (start_child(next, task, timeout_seconds, running, child, failure)) {
        running.push_back(std::move(child));
      } else {
        ChildOutcome o;
        o.ending = ChildOutcome::Ending::not_started;
        o.result = failure;
        on_done(next, o);
      }
      ++next;
    }
    if (g_interrupt) {
      // The running tasks did not get to finish: they are not reported,
      // like the ones never started.
      for (Child& c : running) {
        kill_child(c);
        ::waitpid(c.pid, nullptr, 0);
        close_fd(c.result_fd);
        close_fd(c.output_fd);
      }
      running.clear();
      g_was_interrupted = true;
      break;
    }
    if (running.empty())
      continue;

    // Wait for output, an end of file, or the nearest deadline.
    std::vector<pollfd> fds;
    auto now = Clock::now();
    auto wake = running.front().deadline;
    bool waiting_for_exit = false;
    for (const Child& c : running) {
      wake = std::min(wake, c.deadline);
      if (c.result_fd >= 0)
        fds.push_back({c.result_fd, POLLIN, 0});
      if (c.output_fd >= 0)
        fds.push_back({c.output_fd, POLLIN, 0});
      if (c.result_fd < 0 && c.output_fd < 0)
        waiting_for_exit = true;
    }
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1);
    if (waiting_for_exit)
      wait_ms = std::min(wait_ms, 2);  // pipes closed: the exit is a moment away
    ::poll(fds.data(), fds.size(), std::max(wait_ms, 0));  // EINTR: loop re-checks everything

    now = Clock::now();
    for (std::size_t k = 0; k < running.size();) {
      Child& c = running[k];
      if (c.result_fd >= 0)
        drain(c.result_fd, c.result, false);
      if (c.output_fd >= 0)
        drain(c.output_fd, c.output, true);
      int status = 0;
      bool ended = false, timed_out = false;
      if (c.result_fd < 0 && c.output_fd < 0 && ::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        ended = true;
      } else if (now >= c.deadline) {
        kill_child(c);
        ::waitpid(c.pid, &status, 0);
        // Keep whatever the child printed before it was killed.
        if (c.output_fd >= 0)
          drain(c.output_fd, c.output, true);
        ended = timed_out = true;
      }
      if (!ended) {
        ++k;
        continue;
      }
      close_fd(c.result_fd);
      close_fd(c.output_fd);
      const ChildOutcome o = outcome_of(c, status, timed_out);
      const std::size_t index = c.index;
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
      on_done(index, o);
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
}

}  // namespace mt::kit
