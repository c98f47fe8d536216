// safetensors.cpp — writer and hostile-input-safe reader of safetensors: every header count is
// checked against the bytes that exist and the spans must tile the data before any tensor is
// made; byte order is explicit (little-endian on any host). Not a memory-mapped loader.
#include <minitorch/plugin_abi.h>
#include <minitorch/nn/safetensors.hpp>
#include <minitorch/util/io.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace mt::nn {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kMetadataKey = "__metadata__";
// safetensors' own limit on the header (its MAX_HEADER_SIZE), so a hostile length cannot
// make us parse or allocate more than this for the JSON.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three deep (root object, entry object, shape array).
constexpr int kMaxDepth = 4;

const char* safetensors_dtype(DType dtype) {
  return dtype == DType::f32 ? "F32" : "F64";
}

// Every dtype the reader accepts: its name in the file, bytes per element, what it loads as.
enum class Decode { f64, f32, f16, bf16, signed_int, unsigned_int, boolean };
struct FileDType {
  const char* name;
  std::size_t size;
  Decode decode;
};
constexpr FileDType kFileDTypes[] = {
    {"F64", 8, Decode::f64},          {"F32", 4, Decode::f32},
    {"F16", 2, Decode::f16},          {"BF16", 2, Decode::bf16},
    {"I64", 8, Decode::signed_int},   {"I32", 4, Decode::signed_int},
    {"I16", 2, Decode::signed_int},   {"I8", 1, Decode::signed_int},
    {"U64", 8, Decode::unsigned_int}, {"U32", 4, Decode::unsigned_int},
    {"U16", 2, Decode::unsigned_int}, {"U8", 1, Decode::unsigned_int},
    {"BOOL", 1, Decode::boolean},
};

const FileDType* find_file_dtype(std::string_view name) {
  for (const FileDType& d : kFileDTypes) {
    if (name == d.name)
      return &d;
  }
  return nullptr;
}

std::string file_dtype_names() {
  std::string out;
  for (const FileDType& d : kFileDTypes)
    out += (out.empty() ? "" : ", ") + std::string(d.name);
  return out;
}

// IEEE half (binary16) bits as a float; every half is exact in float.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits = 0;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  } else if (mantissa != 0) {
    int shift = 0;  // subnormal: normalise
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<std::uint32_t>(113 - shift) << 23) | ((mantissa & 0x3FFu) << 13);
  } else {
    bits = sign;  // ±0
  }
  return std::bit_cast<float>(bits);
}

// Little-endian integer of `size` bytes, sign-extended when `is_signed`.
std::uint64_t get_le_sized(const char* at, std::size_t size) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < size; ++i)
    word |= static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])) << (8 * i);
  return word;
}

template <class Word>
void put_le(std::string& out, Word word) {
  for (std::size_t i = 0; i < sizeof(Word); ++i)
    out.push_back(static_cast<char>((word >> (8 * i)) & 0xFF));
}

template <class Word>
Word get_le(const char* bytes) {
  Word word = 0;
  for (std::size_t i = 0; i < sizeof(Word); ++i)
    word |= static_cast<Word>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return word;
}

