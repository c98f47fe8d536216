// checkpoint.cpp — the checkpoint file (fixed header, JSON metadata, raw
// tensor bytes, CRC-32) and the capture/restore of parameters, optimizer
// state and the random generator. Every read is bounds-checked; nothing is
// changed in a model until the whole checkpoint has been validated.
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>
#include <minitorch/util/io.hpp>

#include "datasets/binary.hpp"

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mt {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char magic[8] = {'M', 'T', 'C', 'K', 'P', 'T', '0', '1'};
constexpr uint32_t format_version = 1;
constexpr std::size_t header_size = sizeof magic + 4 + 8 + 8 + 4;

// A metadata value for a message: scalars as written (cut to 60 characters),
// containers by their kind only (dumping one is recursive, and a hostile
// file can nest them deeply).
std::string json_brief(const json& value) {
  if (value.is_structured())
    return std::string("a JSON ") + value.type_name();
  return value.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 60);
}

// A whole number in 0..high read from the metadata, checked before any cast
// (nlohmann's get<int64_t>() of 1e300 is undefined behaviour).
template <class T>
T json_whole(const json& parent, const char* key, const std::string& where, uint64_t high) {
  const json& value = parent.at(key);
  const bool fits =
      (value.is_number_unsigned() && value.get<uint64_t>() <= high) ||
      (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() >= 0 &&
       static_cast<uint64_t>(value.get<int64_t>()) <= high);
  if (!fits)
    throw DataError(where + ": \"" + key + "\" is " + json_brief(value) +
                    "; expected a whole number in 0.." + std::to_string(high));
  return static_cast<T>(value.get<uint64_t>());
}

// A tensor's shape from the metadata: whole numbers >= 0 whose product (and
// byte count) fits, checked as written.
Shape json_shape(const json& entry, const std::string& where) {
  const json& value = entry.at("shape");
  if (!value.is_array() || value.size() > 64)
    throw DataError(where + ": \"shape\" is not a list of at most 64 sizes");
  Shape shape;
  for (const json& d : value) {
    if (!(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0)) ||
        d.get<uint64_t>() > static_cast<uint64_t>(max_count))
      throw DataError(where + ": \"shape\" holds " + json_brief(d) + ", not a whole number in 0.." +
                      std::to_string(max_count));
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

json tensor_entry(const std::string& group, const SavedTensor& t, uint64_t offset, uint64_t bytes) {
  return json{{"group", group},   {"name", t.name},
              {"shape", t.shape}, {"dtype", dtype_name(t.dtype)},
              {"offset", offset}, {"bytes", bytes}};
}

void append_values(detail::ByteWriter& payload, const SavedTensor& t) {
  if (t.values.size() != static_cast<std::size_t>(shape_size(t.shape)))
    throw ArgumentError("write_checkpoint: tensor " + t.name + " has " +
                        std::to_string(t.values.size()) + " values for shape " +
                        shape_to_string(t.shape));
  for (double v : t.values) {
    if (t.dtype == DType::f32)
      payload.number<float>(static_cast<float>(v));
    else
      payload.number<double>(v);
  }
}

}  // namespace

int64_t history_integer(const std::map<std::string, double>& record, const char* key,
                        const std::filesystem::path& file, int64_t max) {
  const auto it = record.find(key);
  if (it == record.end())
    return 0;
  const double value = it->second;
  // The range test comes first: it is false for NaN, and it keeps the cast defined.
  if (!(value >= 0.0 && value <= static_cast<double>(max)) || value != std::floor(value)) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    throw DataError(file.string() + " (checkpoint): history field '" + key + "' = " + text.str() +
                    " is not a whole number in [0, " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(value);
}

std::string hyper_text(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  // Prefer the shortest text that still parses back to the same double.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[64];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value)
      return shorter;
  }
  return text;
}

