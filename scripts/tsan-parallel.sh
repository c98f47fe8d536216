#!/usr/bin/env bash
# tsan-parallel.sh — builds a Debug ThreadSanitizer tree (MT_SANITIZE=thread,
# no CUDA, no benchmarks) and runs the suites that drive the multi-threaded
# parallel plugin: the conformance kit on parallel (every op case and every
# gradient case, f32 and f64, each case in its own child process) and the
# tensor, autograd, training-API and nn suites (each runs every case on
# parallel too; test_training_api holds the DataLoader's oneTBB prefetch,
# the one other thread core starts), and the parallel plugin's own allocator
# and runtime tests (blocks freed on other threads, the cache's bound, loops
# split across the arena). It is not a general test runner (see
# scripts/test.sh).
#
# ThreadSanitizer only sees synchronisation in instrumented code. The
# distribution's libtbb is not instrumented, so with it every hand-off of a
# task to a worker looks like a race (hundreds of reports, in our kernels as
# much as in oneTBB's headers) and no precise suppression can tell them from
# real ones. This script therefore builds the same oneTBB version once with
# -fsanitize=thread (its own TBB_SANITIZE option) and links the parallel
# plugin against that; TSan then sees oneTBB's synchronisation directly.
#
# Usage: scripts/tsan-parallel.sh [BUILD_DIR]   (default: build-tsan)
# Environment:
#   MT_JOBS            build jobs (default: nproc)
#   MT_TSAN_TBB_DIR    CMake config dir (…/lib/cmake/TBB) of a TSan-instrumented
#                      oneTBB to use instead of building one
#   MT_TSAN_TBB_SOURCE oneTBB source folder or .tar.* to build from (default:
#                      `apt-get source` of the installed libtbb-dev version,
#                      with a private source list; nothing system-wide changes)
#   MT_TSAN_EXTRA      more TSAN_OPTIONS
# The instrumented oneTBB is cached in BUILD_DIR/tbb-tsan; later runs reuse it.
# Exit status: non-zero on a build failure, a failing test or any TSan report.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$repo/build-tsan}"
jobs="${MT_JOBS:-$(nproc)}"
suppressions="$repo/scripts/tsan.supp"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
# The project's packages, plus xz-utils to unpack oneTBB's .orig.tar.xz.
bash "$repo/scripts/install-deps.sh" xz-utils

# ---- a TSan-instrumented oneTBB -------------------------------------------
tbb_root="$build/tbb-tsan"
tbb_dir="${MT_TSAN_TBB_DIR:-$tbb_root/install/lib/cmake/TBB}"
if [[ ! -f "$tbb_dir/TBBConfig.cmake" ]]; then
  if [[ -n "${MT_TSAN_TBB_DIR:-}" ]]; then
    echo "tsan-parallel.sh: MT_TSAN_TBB_DIR=$MT_TSAN_TBB_DIR holds no TBBConfig.cmake" >&2
    exit 1
  fi
  mkdir -p "$tbb_root"
  source_dir="${MT_TSAN_TBB_SOURCE:-}"
  if [[ -z "$source_dir" ]]; then
    # The same version as the headers the project compiles against.
    version="$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || true)"
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    if [[ -z "$version" || -z "$codename" ]]; then
      echo "tsan-parallel.sh: cannot tell which oneTBB to build (no libtbb-dev package or" \
           "/etc/os-release codename); set MT_TSAN_TBB_SOURCE or MT_TSAN_TBB_DIR" >&2
      exit 1
    fi
    apt_dir="$tbb_root/apt"
    mkdir -p "$apt_dir/lists/partial"
    printf 'deb-src http://deb.debian.org/debian %s main\ndeb-src http://deb.debian.org/debian-security %s-security main\n' \
      "$codename" "$codename" > "$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$apt_dir/lists")
    echo "tsan-parallel.sh: fetching the oneTBB $version source (apt-get source) to build it with TSan" >&2
    apt-get "${apt_opts[@]}" -qq update
    (cd "$tbb_root" && apt-get "${apt_opts[@]}" -qq source --download-only "onetbb=$version")
    source_dir="$(ls "$tbb_root"/onetbb_*.orig.tar.* | head -n 1)"
  fi
  if [[ -f "$source_dir" ]]; then
    rm -rf "$tbb_root/src"
    mkdir -p "$tbb_root/src"
    tar -xf "$source_dir" -C "$tbb_root/src" --strip-components=1
    source_dir="$tbb_root/src"
  fi
  cmake -S "$source_dir" -B "$tbb_root/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTBB_SANITIZE=thread \
    -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
    -DCMAKE_INSTALL_PREFIX="$tbb_root/install"
  cmake --build "$tbb_root/build" --parallel "$jobs" --target install
fi

# ---- the project, Debug + TSan, against that oneTBB ------------------------
cmake -S "$repo" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug \
  -DMT_SANITIZE=thread \
  -DMT_TBB=ON \
  -DTBB_DIR="$tbb_dir" \
  -DMT_CUDA=OFF \
  -DMT_PYTHON=OFF \
  -DMT_BUILD_TESTS=ON \
  -DMT_BUILD_BENCHMARKS=OFF
# The kit finds the reference and parallel plugins by name in the build
# tree; the suites depend on the plugins, so this builds them too.
cmake --build "$build" --parallel "$jobs" --target minitorch_conformance_cli \
  minitorch_backend_reference minitorch_backend_parallel test_nn test_tensor test_autograd \
  test_training_api test_parallel_memory test_parallel_runtime

plugin="$build/lib/minitorch/plugins/libminitorch_backend_parallel.so"
if [[ ! -e "$plugin" ]]; then
  echo "tsan-parallel.sh: the parallel plugin was not built in $build" >&2
  exit 1
fi
# The plugin must resolve libtbb to the instrumented build, not the system's.
tbb_used="$(ldd "$plugin" | awk '/libtbb\.so/ { print $3 }')"
tbb_lib_dir="$(cd "$tbb_dir/../.." && pwd)"
if [[ "$tbb_used" != "$tbb_lib_dir"/* ]]; then
  echo "tsan-parallel.sh: the parallel plugin loads $tbb_used, not the instrumented oneTBB in $tbb_lib_dir" >&2
  exit 1
fi

# halt_on_error: the first report fails the test (exit code 66), so a race
# can never scroll past unnoticed. The suppressions file is reviewed by hand
# and names each suppressed frame precisely; see the comments in it.
# Probe verdicts stay in the build tree, never in the user's cache.
export MINITORCH_CACHE_DIR="$build/test-cache"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$suppressions ${MT_TSAN_EXTRA:-}"
# The kit: each case's child inherits TSAN_OPTIONS, so a report ends that
# child with exit code 66, which the kit counts as a crash (exit status 1).
# --timeout: Debug + TSan runs a case several times slower than Release.
MINITORCH_PLUGIN_PATH= "$build/bin/minitorch-conformance" --backend parallel --timeout 600 \
  --jobs "$jobs" --json "$build/tsan-kit-parallel.json"
ctest --test-dir "$build" --output-on-failure -R '^(test_nn|test_tensor|test_autograd|test_training_api|test_parallel_memory|test_parallel_runtime)$'
echo "tsan-parallel.sh: no ThreadSanitizer reports; the conformance kit (op and gradient cases) and the tensor, autograd, training-API and nn suites and the plugin's allocator and runtime tests passed on parallel (instrumented oneTBB $tbb_used)."