// The description of a file kind for "is a …, not a regular file".
std::string kind_name(fs::file_type type) {
  switch (type) {
    case fs::file_type::directory:
      return "a directory";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

// Where a write to `path` must go: through symlinks to their final target; refuses an
// existing target that is not a regular file.
fs::path resolve_output(const fs::path& path) {
  fs::path current = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(current, ec);
    if (status.type() == fs::file_type::not_found)
      return current;
    if (ec)
      throw DataError("cannot write " + path.string() + ": " + ec.message());
    if (status.type() == fs::file_type::symlink) {
      const fs::path target = fs::read_symlink(current, ec);
      if (ec)
        throw DataError("cannot write " + path.string() + ": " + ec.message());
      current = target.is_absolute() ? target : current.parent_path() / target;
      continue;
    }
    if (status.type() != fs::file_type::regular) {
      throw DataError("cannot write " + path.string() + ": " +
                      (current == path ? "it" : current.string()) + " is " +
                      kind_name(status.type()) + ", not a regular file; refusing to replace it");
    }
    return current;
  }
  throw DataError("cannot write " + path.string() + ": too many levels of symbolic links");
}

// "<a> × <b>" with an overflow check against `limit`.
bool multiply_within(std::uint64_t a, std::uint64_t b, std::uint64_t limit, std::uint64_t& out) {
  if (a != 0 && b > limit / a)
    return false;
  out = a * b;
  return true;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

std::string to_safetensors_bytes(const StateDict& tensors, const SafetensorsMetadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata)
      meta[key] = value;
    header[kMetadataKey] = std::move(meta);
  }
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) {
      throw ArgumentError(std::string("safetensors: a tensor cannot be named \"") + kMetadataKey +
                          "\" (the format reserves it for metadata)");
    }
    const std::uint64_t bytes =
        static_cast<std::uint64_t>(t.numel()) * static_cast<std::uint64_t>(dtype_size(t.dtype()));
    header[name] = {{"dtype", safetensors_dtype(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw ArgumentError(std::string("safetensors: a tensor name or metadata text is not valid "
                                    "UTF-8, which JSON needs (") +
                        e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string out;
  out.reserve(8 + text.size() + offset);
  put_le<std::uint64_t>(out, text.size());
  out += text;
  for (const auto& [name, t] : tensors) {
    const std::vector<double> values = t.to_vector();
    if (t.dtype() == DType::f32) {
      for (const double v : values)
        put_le<std::uint32_t>(out, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
    } else {
      for (const double v : values)
        put_le<std::uint64_t>(out, std::bit_cast<std::uint64_t>(v));
    }
  }
  return out;
}

SafetensorsHeader read_safetensors_header(std::string_view bytes, std::string_view source) {
  const std::string where = "safetensors file " + std::string(source) + ": ";
  auto fail = [&](const std::string& why) -> DataError { return DataError(where + why); };
  if (bytes.size() < 8) {
    throw fail("it is " + std::to_string(bytes.size()) +
               " bytes long, shorter than the 8-byte header length");
  }
  const auto header_size = get_le<std::uint64_t>(bytes.data());
  const std::uint64_t available = bytes.size() - 8;
  if (header_size > available) {
    throw fail("the header length " + std::to_string(header_size) + " is more than the " +
               std::to_string(available) + " bytes after it");
  }
  if (header_size > kMaxHeaderBytes) {
    throw fail("the header length " + std::to_string(header_size) +
               " is over the format's limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  const std::string_view header_text = bytes.substr(8, header_size);
  const std::string_view data = bytes.substr(8 + header_size);

  // Parse, refusing duplicate keys (JSON would keep one silently) and deep nesting.
  std::vector<std::set<std::string>> open_objects;
  const json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxDepth)
      throw fail("the header nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second)
        throw fail("the header has the key \"" + key + "\" twice in one object");
    }
    return true;
  };
  json header;
  try {
    header = json::parse(header_text.begin(), header_text.end(), callback);
  } catch (const json::exception& e) {
    throw fail(std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.is_object())
    throw fail(std::string("the header is a JSON ") + header.type_name() + ", not an object");

  SafetensorsHeader file;
  file.data_start = 8 + header_size;
  std::vector<SafetensorsEntry>& entries = file.entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      if (!value.is_object())
        throw fail(std::string("\"") + kMetadataKey + "\" is not an object of strings");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) {
          throw fail(std::string("metadata \"") + key + "\" is a " + text.type_name() +
                     "; metadata values must be strings");
        }
        file.metadata.emplace(key, text.get<std::string>());
      }
      continue;
    }
    const std::string tensor = "tensor \"" + name + "\": ";
    if (!value.is_object())
      throw fail(tensor + "the entry is a " + value.type_name() + ", not an object");
    for (const auto& [key, field] : value.items()) {
      if (key != "dtype" && key != "shape" && key != "data_offsets") {
        throw fail(tensor + "unknown field \"" + key + "\" (allowed: dtype, shape, data_offsets)");
      }
    }
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(key))
        throw fail(tensor + "the field \"" + key + "\" is missing");
    }
    SafetensorsEntry entry;
    entry.name = name;
    const json& dtype = value["dtype"];
    const FileDType* file_dtype =
        dtype.is_string() ? find_file_dtype(dtype.get_ref<const std::string&>()) : nullptr;
    if (file_dtype == nullptr) {
      throw fail(tensor + "dtype " + dtype.dump() +
                 " is not supported (allowed: " + file_dtype_names() + ")");
    }
    entry.file_dtype = file_dtype->name;
    entry.element_size = file_dtype->size;
    entry.dtype = file_dtype->decode == Decode::f64 || file_dtype->decode == Decode::signed_int ||
                          file_dtype->decode == Decode::unsigned_int ||
                          file_dtype->decode == Decode::boolean
                      ? DType::f64
                      : DType::f32;
    const json& shape = value["shape"];
    if (!shape.is_array())
      throw fail(tensor + "shape is a " + std::string(shape.type_name()) + ", not an array");
    if (shape.size() > MT_MAX_DIMS) {
      throw fail(tensor + "shape has " + std::to_string(shape.size()) + " dims; at most " +
                 std::to_string(MT_MAX_DIMS) + " are supported");
    }
    std::vector<std::uint64_t> dims;
    std::uint64_t count = 1;
    const auto limit = static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max());
    for (const json& dim : shape) {
      if (!dim.is_number_unsigned())
        throw fail(tensor + "shape entry " + dim.dump() + " is not an integer >= 0");
      dims.push_back(dim.get<std::uint64_t>());
      if (dims.back() > limit || !multiply_within(count, dims.back(), limit, count))
        throw fail(tensor + "shape " + shape.dump() + " has more elements than can be counted");
    }
    const json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw fail(tensor + "data_offsets " + offsets.dump() +
                 " must be two integers [begin, end] >= 0");
    }
    entry.begin = offsets[0].get<std::uint64_t>();
    entry.end = offsets[1].get<std::uint64_t>();
    if (entry.begin > entry.end || entry.end > data.size()) {
      throw fail(tensor + "data_offsets " + offsets.dump() + " are not a span inside the " +
                 std::to_string(data.size()) + " data bytes");
    }
    std::uint64_t span = 0;
    if (!multiply_within(count, entry.element_size, limit, span) ||
        span != entry.end - entry.begin) {
      throw fail(tensor + "shape " + shape_text(dims) + " of " + entry.file_dtype + " needs " +
                 std::to_string(count) + " × " + std::to_string(entry.element_size) +
                 " bytes but data_offsets " + offsets.dump() + " span " +
                 std::to_string(entry.end - entry.begin));
    }
    for (const std::uint64_t d : dims)
      entry.shape.push_back(static_cast<int64_t>(d));
    entries.push_back(std::move(entry));
  }

  // The spans, in file order, must tile the data: no gap, no overlap, nothing after.
  std::sort(entries.begin(), entries.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  std::uint64_t covered = 0;
  for (const SafetensorsEntry& e : entries) {
    if (e.begin != covered) {
      throw fail("tensor \"" + e.name + "\" starts at data byte " + std::to_string(e.begin) +
                 " but the previous data ends at " + std::to_string(covered) +
                 (e.begin < covered ? " (the spans overlap)" : " (a gap)"));
    }
    covered = e.end;
  }
  if (covered != data.size()) {
    throw fail("the tensors cover " + std::to_string(covered) + " of the " +
               std::to_string(data.size()) + " data bytes; the rest belongs to none");
  }
  return file;
}

