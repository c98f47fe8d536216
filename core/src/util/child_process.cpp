// child_process.cpp — mt::proc::run_children: fork (then exec, for program
// tasks) per task, pipes for the result and for stdout/stderr, poll() in the
// parent, SIGKILL of the child's process group at the time limit and of any
// leftovers when it ends. Linux only (prctl, pidfd, close_range when present).
// Not a general process library: no stdin, no environment changes.
#include <minitorch/util/child_process.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mt::proc {

namespace {

using Clock = std::chrono::steady_clock;

// The first byte a function task writes says how it ended.
constexpr char kTagResult = 'R';
constexpr char kTagThrew = 'E';
// Where a program task's result goes, and where its exec-failure channel sits
// until exec closes it.
constexpr int kResultFd = 3;
constexpr int kExecStatusFd = 4;

volatile std::sig_atomic_t g_interrupt = 0;

extern "C" void on_interrupt(int) {
  g_interrupt = 1;
}

struct Child {
  std::size_t index = 0;
  bool program = false;
  pid_t pid = -1;
  int pidfd = -1;
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

void write_all(int fd, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // the parent is gone or closed the pipe: nothing left to tell
    done += static_cast<std::size_t>(n);
  }
}

// Reads what is available; closes the fd at end of file. Output keeps its
// tail (up to `keep`), a result its head (up to `keep`).
void drain(int& fd, std::string& into, bool keep_tail, std::size_t keep) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      if (keep_tail) {
        into.append(buffer, static_cast<std::size_t>(n));
        if (into.size() > 2 * keep + sizeof buffer)
          into.erase(0, into.size() - keep);
      } else if (into.size() < keep) {
        into.append(buffer, std::min(static_cast<std::size_t>(n), keep - into.size()));
      }
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

void kill_group(pid_t pid) {
  // The child made itself a process-group leader; kill anything it started too.
  if (::kill(-pid, SIGKILL) != 0)
    ::kill(pid, SIGKILL);
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -1 : static_cast<int>(fd);
#else
  (void)pid;
  return -1;
#endif
}

// Common start of every child: die with the parent, own process group,
// default signal handling and an empty signal mask (a host thread may have
// blocked signals). Only async-signal-safe calls.
void child_common_setup(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(125);  // the parent died before the line above took effect
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int s : {SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP, SIGALRM, SIGCHLD})
    ::sigaction(s, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// The child side of a program task: fds 0-3 set up, everything else closed,
// then exec. Only async-signal-safe calls: the host may be multi-threaded.
[[noreturn]] void exec_child(char* const* argv, int devnull, int result_w, int output_w,
                             int status_w, pid_t parent) {
  child_common_setup(parent);
  // Move every source fd above the targets first, so no dup2 clobbers one.
  const int in = ::fcntl(devnull, F_DUPFD, 10);
  const int out = ::fcntl(output_w, F_DUPFD, 10);
  const int res = ::fcntl(result_w, F_DUPFD, 10);
  const int st = ::fcntl(status_w, F_DUPFD_CLOEXEC, 10);
  if (in < 0 || out < 0 || res < 0 || st < 0)
    ::_exit(126);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  ::dup2(res, kResultFd);
  ::dup3(st, kExecStatusFd, O_CLOEXEC);
  ::close(in);
  ::close(out);
  ::close(res);
  ::close(st);
#ifdef SYS_close_range
  ::syscall(SYS_close_range, kExecStatusFd + 1, ~0U, 0);  // ENOSYS: exec still closes O_CLOEXEC
#endif
  ::execv(argv[0], argv);
  const int error = errno;
  write_all(kExecStatusFd, reinterpret_cast<const char*>(&error), sizeof error);
  ::_exit(127);
}

// The child side of a function task (no exec): the kit's way.
[[noreturn]] void function_child(const std::function<std::string()>& function, int devnull,
                                 int result_w, int output_w, pid_t parent,
                                 const std::vector<int>& inherited) {
  child_common_setup(parent);
  for (const int fd : inherited)
    ::close(fd);
  // Via fds above 10, so no dup2 clobbers a source (the host's 0-2 may be closed).
  const int in = ::fcntl(devnull, F_DUPFD, 10);
  const int out = ::fcntl(output_w, F_DUPFD, 10);
  const int result = ::fcntl(result_w, F_DUPFD_CLOEXEC, 10);
  if (in < 0 || out < 0 || result < 0)
    ::_exit(126);
  for (const int fd : {devnull, output_w, result_w})
    if (fd > STDERR_FILENO)
      ::close(fd);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  ::close(in);
  ::close(out);
  std::string text;
  char tag = kTagResult;
  try {
    text = function();
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
  const std::string message = std::string(1, tag) + text;
  write_all(result, message.data(), message.size());
  ::_exit(0);
}

ChildOutcome outcome_of(Child& c, int status, bool status_known, bool timed_out,
                        std::size_t output_keep) {
  ChildOutcome o;
  o.seconds = std::chrono::duration<double>(Clock::now() - c.start).count();
  o.output = std::move(c.output);
  if (o.output.size() > output_keep)
    o.output.erase(0, o.output.size() - output_keep);
  if (timed_out) {
    o.ending = ChildOutcome::Ending::timed_out;
  } else if (status_known && WIFSIGNALED(status)) {
    o.ending = ChildOutcome::Ending::signaled;
    o.signal = WTERMSIG(status);
  } else if (c.program && status_known && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    o.ending = ChildOutcome::Ending::finished;
  } else if (!c.program && status_known && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             !c.result.empty() && (c.result[0] == kTagResult || c.result[0] == kTagThrew)) {
    o.ending =
        c.result[0] == kTagResult ? ChildOutcome::Ending::finished : ChildOutcome::Ending::threw;
    o.result = c.result.substr(1);
  } else {
    o.ending = ChildOutcome::Ending::exited;
    o.exit_code = status_known && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // A program's partial report (e.g. how far it got) matters however it ended.
  if (c.program)
    o.result = std::move(c.result);
  return o;
}

// Starts one task; returns false (and fills `failure`) when it cannot.
bool start_child(std::size_t index, const ChildTask& task, const ChildLimits& limits,
                 const std::vector<Child>& running, Child& child, std::string& failure) {
  const bool program = !task.argv.empty();
  if (!program && !task.function) {
    failure = "the task names neither a program nor a function";
    return false;
  }
  // Everything the child needs is made before fork: after it, a program
  // child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (const std::string& arg : task.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int result_pipe[2] = {-1, -1}, output_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  int devnull = -1;
  auto close_all = [&] {
    for (int* fd : {&result_pipe[0], &result_pipe[1], &output_pipe[0], &output_pipe[1],
                    &status_pipe[0], &status_pipe[1], &devnull})
      close_fd(*fd);
  };
  if (::pipe2(result_pipe, O_CLOEXEC) != 0 || ::pipe2(output_pipe, O_CLOEXEC) != 0 ||
      (program && ::pipe2(status_pipe, O_CLOEXEC) != 0)) {
    failure = std::string("pipe: ") + std::strerror(errno);
    close_all();
    return false;
  }
  devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    failure = std::string("open /dev/null: ") + std::strerror(errno);
    close_all();
    return false;
  }
  std::vector<int> inherited = {result_pipe[0], output_pipe[0]};
  for (const Child& other : running) {
    for (const int fd : {other.result_fd, other.output_fd, other.pidfd})
      if (fd >= 0)
        inherited.push_back(fd);
  }
  // Unflushed output would otherwise be written twice, once by a forked child.
  if (!program) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    failure = std::string("fork: ") + std::strerror(errno);
    close_all();
    return false;
  }
  if (pid == 0) {
    if (program)
      exec_child(argv.data(), devnull, result_pipe[1], output_pipe[1], status_pipe[1], parent);
    function_child(task.function, devnull, result_pipe[1], output_pipe[1], parent, inherited);
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
  close_fd(result_pipe[1]);
  close_fd(output_pipe[1]);
  close_fd(devnull);
  if (program) {
    // exec closes the status pipe (O_CLOEXEC); a failed exec writes errno.
    close_fd(status_pipe[1]);
    int error = 0;
    ssize_t n;
    do {
      n = ::read(status_pipe[0], &error, sizeof error);
    } while (n < 0 && errno == EINTR);
    close_fd(status_pipe[0]);
    if (n == static_cast<ssize_t>(sizeof error)) {
      ::waitpid(pid, nullptr, 0);
      failure = "cannot execute " + task.argv[0] + ": " + std::strerror(error);
      close_all();
      return false;
    }
  }
  ::fcntl(result_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);
  child.index = index;
  child.program = program;
  child.pid = pid;
  child.pidfd = open_pidfd(pid);
  child.result_fd = result_pipe[0];
  child.output_fd = output_pipe[0];
  child.start = Clock::now();
  child.deadline = child.start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(limits.timeout_seconds));
  return true;
}

// Whether the child has ended, without reaping it (so its pid, and the
// process group named after it, cannot be reused before we kill the group).
// `gone` is set when it cannot be waited for at all (SIGCHLD ignored).
bool has_exited(const Child& c, bool& gone) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    gone = errno == ECHILD;
    return gone;
  }
  return info.si_pid == c.pid;
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

bool run_children(std::size_t count, const std::function<ChildTask(std::size_t)>& task,
                  const ChildLimits& limits,
                  const std::function<void(std::size_t, const ChildOutcome&)>& on_done) {
  const std::size_t jobs = static_cast<std::size_t>(std::max(limits.jobs, 1));
  struct sigaction old_int {
  }, old_term{};
  if (limits.stop_on_interrupt) {
    g_interrupt = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int);
    ::sigaction(SIGTERM, &action, &old_term);
  }
  auto interrupted = [&] { return limits.stop_on_interrupt && g_interrupt != 0; };
  bool completed = true;
  std::vector<Child> running;
  std::size_t next = 0;
  while ((next < count && !interrupted()) || !running.empty()) {
    while (!interrupted() && next < count && running.size() < jobs) {
      Child child;
      std::string failure;
      if (start_child(next, task(next), limits, running, child, failure)) {
        running.push_back(std::move(child));
      } else {
        ChildOutcome o;
        o.ending = ChildOutcome::Ending::not_started;
        o.result = failure;
        on_done(next, o);
      }
      ++next;
    }
    if (interrupted()) {
      // The running tasks did not get to finish: they are not reported,
      // like the ones never started.
      for (Child& c : running) {
        kill_group(c.pid);
        ::waitpid(c.pid, nullptr, 0);
        close_fd(c.result_fd);
        close_fd(c.output_fd);
        close_fd(c.pidfd);
      }
      running.clear();
      completed = false;
      break;
    }
    if (running.empty())
      continue;

    // Wait for output, an end of file, a child's exit or the nearest deadline.
    std::vector<pollfd> fds;
    auto now = Clock::now();
    auto wake = running.front().deadline;
    bool blind = false;  // a child whose exit poll() cannot see
    for (const Child& c : running) {
      wake = std::min(wake, c.deadline);
      for (const int fd : {c.result_fd, c.output_fd, c.pidfd})
        if (fd >= 0)
          fds.push_back({fd, POLLIN, 0});
      if (c.pidfd < 0)
        blind = true;
    }
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1);
    if (blind)
      wait_ms = std::min(wait_ms, 10);
    ::poll(fds.data(), fds.size(), std::max(wait_ms, 0));  // EINTR: the loop re-checks all

