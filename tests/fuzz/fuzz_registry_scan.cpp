// fuzz_registry_scan.cpp — libFuzzer target for what the plugin registry does
// with a folder before any probe: the search-path notes, the file-name
// convention, the manifest file and the pre-dlopen ELF check. The input is
// "flags, name NUL manifest NUL file bytes" (see below). Per input it checks
// the ELF check over the bytes against an independent reading of the headers
// (an accepted file really has every PT_LOAD segment, the program and section
// header tables inside it), that the file-level check says exactly what the
// bytes-level one says, and that a registry scan of a temp folder holding the
// two files reports what those pieces decide. The probe program is never run:
// the registry is given none, so a candidate that passes every check ends as
// "could not be probed" without a child process. Not the probe, the cache or
// dlopen.
#include <minitorch/plugin_abi.h>
#include <minitorch/plugin/backend.hpp>

#include "fuzz_support.hpp"
#include "plugin_open.hpp"

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace fs = std::filesystem;

namespace {

// Input layout: byte 0 holds flags; the rest is split at its first two NULs
// into the backend name, the manifest text and the plugin file's bytes.
constexpr uint8_t kWriteManifest = 1;     // else there is no manifest file
constexpr uint8_t kManifestIsFolder = 2;  // the manifest path is a folder instead
constexpr uint8_t kNameFromInput = 4;     // else the backend is called "fuzz"

// One folder per process for the scanned files, removed at exit.
struct ScratchFolder {
  fs::path root;
  ScratchFolder() {
    root = fs::temp_directory_path() / ("mt-fuzz-registry-" + std::to_string(::getpid()));
    fs::remove_all(root);
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

void write_file(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz_registry_scan: cannot write %s\n", file.c_str());
    std::abort();
  }
}

template <class T>
T read_struct(std::string_view bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

// [offset, offset + count * entry) lies inside a file of `size` bytes;
// written as comparisons against what remains, so nothing can wrap.
bool inside(uint64_t offset, uint64_t count, uint64_t entry, uint64_t size) {
  return offset <= size && count <= (size - offset) / entry;
}

// The headers of an ELF file that the check accepts must say: a 64-bit
// shared object for this machine and byte order, whose program header table,
// PT_LOAD segments and section header table all lie inside the file (and
// there are at most 65536 program headers, the check's own cap). Read here
// on its own, from the ELF specification.
bool headers_fit(std::string_view bytes) {
  const uint64_t size = bytes.size();
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
    return false;
  const auto eh = read_struct<Elf64_Ehdr>(bytes, 0);
#if defined(__x86_64__)
  constexpr uint16_t host = EM_X86_64;
#elif defined(__aarch64__)
  constexpr uint16_t host = EM_AARCH64;
#else
#error "add this architecture's e_machine (plugin_open.cpp has the list)"
#endif
  const unsigned char host_data =
      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != host_data ||
      eh.e_machine != host || eh.e_type != ET_DYN)
    return false;
  // Section 0, when the section header table starts inside the file.
  std::optional<Elf64_Shdr> section0;
  if (eh.e_shoff != 0) {
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
      return false;
    if (inside(eh.e_shoff, 1, sizeof(Elf64_Shdr), size))
      section0 = read_struct<Elf64_Shdr>(bytes, eh.e_shoff);
  }
  uint64_t phnum = eh.e_phnum;
  if (eh.e_phnum == PN_XNUM) {
    if (!section0)
      return false;
    phnum = section0->sh_info;
  }
  if (phnum == 0 || phnum > 65536 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(eh.e_phoff, phnum, sizeof(Elf64_Phdr), size))
    return false;
  bool any_load = false;
  for (uint64_t i = 0; i < phnum; ++i) {
    const auto ph = read_struct<Elf64_Phdr>(bytes, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_LOAD)
      continue;
    any_load = true;
    if (!inside(ph.p_offset, ph.p_filesz, 1, size))
      return false;
  }
  if (!any_load)
    return false;
  if (eh.e_shoff != 0) {
    uint64_t shnum = eh.e_shnum;
    if (shnum == 0 && section0)
      shnum = section0->sh_size;
    if (!inside(eh.e_shoff, shnum == 0 ? 1 : shnum, sizeof(Elf64_Shdr), size))
      return false;
  }
  return true;
}

// "truncated: X ends at byte E but the file has S bytes" must mean E > S.
void check_truncation_text(const std::string& refusal) {
  const std::string at = " ends at byte ", has = " but the file has ";
  if (refusal.rfind("truncated: ", 0) != 0)
    return;
  const std::size_t a = refusal.find(at), h = refusal.find(has);
  if (a == std::string::npos || h == std::string::npos)
    return;  // the identification's wording ("needs 16 bytes") has no offset
  const uint64_t end = std::stoull(refusal.substr(a + at.size()));
  const uint64_t size = std::stoull(refusal.substr(h + has.size()));
  if (end <= size)
    mt::fuzz::invariant_failed("a 'truncated' refusal names an end inside the file");
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static ScratchFolder scratch;
  if (size == 0)
    return 0;
  const uint8_t flags = data[0];
  std::string_view rest = mt::fuzz::as_text(data + 1, size - 1);
  auto next_part = [&rest] {
    const std::size_t nul = rest.find('\0');
    const std::string_view part = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    return part;
  };
  std::string name(next_part());
  const std::string manifest_text(next_part());
  const std::string_view file_bytes = rest;
  if (!(flags & kNameFromInput))
    name = "fuzz";
  for (char& c : name)
    if (c == '/')
      c = '_';
  if (name.size() > 200)
    name.resize(200);

  // The check over bytes, against the headers read here.
  const std::optional<std::string> refusal = mt::plugin::elf_bytes_refusal(file_bytes);
  if (!refusal && !headers_fit(file_bytes))
    mt::fuzz::invariant_failed("the ELF check accepted a file whose headers do not fit in it");
  if (refusal && headers_fit(file_bytes))
    mt::fuzz::invariant_failed("the ELF check refused a file whose headers fit (" + *refusal + ")");
  if (refusal) {
    if (refusal->empty())
      mt::fuzz::invariant_failed("the ELF check refused a file without a reason");
    check_truncation_text(*refusal);
  }

  // The same bytes as a file, in a folder the registry scans.
  fs::remove_all(scratch.root);
  const fs::path dir = scratch.root / "plugins";
  fs::create_directories(dir);
  const fs::path plugin = dir / ("libminitorch_backend_" + name + ".so");
  write_file(plugin, file_bytes);
  if (mt::plugin::elf_refusal(plugin) != refusal)
    mt::fuzz::invariant_failed("the file-level ELF check disagrees with the bytes-level one");
  fs::path manifest_path = plugin;
  manifest_path.replace_extension(".json");
  if (flags & kManifestIsFolder)
    fs::create_directories(manifest_path);
  else if (flags & kWriteManifest)
    write_file(manifest_path, manifest_text);

  mt::RegistryOptions options;
  options.cache_dir = fs::path();      // no verdict cache
  options.probe_program = fs::path();  // no probe program: no child is ever started
  options.probe_timeout_seconds = 1.0;
  const fs::path absent = scratch.root / "absent";
  const mt::BackendRegistry registry({dir, absent, plugin}, options);

  // Search-path notes: the missing folder and the file given as a folder.
  const auto& notes = registry.notes();
  if (notes.size() != 2 || notes[0].path != absent || notes[0].text != "no such folder" ||
      notes[1].path != plugin || !contains(notes[1].text, "not a folder (it is a regular file)"))
    mt::fuzz::invariant_failed("the search-path notes are not the two expected ones");

  const auto& report = registry.report();
  const std::optional<std::string> parsed_name = mt::backend_name_from_file(plugin);
  if (!parsed_name) {
    if (!report.empty())
      mt::fuzz::invariant_failed("a file outside the naming convention became a candidate");
    return 0;
  }
  if (*parsed_name != name)
    mt::fuzz::invariant_failed("the backend name read from the file name is not the one written");
  if (report.size() != 1 || report[0].path != plugin || report[0].name != name)
    mt::fuzz::invariant_failed("the one plugin file is not the one candidate");
  const mt::LoadRecord& record = report[0];
  static const bool verbose = std::getenv("MT_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%s: %s\n", mt::outcome_name(record.outcome), record.reason.c_str());
  if (record.outcome != mt::LoadRecord::Outcome::failed)
    mt::fuzz::invariant_failed("a candidate that was never probed is not 'failed'");
  // What the pieces decide, in the registry's order: manifest, then ELF.
  std::string expected;
  bool manifest_read = false;
  if (flags & kManifestIsFolder) {
    expected = "manifest " + manifest_path.string() + " is a directory, not a regular file";
  } else if (flags & kWriteManifest) {
    if (manifest_text.size() > 64 * 1024) {
      expected = "manifest " + manifest_path.string() + " is " +
                 std::to_string(manifest_text.size()) + " bytes; at most 65536 are allowed";
    } else {
      try {
        const mt::PluginManifest m = mt::parse_manifest(manifest_text, manifest_path);
        manifest_read = true;
        if (m.name != name) {
          expected = "manifest " + manifest_path.string() + " names backend '" + m.name +
                     "' but the file is for '" + name + "'";
        } else if (m.abi_major != MT_ABI_MAJOR) {
          expected = "manifest " + manifest_path.string() + " declares ABI " +
                     std::to_string(m.abi_major) + "." + std::to_string(m.abi_minor) +
                     "; this host speaks ABI " + std::to_string(MT_ABI_MAJOR) + "." +
                     std::to_string(MT_ABI_MINOR);
        }
      } catch (const mt::DataError& e) {
        expected = e.what();
      }
    }
  }
  if (record.manifest.has_value() != manifest_read)
    mt::fuzz::invariant_failed("the record's manifest is not the one the file holds");
  if (expected.empty() && refusal)
    expected = *refusal;
  if (expected.empty()) {
    if (!starts_with(record.reason, "could not be probed: "))
      mt::fuzz::invariant_failed("a file that passes every check was not left for the probe");
  } else if (record.reason != expected) {
    mt::fuzz::invariant_failed("the record's reason is not what the manifest and ELF check say");
  }
  return 0;
}
