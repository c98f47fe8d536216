// binary.cpp — read_whole_file for the binary helpers. Reads with stdio so a
// missing or unreadable file becomes a DataError that names it.
#include "binary.hpp"

#include <cerrno>
#include <cstdio>

namespace mt::detail {

std::string read_whole_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw DataError(path.string() + ": file not found");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  std::string out;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    out.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed)
    throw DataError(path.string() + ": read error");
  return out;
}

}  // namespace mt::detail
