// manifest.cpp — the JSON manifest beside a plugin: opened only when it is a
// regular file (never blocks on a FIFO), at most 64 KiB, parsed by a SAX
// handler that keeps each top-level number as written, so an out-of-range
// value is reported as the user wrote it and a fraction or exponent is judged
// on its digits, never rounded through a double. Not the registry's policy (what a
// manifest that disagrees with its file or table means): that is registry.cpp.
#include <minitorch/plugin/backend.hpp>

#include "plugin_open.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace mt {

namespace {

// One top-level value of the manifest object.
struct Field {
  enum class Kind { null, boolean, integer, unsigned_integer, floating, string, object, array };
  Kind kind = Kind::null;
  std::string text;  // a string's value, or a number exactly as written
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;

  static Field of(Kind kind, std::string text = {}) {
    Field f;
    f.kind = kind;
    f.text = std::move(text);
    return f;
  }
};

const char* kind_text(Field::Kind kind) {
  switch (kind) {
    case Field::Kind::null:
      return "null";
    case Field::Kind::boolean:
      return "a boolean";
    case Field::Kind::integer:
    case Field::Kind::unsigned_integer:
    case Field::Kind::floating:
      return "a number";
    case Field::Kind::string:
      return "a string";
    case Field::Kind::object:
      return "an object";
    case Field::Kind::array:
      return "an array";
  }
  return "?";
}

// Collects the top-level fields of a JSON object; nested values are skipped.
class TopLevelFields : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::map<std::string, Field> fields;
  bool top_is_object = false;
  std::string top_kind;   // what the document is when it is not an object
  std::string duplicate;  // a key given twice, if any
  std::string error;      // nlohmann's message, if parsing failed

  bool null() override { return value(Field::of(Field::Kind::null)); }
  bool boolean(bool v) override {
    return value(Field::of(Field::Kind::boolean, v ? "true" : "false"));
  }
  bool number_integer(number_integer_t v) override {
    Field f = Field::of(Field::Kind::integer, std::to_string(v));
    f.integer = v;
    return value(std::move(f));
  }
  bool number_unsigned(number_unsigned_t v) override {
    Field f = Field::of(Field::Kind::unsigned_integer, std::to_string(v));
    f.unsigned_integer = v;
    return value(std::move(f));
  }
  bool number_float(number_float_t, const string_t& written) override {
    return value(Field::of(Field::Kind::floating, written));
  }
  bool string(string_t& v) override { return value(Field::of(Field::Kind::string, v)); }
  bool binary(binary_t&) override { return value(Field::of(Field::Kind::string)); }
  bool start_object(std::size_t) override {
    if (depth_ == 0)
      top_is_object = true;
    else
      value(Field::of(Field::Kind::object));
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0)
      top_kind = "an array";
    else
      value(Field::of(Field::Kind::array));
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1)
      key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error = e.what();
    return false;
  }

 private:
  bool value(Field f) {
    if (depth_ == 0) {
      top_kind = kind_text(f.kind);
    } else if (depth_ == 1) {
      if (fields.count(key_) && duplicate.empty())
        duplicate = key_;
      fields[key_] = std::move(f);
    }
    return true;
  }
  int depth_ = 0;
  std::string key_;
};

constexpr std::size_t kManifestLimit = 64 * 1024;

// A JSON number written with a fraction or an exponent, judged on its digits
// (a double would make 1e-400 zero and 1.00000000000000000001 one).
enum class Whole { yes, not_whole, too_large };
Whole whole_u32_of(std::string_view written, uint32_t& value) {
  std::size_t i = 0;
  const bool negative = i < written.size() && written[i] == '-';
  i += negative ? 1 : 0;
  std::string digits;    // every mantissa digit, the point removed
  int64_t exponent = 0;  // the value is digits * 10^exponent
  bool in_fraction = false;
  for (; i < written.size() && written[i] != 'e' && written[i] != 'E'; ++i) {
    if (written[i] == '.') {
      in_fraction = true;
      continue;
    }
    digits += written[i];
    exponent -= in_fraction ? 1 : 0;
  }
  if (i < written.size()) {  // the exponent, saturated far beyond any digit count
    ++i;
    const bool exponent_negative = i < written.size() && written[i] == '-';
    if (i < written.size() && (written[i] == '-' || written[i] == '+'))
      ++i;
    int64_t e = 0;
    for (; i < written.size(); ++i)
      e = std::min<int64_t>(e * 10 + (written[i] - '0'), int64_t{1} << 40);
    exponent += exponent_negative ? -e : e;
  }
  const std::size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    value = 0;  // zero, whatever the sign or exponent
    return Whole::yes;
  }
  const std::size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  digits = digits.substr(lead, last - lead + 1);
  if (exponent < 0)
    return Whole::not_whole;
  if (negative || static_cast<int64_t>(digits.size()) + exponent > 10)
    return Whole::too_large;
  uint64_t v = 0;
  for (const char d : digits)
    v = v * 10 + static_cast<uint64_t>(d - '0');
  for (int64_t k = 0; k < exponent; ++k)
    v *= 10;
  if (v > UINT32_MAX)
    return Whole::too_large;
  value = static_cast<uint32_t>(v);
  return Whole::yes;
}

}  // namespace

