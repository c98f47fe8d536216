#!/usr/bin/env bash
# tsan-parallel.sh — builds a Debug ThreadSanitizer tree (MT_SANITIZE=thread,
# no CUDA, no benchmarks) and runs the suites that drive the multi-threaded
# parallel plugin: the conformance suite (every case on every loaded backend)
# and the nn tests. It is not a general test runner (see scripts/test.sh).
#
# Usage: scripts/tsan-parallel.sh [BUILD_DIR]   (default: build-tsan)
# Environment: MT_JOBS (build jobs, default: nproc), MT_TSAN_EXTRA (more TSAN_OPTIONS).
# Exit status: non-zero on a build failure, a failing test or any TSan report.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$repo/build-tsan}"
jobs="${MT_JOBS:-$(nproc)}"
suppressions="$repo/scripts/tsan.supp"

cmake -S "$repo" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug \
  -DMT_SANITIZE=thread \
  -DMT_TBB=ON \
  -DMT_CUDA=OFF \
  -DMT_BUILD_TESTS=ON \
  -DMT_BUILD_BENCHMARKS=OFF
# The tests depend on the plugins, so this builds them too.
cmake --build "$build" --parallel "$jobs" --target test_conformance test_nn

# halt_on_error: the first report fails the test (exit code 66), so a race
# can never scroll past unnoticed. The suppressions file is reviewed by hand
# and names each suppressed frame precisely; see the comments in it.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$suppressions ${MT_TSAN_EXTRA:-}"
# Both suites run every backend that loads; make sure parallel is one of them.
if [[ ! -e "$build/lib/minitorch/plugins/libminitorch_backend_parallel.so" ]]; then
  echo "tsan-parallel.sh: the parallel plugin was not built in $build" >&2
  exit 1
fi
ctest --test-dir "$build" --output-on-failure -R '^(test_conformance|test_nn)$'
echo "tsan-parallel.sh: no ThreadSanitizer reports; conformance and nn suites passed."
