// fuzz_manifest.cpp — libFuzzer target for the plugin manifest parser
// (mt::parse_manifest): the input is the manifest's text. Beyond not
// crashing, it checks the parser against an oracle built here from a DOM parse
// (nlohmann::json) and an exact reading of each number as written: the parser
// accepts exactly the manifests the oracle accepts, with the same fields; a
// refusal names the file; an accepted manifest written back out parses to the
// same fields. Not the file reader (read_manifest): fuzz_registry_scan has it.
#include <minitorch/plugin/backend.hpp>

#include "fuzz_support.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace {

using nlohmann::json;

const char* const kWhere = "/fuzz/plugin dir/libminitorch_backend_fuzz.json";

// What the oracle needs beyond the DOM: top-level keys given twice, and each
// top-level number exactly as written (the DOM keeps only a double).
class WrittenNumbers : public nlohmann::json_sax<json> {
 public:
  std::map<std::string, std::string> written;  // key -> number text
  bool duplicate_key = false;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return number(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) override { return number(text); }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (depth_ == 0)
      keys_.clear();
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      key_ = k;
      if (!keys_.insert(k).second)
        duplicate_key = true;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool number(std::string text) {
    if (depth_ == 1)
      written[key_] = std::move(text);
    return true;
  }
  int depth_ = 0;
  std::string key_;
  std::set<std::string> keys_;
};

// A JSON number as written, read exactly: its value when it is a whole number
// in [0, 2^32 - 1], else nullopt. Done on the digits, never through a double
// (1e-400 is not 0, 1.00000000000000000001 is not 1).
std::optional<uint32_t> exact_u32(const std::string& text) {
  std::size_t at = 0;
  const bool negative = at < text.size() && text[at] == '-';
  if (negative)
    ++at;
  std::string digits;
  long long shift = 0;  // value = digits * 10^shift
  for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at)
    digits += text[at];
  if (at < text.size() && text[at] == '.') {
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      digits += text[at];
      --shift;
    }
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    bool minus = false;
    if (at < text.size() && (text[at] == '+' || text[at] == '-'))
      minus = text[at++] == '-';
    long long exponent = 0;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at)
      exponent = std::min(exponent * 10 + (text[at] - '0'), 1000000000LL);  // saturates
    shift += minus ? -exponent : exponent;
  }
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos)
    return 0u;  // zero, whatever its sign or exponent
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++shift;
  }
  if (shift < 0 || negative || static_cast<long long>(digits.size()) + shift > 10)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : digits)
    value = value * 10 + static_cast<uint64_t>(c - '0');
  for (long long i = 0; i < shift; ++i)
    value *= 10;
  if (value > UINT32_MAX)
    return std::nullopt;
  return static_cast<uint32_t>(value);
}

// What the parser should make of `text`: the manifest, or nullopt when it
// must be refused.
std::optional<mt::PluginManifest> oracle(std::string_view text) {
  const json dom = json::parse(text.begin(), text.end(), nullptr, false);
  if (dom.is_discarded() || !dom.is_object())
    return std::nullopt;
  WrittenNumbers numbers;
  if (!json::sax_parse(text.begin(), text.end(), &numbers) || numbers.duplicate_key)
    return std::nullopt;
  bool ok = true;
  auto text_field = [&](const char* key, bool required) -> std::string {
    if (!dom.contains(key)) {
      ok = ok && !required;
      return "";
    }
    if (!dom.at(key).is_string()) {
      ok = false;
      return "";
    }
    return dom.at(key).get<std::string>();
  };
  auto number_field = [&](const char* key, bool required) -> uint32_t {
    if (!dom.contains(key)) {
      ok = ok && !required;
      return 0;
    }
    const auto it = numbers.written.find(key);
    const auto value = it == numbers.written.end() ? std::nullopt : exact_u32(it->second);
    if (!dom.at(key).is_number() || !value) {
      ok = false;
      return 0;
    }
    return *value;
  };
  mt::PluginManifest m;
  m.name = text_field("name", true);
  m.version = text_field("version", false);
  m.abi_major = number_field("abi_major", true);
  m.abi_minor = number_field("abi_minor", false);
  m.device = text_field("device", false);
  m.description = text_field("description", false);
  m.library = text_field("library", false);
  if (!m.device.empty() && m.device != "cpu" && m.device != "cuda" && m.device != "other")
    ok = false;
  if (!ok)
    return std::nullopt;
  return m;
}

bool same(const mt::PluginManifest& a, const mt::PluginManifest& b) {
  return a.name == b.name && a.version == b.version && a.abi_major == b.abi_major &&
         a.abi_minor == b.abi_minor && a.device == b.device && a.description == b.description &&
         a.library == b.library;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text = mt::fuzz::as_text(data, size);
  const std::optional<mt::PluginManifest> expected = oracle(text);
  std::optional<mt::PluginManifest> parsed;
  mt::fuzz::expect_clean(kWhere, [&] {
    try {
      parsed = mt::parse_manifest(text, kWhere);
    } catch (const mt::DataError& e) {
      const std::string prefix = std::string("corrupt manifest ") + kWhere + ": ";
      if (std::string_view(e.what()).substr(0, prefix.size()) != prefix)
        mt::fuzz::invariant_failed("a refusal does not start with 'corrupt manifest <file>: '");
      throw;
    }
  });
  if (expected.has_value() != parsed.has_value()) {
    mt::fuzz::invariant_failed(parsed ? "the parser accepted a manifest the oracle refuses"
                                      : "the parser refused a manifest the oracle accepts");
  }
  if (!parsed)
    return 0;
  if (!same(*parsed, *expected))
    mt::fuzz::invariant_failed("an accepted manifest's fields differ from the oracle's");
  // Written back out, it reads the same.
  json out = {{"name", parsed->name},           {"version", parsed->version},
              {"abi_major", parsed->abi_major}, {"abi_minor", parsed->abi_minor},
              {"device", parsed->device},       {"description", parsed->description},
              {"library", parsed->library}};
  std::string again;
  try {
    again = out.dump();
  } catch (const json::exception&) {
    mt::fuzz::invariant_failed("an accepted manifest holds a string that is not valid UTF-8");
  }
  mt::PluginManifest round_trip;
  try {
    round_trip = mt::parse_manifest(again, kWhere);
  } catch (const mt::DataError&) {
    mt::fuzz::invariant_failed("an accepted manifest, written back out, is refused");
  }
  if (!same(round_trip, *parsed))
    mt::fuzz::invariant_failed("an accepted manifest, written back out, reads differently");
  return 0;
}
