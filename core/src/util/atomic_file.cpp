// atomic_file.cpp — write-to-temporary-then-rename, so metrics, plots and
// checkpoints are either the old file or the complete new one.
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace mt {

namespace fs = std::filesystem;

fs::path temporary_path_for(const fs::path& path) {
  static std::random_device entropy;
  const auto tag = std::to_string(::getpid()) + "." + std::to_string(entropy() % 1000000);
  fs::path tmp = path;
  tmp += ".tmp." + tag;
  return tmp;
}

void commit_file(const fs::path& temporary, const fs::path& path) {
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    throw DataError("cannot write " + path.string() + ": rename failed: " + ec.message());
  }
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path tmp = temporary_path_for(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    throw DataError("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw DataError("cannot write " + path.string() + ": " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw DataError("cannot write " + path.string() + ": " + reason);
  }
  commit_file(tmp, path);
}

}  // namespace mt
