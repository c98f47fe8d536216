// atomic_file.cpp — write-to-temporary-then-rename through symlinks, the
// checks that refuse special files, and the signal-safe registry that removes
// live temporaries on SIGINT/SIGTERM. Not a file-format layer: callers hand in
// finished bytes (or a temporary another program fills).
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace mt {

namespace fs = std::filesystem;

namespace {

// ---- the registry ---------------------------------------------------------------
// A slot is free (0), being filled or emptied (1) or live (2). Only live
// slots are read by the signal handler, and a path is complete before its
// slot turns live, so the handler never sees half a path.
struct Slot {
  std::atomic<int> state{0};
  char path[PATH_MAX];
};
std::array<Slot, 64> g_slots;
// A signal handler may only touch lock-free atomics.
static_assert(std::atomic<int>::is_always_lock_free);

std::string errno_text(int error) {
  return std::strerror(error);
}

const char* kind_of(const struct stat& st) {
  if (S_ISDIR(st.st_mode))
    return "it is a directory";
  if (S_ISFIFO(st.st_mode))
    return "it is a FIFO (named pipe)";
  if (S_ISSOCK(st.st_mode))
    return "it is a socket";
  if (S_ISCHR(st.st_mode))
    return "it is a character device";
  if (S_ISBLK(st.st_mode))
    return "it is a block device";
  if (!S_ISREG(st.st_mode))
    return "it is not a regular file";
  return nullptr;
}

fs::path folder_of(const fs::path& file) {
  const fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Flushes a folder's entries (the rename) to disk. Some file systems cannot
// fsync a folder (EINVAL): nothing more can be done there.
void sync_folder(const fs::path& folder, const fs::path& target) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw DataError("wrote " + target.string() +
                    " but cannot open its folder to flush it: " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0 && error != EINVAL && error != EROFS)
    throw DataError("wrote " + target.string() +
                    " but flushing its folder failed: " + errno_text(error));
}

// Temporaries are named "<file>.tmp.<pid>.<tag>"; one whose pid no longer
// runs was left by a killed writer and is removed.
void remove_stale_temporaries(const fs::path& target) {
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(target), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
      continue;
    const std::string rest = name.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos)
      continue;
    char* end_of_pid = nullptr;
    const long pid = std::strtol(rest.c_str(), &end_of_pid, 10);
    if (end_of_pid != rest.c_str() + dot || pid <= 0 || pid == ::getpid())
      continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      if (fs::is_regular_file(fs::symlink_status(it->path(), ignored)))
        fs::remove(it->path(), ignored);
    }
  }
}

// ---- signals ----------------------------------------------------------------------

constexpr std::array<int, 4> kCleanupSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
std::array<struct sigaction, 4> g_previous{};

void on_signal(int signal_number, siginfo_t* info, void* context) {
  for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) {
    if (kCleanupSignals[i] != signal_number)
      continue;
    const struct sigaction& before = g_previous[i];
    if ((before.sa_flags & SA_SIGINFO) != 0 && before.sa_sigaction != nullptr) {
      before.sa_sigaction(signal_number, info, context);
      return;
    }
    if (before.sa_handler == SIG_IGN)
      return;
    if (before.sa_handler != SIG_DFL && before.sa_handler != nullptr) {
      before.sa_handler(signal_number);
      return;
    }
  }
  die_of_signal(signal_number);
}

}  // namespace

// ---- registry ------------------------------------------------------------------

void register_temporary(const fs::path& path) noexcept {
  const std::string& text = path.native();
  if (text.size() >= PATH_MAX)
    return;
  for (const Slot& slot : g_slots)
    if (slot.state.load() == 2 && std::strcmp(slot.path, text.c_str()) == 0)
      return;  // listed already (e.g. by temporary_path_for, then a guard)
  for (Slot& slot : g_slots) {
    int expected = 0;
    if (slot.state.compare_exchange_strong(expected, 1)) {
      std::memcpy(slot.path, text.c_str(), text.size() + 1);
      slot.state.store(2);
      return;
    }
  }
}

void forget_temporary(const fs::path& path) noexcept {
  for (Slot& slot : g_slots) {
    int expected = 2;
    if (slot.state.load() == 2 && std::strcmp(slot.path, path.c_str()) == 0 &&
        slot.state.compare_exchange_strong(expected, 1)) {
      slot.path[0] = '\0';
      slot.state.store(0);
      return;
    }
  }
}

void remove_live_temporaries() noexcept {
  for (Slot& slot : g_slots)
    if (slot.state.load() == 2)
      ::unlink(slot.path);  // async-signal-safe
}

void die_of_signal(int signal_number) noexcept {
  remove_live_temporaries();
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(signal_number, &fallback, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
  ::raise(signal_number);
  ::_exit(128 + signal_number);  // only if the default action did not end us
}

void install_temporary_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) {
      struct sigaction action {};
      action.sa_sigaction = &on_signal;
      action.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&action.sa_mask);
      ::sigaction(kCleanupSignals[i], &action, &g_previous[i]);
    }
  });
}