void write_checkpoint(const fs::path& path, const Checkpoint& checkpoint) {
  detail::ByteWriter payload;
  json tensors = json::array();
  for (const auto& [group, list] : {std::pair<const char*, const std::vector<SavedTensor>*>{
                                        "parameter", &checkpoint.parameters},
                                    {"optimizer", &checkpoint.optimizer_state}}) {
    for (const SavedTensor& t : *list) {
      const uint64_t offset = payload.buffer().size();
      append_values(payload, t);
      tensors.push_back(tensor_entry(group, t, offset, payload.buffer().size() - offset));
    }
  }
  json history = json::array();
  for (const auto& record : checkpoint.history) {
    json entry = json::object();
    for (const auto& [key, value] : record)
      entry[key] = std::isfinite(value) ? json(value) : json(nullptr);
    history.push_back(entry);
  }
  json meta = {
      {"format", "minitorch-checkpoint"},
      {"recipe", checkpoint.recipe},
      {"dataset", checkpoint.dataset},
      {"epoch", checkpoint.epoch},
      {"dtype", dtype_name(checkpoint.dtype)},
      {"hyper", checkpoint.hyper},
      {"rng_state", checkpoint.rng_state},
      {"optimizer_steps", checkpoint.optimizer_steps},
      {"world_size", checkpoint.world_size},
      {"history", history},
      {"tensors", tensors},
      {"payload_bytes", payload.buffer().size()},
      {"payload_crc32", detail::crc32_of(payload.buffer().data(), payload.buffer().size())},
  };
  if (!checkpoint.resume.empty())
    meta["resume"] = checkpoint.resume;
  const std::string meta_text = meta.dump(1);
  std::string body = meta_text + payload.buffer();
  detail::ByteWriter file;
  file.bytes(magic, sizeof magic);
  file.number<uint32_t>(format_version);
  file.number<uint64_t>(meta_text.size());
  file.number<uint64_t>(payload.buffer().size());
  file.number<uint32_t>(detail::crc32_of(body.data(), body.size()));
  file.bytes(body.data(), body.size());
  write_file_atomically(path, file.buffer());
}

