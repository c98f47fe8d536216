// backend_suites.hpp — runs a test body once per backend, each run its own Boost.Test unit
// named <backend>/<suite>/<case>, as MiniTorch parametrises test_tensor_general over its
// backends: a failure names the backend, and a backend that is not usable here is registered
// too and skipped by a precondition that gives the reason (never counted as passed).
// Link backend_suites_main.cpp (the executable's main) into a suite that uses it.
// Not a fixture library and not a test of the registry itself.
#pragma once

#include <minitorch/plugin/backend.hpp>

#include <rapidcheck.h>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mt::test {

// A test body; `backend` is the backend under test.
using BackendBody = std::function<void(const BackendPtr& backend)>;
// Why `backend` cannot run a case ("" when it can). Evaluated when the unit would run;
// a non-empty answer skips the unit with that reason.
using BackendRequirement = std::function<std::string(const Backend& backend)>;

struct BackendCase {
  std::string suite;  // "test_tensor" or a path "test_tensor/test_one_args"
  std::string name;
  BackendBody body;
  BackendRequirement requirement;  // may be empty: every usable backend runs it
  const char* file;
  std::size_t line;
};

// Every case registered so far (at static initialisation), in registration order.
inline std::vector<BackendCase>& backend_cases() {
  static std::vector<BackendCase> cases;
  return cases;
}

// Registers one case; returns true so it can initialise a static.
inline bool add_backend_case(std::string suite, std::string name, BackendBody body,
                             const char* file, std::size_t line,
                             BackendRequirement requirement = {}) {
  backend_cases().push_back(
      {std::move(suite), std::move(name), std::move(body), std::move(requirement), file, line});
  return true;
}

namespace detail {
inline BackendPtr& current_backend() {
  static BackendPtr backend;
  return backend;
}
inline std::map<std::string, int>& property_counts() {
  static std::map<std::string, int> counts;
  return counts;
}
}  // namespace detail

// The backend the running unit was registered for. Only inside a unit registered here.
inline const BackendPtr& backend_under_test() {
  const BackendPtr& backend = detail::current_backend();
  if (!backend) {
    throw std::logic_error(
        "backend_under_test() called outside a per-backend test unit (register the test with "
        "MT_BACKEND_TEST or MT_BACKEND_PROP)");
  }
  return backend;
}

// How many rapidcheck properties ran per backend name (for the summary).
inline const std::map<std::string, int>& property_counts() {
  return detail::property_counts();
}

// Runs `testable` as a rapidcheck property of the running Boost unit (its full name is the
// property's id, so RC_PARAMS="reproduce=..." finds it) and fails the unit with rapidcheck's
// counterexample. `max_success` > 0 lowers the example count below RC_PARAMS' for this
// property only (MiniTorch does so for its slower tests); it never raises it.
template <class Testable>
void check_property(Testable&& testable, int max_success = 0) {
  const auto& unit = boost::unit_test::framework::current_test_case();
  rc::detail::TestMetadata metadata;
  metadata.id = unit.full_name();
  metadata.description = unit.p_name;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (max_success > 0 && max_success < params.maxSuccess)
    params.maxSuccess = max_success;
  const std::string backend = detail::current_backend() ? detail::current_backend()->name() : "";
  ++detail::property_counts()[backend];
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
  const bool held = result.template is<rc::detail::SuccessResult>();
  std::ostringstream message;
  if (!held)
    rc::detail::printResultMessage(result, message);
  BOOST_TEST(held, "backend " << backend << ": " << message.str());
}

// Registers one property unit per entry of `cases` (each with a `name`) under
// <backend>/<suite>/<entry name>; `property(entry)` runs inside rapidcheck.
template <class Cases, class Property>
bool add_backend_properties(const std::string& suite, const Cases& cases, Property property,
                            const char* file, std::size_t line, int max_success = 0,
                            BackendRequirement requirement = {}) {
  for (const auto& entry : cases) {
    add_backend_case(
        suite, std::string(entry.name),
        [entry, property, max_success](const BackendPtr&) {
          check_property([&] { property(entry); }, max_success);
        },
        file, line, requirement);
  }
  return true;
}

// MT_BACKEND_PROP's registration: the body runs as a property of the unit.
inline bool add_backend_prop(std::string suite, std::string name, void (*body)(const BackendPtr&),
                             const char* file, std::size_t line, int max_success = 0,
                             BackendRequirement requirement = {}) {
  return add_backend_case(
      std::move(suite), std::move(name),
      [body, max_success](const BackendPtr& backend) {
        check_property([&] { body(backend); }, max_success);
      },
      file, line, std::move(requirement));
}
}  // namespace mt::test

// MT_BACKEND_TEST(suite, name [, requirement]) { ... uses `backend` ... }
// A plain Boost.Test case run once per backend.
#define MT_BACKEND_TEST(suite, name, ...)                                                      \
  static void mt_backend_test_##suite##_##name(const ::mt::BackendPtr& backend);               \
  [[maybe_unused]] static const bool mt_backend_registered_##suite##_##name =                  \
      ::mt::test::add_backend_case(#suite, #name, &mt_backend_test_##suite##_##name, __FILE__, \
                                   __LINE__ __VA_OPT__(, ) __VA_ARGS__);                       \
  static void mt_backend_test_##suite##_##name([[maybe_unused]] const ::mt::BackendPtr& backend)

// MT_BACKEND_PROP(suite, name [, max_success [, requirement]]) { ... RC_ASSERT ... }
// A rapidcheck property run once per backend (every example on the backend under test).
#define MT_BACKEND_PROP(suite, name, ...)                                                      \
  static void mt_backend_prop_##suite##_##name(const ::mt::BackendPtr& backend);               \
  [[maybe_unused]] static const bool mt_backend_registered_##suite##_##name =                  \
      ::mt::test::add_backend_prop(#suite, #name, &mt_backend_prop_##suite##_##name, __FILE__, \
                                   __LINE__ __VA_OPT__(, ) __VA_ARGS__);                       \
  static void mt_backend_prop_##suite##_##name([[maybe_unused]] const ::mt::BackendPtr& backend)
