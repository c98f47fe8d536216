// minitorch/datasets/fetch.hpp — where the downloaded datasets live and how to
// get them: the cache folder's layout, a presence check, and a call to
// scripts/fetch-data.sh when something is missing. Downloads nothing itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace mt {

// $MINITORCH_DATA, else $XDG_CACHE_HOME/minitorch, else $HOME/.cache/minitorch
// (the same rule scripts/fetch-data.sh follows).
std::filesystem::path data_root();

// The names fetch_dataset and dataset_files accept: mnist, fashion-mnist, imdb.
const std::vector<std::string>& downloadable_datasets();

// The files a dataset needs under `root`, with the smallest size each must
// have to count as present (a half-finished download is smaller).
struct RequiredFile {
  std::filesystem::path path;
  std::uintmax_t min_bytes = 1;
};
std::vector<RequiredFile> dataset_files(const std::string& name, const std::filesystem::path& root);

// Folders and files inside the cache.
std::filesystem::path mnist_dir(const std::filesystem::path& root);          // root/mnist
std::filesystem::path fashion_mnist_dir(const std::filesystem::path& root);  // root/fashion-mnist
std::filesystem::path imdb_reviews_file(
    const std::filesystem::path& root);  // root/imdb/reviews.json
std::filesystem::path glove_source_file(const std::filesystem::path& root);  // root/glove/....json
std::filesystem::path glove_cache_file(
    const std::filesystem::path& root);  // root/imdb/glove-....bin

// The required files that are missing or too small ("" when all present).
std::string missing_dataset_files(const std::string& name, const std::filesystem::path& root);

// Makes sure `name` is in `root`: when files are missing, prints
// "fetching <Name> (<size on disk>) into <root> ..." to `log` and runs
// `bash <script> <name>` with MINITORCH_DATA=<root> and
// MINITORCH_FETCH_NO_INSTALL=1, so the script installs no system package (it
// exits 3 saying what to install). Throws DataError if the script is
// missing, fails (status 3: a system package is needed, and the message says
// so), or leaves files missing; ArgumentError for an unknown name.
void ensure_dataset(const std::string& name, const std::filesystem::path& root,
                    const std::filesystem::path& script, std::ostream& log);

}  // namespace mt