ScopedTemporary::ScopedTemporary(fs::path path) : path_(std::move(path)) {
  register_temporary(path_);
}

ScopedTemporary::~ScopedTemporary() {
  if (live_) {
    ::unlink(path_.c_str());
    forget_temporary(path_);
  }
}

void ScopedTemporary::release() noexcept {
  if (live_)
    forget_temporary(path_);
  live_ = false;
}

// ---- paths ---------------------------------------------------------------------

namespace {

// The symlink chain from `path` to the file a write lands in (path first).
std::vector<fs::path> symlink_chain(const fs::path& path) {
  std::vector<fs::path> chain{path};
  for (int hops = 0; hops < 40; ++hops) {
    const fs::path& current = chain.back();
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(current, ec)))
      return chain;
    const fs::path target = fs::read_symlink(current, ec);
    if (ec)
      throw DataError("cannot write " + path.string() + ": cannot read the symlink " +
                      current.string() + ": " + ec.message());
    chain.push_back(target.is_absolute() ? target : folder_of(current) / target);
  }
  throw DataError("cannot write " + path.string() +
                  ": too many levels of symbolic links (a loop?)");
}

}  // namespace

fs::path resolve_output_path(const fs::path& path) {
  return symlink_chain(path).back();
}

std::string output_path_problem(const fs::path& path) {
  if (path.empty())
    return "the path is empty";
  const std::vector<fs::path> chain = symlink_chain(path);
  const fs::path& target = chain.back();
  bool through_proc = false;
  for (const fs::path& hop : chain)
    through_proc = through_proc || hop.string().rfind("/proc/", 0) == 0;
  const std::string via = chain.size() == 1 || through_proc
                              ? std::string()
                              : " (the symlink's target " + target.string() + ")";
  // stat() follows links as the kernel does, /proc's magic ones included.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (const char* kind = kind_of(st))
      return kind + via;
  } else if (errno != ENOENT) {
    return "cannot inspect " + path.string() + ": " + errno_text(errno);
  }
  // /dev/stdout, /proc/self/fd/N: an open file of this process, not a path
  // that a rename can replace.
  if (through_proc)
    return "it is a link to an open file descriptor (" + chain[1].string() + ")";
  const fs::path folder = folder_of(target);
  struct stat folder_st {};
  if (::stat(folder.c_str(), &folder_st) != 0)
    return "its folder " + folder.string() + via + " does not exist";
  if (!S_ISDIR(folder_st.st_mode))
    return "its folder " + folder.string() + via + " is not a directory";
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return "its folder " + folder.string() + via + " is not writable: " + errno_text(errno);
  return "";
}

namespace {

// "<target>.tmp.<pid>.<tag>", not yet registered; sweeps dead writers' ones.
fs::path fresh_temporary_name(const fs::path& target) {
  static std::random_device entropy;
  remove_stale_temporaries(target);
  const auto tag = std::to_string(::getpid()) + "." + std::to_string(entropy() % 1000000);
  fs::path tmp = target;
  tmp += ".tmp." + tag;
  return tmp;
}

}  // namespace

fs::path temporary_path_for(const fs::path& path) {
  const fs::path tmp = fresh_temporary_name(resolve_output_path(path));
  register_temporary(tmp);
  return tmp;
}

void commit_file(const fs::path& temporary, const fs::path& path) {
  const fs::path target = resolve_output_path(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && kind_of(st) != nullptr) {
    ::unlink(temporary.c_str());
    forget_temporary(temporary);
    throw DataError("cannot write " + path.string() + ": " + kind_of(st) +
                    "; only a regular file is replaced");
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    forget_temporary(temporary);
    throw DataError("cannot write " + path.string() + ": renaming " + temporary.string() + " to " +
                    target.string() + " failed: " + errno_text(error));
  }
  forget_temporary(temporary);
  sync_folder(folder_of(target), target);
}

int write_all(int fd, std::string_view content) noexcept {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path target = resolve_output_path(path);
  if (const std::string problem = output_path_problem(target); !problem.empty())
    throw DataError("cannot write " + path.string() + ": " + problem);
  ScopedTemporary tmp(fresh_temporary_name(target));
  const int fd = ::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw DataError("cannot write " + path.string() + ": creating " + tmp.path().string() +
                    " failed: " + errno_text(errno));
  if (const int error = write_all(fd, content); error != 0) {
    ::close(fd);
    throw DataError("cannot write " + path.string() + ": writing " + tmp.path().string() +
                    " failed: " + errno_text(error));
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    throw DataError("cannot write " + path.string() + ": fsync failed: " + errno_text(error));
  }
  if (::close(fd) != 0)
    throw DataError("cannot write " + path.string() + ": close failed: " + errno_text(errno));
  commit_file(tmp.path(), target);  // on failure it removes the temporary itself
  tmp.release();
}

}  // namespace mt
