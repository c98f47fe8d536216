// test_loader_cli.cpp — the real `minitorch` binary with each hostile plugin
// file alone on MINITORCH_PLUGIN_PATH: `backends` and `train --backend
// reference` exit 0 quickly and name the file and what went wrong, and
// `--backend <broken>` exits non-zero with the same reason. Runs the binary
// as a child (mt::proc) with its own cache folder, never the user's.
#define BOOST_TEST_MODULE loader_cli
#include "loader_cases.hpp"

#include <minitorch/util/child_process.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr double kLimit = 2.0;  // MINITORCH_PROBE_TIMEOUT for these runs

using mt::test::contains;
using Run = mt::test::ProgramRun;

Run run_minitorch(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {MT_TEST_MINITORCH_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  return mt::test::run_program(argv, 60);
}

// The environment of one case; restored when it ends.
class CaseEnvironment {
 public:
  CaseEnvironment(const fs::path& plugins, const fs::path& cache) {
    ::setenv("MINITORCH_PLUGIN_PATH", plugins.c_str(), 1);
    ::setenv("MINITORCH_CACHE_DIR", cache.c_str(), 1);
    ::setenv("MINITORCH_PROBE_TIMEOUT", "2", 1);
  }
  ~CaseEnvironment() {
    ::setenv("MINITORCH_PLUGIN_PATH", "", 1);
    ::unsetenv("MINITORCH_CACHE_DIR");
    ::unsetenv("MINITORCH_PROBE_TIMEOUT");
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_hostile_case_leaves_the_cli_working) {
  for (const auto& c : loader_test::hostile_cases("2 s")) {
    BOOST_TEST_CONTEXT("case " << c.id) {
      mt::test::TempDir tmp;
      const fs::path file = loader_test::make_case(c.id, tmp / "plugins");
      CaseEnvironment env(tmp / "plugins", tmp / "cache");

      // A hanging plugin costs one time limit the first time, then nothing.
      const Run backends = run_minitorch({"backends"});
      BOOST_TEST_MESSAGE("$ minitorch backends   # " << c.id << " (" << backends.seconds << " s)\n"
                                                     << backends.output);
      BOOST_TEST(backends.status == 0, backends.output);
      BOOST_TEST(contains(backends.output, c.reason), backends.output);
      BOOST_TEST(contains(backends.output, file.string()), backends.output);
      BOOST_TEST(contains(backends.output, "auto picked"), backends.output);
      BOOST_TEST(backends.seconds < kLimit + 3.0, backends.seconds << " s");

      const Run cached = run_minitorch({"backends"});
      BOOST_TEST(cached.status == 0);
      BOOST_TEST(contains(cached.output, c.reason), cached.output);
      BOOST_TEST(contains(cached.output, "(probes: 0 now, "), cached.output);
      BOOST_TEST(cached.seconds < kLimit / 2, "cached run took " << cached.seconds << " s");

      const Run train =
          run_minitorch({"train", "--dataset", "xor", "--epochs", "2", "--backend", "reference"});
      BOOST_TEST(train.status == 0, train.output);
      BOOST_TEST(contains(train.output, "using backend 'reference' as requested"), train.output);
      BOOST_TEST(train.seconds < kLimit / 2 + 2.0, "train took " << train.seconds << " s");

      const Run broken =
          run_minitorch({"train", "--dataset", "xor", "--epochs", "2", "--backend", c.id});
      BOOST_TEST_MESSAGE("$ minitorch train --dataset xor --epochs 2 --backend " << c.id << "\n"
                                                                                 << broken.output);
      BOOST_TEST(broken.status == 1, broken.output);
      BOOST_TEST(contains(broken.output, "minitorch: error: backend '" + c.id +
                                             "' failed to load from " + file.string()),
                 broken.output);
      BOOST_TEST(contains(broken.output, c.reason), broken.output);
    }
  }
}

BOOST_AUTO_TEST_CASE(reprobe_probes_again_and_json_carries_notes_and_warnings) {
  mt::test::TempDir tmp;
  loader_test::make_case("contradicts", tmp / "plugins");
  CaseEnvironment env((tmp / "plugins").string() + ":" + (tmp / "missing").string(), tmp / "cache");
  const Run first = run_minitorch({"backends", "--json"});
  BOOST_TEST(first.status == 0, first.output);
  const Run again = run_minitorch({"backends", "--json"});
  BOOST_TEST(contains(again.output, "\"probes_started\": 0"), again.output);
  const Run reprobe = run_minitorch({"backends", "--json", "--reprobe"});
  BOOST_TEST(reprobe.status == 0, reprobe.output);
  BOOST_TEST(!contains(reprobe.output, "\"probes_started\": 0"), reprobe.output);
  BOOST_TEST(contains(reprobe.output, "says version 9.9.9 but the plugin reports 0.0.1"),
             reprobe.output);
  BOOST_TEST(contains(reprobe.output, "no such folder"), reprobe.output);
  const Run text = run_minitorch({"backends"});
  BOOST_TEST(contains(text.output, "    warning: manifest "), text.output);
  BOOST_TEST(contains(text.output, "  note: " + (tmp / "missing").string() + ": no such folder"),
             text.output);
}
