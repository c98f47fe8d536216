// test_distributed_cli.cpp — `mpirun -np N minitorch train|eval --distributed`, end to end
// with the real binary: the parameters after training equal a one-process run with the same
// global batch, a run resumes on another number of ranks, evaluation is sharded and summed,
// mismatched ranks and a dead or stopped rank end the job with an error naming the rank.
// Not a test of the communicator or of DDP themselves (tests/distributed does those).
// Every case is skipped, with the reason, in a build without MPI.
#define BOOST_TEST_MODULE test_distributed_cli
#include "cli_testing.hpp"

#include <minitorch/apps/checkpoint.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace {

using mt::test::contains;
using Run = mt::test::ProgramRun;
using mt::test::run_minitorch;

const std::string kMpirun = MT_TEST_MPIEXEC;  // "" in a build without MPI

#ifdef MT_TEST_HAVE_PARALLEL
const std::vector<std::string> kBackends = {"reference", "parallel"};
#else
const std::vector<std::string> kBackends = {"reference"};
#endif

// mpirun refuses root unless told, and 3 ranks on 2 cores need --oversubscribe (CI is root).
struct MpiEnvironment {
  MpiEnvironment() {
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);  // containers forbid CMA
    // OpenMPI's plugins stay loaded until exit, so LeakSanitizer (the ASan build) can name the
    // library of their allocations, which tests/distributed/lsan-openmpi.supp suppresses.
    setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 1);
  }
};
BOOST_TEST_GLOBAL_FIXTURE(MpiEnvironment);

boost::test_tools::assertion_result mpi_built(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result ok(!kMpirun.empty());
  if (kMpirun.empty())
    ok.message() << "MPI is not built (MT_MPI=OFF, or libopenmpi-dev/openmpi-bin missing)";
  return ok;
}

