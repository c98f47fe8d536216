// backend_suites_main.cpp — the main of a suite that uses backend_suites.hpp: registers every
// MT_BACKEND_TEST / MT_BACKEND_PROP case under one Boost.Test suite per backend the registry
// knows (usable ones run, the rest are skipped with their reason) and prints per-backend
// counts after the run. Auto-registered BOOST_AUTO_TEST_CASEs of the executable run as usual.
// It does not choose what a case checks; the cases do.
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <minitorch/errors.hpp>
#include <minitorch/plugin/backend.hpp>

#include "backend_suites.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace utf = boost::unit_test;

namespace {

// One backend this run knows about: runnable (backend set) or skipped (reason set).
struct BackendSlot {
  std::string name;
  mt::BackendPtr backend;
  std::string skip_reason;
  utf::test_unit_id suite_id = utf::INV_TEST_UNIT_ID;
  std::vector<utf::test_unit_id> case_ids;
};

std::vector<BackendSlot>& slots() {
  static std::vector<BackendSlot> all;
  return all;
}

// Every backend name in the registry's report, reference first, each with a backend to run
// on or the reason it cannot run here.
std::vector<BackendSlot> discover_backends() {
  mt::BackendRegistry& registry = mt::BackendRegistry::global();
  std::vector<std::string> names{"reference"};
  for (const mt::LoadRecord& record : registry.report()) {
    if (record.outcome == mt::LoadRecord::Outcome::shadowed || record.name.empty())
      continue;
    if (std::find(names.begin(), names.end(), record.name) == names.end())
      names.push_back(record.name);
  }
  std::vector<BackendSlot> found;
  for (const std::string& name : names) {
    BackendSlot slot;
    slot.name = name;
    try {
      slot.backend = registry.get(name);
    } catch (const mt::LoadError& e) {
      // Prefer the report's own line for this name: it is shorter than get()'s summary.
      for (const mt::LoadRecord& record : registry.report()) {
        if (record.name != name || record.outcome == mt::LoadRecord::Outcome::shadowed)
          continue;
        if (record.outcome == mt::LoadRecord::Outcome::not_usable)
          slot.skip_reason = "backend '" + name + "' is not usable here: " + record.reason;
        else if (record.outcome == mt::LoadRecord::Outcome::failed)
          slot.skip_reason = "backend '" + name + "' did not load from " + record.path.string() +
                             ": " + record.reason;
        if (!slot.skip_reason.empty())
          break;
      }
      if (slot.skip_reason.empty())
        slot.skip_reason = "backend '" + name + "' cannot run here: " + e.what();
    }
    if (slot.backend && !slot.backend->usable()) {
      slot.skip_reason =
          "backend '" + name + "' is not usable here: " + slot.backend->unusable_reason();
      slot.backend.reset();
    }
    found.push_back(std::move(slot));
  }
  return found;
}

// A precondition that always fails with `reason`: Boost then reports the unit as skipped
// ("precondition failed: <reason>"), never as passed.
utf::test_unit::precondition_t skip_because(std::string reason) {
  return [reason](utf::test_unit_id) {
    boost::test_tools::assertion_result result(false);
    result.message() << reason;
    return result;
  };
}

// Sets the backend under test (and the default backend, for tensors made without options)
// for one unit, and puts the previous ones back after it.
class BackendScope {
 public:
  explicit BackendScope(const mt::BackendPtr& backend)
      : previous_(mt::test::detail::current_backend()), previous_default_(mt::default_backend()) {
    mt::test::detail::current_backend() = backend;
    mt::set_default_backend(backend);
  }
  ~BackendScope() {
    mt::test::detail::current_backend() = previous_;
    mt::set_default_backend(previous_default_);
  }
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;

 private:
  mt::BackendPtr previous_;
  mt::BackendPtr previous_default_;
};

// The suite at `path` ("a/b") under `root`, made on first use.
utf::test_suite* suite_at(utf::test_suite* root, const std::string& path,
                          std::map<std::string, utf::test_suite*>& made, const char* file,
                          std::size_t line) {
  utf::test_suite* parent = root;
  std::string so_far;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    so_far += "/" + part;
    auto it = made.find(so_far);
    if (it == made.end()) {
      auto* suite = new utf::test_suite(part, file, line);  // the framework owns it
      parent->add(suite);
      it = made.emplace(so_far, suite).first;
    }
    parent = it->second;
  }
  return parent;
}

