// idx.cpp — IDX reading/writing and MNIST-style image sets. The whole file is
// read into memory (60,000 MNIST images are 47 MB); there is no streaming or
// memory mapping, and no dataset-specific knowledge beyond the file stems.
#include <minitorch/data/idx.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/io.hpp>

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

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
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

namespace {

std::string hex_byte(uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", b);
  return text;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The file's bytes, gunzipped when it starts with the gzip magic. Sets
// `gzipped` so messages can say which form was read.
std::vector<uint8_t> read_maybe_gzipped(const fs::path& path, bool& gzipped) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw DataError(path.string() + ": file not found");
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  uint8_t magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, file.get());
  gzipped = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::vector<uint8_t> bytes;
  if (!gzipped) {
    bytes.assign(magic, magic + got);
    uint8_t buffer[1 << 16];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
      bytes.insert(bytes.end(), buffer, buffer + n);
    if (std::ferror(file.get()))
      throw DataError(path.string() + ": read error: " + std::strerror(errno));
    return bytes;
  }
  file.reset();
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr)
    throw DataError(path.string() + ": cannot open gzip stream: " + std::strerror(errno));
  std::vector<uint8_t> buffer(1 << 20);
  while (true) {
    const int n = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n > 0) {
      bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + n);
      continue;
    }
    int code = Z_OK;
    const char* message = gzerror(gz, &code);
    if (n < 0 || (code != Z_OK && code != Z_STREAM_END)) {
      // zlib reports a cut-off stream as Z_BUF_ERROR "unexpected end of file".
      const std::string what = code == Z_BUF_ERROR ? "truncated gzip stream" : "corrupt gzip data";
      const std::string detail = message ? message : "unknown zlib error";
      gzclose(gz);
      throw DataError(path.string() + ": " + what + " (" + detail + ") after " +
                      std::to_string(bytes.size()) + " decompressed bytes");
    }
    break;
  }
  gzclose(gz);
  return bytes;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

IdxArray read_idx(const fs::path& path) {
  bool gzipped = false;
  const std::vector<uint8_t> bytes = read_maybe_gzipped(path, gzipped);
  const std::string name = path.string() + (gzipped ? " (gzipped IDX)" : " (IDX)");
  if (bytes.size() < 4) {
    throw DataError(name + ": truncated header: expected at least 4 bytes, got " +
                    std::to_string(bytes.size()));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw DataError(name + ": bad magic: the first two bytes must be 0x00 0x00, got " +
                    hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) + "; not an IDX file");
  }
  const uint8_t code = bytes[2];
  const std::size_t element = idx_type_size(code);
  if (element == 0) {
    throw DataError(name + ": unknown type code " + hex_byte(code) +
                    "; IDX allows 0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32), "
                    "0x0E (f64)");
  }
  const int ndims = bytes[3];
  if (ndims == 0)
    throw DataError(name + ": the header says 0 dimensions; an IDX array needs at least one");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (bytes.size() < header) {
    throw DataError(name + ": truncated header: " + std::to_string(ndims) + " dims need " +
                    std::to_string(header) + " bytes, got " + std::to_string(bytes.size()));
  }
  IdxArray out;
  out.type = static_cast<IdxType>(code);
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint32_t d = big_endian_u32(bytes.data() + 4 + 4 * i);
    out.dims.push_back(d);
    count *= d;
    // 2^40 elements is far beyond any IDX file; stops overflow below.
    if (count > (uint64_t{1} << 40))
      throw DataError(name + ": dims multiply to more than 2^40 elements; header is corrupt");
  }
  const uint64_t expected = count * element;
  const uint64_t got = bytes.size() - header;
  if (got < expected) {
    throw DataError(name + ": truncated data: expected " + std::to_string(expected) +
                    " bytes of data, got " + std::to_string(got));
  }
  if (got > expected) {
    throw DataError(name + ": " + std::to_string(got - expected) + " unexpected bytes after the " +
                    std::to_string(expected) + " bytes of data the header describes");
  }
  out.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

