// test_distributed_mpi.cpp — runs dist_worker under mpirun (2 and 3 ranks, --oversubscribe) once
// per backend and checks what every rank printed and how the job ended: collectives, DDP equality
// with a one-process run, sampler coverage, start-up mismatches named, and a hung or dead rank
// ending the job within the time limit with the rank named. Skipped, with the reason, when the
// build has no MPI. Not a test of MPI itself.
#include <boost/test/unit_test.hpp>

#include "backend_suites.hpp"
#include "run_program.hpp"

#include <cstdlib>
#include <string>
#include <vector>

using namespace mt;
using mt::test::contains;

namespace {

// Why the mpirun cases cannot run here ("" when they can), from the build's configuration.
std::string no_mpi(const Backend&) {
  return MT_TEST_NO_MPI_WHY;
}

// mpirun as root (CI) needs these; a short timeout for the fault cases comes from the caller.
void allow_root() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  // Shared memory without the cross-memory-attach single copy (blocked in many containers).
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
  setenv("OMPI_MCA_btl", "self,vader", 1);
  // OpenMPI's plugins stay loaded until exit, so LeakSanitizer (the ASan build) can name the
  // library of their allocations, which tests/distributed/lsan-openmpi.supp then suppresses.
  setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 1);
}

mt::test::ProgramRun mpirun(int ranks, const std::vector<std::string>& worker_args,
                            double timeout_s = 240) {
  allow_root();
  std::vector<std::string> argv{MT_TEST_MPIEXEC, "--oversubscribe", "-np", std::to_string(ranks),
                                MT_TEST_WORKER};
  argv.insert(argv.end(), worker_args.begin(), worker_args.end());
  auto run = mt::test::run_program(argv, timeout_s);
  BOOST_TEST_MESSAGE("mpirun -np " << ranks << " dist_worker ... (" << run.seconds << " s, status "
                                   << run.status << "):\n"
                                   << run.output);
  return run;
}

// Each rank's "rank r: ok: <what>" line is there for every r, and no rank failed.
void expect_all_ok(const mt::test::ProgramRun& run, int ranks, const std::string& what) {
  BOOST_TEST(run.status == 0, "status " << run.status << "\n" << run.output);
  BOOST_TEST(!contains(run.output, "FAILED"), run.output);
  for (int r = 0; r < ranks; ++r) {
    BOOST_TEST(contains(run.output, "rank " + std::to_string(r) + ": ok: " + what),
               "rank " << r << " did not report: " << what << "\n"
                       << run.output);
  }
}

void equality(const BackendPtr& backend, int ranks, const char* dtype, const char* optimizer) {
  const auto run = mpirun(ranks, {"equality", "--backend", backend->name(), "--dtype", dtype,
                                  "--optimizer", optimizer, "--epochs", "2"});
  expect_all_ok(run, ranks,
                "DDP parameters after 6 " + std::string(optimizer) +
                    " steps are bit-identical to the rank-order emulation");
  expect_all_ok(run, ranks, "DDP vs full-batch training");
  expect_all_ok(run, ranks, "every rank has the same parameters, bit for bit");
}

}  // namespace

MT_BACKEND_TEST(test_distributed_mpi, collectives_2_and_3_ranks, no_mpi) {
  for (int ranks : {2, 3}) {
    const auto run = mpirun(ranks, {"collectives", "--backend", backend->name()});
    expect_all_ok(run, ranks, "allreduce sums in rank order");
    expect_all_ok(run, ranks, "two async f32 allreduces in flight");
    expect_all_ok(run, ranks, "allgather in rank order");
    expect_all_ok(run, ranks, "all_reduce_sum_ on a tensor");
    expect_all_ok(run, ranks, "DDP start-up: every rank holds rank 0's parameters");
    expect_all_ok(run, ranks, "DDP start-up: the ranks really started from different parameters");
  }
}

MT_BACKEND_TEST(test_distributed_mpi, ddp_equals_one_process_f64_sgd_2_ranks, no_mpi) {
  equality(backend, 2, "f64", "sgd");
}
MT_BACKEND_TEST(test_distributed_mpi, ddp_equals_one_process_f64_adam_3_ranks, no_mpi) {
  equality(backend, 3, "f64", "adam");
}
MT_BACKEND_TEST(test_distributed_mpi, ddp_equals_one_process_f32_sgd_3_ranks, no_mpi) {
  equality(backend, 3, "f32", "sgd");
}