SafetensorsFile from_safetensors_bytes(std::string_view bytes, std::string_view source,
                                       const BackendPtr& backend) {
  SafetensorsHeader header = read_safetensors_header(bytes, source);
  SafetensorsFile file;
  file.metadata = std::move(header.metadata);
  const std::string_view data = bytes.substr(header.data_start);
  const BackendPtr target = backend ? backend : default_backend();
  for (const SafetensorsEntry& e : header.entries) {
    const char* at = data.data() + e.begin;
    const std::size_t count = (e.end - e.begin) / e.element_size;
    const Decode decode = find_file_dtype(e.file_dtype)->decode;
    const TensorOptions options{.dtype = e.dtype, .backend = target};
    auto bad_value = [&](std::size_t i, const std::string& value, const char* rule) {
      return DataError("safetensors file " + std::string(source) + ": tensor \"" + e.name +
                       "\": " + e.file_dtype + " element " + std::to_string(i) + " is " + value +
                       "; " + rule);
    };
    if (e.dtype == DType::f32) {
      std::vector<float> values(count);
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t word = get_le_sized(at + i * e.element_size, e.element_size);
        values[i] = decode == Decode::f32 ? std::bit_cast<float>(static_cast<std::uint32_t>(word))
                    : decode == Decode::f16
                        ? half_to_float(static_cast<std::uint16_t>(word))
                        : std::bit_cast<float>(static_cast<std::uint32_t>(word << 16));
      }
      file.tensors.insert(e.name, Tensor::from_host(values, e.shape, options));
      continue;
    }
    constexpr std::uint64_t kExact = std::uint64_t{1} << 53;  // f64 holds every integer up to it
    std::vector<double> values(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t word = get_le_sized(at + i * e.element_size, e.element_size);
      const unsigned bits = static_cast<unsigned>(8 * e.element_size);
      switch (decode) {
        case Decode::f64:
          values[i] = std::bit_cast<double>(word);
          break;
        case Decode::signed_int: {
          // Sign-extend from `bits`, then check that the value is exact in f64.
          const std::uint64_t sign_bit = std::uint64_t{1} << (bits - 1);
          const auto v = static_cast<int64_t>((word ^ sign_bit) - sign_bit);
          const std::uint64_t magnitude = v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v)
                                                : static_cast<std::uint64_t>(v);
          if (magnitude > kExact)
            throw bad_value(i, std::to_string(v), "integers beyond ±2^53 are not exact in f64");
          values[i] = static_cast<double>(v);
          break;
        }
        case Decode::unsigned_int:
          if (word > kExact)
            throw bad_value(i, std::to_string(word), "integers beyond 2^53 are not exact in f64");
          values[i] = static_cast<double>(word);
          break;
        case Decode::boolean:
          if (word > 1)
            throw bad_value(i, std::to_string(word), "a BOOL byte must be 0 or 1");
          values[i] = static_cast<double>(word);
          break;
        default:
          break;
      }
    }
    file.tensors.insert(e.name, Tensor::from_host(values, e.shape, options));
  }
  return file;
}

