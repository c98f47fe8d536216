// test_safetensors.cpp — safetensors on every backend: exact bytes from the format's spec,
// round trips, another writer's layout, each way a hostile file can be wrong, symlinks and
// special files, module save/load and train → save → reload elsewhere. Not our checkpoints.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/containers.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/nn/norm.hpp>
#include <minitorch/nn/safetensors.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"
#include "run_program.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>

using namespace mt;
using namespace mt::nntest;
namespace fs = std::filesystem;

namespace {

// A file from its header text and raw data, as the format describes it: the header length as
// 8 little-endian bytes, the header, the data.
std::string file_bytes(const std::string& header, const std::string& data) {
  std::string out;
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return out + header + data;
}

// The IEEE-754 little-endian bytes of floats / doubles, spelled by hand.
std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (const float v : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i)
      out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The DataError's message for parsing `bytes`, or "" when it parses.
std::string parse_error(const std::string& bytes, const BackendPtr& backend) {
  try {
    nn::from_safetensors_bytes(bytes, "bad.safetensors", backend);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

class Net : public Module {
 public:
  explicit Net(TensorOptions options) {
    body = add_module("body",
                      std::make_shared<nn::Sequential>(
                          std::make_shared<nn::Linear>(3, 4, options),
                          std::make_shared<nn::BatchNorm1d>(4, nn::BatchNormOptions{}, options)));
    head = add_module("head", std::make_shared<nn::Linear>(4, 2, options));
  }
  Tensor operator()(const Tensor& x) const { return (*head)((*body)(x).relu()); }
  std::shared_ptr<nn::Sequential> body;
  std::shared_ptr<nn::Linear> head;
};

}  // namespace

MT_BACKEND_TEST(safetensors, writes_the_format_byte_for_byte) {
  const StateDict dict{{"a", Tensor::from_values({1.0, -2.0}, {2}, on(backend, DType::f32))}};
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  // 54 bytes of JSON, padded with spaces to 56 so the data is 8-byte aligned.
  BOOST_REQUIRE_EQUAL(header.size(), 54u);
  const std::string expected = file_bytes(header + "  ", f32_bytes({1.0f, -2.0f}));
  BOOST_TEST(nn::to_safetensors_bytes(dict) == expected);
  // The float bytes themselves: 1.0f = 0x3F800000, −2.0f = 0xC0000000, little-endian.
  BOOST_TEST(expected.substr(64) == std::string("\x00\x00\x80\x3F\x00\x00\x00\xC0", 8));
}

MT_BACKEND_TEST(safetensors, round_trip_keeps_names_values_dtypes_and_metadata) {
  std::mt19937_64 rng(31);
  const std::vector<double> v = uniform_values(24, rng, -100, 100);
  const Tensor strided = build(v, {2, 3, 4}, {2, 0, 1}, on(backend));  // written row-major
  StateDict dict;
  dict.insert("z.last", strided);
  dict.insert("f32", Tensor::from_values({0.1, 1e-30, -3.5}, {3}, on(backend, DType::f32)));
  dict.insert("empty", zeros({0, 2}, on(backend)));
  dict.insert("matrix", Tensor::from_values({1, 2, 3, 4}, {2, 2}, on(backend)));
  const nn::SafetensorsMetadata meta{{"format", "pt"}, {"note", "héllo"}};
  const nn::SafetensorsFile file =
      nn::from_safetensors_bytes(nn::to_safetensors_bytes(dict, meta), "memory", backend);
  BOOST_TEST(file.tensors.keys() == dict.keys());  // our writer lays data out in dict order
  BOOST_TEST(file.metadata == meta);
  for (const auto& [name, t] : dict) {
    const Tensor& back = file.tensors[name];
    BOOST_TEST(back.shape() == t.shape(), name);
    BOOST_TEST((back.dtype() == t.dtype()), name);
    BOOST_TEST(back.backend() == backend, name);
    BOOST_TEST(back.to_vector() == t.to_vector(), name);  // bit-exact
  }
  BOOST_CHECK_THROW(nn::to_safetensors_bytes({{"__metadata__", ones({1}, on(backend))}}),
                    ArgumentError);
  BOOST_CHECK_THROW(nn::to_safetensors_bytes({{"bad\xff", ones({1}, on(backend))}}), ArgumentError);
}

MT_BACKEND_TEST(safetensors, reads_another_writers_layout) {
  // Keys not in data order, spaces and newlines in the JSON, metadata first, a scalar, an
  // F64 tensor, no alignment padding.
  std::string data = f32_bytes({7.5f});
  for (const double d : {0.25, -1.0}) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int i = 0; i < 8; ++i)
      data.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
  data += f32_bytes({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f});
  const std::string header = R"({"__metadata__": {"format": "pt"},
    "w": {"shape": [2, 3], "dtype": "F32", "data_offsets": [20, 44]},
    "alpha": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
    "d": {"dtype": "F64", "shape": [2], "data_offsets": [4, 20]}})";
  const nn::SafetensorsFile file =
      nn::from_safetensors_bytes(file_bytes(header, data), "other.safetensors", backend);
  BOOST_TEST(file.tensors.keys() == (std::vector<std::string>{"alpha", "d", "w"}));
  BOOST_TEST(file.tensors["alpha"].item() == 7.5);
  BOOST_TEST(file.tensors["alpha"].numel() == 1);
  BOOST_TEST((file.tensors["d"].dtype() == DType::f64));
  BOOST_TEST(file.tensors["d"].to_vector() == (std::vector<double>{0.25, -1.0}));
  BOOST_TEST(compare(file.tensors["w"], {1, 2, 3, 4, 5, 6}, {2, 3}) == "");
  BOOST_TEST(file.metadata.at("format") == "pt");
  // The header alone, without making tensors: entries in data order with their spans.
  const nn::SafetensorsHeader listing =
      nn::read_safetensors_header(file_bytes(header, data), "other.safetensors");
  BOOST_REQUIRE_EQUAL(listing.entries.size(), 3u);
  BOOST_TEST(listing.data_start == 8 + header.size());
  BOOST_TEST(listing.entries[1].name == "d");
  BOOST_TEST(listing.entries[1].begin == 4u);
  BOOST_TEST(listing.entries[1].end == 20u);
  BOOST_TEST(listing.entries[2].shape == (Shape{2, 3}));
  BOOST_TEST(listing.entries[0].shape.empty());
}

