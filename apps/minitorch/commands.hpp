// commands.hpp — the CLI's subcommands and their options. Each command parses
// nothing itself (main.cpp does) and does no math itself (core does).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <set>
#include <string>

namespace mt::cli {

struct BackendsOptions {
  bool json = false;
  bool reprobe = false;  // ignore cached probe verdicts
};

// What `train` was asked for. The hyper-parameters (the rows of
// minitorch/apps/hyperparams.hpp) are kept as text by table key: the parser
// stores the ones given; run_train adds the checkpoint's (--load) and the
// per-dataset defaults before the recipe reads them.
struct TrainOptions {
  std::string dataset = "simple";
  std::string backend = "auto";
  std::string dtype = "f32";
  std::map<std::string, std::string> values;  // table key -> text, e.g. "lr" -> "0.05"
  std::string metrics;                        // JSON file or "-", "" = none
  std::string plot;                           // PNG file, "" = none
  std::string save;                           // checkpoint to write, "" = none
  std::string load;                           // checkpoint to resume from, "" = none
  std::string data_dir;                       // "" = mt::data_root()
  bool verbose = false;                       // the whole plugin load report, not one line
  int threads = 0;  // --threads: MT_NUM_THREADS for the parallel backend; 0 = its default
  // --distributed: one rank of an mpirun job (docs/distributed.md); `batch` is then per rank.
  bool distributed = false;
  int bucket_kb = 1024;         // --bucket-kb: DdpOptions::bucket_bytes / 1024 (distributed only)
  bool no_overlap = false;      // --no-overlap: DdpOptions::overlap = false (distributed only)
  std::set<std::string> given;  // long names of the options on the command line
};

// `minitorch eval --load CKPT`: the checkpoint's model on its dataset's
// test (or validation) split, without training.
struct EvalOptions {
  std::string load;     // the checkpoint (required)
  std::string dataset;  // "" = the checkpoint's
  std::string backend = "auto";
  std::string metrics;    // JSON file or "-", "" = none
  std::string data_dir;   // "" = mt::data_root()
  int64_t test_size = 0;  // 0 = the checkpoint's (its run's) evaluation size
  int batch = 256;        // evaluation batch (no gradients, so large is cheap)
  bool verbose = false;
  int threads = 0;
  bool distributed = false;  // --distributed: the split evaluated across the ranks of mpirun
  std::set<std::string> given;
};

// The plugin load report: every candidate, its outcome and reason (or, for
// a loaded one, its configuration note), warnings and the cache notes.
void print_load_report(std::ostream& out);
int run_backends(const BackendsOptions& options);
int run_train(TrainOptions options);
int run_eval(EvalOptions options);

}  // namespace mt::cli
