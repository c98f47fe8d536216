// plugin_open.cpp — ELF sanity check, dlopen, entry and table checks for one
// plugin file (see plugin_open.hpp). Each refusal names what is wrong in the
// file's own terms (segment, byte offsets, machine); the header checks run
// the same over a file or over bytes in memory. No registry logic here.
#include "plugin_open.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

namespace mt::plugin {

namespace fs = std::filesystem;

namespace {

static_assert(sizeof(void*) == 8, "the plugin ABI (and this ELF check) is for 64-bit hosts");

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#elif defined(__riscv)
constexpr uint16_t kHostMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr uint16_t kHostMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr uint16_t kHostMachine = EM_S390;
#elif defined(__loongarch__)
constexpr uint16_t kHostMachine = EM_LOONGARCH;
#elif defined(__sparc__)
constexpr uint16_t kHostMachine = EM_SPARCV9;
#else
#error "add this architecture's ELF e_machine to plugin_open.cpp"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2LSB;
#else
constexpr unsigned char kHostData = ELFDATA2MSB;
#endif

// An fd closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

// Reads exactly `size` bytes at `offset`; false on a short read or error
// (errno is 0 for a short read).
bool read_at(int fd, void* into, std::size_t size, uint64_t offset) {
  auto* out = static_cast<char*>(into);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = 0;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string read_error_text() {
  return errno ? std::string("cannot read: ") + std::strerror(errno)
               : std::string("cannot read: the file shrank while being checked");
}

std::string type_text(uint16_t type) {
  switch (type) {
    case ET_EXEC:
      return "an executable (ET_EXEC)";
    case ET_REL:
      return "a relocatable object file (ET_REL)";
    case ET_CORE:
      return "a core dump (ET_CORE)";
    case ET_NONE:
      return "an ELF file of no type (ET_NONE)";
    default:
      return "an ELF file of type " + std::to_string(type);
  }
}

// a + b * c without wrapping; false when it would exceed 64 bits.
bool end_offset(uint64_t a, uint64_t b, uint64_t c, uint64_t& out) {
  uint64_t product = 0;
  if (__builtin_mul_overflow(b, c, &product) || __builtin_add_overflow(a, product, &out))
    return false;
  return true;
}

std::string truncated(const std::string& what, uint64_t end, uint64_t size) {
  return "truncated: " + what + " ends at byte " + std::to_string(end) + " but the file has " +
         std::to_string(size) + " bytes";
}

// The refusal for a table of `count` entries of `entry` bytes at `offset`
// that does not fit in the file, or nullopt when it does. A table whose end
// is past 2^64 says so (its wrapped end would name a byte inside the file).
std::optional<std::string> table_past_end(const std::string& what, uint64_t offset, uint64_t count,
                                          uint64_t entry, uint64_t size) {
  uint64_t end = 0;
  if (!end_offset(offset, count, entry, end)) {
    return "corrupt ELF header: " + what + " (" + std::to_string(count) +
           (count == 1 ? " entry of " : " entries of ") + std::to_string(entry) +
           " bytes at byte " + std::to_string(offset) +
           ") would end past byte 2^64; the file has " + std::to_string(size) + " bytes";
  }
  if (end > size)
    return truncated(what, end, size);
  return std::nullopt;
}

}  // namespace

std::string machine_name(uint16_t e_machine) {
  switch (e_machine) {
    case EM_X86_64:
      return "x86-64";
    case EM_386:
      return "x86 (i386)";
    case EM_AARCH64:
      return "AArch64";
    case EM_ARM:
      return "ARM (32-bit)";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC64";
    case EM_PPC:
      return "PowerPC";
    case EM_S390:
      return "S/390";
    case EM_MIPS:
      return "MIPS";
    case EM_SPARC:
      return "SPARC";
    case EM_SPARCV9:
      return "SPARC V9";
    case EM_IA_64:
      return "IA-64";
    case EM_LOONGARCH:
      return "LoongArch";
    default:
      return "machine " + std::to_string(e_machine);
  }
}

std::string file_kind_text(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    case S_IFREG:
      return "a regular file";
    default:
      return "not a regular file";
  }
}

namespace {

// The header checks of elf_refusal over any source of bytes: `size` is the
// file's size and `read` fills a buffer from an offset (false on a short read
// or an error; its error_text() then says why). Every read it makes lies
// within `size`.
template <class Reader>
std::optional<std::string> elf_header_refusal(uint64_t size, Reader& read) {
  unsigned char ident[EI_NIDENT] = {};
  const std::size_t ident_have = static_cast<std::size_t>(std::min<uint64_t>(size, EI_NIDENT));
  if (!read(ident, ident_have, 0))
    return read.error_text();
  if (ident_have < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    return std::string("not an ELF file (it does not start with the ELF magic bytes 7f 45 4c 46)");
  if (ident_have < EI_NIDENT) {
    return "truncated: the ELF identification needs " + std::to_string(EI_NIDENT) +
           " bytes but the file has " + std::to_string(size);
  }
  if (ident[EI_CLASS] == ELFCLASS32)
    return std::string("built for a 32-bit host (ELFCLASS32), this host is 64-bit (ELFCLASS64)");
  if (ident[EI_CLASS] != ELFCLASS64)
    return "corrupt ELF identification: unknown class " + std::to_string(ident[EI_CLASS]);
  if (ident[EI_DATA] != kHostData) {
    if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
      return "corrupt ELF identification: unknown data encoding " + std::to_string(ident[EI_DATA]);
    return ident[EI_DATA] == ELFDATA2MSB
               ? std::string(
                     "built for a big-endian host (ELFDATA2MSB), this host is little-endian")
               : std::string(
                     "built for a little-endian host (ELFDATA2LSB), this host is big-endian");
  }
  if (size < sizeof(Elf64_Ehdr))
    return truncated("the ELF header", sizeof(Elf64_Ehdr), size);
  Elf64_Ehdr eh{};
  if (!read(&eh, sizeof eh, 0))
    return read.error_text();
  if (eh.e_machine != kHostMachine) {
    return "built for " + machine_name(eh.e_machine) + " (e_machine " +
           std::to_string(eh.e_machine) + "), this host is " + machine_name(kHostMachine) +
           " (e_machine " + std::to_string(kHostMachine) + ")";
  }
  if (eh.e_type != ET_DYN)
    return "not a shared object: the file is " + type_text(eh.e_type);

  // The section header table, if any (also where PN_XNUM keeps the real count).
  std::optional<Elf64_Shdr> section0;
  if (eh.e_shoff != 0) {
    if (eh.e_shentsize != sizeof(Elf64_Shdr)) {
      return "corrupt ELF header: section header entries of " + std::to_string(eh.e_shentsize) +
             " bytes (expected " + std::to_string(sizeof(Elf64_Shdr)) + ")";
    }
    if (eh.e_shoff + sizeof(Elf64_Shdr) <= size && eh.e_shoff + sizeof(Elf64_Shdr) > eh.e_shoff) {
      Elf64_Shdr s0{};
      if (!read(&s0, sizeof s0, eh.e_shoff))
        return read.error_text();
      section0 = s0;
    }
  }

  uint64_t phnum = eh.e_phnum;
  if (phnum == PN_XNUM) {
    if (!section0)
      return std::string(
          "corrupt ELF header: the program header count is in section 0, "
          "which the file does not have");
    phnum = section0->sh_info;
  }
  if (phnum == 0)
    return std::string("not a loadable shared object: it has no program headers");
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
    return "corrupt ELF header: program header entries of " + std::to_string(eh.e_phentsize) +
           " bytes (expected " + std::to_string(sizeof(Elf64_Phdr)) + ")";
  }
  if (auto refusal =
          table_past_end("the program header table", eh.e_phoff, phnum, sizeof(Elf64_Phdr), size))
    return refusal;
  if (phnum > 65536)
    return "corrupt ELF header: " + std::to_string(phnum) + " program headers";
  std::vector<Elf64_Phdr> phdrs(static_cast<std::size_t>(phnum));
  if (!read(phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr), eh.e_phoff))
    return read.error_text();
  std::size_t loads = 0;
  for (std::size_t i = 0; i < phdrs.size(); ++i) {
    if (phdrs[i].p_type != PT_LOAD)
      continue;
    ++loads;
    uint64_t end = 0;
    if (!end_offset(phdrs[i].p_offset, phdrs[i].p_filesz, 1, end)) {
      return "corrupt ELF program header: segment " + std::to_string(i) +
             " has an offset and size past 2^64";
    }
    if (end > size)
      return truncated("segment " + std::to_string(i), end, size);
  }
  if (loads == 0)
    return std::string("not a loadable shared object: it has no PT_LOAD segment");