MT_BACKEND_TEST(safetensors, hostile_files_are_data_errors_naming_the_problem) {
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string eight(8, '\0');
  auto with = [&](const std::string& entries, const std::string& data) {
    return file_bytes("{" + entries + "}", data);
  };
  struct Case {
    const char* what;
    std::string bytes;
    const char* expected;
  };
  std::string huge_length = file_bytes("{}", "");
  huge_length[0] = '\x7F';
  huge_length[7] = '\x7F';
  const std::vector<Case> cases{
      {"too short", std::string("\x02\x00\x00", 3), "shorter than the 8-byte"},
      {"length past the end", huge_length, "is more than the"},
      {"not JSON", file_bytes("{\"a\":", ""), "not valid JSON"},
      {"not an object", file_bytes("[1, 2]", ""), "not an object"},
      {"duplicate key", with(ok_entry + "," + ok_entry, eight), "twice"},
      {"duplicate field",
       with(R"("a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]})", eight),
       "twice"},
      {"unknown dtype", with(R"("a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]})", eight),
       "\"C64\" is not supported"},
      {"dtype not a string", with(R"("a":{"dtype":4,"shape":[1],"data_offsets":[0,8]})", eight),
       "dtype 4 is not supported"},
      {"negative dim", with(R"("a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]})", eight),
       "not an integer >= 0"},
      {"fractional dim", with(R"("a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})", eight),
       "not an integer >= 0"},
      {"shape overflow",
       with(R"("a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]})",
            eight),
       "more elements than can be counted"},
      {"span mismatch", with(R"("a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]})", eight),
       "needs 2 × 8 bytes"},
      {"offsets past the data",
       with(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})", eight),
       "not a span inside the 8 data bytes"},
      {"reversed offsets", with(R"("a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]})", eight),
       "not a span"},
      {"overlap",
       with(ok_entry + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]})", eight),
       "overlap"},
      {"gap", with(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]})", eight), "a gap"},
      {"trailing bytes", with(ok_entry, eight + "junk"), "belongs to none"},
      {"missing field", with(R"("a":{"dtype":"F32","shape":[2]})", eight),
       "\"data_offsets\" is missing"},
      {"unknown field",
       with(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1})", eight),
       "unknown field \"x\""},
      {"metadata not strings", with(R"("__metadata__":{"epoch":3},)" + ok_entry, eight),
       "must be strings"},
      {"entry not an object", with(R"("a":[1])", ""), "not an object"},
      {"too many dims",
       with(
           R"("a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})",
           std::string(4, '\0')),
       "at most 16"},
      {"deep nesting", file_bytes(R"({"a":{"shape":[[[[[1]]]]]}})", ""), "nests deeper"},
  };
  for (const Case& c : cases) {
    const std::string message = parse_error(c.bytes, backend);
    BOOST_TEST(message.find(c.expected) != std::string::npos,
               c.what << ": got \"" << message << "\"");
    BOOST_TEST(message.find("bad.safetensors") != std::string::npos, c.what);
  }
  // The well-formed neighbour of those cases parses.
  BOOST_TEST(parse_error(with(ok_entry, eight), backend) == "");
  BOOST_TEST(parse_error(file_bytes("{}", ""), backend) == "");
}

