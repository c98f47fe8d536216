// output.cpp — the command-line side of writing files: up-front checks of every
// output path, "-" as the (reserved) standard output. The writing itself is
// core's write_file_atomically; nothing here knows what the bytes are.
#include <minitorch/apps/output.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace mt {

namespace fs = std::filesystem;

namespace {

int g_data_fd = -1;  // the original standard output once reserved

// The same file for two options, also through symlinks and "./" spellings.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  const fs::path ra = fs::weakly_canonical(fs::absolute(resolve_output_path(a)), ec);
  if (ec)
    return a == b;
  const fs::path rb = fs::weakly_canonical(fs::absolute(resolve_output_path(b)), ec);
  return ec ? a == b : ra == rb;
}

}  // namespace

void reserve_stdout_for_data() {
  if (g_data_fd >= 0)
    return;
  std::cout.flush();
  std::fflush(stdout);
  g_data_fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (g_data_fd < 0)
    throw DataError(std::string("cannot reserve standard output for data: ") +
                    std::strerror(errno));
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    throw DataError(std::string("cannot send messages to standard error: ") + std::strerror(errno));
}

void prepare_outputs(const std::vector<OutputFile>& outputs) {
  bool to_stdout = false;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const OutputFile& o = outputs[i];
    if (o.path.empty())
      continue;
    if (o.path == "-") {
      if (!o.stdout_allowed)
        throw ArgumentError(o.option +
                            " -: this file cannot go to standard output (it is written to a "
                            "temporary file and renamed into place); give a file path");
      if (to_stdout)
        throw ArgumentError(o.option + " -: standard output is already taken by another output");
      to_stdout = true;
      continue;
    }
    const std::string problem = output_path_problem(o.path);
    if (!problem.empty())
      throw ArgumentError(o.option + " " + o.path + ": cannot write there: " + problem +
                          "; give the path of a regular file in a writable folder" +
                          (o.stdout_allowed ? " (or - for standard output)" : ""));
    for (std::size_t j = 0; j < i; ++j)
      if (!outputs[j].path.empty() && outputs[j].path != "-" && same_file(outputs[j].path, o.path))
        throw ArgumentError(outputs[j].option + " and " + o.option + " name the same file (" +
                            o.path + "); give each its own");
  }
  install_temporary_cleanup();
  if (to_stdout)
    reserve_stdout_for_data();
}

void write_output(const std::string& path, std::string_view content) {
  if (path != "-") {
    write_file_atomically(path, content);
    return;
  }
  const int fd = g_data_fd >= 0 ? g_data_fd : STDOUT_FILENO;
  std::cout.flush();
  std::fflush(stdout);
  if (const int error = write_all(fd, content); error != 0)
    throw DataError(std::string("cannot write to standard output: ") + std::strerror(error));
}

}  // namespace mt
