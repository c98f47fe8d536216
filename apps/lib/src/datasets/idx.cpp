// idx.cpp — IDX reading/writing and MNIST-style image sets. The whole file is
// read into memory (60,000 MNIST images are 47 MB); there is no streaming or
// memory mapping, and no dataset-specific knowledge beyond the file stems.
#include <minitorch/datasets/idx.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <zlib.h>

#include "binary.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace mt {

namespace fs = std::filesystem;

const char* idx_type_name(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown";
  }
}

std::size_t idx_type_size(uint8_t code) {
  switch (code) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

int64_t IdxArray::count() const {
  return shape_size(dims);
}

namespace {

std::string hex_byte(uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", b);
  return text;
}

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// 2^40 elements (a terabyte of bytes) is far beyond any IDX data set; a
// header that multiplies to more is corrupt, and is refused before anything
// is allocated or decompressed for it.
constexpr uint64_t max_idx_elements = uint64_t{1} << 40;

}  // namespace

IdxArray parse_idx(std::string_view file, const std::string& source) {
  const bool gzipped = detail::has_gzip_magic(file);
  const std::string name = source + (gzipped ? " (gzipped IDX)" : " (IDX)");
  // The decompressed stream is produced only as far as it is asked for, so
  // the header is checked before the payload is inflated.
  std::optional<detail::GzipReader> gzip;
  std::string inflated;
  if (gzipped)
    gzip.emplace(file, name);
  const auto first_bytes = [&](std::size_t want) -> std::string_view {
    if (!gzipped)
      return file.substr(0, std::min(want, file.size()));
    try {
      if (inflated.size() < want)
        gzip->read(inflated, want - inflated.size());
    } catch (const std::bad_alloc&) {
      throw_allocation_error(want, "the decompressed contents of " + name, "host memory");
    }
    return std::string_view(inflated).substr(0, std::min(want, inflated.size()));
  };

  std::string_view bytes = first_bytes(4);
  if (bytes.size() < 4) {
    throw DataError(name + ": truncated header: expected at least 4 bytes, got " +
                    std::to_string(bytes.size()));
  }
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  if (u[0] != 0 || u[1] != 0) {
    throw DataError(name + ": bad magic: the first two bytes must be 0x00 0x00, got " +
                    hex_byte(u[0]) + " " + hex_byte(u[1]) + "; not an IDX file");
  }
  const uint8_t code = u[2];
  const std::size_t element = idx_type_size(code);
  if (element == 0) {
    throw DataError(name + ": unknown type code " + hex_byte(code) +
                    "; IDX allows 0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32), "
                    "0x0E (f64)");
  }
  const int ndims = u[3];
  if (ndims == 0)
    throw DataError(name + ": the header says 0 dimensions; an IDX array needs at least one");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  bytes = first_bytes(header);
  if (bytes.size() < header) {
    throw DataError(name + ": truncated header: " + std::to_string(ndims) + " dims need " +
                    std::to_string(header) + " bytes, got " + std::to_string(bytes.size()));
  }
  u = reinterpret_cast<const unsigned char*>(bytes.data());
  IdxArray out;
  out.type = static_cast<IdxType>(code);
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint32_t d = big_endian_u32(u + 4 + 4 * i);
    out.dims.push_back(d);
    // Checked before multiplying: 2^38 x 2^31 wraps a uint64 to 0 (what the
    // IDX fuzz target found), which then passed as an empty array.
    if (d != 0 && count > max_idx_elements / d) {
      std::string dims_text;
      for (int k = 0; k < ndims; ++k)
        dims_text += (k ? ", " : "") + std::to_string(big_endian_u32(u + 4 + 4 * k));
      throw DataError(name + ": the header's dims (" + dims_text + ") at byte 4 multiply to " +
                      "more than 2^40 elements, the limit for an IDX file; the header is corrupt");
    }
    count *= d;
  }
  const uint64_t expected = count * element;
  uint64_t got = 0;
  uint64_t trailing = 0;
  if (gzipped) {
    bytes = first_bytes(header + static_cast<std::size_t>(expected));
    got = bytes.size() - header;
    if (got == expected)
      trailing = gzip->skip_rest();
  } else {
    got = file.size() - header;
    if (got > expected) {
      trailing = got - expected;
      got = expected;
    }
    bytes = file.substr(0, header + static_cast<std::size_t>(got));
  }
  if (got < expected) {
    throw DataError(name + ": truncated data: expected " + std::to_string(expected) +
                    " bytes of data, got " + std::to_string(got));
  }
  if (trailing > 0) {
    throw DataError(name + ": " + std::to_string(trailing) + " unexpected bytes after the " +
                    std::to_string(expected) + " bytes of data the header describes");
  }
  try {
    out.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  } catch (const std::bad_alloc&) {
    throw_allocation_error(expected, "the data of " + name, "host memory");
  }
  return out;
}

IdxArray read_idx(const fs::path& path) {
  return parse_idx(detail::read_whole_file(path), path.string());
}