MT_BACKEND_TEST(safetensors, other_dtypes_convert_exactly) {
  // What torch files hold beside F32/F64: half floats, integer buffers, masks.
  auto le16 = [](std::initializer_list<std::uint16_t> words) {
    std::string out;
    for (const std::uint16_t w : words) {
      out.push_back(static_cast<char>(w & 0xFF));
      out.push_back(static_cast<char>(w >> 8));
    }
    return out;
  };
  std::string i64;
  for (const int64_t v : {int64_t{3}, int64_t{-4}, int64_t{1} << 53}) {
    for (int b = 0; b < 8; ++b)
      i64.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * b)) & 0xFF));
  }
  // F16: 1, −2, 65504 (largest), 2^−24 (smallest subnormal), −0; BF16: 1, −2, 2^−126·1.5.
  const std::string f16 = le16({0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000});
  const std::string bf16 = le16({0x3F80, 0xC000, 0x00C0});
  const std::string i8_u8_bool = std::string("\xFE\xFF\x01\x00", 4);  // I8 −2, U8 255, BOOL 1 0
  const std::string i16 = le16({0x8000});                             // −32768
  const std::string data = i64 + f16 + bf16 + i8_u8_bool + i16;
  const std::string header =
      R"({"num_batches_tracked":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},
    "h":{"dtype":"F16","shape":[5],"data_offsets":[24,34]},
    "b":{"dtype":"BF16","shape":[3],"data_offsets":[34,40]},
    "i8":{"dtype":"I8","shape":[],"data_offsets":[40,41]},
    "u8":{"dtype":"U8","shape":[1],"data_offsets":[41,42]},
    "mask":{"dtype":"BOOL","shape":[2],"data_offsets":[42,44]},
    "i16":{"dtype":"I16","shape":[1],"data_offsets":[44,46]}})";
  const nn::SafetensorsFile file =
      nn::from_safetensors_bytes(file_bytes(header, data), "torch.safetensors", backend);
  const Tensor& n = file.tensors["num_batches_tracked"];
  BOOST_TEST((n.dtype() == DType::f64));
  BOOST_TEST(n.to_vector() == (std::vector<double>{3, -4, 9007199254740992.0}));
  BOOST_TEST((file.tensors["h"].dtype() == DType::f32));
  BOOST_TEST(file.tensors["h"].to_vector() ==
             (std::vector<double>{1.0, -2.0, 65504.0, std::ldexp(1.0, -24), -0.0}));
  BOOST_TEST(std::signbit(file.tensors["h"].to_vector()[4]));
  BOOST_TEST(file.tensors["b"].to_vector() ==
             (std::vector<double>{1.0, -2.0, 1.5 * std::ldexp(1.0, -126)}));
  BOOST_TEST(file.tensors["i8"].item() == -2.0);
  BOOST_TEST(file.tensors["u8"].item() == 255.0);
  BOOST_TEST(file.tensors["mask"].to_vector() == (std::vector<double>{1.0, 0.0}));
  BOOST_TEST(file.tensors["i16"].item() == -32768.0);
  // Values f64 cannot hold exactly, and BOOL bytes other than 0/1, are refused by name.
  std::string big(8, '\0');
  big[7] = '\x10';  // 2^60
  const std::string message = parse_error(
      file_bytes(R"({"n":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", big), backend);
  BOOST_TEST(message.find("2^53") != std::string::npos, message);
  BOOST_TEST(message.find("\"n\"") != std::string::npos, message);
  BOOST_TEST(
      parse_error(file_bytes(R"({"m":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})", "\x02"),
                  backend)
          .find("0 or 1") != std::string::npos);
}

