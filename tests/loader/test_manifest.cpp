// test_manifest.cpp — the manifest parser over text (numbers reported as
// written, types, required fields), and the ELF check's refusals of crafted
// files, each seen through the registry's record. Not the probe: every file
// here is refused before any child runs.
#include "loader_cases.hpp"

#include <minitorch/plugin/backend.hpp>

#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <elf.h>

#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string parse_error(const std::string& text) {
  try {
    mt::parse_manifest(text, "/plugins/libminitorch_backend_x.json");
  } catch (const mt::DataError& e) {
    return e.what();
  }
  return "(parsed)";
}

// The reason the registry gives for the one candidate file in `dir`.
std::string refusal_of(const fs::path& dir, const mt::test::TempDir& tmp) {
  mt::RegistryOptions o;
  o.cache_dir = tmp / "cache";
  mt::BackendRegistry registry({dir}, o);
  BOOST_REQUIRE(registry.report().size() == 1u);
  BOOST_TEST(registry.probes_started() == 0u);  // refused before any probe
  return registry.report()[0].reason;
}

void write_bytes(const fs::path& file, const void* data, std::size_t size) {
  std::ofstream out(file, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest)

BOOST_AUTO_TEST_CASE(a_valid_manifest_parses) {
  const auto m = mt::parse_manifest(
      R"({"name": "x", "version": "1.2.3", "abi_major": 1, "abi_minor": 0, "device": "cuda",
          "description": "d", "library": "libminitorch_backend_x.so", "extra": [1, {"a": 2}]})",
      "/m.json");
  BOOST_TEST(m.name == "x");
  BOOST_TEST(m.version == "1.2.3");
  BOOST_TEST(m.abi_major == 1u);
  BOOST_TEST(m.abi_minor == 0u);
  BOOST_TEST(m.device == "cuda");
  BOOST_TEST(m.description == "d");
  BOOST_TEST(m.library == "libminitorch_backend_x.so");
  // A whole number written as a float is a whole number.
  BOOST_TEST(mt::parse_manifest(R"({"name": "x", "abi_major": 1.0})", "/m.json").abi_major == 1u);
}

BOOST_AUTO_TEST_CASE(numbers_out_of_range_are_reported_as_written) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "x", "abi_major": 4294967296})",
       "abi_major 4294967296 is out of range (allowed: 0 to 4294967295)"},
      {R"({"name": "x", "abi_major": 1e30})", "abi_major 1e30 is out of range"},
      {R"({"name": "x", "abi_major": 99999999999999999999999})",
       "abi_major 99999999999999999999999 is out of range"},
      {R"({"name": "x", "abi_major": -1})", "abi_major -1 is out of range"},
      {R"({"name": "x", "abi_major": 1, "abi_minor": 1E+10})", "abi_minor 1E+10 is out of range"},
      {R"({"name": "x", "abi_major": 1.5})", "abi_major 1.5 is not a whole number"},
  };
  for (const auto& [text, part] : cases) {
    BOOST_TEST_CONTEXT(text) {
      const std::string error = parse_error(text);
      BOOST_TEST(contains(error, "corrupt manifest /plugins/libminitorch_backend_x.json: "), error);
      BOOST_TEST(contains(error, part), error);
    }
  }
}