void write_idx(const fs::path& path, IdxType type, const std::vector<int64_t>& dims,
               std::span<const uint8_t> bytes, bool gzip) {
  if (dims.empty() || dims.size() > 255)
    throw ArgumentError("write_idx: an IDX array needs 1..255 dims, got " +
                        std::to_string(dims.size()));
  for (int64_t d : dims) {
    if (d < 0 || d > 0xffffffffLL)
      throw ArgumentError("write_idx: dim " + std::to_string(d) + " is outside 0..2^32-1");
  }
  const std::size_t element = idx_type_size(uint8_t(type));
  if (element == 0)
    throw ArgumentError("write_idx: unknown type code " + hex_byte(uint8_t(type)));
  const std::size_t expected =
      byte_count(shape_size(dims), element, "write_idx: an IDX array " + shape_to_string(dims));
  if (bytes.size() != expected)
    throw ArgumentError("write_idx: dims need " + std::to_string(expected) + " bytes, got " +
                        std::to_string(bytes.size()));
  std::string content;
  content += '\0';
  content += '\0';
  content += static_cast<char>(type);
  content += static_cast<char>(dims.size());
  for (int64_t d : dims) {
    const auto u = static_cast<uint32_t>(d);
    for (int shift = 24; shift >= 0; shift -= 8)
      content += static_cast<char>((u >> shift) & 0xff);
  }
  content.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!gzip) {
    write_file_atomically(path, content);
    return;
  }
  ScopedTemporary tmp(temporary_path_for(path));  // removed on every way out
  gzFile gz = gzopen(tmp.path().c_str(), "wb");
  if (gz == nullptr)
    throw DataError("cannot write " + path.string() + ": " + std::strerror(errno));
  const int n = gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  const int closed = gzclose(gz);
  if (n != static_cast<int>(content.size()) || closed != Z_OK)
    throw DataError("cannot write " + path.string() + ": gzip write failed");
  commit_file(tmp.path(), path);
  tmp.release();
}

namespace {

// An ImageSet is a plain struct anyone can fill; before its vectors are
// indexed, their sizes must agree with count, rows and cols.
void check_image_set(const ImageSet& set, const char* what) {
  int64_t pixels = 0;
  if (set.count < 0 || set.rows < 0 || set.cols < 0 || set.num_classes < 1 ||
      !checked_mul(set.count, set.rows, pixels) || !checked_mul(pixels, set.cols, pixels) ||
      static_cast<uint64_t>(pixels) != set.pixels.size() ||
      static_cast<uint64_t>(set.count) != set.labels.size()) {
    throw ArgumentError(
        std::string(what) + ": the image set is inconsistent: " + std::to_string(set.count) +
        " images of " + std::to_string(set.rows) + "x" + std::to_string(set.cols) + ", " +
        std::to_string(set.num_classes) + " classes, but " + std::to_string(set.pixels.size()) +
        " pixels and " + std::to_string(set.labels.size()) + " labels");
  }
}

void check_index(const ImageSet& set, int64_t i, const char* what) {
  if (i < 0 || i >= set.count)
    throw IndexingError(std::string(what) + " index " + std::to_string(i) + " is outside 0.." +
                        std::to_string(set.count - 1));
}

}  // namespace

Tensor ImageSet::images(std::span<const int64_t> indices, const TensorOptions& options) const {
  check_image_set(*this, "ImageSet::images");
  const Shape shape{static_cast<int64_t>(indices.size()), 1, rows, cols};
  const auto per_image = static_cast<std::size_t>(rows * cols);  // <= pixels.size(): no overflow
  auto batch = host_vector<float>(shape_size(shape),
                                  [&] { return "a batch of images " + shape_to_string(shape); });
  for (std::size_t b = 0; b < indices.size(); ++b) {
    check_index(*this, indices[b], "image");
    std::copy_n(pixels.data() + static_cast<std::size_t>(indices[b]) * per_image, per_image,
                batch.data() + b * per_image);
  }
  return Tensor::from_host(std::span<const float>(batch), shape, options);
}

Tensor ImageSet::one_hot(std::span<const int64_t> indices, const TensorOptions& options) const {
  check_image_set(*this, "ImageSet::one_hot");
  const Shape shape{static_cast<int64_t>(indices.size()), num_classes};
  auto values = host_vector<float>(
      shape_size(shape), [&] { return "a batch of one-hot labels " + shape_to_string(shape); });
  for (std::size_t b = 0; b < indices.size(); ++b) {
    check_index(*this, indices[b], "label");
    const int32_t label = labels[static_cast<std::size_t>(indices[b])];
    if (label < 0 || label >= num_classes)
      throw ArgumentError("ImageSet::one_hot: label " + std::to_string(label) + " of example " +
                          std::to_string(indices[b]) + " is outside 0.." +
                          std::to_string(num_classes - 1));
    values[b * static_cast<std::size_t>(num_classes) + static_cast<std::size_t>(label)] = 1.0f;
  }
  return Tensor::from_host(std::span<const float>(values), shape, options);
}

