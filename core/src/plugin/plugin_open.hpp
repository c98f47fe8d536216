// plugin_open.hpp — the steps that turn a plugin file into a checked table:
// the ELF sanity check, dlopen with a clean error text, the entry call and
// the table checks. Shared by libminitorch (the in-process load) and the
// probe program (the load in a child), so both refuse the same files with the
// same words. Not the registry: no search path, no report, no cache.
#pragma once

#include <minitorch/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boost::dll {
class shared_library;
}

namespace mt::plugin {

// Why `file` cannot be a plugin for this host, or nullopt when its ELF
// headers say it can be mapped: a regular readable file, ELF magic, this
// host's class, byte order and machine, a shared object, and a size that
// covers the program header table (of at most 65536 entries), every PT_LOAD
// segment and the section header table. Reads only the headers; never blocks (O_NONBLOCK).
std::optional<std::string> elf_refusal(const std::filesystem::path& file);

// The same header checks over a whole file's bytes in memory: what
// elf_refusal says of a regular file holding exactly `bytes` (the fuzz
// target checks the two agree). No file access.
std::optional<std::string> elf_bytes_refusal(std::string_view bytes);

// "x86-64", "AArch64", ... or "machine <n>".
std::string machine_name(uint16_t e_machine);

// What stat says a non-regular file is: "a directory", "a FIFO", ...
std::string file_kind_text(unsigned mode);

// Thrown by open_plugin with the reason alone (the caller names the file).
class OpenFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OpenedPlugin {
  std::shared_ptr<boost::dll::shared_library> library;  // keeps the .so mapped
  const mt_backend* table = nullptr;
};

// The problem with a table the entry returned, or nullopt: ABI major,
// struct_size, name (must equal `expected_name`), device kind.
std::optional<std::string> table_problem(const mt_backend* table, std::string_view expected_name);

// ELF check, dlopen (immediate binding, local symbols), entry lookup, entry
// call with this host's ABI version, table checks. `stage` (if set) is told
// "dlopen", "entry" and "table" before each step, so a probe can say where a
// plugin crashed. Throws OpenFailure with the reason.
OpenedPlugin open_plugin(const std::filesystem::path& file, std::string_view expected_name,
                         const std::function<void(const char*)>& stage = {});

}  // namespace mt::plugin
