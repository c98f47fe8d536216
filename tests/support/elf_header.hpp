// elf_header.hpp — a hand-made 64-bit little-endian ELF shared-object header,
// for the tests and seed corpora of the loader's pre-dlopen ELF check. It is
// a header only: no sections, no code; callers add program headers and spoil
// fields to make each case.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>

namespace mt::test {

// The e_machine of the host the tests run on (what the ELF check accepts).
inline constexpr uint16_t kHostElfMachine =
#if defined(__x86_64__)
    EM_X86_64;
#elif defined(__aarch64__)
    EM_AARCH64;
#else
    EM_NONE;
#endif

// An ET_DYN header for `machine` announcing `phnum` program headers that
// start right after it (e_phoff = 64), or none (e_phoff = 0).
inline Elf64_Ehdr elf_header(uint16_t machine = kHostElfMachine, uint16_t phnum = 0) {
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_type = ET_DYN;
  h.e_machine = machine;
  h.e_version = EV_CURRENT;
  h.e_ehsize = sizeof(Elf64_Ehdr);
  h.e_phentsize = sizeof(Elf64_Phdr);
  h.e_phoff = phnum > 0 ? sizeof(Elf64_Ehdr) : 0;
  h.e_phnum = phnum;
  return h;
}

}  // namespace mt::test