// Found by fuzz_manifest's oracle: a fraction or exponent went through a
// double, so 1e-400 (which rounds to 0) was accepted as ABI 0 and
// 1.00000000000000000001 as ABI 1. Numbers are judged on their digits.
BOOST_AUTO_TEST_CASE(numbers_are_judged_as_written_not_as_rounded) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"({"name": "x", "abi_major": 1e-400})", "abi_major 1e-400 is not a whole number"},
      {R"({"name": "x", "abi_major": 1.00000000000000000001})",
       "abi_major 1.00000000000000000001 is not a whole number"},
      {R"({"name": "x", "abi_major": 4294967295.5})",
       "abi_major 4294967295.5 is not a whole number"},
      {R"({"name": "x", "abi_major": 4294967296.0})", "abi_major 4294967296.0 is out of range"},
      {R"({"name": "x", "abi_major": 1, "abi_minor": 1e10})", "abi_minor 1e10 is out of range"},
      {R"({"name": "x", "abi_major": -2.0})", "abi_major -2.0 is out of range"},
      {R"({"name": "x", "abi_major": 1e400})", "number overflow parsing '1e400'"},
  };
  for (const auto& [text, part] : refused) {
    BOOST_TEST_CONTEXT(text) {
      const std::string error = parse_error(text);
      BOOST_TEST(contains(error, "corrupt manifest /plugins/libminitorch_backend_x.json: "), error);
      BOOST_TEST(contains(error, part), error);
    }
  }
  const std::vector<std::pair<std::string, uint32_t>> accepted = {
      {"0.5e1", 5u},
      {"42949672950e-1", 4294967295u},
      {"1.000e0", 1u},
      {"-0.0", 0u},
      {"0e999999999999", 0u},
      {"100e-2", 1u},
      {"4294967295.000", 4294967295u},
  };
  for (const auto& [number, value] : accepted) {
    BOOST_TEST_CONTEXT(number) {
      const auto m = mt::parse_manifest(R"({"name": "x", "abi_major": )" + number + "}", "/m.json");
      BOOST_TEST(m.abi_major == value);
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_types_missing_fields_and_bad_json_are_named) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"abi_major": 1})", "missing field 'name'"},
      {R"({"name": "x"})", "missing field 'abi_major'"},
      {R"({"name": 3, "abi_major": 1})", "field 'name' must be a string, not a number"},
      {R"({"name": "x", "abi_major": "1"})",
       "field 'abi_major' must be a whole number, not a string"},
      {R"({"name": "x", "abi_major": 1, "device": "gpu"})",
       "device 'gpu' is not one of cpu, cuda, other"},
      {R"({"name": "x", "name": "y", "abi_major": 1})", "field 'name' appears more than once"},
      {R"([1, 2])", "not a JSON object (it is an array)"},
      {R"("text")", "not a JSON object (it is a string)"},
      {R"({"name": "x", "abi_major": )", "parse error"},
      {"", "parse error"},
      {std::string("{\"name\": \"x\0\", \"abi_major\": 1}", 30), "parse error"},
  };
  for (const auto& [text, part] : cases) {
    BOOST_TEST_CONTEXT(text) {
      const std::string error = parse_error(text);
      BOOST_TEST(contains(error, part), error);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_manifest_over_64_kib_is_refused_unread) {
  mt::test::TempDir tmp;
  const fs::path file = tmp / "big.json";
  loader_test::write_text(file, "{\"name\": \"x\", \"abi_major\": 1, \"description\": \"" +
                                    std::string(70000, 'a') + "\"}");
  try {
    mt::read_manifest(file);
    BOOST_FAIL("expected a DataError");
  } catch (const mt::DataError& e) {
    BOOST_TEST(contains(e.what(), "bytes; at most 65536 are allowed"), e.what());
  }
  BOOST_TEST(!mt::read_manifest(tmp / "absent.json").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(elf_check)

BOOST_AUTO_TEST_CASE(crafted_files_are_refused_with_their_own_reason) {
  struct Craft {
    std::string what;
    std::string reason;
    std::vector<unsigned char> bytes;
  };
  std::vector<Craft> crafts;
  auto header_bytes = [](const Elf64_Ehdr& h) {
    const auto* p = reinterpret_cast<const unsigned char*>(&h);
    return std::vector<unsigned char>(p, p + sizeof h);
  };
  crafts.push_back({"text", "not an ELF file", {'h', 'e', 'l', 'l', 'o', '\n'}});
  crafts.push_back({"empty", "not an ELF file", {}});
  crafts.push_back(
      {"magic only", "truncated: the ELF identification needs 16 bytes", {0x7f, 'E', 'L', 'F'}});
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_ident[EI_CLASS] = ELFCLASS32;
    crafts.push_back(
        {"32-bit", "built for a 32-bit host (ELFCLASS32), this host is 64-bit", header_bytes(h)});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_ident[EI_DATA] = ELFDATA2MSB;
    crafts.push_back({"big-endian", "built for a big-endian host (ELFDATA2MSB)", header_bytes(h)});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    auto bytes = header_bytes(h);
    bytes.resize(40);
    crafts.push_back({"short header",
                      "truncated: the ELF header ends at byte 64 but the file has 40 bytes",
                      bytes});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_type = ET_EXEC;
    crafts.push_back({"executable", "not a shared object: the file is an executable (ET_EXEC)",
                      header_bytes(h)});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    crafts.push_back({"no program headers", "it has no program headers", header_bytes(h)});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_phoff = 64;
    h.e_phnum = 3;
    crafts.push_back(
        {"program headers past the end",
         "truncated: the program header table ends at byte 232 but the file has 64 bytes",
         header_bytes(h)});
  }
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_machine = EM_RISCV;
    crafts.push_back({"risc-v", "built for RISC-V (e_machine 243), this host is", header_bytes(h)});
  }
  // Found by fuzz_registry_scan: a table whose end wraps past 2^64 was
  // reported as ending at a byte inside the file ("ends at byte 0").
  {
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_phoff = ~uint64_t{0} - 55;
    h.e_phnum = 1;
    crafts.push_back({"program header table wraps",
                      "corrupt ELF header: the program header table (1 entry of 56 bytes at "
                      "byte 18446744073709551560) would end past byte 2^64; the file has 64 bytes",
                      header_bytes(h)});
  }
  {
    // One PT_LOAD covering the file, then a section header table at 2^64 - 32.
    Elf64_Ehdr h = mt::test::elf_header();
    h.e_phoff = sizeof(Elf64_Ehdr);
    h.e_phnum = 1;
    h.e_shoff = ~uint64_t{0} - 31;
    h.e_shentsize = sizeof(Elf64_Shdr);
    h.e_shnum = 2;
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_filesz = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    auto bytes = header_bytes(h);
    const auto* p = reinterpret_cast<const unsigned char*>(&load);
    bytes.insert(bytes.end(), p, p + sizeof load);
    crafts.push_back({"section header table wraps",
                      "corrupt ELF header: the section header table (2 entries of 64 bytes at "
                      "byte 18446744073709551584) would end past byte 2^64; the file has 120 bytes",
                      bytes});
  }
  for (const auto& craft : crafts) {
    BOOST_TEST_CONTEXT(craft.what) {
      mt::test::TempDir tmp;
      fs::create_directories(tmp / "plugins");
      write_bytes(tmp / "plugins" / mt::plugin_file_name("craft"), craft.bytes.data(),
                  craft.bytes.size());
      const std::string reason = refusal_of(tmp / "plugins", tmp);
      BOOST_TEST(contains(reason, craft.reason), reason);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_copy_cut_short_by_one_byte_loses_its_section_headers) {
  mt::test::TempDir tmp;
  fs::create_directories(tmp / "plugins");
  const fs::path real = loader_test::real_plugin("reference");
  const auto size = fs::file_size(real);
  loader_test::copy_truncated(real, tmp / "plugins" / mt::plugin_file_name("cut"), size - 1);
  const std::string reason = refusal_of(tmp / "plugins", tmp);
  BOOST_TEST(
      contains(reason, "truncated: the section header table ends at byte " + std::to_string(size) +
                           " but the file has " + std::to_string(size - 1) + " bytes"),
      reason);
}

BOOST_AUTO_TEST_CASE(a_folder_named_like_a_plugin_is_not_a_regular_file) {
  mt::test::TempDir tmp;
  fs::create_directories(tmp / "plugins" / mt::plugin_file_name("folder"));
  BOOST_TEST(contains(refusal_of(tmp / "plugins", tmp), "not a regular file (a directory)"));
}

BOOST_AUTO_TEST_SUITE_END()