void save_safetensors(const fs::path& path, const StateDict& tensors,
                      const SafetensorsMetadata& metadata) {
  const fs::path target = resolve_output(path);  // before the work: a bad path fails first
  write_file_atomically(target, to_safetensors_bytes(tensors, metadata));
}

SafetensorsFile load_safetensors(const fs::path& path, const BackendPtr& backend) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found)
    throw DataError("cannot read safetensors file " + path.string() + ": no such file");
  if (ec)
    throw DataError("cannot read safetensors file " + path.string() + ": " + ec.message());
  if (status.type() != fs::file_type::regular) {
    throw DataError("cannot read safetensors file " + path.string() + ": it is " +
                    kind_name(status.type()) + ", not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError("cannot read safetensors file " + path.string() + ": " + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    throw DataError("cannot read safetensors file " + path.string() + ": read error");
  return from_safetensors_bytes(bytes, path.string(), backend);
}

void save(const Module& module, const fs::path& path, const SafetensorsMetadata& metadata) {
  save_safetensors(path, module.state_dict(), metadata);
}

LoadStateDictResult load(Module& module, const fs::path& path, bool strict) {
  // Read onto the module's own backend, so load_state_dict has only dtypes to convert.
  const StateDict current = module.state_dict();
  const BackendPtr backend = current.empty() ? nullptr : current.begin()->second.backend();
  const SafetensorsFile file = load_safetensors(path, backend);
  const std::string prefix = "loading " + path.string() + ": ";
  try {
    return module.load_state_dict(file.tensors, strict);
  } catch (const ShapeError& e) {
    throw ShapeError(prefix + e.what());
  } catch (const ArgumentError& e) {
    throw ArgumentError(prefix + e.what());
  }
}

}  // namespace mt::nn
