// test_hostile_files.cpp — data files whose headers lie: every count is
// checked against the bytes that remain before it is used, every error names
// the file, the field or offset and what was expected, and nothing is left
// half-made (no partial key, no std::bad_alloc, no wrapped size). Each file
// is written by the test in a temp folder.
#include <boost/test/unit_test.hpp>
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/datasets/idx.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/datasets/text.hpp>

#include "limits_testing.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <cstring>
#include <nlohmann/json.hpp>

using namespace mt;
using namespace mt::test;

namespace {

template <class T>
std::string le(T value) {
  std::string out(sizeof value, '\0');
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

std::string idx_header(uint8_t code, const std::vector<uint32_t>& dims) {
  std::string out{'\0', '\0', static_cast<char>(code), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      out += static_cast<char>((d >> shift) & 0xff);
  return out;
}

std::string gzip_of(const std::string& raw, const fs::path& scratch) {
  gzFile gz = gzopen(scratch.c_str(), "wb");
  gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(gz);
  std::ifstream in(scratch, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A checkpoint file with a hand-written metadata JSON and payload, and sizes
// and checksums that hold, so only the metadata is hostile.
std::string checkpoint_file(nlohmann::json meta, const std::string& payload) {
  meta["format"] = "minitorch-checkpoint";
  for (const char* key : {"recipe", "dataset", "rng_state"})
    if (!meta.contains(key))
      meta[key] = "x";
  if (!meta.contains("dtype"))
    meta["dtype"] = "f32";
  for (const char* key : {"epoch", "optimizer_steps"})
    if (!meta.contains(key))
      meta[key] = 1;
  for (const char* key : {"hyper"})
    if (!meta.contains(key))
      meta[key] = nlohmann::json::object();
  for (const char* key : {"history", "tensors"})
    if (!meta.contains(key))
      meta[key] = nlohmann::json::array();
  meta["payload_crc32"] = crc_of(payload);
  const std::string text = meta.dump();
  const std::string body = text + payload;
  return "MTCKPT01" + le<uint32_t>(1) + le<uint64_t>(text.size()) + le<uint64_t>(payload.size()) +
         le<uint32_t>(crc_of(body)) + body;
}

nlohmann::json one_tensor(nlohmann::json shape, uint64_t bytes, uint64_t offset = 0) {
  return nlohmann::json::array({{{"group", "parameter"},
                                 {"name", "w"},
                                 {"shape", std::move(shape)},
                                 {"dtype", "f32"},
                                 {"offset", offset},
                                 {"bytes", bytes}}});
}

// A valid embedding cache of `words` (dim 2) without its CRC; patch then seal.
std::string cache_body(const TempDir& dir, const std::vector<std::string>& words) {
  EmbeddingTable table;
  table.dim = 2;
  const float v[2] = {1, -1};
  for (const std::string& w : words)
    table.add(w, v);
  save_embedding_cache(dir / "scratch.cache", table, "key");
  std::ifstream in(dir / "scratch.cache", std::ios::binary);
  std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return file.substr(0, file.size() - 4);
}

std::string sealed(const std::string& body) {
  return body + le<uint32_t>(crc_of(body));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_files)

// ---- IDX ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(idx_dims_are_checked_before_anything_is_sized) {
  TempDir dir;
  // 65536^3 elements and no payload: refused from the header alone.
  write_bytes(dir / "huge", idx_header(0x08, {65536, 65536, 65536}));
  std::string m = message_of<DataError>([&] { read_idx(dir / "huge"); });
  BOOST_TEST(contains(m, (dir / "huge").string()));
  BOOST_TEST(contains(m, "dims (65536, 65536, 65536) at byte 4"));
  BOOST_TEST(contains(m, "more than 2^40 elements"));
  // (2^32-1)^3 wraps a 64-bit product; still refused by name.
  write_bytes(dir / "wrap", idx_header(0x0E, {0xffffffffu, 0xffffffffu, 0xffffffffu}));
  BOOST_TEST(contains(message_of<DataError>([&] { read_idx(dir / "wrap"); }), "2^40"));
  // Found by the IDX fuzz target: 128 x 2^31 x 2^31 = 2^69 wrapped the
  // header's count to 0, and the file passed as an empty array.
  write_bytes(dir / "zero", idx_header(0x08, {128, 0x80000000u, 0x80000000u}));
  m = message_of<DataError>([&] { read_idx(dir / "zero"); });
  BOOST_TEST(contains(m, (dir / "zero").string()));
  BOOST_TEST(contains(m, "dims (128, 2147483648, 2147483648)"));
  // The same headers gzipped: refused before the payload is inflated.
  write_bytes(dir / "huge.gz", gzip_of(idx_header(0x08, {65536, 65536, 65536}), dir / "s"));
  m = message_of<DataError>([&] { read_idx(dir / "huge.gz"); });
  BOOST_TEST(contains(m, "(gzipped IDX)"));
  BOOST_TEST(contains(m, "2^40"));
}

BOOST_AUTO_TEST_CASE(gzipped_idx_cannot_claim_more_than_it_holds) {
  TempDir dir;
  // The header claims a gigabyte; the stream holds 10 bytes of it.
  write_bytes(dir / "short.gz",
              gzip_of(idx_header(0x08, {1u << 30}) + std::string(10, 'x'), dir / "s"));
  std::string m = message_of<DataError>([&] { read_idx(dir / "short.gz"); });
  BOOST_TEST(contains(m, "truncated data: expected 1073741824 bytes of data, got 10"));
  // Bytes after the last member that are not a gzip member.
  const std::string valid = idx_header(0x08, {3}) + "abc";
  write_bytes(dir / "tail.gz", gzip_of(valid, dir / "s") + "tail");
  m = message_of<DataError>([&] { read_idx(dir / "tail.gz"); });
  BOOST_TEST(contains(m, "4 bytes after the end of the gzip stream are not a gzip member"));
  // Members in a row read as one stream (as gzip -d does).
  write_bytes(dir / "two.gz",
              gzip_of(valid.substr(0, 5), dir / "s") + gzip_of(valid.substr(5), dir / "t"));
  BOOST_TEST(read_idx(dir / "two.gz").bytes == (std::vector<uint8_t>{'a', 'b', 'c'}),
             boost::test_tools::per_element());
  // More payload than the header describes, inside the stream.
  write_bytes(dir / "long.gz", gzip_of(valid + "de", dir / "s"));
  BOOST_TEST(contains(message_of<DataError>([&] { read_idx(dir / "long.gz"); }),
                      "2 unexpected bytes after the 3 bytes"));
}

BOOST_AUTO_TEST_CASE(image_sets_need_images_with_pixels) {
  TempDir dir;
  write_bytes(dir / "labels", idx_header(0x08, {0}));
  write_bytes(dir / "empty", idx_header(0x08, {0, 0x80000000u, 0x80000000u}));
  std::string m = message_of<DataError>([&] { load_idx_images(dir / "empty", dir / "labels"); });
  BOOST_TEST(contains(m, (dir / "empty").string()));
  BOOST_TEST(contains(m, "holds 0 images"));
  write_bytes(dir / "labels3", idx_header(0x08, {3}) + std::string(3, '\0'));
  write_bytes(dir / "flat", idx_header(0x08, {3, 0, 4}));
  m = message_of<DataError>([&] { load_idx_images(dir / "flat", dir / "labels3"); });
  BOOST_TEST(contains(m, "images of 0x4 pixels"));
}

BOOST_AUTO_TEST_CASE(folders_and_fifos_are_refused_not_read) {
  TempDir dir;
  fs::create_directory(dir / "folder");
  const std::string fifo = (dir / "fifo").string();
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A FIFO used to block the reader forever; a folder failed late.
  std::string m = message_of<DataError>([&] { read_idx(dir / "fifo"); });
  BOOST_TEST(contains(m, fifo + ": is a FIFO, not a regular file"));
  m = message_of<DataError>([&] { read_checkpoint(dir / "folder"); });
  BOOST_TEST(contains(m, "is a folder, not a regular file"));
  BOOST_CHECK_THROW(load_embedding_cache(dir / "fifo", nullptr), DataError);
  BOOST_CHECK_THROW(read_embedding_source(dir / "fifo"), DataError);
  BOOST_CHECK_THROW(read_imdb_reviews(dir / "folder"), DataError);
  BOOST_TEST(contains(message_of<DataError>([&] { read_idx(dir / "missing"); }), "not found"));
}

// ---- checkpoints -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(checkpoint_shapes_that_wrap_are_refused) {
  TempDir dir;
  // (2^62 + 1) x 4 used to wrap to 4 elements, matching a 16-byte payload;
  // restoring it then made a tensor with 4 elements of storage.
  write_bytes(dir / "wrap4",
              checkpoint_file({{"tensors", one_tensor({4611686018427387905ull, 4}, 16)}},
                              std::string(16, '\0')));
  std::string m = message_of<DataError>([&] { read_checkpoint(dir / "wrap4"); });
  BOOST_TEST(contains(m, (dir / "wrap4").string() + " (checkpoint): tensor w"));
  BOOST_TEST(contains(m, "shape (4611686018427387905, 4) has too many elements"));
  // 2^62 f32 elements need 2^64 bytes, which wrapped to 0 (then resize(2^62)).
  write_bytes(dir / "wrap0",
              checkpoint_file({{"tensors", one_tensor({4611686018427387904ull}, 0)}}, ""));
  m = message_of<DataError>([&] { read_checkpoint(dir / "wrap0"); });
  BOOST_TEST(contains(m, "a (4611686018427387904) f32 tensor"));
  BOOST_TEST(contains(m, "2^63 - 1"));
}

BOOST_AUTO_TEST_CASE(checkpoint_numbers_are_checked_before_any_cast) {
  TempDir dir;
  write_bytes(dir / "epoch", checkpoint_file({{"epoch", 1e300}}, ""));
  std::string m = message_of<DataError>([&] { read_checkpoint(dir / "epoch"); });
  BOOST_TEST(contains(m, "\"epoch\" is 1e+300; expected a whole number in 0..9223372036854775807"));
  write_bytes(dir / "dim",
              checkpoint_file({{"tensors", one_tensor({2.5, 2}, 16)}}, std::string(16, '\0')));
  BOOST_TEST(contains(message_of<DataError>([&] { read_checkpoint(dir / "dim"); }),
                      "\"shape\" holds 2.5"));
  // offset + bytes used to wrap past the payload check.
  write_bytes(dir / "bytes",
              checkpoint_file({{"tensors", one_tensor({2}, 18446744073709551608ull)}}, ""));
  BOOST_TEST(contains(message_of<DataError>([&] { read_checkpoint(dir / "bytes"); }),
                      "\"bytes\" is 18446744073709551608"));
  write_bytes(dir / "gap",
              checkpoint_file({{"tensors", one_tensor({2}, 8, 8)}}, std::string(16, '\0')));
  BOOST_TEST(contains(message_of<DataError>([&] { read_checkpoint(dir / "gap"); }),
                      "inconsistent at w (offset 8"));
}

BOOST_AUTO_TEST_CASE(checkpoint_header_sizes_are_checked_against_the_file) {
  TempDir dir;
  std::string file = checkpoint_file(nlohmann::json::object(), "");
  file.replace(12, 8, le<uint64_t>(~uint64_t{0}));  // metadata size 2^64 - 1
  write_bytes(dir / "meta", file);
  const std::string m = message_of<DataError>([&] { read_checkpoint(dir / "meta"); });
  BOOST_TEST(contains(
      m, "truncated: the header describes more than " + std::to_string(file.size()) + " bytes"));
  BOOST_TEST(contains(m, "metadata 18446744073709551615"));
}

// ---- embedding cache -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(cache_word_count_is_checked_against_the_bytes_left) {
  TempDir dir;
  // The count sits at byte 16 (after magic, version and dim). 2^32 words used
  // to be reserved up front: std::bad_alloc.
  std::string body = cache_body(dir, {"the", "movie"});
  body.replace(16, 8, le<uint64_t>(uint64_t{1} << 32));
  write_bytes(dir / "count", sealed(body));
  std::string key = "unchanged";
  const std::string m = message_of<DataError>([&] { load_embedding_cache(dir / "count", &key); });
  BOOST_TEST(contains(m, (dir / "count").string() + " (embedding cache)"));
  BOOST_TEST(contains(m, "the word count at byte 16 is 4294967296"));
  BOOST_TEST(contains(m, "records of at least 12 bytes"));
  BOOST_TEST(key == "unchanged");  // nothing half-made
}

BOOST_AUTO_TEST_CASE(cache_dim_and_values_are_checked) {
  TempDir dir;
  std::string body = cache_body(dir, {"the"});
  body.replace(12, 4, le<uint32_t>(0xffffffffu));  // cast to int used to give -1
  write_bytes(dir / "dim", sealed(body));
  BOOST_TEST(contains(message_of<DataError>([&] { load_embedding_cache(dir / "dim", nullptr); }),
                      "the dimension at byte 12 is 4294967295; expected 1..100000"));
  body = cache_body(dir, {"the"});
  body.replace(body.size() - 4, 4, le<float>(std::numeric_limits<float>::infinity()));
  write_bytes(dir / "inf", sealed(body));
  BOOST_TEST(contains(message_of<DataError>([&] { load_embedding_cache(dir / "inf", nullptr); }),
                      "(word \"the\") is not a finite number"));
  // No words at all: valid, and the empty vector block is not copied from.
  write_bytes(dir / "none", sealed(cache_body(dir, {})));
  std::string key;
  const EmbeddingTable empty = load_embedding_cache(dir / "none", &key);
  BOOST_TEST(empty.size() == 0);
  BOOST_TEST(empty.dim == 2);
  BOOST_TEST(key == "key");
}

// ---- word-vector sources ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(wink_dimensions_and_values_are_checked_before_casting) {
  TempDir dir;
  // static_cast<int>(1e300) was undefined behaviour; 1e300 as float was inf.
  write_bytes(dir / "dims.json", R"({"dimensions": 1e300, "vectors": {"the": [1, 2]}})");
  std::string m = message_of<DataError>([&] { read_embedding_source(dir / "dims.json"); });
  BOOST_TEST(contains(m, (dir / "dims.json").string()));
  BOOST_TEST(contains(m, "\"dimensions\" is 1e+300; expected a whole number in 1..100000"));
  write_bytes(dir / "frac.json", R"({"dimensions": 2.5, "vectors": {"the": [1, 2, 3]}})");
  BOOST_TEST(contains(message_of<DataError>([&] { read_embedding_source(dir / "frac.json"); }),
                      "\"dimensions\" is 2.5"));
  write_bytes(dir / "value.json", R"({"dimensions": 2, "vectors": {"the": [1, 1e300, 0, 0]}})");
  BOOST_TEST(
      contains(message_of<DataError>([&] { read_embedding_source(dir / "value.json"); }),
               "the vector of \"the\" holds 1e+300 at position 1, outside the float32 range"));
}

BOOST_AUTO_TEST_CASE(glove_values_must_be_finite_float32_numbers) {
  TempDir dir;
  write_bytes(dir / "big.txt", "the 0.5 1\nmovie 1e300 0\n");
  std::string m = message_of<DataError>([&] { read_embedding_source(dir / "big.txt"); });
  BOOST_TEST(contains(m, (dir / "big.txt").string() + ": line 2: value 1 (\"1e300\")"));
  BOOST_TEST(contains(m, "outside the float32 range"));
  write_bytes(dir / "nan.txt", "the nan 1\n");
  BOOST_TEST(contains(message_of<DataError>([&] { read_embedding_source(dir / "nan.txt"); }),
                      "is not a finite number"));
  write_bytes(dir / "word.txt", "the 1 2x\n");
  BOOST_TEST(contains(message_of<DataError>([&] { read_embedding_source(dir / "word.txt"); }),
                      "value 2 (\"2x\") is not a number"));
  // Tabs and CRLF line ends still read.
  write_bytes(dir / "ok.txt", "the\t0.5 1\r\nmovie -1 2\r\n");
  const EmbeddingTable table = read_embedding_source(dir / "ok.txt");
  BOOST_TEST(table.dim == 2);
  BOOST_TEST(table.size() == 2);
}

// ---- IMDB reviews ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(review_labels_are_compared_as_written) {
  TempDir dir;
  // 2^64 - 1 read as int64 is -1; reported as written, never wrapped.
  write_bytes(dir / "r.json", R"([{"t": "fine", "s": 18446744073709551615}])");
  const std::string m = message_of<DataError>([&] { read_imdb_reviews(dir / "r.json"); });
  BOOST_TEST(
      contains(m, (dir / "r.json").string() + ": review 0 has sentiment 18446744073709551615"));
  write_bytes(dir / "ok.json", R"([{"t": "fine", "s": 1}, {"t": "bad", "s": 0}])");
  const auto reviews = read_imdb_reviews(dir / "ok.json");
  BOOST_TEST(reviews.size() == 2u);
  BOOST_TEST(reviews[1].label == 0);
}

BOOST_AUTO_TEST_SUITE_END()
