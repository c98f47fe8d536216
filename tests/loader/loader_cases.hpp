// loader_cases.hpp — the hostile plugin files of issue 10, each built alone
// in a folder of its own (a truncated copy of a real plugin, a foreign ELF,
// a plugin that crashes / hangs / exits, broken manifests), shared by the
// in-process tests and the CLI tests. Not a test itself: it asserts nothing.
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <elf.h>
#include <sys/stat.h>
#include <elf_header.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace loader_test {

namespace fs = std::filesystem;

struct HostileCase {
  std::string id;      // also the backend name its file carries
  std::string reason;  // a part the failed record's reason must contain
  bool probed;         // reaches a probe child (else refused before any)
};

// `timeout_text` is how the probe limit prints, e.g. "1 s".
inline std::vector<HostileCase> hostile_cases(const std::string& timeout_text) {
  return {
      {"truncated", "truncated: segment ", false},
      {"foreign", "built for AArch64 (e_machine 183), this host is", false},
      {"crash_entry", "crashed with SIGSEGV in its entry point mt_plugin_entry", true},
      {"hang_usable", "timed out after " + timeout_text + " in is_usable", true},
      {"exit_at_load", "exited with status 3 while being loaded, in its static constructors", true},
      {"manifest_dir", "libminitorch_backend_manifest_dir.json is a directory, not a regular file",
       false},
      {"manifest_fifo", "libminitorch_backend_manifest_fifo.json is a FIFO, not a regular file",
       false},
      {"manifest_range", "abi_major 4294967296 is out of range (allowed: 0 to 4294967295)", false},
  };
}

inline void copy_truncated(const fs::path& from, const fs::path& to, std::uintmax_t keep) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::resize_file(to, keep);
}

inline void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + file.string());
}

// A 64-byte ELF header and nothing else: an AArch64 shared object by its header.
inline void write_foreign_elf(const fs::path& file, uint16_t machine = EM_AARCH64) {
  const Elf64_Ehdr h = mt::test::elf_header(machine);
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&h), sizeof h);
}

inline fs::path real_plugin(const std::string& name) {
  return fs::path(MT_TEST_REAL_PLUGIN_DIR) / mt::plugin_file_name(name);
}

// The file case `id` puts in `dir` (created): exactly one candidate plugin.
inline fs::path make_case(const std::string& id, const fs::path& dir) {
  fs::create_directories(dir);
  const fs::path plugin = dir / mt::plugin_file_name(id);
  fs::path manifest = plugin;
  manifest.replace_extension(".json");
  const fs::path dummy = fs::path(MT_TEST_FAKE_PLUGIN_DIR) / mt::plugin_file_name("dummy");
  if (id == "truncated") {
    copy_truncated(real_plugin("reference"), plugin, fs::file_size(real_plugin("reference")) / 2);
  } else if (id == "foreign") {
    write_foreign_elf(plugin);
  } else if (id == "crash_entry" || id == "hang_usable" || id == "exit_at_load" ||
             id == "contradicts") {
    fs::copy_file(fs::path(MT_TEST_HOSTILE_PLUGIN_DIR) / id / mt::plugin_file_name(id), plugin);
    if (id == "contradicts") {
      fs::copy_file(fs::path(MT_TEST_HOSTILE_PLUGIN_DIR) / id / manifest.filename(), manifest);
    }
  } else if (id == "manifest_dir") {
    fs::copy_file(dummy, plugin);
    fs::create_directory(manifest);
  } else if (id == "manifest_fifo") {
    fs::copy_file(dummy, plugin);
    if (::mkfifo(manifest.c_str(), 0644) != 0)
      throw std::runtime_error("mkfifo " + manifest.string() + ": " + std::strerror(errno));
  } else if (id == "manifest_range") {
    fs::copy_file(dummy, plugin);
    write_text(manifest, "{\"name\": \"manifest_range\", \"abi_major\": 4294967296}\n");
  } else {
    throw std::runtime_error("no hostile case '" + id + "'");
  }
  return plugin;
}

}  // namespace loader_test
