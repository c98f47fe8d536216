// test_conformance.cpp — the cross-backend conformance suite: every case of
// the conformance library, on every loaded backend (usable or not), in f32
// and f64, against the reference backend. Cases are registered at run time,
// one test case per backend, dtype and case, so the log names all three.
// It does not test the oracle itself against hand values (test_reference.cpp).

#define BOOST_TEST_MODULE conformance
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <minitorch/backend.hpp>
#include <minitorch/conformance.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace utf = boost::unit_test;
namespace conf = mt::conformance;

namespace {

// Per backend and dtype: what happened, for the summary printed at the end.
struct Tally {
  std::string backend;
  mt::DType dtype = mt::DType::f32;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::map<std::string, int> skip_reasons;  // reason -> count
};

std::vector<std::unique_ptr<Tally>>& tallies() {
  static std::vector<std::unique_ptr<Tally>> all;
  return all;
}

void run_one(const mt::BackendPtr& candidate, const mt::BackendPtr& reference,
             const conf::CaseInfo& info, mt::DType dtype, Tally* tally) {
  const conf::CaseResult r = conf::run_case(info, *candidate, *reference, dtype);
  if (r.status == conf::CaseResult::Status::skipped) {
    // Registration already skips what it can foresee; this is a late skip.
    ++tally->skipped;
    ++tally->skip_reasons[r.message];
    BOOST_TEST_MESSAGE("skipped: " << r.message);
    return;
  }
  const bool passed = r.status == conf::CaseResult::Status::passed;
  ++(passed ? tally->passed : tally->failed);
  BOOST_TEST(passed, candidate->name() << ' ' << mt::dtype_name(dtype) << ' ' << info.id << ": "
                                       << conf::status_name(r.status) << ": " << r.message);
}

// A precondition that always fails with `reason`: Boost then reports the
// unit as "skipped because precondition failed: <reason>", never as passed.
// It is evaluated only when the unit would run, so filtered runs tally right.
utf::test_unit::precondition_t skip_because(std::string reason, Tally* tally, int cases) {
  return [reason, tally, cases](utf::test_unit_id) {
    tally->skipped += cases;
    tally->skip_reasons[reason] += cases;
    boost::test_tools::assertion_result result(false);
    result.message() << reason;
    return result;
  };
}

bool register_conformance_cases() {
  auto& master = utf::framework::master_test_suite();
  auto& registry = mt::BackendRegistry::global();
  mt::BackendPtr reference;
  std::string why_missing;
  try {
    reference = registry.get("reference");
  } catch (const std::exception& e) {
    why_missing = e.what();
  }
  if (!reference) {
    master.add(utf::make_test_case(
        [why_missing] { BOOST_ERROR("no reference backend to compare with: " << why_missing); },
        "reference_backend_available", __FILE__, __LINE__));
    return true;
  }

  const auto cases = conf::list_cases();
  for (const mt::BackendPtr& backend : registry.loaded()) {
    for (const mt::DType dtype : {mt::DType::f32, mt::DType::f64}) {
      tallies().push_back(std::make_unique<Tally>());
      Tally* tally = tallies().back().get();
      tally->backend = backend->name();
      tally->dtype = dtype;
      auto* suite = BOOST_TEST_SUITE(backend->name() + "_" + mt::dtype_name(dtype));
      if (!backend->usable()) {
        const std::string reason =
            "backend '" + backend->name() + "' is not usable here: " + backend->unusable_reason();
        suite->add_precondition(skip_because(reason, tally, static_cast<int>(cases.size())));
      }
      for (const conf::CaseInfo& info : cases) {
        auto* test =
            utf::make_test_case([backend, reference, info, dtype,
                                 tally] { run_one(backend, reference, info, dtype, tally); },
                                info.id, __FILE__, __LINE__);
        if (backend->usable() && info.family != conf::kMemoryFamily &&
            !backend->supports(info.family, info.op, dtype)) {
          const std::string reason = "backend '" + backend->name() + "' does not support " +
                                     info.id.substr(0, info.id.rfind('.')) + " in " +
                                     mt::dtype_name(dtype);
          test->add_precondition(skip_because(reason, tally, 1));
        }
        suite->add(test);
      }
      master.add(suite);
    }
  }
  return true;
}

// Prints one line per backend and dtype after the run, whatever the log level.
struct Summary {
  void setup() {}
  void teardown() {
    for (const auto& t : tallies()) {
      if (t->passed + t->failed + t->skipped == 0)
        continue;  // filtered out of this run
      std::ostringstream line;
      line << "conformance: backend " << t->backend << " dtype " << mt::dtype_name(t->dtype) << ": "
           << t->passed << " passed, " << t->failed << " failed, " << t->skipped << " skipped";
      for (const auto& [reason, count] : t->skip_reasons)
        line << " (" << count << " x " << reason << ")";
      std::cout << line.str() << '\n';
    }
    std::cout.flush();
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Summary);

int main(int argc, char* argv[]) {
  return utf::unit_test_main(&register_conformance_cases, argc, argv);
}
