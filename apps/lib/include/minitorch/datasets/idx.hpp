// minitorch/datasets/idx.hpp — the IDX file format (MNIST, Fashion-MNIST): a reader
// for raw or gzipped files (told apart by their magic bytes) and an image/label
// set built from a pair of them. Not a downloader (see data/fetch.hpp).
#pragma once

#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mt {

// The element type codes of the IDX header's third byte.
enum class IdxType : uint8_t {
  u8 = 0x08,
  i8 = 0x09,
  i16 = 0x0B,
  i32 = 0x0C,
  f32 = 0x0D,
  f64 = 0x0E,
};
// "unsigned byte", "int32", ...; "unknown" for codes outside the format.
const char* idx_type_name(uint8_t code);
// Bytes per element; 0 for an unknown code.
std::size_t idx_type_size(uint8_t code);

// One IDX file as stored: the element type, the dims and the payload bytes
// exactly as in the file (big-endian for multi-byte types).
struct IdxArray {
  IdxType type = IdxType::u8;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
  int64_t count() const;  // product of dims (checked: see shape_size)
};

// Reads a whole IDX file. A file starting with the gzip magic (1f 8b) is
// decompressed with zlib; anything else is read as raw IDX. Every problem is
// a DataError naming the file: missing/unreadable file, corrupt or truncated
// gzip stream, bad magic, unknown type code, zero dims, truncated payload
// ("expected N bytes of data, got M"), trailing bytes, or dims that multiply
// to more than 2^40 elements. The header is checked before any payload is
// decompressed or copied, so a hostile header costs no memory.
IdxArray read_idx(const std::filesystem::path& path);
// The same for a whole file already in memory; `source` names it in messages.
IdxArray parse_idx(std::string_view file_bytes, const std::string& source);

// Writes an IDX file (raw, or gzipped when `gzip` is true). For tests and
// tools that make small data sets; `bytes` must hold count(dims) elements.
void write_idx(const std::filesystem::path& path, IdxType type, const std::vector<int64_t>& dims,
               std::span<const uint8_t> bytes, bool gzip = false);

// N grey images of rows x cols and their class labels. Pixels are stored as
// float in [0, 1]: byte / 255 (MiniTorch fed raw 0..255 values; scaling keeps
// the activations and gradients of the CNN in a sane range).
struct ImageSet {
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  int num_classes = 10;
  std::vector<float> pixels;    // count * rows * cols, row-major per image
  std::vector<int32_t> labels;  // count values in [0, num_classes)

  // Images `indices` as a (B, 1, rows, cols) tensor, in the order given.
  // An index outside [0, count) is an IndexingError.
  Tensor images(std::span<const int64_t> indices, const TensorOptions& options) const;
  // Labels `indices` as a (B, num_classes) one-hot tensor. Both refuse a set
  // whose vectors do not match count, rows and cols (ArgumentError).
  Tensor one_hot(std::span<const int64_t> indices, const TensorOptions& options) const;
  // The first `n` examples only (n >= count keeps all).
  void truncate(int64_t n);
};

// Builds an image set from an idx3 image file (type u8, dims N x rows x cols)
// and an idx1 label file (type u8, dims N). Mismatched counts, wrong types or
// ranks and labels >= num_classes are DataErrors naming the file.
ImageSet load_idx_images(const std::filesystem::path& images, const std::filesystem::path& labels,
                         int num_classes = 10);
// The same from arrays already read; the names stand for the files in messages.
// It needs at least one image, of rows and cols >= 1.
ImageSet make_image_set(const IdxArray& images, const std::string& images_name,
                        const IdxArray& labels, const std::string& labels_name,
                        int num_classes = 10);

// MNIST's file stems: "train" or "t10k" + "-images-idx3-ubyte" / "-labels-idx1-ubyte".
// Finds `<dir>/<stem>` or `<dir>/<stem>.gz` (whichever exists; the raw one first).
// Returns the path that exists, or the raw name when neither does.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, const std::string& stem);

// The train and test sets of an MNIST-layout folder (MNIST, Fashion-MNIST).
struct ImageDataset {
  ImageSet train;
  ImageSet test;
};
ImageDataset load_mnist_folder(const std::filesystem::path& dir);

}  // namespace mt