    now = Clock::now();
    for (std::size_t k = 0; k < running.size();) {
      Child& c = running[k];
      if (c.result_fd >= 0)
        drain(c.result_fd, c.result, false, limits.result_limit);
      if (c.output_fd >= 0)
        drain(c.output_fd, c.output, true, limits.output_keep);
      int status = 0;
      bool status_known = true, ended = false, timed_out = false, gone = false;
      if (has_exited(c, gone)) {
        // Ended. Whatever it wrote before exiting is in the pipes; read it,
        // then kill what it may have left running in its group, then reap.
        for (int pass = 0; pass < 2; ++pass) {
          if (c.result_fd >= 0)
            drain(c.result_fd, c.result, false, limits.result_limit);
          if (c.output_fd >= 0)
            drain(c.output_fd, c.output, true, limits.output_keep);
        }
        if (!gone) {
          ::kill(-c.pid, SIGKILL);
          status_known = ::waitpid(c.pid, &status, 0) == c.pid;
        } else {
          status_known = false;
        }
        ended = true;
      } else if (now >= c.deadline) {
        kill_group(c.pid);
        ::waitpid(c.pid, &status, 0);
        // Keep whatever the child printed before it was killed.
        if (c.output_fd >= 0)
          drain(c.output_fd, c.output, true, limits.output_keep);
        ended = timed_out = true;
      }
      if (!ended) {
        ++k;
        continue;
      }
      close_fd(c.result_fd);
      close_fd(c.output_fd);
      close_fd(c.pidfd);
      const ChildOutcome o = outcome_of(c, status, status_known, timed_out, limits.output_keep);
      const std::size_t index = c.index;
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
      on_done(index, o);
    }
  }
  if (limits.stop_on_interrupt) {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
  }
  return completed;
}

}  // namespace mt::proc