// Backends named in MT_TEST_REQUIRE_BACKENDS (comma-separated; set by CMake to the plugins
// the build made) must at least load: a missing or broken one fails the run instead of
// skipping quietly. Not being usable here (no GPU) is still a skip.
void require_backends(utf::test_suite& master) {
  const char* env = std::getenv("MT_TEST_REQUIRE_BACKENDS");
  if (env == nullptr)
    return;
  std::stringstream names(env);
  for (std::string name; std::getline(names, name, ',');) {
    if (name.empty())
      continue;
    std::string problem;
    bool known = false;
    for (const BackendSlot& slot : slots()) {
      if (slot.name != name)
        continue;
      known = true;
      if (!slot.backend && slot.skip_reason.find("is not usable here") == std::string::npos)
        problem = slot.skip_reason;
    }
    if (!known)
      problem = "no plugin for backend '" + name + "' was found on the search path";
    if (problem.empty())
      continue;
    master.add(utf::make_test_case(
        [name, problem] {
          BOOST_ERROR("backend '" << name << "' is required (MT_TEST_REQUIRE_BACKENDS) but "
                                  << problem);
        },
        name + "_loads", __FILE__, __LINE__));
  }
}

bool register_backend_cases() {
  utf::master_test_suite_t& master = utf::framework::master_test_suite();
  if (master.argc > 0)
    master.p_name.value = std::filesystem::path(master.argv[0]).filename().string();
  slots() = discover_backends();
  for (BackendSlot& slot : slots()) {
    auto* root = new utf::test_suite(slot.name, __FILE__, __LINE__);
    if (!slot.backend)
      root->add_precondition(skip_because(slot.skip_reason));
    std::map<std::string, utf::test_suite*> made;
    for (const mt::test::BackendCase& c : mt::test::backend_cases()) {
      utf::test_suite* suite = suite_at(root, c.suite, made, c.file, c.line);
      const mt::BackendPtr backend = slot.backend;
      const mt::test::BackendBody body = c.body;
      auto* test = utf::make_test_case(
          [backend, body] {
            BackendScope scope(backend);
            body(backend);
          },
          c.name, c.file, c.line);
      if (backend && c.requirement) {
        const mt::test::BackendRequirement requirement = c.requirement;
        test->add_precondition([backend, requirement](utf::test_unit_id) {
          const std::string why = requirement(*backend);
          boost::test_tools::assertion_result result(why.empty());
          result.message() << "skipped on backend '" << backend->name() << "': " << why;
          return result;
        });
      }
      suite->add(test);
      slot.case_ids.push_back(test->p_id);
    }
    master.add(root);
    slot.suite_id = root->p_id;
  }
  require_backends(master);
  return true;
}

// One line per backend after the run, whatever the log level: units passed, failed and
// skipped (with the reason when the whole backend is), and rapidcheck properties run.
struct Summary {
  void setup() {}
  void teardown() {
    for (const BackendSlot& slot : slots()) {
      int passed = 0, failed = 0, skipped = 0;
      const bool suite_skipped = utf::results_collector.results(slot.suite_id).p_skipped;
      for (const utf::test_unit_id id : slot.case_ids) {
        if (!utf::framework::get(id, utf::TUT_ANY).is_enabled())
          continue;  // filtered out of this run
        const utf::test_results& r = utf::results_collector.results(id);
        if (suite_skipped || r.p_skipped)
          ++skipped;
        else if (r.passed())
          ++passed;
        else
          ++failed;
      }
      if (passed + failed + skipped == 0)
        continue;
      const auto counts = mt::test::property_counts();
      const auto found = counts.find(slot.name);
      std::cout << "backend suites: " << slot.name << ": " << passed << " passed, " << failed
                << " failed, " << skipped << " skipped; "
                << (found == counts.end() ? 0 : found->second) << " rapidcheck properties run";
      if (!slot.backend)
        std::cout << " (" << slot.skip_reason << ")";
      std::cout << '\n';
    }
    std::cout.flush();
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Summary);

int main(int argc, char* argv[]) {
  return utf::unit_test_main(&register_backend_cases, argc, argv);
}
