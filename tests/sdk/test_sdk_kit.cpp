// test_sdk_kit.cpp — tests of the conformance kit and library themselves:
// the case filter, the catalogue (generated from the op table),
// check_gradients, and whole runs of the minitorch-conformance program on
// test plugins (a deliberately broken one, an unusable one) read back from
// its JSON report, including its exit status when no case ran and when it is
// interrupted. It does not test the in-tree backends (the ctest entries
// sdk_kit_<backend> run the kit on those) nor the child-process runner the
// kit uses (core's; tests/loader/test_hostile.cpp tests it).
#define BOOST_TEST_MODULE sdk_kit
#include <boost/test/unit_test.hpp>

#include "kit.hpp"

#include <minitorch/conformance.hpp>
#include <minitorch/plugin_helpers.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

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

// One run over a plugin with five different bugs: each is reported as its
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
                               "map.sqrt.contiguous,zip.unknown_op,map.unknown_op'",
                           scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitFailures);
  BOOST_REQUIRE(fs::exists(report));
  const json r = json::parse(read_file(report));
  BOOST_TEST(r.at("complete").get<bool>());
  auto cases = cases_of(r);
  BOOST_TEST(cases.size() == 15u);
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
  // supports() says 1 for ops the table does not have: the unknown-op case
  // asks the plugin itself (core's own answer is always no) and fails.
  BOOST_TEST(status("zip.unknown_op").at("status") == "failed");
  BOOST_TEST(status("zip.unknown_op")
                     .at("message")
                     .get<std::string>()
                     .find("supports(zip, op " + std::to_string(MT_ZIP_OP_COUNT) +
                           ", f32) says 1") != std::string::npos,
             status("zip.unknown_op").at("message"));
  // Hang: timed out.
  BOOST_TEST(status("reduce.prod.contiguous_dim0").at("status") == "timed_out");
  // What the plugin does right still passes.
  for (const char* id : {"zip.add.contiguous", "map.neg.permuted", "reduce.sum.contiguous_dim1",
                         "grad.add", "map.unknown_op"})
    BOOST_TEST(status(id).at("status") == "passed", id);

  // Declared unsupported: skipped with that reason, neither passed nor failed.
  BOOST_TEST(status("map.sqrt.contiguous").at("status") == "skipped");
  BOOST_TEST(status("map.sqrt.contiguous").at("skip_reason") == "unsupported");

  const json& s = r.at("summary");
  BOOST_TEST(s.at("passed").get<int>() == 5);
  BOOST_TEST(s.at("failed").get<int>() == 6);
  BOOST_TEST(s.at("crashed").get<int>() == 2);
  BOOST_TEST(s.at("timed_out").get<int>() == 1);
  BOOST_TEST(s.at("skipped").get<int>() == 1);
  // The printed table and summary say the same.
  BOOST_TEST(out.find("5 passed, 6 failed, 1 skipped, 2 crashed, 1 timed out") !=
             std::string::npos);
  BOOST_TEST(out.find("1 skip (unsupported)") != std::string::npos);
  BOOST_TEST(out.find("CRASH    f64 map.exp.contiguous: killed by SIGSEGV") != std::string::npos);
  BOOST_TEST(out.find("TIMEOUT  f64 reduce.prod.contiguous_dim0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unusable_plugin_is_skipped_not_passed_and_exits_3) {
  Scratch scratch;
  const fs::path report = scratch.dir / "unusable.json";
  std::string out;
  const int code = run_kit(std::string("--plugin '") + MT_UNUSABLE_PLUGIN + "' --json '" +
                               report.string() + "' --filter 'map.neg,grad.add,memory'",
                           scratch.dir, out);
  // No case ran, so nothing is proven: not exit 0.
  BOOST_TEST(code == mt::kit::kExitNothingRan);
  BOOST_TEST(out.find("nothing ran") != std::string::npos);
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

BOOST_AUTO_TEST_CASE(allow_empty_accepts_a_run_in_which_nothing_ran) {
  Scratch scratch;
  const fs::path report = scratch.dir / "unusable.json";
  std::string out;
  const int code =
      run_kit(std::string("--plugin '") + MT_UNUSABLE_PLUGIN + "' --allow-empty --json '" +
                  report.string() + "' --filter map.neg.contiguous",
              scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitPassed);
  BOOST_TEST(out.find("allowed by --allow-empty") != std::string::npos);
  const json r = json::parse(read_file(report));
  BOOST_TEST(r.at("summary").at("skipped").get<int>() == 2);  // f32 and f64
  BOOST_TEST(r.at("summary").at("passed").get<int>() == 0);
}

// Every case unsupported (the broken plugin declares map.sqrt unsupported):
// nothing ran although the backend is usable, so exit 3 as well.
BOOST_AUTO_TEST_CASE(a_run_of_only_unsupported_cases_exits_3) {
  Scratch scratch;
  std::string out;
  const int code = run_kit(std::string("--plugin '") + MT_BROKEN_PLUGIN + "' --filter map.sqrt",
                           scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitNothingRan);
  BOOST_TEST(out.find("0 passed, 0 failed, 24 skipped") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_filter_that_selects_nothing_is_an_error) {
  Scratch scratch;
  std::string out;
  const int code = run_kit("--backend reference --filter nothing.like.this", scratch.dir, out);
  BOOST_TEST(code == mt::kit::kExitError);
  BOOST_TEST(out.find("selects no case") != std::string::npos);
  BOOST_TEST(run_kit("--backend reference --filter nothing.like.this --allow-empty", scratch.dir,
                     out) == mt::kit::kExitPassed);
}

// Ctrl-C while a case hangs: the kit kills the case's child, reports what
// ran and what did not, writes the report, and exits 130 at once (not after
// the case's time limit).
BOOST_AUTO_TEST_CASE(an_interrupt_ends_the_run_with_exit_130_and_a_report) {
  Scratch scratch;
  const fs::path report = scratch.dir / "interrupted.json";
  const fs::path log = scratch.dir / "kit.log";
  const std::string plugin = MT_BROKEN_PLUGIN;
  const std::string json_path = report.string();
  // zip.add runs first and passes; reduce.prod hangs until the interrupt.
  std::vector<std::string> args = {MT_KIT_EXE,
                                   "--plugin",
                                   plugin,
                                   "--dtype",
                                   "f64",
                                   "--timeout",
                                   "60",
                                   "--json",
                                   json_path,
                                   "--filter",
                                   "zip.add.contiguous,reduce.prod.contiguous_dim0"};
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  BOOST_REQUIRE(log_fd >= 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  // Wait until the kit has started its cases, and a little longer so the
  // hanging one is running.
  const auto start = std::chrono::steady_clock::now();
  while (read_file(log).find("cases:") == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto interrupted_at = std::chrono::steady_clock::now();
  BOOST_REQUIRE(::kill(pid, SIGINT) == 0);
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - interrupted_at).count();
  const std::string out = read_file(log);
  BOOST_TEST_MESSAGE("kit output:\n" << out);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == mt::kit::kExitInterrupted);
  BOOST_TEST(seconds < 10.0);
  BOOST_TEST(out.find("interrupted: the cases marked not run did not run") != std::string::npos);
  BOOST_TEST(out.find("NOT RUN  f64 reduce.prod.contiguous_dim0") != std::string::npos);
  const json r = json::parse(read_file(report));
  BOOST_TEST(r.at("interrupted").get<bool>());
  BOOST_TEST(!r.at("complete").get<bool>());
  auto cases = cases_of(r);
  BOOST_TEST(cases.at({"f64", "zip.add.contiguous"}).at("status") == "passed");
  BOOST_TEST(cases.at({"f64", "reduce.prod.contiguous_dim0"}).at("status") == "not_run");
  BOOST_TEST(r.at("summary").at("not_run").get<int>() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The catalogue and check_gradients (the conformance library, in-process)
// ---------------------------------------------------------------------------

namespace {

const mt::BackendPtr& reference() {
  static const mt::BackendPtr backend = mt::BackendRegistry::global().get("reference");
  return backend;
}

mt::Tensor values_on_reference(const std::vector<double>& values, const mt::Shape& shape) {
  return mt::Tensor::from_values(values, shape, {.dtype = mt::DType::f64, .backend = reference()});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catalogue)

// Every row of the op table has its cases over every layout of its family,
// and one unknown_op case per family checks the rule of plugin_abi.h.
BOOST_AUTO_TEST_CASE(every_op_of_the_table_has_cases) {
  const auto cases = mt::conformance::list_cases();
  std::map<std::string, int> per_row;
  std::set<std::string> ids;
  for (const auto& c : cases) {
    ++per_row[c.row];
    BOOST_TEST(ids.insert(c.id).second, "duplicate case id " << c.id);
  }
  for (const int32_t family : {MT_FAMILY_MAP, MT_FAMILY_ZIP, MT_FAMILY_REDUCE}) {
    for (const mt::sdk::OpInfo& row : mt::sdk::op_rows(family)) {
      const std::string name = std::string(mt::sdk::family_name(family)) + "." + row.name;
      BOOST_TEST(per_row[name] >= 12, name << " has " << per_row[name] << " cases");
    }
    BOOST_TEST(per_row[std::string(mt::sdk::family_name(family)) + ".unknown_op"] == 1);
  }
  BOOST_TEST(per_row["grad.conv2d"] == 1);
  // Op cases first, then gradient cases.
  const auto first_gradient = std::find_if(cases.begin(), cases.end(), [](const auto& c) {
    return c.kind == mt::conformance::CaseKind::gradient;
  });
  BOOST_TEST(std::all_of(first_gradient, cases.end(), [](const auto& c) {
    return c.kind == mt::conformance::CaseKind::gradient;
  }));
}

BOOST_AUTO_TEST_CASE(the_unknown_op_cases_pass_on_the_reference) {
  for (const char* id : {"map.unknown_op", "zip.unknown_op", "reduce.unknown_op"}) {
    const auto info = mt::conformance::find_case(id);
    BOOST_REQUIRE_MESSAGE(info.has_value(), id);
    const auto r = mt::conformance::run_case(*info, reference(), reference(), mt::DType::f32);
    BOOST_TEST((r.status == mt::conformance::CaseResult::Status::passed), id << ": " << r.message);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gradient_checker)

using mt::Tensor;
using mt::conformance::check_gradients;
using mt::conformance::GradientCheckOptions;

BOOST_AUTO_TEST_CASE(a_correct_gradient_passes_in_every_mode) {
  const auto f = [](const std::vector<Tensor>& t) { return (t[0] * t[1]).sigmoid(); };
  const std::vector<Tensor> xs = {values_on_reference({0.5, -1.0, 2.0, 0.25, -0.75, 1.5}, {2, 3}),
                                  values_on_reference({1.0, 0.5, -0.5}, {3})};
  // Every element, random weights, tight tolerances.
  GradientCheckOptions tight;
  tight.rtol = tight.atol = 1e-7;
  const auto all = mt::conformance::gradient_check(f, xs, tight);
  BOOST_TEST(all.passed(), all.message);
  BOOST_TEST(all.checked == 9);
  // MiniTorch's grad_check: f(x).sum(), one element per input.
  GradientCheckOptions minitorch;
  minitorch.weights = GradientCheckOptions::Weights::ones;
  minitorch.elements = 1;
  const auto one = mt::conformance::gradient_check(f, xs, minitorch);
  BOOST_TEST(one.passed(), one.message);
  BOOST_TEST(one.checked == 2);
  // The inputs' layout is kept for the analytic pass: a permuted input.
  const Tensor permuted = values_on_reference({1, 2, 3, 4, 5, 6}, {2, 3}).permute({1, 0});
  BOOST_TEST(check_gradients([](const auto& t) { return t[0].exp(); }, {permuted}) == "");
}

BOOST_AUTO_TEST_CASE(a_wrong_gradient_is_reported_with_the_element) {
  // The detached factor hides half of the derivative: d/dx (x * x) is 2x,
  // autograd sees x only.
  const auto f = [](const std::vector<Tensor>& t) { return t[0] * t[0].detach(); };
  const std::string message = check_gradients(f, {values_on_reference({0.5, 2.0, -3.0}, {3})});
  BOOST_TEST(message.find("3 of 3 gradient elements disagree") != std::string::npos, message);
  BOOST_TEST(message.find("input 0 (3) at [0] (value 0.5; backend 'reference', strides (1))") !=
                 std::string::npos,
             message);
}

BOOST_AUTO_TEST_CASE(an_undefined_gradient_is_a_mismatch_unless_asked_to_count_it_as_zero) {
  const std::vector<Tensor> x = {values_on_reference({0.5, -2.0}, {2})};
  // No graph at all: a comparison's gradient is 0, and so are its differences.
  const auto comparison = [](const std::vector<Tensor>& t) { return t[0] < 0.0; };
  BOOST_TEST(check_gradients(comparison, x).find("no gradient reached input 0") !=
             std::string::npos);
  using Undefined = GradientCheckOptions::UndefinedGradient;
  GradientCheckOptions zero;
  zero.undefined_gradient = Undefined::zero;
  BOOST_TEST(check_gradients(comparison, x, zero) == "");
  // A real dependency the graph does not record is still caught.
  const auto hidden = [](const std::vector<Tensor>& t) { return t[0].detach() * 3.0; };
  BOOST_TEST(check_gradients(hidden, x, zero).find("disagree") != std::string::npos);
  // zero_without_graph: a comparison (no graph) is zero, but an input that
  // a differentiable loss does not reach is a mismatch.
  GradientCheckOptions no_graph;
  no_graph.undefined_gradient = Undefined::zero_without_graph;
  BOOST_TEST(check_gradients(comparison, x, no_graph) == "");
  const std::vector<Tensor> two = {x[0], values_on_reference({1.0, 2.0}, {2})};
  const auto ignores_second = [](const std::vector<Tensor>& t) { return t[0] * 2.0; };
  BOOST_TEST(check_gradients(ignores_second, two, no_graph).find("no gradient reached input 1") !=
             std::string::npos);
  BOOST_TEST(check_gradients(ignores_second, two, zero) == "");
}

BOOST_AUTO_TEST_CASE(the_same_seed_checks_the_same_elements) {
  const auto f = [](const std::vector<Tensor>& t) { return t[0] * t[0].detach(); };
  std::vector<double> v(40);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = 0.1 * static_cast<double>(i) + 0.05;
  const std::vector<Tensor> x = {values_on_reference(v, {40})};
  GradientCheckOptions some;
  some.elements = 3;
  some.seed = 42;
  const auto a = mt::conformance::gradient_check(f, x, some);
  const auto b = mt::conformance::gradient_check(f, x, some);
  BOOST_TEST(a.checked == 3);
  BOOST_TEST(a.message == b.message);
  BOOST_TEST(!a.passed());
}

BOOST_AUTO_TEST_CASE(differences_on_another_backend_and_dtype) {
  // Analytic in f32, differences in f64 (as the kit does): tolerances of f32.
  const Tensor x = Tensor::from_values({0.5, 1.5, -0.25}, {3},
                                       {.dtype = mt::DType::f32, .backend = reference()});
  GradientCheckOptions o;
  o.difference_backend = reference();
  o.difference_dtype = mt::DType::f64;
  o.rtol = o.atol = 1e-5;
  const auto r = mt::conformance::gradient_check([](const auto& t) { return t[0].exp(); }, {x}, o);
  BOOST_TEST(r.passed(), r.message);
  BOOST_TEST(std::fabs(r.loss - r.difference_loss) <= 1e-5 * std::max(1.0, r.loss_scale));
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  const auto f = [](const std::vector<Tensor>& t) { return t[0]; };
  GradientCheckOptions o;
  o.epsilon = 0;
  BOOST_CHECK_THROW(check_gradients(f, {values_on_reference({1.0}, {1})}, o),
                    std::invalid_argument);
  BOOST_CHECK_THROW(check_gradients(f, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
