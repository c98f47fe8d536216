// test_outputs.cpp — the files `minitorch train` writes: through a symlink to its
// target (the link kept), a FIFO, folder, socket or device refused before any
// training with the path and what it is, "-" as standard output holding only
// the JSON, and the temporary-file registry (a SIGTERM or SIGINT removes live
// temporaries and still ends the process by that signal; handlers chain;
// leftovers of a killed writer are swept). Runs the real binary and forks.
#include <minitorch/errors.hpp>
#include <minitorch/util/io.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using mt::test::contains;
using Run = mt::test::ProgramRun;

const std::vector<std::string> kTrainXor = {"train", "--dataset", "xor",      "--points",
                                            "20",    "--hidden",  "3",        "--epochs",
                                            "2",     "--backend", "reference"};

Run train_with(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {MT_TEST_MINITORCH_EXE};
  argv.insert(argv.end(), kTrainXor.begin(), kTrainXor.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  return mt::test::run_program(argv, 120);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `body` in a forked child; returns the child's wait status.
template <class Body>
int in_child(Body body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Refused before training: non-zero, fast, the option, the path and the kind.
void expect_refused_up_front(const std::vector<std::string>& extra, const std::string& says) {
  const Run run = train_with(extra);
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output, "minitorch: error: " + says), run.output);
  BOOST_TEST(!contains(run.output, "Training MiniTorch"), run.output);
  BOOST_TEST(!contains(run.output, "Backends (search path"), run.output);
  BOOST_TEST(run.seconds < 10.0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_files)

BOOST_AUTO_TEST_CASE(a_symlink_is_written_through_and_kept) {
  mt::test::TempDir tmp;
  fs::create_directory(tmp / "data");
  std::ofstream(tmp / "data" / "real.json") << "old";
  fs::create_symlink("data/real.json", tmp / "link");  // relative, resolved from its folder
  const Run run = train_with({"--metrics", (tmp / "link").string()});
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  BOOST_TEST(fs::is_symlink(fs::symlink_status(tmp / "link")));
  BOOST_TEST(fs::read_symlink(tmp / "link") == fs::path("data/real.json"));
  const auto metrics = nlohmann::json::parse(read_text(tmp / "data" / "real.json"));
  BOOST_TEST(metrics.at("dataset") == "xor");
  BOOST_TEST(metrics.at("epochs").size() == 2u);
  // No temporary is left in either folder.
  BOOST_TEST(names_in(tmp.path()) == (std::vector<std::string>{"data", "link"}),
             boost::test_tools::per_element());
  BOOST_TEST(names_in(tmp / "data") == std::vector<std::string>{"real.json"},
             boost::test_tools::per_element());
  // A dangling link: its target is created, the link stays a link.
  fs::create_symlink("data/new.json", tmp / "dangling");
  BOOST_REQUIRE(train_with({"--metrics", (tmp / "dangling").string()}).status == 0);
  BOOST_TEST(fs::is_symlink(fs::symlink_status(tmp / "dangling")));
  BOOST_TEST(fs::is_regular_file(tmp / "data" / "new.json"));
}

// A plot is drawn by gnuplot into a registered temporary; through a symlink
// the target gets the PNG, and neither the script nor the log stays behind.
BOOST_AUTO_TEST_CASE(a_plot_goes_through_a_symlink_and_leaves_no_helper_files) {
  mt::test::TempDir tmp;
  fs::create_symlink("curves.png", tmp / "plot.png");
  const Run run = train_with({"--plot", (tmp / "plot.png").string()});
  if (run.status != 0 && contains(run.output, "gnuplot")) {
    BOOST_TEST_MESSAGE("skipped: gnuplot is not usable here: " << run.output);
    return;
  }
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  BOOST_TEST(fs::is_symlink(fs::symlink_status(tmp / "plot.png")));
  BOOST_TEST(read_text(tmp / "curves.png").substr(1, 3) == "PNG");
  BOOST_TEST(names_in(tmp.path()) == (std::vector<std::string>{"curves.png", "plot.png"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(special_files_and_folders_are_refused_before_training) {
  mt::test::TempDir tmp;
  const std::string fifo = (tmp / "fifo").string();
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  expect_refused_up_front({"--metrics", fifo},
                          "--metrics " + fifo + ": cannot write there: it is a FIFO (named pipe)");
  expect_refused_up_front({"--metrics", tmp.path().string()}, "--metrics " + tmp.path().string() +
                                                                  ": cannot write there: it is a "
                                                                  "directory");
  expect_refused_up_front({"--save", "/dev/null"},
                          "--save /dev/null: cannot write there: it is a character device");
  // /dev/stdout is an open descriptor, never a path to replace; "-" is the way.
  expect_refused_up_front({"--metrics", "/dev/stdout"}, "--metrics /dev/stdout: cannot write");
  BOOST_TEST(fs::is_symlink(fs::symlink_status("/dev/stdout")));
  // Through a symlink, the target's kind is named.
  fs::create_symlink(fifo, tmp / "to-fifo");
  expect_refused_up_front({"--plot", (tmp / "to-fifo").string()},
                          "--plot " + (tmp / "to-fifo").string() +
                              ": cannot write there: it is a FIFO (named pipe) (the symlink's "
                              "target " +
                              fifo + ")");
  // A folder that does not exist, checked before training (not after it).
  expect_refused_up_front({"--save", (tmp / "nowhere" / "x.ckpt").string()},
                          "--save " + (tmp / "nowhere" / "x.ckpt").string() +
                              ": cannot write there: its folder " + (tmp / "nowhere").string() +
                              " does not exist");
  // A checkpoint or plot cannot be "-"; two options cannot share a file.
  expect_refused_up_front({"--save", "-"}, "--save -: this file cannot go to standard output");
  expect_refused_up_front({"--metrics", (tmp / "a").string(), "--save", (tmp / "a").string()},
                          "--metrics and --save name the same file");
  BOOST_TEST(::access(fifo.c_str(), F_OK) == 0);  // nothing was replaced
  struct stat st {};
  BOOST_TEST((::stat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)));
}

BOOST_AUTO_TEST_CASE(a_socket_is_named_as_one) {
  mt::test::TempDir tmp;
  const fs::path path = tmp / "sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  BOOST_TEST(mt::output_path_problem(path) == "it is a socket");
  BOOST_CHECK_THROW(mt::write_file_atomically(path, "x"), mt::DataError);
  ::close(fd);
  struct stat st {};
  BOOST_TEST((::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)));
}

BOOST_AUTO_TEST_CASE(dash_puts_only_the_json_on_standard_output) {
  // Through a shell, so stdout and stderr are told apart: the human lines
  // move to stderr and stdout is the JSON document alone.
  std::string command = std::string("'") + MT_TEST_MINITORCH_EXE + "'";
  for (const std::string& a : kTrainXor)
    command += " " + a;
  command += " --metrics - 2>/dev/null";
  const Run run = mt::test::run_program({"/bin/sh", "-c", command}, 120);
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  const auto metrics = nlohmann::json::parse(run.output);  // throws on any extra text
  BOOST_TEST(metrics.at("backend") == "reference");
  BOOST_TEST(metrics.at("epochs").size() == 2u);
  // And the human lines went to stderr.
  const Run messages = mt::test::run_program(
      {"/bin/sh", "-c", command.substr(0, command.size() - 12) + " 2>&1 >/dev/null"}, 120);
  BOOST_TEST(contains(messages.output, "Training MiniTorch's MLP"), messages.output);
  BOOST_TEST(!contains(messages.output, "\"epochs\""), messages.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(temporary_registry)

// A process killed by SIGTERM/SIGINT while it holds a temporary leaves none,
// and still dies of that signal (exit status 128 + n to a shell).
BOOST_AUTO_TEST_CASE(a_signal_removes_live_temporaries_and_ends_the_process) {
  for (const int sig : {SIGTERM, SIGINT}) {
    BOOST_TEST_CONTEXT("signal " << sig) {
      mt::test::TempDir tmp;
      const fs::path target = tmp / "big.ckpt";
      const int status = in_child([&] {
        mt::install_temporary_cleanup();
        const fs::path temp = mt::temporary_path_for(target);
        std::ofstream(temp) << std::string(1 << 20, 'x');
        ::raise(sig);
        ::_exit(3);  // not reached
      });
      BOOST_TEST(WIFSIGNALED(status));
      BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == sig));
      BOOST_TEST(names_in(tmp.path()).empty(), "left: " << names_in(tmp.path()).size());
    }
  }
}

// The registry forgets a committed file: a later signal does not delete it.
BOOST_AUTO_TEST_CASE(a_committed_file_survives_a_later_signal) {
  mt::test::TempDir tmp;
  const fs::path target = tmp / "metrics.json";
  const int status = in_child([&] {
    mt::install_temporary_cleanup();
    mt::write_file_atomically(target, "{}\n");
    const fs::path temp = mt::temporary_path_for(target);
    std::ofstream(temp) << "half";
    ::kill(::getpid(), SIGTERM);
    ::_exit(3);
  });
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
  BOOST_TEST(names_in(tmp.path()) == std::vector<std::string>{"metrics.json"},
             boost::test_tools::per_element());
  BOOST_TEST(read_text(target) == "{}\n");
}

// The real binary under SIGTERM while it writes a 4 MB checkpoint: the
// signal is sent the moment a temporary appears (polled every millisecond),
// and the process dies of SIGTERM with no temporary left. (Should a run
// save only at its end, the signal comes after 4 s and the same holds.)
BOOST_AUTO_TEST_CASE(the_binary_killed_by_sigterm_mid_save_leaves_no_temporary) {
  mt::test::TempDir tmp;
  const std::string save = (tmp / "run.ckpt").string();
  const std::string log = (tmp / "output.log").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(MT_TEST_MINITORCH_EXE, MT_TEST_MINITORCH_EXE, "train", "--dataset", "xor", "--points",
            "64", "--batch", "64", "--hidden", "1000", "--epochs", "1000000", "--backend",
            "reference", "--save", save.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool caught_mid_save = false;
  for (int ms = 0; ms < 4000 && !caught_mid_save; ++ms) {
    for (const std::string& name : names_in(tmp.path()))
      caught_mid_save = caught_mid_save || name.find("run.ckpt.tmp.") == 0;
    if (!caught_mid_save)
      ::usleep(1000);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  BOOST_TEST_MESSAGE("signal sent " << (caught_mid_save ? "while a temporary existed" : "at 4 s"));
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM), read_text(log));
  for (const std::string& name : names_in(tmp.path()))
    BOOST_TEST(name.find(".tmp.") == std::string::npos, name);
}

// A handler installed before the cleanup is chained to (it owns the decision),
// and die_of_signal from it cleans up and ends the process by the signal.
int g_interrupts = 0;
void count_then_die(int sig) {
  if (++g_interrupts >= 2)
    mt::die_of_signal(sig);
}

BOOST_AUTO_TEST_CASE(an_earlier_handler_is_chained_and_can_end_the_process) {
  mt::test::TempDir tmp;
  const fs::path marker = tmp / "first-interrupt-survived";
  const int status = in_child([&] {
    struct sigaction own {};
    own.sa_handler = &count_then_die;
    sigemptyset(&own.sa_mask);
    ::sigaction(SIGINT, &own, nullptr);
    mt::install_temporary_cleanup();
    const fs::path temp = mt::temporary_path_for(tmp / "out.json");
    std::ofstream(temp) << "partial";
    ::raise(SIGINT);  // first: the own handler counts, the temporary stays
    if (fs::exists(temp) && g_interrupts == 1)
      std::ofstream(marker) << "ok";
    ::raise(SIGINT);  // second: the own handler ends the process
    ::_exit(3);
  });
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGINT));
  BOOST_TEST(names_in(tmp.path()) == std::vector<std::string>{"first-interrupt-survived"},
             boost::test_tools::per_element());
}

// A writer killed with SIGKILL cannot clean up; the next write of the same
// file removes what it left (its pid no longer runs), and nothing else.
BOOST_AUTO_TEST_CASE(leftovers_of_a_killed_writer_are_swept) {
  mt::test::TempDir tmp;
  const fs::path target = tmp / "run.ckpt";
  const int status = in_child([&] {
    const fs::path temp = mt::temporary_path_for(target);
    std::ofstream(temp) << std::string(4096, 'x');
    std::ofstream(tmp / "name") << temp.filename().string();
    ::kill(::getpid(), SIGKILL);
  });
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  const std::string leftover = read_text(tmp / "name");
  BOOST_REQUIRE(fs::exists(tmp / leftover));
  std::ofstream(tmp / "run.ckpt.tmp.notes") << "not a temporary";  // no pid: kept
  mt::write_file_atomically(target, "new");
  BOOST_TEST(!fs::exists(tmp / leftover));
  BOOST_TEST(fs::exists(tmp / "run.ckpt.tmp.notes"));
  BOOST_TEST(read_text(target) == "new");
}

BOOST_AUTO_TEST_CASE(a_failed_write_names_the_errno_and_leaves_nothing) {
  mt::test::TempDir tmp;
  fs::create_directory(tmp / "taken");
  try {
    mt::commit_file(mt::temporary_path_for(tmp / "x"), tmp / "x");  // the temporary was never made
    BOOST_FAIL("commit of a missing temporary succeeded");
  } catch (const mt::DataError& e) {
    BOOST_TEST(contains(e.what(), "failed: No such file or directory"), e.what());
  }
  try {
    mt::write_file_atomically(tmp / "taken", "x");
    BOOST_FAIL("wrote over a folder");
  } catch (const mt::DataError& e) {
    BOOST_TEST(contains(e.what(), (tmp / "taken").string() + ": it is a directory"), e.what());
  }
  BOOST_TEST(names_in(tmp.path()) == std::vector<std::string>{"taken"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
