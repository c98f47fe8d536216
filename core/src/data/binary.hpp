// binary.hpp (core-internal) — little-endian byte packing with bounds-checked
// reads and a CRC-32 (zlib's), shared by the embedding cache and checkpoints.
// Not a serialisation framework: callers lay out their own records.
#pragma once

#include <minitorch/errors.hpp>

#include <zlib.h>

#include <algorithm>
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
  void text(std::string_view s) {
    number<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

// Reads from a buffer; every overrun is a DataError naming the file and what
// was being read, so a truncated or corrupt file never reads past its end.
class ByteReader {
 public:
  ByteReader(std::string_view data, std::filesystem::path file)
      : data_(data), file_(std::move(file)) {}

  std::string_view take(std::size_t size, const char* what) {
    if (size > data_.size() - pos_) {
      throw DataError(file_.string() + ": truncated while reading " + what + " at byte " +
                      std::to_string(pos_) + ": expected " + std::to_string(size) +
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
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  std::filesystem::path file_;
  std::size_t pos_ = 0;
};

// The whole file as bytes; DataError naming the file when it is missing or unreadable.
std::string read_whole_file(const std::filesystem::path& path);

}  // namespace mt::detail