MT_BACKEND_TEST(test_distributed_mpi, sampler_covers_each_epoch_across_ranks, no_mpi) {
  for (int ranks : {2, 3}) {
    const auto run = mpirun(ranks, {"coverage", "--backend", backend->name()});
    expect_all_ok(run, ranks, "every epoch's global batches");
  }
}

MT_BACKEND_TEST(test_distributed_mpi, startup_mismatch_names_the_rank, no_mpi) {
  struct Case {
    const char* scenario;
    const char* named;
  };
  for (const Case& c : {Case{"mismatch-shape",
                             "rank 2 has parameter 0.weights (4, 5) f64 but "
                             "rank 0 has 0.weights (4, 6) f64"},
                        Case{"mismatch-dtype",
                             "rank 2 has parameter 0.weights (4, 6) f32 but "
                             "rank 0 has 0.weights (4, 6) f64"},
                        Case{"mismatch-seed", "rank 2 has seed 7 but rank 0 has 42"}}) {
    const auto run = mpirun(3, {c.scenario, "--backend", backend->name()});
    BOOST_TEST(run.status != 0, c.scenario << ": the job did not fail\n" << run.output);
    for (int r = 0; r < 3; ++r) {
      BOOST_TEST(contains(run.output, "rank " + std::to_string(r) + ": CommError:"),
                 c.scenario << ": rank " << r << " did not raise CommError\n"
                            << run.output);
    }
    BOOST_TEST(contains(run.output, c.named), c.scenario << ": no \"" << c.named << "\"\n"
                                                         << run.output);
  }
}

MT_BACKEND_TEST(test_distributed_mpi, collectives_of_different_counts_are_named, no_mpi) {
  setenv("MINITORCH_DIST_TIMEOUT", "5", 1);
  const auto run = mpirun(3, {"mismatch-count", "--backend", backend->name()}, 90);
  unsetenv("MINITORCH_DIST_TIMEOUT");
  BOOST_TEST(run.status != 0, run.output);
  BOOST_TEST(contains(run.output, "the ranks started different collectives here"), run.output);
  BOOST_TEST(!contains(run.output, "no error for a count mismatch"), run.output);
}

MT_BACKEND_TEST(test_distributed_mpi, hung_rank_is_named_within_the_timeout, no_mpi) {
  setenv("MINITORCH_DIST_TIMEOUT", "3", 1);
  const auto run = mpirun(3, {"hang", "--backend", backend->name()}, 90);
  unsetenv("MINITORCH_DIST_TIMEOUT");
  BOOST_TEST(run.status != 0, run.output);
  BOOST_TEST(run.seconds < 60, "the job took " << run.seconds << " s");
  BOOST_TEST(contains(run.output, "rank 1 sent nothing for allreduce"), run.output);
  BOOST_TEST(contains(run.output, "within 3 s (MINITORCH_DIST_TIMEOUT)"), run.output);
  BOOST_TEST(!contains(run.output, "finished without rank"), run.output);
}

MT_BACKEND_TEST(test_distributed_mpi, dead_rank_ends_the_job_within_the_timeout, no_mpi) {
  setenv("MINITORCH_DIST_TIMEOUT", "10", 1);
  const auto run = mpirun(3, {"die", "--backend", backend->name()}, 90);
  unsetenv("MINITORCH_DIST_TIMEOUT");
  BOOST_TEST(run.status != 0, run.output);
  BOOST_TEST(run.seconds < 60, "the job took " << run.seconds << " s");
  // OpenMPI's mpirun ends the job itself when a rank dies, before our timeout: it names the rank
  // ("mpirun noticed that process rank 1 with PID ... exited on signal 9 (Killed)"). Another
  // launcher that leaves the survivors running gets our CommError naming rank 1 instead.
  BOOST_TEST((contains(run.output, "process rank 1 with PID") ||
              contains(run.output, "rank 1 sent nothing for allreduce")),
             run.output);
  BOOST_TEST(!contains(run.output, "finished without rank"), run.output);
}
