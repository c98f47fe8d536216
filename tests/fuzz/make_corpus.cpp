// make_corpus.cpp — writes the seed corpora of the fuzz targets: for each
// parser a few tiny valid files (made with MiniTorch's own writers) and
// near-misses (a count that overflows, a size the bytes cannot hold, a value
// outside float32, a cut-off stream). Run once and commit the output:
//   fuzz_make_corpus tests/fuzz/corpus
// Not a test: the replays (and tests/limits) check what the parsers say.
#include <minitorch/plugin_abi.h>
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/text.hpp>

#include <elf.h>
#include <zlib.h>
#include <elf_header.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;

namespace {

fs::path g_root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + (dir / name).string());
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class T>
std::string le(T value) {
  std::string out(sizeof value, '\0');
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string idx_header(uint8_t code, const std::vector<uint32_t>& dims) {
  std::string out{'\0', '\0', static_cast<char>(code), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    out += be32(d);
  return out;
}

std::string gzip(const std::string& raw) {
  const fs::path tmp = g_root / ".gzip-scratch";
  gzFile gz = gzopen(tmp.c_str(), "wb");
  gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(gz);
  std::string out = read(tmp);
  fs::remove(tmp);
  return out;
}

void idx_corpus() {
  std::string pixels;
  for (int i = 0; i < 24; ++i)
    pixels += static_cast<char>(i * 10);
  const std::string valid = idx_header(0x08, {2, 3, 4}) + pixels;
  write("idx", "valid-u8-2x3x4", valid);
  write("idx", "valid-u8-2x3x4.gz", gzip(valid));
  write("idx", "valid-i32-3", idx_header(0x0C, {3}) + std::string(12, '\x01'));
  write("idx", "valid-f64-1x2", idx_header(0x0E, {1, 2}) + std::string(16, '\0'));
  write("idx", "labels-u8-5", idx_header(0x08, {5}) + std::string("\x00\x01\x02\x03\x09", 5));
  write("idx", "near-payload-one-short", valid.substr(0, valid.size() - 1));
  write("idx", "near-one-trailing-byte", valid + "x");
  write("idx", "near-header-cut", valid.substr(0, 9));
  write("idx", "near-bad-magic", "\x01\x00" + valid.substr(2));
  write("idx", "near-unknown-type", idx_header(0x07, {2}) + "ab");
  write("idx", "near-zero-dims", std::string("\0\0\x08\0", 4));
  // 65536^3 elements: far past 2^40, with no payload at all.
  write("idx", "near-huge-dims", idx_header(0x08, {65536, 65536, 65536}));
  // (2^32-1)^3 wraps a 64-bit product; 0 x 2^31 x 2^31 has no elements.
  write("idx", "near-dims-wrap", idx_header(0x0E, {0xffffffffu, 0xffffffffu, 0xffffffffu}));
  write("idx", "near-zero-count-huge-rows", idx_header(0x08, {0, 0x80000000u, 0x80000000u}));
  write("idx", "near-zero-rows", idx_header(0x08, {3, 0, 4}));
  // Found by fuzz_idx: 128 x 2^31 x 2^31 wrapped the header's uint64 count
  // to 0, so the reader took it for an empty array.
  write("idx", "crash-dims-wrap-to-zero", idx_header(0x08, {128, 0x80000000u, 0x80000000u}));
  const std::string gz = gzip(valid);
  write("idx", "near-gzip-cut.gz", gz.substr(0, gz.size() / 2));
  write("idx", "near-gzip-trailing-garbage.gz", gz + "garbage");
  write("idx", "near-gzip-two-members.gz", gzip(valid.substr(0, 10)) + gzip(valid.substr(10)));
  std::string flipped = gz;
  flipped[gz.size() / 2] = static_cast<char>(flipped[gz.size() / 2] ^ 0x55);
  write("idx", "near-gzip-flipped.gz", flipped);
}

// A real checkpoint from write_checkpoint, then variants of its metadata in
// the target's "assembled" form ('A', JSON, NUL, payload; @CRC@ = payload CRC).
void checkpoint_corpus() {
  mt::Checkpoint ck;
  ck.recipe = "mlp2d";
  ck.dataset = "xor";
  ck.epoch = 3;
  ck.dtype = mt::DType::f32;
  ck.hyper = {{"hidden", "2"}, {"rate", "0.05"}};
  ck.rng_state = "5489";
  ck.optimizer_steps = 12;
  ck.history = {{{"loss", 0.5}, {"correct", 40}}};
  ck.parameters = {{"layer1.weights", {2, 2}, mt::DType::f32, {0.5, -1, 2, 0.25}},
                   {"layer1.bias", {2}, mt::DType::f32, {0, 1}}};
  ck.optimizer_state = {{"velocity.0", {2}, mt::DType::f64, {0.125, -3}}};
  const fs::path tmp = g_root / ".checkpoint-scratch";
  mt::write_checkpoint(tmp, ck);
  const std::string file = read(tmp);
  fs::remove(tmp);
  write("checkpoint", "valid-file", file);
  write("checkpoint", "near-file-one-short", file.substr(0, file.size() - 1));
  uint64_t meta_size = 0;
  std::memcpy(&meta_size, file.data() + 12, 8);
  const std::size_t header = 32;
  const std::string payload = file.substr(header + meta_size);
  nlohmann::json meta = nlohmann::json::parse(file.substr(header, meta_size));
  meta["payload_crc32"] = "@CRC@";
  const auto assembled = [&](const nlohmann::json& m, const std::string& p) {
    std::string text = m.dump();
    const std::string quoted = "\"@CRC@\"";
    for (std::size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted))
      text.replace(at, quoted.size(), "@CRC@");
    return "A" + text + std::string(1, '\0') + p;
  };
  write("checkpoint", "valid-assembled", assembled(meta, payload));

  nlohmann::json empty = meta;
  empty["tensors"] = nlohmann::json::array();
  write("checkpoint", "valid-assembled-no-tensors", assembled(empty, ""));
  // (2^62 + 1) x 4 elements wraps to 4 in an unchecked product; 2^62 f32
  // elements need 2^64 bytes, which wraps to 0.
  for (const auto& [name, shape, bytes] :
       {std::tuple<const char*, nlohmann::json, uint64_t>{
            "near-shape-wraps-to-4", {4611686018427387905ull, 4}, 16},
        {"near-bytes-wrap-to-0", {4611686018427387904ull}, 0},
        {"near-negative-dim", {-1, 4}, 16},
        {"near-fractional-dim", {2.5, 2}, 16}}) {
    nlohmann::json m = empty;
    m["tensors"] = nlohmann::json::array({{{"group", "parameter"},
                                           {"name", "w"},
                                           {"shape", shape},
                                           {"dtype", "f32"},
                                           {"offset", 0},
                                           {"bytes", bytes}}});
    write("checkpoint", name, assembled(m, std::string(bytes, '\0')));
  }
  nlohmann::json m = meta;
  m["epoch"] = 1e300;
  write("checkpoint", "near-epoch-1e300", assembled(m, payload));
  m = meta;
  m["tensors"][0]["offset"] = 18446744073709551615ull;
  write("checkpoint", "near-offset-max", assembled(m, payload));
  m = meta;
  m["tensors"][1]["bytes"] = 18446744073709551608ull;
  write("checkpoint", "near-bytes-max", assembled(m, payload));
  m = meta;
  m["history"] = {1, 2};
  write("checkpoint", "near-history-not-objects", assembled(m, payload));
}

void embedding_cache_corpus() {
  mt::EmbeddingTable table;
  table.dim = 3;
  const float a[3] = {1, 2, 3}, b[3] = {-1, 0.5f, 0};
  table.add("the", a);
  table.add("movie", b);
  const fs::path tmp = g_root / ".cache-scratch";
  mt::save_embedding_cache(tmp, table, "tokenizer 1; reviews.json 10 bytes");
  const std::string file = read(tmp);
  fs::remove(tmp);
  // Raw files start with an even byte, CRC-appended ones with an odd byte.
  write("embedding_cache", "valid-raw", "R" + file);
  const std::string body = file.substr(0, file.size() - 4);
  write("embedding_cache", "valid-crc-appended", "C" + body);
  write("embedding_cache", "near-raw-one-short", "R" + file.substr(0, file.size() - 1));
  // Layout: magic(8) version(4) dim(4) count(8) key ...
  const auto with = [&](std::size_t at, const std::string& bytes) {
    std::string out = body;
    out.replace(at, bytes.size(), bytes);
    return "C" + out;
  };
  write("embedding_cache", "near-count-2pow32", with(16, le<uint64_t>(uint64_t{1} << 32)));
  write("embedding_cache", "near-count-max", with(16, le<uint64_t>(~uint64_t{0})));
  write("embedding_cache", "near-dim-0", with(12, le<uint32_t>(0)));
  write("embedding_cache", "near-dim-max", with(12, le<uint32_t>(0xffffffffu)));
  write("embedding_cache", "near-version-2", with(8, le<uint32_t>(2)));
  // No words at all: the vector block is empty (memcpy from NULL before).
  std::string none = body.substr(0, 24) + le<uint32_t>(0);
  write("embedding_cache", "near-count-0", "C" + none.replace(16, 8, le<uint64_t>(0)));
  mt::EmbeddingTable two;
  two.dim = 1;
  const float one[1] = {1};
  two.add("the", one);
  two.add("abc", one);
  mt::save_embedding_cache(tmp, two, "k");
  std::string dup = read(tmp);
  fs::remove(tmp);
  dup.resize(dup.size() - 4);
  dup.replace(dup.find("abc"), 3, "the");
  write("embedding_cache", "near-word-twice", "C" + dup);
  std::string nan = body;
  const float not_a_number = std::numeric_limits<float>::quiet_NaN();
  nan.replace(nan.size() - 4, 4, le<float>(not_a_number));
  write("embedding_cache", "near-nan-value", "C" + nan);
}

void word_vectors_corpus() {
  write("word_vectors", "valid-wink",
        R"({"dimensions": 3, "vectors": {"the": [0.1, 0.2, 0.3, 0.37, 0], )"
        R"("movie": [1, -2, 3e-2, 3.6, 1]}})");
  write("word_vectors", "valid-glove", "the 0.1 0.2 0.3\nmovie 1 -2 3e-2\n\ngood 0 0 1\n");
  write("word_vectors", "near-wink-dimensions-1e300",
        R"({"dimensions": 1e300, "vectors": {"the": [0.1, 0.2]}})");
  write("word_vectors", "near-wink-dimensions-fraction",
        R"({"dimensions": 2.5, "vectors": {"the": [0.1, 0.2, 0.3]}})");
  write("word_vectors", "near-wink-value-1e300",
        R"({"dimensions": 2, "vectors": {"the": [1e300, 0.2, 0, 0]}})");
  write("word_vectors", "near-wink-no-dimensions", R"({"vectors": {"the": [1, 2]}})");
  write("word_vectors", "near-wink-short-vector", R"({"dimensions": 4, "vectors": {"the": [1]}})");
  write("word_vectors", "near-wink-nested",
        R"({"dimensions": 2, "vectors": {"the": [1, [2, 3]]}})");
  write("word_vectors", "near-wink-cut", R"({"dimensions": 2, "vectors": {"the": [1, 2)");
  write("word_vectors", "near-glove-1e300", "the 1e300 0\n");
  write("word_vectors", "near-glove-nan", "the nan 0\n");
  write("word_vectors", "near-glove-ragged", "the 1 2 3\nmovie 1 2\n");
  write("word_vectors", "near-glove-word-only", "the\n");
  write("word_vectors", "near-glove-not-a-number", "the 1 two\n");
}

void imdb_corpus() {
  write("imdb", "valid-two",
        R"([{"t": "A <br />GREAT movie, isn't it? 10/10", "s": 1}, {"t": "bad.", "s": 0}])");
  write("imdb", "near-label-2", R"([{"t": "ok", "s": 2}])");
  write("imdb", "near-label-2pow64-plus-1", R"([{"t": "ok", "s": 18446744073709551617}])");
  write("imdb", "near-label-2pow64-minus-1", R"([{"t": "ok", "s": 18446744073709551615}])");
  write("imdb", "near-label-minus-1", R"([{"t": "ok", "s": -1}])");
  write("imdb", "near-not-array", R"({"t": "ok", "s": 1})");
  write("imdb", "near-empty", "[]");
  write("imdb", "near-text-not-string", R"([{"t": 5, "s": 1}])");
  write("imdb", "near-cut", R"([{"t": "ok", "s": 1)");
  write("imdb", "near-deep", std::string(2000, '[') + std::string(2000, ']'));
  write("imdb", "near-lone-tag", R"([{"t": "a < b <i>c", "s": 0}])");
}

void cli_corpus() {
  const auto args = [](std::initializer_list<const char*> list) {
    std::string out;
    for (const char* a : list)
      out += std::string(a) + '\0';
    return out;
  };
  write("cli", "valid-train-xor", args({"train", "--dataset", "xor", "--hidden", "100000"}));
  write("cli", "valid-backends-json", args({"backends", "--json"}));
  write("cli", "valid-train-mnist",
        args({"train", "--dataset=mnist", "--optimizer", "sgd", "--momentum", "0.5", "--batch",
              "16", "--train-size", "100", "--save", "run.ckpt"}));
  write("cli", "valid-help", args({"--help"}));
  write("cli", "near-hidden-0", args({"train", "--hidden", "0"}));
  write("cli", "near-rate-nan", args({"train", "--rate", "nan"}));
  write("cli", "near-seed-negative", args({"train", "--seed", "-1"}));
  write("cli", "near-epochs-huge", args({"train", "--epochs", "99999999999999999999"}));
  write("cli", "near-unknown-command", args({"serve"}));
  write("cli", "near-no-command", "");
  write("cli", "near-dataset-unknown", args({"train", "--dataset", "cifar"}));
}

void manifest_corpus() {
  const std::string abi = std::to_string(MT_ABI_MAJOR);
  write("manifest", "valid-full",
        R"({"name": "x", "version": "1.2.3", "abi_major": )" + abi +
            R"(, "abi_minor": 0, "device": "cpu", "description": "d\u00e9 \ud83d\ude00", )"
            R"("library": "libminitorch_backend_x.so", "extra": [1, {"a": [2]}]})");
  write("manifest", "valid-minimal", R"({"name": "x", "abi_major": 1})");
  write("manifest", "valid-whole-floats", R"({"name": "", "abi_major": 1.0, "abi_minor": 0.5e1})");
  write("manifest", "valid-max",
        R"({"name": "x", "abi_major": 4294967295, "abi_minor": 42949672950e-1})");
  write("manifest", "near-abi-2pow32", R"({"name": "x", "abi_major": 4294967296})");
  write("manifest", "near-abi-1e400", R"({"name": "x", "abi_major": 1e400})");
  write("manifest", "near-abi-minus-1e400", R"({"name": "x", "abi_major": -1e400})");
  write("manifest", "near-abi-1e-400", R"({"name": "x", "abi_major": 1e-400})");
  write("manifest", "near-abi-almost-1", R"({"name": "x", "abi_major": 1.00000000000000000001})");
  write("manifest", "near-abi-huge-integer",
        R"({"name": "x", "abi_major": 99999999999999999999999})");
  write("manifest", "near-abi-minus-1", R"({"name": "x", "abi_major": -1})");
  write("manifest", "near-abi-fraction", R"({"name": "x", "abi_major": 1.5})");
  write("manifest", "near-abi-string", R"({"name": "x", "abi_major": "1"})");
  write("manifest", "near-name-number", R"({"name": 3, "abi_major": 1})");
  write("manifest", "near-no-name", R"({"abi_major": 1})");
  write("manifest", "near-no-abi", R"({"name": "x"})");
  write("manifest", "near-device-gpu", R"({"name": "x", "abi_major": 1, "device": "gpu"})");
  write("manifest", "near-duplicate", R"({"name": "x", "abi_major": 1, "name": "y"})");
  write("manifest", "near-array", "[1, 2]");
  write("manifest", "near-string", R"("text")");
  write("manifest", "near-cut", R"({"name": "x", "abi_major": )");
  write("manifest", "near-empty", "");
  write("manifest", "near-nul", std::string("{\"name\": \"x\0\", \"abi_major\": 1}", 30));
  write("manifest", "near-bad-utf8", "{\"name\": \"\xff\xfe\", \"abi_major\": 1}");
  write("manifest", "near-deep",
        R"({"name": "x", "abi_major": 1, "d": )" + std::string(3000, '[') + std::string(3000, ']') +
            "}");
}

Elf64_Phdr load_segment(uint64_t offset, uint64_t size) {
  Elf64_Phdr p{};
  p.p_type = PT_LOAD;
  p.p_flags = PF_R;
  p.p_offset = offset;
  p.p_filesz = size;
  p.p_memsz = size;
  p.p_align = 0x1000;
  return p;
}

// The registry_scan input: flags, name NUL manifest NUL file bytes.
std::string scan_input(char flags, const std::string& name, const std::string& manifest,
                       const std::string& file) {
  return std::string(1, flags) + name + '\0' + manifest + '\0' + file;
}

void registry_scan_corpus() {
  constexpr std::size_t eh = sizeof(Elf64_Ehdr), ph = sizeof(Elf64_Phdr), sh = sizeof(Elf64_Shdr);
  const std::string good_manifest =
      R"({"name": "fuzz", "abi_major": )" + std::to_string(MT_ABI_MAJOR) + "}";
  const auto elf = [&](Elf64_Ehdr h, const std::vector<Elf64_Phdr>& phdrs,
                       const std::vector<Elf64_Shdr>& shdrs = {}) {
    std::string out = le(h);
    for (const auto& p : phdrs)
      out += le(p);
    for (const auto& s : shdrs)
      out += le(s);
    return out;
  };
  const std::string minimal =
      elf(mt::test::elf_header(mt::test::kHostElfMachine, 1), {load_segment(0, eh + ph)});
  write("registry_scan", "valid-minimal", scan_input('\1', "", good_manifest, minimal));
  write("registry_scan", "valid-no-manifest", scan_input('\0', "", "", minimal));
  write(
      "registry_scan", "valid-name-from-input",
      scan_input('\5', "a b\n\xc3\xa9.x", R"({"name": "a b\n\u00e9.x", "abi_major": 1})", minimal));
  write("registry_scan", "near-empty-name", scan_input('\4', "", "", minimal));
  {
    Elf64_Ehdr h = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    h.e_shoff = eh + ph;
    h.e_shentsize = sh;
    h.e_shnum = 2;
    write(
        "registry_scan", "valid-sections",
        scan_input('\0', "", "", elf(h, {load_segment(0, eh + ph)}, {Elf64_Shdr{}, Elf64_Shdr{}})));
    // PN_XNUM: the program header count (and the section count) live in section 0.
    Elf64_Ehdr x = h;
    x.e_phnum = PN_XNUM;
    x.e_shnum = 0;
    Elf64_Shdr s0{};
    s0.sh_info = 1;
    s0.sh_size = 1;
    write("registry_scan", "valid-pn-xnum",
          scan_input('\0', "", "", elf(x, {load_segment(0, eh)}, {s0})));
    Elf64_Ehdr wrap = h;
    wrap.e_shoff = ~uint64_t{0} - 31;  // e_shoff + one entry wraps past 2^64
    write("registry_scan", "near-shoff-wraps",
          scan_input('\0', "", "", elf(wrap, {load_segment(0, eh + ph)})));
    Elf64_Ehdr huge = x;
    huge.e_phnum = 1;
    s0.sh_size = uint64_t{1} << 60;  // times 64 bytes wraps
    write("registry_scan", "near-shnum-wraps",
          scan_input('\0', "", "", elf(huge, {load_segment(0, eh)}, {s0})));
    Elf64_Ehdr cut = h;
    cut.e_shnum = 3;
    write("registry_scan", "near-sections-past-end",
          scan_input('\0', "", "",
                     elf(cut, {load_segment(0, eh + ph)}, {Elf64_Shdr{}, Elf64_Shdr{}})));
    Elf64_Ehdr size40 = h;
    size40.e_shentsize = 40;
    write("registry_scan", "near-shentsize-40",
          scan_input('\0', "", "", elf(size40, {load_segment(0, eh + ph)})));
  }
  write("registry_scan", "near-segment-past-end",
        scan_input('\0', "", "",
                   elf(mt::test::elf_header(mt::test::kHostElfMachine, 1),
                       {load_segment(0, eh + ph + 1)})));
  write("registry_scan", "near-segment-wraps",
        scan_input('\0', "", "",
                   elf(mt::test::elf_header(mt::test::kHostElfMachine, 1),
                       {load_segment(~uint64_t{0} - 7, 16)})));
  write("registry_scan", "near-phdrs-past-end",
        scan_input('\0', "", "",
                   elf(mt::test::elf_header(mt::test::kHostElfMachine, 3), {load_segment(0, eh)})));
  {
    Elf64_Ehdr h = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    h.e_phoff = ~uint64_t{0} - 55;
    write("registry_scan", "near-phoff-wraps", scan_input('\0', "", "", elf(h, {})));
    Elf64_Phdr dyn = load_segment(0, eh);
    dyn.p_type = PT_DYNAMIC;
    write("registry_scan", "near-no-load",
          scan_input('\0', "", "", elf(mt::test::elf_header(mt::test::kHostElfMachine, 1), {dyn})));
    Elf64_Ehdr riscv = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    riscv.e_machine = EM_RISCV;
    write("registry_scan", "near-risc-v",
          scan_input('\0', "", "", elf(riscv, {load_segment(0, eh + ph)})));
    Elf64_Ehdr c32 = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    c32.e_ident[EI_CLASS] = ELFCLASS32;
    write("registry_scan", "near-32-bit", scan_input('\0', "", "", elf(c32, {})));
    Elf64_Ehdr be = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    be.e_ident[EI_DATA] = ELFDATA2MSB;
    write("registry_scan", "near-big-endian", scan_input('\0', "", "", elf(be, {})));
    Elf64_Ehdr exec = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    exec.e_type = ET_EXEC;
    write("registry_scan", "near-executable",
          scan_input('\0', "", "", elf(exec, {load_segment(0, eh + ph)})));
    Elf64_Ehdr ph32 = mt::test::elf_header(mt::test::kHostElfMachine, 1);
    ph32.e_phentsize = 32;
    write("registry_scan", "near-phentsize-32",
          scan_input('\0', "", "", elf(ph32, {load_segment(0, eh + ph)})));
  }
  write("registry_scan", "near-not-elf", scan_input('\0', "", "", "hello\n"));
  write("registry_scan", "near-magic-only",
        scan_input('\0', "", "",
                   "\x7f"
                   "ELF"));
  write("registry_scan", "near-header-cut", scan_input('\0', "", "", minimal.substr(0, 40)));
  write("registry_scan", "near-manifest-wrong-name",
        scan_input('\1', "", R"({"name": "other", "abi_major": 1})", minimal));
  write("registry_scan", "near-manifest-abi-7",
        scan_input('\1', "", R"({"name": "fuzz", "abi_major": 7, "abi_minor": 2})", minimal));
  write("registry_scan", "near-manifest-corrupt",
        scan_input('\1', "", R"({"name": "fuzz", "abi_major": )", minimal));
  write("registry_scan", "near-manifest-folder", scan_input('\2', "", "", minimal));
  write("registry_scan", "near-name-with-slash", scan_input('\4', "a/b", "", minimal));
}

// 'R' + a whole file, or header JSON + NUL + data (the target adds the length).
void safetensors_corpus() {
  const std::string entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data(8, '\x01');
  const std::string header = "{" + entry + "}";
  write("safetensors", "valid-file", "R" + le<uint64_t>(header.size()) + header + data);
  write("safetensors", "valid-assembled", "A" + header + std::string(1, '\0') + data);
  write("safetensors", "valid-metadata-f64-scalar",
        "A" +
            std::string(R"({"__metadata__":{"format":"pt"},"s":{"dtype":"F64","shape":[],)"
                        R"("data_offsets":[0,8]}})") +
            std::string(1, '\0') + data);
  write("safetensors", "valid-empty", "A{}" + std::string(1, '\0'));
  write("safetensors", "near-length-past-end", "R" + le<uint64_t>(1000) + header + data);
  write("safetensors", "near-overlap",
        "A{" + entry + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})" +
            std::string(1, '\0') + data);
  write("safetensors", "near-span-mismatch",
        "A" + std::string(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})") +
            std::string(1, '\0') + data);
  write("safetensors", "near-shape-overflow",
        "A" +
            std::string(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],)"
                        R"("data_offsets":[0,8]}})") +
            std::string(1, '\0') + data);
  write("safetensors", "near-duplicate-key",
        "A{" + entry + "," + entry + "}" + std::string(1, '\0') + data);
  write("safetensors", "near-trailing", "A" + header + std::string(1, '\0') + data + "xx");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT (e.g. tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  fs::create_directories(g_root);
  idx_corpus();
  checkpoint_corpus();
  embedding_cache_corpus();
  word_vectors_corpus();
  imdb_corpus();
  cli_corpus();
  manifest_corpus();
  registry_scan_corpus();
  safetensors_corpus();
  std::printf("wrote the seed corpora under %s\n", g_root.c_str());
  return 0;
}