MT_BACKEND_TEST(safetensors, files_symlinks_and_special_paths) {
  test::TempDir dir;
  const StateDict dict{{"x", Tensor::from_values({1, 2, 3}, {3}, on(backend))}};
  const fs::path file = dir / "model.safetensors";
  nn::save_safetensors(file, dict, {{"k", "v"}});
  BOOST_TEST(read_all(file) == nn::to_safetensors_bytes(dict, {{"k", "v"}}));
  BOOST_TEST(nn::load_safetensors(file, backend).tensors["x"].to_vector() ==
             (std::vector<double>{1, 2, 3}));
  // No temporary file is left beside it.
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
  // A symlink is written through: it stays a link and its target gets the data.
  fs::create_directory(dir / "real");
  fs::create_symlink("real/target.safetensors", dir / "link.safetensors");
  nn::save_safetensors(dir / "link.safetensors", dict);
  BOOST_TEST(fs::is_symlink(dir / "link.safetensors"));
  BOOST_TEST(read_all(dir / "real" / "target.safetensors") == nn::to_safetensors_bytes(dict));
  // Folders, devices and FIFOs are refused, for writing and reading (a FIFO must not hang).
  BOOST_CHECK_THROW(nn::save_safetensors(dir.path(), dict), DataError);
  BOOST_CHECK_THROW(nn::save_safetensors("/dev/null", dict), DataError);
  BOOST_TEST(fs::is_character_file("/dev/null"));
  BOOST_REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  BOOST_CHECK_THROW(nn::save_safetensors(dir / "fifo", dict), DataError);
  BOOST_CHECK_THROW(nn::load_safetensors(dir / "fifo"), DataError);
  BOOST_CHECK_THROW(nn::load_safetensors(dir.path()), DataError);
  try {
    nn::load_safetensors(dir / "missing.safetensors");
    BOOST_FAIL("a missing file must throw");
  } catch (const DataError& e) {
    BOOST_TEST(std::string(e.what()).find("missing.safetensors") != std::string::npos, e.what());
  }
  // A truncated file on disk names the file.
  const std::string bytes = read_all(file);
  write_all(dir / "cut.safetensors", bytes.substr(0, bytes.size() - 3));
  try {
    nn::load_safetensors(dir / "cut.safetensors");
    BOOST_FAIL("a truncated file must throw");
  } catch (const DataError& e) {
    BOOST_TEST(std::string(e.what()).find("cut.safetensors") != std::string::npos, e.what());
  }
  // A write into a missing folder fails cleanly and names the path.
  BOOST_CHECK_THROW(nn::save_safetensors(dir / "no" / "such" / "m.safetensors", dict), DataError);
}

MT_BACKEND_TEST(safetensors, module_save_and_load_through_state_dict) {
  test::TempDir dir;
  manual_seed(41);
  Net trained(on(backend));
  trained(Tensor::from_values({1, 2, 3, -1, 0, 2}, {2, 3}, on(backend)));  // moves running stats
  const fs::path path = dir / "net.safetensors";
  nn::save(trained, path, {{"epoch", "3"}});
  BOOST_TEST(nn::load_safetensors(path).tensors.keys() == trained.state_dict().keys());

  manual_seed(42);
  Net fresh(on(backend, DType::f32));  // another init and dtype
  const auto result = nn::load(fresh, path);
  BOOST_TEST(result.missing_keys.empty());
  const StateDict loaded = fresh.state_dict();
  for (const auto& [name, t] : trained.state_dict()) {
    const Tensor& got = loaded[name];
    BOOST_TEST((got.dtype() == DType::f32), name);
    BOOST_TEST(compare(got, t.to_vector(), t.shape(), 1e-6) == "", name);
  }
  trained.eval();
  fresh.eval();
  const Tensor x = Tensor::from_values({0.5, -1, 2}, {1, 3}, on(backend));
  BOOST_TEST(compare(fresh(x.to(DType::f32)), trained(x).to_vector(), {1, 2}, 1e-5) == "");

  // Another model's file: the error names the path and the names that do not match.
  nn::Linear other(3, 2, on(backend));
  try {
    nn::load(other, path);
    BOOST_FAIL("loading another model's file must throw");
  } catch (const ArgumentError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("net.safetensors") != std::string::npos, what);
    BOOST_TEST(what.find("head.bias") != std::string::npos, what);
  }
  // Matching names with another shape: ShapeError naming the entry.
  nn::save_safetensors(dir / "wrong.safetensors", {{"weights", zeros({2, 3}, on(backend))},
                                                   {"bias", zeros({2}, on(backend))}});
  BOOST_CHECK_THROW(nn::load(other, dir / "wrong.safetensors"), ShapeError);
}

