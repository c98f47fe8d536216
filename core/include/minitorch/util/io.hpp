// minitorch/util/io.hpp — small file helpers shared by metrics, plots and
// checkpoints. Writes are atomic: a crash never leaves half a file.
#pragma once

#include <filesystem>
#include <string_view>

namespace mt {

// Writes `content` to `path` through a temporary file in the same folder,
// flushed and renamed over the target. Throws DataError naming the path on
// any failure; the target is then untouched.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Renames an already written temporary file over `path` (for writers, such as
// plotting tools, that produce their own file). Throws DataError on failure.
void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& path);

// A temporary name beside `path` for a writer that is about to produce it.
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

}  // namespace mt
