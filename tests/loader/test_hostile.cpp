// test_hostile.cpp — the registry against plugin files that crash, hang,
// exit, are truncated or foreign, or carry broken manifests: each is a failed
// record naming what went wrong, the real backends still load beside it, the
// verdict is cached (no second probe), and a changed file is probed again.
// Also the probe cache's own failure modes, the search-path notes, and core's
// child-process runner itself (program and function tasks).
#include "loader_cases.hpp"

#include <minitorch/plugin/backend.hpp>
#include <minitorch/util/child_process.hpp>

#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using loader_test::make_case;

namespace {

constexpr double kLimit = 1.0;  // probe time limit in these tests, seconds

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const mt::LoadRecord* find_record(const mt::BackendRegistry& registry, const std::string& name) {
  for (const auto& record : registry.report()) {
    if (record.name == name)
      return &record;
  }
  return nullptr;
}

mt::RegistryOptions options_in(const fs::path& cache_dir) {
  mt::RegistryOptions o;
  o.cache_dir = cache_dir;
  o.probe_timeout_seconds = kLimit;
  return o;
}

std::string load_error_text(const mt::BackendRegistry& registry, const std::string& name) {
  try {
    registry.get(name);
  } catch (const mt::LoadError& e) {
    return e.what();
  }
  return "(no LoadError)";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string notes_text(const mt::BackendRegistry& registry) {
  std::string text;
  for (const auto& note : registry.notes())
    text += note.path.string() + ": " + note.text + "\n";
  return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)

BOOST_AUTO_TEST_CASE(each_hostile_file_is_a_failed_record_and_reference_still_loads) {
  for (const auto& c : loader_test::hostile_cases("1 s")) {
    BOOST_TEST_CONTEXT("case " << c.id) {
      mt::test::TempDir tmp;
      const fs::path file = make_case(c.id, tmp / "plugins");
      const auto start = std::chrono::steady_clock::now();
      mt::BackendRegistry first({tmp / "plugins", MT_TEST_REAL_PLUGIN_DIR},
                                options_in(tmp / "cache"));
      const double first_seconds = seconds_since(start);
      const auto* record = find_record(first, c.id);
      BOOST_REQUIRE(record != nullptr);
      BOOST_TEST(mt::outcome_name(record->outcome) == std::string("failed"));
      BOOST_TEST(contains(record->reason, c.reason), "reason was: " << record->reason);
      BOOST_TEST(record->path == file);
      BOOST_TEST_MESSAGE(c.id << ": " << record->reason);
      // One time limit at most, even for the hanging plugin.
      BOOST_TEST(first_seconds < kLimit + 3.0, "first scan took " << first_seconds << " s");

      // The real backend works beside it.
      auto reference = first.get("reference");
      std::vector<double> host(4, 0.0);
      void* buffer = reference->allocate(host.size() * sizeof(double));
      reference->fill(mt::make_view(buffer, mt::DType::f64, {4}, {1}), 1.5);
      reference->copy_to_host(host.data(), buffer, 0, host.size() * sizeof(double));
      reference->release(buffer);
      BOOST_TEST(host == std::vector<double>(4, 1.5), boost::test_tools::per_element());

      // Asking for the broken one is a LoadError with the same reason.
      const std::string error = load_error_text(first, c.id);
      BOOST_TEST(contains(error, "backend '" + c.id + "' failed to load from " + file.string()),
                 error);
      BOOST_TEST(contains(error, c.reason), error);

      // A second registry takes every verdict from the cache: no child at all.
      const auto again = std::chrono::steady_clock::now();
      mt::BackendRegistry second({tmp / "plugins", MT_TEST_REAL_PLUGIN_DIR},
                                 options_in(tmp / "cache"));
      const double second_seconds = seconds_since(again);
      BOOST_TEST(first.probes_started() >= 1u);  // at least the real reference plugin
      BOOST_TEST(second.probes_started() == 0u);
      const auto* cached = find_record(second, c.id);
      BOOST_REQUIRE(cached != nullptr);
      BOOST_TEST(cached->reason == record->reason);
      BOOST_TEST(cached->from_cache == c.probed);
      BOOST_TEST(second_seconds < kLimit / 2, "cached scan took " << second_seconds << " s");
      BOOST_TEST(second.get("reference")->usable());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_crashing_plugin_given_by_path_is_a_load_error) {
  mt::test::TempDir tmp;
  const fs::path file = make_case("crash_entry", tmp / "plugins");
  mt::BackendRegistry registry({}, options_in(tmp / "cache"));
  try {
    registry.load_file(file);
    BOOST_FAIL("expected a LoadError");
  } catch (const mt::LoadError& e) {
    BOOST_TEST(contains(e.what(), "cannot load plugin " + file.string()), e.what());
    BOOST_TEST(contains(e.what(), "crashed with SIGSEGV"), e.what());
  }
  const auto* record = find_record(registry, "crash_entry");
  BOOST_REQUIRE(record != nullptr);
  BOOST_TEST(contains(record->output, "crashing in mt_plugin_entry"), record->output);
}

BOOST_AUTO_TEST_CASE(hanging_plugins_are_probed_together_and_cost_one_time_limit) {
  mt::test::TempDir tmp;
  const fs::path dir = tmp / "plugins";
  fs::create_directories(dir);
  for (const char* name : {"hang_a", "hang_b", "hang_c"}) {
    fs::copy_file(fs::path(MT_TEST_HOSTILE_PLUGIN_DIR) / "hang_many" / mt::plugin_file_name(name),
                  dir / mt::plugin_file_name(name));
  }
  const auto start = std::chrono::steady_clock::now();
  mt::BackendRegistry registry({dir}, options_in(tmp / "cache"));
  const double seconds = seconds_since(start);
  BOOST_TEST(registry.probes_started() == 3u);
  for (const char* name : {"hang_a", "hang_b", "hang_c"}) {
    const auto* record = find_record(registry, name);
    BOOST_REQUIRE(record != nullptr);
    BOOST_TEST(contains(record->reason, "timed out after 1 s in is_usable"), record->reason);
    BOOST_TEST(contains(record->output, "is_usable is about to hang"), record->output);
  }
  BOOST_TEST(seconds >= kLimit);
  BOOST_TEST(seconds < 2 * kLimit + 0.5, "three hanging probes took " << seconds << " s");
}

BOOST_AUTO_TEST_CASE(a_longer_time_limit_probes_a_timed_out_plugin_again) {
  mt::test::TempDir tmp;
  make_case("hang_usable", tmp / "plugins");
  mt::BackendRegistry first({tmp / "plugins"}, options_in(tmp / "cache"));
  BOOST_TEST(first.probes_started() == 1u);
  auto longer = options_in(tmp / "cache");
  longer.probe_timeout_seconds = 1.5;
  mt::BackendRegistry second({tmp / "plugins"}, longer);
  BOOST_TEST(second.probes_started() == 1u);
  BOOST_TEST(contains(find_record(second, "hang_usable")->reason, "timed out after 1.5 s"));
  // The same or a shorter limit takes the cached verdict.
  mt::BackendRegistry third({tmp / "plugins"}, options_in(tmp / "cache"));
  BOOST_TEST(third.probes_started() == 0u);
}

BOOST_AUTO_TEST_CASE(a_changed_file_is_probed_again) {
  mt::test::TempDir tmp;
  const fs::path dir = tmp / "plugins";
  fs::create_directories(dir);
  const fs::path file = dir / mt::plugin_file_name("dummy");
  fs::copy_file(fs::path(MT_TEST_FAKE_PLUGIN_DIR) / mt::plugin_file_name("dummy"), file);
  BOOST_TEST(mt::BackendRegistry({dir}, options_in(tmp / "cache")).probes_started() == 1u);
  BOOST_TEST(mt::BackendRegistry({dir}, options_in(tmp / "cache")).probes_started() == 0u);
  // New mtime, same size.
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(5));
  BOOST_TEST(mt::BackendRegistry({dir}, options_in(tmp / "cache")).probes_started() == 1u);
  BOOST_TEST(mt::BackendRegistry({dir}, options_in(tmp / "cache")).probes_started() == 0u);
  // New size (bytes appended past the last section: still a loadable ELF).
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << "appended";
  }
  mt::BackendRegistry resized({dir}, options_in(tmp / "cache"));
  BOOST_TEST(resized.probes_started() == 1u);
  BOOST_TEST(mt::outcome_name(find_record(resized, "dummy")->outcome) == std::string("loaded"));
  // --reprobe ignores the cache.
  auto reprobe = options_in(tmp / "cache");
  reprobe.reprobe = true;
  BOOST_TEST(mt::BackendRegistry({dir}, reprobe).probes_started() == 1u);
}

BOOST_AUTO_TEST_CASE(a_corrupt_cache_is_ignored_noted_and_rewritten) {
  mt::test::TempDir tmp;
  const fs::path dir = tmp / "plugins";
  fs::create_directories(dir);
  fs::copy_file(fs::path(MT_TEST_FAKE_PLUGIN_DIR) / mt::plugin_file_name("dummy"),
                dir / mt::plugin_file_name("dummy"));
  fs::create_directories(tmp / "cache");
  const fs::path cache_file = tmp / "cache" / "plugin-probes.json";
  for (const std::string& garbage :
       {std::string("{ \"minitorch_probe_cache\": 1, \"entries\": [ {\"path\": 3"),
        std::string("\x7f\x45\x4c\x46 binary junk \x01\x02"), std::string("[1, 2, 3]"),
        std::string("{\"minitorch_probe_cache\": 1, \"entries\": [{\"path\": \"x\"}]}")}) {
    BOOST_TEST_CONTEXT("cache text " << garbage) {
      loader_test::write_text(cache_file, garbage);
      mt::BackendRegistry registry({dir}, options_in(tmp / "cache"));
      BOOST_TEST(registry.probes_started() == 1u);
      BOOST_TEST(mt::outcome_name(find_record(registry, "dummy")->outcome) ==
                 std::string("loaded"));
      BOOST_TEST(contains(notes_text(registry), "probe cache:"), notes_text(registry));
      BOOST_TEST(registry.get("dummy")->usable());
      // It was rewritten whole: the next registry uses it.
      mt::BackendRegistry next({dir}, options_in(tmp / "cache"));
      BOOST_TEST(next.probes_started() == 0u);
      BOOST_TEST(registry.notes().size() > next.notes().size(), notes_text(next));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unusable_cache_location_never_fails_a_command) {
  mt::test::TempDir tmp;
  const fs::path dir = tmp / "plugins";
  fs::create_directories(dir);
  fs::copy_file(fs::path(MT_TEST_FAKE_PLUGIN_DIR) / mt::plugin_file_name("dummy"),
                dir / mt::plugin_file_name("dummy"));
  // The cache folder's parent is a regular file: it cannot be created.
  loader_test::write_text(tmp / "a-file", "x");
  mt::BackendRegistry no_folder({dir}, options_in(tmp / "a-file" / "cache"));
  BOOST_TEST(no_folder.get("dummy")->usable());
  BOOST_TEST(contains(notes_text(no_folder), "probe cache: cannot create its folder"),
             notes_text(no_folder));
  // The cache file is a FIFO: never opened for reading, never blocks.
  fs::create_directories(tmp / "fifo-cache");
  BOOST_REQUIRE(::mkfifo((tmp / "fifo-cache" / "plugin-probes.json").c_str(), 0644) == 0);
  mt::BackendRegistry fifo({dir}, options_in(tmp / "fifo-cache"));
  BOOST_TEST(fifo.get("dummy")->usable());
  BOOST_TEST(contains(notes_text(fifo), "cannot read it (not a regular file)"), notes_text(fifo));
  // No cache at all (empty path): probes every time, no note about it.
  mt::BackendRegistry none({dir}, options_in(fs::path()));
  BOOST_TEST(none.cache_file().empty());
  BOOST_TEST(none.probes_started() == 1u);
}

BOOST_AUTO_TEST_CASE(a_shadowed_plugin_is_never_probed) {
  mt::test::TempDir tmp;
  for (const char* folder : {"first", "second"}) {
    fs::create_directories(tmp / folder);
    fs::copy_file(fs::path(MT_TEST_FAKE_PLUGIN_DIR) / mt::plugin_file_name("dummy"),
                  tmp / folder / mt::plugin_file_name("dummy"));
  }
  {
    mt::BackendRegistry registry({tmp / "first", tmp / "second"}, options_in(tmp / "cache"));
    BOOST_TEST(registry.probes_started() == 1u);
    BOOST_REQUIRE(registry.report().size() == 2u);
    BOOST_TEST(mt::outcome_name(registry.report()[1].outcome) == std::string("shadowed"));
    BOOST_TEST(registry.get("dummy")->path() == tmp / "first" / mt::plugin_file_name("dummy"));
  }  // unloaded: cutting a file this process has mapped would be fatal to any program
  // When the first one is broken, the next one of that name is tried.
  fs::resize_file(tmp / "first" / mt::plugin_file_name("dummy"), 100);
  mt::BackendRegistry fallback({tmp / "first", tmp / "second"}, options_in(tmp / "cache"));
  BOOST_TEST(mt::outcome_name(fallback.report()[0].outcome) == std::string("failed"));
  BOOST_TEST(fallback.get("dummy")->path() == tmp / "second" / mt::plugin_file_name("dummy"));
}

BOOST_AUTO_TEST_CASE(a_manifest_that_contradicts_the_table_is_a_warning) {
  mt::test::TempDir tmp;
  make_case("contradicts", tmp / "plugins");
  mt::BackendRegistry registry({tmp / "plugins"}, options_in(tmp / "cache"));
  const auto* record = find_record(registry, "contradicts");
  BOOST_REQUIRE(record != nullptr);
  BOOST_TEST(mt::outcome_name(record->outcome) == std::string("loaded"));
  BOOST_TEST(record->version == "0.0.1");  // the table's word, not the manifest's
  BOOST_TEST(record->device == "cpu");
  BOOST_REQUIRE(record->warnings.size() == 2u);
  BOOST_TEST(contains(record->warnings[0], "says version 9.9.9 but the plugin reports 0.0.1"),
             record->warnings[0]);
  BOOST_TEST(contains(record->warnings[1], "says device cuda but the plugin reports cpu"),
             record->warnings[1]);
  BOOST_TEST(registry.get("contradicts")->usable());
}

BOOST_AUTO_TEST_CASE(a_dlopen_failure_reads_cleanly) {
  mt::test::TempDir tmp;
  const fs::path dir = tmp / "plugins";
  fs::create_directories(dir);
  // Linked against a library that is not on this machine's search path.
  fs::copy_file(
      fs::path(MT_TEST_HOSTILE_PLUGIN_DIR) / "missing_dep" / mt::plugin_file_name("missing_dep"),
      dir / mt::plugin_file_name("missing_dep"));
  mt::BackendRegistry registry({dir}, options_in(tmp / "cache"));
  const auto* record = find_record(registry, "missing_dep");
  BOOST_REQUIRE(record != nullptr);
  BOOST_TEST(contains(record->reason, "dlopen failed: libmt_test_missing_dep.so"), record->reason);
  BOOST_TEST(!contains(record->reason, "Bad file descriptor"), record->reason);
}

BOOST_AUTO_TEST_CASE(search_path_entries_that_are_not_folders_are_noted) {
  mt::test::TempDir tmp;
  loader_test::write_text(tmp / "a-file", "x");
  mt::BackendRegistry registry(
      {tmp / "missing", tmp / "a-file", MT_TEST_REAL_PLUGIN_DIR, tmp / "missing"},
      options_in(tmp / "cache"));
  const std::string notes = notes_text(registry);
  BOOST_TEST(contains(notes, (tmp / "missing").string() + ": no such folder"), notes);
  BOOST_TEST(contains(notes, (tmp / "a-file").string() + ": not a folder (it is a regular file)"),
             notes);
  BOOST_TEST(registry.get("reference")->usable());
  // The notes are part of a LoadError's text too.
  BOOST_TEST(contains(load_error_text(registry, "nothing_here"), "no such folder"));
}

// root reads any folder whatever its mode: then there is nothing to observe.
boost::test_tools::assertion_result not_root(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result result(::geteuid() != 0);
  result.message() << "running as root, a mode-000 folder is still readable";
  return result;
}

BOOST_AUTO_TEST_CASE(an_unreadable_search_path_folder_is_noted,
                     *boost::unit_test::precondition(not_root)) {
  mt::test::TempDir tmp;
  fs::create_directories(tmp / "locked");
  ::chmod((tmp / "locked").c_str(), 0);
  mt::BackendRegistry registry({tmp / "locked"}, options_in(tmp / "cache"));
  ::chmod((tmp / "locked").c_str(), 0755);
  BOOST_TEST(contains(notes_text(registry), "cannot list: Permission denied"),
             notes_text(registry));
}

BOOST_AUTO_TEST_CASE(a_bad_probe_timeout_variable_is_noted_and_the_default_used) {
  mt::test::TempDir tmp;
  ::setenv("MINITORCH_PROBE_TIMEOUT", "abc", 1);
  mt::RegistryOptions o;
  o.cache_dir = tmp / "cache";
  mt::BackendRegistry registry({}, o);
  ::setenv("MINITORCH_PROBE_TIMEOUT", "0.75", 1);
  mt::BackendRegistry set({}, o);
  ::unsetenv("MINITORCH_PROBE_TIMEOUT");
  BOOST_TEST(registry.probe_timeout_seconds() == 5.0);
  BOOST_TEST(contains(notes_text(registry), "MINITORCH_PROBE_TIMEOUT='abc' is not a number"),
             notes_text(registry));
  BOOST_TEST(set.probe_timeout_seconds() == 0.75);
}

BOOST_AUTO_TEST_CASE(a_missing_probe_program_fails_the_candidate_with_a_clear_reason) {
  mt::test::TempDir tmp;
  mt::RegistryOptions o = options_in(tmp / "cache");
  o.probe_program = tmp / "no-probe-here";
  mt::BackendRegistry registry({MT_TEST_REAL_PLUGIN_DIR}, o);
  const auto* record = find_record(registry, "reference");
  BOOST_REQUIRE(record != nullptr);
  BOOST_TEST(contains(record->reason, "could not be probed: the probe program"), record->reason);
  BOOST_TEST(contains(record->reason, "no-probe-here is missing"), record->reason);
  // Not a verdict about the plugin: not cached.
  BOOST_TEST(mt::BackendRegistry({MT_TEST_REAL_PLUGIN_DIR}, options_in(tmp / "cache"))
                 .get("reference")
                 ->usable());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(child_process)

BOOST_AUTO_TEST_CASE(program_tasks_report_result_output_exit_and_signal) {
  std::vector<mt::proc::ChildOutcome> outcomes(4);
  mt::proc::ChildLimits limits;
  limits.jobs = 4;
  limits.timeout_seconds = 2;
  const std::vector<std::vector<std::string>> argv = {
      {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; printf result >&3"},
      {"/bin/sh", "-c", "exit 7"},
      {"/bin/sh", "-c", "kill -SEGV $$"},
      {"/bin/sh", "-c", "sleep 30 & sleep 30"},
  };
  const auto start = std::chrono::steady_clock::now();
  mt::proc::run_children(
      argv.size(),
      [&](std::size_t i) {
        return mt::proc::ChildTask{argv[i], {}};
      },
      limits, [&](std::size_t i, const mt::proc::ChildOutcome& o) { outcomes[i] = o; });
  using Ending = mt::proc::ChildOutcome::Ending;
  BOOST_TEST((outcomes[0].ending == Ending::finished));
  BOOST_TEST(outcomes[0].result == "result");
  BOOST_TEST(contains(outcomes[0].output, "to-stdout"));
  BOOST_TEST(contains(outcomes[0].output, "to-stderr"));
  BOOST_TEST((outcomes[1].ending == Ending::exited));
  BOOST_TEST(outcomes[1].exit_code == 7);
  BOOST_TEST((outcomes[2].ending == Ending::signaled));
  BOOST_TEST(mt::proc::signal_name(outcomes[2].signal) == "SIGSEGV");
  BOOST_TEST((outcomes[3].ending == Ending::timed_out));
  // The four ran at once, and the timed-out one's background child died with it.
  BOOST_TEST(seconds_since(start) < 4.0);
}

BOOST_AUTO_TEST_CASE(a_program_that_cannot_be_run_is_not_started) {
  mt::proc::ChildOutcome outcome;
  mt::proc::run_children(
      1,
      [](std::size_t) {
        return mt::proc::ChildTask{{"/no/such/program"}, {}};
      },
      {}, [&](std::size_t, const mt::proc::ChildOutcome& o) { outcome = o; });
  BOOST_TEST((outcome.ending == mt::proc::ChildOutcome::Ending::not_started));
  BOOST_TEST(contains(outcome.result, "cannot execute /no/such/program: No such file"),
             outcome.result);
}

// Function tasks (the conformance kit runs each case as one): every way a
// forked copy can end, several at once, each reported once with its own result.
BOOST_AUTO_TEST_CASE(function_tasks_report_result_exception_exit_signal_timeout_and_output) {
  constexpr std::size_t kTasks = 9;
  std::vector<mt::proc::ChildOutcome> outcomes(kTasks);
  std::vector<int> reports(kTasks, 0);
  mt::proc::ChildLimits limits;
  limits.jobs = 3;
  limits.timeout_seconds = 1.0;
  const auto start = std::chrono::steady_clock::now();
  mt::proc::run_children(
      kTasks,
      [](std::size_t i) {
        mt::proc::ChildTask t;
        t.function = [i]() -> std::string {
          switch (i) {
            case 0:
              std::cout << "to stdout" << std::endl;
              std::cerr << "to stderr" << std::endl;
              return "forty-two";
            case 1:
              throw std::runtime_error("task threw");
            case 2:
              std::signal(SIGSEGV, SIG_DFL);  // past any sanitizer's handler
              std::raise(SIGSEGV);
              return "not reached";
            case 3:
              ::_exit(3);
            case 4:
              for (;;)
                std::this_thread::sleep_for(std::chrono::seconds(1));
            default:
              return "task " + std::to_string(i);
          }
        };
        return t;
      },
      limits,
      [&](std::size_t i, const mt::proc::ChildOutcome& o) {
        outcomes[i] = o;
        ++reports[i];
      });
  using Ending = mt::proc::ChildOutcome::Ending;
  for (std::size_t i = 0; i < kTasks; ++i)
    BOOST_TEST(reports[i] == 1, "task " << i << " reported " << reports[i] << " times");
  BOOST_TEST((outcomes[0].ending == Ending::finished));
  BOOST_TEST(outcomes[0].result == "forty-two");
  // Captured, not printed: the child's stdout and stderr are the outcome's.
  BOOST_TEST(contains(outcomes[0].output, "to stdout"));
  BOOST_TEST(contains(outcomes[0].output, "to stderr"));
  BOOST_TEST((outcomes[1].ending == Ending::threw));
  BOOST_TEST(outcomes[1].result == "task threw");
  BOOST_TEST((outcomes[2].ending == Ending::signaled));
  BOOST_TEST(outcomes[2].signal == SIGSEGV);
  BOOST_TEST(mt::proc::signal_name(outcomes[2].signal) == "SIGSEGV");
  BOOST_TEST((outcomes[3].ending == Ending::exited));
  BOOST_TEST(outcomes[3].exit_code == 3);
  BOOST_TEST((outcomes[4].ending == Ending::timed_out));
  BOOST_TEST(outcomes[4].seconds >= 1.0);
  for (std::size_t i = 5; i < kTasks; ++i) {
    BOOST_TEST((outcomes[i].ending == Ending::finished));
    BOOST_TEST(outcomes[i].result == "task " + std::to_string(i));
  }
  // Three at a time: the hang held one slot for its second, not the run.
  BOOST_TEST(seconds_since(start) < 5.0);
}

BOOST_AUTO_TEST_CASE(an_interrupt_ends_the_run_when_asked_to) {
  mt::proc::ChildLimits limits;
  limits.timeout_seconds = 20;
  limits.stop_on_interrupt = true;
  int reported = 0;
  const auto start = std::chrono::steady_clock::now();
  // The child interrupts this process, as a user's Ctrl-C would.
  const bool completed = mt::proc::run_children(
      1,
      [](std::size_t) {
        return mt::proc::ChildTask{{"/bin/sh", "-c", "sleep 0.2; kill -INT $PPID; sleep 20"}, {}};
      },
      limits, [&](std::size_t, const mt::proc::ChildOutcome&) { ++reported; });
  BOOST_TEST(!completed);
  BOOST_TEST(reported == 0);
  BOOST_TEST(seconds_since(start) < 5.0);
}

BOOST_AUTO_TEST_SUITE_END()
