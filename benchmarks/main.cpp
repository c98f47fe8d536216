// main.cpp — minitorch-bench: loads every plugin the registry finds, registers
// each benchmark group on every usable backend (plus the STREAM and OpenBLAS
// comparison points) and runs Google Benchmark with the usual --benchmark_*
// flags. It prints no summary itself (see summary.cpp and run.sh).
#include "lab.hpp"

#include <minitorch/plugin/backend.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  // run.sh asks which kernels OpenBLAS detects before choosing OPENBLAS_CORETYPE.
  if (argc == 2 && std::string(argv[1]) == "--openblas_corename") {
    std::printf("%s\n", mt::bench::openblas_core_name().c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  try {
    mt::BackendRegistry& registry = mt::BackendRegistry::global();
    // The load report goes into the JSON context, so a run says which
    // plugins it measured and why any other was left out.
    for (const mt::LoadRecord& record : registry.report()) {
      std::string line = mt::outcome_name(record.outcome);
      if (!record.reason.empty())
        line += ": " + record.reason;
      line += " (" + record.path.string() + ")";
      benchmark::AddCustomContext("plugin " + record.name + " " + record.path.filename().string(),
                                  line);
    }
    mt::BackendPtr reference;
    std::vector<mt::BackendPtr> usable;
    for (const mt::BackendPtr& backend : registry.loaded()) {
      if (backend->usable()) {
        usable.push_back(backend);
        if (backend->name() == "reference")
          reference = backend;
        continue;
      }
      // Reported as a skipped row, never silently dropped.
      const std::string reason =
          backend->name() + " is not usable here: " + backend->unusable_reason();
      benchmark::RegisterBenchmark(
          ("backend/" + backend->name()).c_str(),
          [reason](benchmark::State& state) { state.SkipWithError(reason.c_str()); });
    }
    if (!reference) {
      std::fprintf(stderr,
                   "minitorch-bench: the reference plugin did not load; every fast kernel is "
                   "checked against it before it is timed. Build it (target "
                   "minitorch_backend_reference) or point MINITORCH_PLUGIN_PATH at it.\n");
      return 1;
    }
    mt::bench::register_stream();
    mt::bench::register_elementwise(usable, reference);
    mt::bench::register_matmul(usable, reference);
    mt::bench::register_conv(usable, reference);
    mt::bench::register_train(usable);
    mt::bench::register_optim(usable);
    // Last: OpenBLAS's own threads spin for a while after each call.
    mt::bench::register_openblas(reference);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minitorch-bench: %s\n", e.what());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
