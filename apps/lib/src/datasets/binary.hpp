// binary.hpp (core-internal) — what every reader of untrusted files shares:
// whole-file reads that refuse folders and FIFOs, little-endian packing with
// bounds-checked reads, counts checked against the bytes that remain, an
// in-memory gzip reader and a CRC-32 (zlib's). Not a serialisation framework:
// callers lay out their own records.
#pragma once

#include <minitorch/errors.hpp>

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mt::detail {

inline uint32_t crc32_of(const void* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  // zlib takes uInt lengths; feed large buffers in pieces.
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

class ByteWriter {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    out_.append(p, size);
  }
  template <class T>
  void number(T value) {
    static_assert(std::is_arithmetic_v<T>);
    // Little-endian on disk; every platform MiniTorch targets is little-endian.
    bytes(&value, sizeof value);
  }
  // A u32 length, then the bytes. ArgumentError for text over 4 GiB, which
  // the length cannot say.
  void text(std::string_view s) {
    if (s.size() > UINT32_MAX)
      throw ArgumentError("cannot store a text of " + std::to_string(s.size()) +
                          " bytes: at most 4294967295 fit its length field");
    number<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

// Reads from a buffer; every overrun is a DataError naming the file, the byte
// offset and what was being read, so a truncated or corrupt file never reads
// past its end, and no count is trusted before the bytes it needs are there.
class ByteReader {
 public:
  // `name` is the file as messages show it ("run.ckpt (checkpoint)");
  // `base` is where `data` starts in the file, so offsets are the file's.
  ByteReader(std::string_view data, std::string name, std::size_t base = 0)
      : data_(data), name_(std::move(name)), base_(base) {}

  std::string_view take(std::size_t size, const char* what) {
    if (size > data_.size() - pos_) {
      throw DataError(name_ + ": truncated while reading " + what + " at byte " +
                      std::to_string(base_ + pos_) + ": expected " + std::to_string(size) +
                      " more bytes, got " + std::to_string(data_.size() - pos_));
    }
    std::string_view out = data_.substr(pos_, size);
    pos_ += size;
    return out;
  }
  template <class T>
  T number(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof value, what).data(), sizeof value);
    return value;
  }
  std::string text(const char* what) {
    const auto size = number<uint32_t>(what);
    return std::string(take(size, what));
  }
  // A little-endian count of type T (uint32_t or uint64_t) of records that
  // take at least `min_record_bytes` each (at least 1). DataError naming the
  // field, its offset, the count and the bytes that remain when they cannot
  // hold that many records.
  template <class T>
  uint64_t count(const char* what, std::size_t min_record_bytes) {
    const std::size_t at = base_ + pos_;
    const uint64_t n = number<T>(what);
    const uint64_t per = std::max<std::size_t>(min_record_bytes, 1);
    if (n > remaining() / per) {
      throw DataError(name_ + ": " + what + " at byte " + std::to_string(at) + " is " +
                      std::to_string(n) + ", but " + std::to_string(n) + " records of at least " +
                      std::to_string(per) + " bytes need more than the " +
                      std::to_string(remaining()) + " bytes that remain");
    }
    return n;
  }
  std::size_t position() const { return base_ + pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  const std::string& name() const { return name_; }

 private:
  std::string_view data_;
  std::string name_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

// DataError naming `path` unless it exists and is a regular file (a folder,
// FIFO, socket or device is refused: reading one fails late or blocks).
void require_regular_file(const std::filesystem::path& path);

// The whole file as bytes: DataError naming the file when it is missing, not
// a regular file or unreadable; AllocationError naming it when it does not
// fit in memory.
std::string read_whole_file(const std::filesystem::path& path);

// True when `data` starts with the gzip magic (1f 8b).
inline bool has_gzip_magic(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

// Decompresses a gzip stream held in memory, a piece at a time, so a reader
// can check a header before it decompresses (and allocates for) the rest.
// Several gzip members in a row read as one stream. A truncated or corrupt
// stream, or bytes after the last member that are not a gzip member, is a
// DataError naming `name` and the decompressed offset.
class GzipReader {
 public:
  GzipReader(std::string_view compressed, std::string name);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Appends up to `max` decompressed bytes to `out` and returns how many; 0
  // only at the end of the stream (or when max is 0).
  std::size_t read(std::string& out, std::size_t max);
  // Decompresses and discards the rest; returns how many bytes it held.
  uint64_t skip_rest();
  // Decompressed bytes produced so far.
  uint64_t produced() const { return produced_; }

 private:
  [[noreturn]] void fail(int code) const;

  z_stream stream_{};
  std::string_view input_;
  std::string name_;
  uint64_t produced_ = 0;
  bool done_ = false;
};

}  // namespace mt::detail
