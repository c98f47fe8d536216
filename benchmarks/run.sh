#!/usr/bin/env bash
# run.sh — runs the whole benchmark lab once from an existing build (it
# builds nothing), with the environment the comparison needs, and writes the
# JSON results and a Markdown summary of medians and target ratios.
#
# Usage: benchmarks/run.sh [BUILD_DIR] [--benchmark_* flags ...]
#   BUILD_DIR  a configured and built tree (default: build/), holding
#              bin/minitorch-bench and bin/minitorch-bench-summary.
# Environment (all optional):
#   MT_BENCH_REPETITIONS  repetitions per benchmark (default 5; medians are quoted)
#   MT_BENCH_MIN_TIME     seconds per repetition (default 0.2)
#   MT_BENCH_FILTER       regex of benchmarks to run (default: all)
#   MT_BENCH_OUT          folder for results (default: BUILD_DIR/benchmark-results)
#   MT_BENCH_QUIET_LOAD   wait until the 1-minute load average is below this (default 1.5) ...
#   MT_BENCH_QUIET_WAIT   ... for at most this many seconds (default 0: do not wait, only warn)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build"
if [[ $# -gt 0 && "$1" != --* ]]; then
  build="$(cd "$1" && pwd)"
  shift
fi
bench="$build/bin/minitorch-bench"
summary="$build/bin/minitorch-bench-summary"
for tool in "$bench" "$summary"; do
  if [[ ! -x "$tool" ]]; then
    echo "run.sh: $tool not found. Build it first (Release):" >&2
    echo "  cmake -S $repo -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMT_BUILD_BENCHMARKS=ON" >&2
    echo "  cmake --build $build --target minitorch-bench minitorch-bench-summary" >&2
    exit 1
  fi
done
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
if [[ "$build_type" != "Release" ]]; then
  echo "run.sh: warning: $build is a '${build_type:-unknown}' build; figures are only meaningful from Release." >&2
fi

reps="${MT_BENCH_REPETITIONS:-5}"
min_time="${MT_BENCH_MIN_TIME:-0.2}"
filter="${MT_BENCH_FILTER:-.}"
out="${MT_BENCH_OUT:-$build/benchmark-results}"
quiet_load="${MT_BENCH_QUIET_LOAD:-1.5}"
quiet_wait="${MT_BENCH_QUIET_WAIT:-0}"
mkdir -p "$out"

# Other work on the machine skews every figure: optionally wait for quiet.
load_now() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while awk -v l="$(load_now)" -v q="$quiet_load" 'BEGIN { exit !(l >= q) }'; do
  if (( waited >= quiet_wait )); then
    echo "run.sh: warning: 1-minute load average is $(load_now) (>= $quiet_load); figures may be low." >&2
    break
  fi
  sleep 15
  waited=$((waited + 15))
done
echo "run.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) after waiting ${waited}s" >&2

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json="$out/bench-$stamp.json"
# OpenBLAS must run its best kernels. OPENBLAS_CORETYPE (set to Haswell on
# these machines) forces its AVX2 kernels at about half speed, so it is
# unset. But OpenBLAS 0.3.21 does not recognise every newer CPU model: on an
# unknown one its own detection falls back to generic SSE3 kernels
# ("Prescott", about 1/8 of its AVX-512 speed). Then, and only then, the
# AVX-512 kernels are named explicitly when the CPU has AVX-512 (else AVX2).
# MT_BENCH_OPENBLAS_CORETYPE overrides the choice.
openblas_env=(-u OPENBLAS_CORETYPE)
detected="$(env -u OPENBLAS_CORETYPE "$bench" --openblas_corename)"
if [[ -n "${MT_BENCH_OPENBLAS_CORETYPE:-}" ]]; then
  openblas_env=(OPENBLAS_CORETYPE="$MT_BENCH_OPENBLAS_CORETYPE")
elif [[ "$detected" =~ ^(Prescott|Katmai|Coppermine|Northwood|Banias|Core2|Penryn|Dunnington|Nehalem|Atom)$ ]]; then
  if grep -qw avx512f /proc/cpuinfo; then
    openblas_env=(OPENBLAS_CORETYPE=SkylakeX)
  elif grep -qw avx2 /proc/cpuinfo; then
    openblas_env=(OPENBLAS_CORETYPE=Haswell)
  fi
  echo "run.sh: OpenBLAS detects this CPU as '$detected' (generic kernels); using ${openblas_env[*]}" >&2
fi
# OPENBLAS_NUM_THREADS=2 sizes its pool; the lab itself runs each GEMM with
# 1 and with 2 threads (openblas_set_num_threads). Random interleaving runs
# the repetitions of all benchmarks in a shuffled order, so a slow spell of
# this shared machine spreads over every benchmark instead of landing on
# whichever ran then (it decided ratios like ours/OpenBLAS by itself).
env -u OPENBLAS_CORETYPE "${openblas_env[@]}" OPENBLAS_NUM_THREADS=2 \
  "$bench" \
  --benchmark_repetitions="$reps" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true \
  --benchmark_min_time="$min_time" \
  --benchmark_filter="$filter" \
  --benchmark_out="$json" --benchmark_out_format=json \
  "$@"
"$summary" "$json" | tee "$out/summary-$stamp.md"
echo "run.sh: results in $json and $out/summary-$stamp.md" >&2
