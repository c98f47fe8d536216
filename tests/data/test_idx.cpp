// test_idx.cpp — the IDX reader on files built byte by byte in a temp folder:
// raw and gzipped, the image/label pair, and every corruption the reader must
// name (missing, bad magic, type code, dims, truncation, counts, labels).
#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>
#include <minitorch/datasets/idx.hpp>

#include <zlib.h>

#include "data_testing.hpp"

using namespace mt;
using namespace mt::test;

namespace {

// An IDX file assembled by hand (not by write_idx), so the reader is checked
// against the format, not against our own writer.
std::string idx_bytes(uint8_t code, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string out{'\0', '\0', static_cast<char>(code), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      out += static_cast<char>((d >> shift) & 0xff);
  return out + payload;
}

std::string gzip_bytes(const std::string& raw, const fs::path& scratch) {
  gzFile gz = gzopen(scratch.c_str(), "wb");
  gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(gz);
  return read_bytes(scratch);
}

// n images of 2x3 with pixel value (i * 7 + k) % 256, and labels i % 10.
void write_pair(const TempDir& dir, int n, bool gzip) {
  std::string pixels, labels;
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 6; ++k)
      pixels += static_cast<char>((i * 7 + k) % 256);
    labels += static_cast<char>(i % 10);
  }
  std::string images = idx_bytes(0x08, {uint32_t(n), 2, 3}, pixels);
  std::string label_file = idx_bytes(0x08, {uint32_t(n)}, labels);
  if (gzip) {
    images = gzip_bytes(images, dir / "scratch1");
    label_file = gzip_bytes(label_file, dir / "scratch2");
  }
  write_bytes(dir / "images", images);
  write_bytes(dir / "labels", label_file);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(reads_raw_and_gzipped_files_alike) {
  for (bool gzip : {false, true}) {
    TempDir dir;
    write_pair(dir, 5, gzip);
    const IdxArray a = read_idx(dir / "images");
    BOOST_TEST(static_cast<int>(a.type) == 0x08);
    BOOST_TEST(a.dims == (std::vector<int64_t>{5, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(a.bytes.size() == 30u);
    BOOST_TEST(a.bytes[13] == (2 * 7 + 1) % 256);  // image 2, pixel 1

    const ImageSet set = load_idx_images(dir / "images", dir / "labels");
    BOOST_TEST(set.count == 5);
    BOOST_TEST(set.rows == 2);
    BOOST_TEST(set.cols == 3);
    BOOST_TEST(set.labels[4] == 4);
    // Pixels are byte / 255.
    BOOST_TEST(set.pixels[13] == 15.0f / 255.0f);
  }
}

BOOST_AUTO_TEST_CASE(batches_become_tensors_in_the_given_order) {
  TempDir dir;
  write_pair(dir, 4, false);
  const ImageSet set = load_idx_images(dir / "images", dir / "labels", 10);
  const TensorOptions options{.dtype = DType::f64, .backend = reference()};
  const std::vector<int64_t> idx{3, 1};
  const Tensor x = set.images(idx, options);
  BOOST_TEST(x.shape() == (Shape{2, 1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(x.get({0, 0, 1, 2}) == ((3 * 7 + 5) % 256) / 255.0,
             boost::test_tools::tolerance(1e-7));
  BOOST_TEST(x.get({1, 0, 0, 0}) == 7 / 255.0, boost::test_tools::tolerance(1e-7));
  const Tensor y = set.one_hot(idx, options);
  BOOST_TEST(y.shape() == (Shape{2, 10}), boost::test_tools::per_element());
  BOOST_TEST(y.get({0, 3}) == 1.0);
  BOOST_TEST(y.get({1, 1}) == 1.0);
  BOOST_TEST(y.sum().item() == 2.0);
  const std::vector<int64_t> bad{4};
  BOOST_CHECK_THROW(set.images(bad, options), IndexingError);
}

BOOST_AUTO_TEST_CASE(writer_output_matches_the_format) {
  TempDir dir;
  const std::vector<uint8_t> payload{1, 2, 3, 4, 5, 6};
  write_idx(dir / "w", IdxType::u8, {2, 3}, payload);
  BOOST_TEST(read_bytes(dir / "w") == idx_bytes(0x08, {2, 3}, "\x01\x02\x03\x04\x05\x06"));
  write_idx(dir / "w.gz", IdxType::u8, {2, 3}, payload, true);
  const std::string gz = read_bytes(dir / "w.gz");
  BOOST_TEST(static_cast<unsigned char>(gz[0]) == 0x1fu);
  BOOST_TEST(static_cast<unsigned char>(gz[1]) == 0x8bu);
  BOOST_TEST(read_idx(dir / "w.gz").bytes == payload, boost::test_tools::per_element());
}

RC_BOOST_PROP(round_trip_any_u8_array, (std::vector<uint8_t> dims_seed, bool gzip)) {
  TempDir dir;
  std::vector<int64_t> dims;
  for (std::size_t i = 0; i < std::min<std::size_t>(dims_seed.size(), 3); ++i)
    dims.push_back(dims_seed[i] % 5);
  if (dims.empty())
    dims.push_back(3);
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  std::vector<uint8_t> payload(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<uint8_t>(i * 31 + 7);
  write_idx(dir / "f", IdxType::u8, dims, payload, gzip);
  const IdxArray back = read_idx(dir / "f");
  RC_ASSERT(back.dims == dims);
  RC_ASSERT(back.bytes == payload);
}

BOOST_AUTO_TEST_CASE(missing_file_is_named) {
  TempDir dir;
  const std::string m = data_error_of([&] { read_idx(dir / "nope-idx3-ubyte"); });
  BOOST_TEST(contains(m, (dir / "nope-idx3-ubyte").string()));
  BOOST_TEST(contains(m, "not found"));
}

BOOST_AUTO_TEST_CASE(bad_magic_and_unknown_type_code) {
  TempDir dir;
  write_bytes(dir / "f", std::string("PK\x03\x04 not idx at all", 20));
  std::string m = data_error_of([&] { read_idx(dir / "f"); });
  BOOST_TEST(contains(m, (dir / "f").string()));
  BOOST_TEST(contains(m, "bad magic"));

  write_bytes(dir / "g", idx_bytes(0x07, {2}, "ab"));
  m = data_error_of([&] { read_idx(dir / "g"); });
  BOOST_TEST(contains(m, "unknown type code 0x07"));
}

BOOST_AUTO_TEST_CASE(truncated_raw_payload_says_expected_and_got) {
  TempDir dir;
  write_bytes(dir / "f", idx_bytes(0x08, {4, 2, 2}, std::string(10, 'x')));
  const std::string m = data_error_of([&] { read_idx(dir / "f"); });
  BOOST_TEST(contains(m, (dir / "f").string()));
  BOOST_TEST(contains(m, "truncated data: expected 16 bytes of data, got 10"));

  write_bytes(dir / "h", std::string("\0\0\x08\x03\0\0", 6));  // header cut inside the dims
  BOOST_TEST(contains(data_error_of([&] { read_idx(dir / "h"); }), "truncated header"));

  write_bytes(dir / "t", idx_bytes(0x08, {2}, "abc"));  // one byte too many
  BOOST_TEST(contains(data_error_of([&] { read_idx(dir / "t"); }), "1 unexpected bytes"));
}

BOOST_AUTO_TEST_CASE(truncated_and_corrupt_gzip_streams) {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 20000; ++i)
    big += static_cast<char>((i * 131) % 251);
  const std::string gz = gzip_bytes(idx_bytes(0x08, {20000}, big), dir / "s");
  write_bytes(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  std::string m = data_error_of([&] { read_idx(dir / "cut.gz"); });
  BOOST_TEST(contains(m, (dir / "cut.gz").string()));
  BOOST_TEST(contains(m, "truncated gzip stream"));

  std::string flipped = gz;
  flipped[gz.size() / 2] = static_cast<char>(flipped[gz.size() / 2] ^ 0x55);
  write_bytes(dir / "bad.gz", flipped);
  m = data_error_of([&] { read_idx(dir / "bad.gz"); });
  BOOST_TEST(contains(m, (dir / "bad.gz").string()));
  BOOST_TEST((contains(m, "corrupt gzip data") || contains(m, "truncated")));
}

BOOST_AUTO_TEST_CASE(image_label_pair_checks) {
  TempDir dir;
  // Wrong type code for images (int32 instead of unsigned byte).
  write_bytes(dir / "img32", idx_bytes(0x0C, {1, 1, 1}, std::string(4, '\0')));
  write_bytes(dir / "lab", idx_bytes(0x08, {1}, std::string(1, '\x03')));
  std::string m = data_error_of([&] { load_idx_images(dir / "img32", dir / "lab"); });
  BOOST_TEST(contains(m, (dir / "img32").string()));
  BOOST_TEST(contains(m, "wrong type code 0x0C"));

  // Dims mismatch: a 2-D "image" file.
  write_bytes(dir / "img2d", idx_bytes(0x08, {2, 4}, std::string(8, 'a')));
  m = data_error_of([&] { load_idx_images(dir / "img2d", dir / "lab"); });
  BOOST_TEST(contains(m, "dims mismatch"));
  BOOST_TEST(contains(m, "this one has 2 dims"));

  // Count mismatch: 2 images, 1 label.
  write_bytes(dir / "img", idx_bytes(0x08, {2, 1, 1}, "ab"));
  m = data_error_of([&] { load_idx_images(dir / "img", dir / "lab"); });
  BOOST_TEST(contains(m, "has 1 labels but"));
  BOOST_TEST(contains(m, "has 2 images"));

  // Label out of range.
  write_bytes(dir / "lab2", idx_bytes(0x08, {2}, std::string("\x01\x0c", 2)));
  m = data_error_of([&] { load_idx_images(dir / "img", dir / "lab2"); });
  BOOST_TEST(contains(m, (dir / "lab2").string()));
  BOOST_TEST(contains(m, "label 12 at index 1 is out of range 0..9"));
}

BOOST_AUTO_TEST_CASE(mnist_folder_finds_raw_or_gz_names) {
  TempDir dir;
  for (const char* split : {"train", "t10k"}) {
    write_idx(dir / (std::string(split) + "-images-idx3-ubyte.gz"), IdxType::u8, {2, 4, 4},
              std::vector<uint8_t>(32, 200), true);
    write_idx(dir / (std::string(split) + "-labels-idx1-ubyte"), IdxType::u8, {2},
              std::vector<uint8_t>{1, 9});
  }
  const ImageDataset data = load_mnist_folder(dir.path());
  BOOST_TEST(data.train.count == 2);
  BOOST_TEST(data.test.labels[1] == 9);
  BOOST_TEST(data.test.pixels[0] == 200.0f / 255.0f);
  fs::remove(dir / "t10k-labels-idx1-ubyte");
  const std::string m = data_error_of([&] { load_mnist_folder(dir.path()); });
  BOOST_TEST(contains(m, "t10k-labels-idx1-ubyte"));
}

BOOST_AUTO_TEST_SUITE_END()