Checkpoint parse_checkpoint(std::string_view data, const std::string& source) {
  const std::string name = source + " (checkpoint)";
  if (data.size() < header_size)
    throw DataError(name + ": truncated: expected at least the " + std::to_string(header_size) +
                    "-byte header, got " + std::to_string(data.size()) + " bytes");
  if (std::memcmp(data.data(), magic, sizeof magic) != 0)
    throw DataError(name + ": bad magic; not a MiniTorch checkpoint");
  detail::ByteReader header(data, name);
  header.take(sizeof magic, "the magic");
  const auto version = header.number<uint32_t>("the format version");
  if (version != format_version)
    throw DataError(name + ": format version " + std::to_string(version) +
                    " is not supported (this build reads version " +
                    std::to_string(format_version) + ")");
  const auto meta_size = header.number<uint64_t>("the metadata size");
  const auto payload_size = header.number<uint64_t>("the payload size");
  const auto stored_crc = header.number<uint32_t>("the checksum");
  // Both sizes are checked against the file before they are added or used.
  if (meta_size > data.size() || payload_size > data.size() ||
      header_size + meta_size + payload_size != data.size()) {
    const bool fits = meta_size <= data.size() && payload_size <= data.size();
    const std::string described = fits ? std::to_string(header_size + meta_size + payload_size)
                                       : "more than " + std::to_string(data.size());
    throw DataError(name + ": " +
                    (!fits || header_size + meta_size + payload_size > data.size() ? "truncated"
                                                                                   : "wrong size") +
                    ": the header describes " + described + " bytes, got " +
                    std::to_string(data.size()) + " (its sizes at byte 12: metadata " +
                    std::to_string(meta_size) + ", payload " + std::to_string(payload_size) + ")");
  }
  const uint32_t actual_crc = detail::crc32_of(data.data() + header_size, meta_size + payload_size);
  if (actual_crc != stored_crc)
    throw DataError(name + ": checksum mismatch (stored CRC-32 " + std::to_string(stored_crc) +
                    ", computed " + std::to_string(actual_crc) + "); the file is corrupt");
  const std::string_view meta_text(data.data() + header_size, meta_size);
  const std::string_view payload(data.data() + header_size + meta_size, payload_size);

  Checkpoint out;
  try {
    const json meta = json::parse(meta_text);
    if (!meta.is_object() || meta.value("format", "") != "minitorch-checkpoint")
      throw DataError(name + ": the metadata does not say format \"minitorch-checkpoint\"");
    out.recipe = meta.at("recipe").get<std::string>();
    out.dataset = meta.at("dataset").get<std::string>();
    out.epoch = json_whole<int64_t>(meta, "epoch", name, max_count);
    out.dtype = parse_dtype(meta.at("dtype").get<std::string>());
    out.hyper = meta.at("hyper").get<std::map<std::string, std::string>>();
    out.rng_state = meta.at("rng_state").get<std::string>();
    out.optimizer_steps = json_whole<int64_t>(meta, "optimizer_steps", name, max_count);
    // Absent in files from before distributed training: one process.
    if (meta.contains("world_size"))
      out.world_size = json_whole<int64_t>(meta, "world_size", name, INT32_MAX);
    if (out.world_size < 1)
      throw DataError(name + ": \"world_size\" is 0; expected the number of ranks, >= 1");
    if (meta.contains("resume"))
      out.resume = meta.at("resume").get<std::map<std::string, std::string>>();
    if (!meta.at("history").is_array())
      throw DataError(name + ": \"history\" is not a list of per-epoch records");
    for (const json& entry : meta.at("history")) {
      if (!entry.is_object())
        throw DataError(name + ": a \"history\" record is not an object of numbers");
      std::map<std::string, double> record;
      for (const auto& [key, value] : entry.items())
        record[key] =
            value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
      out.history.push_back(std::move(record));
    }
    if (json_whole<uint32_t>(meta, "payload_crc32", name, UINT32_MAX) !=
        detail::crc32_of(payload.data(), payload.size()))
      throw DataError(name + ": the payload's CRC-32 does not match the metadata");
    if (!meta.at("tensors").is_array())
      throw DataError(name + ": \"tensors\" is not a list");
    uint64_t next = 0;
    for (const json& entry : meta.at("tensors")) {
      if (!entry.is_object())
        throw DataError(name + ": an entry of \"tensors\" is not an object");
      SavedTensor t;
      t.name = entry.at("name").get<std::string>();
      const std::string where = name + ": tensor " + t.name;
      t.shape = json_shape(entry, where);
      t.dtype = parse_dtype(entry.at("dtype").get<std::string>());
      const auto offset = json_whole<uint64_t>(entry, "offset", where, max_count);
      const auto bytes = json_whole<uint64_t>(entry, "bytes", where, max_count);
      // Checked (shape_size and byte_count throw on overflow) and compared
      // with the bytes the payload has left before anything is sized from it.
      std::size_t expected = 0;
      try {
        expected =
            byte_count(shape_size(t.shape), dtype_size(t.dtype),
                       "a " + shape_to_string(t.shape) + " " + dtype_name(t.dtype) + " tensor");
      } catch (const ArgumentError& e) {
        throw DataError(where + ": " + e.what());
      }
      if (offset != next || bytes != expected || bytes > payload.size() - offset)
        throw DataError(name + ": the tensor table is inconsistent at " + t.name + " (offset " +
                        std::to_string(offset) + ", " + std::to_string(bytes) + " bytes for " +
                        shape_to_string(t.shape) + " " + dtype_name(t.dtype) + ", which needs " +
                        std::to_string(expected) + "; the payload has " +
                        std::to_string(payload.size() - next) + " bytes left at offset " +
                        std::to_string(next) + ")");
      next = offset + bytes;
      const std::size_t count = bytes / dtype_size(t.dtype);
      detail::ByteReader values(payload.substr(offset, bytes), name,
                                header_size + meta_size + offset);
      t.values.resize(count);
      for (std::size_t i = 0; i < count; ++i)
        t.values[i] = t.dtype == DType::f32 ? double(values.number<float>("a value"))
                                            : values.number<double>("a value");
      const std::string group = entry.at("group").get<std::string>();
      if (group == "parameter")
        out.parameters.push_back(std::move(t));
      else if (group == "optimizer")
        out.optimizer_state.push_back(std::move(t));
      else
        throw DataError(name + ": tensor " + t.name + " has unknown group \"" + group + "\"");
    }
    if (next != payload.size())
      throw DataError(name + ": " + std::to_string(payload.size() - next) +
                      " payload bytes belong to no tensor");
  } catch (const json::exception& e) {
    throw DataError(name + ": malformed metadata: " + e.what());
  } catch (const ArgumentError& e) {
    throw DataError(name + ": malformed metadata: " + e.what());
  }
  return out;
}

Checkpoint read_checkpoint(const fs::path& path) {
  return parse_checkpoint(detail::read_whole_file(path), path.string());
}

SavedTensor save_tensor(const std::string& name, const Tensor& t) {
  return SavedTensor{name, t.shape(), t.dtype(), t.to_vector()};
}

std::vector<SavedTensor> save_parameters(const Module& model) {
  std::vector<SavedTensor> out;
  for (const auto& [name, p] : model.named_parameters())
    out.push_back(save_tensor(name, p->value()));
  return out;
}

std::vector<SavedTensor> save_optimizer_state(const Optimizer& optimizer) {
  std::vector<SavedTensor> out;
  for (const auto& [name, t] : optimizer.state())
    out.push_back(save_tensor(name, t));
  return out;
}