PluginManifest parse_manifest(std::string_view text, const fs::path& where) {
  const std::string prefix = "corrupt manifest " + where.string() + ": ";
  TopLevelFields sax;
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax,
                                            nlohmann::json::input_format_t::json, true, false);
  if (!ok || !sax.error.empty())
    throw DataError(prefix + (sax.error.empty() ? "not valid JSON" : sax.error));
  if (!sax.top_is_object)
    throw DataError(prefix + "not a JSON object (it is " + sax.top_kind + ")");
  if (!sax.duplicate.empty())
    throw DataError(prefix + "field '" + sax.duplicate + "' appears more than once");

  auto find = [&](const char* key) -> const Field* {
    const auto it = sax.fields.find(key);
    return it == sax.fields.end() ? nullptr : &it->second;
  };
  auto get_string = [&](const char* key, bool required) -> std::string {
    const Field* f = find(key);
    if (!f) {
      if (required)
        throw DataError(prefix + "missing field '" + key + "'");
      return "";
    }
    if (f->kind != Field::Kind::string) {
      throw DataError(prefix + "field '" + key + "' must be a string, not " + kind_text(f->kind));
    }
    return f->text;
  };
  // A whole number in [0, 2^32 - 1], reported as written when it is not.
  auto get_u32 = [&](const char* key, bool required) -> uint32_t {
    const Field* f = find(key);
    if (!f) {
      if (required)
        throw DataError(prefix + "missing field '" + key + "'");
      return 0;
    }
    const std::string range =
        std::string(key) + " " + f->text + " is out of range (allowed: 0 to 4294967295)";
    switch (f->kind) {
      case Field::Kind::unsigned_integer:
        if (f->unsigned_integer > UINT32_MAX)
          throw DataError(prefix + range);
        return static_cast<uint32_t>(f->unsigned_integer);
      case Field::Kind::integer:
        if (f->integer < 0 || f->integer > int64_t{UINT32_MAX})
          throw DataError(prefix + range);
        return static_cast<uint32_t>(f->integer);
      case Field::Kind::floating: {
        uint32_t value = 0;
        switch (whole_u32_of(f->text, value)) {
          case Whole::yes:
            return value;
          case Whole::not_whole:
            throw DataError(prefix + std::string(key) + " " + f->text + " is not a whole number");
          case Whole::too_large:
            throw DataError(prefix + range);
        }
        return value;
      }
      default:
        throw DataError(prefix + "field '" + key + "' must be a whole number, not " +
                        kind_text(f->kind));
    }
  };

  PluginManifest m;
  m.name = get_string("name", true);
  m.version = get_string("version", false);
  m.abi_major = get_u32("abi_major", true);
  m.abi_minor = get_u32("abi_minor", false);
  m.device = get_string("device", false);
  if (!m.device.empty() && m.device != "cpu" && m.device != "cuda" && m.device != "other") {
    throw DataError(prefix + "device '" + m.device + "' is not one of cpu, cuda, other");
  }
  m.description = get_string("description", false);
  m.library = get_string("library", false);
  return m;
}

std::optional<PluginManifest> read_manifest(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return std::nullopt;
    throw DataError("cannot read manifest " + file.string() + ": " + std::strerror(errno));
  }
  auto not_regular = [&](unsigned mode) {
    return DataError("manifest " + file.string() + " is " + plugin::file_kind_text(mode) +
                     ", not a regular file");
  };
  if (!S_ISREG(st.st_mode))
    throw not_regular(st.st_mode);
  // O_NONBLOCK: should it have become a FIFO since the stat, open must not wait.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    throw DataError("cannot open manifest " + file.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0)
    throw DataError("cannot read manifest " + file.string() + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw not_regular(st.st_mode);
  if (static_cast<uint64_t>(st.st_size) > kManifestLimit) {
    throw DataError("manifest " + file.string() + " is " + std::to_string(st.st_size) +
                    " bytes; at most " + std::to_string(kManifestLimit) + " are allowed");
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw DataError("cannot read manifest " + file.string() + ": " + std::strerror(errno));
    if (n == 0)
      break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kManifestLimit) {
      throw DataError("manifest " + file.string() + " grew past " + std::to_string(kManifestLimit) +
                      " bytes while being read");
    }
  }
  return parse_manifest(text, file);
}

}  // namespace mt