void ImageSet::truncate(int64_t n) {
  if (n < 0 || n >= count)
    return;
  check_image_set(*this, "ImageSet::truncate");
  count = n;
  pixels.resize(static_cast<std::size_t>(n * rows * cols));
  labels.resize(static_cast<std::size_t>(n));
}

ImageSet make_image_set(const IdxArray& images, const std::string& images_name,
                        const IdxArray& labels, const std::string& labels_name, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw ArgumentError("make_image_set: num_classes must be in 1..256, got " +
                        std::to_string(num_classes));
  if (images.type != IdxType::u8)
    throw DataError(images_name + ": wrong type code " + hex_byte(uint8_t(images.type)) + " (" +
                    idx_type_name(uint8_t(images.type)) +
                    "); image files must hold unsigned bytes (0x08)");
  if (images.dims.size() != 3)
    throw DataError(images_name +
                    ": dims mismatch: image files are 3-D (count, rows, "
                    "cols), this one has " +
                    std::to_string(images.dims.size()) + " dims");
  if (labels.type != IdxType::u8)
    throw DataError(labels_name + ": wrong type code " + hex_byte(uint8_t(labels.type)) + " (" +
                    idx_type_name(uint8_t(labels.type)) +
                    "); label files must hold unsigned bytes (0x08)");
  if (labels.dims.size() != 1)
    throw DataError(labels_name + ": dims mismatch: label files are 1-D (count), this one has " +
                    std::to_string(labels.dims.size()) + " dims");
  if (labels.dims[0] != images.dims[0])
    throw DataError(labels_name + " has " + std::to_string(labels.dims[0]) + " labels but " +
                    images_name + " has " + std::to_string(images.dims[0]) +
                    " images; they must match");
  // Arrays from parse_idx hold exactly count(dims) bytes; anything else was
  // built by hand and is refused rather than read past its end.
  if (static_cast<uint64_t>(images.count()) != images.bytes.size() ||
      static_cast<uint64_t>(labels.count()) != labels.bytes.size())
    throw ArgumentError("make_image_set: " + images_name + " or " + labels_name +
                        " holds a different number of bytes than its dims describe");
  if (images.dims[0] < 1)
    throw DataError(images_name + ": the file holds 0 images; an image set needs at least one");
  if (images.dims[1] < 1 || images.dims[2] < 1)
    throw DataError(images_name + ": images of " + std::to_string(images.dims[1]) + "x" +
                    std::to_string(images.dims[2]) + " pixels have no pixels; rows and cols " +
                    "must be >= 1");

  ImageSet set;
  set.count = images.dims[0];
  set.rows = images.dims[1];
  set.cols = images.dims[2];
  set.num_classes = num_classes;
  set.labels = host_vector<int32_t>(set.count, [&] { return "the labels of " + labels_name; });
  for (int64_t i = 0; i < set.count; ++i) {
    const uint8_t label = labels.bytes[static_cast<std::size_t>(i)];
    if (label >= num_classes)
      throw DataError(labels_name + ": label " + std::to_string(label) + " at index " +
                      std::to_string(i) + " is out of range 0.." + std::to_string(num_classes - 1));
    set.labels[static_cast<std::size_t>(i)] = label;
  }
  // Reserved, then appended a cache-sized chunk at a time: the pixels are
  // written once (a sized vector would zero-fill all of them first).
  host_reserve(set.pixels, static_cast<int64_t>(images.bytes.size()),
               [&] { return "the pixels of " + images_name; });
  constexpr std::size_t kChunk = 4096;
  float chunk[kChunk];
  for (std::size_t start = 0; start < images.bytes.size(); start += kChunk) {
    const std::size_t n = std::min(kChunk, images.bytes.size() - start);
    for (std::size_t i = 0; i < n; ++i)
      chunk[i] = static_cast<float>(images.bytes[start + i]) / 255.0f;
    set.pixels.insert(set.pixels.end(), chunk, chunk + n);
  }
  return set;
}

ImageSet load_idx_images(const fs::path& images, const fs::path& labels, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw ArgumentError("load_idx_images: num_classes must be in 1..256, got " +
                        std::to_string(num_classes));
  const IdxArray image_array = read_idx(images);
  const IdxArray label_array = read_idx(labels);
  return make_image_set(image_array, images.string(), label_array, labels.string(), num_classes);
}

fs::path find_idx_file(const fs::path& dir, const std::string& stem) {
  std::error_code ec;
  const fs::path raw = dir / stem;
  if (fs::exists(raw, ec))
    return raw;
  fs::path gz = dir / (stem + ".gz");
  if (fs::exists(gz, ec))
    return gz;
  return raw;
}

ImageDataset load_mnist_folder(const fs::path& dir) {
  ImageDataset data;
  data.train = load_idx_images(find_idx_file(dir, "train-images-idx3-ubyte"),
                               find_idx_file(dir, "train-labels-idx1-ubyte"));
  data.test = load_idx_images(find_idx_file(dir, "t10k-images-idx3-ubyte"),
                              find_idx_file(dir, "t10k-labels-idx1-ubyte"));
  return data;
}

}  // namespace mt
