#!/usr/bin/env bash
# benchmarks/distributed/run.sh — data-parallel MNIST on this machine: one LeNet epoch as
# 1 process x 2 threads against 2 processes x 1 thread (mpirun, --distributed), with the
# gradient allreduce's bytes, seconds and overlap (DdpStats, from the metrics JSON), and the
# scaling model of benchmarks/README.md fed with these figures. It builds nothing and asserts
# nothing; the configurations run interleaved (A B C D, A B C D, ...) and medians are quoted.
#
# Usage: benchmarks/distributed/run.sh [BUILD_DIR]     (default: build/)
# Environment (all optional):
#   MT_DIST_ROUNDS      rounds of the four configurations (default 5)
#   MT_DIST_TRAIN_SIZE  training images per epoch (default 60000: a whole MNIST epoch)
#   MT_DIST_TEST_SIZE   test images evaluated after the epoch (default 1000; not timed here)
#   MT_DIST_BATCH       global batch (default 16, LeNet's; each of 2 ranks takes half)
#   MT_DIST_OUT         folder for the metrics, logs and summary (default BUILD_DIR/distributed-results)
# Needs MNIST in the data cache (scripts/fetch-data.sh mnist) and a build with MPI and the
# parallel backend.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
exe="$build/bin/minitorch"
rounds="${MT_DIST_ROUNDS:-5}"
train_size="${MT_DIST_TRAIN_SIZE:-60000}"
test_size="${MT_DIST_TEST_SIZE:-1000}"
batch="${MT_DIST_BATCH:-16}"
out="${MT_DIST_OUT:-$build/distributed-results}"
if [[ ! -x "$exe" ]]; then
  echo "run.sh: $exe not found; build it first: cmake --build $build --target runtime" >&2
  exit 1
fi
if ! command -v mpirun >/dev/null; then
  echo "run.sh: mpirun not found (apt-get install openmpi-bin libopenmpi-dev, then reconfigure)" >&2
  exit 1
fi
if (( batch % 2 != 0 )); then
  echo "run.sh: MT_DIST_BATCH=$batch must be even (2 ranks take half each)" >&2
  exit 1
fi
mkdir -p "$out"
# mpirun as root (CI, containers) must be allowed; containers also forbid the CMA single copy.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun --oversubscribe --bind-to none -np 2)
common=(train --dataset mnist --epochs 1 --train-size "$train_size" --test-size "$test_size"
        --backend parallel)
echo "run.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $rounds rounds" >&2

run() {  # NAME COMMAND...: one run, its metrics in $out/NAME-ROUND.json, CPU time in .time
  local name="$1"; shift
  local file="$out/$name-$round"
  /usr/bin/time -f '%e %U %S' -o "$file.time" "$@" --metrics "$file.json" >"$file.log" 2>&1 ||
    { echo "run.sh: $name failed; see $file.log" >&2; tail -5 "$file.log" >&2; exit 1; }
  echo "  $name: $(jq -r '.epochs[0].train_seconds' "$file.json") s training" >&2
}

for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  # A: one process, two threads.
  run A "$exe" "${common[@]}" --batch "$batch" --threads 2
  # B: two processes, one thread each, the default 1 MiB bucket (LeNet's 104 KB is one bucket).
  run B "${mpi[@]}" "$exe" "${common[@]}" --batch $((batch / 2)) --threads 1 --distributed
  # C: as B with 16 KiB buckets: linear2 and linear1 start their allreduce while the convs'
  # backward still runs.
  run C "${mpi[@]}" "$exe" "${common[@]}" --batch $((batch / 2)) --threads 1 --distributed \
    --bucket-kb 16
  # D: one process, one thread: the compute time per example the model is fed with.
  run D "$exe" "${common[@]}" --batch "$batch" --threads 1
done

python3 "$repo/benchmarks/distributed/summary.py" "$out" "$rounds" "$train_size" "$batch" |
  tee "$out/summary.md"
