// test_sdk_kit.cpp — tests of the conformance kit itself: the child-process
// isolation (results, exceptions, crashes, hangs, exits, output capture), the
// case filter, and whole runs of the minitorch-conformance program on test
// plugins (a deliberately broken one, an unusable one) read back from its
// JSON report. It does not test the in-tree backends (the ctest entries
// sdk_kit_<backend> run the kit on those).
#define BOOST_TEST_MODULE sdk_kit
#include <boost/test/unit_test.hpp>

#include "isolation.hpp"
#include "kit.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using json = nlohmann::json;
using mt::kit::ChildOutcome;
using Ending = ChildOutcome::Ending;

namespace {

// Runs one task in a child and returns how it ended.
ChildOutcome run_one(const std::function<std::string()>& task, double timeout = 30.0) {
  ChildOutcome result;
  int calls = 0;
  mt::kit::run_isolated(
      1, [&](std::size_t) { return task(); }, 1, timeout,
      [&](std::size_t, const ChildOutcome& o) {
        result = o;
        ++calls;
      });
  BOOST_TEST(calls == 1);
  return result;
}

// A scratch folder for one test, removed afterwards.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() /
          ("mt_sdk_kit_" + std::to_string(::getpid()) + "_" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs the kit program with `args`; returns its exit status and fills
// `out` with stdout and stderr together.
int run_kit(const std::string& args, const fs::path& dir, std::string& out) {
  const fs::path log = dir / "kit.log";
  const std::string command =
      std::string("'") + MT_KIT_EXE + "' " + args + " > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  out = read_file(log);
  BOOST_TEST_MESSAGE("kit " << args << "\n" << out);
  BOOST_REQUIRE_MESSAGE(WIFEXITED(status), "the kit itself did not exit normally: " << command);
  return WEXITSTATUS(status);
}

// The report's cases by (dtype, id).
std::map<std::pair<std::string, std::string>, json> cases_of(const json& report) {
  std::map<std::pair<std::string, std::string>, json> out;
  for (const auto& c : report.at("cases"))
    out[{c.at("dtype").get<std::string>(), c.at("id").get<std::string>()}] = c;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(isolation)

BOOST_AUTO_TEST_CASE(a_task_result_comes_back) {
  const auto o = run_one([] { return std::string("forty-two"); });
  BOOST_TEST(static_cast<int>(o.ending) == static_cast<int>(Ending::finished));
  BOOST_TEST(o.result == "forty-two");
}

BOOST_AUTO_TEST_CASE(an_exception_is_reported_with_its_message) {
  const auto o = run_one([]() -> std::string { throw std::runtime_error("bad plugin table"); });
  BOOST_TEST(static_cast<int>(o.ending) == static_cast<int>(Ending::threw));
  BOOST_TEST(o.result == "bad plugin table");
}

BOOST_AUTO_TEST_CASE(a_crash_is_reported_with_its_signal) {
  const auto o = run_one([]() -> std::string {
    std::signal(SIGSEGV, SIG_DFL);  // past any sanitizer's handler
    std::raise(SIGSEGV);
    return "not reached";
  });
  BOOST_TEST(static_cast<int>(o.ending) == static_cast<int>(Ending::signaled));
  BOOST_TEST(o.signal == SIGSEGV);
  BOOST_TEST(mt::kit::signal_name(o.signal) == "SIGSEGV");
}

BOOST_AUTO_TEST_CASE(a_hang_is_killed_at_the_time_limit) {
  const auto o = run_one(
      []() -> std::string {
        for (;;)
          std::this_thread::sleep_for(std::chrono::seconds(1));
      },
      0.5);
  BOOST_TEST(static_cast<int>(o.ending) == static_cast<int>(Ending::timed_out));
}

BOOST_AUTO_TEST_CASE(an_early_exit_is_reported_with_its_code) {
  const auto o = run_one([]() -> std::string { ::_exit(3); });
  BOOST_TEST(static_cast<int>(o.ending) == static_cast<int>(Ending::exited));
  BOOST_TEST(o.exit_code == 3);
}

BOOST_AUTO_TEST_CASE(the_child_output_is_captured_not_printed) {
  const auto o = run_one([] {
    std::cout << "to stdout" << std::endl;
    std::cerr << "to stderr" << std::endl;
    return std::string("done");
  });
  BOOST_TEST(o.result == "done");
  BOOST_TEST(o.output.find("to stdout") != std::string::npos);
  BOOST_TEST(o.output.find("to stderr") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parallel_children_each_report_once_with_their_own_result) {
  std::map<std::size_t, std::string> results;
  mt::kit::run_isolated(
      7,
      [](std::size_t i) -> std::string {
        if (i == 3) {
          std::signal(SIGSEGV, SIG_DFL);
          std::raise(SIGSEGV);
        }
        return "task " + std::to_string(i);
      },
      3, 30.0,
      [&](std::size_t i, const ChildOutcome& o) {
        BOOST_TEST(results.count(i) == 0u);
        results[i] = o.ending == Ending::finished ? o.result : "crashed";
      });
  BOOST_TEST(results.size() == 7u);
  for (std::size_t i = 0; i < 7; ++i)
    BOOST_TEST(results[i] == (i == 3 ? std::string("crashed") : "task " + std::to_string(i)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(filter)

BOOST_AUTO_TEST_CASE(an_empty_filter_selects_everything) {
  BOOST_TEST(mt::kit::filter_matches("", "zip.add.contiguous"));
}

BOOST_AUTO_TEST_CASE(a_plain_pattern_selects_the_id_and_its_dotted_children) {
  BOOST_TEST(mt::kit::filter_matches("zip.add", "zip.add.contiguous"));
  BOOST_TEST(mt::kit::filter_matches("zip.add", "zip.add"));
  BOOST_TEST(mt::kit::filter_matches("grad", "grad.conv2d"));
  BOOST_TEST(!mt::kit::filter_matches("zip.add", "zip.add_more.contiguous"));
  BOOST_TEST(!mt::kit::filter_matches("zip.a", "zip.add.contiguous"));
  BOOST_TEST(!mt::kit::filter_matches("add", "zip.add.contiguous"));
}

BOOST_AUTO_TEST_CASE(globs_match_the_whole_id) {
  BOOST_TEST(mt::kit::filter_matches("zip.*.broadcast*", "zip.mul.broadcast_row"));
  BOOST_TEST(!mt::kit::filter_matches("zip.*.broadcast*", "map.neg.broadcast"));
  BOOST_TEST(mt::kit::filter_matches("*conv?d*", "grad.conv1d"));
  BOOST_TEST(!mt::kit::filter_matches("conv", "grad.conv1d"));
}

BOOST_AUTO_TEST_CASE(a_comma_list_selects_the_union) {
  BOOST_TEST(mt::kit::filter_matches("map.neg, zip.sub", "zip.sub.scalar"));
  BOOST_TEST(mt::kit::filter_matches("map.neg, zip.sub", "map.neg.scalar"));
  BOOST_TEST(!mt::kit::filter_matches("map.neg, zip.sub", "map.exp.scalar"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kit_runs)

// One run over a plugin with four different bugs: each is reported as its
// own kind of problem, by op, and the run still completes.
BOOST_AUTO_TEST_CASE(a_broken_plugin_is_reported_op_by_op_in_one_run) {
  Scratch scratch;
  const fs::path report = scratch.dir / "broken.json";
  std::string out;
  const int code = run_kit(std::string("--plugin '") + MT_BROKEN_PLUGIN +
                               "' --dtype f64 --timeout 5 --json '" + report.string() +
                               "' --filter 'zip.sub.contiguous,zip.sub.broadcast_col,"
                               "map.exp.contiguous,map.abs.contiguous,map.abs.offset,"
                               "reduce.prod.contiguous_dim0,zip.add.contiguous,map.neg.permuted,"
                               "reduce.sum.contiguous_dim1,grad.sub,grad.exp,grad.add,"
                               "map.sqrt.contiguous'",
                           scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitFailures);
  BOOST_REQUIRE(fs::exists(report));
  const json r = json::parse(read_file(report));
  BOOST_TEST(r.at("complete").get<bool>());
  auto cases = cases_of(r);
  BOOST_TEST(cases.size() == 13u);
  auto status = [&](const std::string& id) {
    const auto it = cases.find({"f64", id});
    BOOST_REQUIRE_MESSAGE(it != cases.end(), "no case " << id << " in the report");
    return it->second;
  };

  // Wrong result: failed, with the element that is wrong.
  for (const char* id : {"zip.sub.contiguous", "zip.sub.broadcast_col"}) {
    BOOST_TEST(status(id).at("status") == "failed", id);
    BOOST_TEST(
        status(id).at("message").get<std::string>().find("elements wrong") != std::string::npos,
        id);
  }
  BOOST_TEST(status("grad.sub").at("status") == "failed");
  // SIGSEGV: crashed, with the signal's name, and the other cases still ran.
  for (const char* id : {"map.exp.contiguous", "grad.exp"}) {
    BOOST_TEST(status(id).at("status") == "crashed", id);
    BOOST_TEST(status(id).at("signal") == "SIGSEGV", id);
  }
  // Out-of-bounds write: failed, and the message says where.
  for (const char* id : {"map.abs.contiguous", "map.abs.offset"}) {
    BOOST_TEST(status(id).at("status") == "failed", id);
    BOOST_TEST(status(id).at("message").get<std::string>().find("out-of-bounds write") !=
                   std::string::npos,
               id);
  }
  // Hang: timed out.
  BOOST_TEST(status("reduce.prod.contiguous_dim0").at("status") == "timed_out");
  // What the plugin does right still passes.
  for (const char* id :
       {"zip.add.contiguous", "map.neg.permuted", "reduce.sum.contiguous_dim1", "grad.add"})
    BOOST_TEST(status(id).at("status") == "passed", id);

  // Declared unsupported: skipped with that reason, neither passed nor failed.
  BOOST_TEST(status("map.sqrt.contiguous").at("status") == "skipped");
  BOOST_TEST(status("map.sqrt.contiguous").at("skip_reason") == "unsupported");

  const json& s = r.at("summary");
  BOOST_TEST(s.at("passed").get<int>() == 4);
  BOOST_TEST(s.at("failed").get<int>() == 5);
  BOOST_TEST(s.at("crashed").get<int>() == 2);
  BOOST_TEST(s.at("timed_out").get<int>() == 1);
  BOOST_TEST(s.at("skipped").get<int>() == 1);
  // The printed table and summary say the same.
  BOOST_TEST(out.find("4 passed, 5 failed, 1 skipped, 2 crashed, 1 timed out") !=
             std::string::npos);
  BOOST_TEST(out.find("1 skip (unsupported)") != std::string::npos);
  BOOST_TEST(out.find("CRASH    f64 map.exp.contiguous: killed by SIGSEGV") != std::string::npos);
  BOOST_TEST(out.find("TIMEOUT  f64 reduce.prod.contiguous_dim0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unusable_plugin_is_skipped_not_passed_and_exits_zero) {
  Scratch scratch;
  const fs::path report = scratch.dir / "unusable.json";
  std::string out;
  const int code = run_kit(std::string("--plugin '") + MT_UNUSABLE_PLUGIN + "' --json '" +
                               report.string() + "' --filter 'map.neg,grad.add,memory'",
                           scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitPassed);
  const json r = json::parse(read_file(report));
  BOOST_TEST(!r.at("candidate").at("usable").get<bool>());
  const int total = r.at("summary").at("total").get<int>();
  BOOST_TEST(total > 0);
  BOOST_TEST(r.at("summary").at("skipped").get<int>() == total);
  BOOST_TEST(r.at("summary").at("passed").get<int>() == 0);
  for (const auto& c : r.at("cases")) {
    BOOST_TEST(c.at("status") == "skipped");
    BOOST_TEST(c.at("skip_reason") == "not usable");
    BOOST_TEST(c.at("message").get<std::string>().find("the test device is absent") !=
               std::string::npos);
  }
  BOOST_TEST(out.find("0 passed, 0 failed, " + std::to_string(total) + " skipped") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_backend_name_is_a_clear_error) {
  Scratch scratch;
  const fs::path report = scratch.dir / "unknown.json";
  std::string out;
  const int code =
      run_kit("--backend no_such_backend --json '" + report.string() + "'", scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitError);
  BOOST_TEST(out.find("no backend named 'no_such_backend'") != std::string::npos);
  BOOST_TEST(out.find("reference") != std::string::npos);  // lists what is there
  const json r = json::parse(read_file(report));
  BOOST_TEST(!r.at("complete").get<bool>());
  BOOST_TEST(r.at("error").get<std::string>().find("no_such_backend") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_plugin_is_a_clear_error) {
  Scratch scratch;
  const fs::path fake = scratch.dir / "libminitorch_backend_fake.so";
  std::ofstream(fake) << "not an ELF file";
  std::string out;
  const int code = run_kit("--plugin '" + fake.string() + "'", scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitError);
  BOOST_TEST(out.find("cannot load the candidate plugin") != std::string::npos);
  BOOST_TEST(out.find("not an ELF file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_filter_that_selects_nothing_is_an_error) {
  Scratch scratch;
  std::string out;
  const int code = run_kit("--backend reference --filter nothing.like.this", scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitError);
  BOOST_TEST(out.find("selects no case") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
