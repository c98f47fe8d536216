// test_loader.cpp — the plugin loader under failure: every broken candidate
// gets a clear, specific reason in the load report and load-by-name errors,
// and the healthy backends keep working. Not a test of any compute op.
#define BOOST_TEST_MODULE loader
#include <minitorch/plugin/backend.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;

namespace {

const mt::LoadRecord* find_record(const mt::BackendRegistry& registry, const std::string& name) {
  for (const auto& record : registry.report()) {
    if (record.name == name)
      return &record;
  }
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string load_error_text(const mt::BackendRegistry& registry, const std::string& name) {
  try {
    registry.get(name);
  } catch (const mt::LoadError& e) {
    return e.what();
  }
  return "";
}

mt::BackendRegistry fake_and_real() {
  return mt::BackendRegistry({MT_TEST_FAKE_PLUGIN_DIR, MT_TEST_REAL_PLUGIN_DIR});
}

}  // namespace

BOOST_AUTO_TEST_CASE(healthy_plugins_load_next_to_broken_ones) {
  const auto registry = fake_and_real();
  const auto* dummy = find_record(registry, "dummy");
  BOOST_REQUIRE(dummy != nullptr);
  BOOST_TEST(mt::outcome_name(dummy->outcome) == std::string("loaded"));
  BOOST_TEST(dummy->version == "0.0.1");
  BOOST_TEST(dummy->device == "cpu");

  const auto* reference = find_record(registry, "reference");
  BOOST_REQUIRE_MESSAGE(reference != nullptr, "reference plugin not built in the build tree");
  BOOST_TEST(mt::outcome_name(reference->outcome) == std::string("loaded"));

  // The real backend computes while broken ones sit beside it.
  auto backend = registry.get("reference");
  std::vector<double> host(5, 0.0);
  void* buffer = backend->allocate(host.size() * sizeof(double));
  const mt_view view = mt::make_view(buffer, mt::DType::f64, {5}, {1});
  backend->fill(view, 2.5);
  backend->copy_to_host(host.data(), buffer, 0, host.size() * sizeof(double));
  backend->release(buffer);
  for (double v : host)
    BOOST_TEST(v == 2.5);
}

BOOST_AUTO_TEST_CASE(each_broken_plugin_has_a_specific_reason) {
  const auto registry = fake_and_real();
  struct Expect {
    std::string name;
    std::string outcome;
    std::string reason_part;
  };
  const std::vector<Expect> expected = {
      // The fake plugin reports the host's own minor beside its major 99.
      {"abi_mismatch", "failed",
       "ABI major mismatch: plugin speaks 99." + std::to_string(MT_ABI_MINOR) + ", host speaks 1." +
           std::to_string(MT_ABI_MINOR)},
      {"no_entry", "failed", "missing entry symbol 'mt_plugin_entry'"},
      {"null_entry", "failed", "entry point returned NULL"},
      {"wrong_name", "failed", "plugin calls itself 'somebody_else'"},
      {"corrupt_manifest", "failed", "corrupt manifest"},
      {"garbage", "failed", "not an ELF file"},
      {"manifest_abi", "failed", "declares ABI 7.0"},
      {"unusable", "not usable", "fake device is switched off"},
  };
  for (const auto& e : expected) {
    BOOST_TEST_CONTEXT("plugin " << e.name) {
      const auto* record = find_record(registry, e.name);
      BOOST_REQUIRE(record != nullptr);
      BOOST_TEST(mt::outcome_name(record->outcome) == e.outcome);
      BOOST_TEST(contains(record->reason, e.reason_part), "reason was: " << record->reason);
      BOOST_TEST(contains(record->path.string(), "libminitorch_backend_" + e.name + ".so"));
    }
  }
  // The corrupt manifest error names the manifest file.
  BOOST_TEST(contains(find_record(registry, "corrupt_manifest")->reason,
                      "libminitorch_backend_corrupt_manifest.json"));
}

BOOST_AUTO_TEST_CASE(unknown_name_lists_what_is_available_and_why_others_failed) {
  const auto registry = fake_and_real();
  const std::string text = load_error_text(registry, "no_such_backend");
  BOOST_TEST(contains(text, "unknown backend 'no_such_backend'"), text);
  BOOST_TEST(contains(text, "usable backends:"), text);
  BOOST_TEST(contains(text, "reference"), text);
  BOOST_TEST(contains(text, "ABI major mismatch"), text);
  BOOST_TEST(contains(text, "fake device is switched off"), text);
}

BOOST_AUTO_TEST_CASE(broken_or_unusable_name_is_an_error_not_a_fallback) {
  const auto registry = fake_and_real();
  const std::string abi = load_error_text(registry, "abi_mismatch");
  BOOST_TEST(contains(abi, "failed to load"), abi);
  BOOST_TEST(contains(abi, "ABI major mismatch"), abi);
  const std::string unusable = load_error_text(registry, "unusable");
  BOOST_TEST(contains(unusable, "'unusable' is not usable here: fake device is switched off"),
             unusable);
  BOOST_CHECK_THROW(registry.get("unusable"), mt::LoadError);
}

BOOST_AUTO_TEST_CASE(auto_prefers_builtin_order_and_skips_unusable) {
  const auto registry = fake_and_real();
  std::string why;
  auto picked = registry.get("auto", &why);
  BOOST_TEST(picked->usable());
  BOOST_TEST(picked->name() != "unusable");
  // With only fakes, auto takes the usable fake and says what it skipped.
  mt::BackendRegistry fakes_only({MT_TEST_FAKE_PLUGIN_DIR});
  auto only = fakes_only.get("auto", &why);
  BOOST_TEST(only->name() == "dummy");
  BOOST_TEST(contains(why, "auto picked 'dummy'"), why);
  BOOST_TEST(contains(why, "unusable not usable: fake device is switched off"), why);
  // Nothing usable at all: a clear error.
  mt::BackendRegistry empty({fs::path(MT_TEST_FAKE_PLUGIN_DIR) / "no-such-folder"});
  BOOST_CHECK_THROW(empty.get("auto"), mt::LoadError);
  BOOST_TEST(contains(load_error_text(empty, "auto"), "no usable backend"));
}

BOOST_AUTO_TEST_CASE(first_in_search_path_wins_and_later_ones_are_shadowed) {
  mt::BackendRegistry registry({MT_TEST_FAKE_PLUGIN_DIR, MT_TEST_SHADOW_PLUGIN_DIR});
  int loaded = 0;
  int shadowed = 0;
  for (const auto& record : registry.report()) {
    if (record.name != "dummy")
      continue;
    if (record.outcome == mt::LoadRecord::Outcome::loaded) {
      ++loaded;
      BOOST_TEST(contains(record.path.string(), "fake-plugins"));
    }
    if (record.outcome == mt::LoadRecord::Outcome::shadowed) {
      ++shadowed;
      BOOST_TEST(contains(record.reason, "shadowed by"));
      BOOST_TEST(contains(record.path.string(), "shadow-plugins"));
    }
  }
  BOOST_TEST(loaded == 1);
  BOOST_TEST(shadowed == 1);
}

BOOST_AUTO_TEST_CASE(library_stays_loaded_while_its_backend_is_held) {
  mt::BackendPtr backend;
  {
    mt::BackendRegistry registry({MT_TEST_FAKE_PLUGIN_DIR});
    backend = registry.get("dummy");
  }  // registry gone; the backend (and its .so) must still work
  std::vector<double> in = {1, 2, 3};
  std::vector<double> out(3, 0.0);
  void* a = backend->allocate(3 * sizeof(double));
  void* b = backend->allocate(3 * sizeof(double));
  backend->copy_from_host(a, 0, in.data(), 3 * sizeof(double));
  backend->map(MT_MAP_COPY, mt::make_view(b, mt::DType::f64, {3}, {1}),
               mt::make_view(a, mt::DType::f64, {3}, {1}));
  backend->copy_to_host(out.data(), b, 0, 3 * sizeof(double));
  backend->release(a);
  backend->release(b);
  BOOST_TEST(out == in);
}

BOOST_AUTO_TEST_CASE(plugin_failures_name_plugin_op_shapes_and_reason) {
  mt::BackendRegistry registry({MT_TEST_FAKE_PLUGIN_DIR});
  auto backend = registry.get("dummy");
  void* a = backend->allocate(4 * sizeof(double));
  // A supported (op, dtype) that fails in the plugin: its own words come back.
  try {
    backend->map(MT_MAP_COPY, mt::make_view(a, mt::DType::f64, {2, 2}, {2, 1}),
                 mt::make_view(a, mt::DType::f64, {2, 2}, {2, 1}));
    BOOST_FAIL("expected a BackendError");
  } catch (const mt::BackendError& e) {
    const std::string text = e.what();
    BOOST_TEST(contains(text, "backend 'dummy' failed in map.copy"), text);
    BOOST_TEST(contains(text, "out (2, 2) f64"), text);
    BOOST_TEST(contains(text, "MT_ERR_UNSUPPORTED"), text);
    BOOST_TEST(contains(text, "fake map handles copy of 1-D f64 only"), text);
  }
  // An (op, dtype) its supports() says no to is refused before the slot is called.
  for (const auto& [op, dtype, text] : std::vector<std::tuple<mt_map_op, mt::DType, std::string>>{
           {MT_MAP_EXP, mt::DType::f64, "backend 'dummy' does not support map.exp in f64"},
           {MT_MAP_COPY, mt::DType::f32, "backend 'dummy' does not support map.copy in f32"}}) {
    try {
      backend->map(op, mt::make_view(a, dtype, {2}, {1}), mt::make_view(a, dtype, {2}, {1}));
      BOOST_FAIL("expected a BackendError");
    } catch (const mt::BackendError& e) {
      BOOST_TEST(contains(e.what(), text), e.what());
      BOOST_TEST(contains(e.what(), "no fallback"), e.what());
    }
  }
  // An absent slot is reported as such, not called.
  try {
    backend->matmul(mt::make_view(a, mt::DType::f64, {1, 1, 1}, {1, 1, 1}),
                    mt::make_view(a, mt::DType::f64, {1, 1, 1}, {1, 1, 1}),
                    mt::make_view(a, mt::DType::f64, {1, 1, 1}, {1, 1, 1}));
    BOOST_FAIL("expected a BackendError");
  } catch (const mt::BackendError& e) {
    BOOST_TEST(contains(e.what(), "has no matmul slot (needed for matmul in f64)"), e.what());
  }
  backend->release(a);
  BOOST_TEST(!backend->supports(MT_FAMILY_MAP, MT_MAP_EXP, mt::DType::f64));
  BOOST_TEST(backend->supports(MT_FAMILY_MAP, MT_MAP_COPY, mt::DType::f64));
  BOOST_TEST(!backend->supports(MT_FAMILY_MAP, 99, mt::DType::f64));
  BOOST_TEST(!backend->supports(static_cast<mt_family>(42), 0, mt::DType::f64));
}

BOOST_AUTO_TEST_CASE(the_real_backends_support_every_op_they_are_asked_for) {
  const auto registry = fake_and_real();
  auto reference = registry.get("reference");
  for (const mt::DType dtype : {mt::DType::f32, mt::DType::f64}) {
    for (int32_t op = 0; op < MT_MAP_OP_COUNT; ++op)
      BOOST_TEST(reference->supports(MT_FAMILY_MAP, op, dtype));
    for (int32_t op = 0; op < MT_ZIP_OP_COUNT; ++op)
      BOOST_TEST(reference->supports(MT_FAMILY_ZIP, op, dtype));
    for (int32_t op = 0; op < MT_REDUCE_OP_COUNT; ++op)
      BOOST_TEST(reference->supports(MT_FAMILY_REDUCE, op, dtype));
    for (const mt_family f : {MT_FAMILY_MATMUL, MT_FAMILY_CONV1D, MT_FAMILY_CONV2D})
      BOOST_TEST(reference->supports(f, 0, dtype));
  }
}

BOOST_AUTO_TEST_CASE(search_path_starts_with_the_environment_variable) {
  ::setenv("MINITORCH_PLUGIN_PATH", "/tmp/mt-a::/tmp/mt-b", 1);
  const auto dirs = mt::default_plugin_search_path();
  ::unsetenv("MINITORCH_PLUGIN_PATH");
  BOOST_REQUIRE(dirs.size() >= 3);
  BOOST_TEST(dirs[0] == fs::path("/tmp/mt-a"));
  BOOST_TEST(dirs[1] == fs::path("/tmp/mt-b"));
  // The core library's own plugin folder follows.
  BOOST_TEST(contains(dirs[2].string(), "minitorch/plugins"));
}

BOOST_AUTO_TEST_CASE(file_naming_convention) {
  BOOST_TEST(mt::plugin_file_name("parallel") == "libminitorch_backend_parallel.so");
  BOOST_TEST(mt::backend_name_from_file("/x/libminitorch_backend_cuda.so").value() == "cuda");
  BOOST_TEST(!mt::backend_name_from_file("/x/libminitorch.so").has_value());
  BOOST_TEST(!mt::backend_name_from_file("/x/libminitorch_backend_.so").has_value());
  BOOST_TEST(!mt::backend_name_from_file("/x/libminitorch_backend_cuda.json").has_value());
}
