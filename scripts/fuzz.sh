#!/usr/bin/env bash
# fuzz.sh — builds the clang libFuzzer tree (MT_FUZZ=ON with AddressSanitizer
# and UndefinedBehaviorSanitizer), replays every committed corpus under
# tests/fuzz/corpus/ as a regression check, then fuzzes each target for a
# bounded time. It is not a test runner: the ordinary g++ build replays the
# same corpora through CTest (label "fuzz").
#
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS]   (SECONDS per target, default 60)
# Environment:
#   MT_JOBS        build jobs (default: nproc)
#   MT_FUZZ_JOBS   targets fuzzed at once (default: nproc)
#   MT_FUZZ_ONLY   space-separated target names to run (default: all)
# New inputs libFuzzer finds go to BUILD_DIR/fuzz-work/<name>/ (the committed
# corpus is only read); crash, leak and timeout inputs to
# BUILD_DIR/fuzz-artifacts/; each run's log to BUILD_DIR/fuzz-logs/<name>.log.
# Exit status: non-zero on a build failure, or any crash, leak, timeout or
# sanitizer report in the replay or the fuzzing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: scripts/fuzz.sh BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build="$1"
seconds="${2:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2
  exit 2
fi
jobs="${MT_JOBS:-$(nproc)}"
fuzz_jobs="${MT_FUZZ_JOBS:-$(nproc)}"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
bash "$repo/scripts/install-deps.sh"

# ---- build --------------------------------------------------------------------
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
start=$(date +%s)
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMT_FUZZ=ON -DMT_SANITIZE=address,undefined -DMT_CUDA=OFF -DMT_TBB=OFF -DMT_PYTHON=OFF \
  -DMT_BUILD_BENCHMARKS=OFF "${launcher[@]}" >"$build/fuzz-configure.log" ||
  { cat "$build/fuzz-configure.log"; exit 1; }
cmake --build "$build" --target mt_fuzzers -j "$jobs"
echo "fuzz.sh: built the fuzz targets in $(($(date +%s) - start)) s"

list="$build/fuzz-targets.tsv"
[[ -s "$list" ]] || { echo "fuzz.sh: $list lists no fuzz targets" >&2; exit 1; }
mkdir -p "$build/fuzz-work" "$build/fuzz-artifacts" "$build/fuzz-logs"
# A leak, a sanitizer report or an uncaught exception is a failure.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export MINITORCH_PLUGIN_PATH=""

names=() binaries=() corpora=()
while IFS=$'\t' read -r name binary corpus; do
  [[ -n "$name" ]] || continue
  if [[ -n "${MT_FUZZ_ONLY:-}" && " $MT_FUZZ_ONLY " != *" $name "* ]]; then
    continue
  fi
  names+=("$name") binaries+=("$binary") corpora+=("$corpus")
done <"$list"

# ---- regression: replay every committed input ---------------------------------
failed=()
for i in "${!names[@]}"; do
  log="$build/fuzz-logs/${names[$i]}.replay.log"
  if "${binaries[$i]}" -runs=0 "${corpora[$i]}" >"$log" 2>&1; then
    echo "fuzz.sh: replay ${names[$i]}: $(find "${corpora[$i]}" -type f | wc -l) inputs, no crash"
  else
    echo "fuzz.sh: replay ${names[$i]} FAILED (log: $log)"
    tail -n 30 "$log"
    failed+=("${names[$i]} (replay)")
  fi
done

# ---- fuzzing: each target for $seconds s, $fuzz_jobs at a time ----------------
fuzz_one() {
  local name="$1" binary="$2" corpus="$3"
  local work="$build/fuzz-work/$name"
  mkdir -p "$work"
  # Two corpus folders: new inputs are written to the first (work) only.
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "$corpus" \
    >"$build/fuzz-logs/$name.log" 2>&1
}
if [[ "$seconds" -gt 0 ]]; then
  pids=() running=()
  for i in "${!names[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge "$fuzz_jobs" ]]; do
      wait -n || true
    done
    fuzz_one "${names[$i]}" "${binaries[$i]}" "${corpora[$i]}" &
    pids[$i]=$!
  done
  for i in "${!names[@]}"; do
    log="$build/fuzz-logs/${names[$i]}.log"
    if wait "${pids[$i]}"; then
      # libFuzzer's last status line and final stats: runs, exec/s, coverage, corpus.
      status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
      rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
      echo "fuzz.sh: ${names[$i]}: ${runs:-?} runs, ${rate:-?} exec/s in ${seconds} s | $status"
    else
      echo "fuzz.sh: ${names[$i]} FAILED (log: $log)"
      grep -E 'ERROR|SUMMARY|runtime error|invariant|uncaught|Test unit written' "$log" | head -n 20 || true
      failed+=("${names[$i]}")
    fi
  done
fi

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: FAILED: ${failed[*]}; inputs in $build/fuzz-artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: ${#names[@]} targets replayed and fuzzed (${seconds} s each) with no crash," \
  "leak or sanitizer report; total $(($(date +%s) - start)) s"