// Optional: a second implementation (tests/nn/safetensors_crosscheck.py, Python's standard
// library only) reads what we write and writes what we read. Skipped, with the reason, when
// there is no python3.
MT_BACKEND_TEST(safetensors, python_cross_check) {
  const char* python = nullptr;
  for (const char* candidate : {"/usr/bin/python3", "/usr/local/bin/python3"}) {
    if (::access(candidate, X_OK) == 0) {
      python = candidate;
      break;
    }
  }
  if (python == nullptr) {
    BOOST_TEST_MESSAGE("skipped: no python3 for the safetensors cross-check");
    return;
  }
  const std::string script = std::string(MT_NN_TEST_DIR) + "/safetensors_crosscheck.py";
  test::TempDir dir;
  const StateDict dict{
      {"w", Tensor::from_values({1.5, -2.25, 3.0, 1e-3, 7.0, -8.0}, {2, 3}, on(backend))},
      {"b", Tensor::from_values({0.1f, 0.2f}, {2}, on(backend, DType::f32))}};
  nn::save_safetensors(dir / "ours.safetensors", dict, {{"format", "pt"}});
  const test::ProgramRun read =
      test::run_program({python, script, "read", (dir / "ours.safetensors").string()}, 30);
  BOOST_REQUIRE_MESSAGE(read.status == 0, read.output);
  const auto parsed = nlohmann::json::parse(read.output);
  BOOST_TEST(parsed["__metadata__"]["format"] == "pt");
  BOOST_TEST(parsed["w"]["dtype"] == "F64");
  BOOST_TEST(parsed["w"]["shape"] == nlohmann::json({2, 3}));
  BOOST_TEST(parsed["w"]["values"].get<std::vector<double>>() == dict["w"].to_vector());
  BOOST_TEST(parsed["b"]["dtype"] == "F32");
  BOOST_TEST(parsed["b"]["values"].get<std::vector<double>>() == dict["b"].to_vector());

  const test::ProgramRun write =
      test::run_program({python, script, "write", (dir / "theirs.safetensors").string()}, 30);
  BOOST_REQUIRE_MESSAGE(write.status == 0, write.output);
  const nn::SafetensorsFile theirs = nn::load_safetensors(dir / "theirs.safetensors", backend);
  BOOST_TEST(theirs.tensors.keys() == (std::vector<std::string>{"zeta", "alpha"}));
  BOOST_TEST(theirs.tensors["zeta"].to_vector() == (std::vector<double>{0.5, -0.25}));
  BOOST_TEST(compare(theirs.tensors["alpha"], {1.0, 2.0, 3.0, 4.5}, {2, 2}) == "");
  BOOST_TEST((theirs.tensors["alpha"].dtype() == DType::f32));
  BOOST_TEST(theirs.metadata.at("writer") == "python");
}

// The issue's user story, end to end: a Sequential with BatchNorm trained with Adam on the
// reference backend, moved with to(), saved, and reloaded into a fresh model on the backend
// under test, which then computes the same outputs in eval mode.
MT_BACKEND_TEST(safetensors, train_save_reload_on_another_backend) {
  const BackendPtr reference = load_backend("reference");
  auto make_model = [](const BackendPtr& on_backend) {
    const TensorOptions options{.dtype = DType::f64, .backend = on_backend};
    return std::make_shared<nn::Sequential>(
        std::make_shared<nn::Linear>(2, 8, options),
        std::make_shared<nn::Functional>([](const Tensor& x) { return x.relu(); }, "ReLU"),
        std::make_shared<nn::BatchNorm1d>(8, nn::BatchNormOptions{}, options),
        std::make_shared<nn::Linear>(8, 1, options));
  };
  manual_seed(51);
  const auto model = make_model(reference);
  Adam adam(model->parameters(), 0.05);
  // y = x0 − 2·x1 on 16 fixed points.
  std::mt19937_64 rng(52);
  const std::vector<double> xs = uniform_values(32, rng);
  std::vector<double> ys;
  for (std::size_t i = 0; i < 16; ++i)
    ys.push_back(xs[2 * i] - 2.0 * xs[2 * i + 1]);
  const Tensor x = Tensor::from_values(xs, {16, 2}, on(reference));
  const Tensor y = Tensor::from_values(ys, {16, 1}, on(reference));
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    const Tensor loss = nn::mse_loss((*model)(x), y);
    loss.backward();
    adam.step();
    (step == 0 ? first : last) = loss.item();
  }
  BOOST_TEST(last < first / 4, "loss " << first << " -> " << last);

  test::TempDir dir;
  nn::save(*model, dir / "model.safetensors");
  const auto restored = make_model(backend);  // other initial values, other backend
  nn::load(*restored, dir / "model.safetensors");
  model->eval();
  restored->eval();
  model->to(backend);
  const Tensor expected = (*model)(x.to(backend));
  const Tensor got = (*restored)(x.to(backend));
  BOOST_TEST(got.backend() == backend);
  BOOST_TEST(compare(got, expected.to_vector(), {16, 1}, 1e-12) == "");
}