void write_idx(const fs::path& path, IdxType type, const std::vector<int64_t>& dims,
               std::span<const uint8_t> bytes, bool gzip) {
  if (dims.empty() || dims.size() > 255)
    throw ArgumentError("write_idx: an IDX array needs 1..255 dims, got " +
                        std::to_string(dims.size()));
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > 0xffffffffLL)
      throw ArgumentError("write_idx: dim " + std::to_string(d) + " is outside 0..2^32-1");
    count *= d;
  }
  const std::size_t expected = static_cast<std::size_t>(count) * idx_type_size(uint8_t(type));
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
  const fs::path tmp = temporary_path_for(path);
  gzFile gz = gzopen(tmp.c_str(), "wb");
  if (gz == nullptr)
    throw DataError("cannot write " + path.string() + ": " + std::strerror(errno));
  const int n = gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  const int closed = gzclose(gz);
  if (n != static_cast<int>(content.size()) || closed != Z_OK) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw DataError("cannot write " + path.string() + ": gzip write failed");
  }
  commit_file(tmp, path);
}

Tensor ImageSet::images(std::span<const int64_t> indices, const TensorOptions& options) const {
  const int64_t pixels_per_image = rows * cols;
  std::vector<float> batch(indices.size() * static_cast<std::size_t>(pixels_per_image));
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const int64_t i = indices[b];
    if (i < 0 || i >= count)
      throw IndexingError("image index " + std::to_string(i) + " is outside 0.." +
                          std::to_string(count - 1));
    std::memcpy(batch.data() + b * pixels_per_image, pixels.data() + i * pixels_per_image,
                sizeof(float) * static_cast<std::size_t>(pixels_per_image));
  }
  return Tensor::from_host(std::span<const float>(batch),
                           {static_cast<int64_t>(indices.size()), 1, rows, cols}, options);
}

Tensor ImageSet::one_hot(std::span<const int64_t> indices, const TensorOptions& options) const {
  std::vector<float> values(indices.size() * static_cast<std::size_t>(num_classes), 0.0f);
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const int64_t i = indices[b];
    if (i < 0 || i >= count)
      throw IndexingError("label index " + std::to_string(i) + " is outside 0.." +
                          std::to_string(count - 1));
    values[b * num_classes + labels[i]] = 1.0f;
  }
  return Tensor::from_host(std::span<const float>(values),
                           {static_cast<int64_t>(indices.size()), num_classes}, options);
}

void ImageSet::truncate(int64_t n) {
  if (n < 0 || n >= count)
    return;
  count = n;
  pixels.resize(static_cast<std::size_t>(n * rows * cols));
  labels.resize(static_cast<std::size_t>(n));
}

ImageSet load_idx_images(const fs::path& images, const fs::path& labels, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw ArgumentError("load_idx_images: num_classes must be in 1..256, got " +
                        std::to_string(num_classes));
  const IdxArray image_array = read_idx(images);
  if (image_array.type != IdxType::u8)
    throw DataError(images.string() + ": wrong type code " + hex_byte(uint8_t(image_array.type)) +
                    " (" + idx_type_name(uint8_t(image_array.type)) +
                    "); image files must hold unsigned bytes (0x08)");
  if (image_array.dims.size() != 3)
    throw DataError(images.string() +
                    ": dims mismatch: image files are 3-D (count, rows, "
                    "cols), this one has " +
                    std::to_string(image_array.dims.size()) + " dims");
  const IdxArray label_array = read_idx(labels);
  if (label_array.type != IdxType::u8)
    throw DataError(labels.string() + ": wrong type code " + hex_byte(uint8_t(label_array.type)) +
                    " (" + idx_type_name(uint8_t(label_array.type)) +
                    "); label files must hold unsigned bytes (0x08)");
  if (label_array.dims.size() != 1)
    throw DataError(labels.string() +
                    ": dims mismatch: label files are 1-D (count), this one has " +
                    std::to_string(label_array.dims.size()) + " dims");
  if (label_array.dims[0] != image_array.dims[0])
    throw DataError(labels.string() + " has " + std::to_string(label_array.dims[0]) +
                    " labels but " + images.string() + " has " +
                    std::to_string(image_array.dims[0]) + " images; they must match");

  ImageSet set;
  set.count = image_array.dims[0];
  set.rows = image_array.dims[1];
  set.cols = image_array.dims[2];
  set.num_classes = num_classes;
  set.labels.resize(static_cast<std::size_t>(set.count));
  for (int64_t i = 0; i < set.count; ++i) {
    const uint8_t label = label_array.bytes[i];
    if (label >= num_classes)
      throw DataError(labels.string() + ": label " + std::to_string(label) + " at index " +
                      std::to_string(i) + " is out of range 0.." + std::to_string(num_classes - 1));
    set.labels[i] = label;
  }
  set.pixels.resize(image_array.bytes.size());
  for (std::size_t i = 0; i < image_array.bytes.size(); ++i)
    set.pixels[i] = static_cast<float>(image_array.bytes[i]) / 255.0f;
  return set;
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
