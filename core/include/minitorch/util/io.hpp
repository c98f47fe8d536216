// minitorch/util/io.hpp — how MiniTorch writes a file: to a temporary name in
// the target's folder, flushed, renamed over the target, folder flushed. A
// symlink is written through (never replaced), a special file or folder is
// refused, and a temporary never outlives its writer, not even a SIGINT or
// SIGTERM (see the registry below). Not a general file library.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace mt {

// ---- writing ------------------------------------------------------------------

// The file a write to `path` lands in: `path` itself, or, when it is a
// symlink (or a chain of them), the final target (relative links resolved
// against their own folder; the target may not exist yet). DataError for a
// loop of links.
std::filesystem::path resolve_output_path(const std::filesystem::path& path);

// Why `path` cannot be written as a regular file right now, or "" when it
// can: e.g. "it is a directory", "it is a FIFO (named pipe)", "it is a
// character device", "its folder /x does not exist", "its folder /x is not
// writable: Permission denied". Follows symlinks as a write would.
std::string output_path_problem(const std::filesystem::path& path);

// Writes `content` to resolve_output_path(path) through a registered
// temporary in the same folder, fsynced, renamed over the target, then the
// folder fsynced. Throws DataError naming the path and the errno text of the
// step that failed; the target is then untouched and the temporary gone.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Writes all of `content` to the open descriptor `fd`, retrying short writes and EINTR.
// Returns 0, or the errno of the write that failed.
int write_all(int fd, std::string_view content) noexcept;

// For a writer that produces its own file (a plotting tool): a fresh
// temporary name beside the resolved target of `path`, registered as live
// (so a signal removes it). Also removes temporaries of `path` left behind by
// processes that no longer exist (a kill -9 mid-write).
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

// Renames the temporary over resolve_output_path(path), fsyncs the folder and
// forgets the temporary. On failure the temporary is removed and DataError
// names both paths and the errno text.
void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& path);

// ---- the registry of live temporaries ---------------------------------------
// Every temporary a writer holds is listed in a fixed table (64 paths) that a
// signal handler can walk without allocating.

// Adds / removes a path (no-ops when the table is full, the path is listed
// already, or, for removal, not listed). Removing a path from the table does
// not delete the file.
void register_temporary(const std::filesystem::path& path) noexcept;
void forget_temporary(const std::filesystem::path& path) noexcept;

// Deletes (unlink) every listed temporary. Async-signal-safe.
void remove_live_temporaries() noexcept;

// Async-signal-safe: removes the live temporaries, restores the default
// action of `signal_number` and raises it again, so the process ends as the
// signal would have ended it (exit status 128 + n in a shell). For a handler
// of one's own that decides to end the process (e.g. a second SIGINT).
[[noreturn]] void die_of_signal(int signal_number) noexcept;

// Installs, once, handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that call
// die_of_signal. A handler already installed for one of them when this runs
// is kept and chained to instead (it then owns the decision to end the
// process, and should call die_of_signal when it does). A handler installed
// after this replaces it for that signal and takes on the same duty.
void install_temporary_cleanup();

// A registered temporary for one writer: removed (file and entry) on
// destruction unless release()d after a successful commit.
class ScopedTemporary {
 public:
  explicit ScopedTemporary(std::filesystem::path path);
  ~ScopedTemporary();
  ScopedTemporary(const ScopedTemporary&) = delete;
  ScopedTemporary& operator=(const ScopedTemporary&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void release() noexcept;

 private:
  std::filesystem::path path_;
  bool live_ = true;
};

}  // namespace mt
