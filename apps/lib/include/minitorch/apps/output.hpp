// minitorch/apps/output.hpp — the files a command writes (--metrics, --save,
// --plot), checked before any work starts, and "-" as standard output for a
// data stream. The atomic write itself, the symlink rule and the signal-safe
// temporary cleanup are core's (minitorch/util/io.hpp); this adds only the
// command-line conventions.
//
// How a command uses it:
//   prepare_outputs({{"--metrics", o.metrics, true}, {"--save", o.save, false}});
//   ... long work ...                        // SIGINT/SIGTERM remove live temporaries
//   write_output(o.metrics, json_text);      // "-" -> the reserved standard output
// A command that handles SIGINT itself (save at the next batch) installs its
// own handler after prepare_outputs() and calls mt::die_of_signal(sig) when it
// decides to end the process.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mt {

struct OutputFile {
  std::string option;           // "--metrics", named in messages
  std::string path;             // "" = not written
  bool stdout_allowed = false;  // "-" means standard output (else refused)
};

// Before the work starts: every non-empty path must be writable as a regular
// file (through symlinks; a directory, FIFO, socket or device is refused), no
// two options may name the same file, and "-" is accepted only where allowed.
// Throws ArgumentError naming the option, the path and what it is.
// Then installs core's signal cleanup (install_temporary_cleanup), and when
// an output is "-", reserves standard output for it (reserve_stdout_for_data).
void prepare_outputs(const std::vector<OutputFile>& outputs);

// Keeps the process's standard output for data: the original stdout is kept
// aside for write_output("-"), and fd 1 (printf, std::cout) goes to standard
// error from here on, so `--metrics - | jq` receives JSON only. Idempotent.
void reserve_stdout_for_data();

// Writes `content` to `path` atomically (core's write_file_atomically), or
// to the reserved standard output when `path` is "-". DataError on failure,
// with the errno text.
void write_output(const std::string& path, std::string_view content);

}  // namespace mt