void restore_parameters(const Module& model, const std::vector<SavedTensor>& saved,
                        const fs::path& file) {
  const auto named = model.named_parameters();
  const std::string where = file.string() + " (checkpoint)";
  // Names on one side only, then shapes that differ: what a reader needs to
  // see which model the file came from.
  std::string missing, extra;
  for (const auto& [name, p] : named) {
    bool found = false;
    for (const auto& t : saved)
      found = found || t.name == name;
    if (!found)
      missing += (missing.empty() ? "" : ", ") + name + " " + shape_to_string(p->value().shape());
  }
  for (const auto& t : saved) {
    bool found = false;
    for (const auto& [name, p] : named)
      found = found || t.name == name;
    if (!found)
      extra += (extra.empty() ? "" : ", ") + t.name + " " + shape_to_string(t.shape);
  }
  if (named.size() != saved.size() || !missing.empty() || !extra.empty())
    throw DataError(where + " holds " + std::to_string(saved.size()) +
                    " parameters but the model has " + std::to_string(named.size()) +
                    (missing.empty() ? "" : "; the model's " + missing + " not in the file") +
                    (extra.empty() ? "" : "; the file's " + extra + " not in the model") +
                    "; it was saved from a different model");
  // Validate everything first, so a mismatch leaves the model untouched.
  for (std::size_t i = 0; i < named.size(); ++i) {
    const auto& [name, p] = named[i];
    const SavedTensor& t = saved[i];
    if (t.name != name)
      throw DataError(where + ": parameter " + std::to_string(i) + " is \"" + t.name +
                      "\" but the model's is \"" + name +
                      "\"; it was saved from a different model");
    if (t.shape != p->value().shape())
      throw DataError(where + ": parameter " + name + " has shape " + shape_to_string(t.shape) +
                      " but the model expects " + shape_to_string(p->value().shape()));
    if (t.dtype != p->value().dtype())
      throw DataError(where + ": parameter " + name + " was saved as " + dtype_name(t.dtype) +
                      " but the model is " + dtype_name(p->value().dtype()) +
                      "; train with --dtype " + dtype_name(t.dtype));
  }
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < named.size(); ++i) {
    Tensor& value = named[i].second->value();
    value.copy_(Tensor::from_values(saved[i].values, saved[i].shape, value.options()));
  }
}

void restore_optimizer_state(Optimizer& optimizer, const Checkpoint& checkpoint,
                             const fs::path& file) {
  const NamedTensors live = optimizer.state();
  NamedTensors values;
  for (std::size_t i = 0; i < checkpoint.optimizer_state.size(); ++i) {
    const SavedTensor& t = checkpoint.optimizer_state[i];
    const TensorOptions options =
        i < live.size() ? live[i].second.options() : TensorOptions{.dtype = t.dtype};
    values.emplace_back(t.name, Tensor::from_values(t.values, t.shape, options));
  }
  try {
    optimizer.load_state(values);
    optimizer.set_steps(checkpoint.optimizer_steps);
  } catch (const Error& e) {
    throw DataError(file.string() + " (checkpoint): optimizer state does not fit: " + e.what());
  }
}

std::string generator_state() {
  std::ostringstream out;
  out << generator();
  return out.str();
}

void set_generator_state(const std::string& state, const fs::path& file) {
  std::istringstream in(state);
  std::mt19937_64 restored;
  in >> restored;
  if (in.fail())
    throw DataError(file.string() + " (checkpoint): the saved random generator state is malformed");
  generator() = restored;
}

void check_checkpoint_matches(const Checkpoint& checkpoint, const fs::path& file,
                              const std::string& recipe, const std::string& dataset, DType dtype,
                              const std::map<std::string, std::string>& hyper) {
  const std::string where = file.string() + " (checkpoint)";
  if (checkpoint.recipe != recipe)
    throw DataError(where + " is for recipe \"" + checkpoint.recipe + "\", not \"" + recipe + "\"");
  if (checkpoint.dataset != dataset)
    throw DataError(where + " was trained on dataset \"" + checkpoint.dataset + "\", not \"" +
                    dataset + "\"");
  if (checkpoint.dtype != dtype)
    throw DataError(where + " was trained in " + std::string(dtype_name(checkpoint.dtype)) +
                    ", not " + dtype_name(dtype));
  for (const auto& [key, value] : hyper) {
    auto it = checkpoint.hyper.find(key);
    if (it == checkpoint.hyper.end())
      throw DataError(where + " does not record hyper-parameter \"" + key + "\"");
    if (it->second != value)
      throw DataError(where + " was trained with " + key + " = " + it->second +
                      ", this run asks for " + value);
  }
}

}  // namespace mt