std::vector<std::string> mpirun_argv(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kMpirun, "--oversubscribe",     "--bind-to",          "none",
                                   "-np",   std::to_string(ranks), MT_TEST_MINITORCH_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Run mpirun(int ranks, std::vector<std::string> args) {
  args.push_back("--distributed");
  return mt::test::run_program(mpirun_argv(ranks, args), 180);
}

// The xor MLP (no dropout: its only randomness is the seeded init and shuffle) for `epochs`
// epochs at per-process batch `batch`, saved to `file`. 50 points: at global batch 12 the
// last batch has 2, so with 3 ranks rank 0's slice of it is empty (DDP weight 0).
std::vector<std::string> xor_run(const std::string& backend, const std::string& dtype, int batch,
                                 int epochs, const fs::path& file) {
  return {"train",
          "--dataset",
          "xor",
          "--points",
          "50",
          "--hidden",
          "6",
          "--rate",
          "0.5",
          "--seed",
          "5",
          "--batch",
          std::to_string(batch),
          "--epochs",
          std::to_string(epochs),
          "--dtype",
          dtype,
          "--backend",
          backend,
          "--threads",
          "1",
          "--save",
          file.string()};
}

std::vector<double> parameters_of(const fs::path& file) {
  std::vector<double> out;
  for (const mt::SavedTensor& t : mt::read_checkpoint(file).parameters)
    out.insert(out.end(), t.values.begin(), t.values.end());
  return out;
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// How far a distributed run may drift from one process: each rank sums the gradient of its
// slice and DDP adds the slices, so the additions are grouped differently (not associative).
// Measured: at most 5.6e-17 in f64 and 6.0e-8 in f32 after 15 steps (reference and parallel);
// the bounds leave room for other compilers and ISAs.
constexpr double kTolerance64 = 1e-12;
constexpr double kTolerance32 = 1e-6;

}  // namespace

BOOST_AUTO_TEST_SUITE(distributed_cli, *boost::unit_test::precondition(mpi_built))

BOOST_AUTO_TEST_CASE(parameters_equal_one_process_at_the_same_global_batch) {
  for (const std::string& backend : kBackends) {
    BOOST_TEST_CONTEXT("backend " << backend) {
      mt::test::TempDir tmp;
      for (const std::string dtype : {"f64", "f32"}) {
        BOOST_TEST_CONTEXT(dtype) {
          const fs::path one = tmp / ("one-" + dtype + ".ckpt");
          const Run alone = run_minitorch(xor_run(backend, dtype, 12, 3, one));
          BOOST_REQUIRE_MESSAGE(alone.status == 0, alone.output);
          const std::vector<double> expected = parameters_of(one);

          // One rank through the whole distributed path: the same bits.
          const fs::path np1 = tmp / ("np1-" + dtype + ".ckpt");
          const Run r1 = mpirun(1, xor_run(backend, dtype, 12, 3, np1));
          BOOST_REQUIRE_MESSAGE(r1.status == 0, r1.output);
          BOOST_TEST(parameters_of(np1) == expected, boost::test_tools::per_element());

          for (const int ranks : {2, 3}) {
            const fs::path file = tmp / ("np" + std::to_string(ranks) + "-" + dtype + ".ckpt");
            const Run run = mpirun(ranks, xor_run(backend, dtype, 12 / ranks, 3, file));
            BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
            BOOST_TEST(
                contains(run.output, "Distributed: " + std::to_string(ranks) +
                                         " ranks (engine mpi), batch " +
                                         std::to_string(12 / ranks) + " per rank, global batch 12"),
                run.output);
            // Rank 0 alone prints: one banner, one summary.
            BOOST_TEST(std::count(run.output.begin(), run.output.end(), '\n') ==
                           std::count(r1.output.begin(), r1.output.end(), '\n'),
                       run.output);
            const mt::Checkpoint ck = mt::read_checkpoint(file);
            BOOST_TEST(ck.world_size == ranks);
            BOOST_TEST(ck.hyper.at("batch") == "12");  // the global batch
            BOOST_TEST(ck.optimizer_steps ==
                       15);  // 5 batches of 50 points (the last of 2), 3 epochs
            const double drift = max_difference(parameters_of(file), expected);
            BOOST_TEST_MESSAGE(backend << " " << dtype << " np " << ranks
                                       << ": largest parameter difference " << drift);
            BOOST_TEST(drift <= (dtype == "f64" ? kTolerance64 : kTolerance32));
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(resume_on_another_number_of_ranks) {
  mt::test::TempDir tmp;
  const fs::path straight = tmp / "straight.ckpt";
  const Run alone = run_minitorch(xor_run("reference", "f64", 12, 4, straight));
  BOOST_REQUIRE_MESSAGE(alone.status == 0, alone.output);

  const fs::path two = tmp / "two.ckpt";
  const Run first = mpirun(2, xor_run("reference", "f64", 6, 2, two));
  BOOST_REQUIRE_MESSAGE(first.status == 0, first.output);
  // Three ranks, --batch left out: 12 / 3 = 4 per rank.
  const fs::path three = tmp / "three.ckpt";
  const Run second = mpirun(3, {"train", "--load", two.string(), "--epochs", "4", "--backend",
                                "reference", "--save", three.string()});
  BOOST_REQUIRE_MESSAGE(second.status == 0, second.output);
  BOOST_TEST(contains(second.output, "batch 4 per rank, global batch 12"), second.output);
  BOOST_TEST(contains(second.output, "Resumed from " + two.string() + " after epoch 2"),
             second.output);
  const mt::Checkpoint ck = mt::read_checkpoint(three);
  BOOST_TEST(ck.world_size == 3);
  BOOST_TEST(ck.optimizer_steps == 20);
  BOOST_TEST(ck.history.size() == 4u);
  BOOST_TEST(max_difference(parameters_of(three), parameters_of(straight)) <= kTolerance64);

  // A per-rank batch that changes the global one is refused, saying which to give.
  const Run wrong = mpirun(3, {"train", "--load", two.string(), "--epochs", "4", "--batch", "5",
                               "--backend", "reference"});
  BOOST_TEST(wrong.status != 0, wrong.output);
  // Every rank fails alike at set-up: rank 0 says it once, and nobody needs MPI_Abort.
  BOOST_TEST(occurrences(wrong.output, "minitorch: error") == 1u, wrong.output);
  BOOST_TEST(!contains(wrong.output, "MPI_ABORT"), wrong.output);
  BOOST_TEST(contains(wrong.output,
                      "trained with global batch 12 (6 per rank x 2 ranks); with 3 "
                      "ranks give --batch 4"),
             wrong.output);
  // Back to one process: --batch 12 is taken from the checkpoint.
  const fs::path back = tmp / "back.ckpt";
  const Run alone_again =
      run_minitorch({"train", "--load", two.string(), "--epochs", "4", "--backend", "reference",
                     "--threads", "1", "--save", back.string()});
  BOOST_REQUIRE_MESSAGE(alone_again.status == 0, alone_again.output);
  BOOST_TEST(max_difference(parameters_of(back), parameters_of(straight)) <= kTolerance64);

  // A global batch of 8 cannot be split over 3 ranks.
  const fs::path eight = tmp / "eight.ckpt";
  const Run g8 = mpirun(2, xor_run("reference", "f64", 4, 1, eight));
  BOOST_REQUIRE_MESSAGE(g8.status == 0, g8.output);
  const Run split =
      mpirun(3, {"train", "--load", eight.string(), "--epochs", "2", "--backend", "reference"});
  BOOST_TEST(split.status != 0, split.output);
  BOOST_TEST(contains(split.output,
                      "cannot be split over 3 ranks: resume with a number of ranks "
                      "that divides 8"),
             split.output);
}

BOOST_AUTO_TEST_CASE(evaluation_is_sharded_and_summed) {
  mt::test::TempDir tmp;
  const fs::path file = tmp / "xor.ckpt";
  const Run train = run_minitorch(xor_run("reference", "f64", 12, 2, file));
  BOOST_REQUIRE_MESSAGE(train.status == 0, train.output);
  const fs::path one = tmp / "one.json", three = tmp / "three.json";
  const Run alone = run_minitorch({"eval", "--load", file.string(), "--backend", "reference",
                                   "--batch", "10", "--metrics", one.string()});
  BOOST_REQUIRE_MESSAGE(alone.status == 0, alone.output);
  const Run sharded = mpirun(3, {"eval", "--load", file.string(), "--backend", "reference",
                                 "--batch", "10", "--metrics", three.string()});
  BOOST_REQUIRE_MESSAGE(sharded.status == 0, sharded.output);
  const auto a = nlohmann::json::parse(read_text(one));
  const auto b = nlohmann::json::parse(read_text(three));
  BOOST_TEST(b.at("world_size").get<int>() == 3);
  BOOST_TEST(b.at("examples").get<int>() == 50);
  BOOST_TEST(b.at("correct").get<int>() == a.at("correct").get<int>());
  BOOST_TEST(std::abs(b.at("loss").get<double>() - a.at("loss").get<double>()) <= 1e-12);
  // The training run's last evaluation (itself sharded in a distributed run) agrees too.
  const auto history = mt::read_checkpoint(file).history;
  BOOST_TEST(history.back().at("test_correct") == a.at("correct").get<double>());
}

BOOST_AUTO_TEST_CASE(ranks_started_differently_are_named) {
  // mpirun's MPMD form: rank 0 and rank 1 get different seeds.
  std::vector<std::string> argv = {kMpirun, "--oversubscribe",    "--bind-to", "none", "-np",
                                   "1",     MT_TEST_MINITORCH_EXE};
  const std::vector<std::string> common = {"train", "--dataset", "xor",       "--epochs",
                                           "1",     "--backend", "reference", "--distributed"};
  argv.insert(argv.end(), common.begin(), common.end());
  argv.insert(argv.end(), {"--seed", "1", ":", "-np", "1", MT_TEST_MINITORCH_EXE});
  argv.insert(argv.end(), common.begin(), common.end());
  argv.insert(argv.end(), {"--seed", "7"});
  const Run run = mt::test::run_program(argv, 120);
  BOOST_TEST(run.status != 0, run.output);
  BOOST_TEST(contains(run.output, "rank 1 has seed 7 but rank 0 has 1"), run.output);
  BOOST_TEST(!contains(run.output, "Epoch 1/1"), run.output);

  // Not started by mpirun: a usage error (exit 2) that says how to start it.
  const Run lone = run_minitorch({"train", "--dataset", "xor", "--distributed"});
  BOOST_TEST(lone.status == 2, lone.output);
  BOOST_TEST(contains(lone.output, "not started by mpirun"), lone.output);
}

namespace {

// A job started in the background, its output in a file.
struct Job {
  pid_t pid = -1;
  fs::path log;
};

Job start_job(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Job job;
  job.log = log;
  const int rc = posix_spawn(&job.pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  BOOST_REQUIRE_MESSAGE(rc == 0, "posix_spawn " << argv[0] << " failed: " << rc);
  return job;
}

// The pid of rank `rank` of the job whose ranks carry MT_TEST_JOB=`tag` (-1 if none yet).
pid_t rank_pid(const std::string& tag, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    const std::string env = read_text(entry.path() / "environ");
    if (env.find(std::string("MT_TEST_JOB=") + tag + '\0') != std::string::npos &&
        env.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// Waits up to `seconds` for the job to end; its exit status, or nullopt (then it is killed).
std::optional<int> wait_job(const Job& job, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    if (waitpid(job.pid, &status, WNOHANG) == job.pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(job.pid, SIGKILL);
  waitpid(job.pid, nullptr, 0);
  return std::nullopt;
}

// A long xor run on 3 ranks; once rank 0 printed its first epoch, rank 1 gets `signal`.
// Returns (seconds from the signal to the end of the job, exit status, output).
struct Fault {
  double seconds = 0;
  std::optional<int> status;
  std::string output;
};

Fault signal_rank(int signal, const std::string& tag, const fs::path& log, int ranks,
                  const std::vector<std::string>& args) {
  setenv("MT_TEST_JOB", tag.c_str(), 1);
  setenv("MINITORCH_DIST_TIMEOUT", "3", 1);
  const Job job = start_job(mpirun_argv(ranks, args), log);
  unsetenv("MINITORCH_DIST_TIMEOUT");
  unsetenv("MT_TEST_JOB");
  Fault f;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  pid_t victim = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (contains(read_text(job.log), "Epoch 1/100000") && (victim = rank_pid(tag, 1)) > 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_REQUIRE_MESSAGE(victim > 0, "the job never started training: " << read_text(job.log));
  const auto start = std::chrono::steady_clock::now();
  kill(victim, signal);
  f.status = wait_job(job, 60);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  kill(victim, SIGKILL);  // a stopped rank that outlived mpirun
  f.output = read_text(job.log);
  return f;
}

Fault fault_case(int signal, const std::string& tag, const mt::test::TempDir& tmp) {
  return signal_rank(signal, tag, tmp / (tag + ".log"), 3,
                     {"train", "--dataset", "xor", "--points", "600", "--batch", "2", "--epochs",
                      "100000", "--backend", "reference", "--distributed"});
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_stopped_rank_ends_the_job_within_the_timeout_naming_it) {
  mt::test::TempDir tmp;
  const Fault f = fault_case(SIGSTOP, "stop-" + std::to_string(getpid()), tmp);
  BOOST_TEST_MESSAGE("SIGSTOP to rank 1: the job ended after " << f.seconds << " s\n" << f.output);
  BOOST_REQUIRE_MESSAGE(f.status.has_value(), "the job hung: " << f.output);
  BOOST_TEST(*f.status != 0);
  BOOST_TEST(f.seconds < 3.0 + 30.0, f.output);  // MINITORCH_DIST_TIMEOUT=3, then abort
  BOOST_TEST(contains(f.output, "rank 1"), f.output);
  BOOST_TEST(contains(f.output, "minitorch: error on rank"), f.output);
}

BOOST_AUTO_TEST_CASE(a_killed_rank_ends_the_job_naming_it) {
  mt::test::TempDir tmp;
  const Fault f = fault_case(SIGKILL, "kill-" + std::to_string(getpid()), tmp);
  BOOST_TEST_MESSAGE("SIGKILL to rank 1: the job ended after " << f.seconds << " s\n" << f.output);
  BOOST_REQUIRE_MESSAGE(f.status.has_value(), "the job hung: " << f.output);
  BOOST_TEST(*f.status != 0);
  BOOST_TEST(f.seconds < 30.0, f.output);
  BOOST_TEST(contains(f.output, "rank 1"), f.output);
}

// Ctrl-C reaches one rank (SIGINT to rank 1; mpirun itself would kill the job): every rank
// stops at the same step, rank 0 saves a mid-epoch checkpoint, and 3 ranks continue it to the
// parameters of a run that was never stopped.
BOOST_AUTO_TEST_CASE(an_interrupted_run_resumes_mid_epoch_on_another_number_of_ranks) {
  mt::test::TempDir tmp;
  const fs::path stopped = tmp / "stopped.ckpt";
  const std::vector<std::string> model = {"--dataset", "xor", "--points",  "600",
                                          "--hidden",  "6",   "--seed",    "3",
                                          "--dtype",   "f64", "--backend", "reference"};
  std::vector<std::string> args = {
      "train", "--batch", "3", "--epochs", "100000", "--save", stopped.string(), "--distributed"};
  args.insert(args.end(), model.begin(), model.end());
  const std::string tag = "int-" + std::to_string(getpid());
  const Fault f = signal_rank(SIGINT, tag, tmp / (tag + ".log"), 2, args);
  BOOST_REQUIRE_MESSAGE(f.status.has_value(), "the job hung: " << f.output);
  BOOST_TEST(contains(f.output, "minitorch: interrupted in epoch"), f.output);
  BOOST_TEST(contains(f.output, "mpirun -np N minitorch train --load " + stopped.string()),
             f.output);
  const mt::Checkpoint ck = mt::read_checkpoint(stopped);
  // Mid-epoch nearly always (the signal lands in one of 100 training steps per epoch, rarely in
  // the evaluation between epochs); either way the resumed run must end where the straight one
  // does.
  BOOST_TEST_MESSAGE("stopped after epoch "
                     << ck.epoch << ", "
                     << (ck.resume.empty() ? std::string("at its end")
                                           : ck.resume.at("batches") + " batches into the next"));
  BOOST_TEST(ck.world_size == 2);
  const std::string total = std::to_string(ck.epoch + 2);

  const fs::path resumed = tmp / "resumed.ckpt";
  const Run three = mpirun(
      3, {"train", "--load", stopped.string(), "--epochs", total, "--save", resumed.string()});
  BOOST_REQUIRE_MESSAGE(three.status == 0, three.output);
  BOOST_TEST(contains(three.output, "batch 2 per rank, global batch 6"), three.output);
  const fs::path straight = tmp / "straight.ckpt";
  std::vector<std::string> plain = {"train",  "--batch",        "6", "--epochs", total,
                                    "--save", straight.string()};
  plain.insert(plain.end(), model.begin(), model.end());
  const Run alone = run_minitorch(plain);
  BOOST_REQUIRE_MESSAGE(alone.status == 0, alone.output);
  BOOST_TEST(mt::read_checkpoint(resumed).optimizer_steps ==
             mt::read_checkpoint(straight).optimizer_steps);
  BOOST_TEST(max_difference(parameters_of(resumed), parameters_of(straight)) <= kTolerance64);
}

BOOST_AUTO_TEST_SUITE_END()