  if (eh.e_shoff != 0) {
    uint64_t shnum = eh.e_shnum;
    if (shnum == 0 && section0)
      shnum = section0->sh_size;  // SHN_UNDEF escape for huge counts
    if (auto refusal = table_past_end("the section header table", eh.e_shoff,
                                      std::max<uint64_t>(shnum, 1), sizeof(Elf64_Shdr), size))
      return refusal;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> elf_refusal(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return errno == ENOENT ? std::string("no such file")
                           : std::string("cannot read: ") + std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode))
    return "not a regular file (" + file_kind_text(st.st_mode) + ")";
  Fd fd{::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (fd.fd < 0)
    return std::string("cannot open: ") + std::strerror(errno);
  if (::fstat(fd.fd, &st) != 0)
    return std::string("cannot read: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode))
    return "not a regular file (" + file_kind_text(st.st_mode) + ")";
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  struct FileReader {
    int fd;
    bool operator()(void* into, std::size_t n, uint64_t offset) const {
      return read_at(fd, into, n, offset);
    }
    std::string error_text() const { return read_error_text(); }
  } reader{fd.fd};
  return elf_header_refusal(size, reader);
}

std::optional<std::string> elf_bytes_refusal(std::string_view bytes) {
  struct BytesReader {
    std::string_view bytes;
    bool operator()(void* into, std::size_t n, uint64_t offset) const {
      if (offset > bytes.size() || n > bytes.size() - offset)
        return false;
      if (n > 0)  // (an empty view's data() may be null)
        std::memcpy(into, bytes.data() + offset, n);
      return true;
    }
    std::string error_text() const {
      return "cannot read: a header lies past the end of the bytes";
    }
  } reader{bytes};
  return elf_header_refusal(bytes.size(), reader);
}

std::optional<std::string> table_problem(const mt_backend* table, std::string_view expected_name) {
  if (table == nullptr)
    return std::string("entry point returned NULL");
  if (table->abi_major != MT_ABI_MAJOR) {
    return "ABI major mismatch: plugin speaks " + std::to_string(table->abi_major) + "." +
           std::to_string(table->abi_minor) + ", host speaks " + std::to_string(MT_ABI_MAJOR) +
           "." + std::to_string(MT_ABI_MINOR);
  }
  if (table->struct_size < MT_BACKEND_SIZE_THROUGH(context)) {
    return "table too small: struct_size " + std::to_string(table->struct_size) +
           " bytes is less than the fixed header (" +
           std::to_string(MT_BACKEND_SIZE_THROUGH(context)) + " bytes)";
  }
  const std::string name = table->name ? table->name : "";
  if (name != expected_name) {
    return "plugin calls itself '" + name + "' but its file name says '" +
           std::string(expected_name) + "'";
  }
  if (table->device_kind < MT_DEVICE_CPU || table->device_kind > MT_DEVICE_OTHER)
    return "unknown device kind " + std::to_string(table->device_kind);
  return std::nullopt;
}

OpenedPlugin open_plugin(const fs::path& file, std::string_view expected_name,
                         const std::function<void(const char*)>& stage) {
  if (auto refusal = elf_refusal(file))
    throw OpenFailure(*refusal);
  auto tell = [&](const char* what) {
    if (stage)
      stage(what);
  };
  tell("dlopen");
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  ::dlerror();  // clear any earlier message
  library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // dlerror() has the loader's own words; Boost's error code only ever
    // says "Bad file descriptor", so it is used only when dlerror is empty.
    const char* text = ::dlerror();
    throw OpenFailure(std::string("dlopen failed: ") + (text && *text ? text : ec.message()));
  }
  tell("entry");
  if (!library->has(MT_PLUGIN_ENTRY_SYMBOL))
    throw OpenFailure(std::string("missing entry symbol '") + MT_PLUGIN_ENTRY_SYMBOL + "'");
  const mt_backend* table = nullptr;
  try {
    auto& entry = library->get<const mt_backend*(uint32_t, uint32_t)>(MT_PLUGIN_ENTRY_SYMBOL);
    table = entry(MT_ABI_MAJOR, MT_ABI_MINOR);
  } catch (const std::exception& e) {
    throw OpenFailure(std::string("entry point threw: ") + e.what());
  }
  tell("table");
  if (auto problem = table_problem(table, expected_name))
    throw OpenFailure(*problem);
  return {std::move(library), table};
}

}  // namespace mt::plugin
