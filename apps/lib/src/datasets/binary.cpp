// binary.cpp — the file and gzip halves of the binary helpers: whole-file
// reads that refuse what is not a regular file, and an in-memory gzip reader
// on zlib's inflate. No format knowledge here; the readers own their layouts.
#include "binary.hpp"

#include <minitorch/tensor/tensor_data.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <new>

namespace mt::detail {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode))
    return "a folder";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a regular file";
}

[[noreturn]] void refuse(const std::filesystem::path& path, mode_t mode) {
  throw DataError(path.string() + ": is " + kind_of(mode) + ", not a regular file; expected a " +
                  "data file");
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

}  // namespace

void require_regular_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      throw DataError(path.string() + ": file not found");
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    refuse(path, st.st_mode);
}

std::string read_whole_file(const std::filesystem::path& path) {
  require_regular_file(path);
  // O_NONBLOCK: should the path have become a FIFO since the check, open()
  // returns at once and fstat() below refuses it.
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    throw DataError(path.string() + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    refuse(path, st.st_mode);
  std::string out;
  try {
    out.reserve(static_cast<std::size_t>(st.st_size));
  } catch (const std::bad_alloc&) {
    throw_allocation_error(static_cast<uint64_t>(st.st_size), "the contents of " + path.string(),
                           "host memory");
  } catch (const std::length_error&) {
    throw_allocation_error(static_cast<uint64_t>(st.st_size), "the contents of " + path.string(),
                           "host memory");
  }
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw DataError(path.string() + ": read error after " + std::to_string(out.size()) +
                      " bytes: " + std::strerror(errno));
    }
    if (n == 0)
      break;
    try {
      out.append(buffer, static_cast<std::size_t>(n));
    } catch (const std::bad_alloc&) {
      throw_allocation_error(out.size() + static_cast<uint64_t>(n),
                             "the contents of " + path.string(), "host memory");
    }
  }
  return out;
}

// ---- GzipReader -----------------------------------------------------------------

GzipReader::GzipReader(std::string_view compressed, std::string name)
    : input_(compressed), name_(std::move(name)) {
  // 16 + MAX_WBITS: a gzip wrapper (not zlib's, not raw deflate).
  if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK)
    throw AllocationError(name_ + ": zlib could not set up a gzip decoder");
}

GzipReader::~GzipReader() {
  inflateEnd(&stream_);
}

void GzipReader::fail(int code) const {
  const std::string detail = stream_.msg != nullptr ? stream_.msg : zError(code);
  // zlib reports input that ends inside a stream as Z_BUF_ERROR.
  const std::string what = code == Z_BUF_ERROR ? "truncated gzip stream" : "corrupt gzip data";
  throw DataError(name_ + ": " + what + " (" + detail + ") after " + std::to_string(produced_) +
                  " decompressed bytes");
}

std::size_t GzipReader::read(std::string& out, std::size_t max) {
  std::size_t total = 0;
  char buffer[1 << 16];
  while (total < max && !done_) {
    if (stream_.avail_in == 0 && !input_.empty()) {
      const auto chunk = std::min<std::size_t>(input_.size(), UINT_MAX);
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input_.data()));
      stream_.avail_in = static_cast<uInt>(chunk);
      input_.remove_prefix(chunk);
    }
    const std::size_t want = std::min(sizeof buffer, max - total);
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = static_cast<uInt>(want);
    const int code = inflate(&stream_, Z_NO_FLUSH);
    const std::size_t got = want - stream_.avail_out;
    out.append(buffer, got);
    total += got;
    produced_ += got;
    if (code == Z_STREAM_END) {
      // Another member may follow; anything else after the stream is refused.
      const std::size_t left = stream_.avail_in + input_.size();
      if (left == 0) {
        done_ = true;
      } else {
        const auto* next = reinterpret_cast<const char*>(stream_.next_in);
        const std::string_view rest =
            stream_.avail_in > 0 ? std::string_view(next, stream_.avail_in) : input_;
        // (A lone 0x1f may be a member cut short: inflate then says truncated.)
        const bool member = has_gzip_magic(rest) ||
                            (rest.size() == 1 && static_cast<unsigned char>(rest[0]) == 0x1f);
        if (!member) {
          throw DataError(name_ + ": " + std::to_string(left) +
                          " bytes after the end of the gzip stream are not a gzip member");
        }
        inflateReset(&stream_);
      }
      continue;
    }
    if (code == Z_BUF_ERROR && got == 0 && stream_.avail_in == 0 && input_.empty())
      fail(Z_BUF_ERROR);  // the input ended inside the stream
    if (code != Z_OK && code != Z_BUF_ERROR)
      fail(code);
  }
  return total;
}

uint64_t GzipReader::skip_rest() {
  uint64_t skipped = 0;
  std::string scratch;
  while (true) {
    scratch.clear();
    const std::size_t n = read(scratch, 1 << 16);
    if (n == 0)
      return skipped;
    skipped += n;
  }
}

}  // namespace mt::detail
