#!/usr/bin/env bash
# ab_epoch.sh OLD_PYTHONPATH NEW_PYTHONPATH [pairs] — the fast-tensor trainer's
# median epoch (split, 50 points, batch 10, 100 epochs) for two builds of the
# package, interleaved old/new so machine load hits both alike. Prints one
# line per run; compare the medians. A measurement, not a test.
set -euo pipefail
old="$1" new="$2" pairs="${3:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run() {
  PYTHONPATH="$1" /usr/bin/python3 - "$here/examples" "$2" "$3" <<'PY'
import random, statistics, sys
sys.path.insert(0, sys.argv[1])
import minitorch, run_fast_tensor
random.seed(1)
data = minitorch.datasets["Split"](50)
random.seed(2)
minitorch.manual_seed(1)
b = minitorch.backend(sys.argv[2])
h = run_fast_tensor.FastTrain(int(sys.argv[3]), b).train(data, 0.05, max_epochs=100,
                                                         log_fn=lambda *a: None)
print(f"{statistics.median(x[2] for x in h[1:]) * 1000:.3f}")
PY
}
for backend in reference parallel; do
  for hidden in 10 100; do
    for _ in $(seq "$pairs"); do
      echo "$backend hidden $hidden old $(run "$old" "$backend" "$hidden") new $(run "$new" "$backend" "$hidden")"
    done
  done
done
