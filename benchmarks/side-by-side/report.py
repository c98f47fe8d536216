#!/usr/bin/env python3
# report.py — the side-by-side harness's bookkeeping: turns ours' outputs (minitorch-bench
# JSON, `minitorch train --metrics` files) into RESULT lines, and the collected lines into
# medians, ratios and a Markdown table. Needs only the standard library; measures nothing.
#
#   report.py bench BENCH.json                       RESULT lines of ours' kernel rows
#   report.py metrics WORKLOAD METRICS.json BATCH    RESULT line of one training run
#   report.py table RESULTS.jsonl OUT.json [--quick] [--meta JSON] [--workloads A,B]
#                                                    medians, ratios; exit 1 when one is missing
import json
import math
import statistics
import sys

# Every row of the table, in order: (workload, what one figure is, how MiniTorch gets it).
WORKLOADS = [
    ("mnist_sgd", "ms/step", "train"),
    ("mnist_adam", "ms/step", "train"),
    ("imdb_kim", "ms/batch", "train"),
    ("split_mlp", "ms/epoch", "train"),
    ("mlp_b1000", "ms/epoch", "train"),
    ("conv2d/fwd/B16_1to4_3x3_28x28", "ms", "lab"),
    ("conv2d/bwd/B16_1to4_3x3_28x28", "ms", "lab"),
    ("conv2d/fwd/B16_4to8_3x3_14x14", "ms", "lab"),
    ("conv2d/bwd/B16_4to8_3x3_14x14", "ms", "lab"),
    ("conv2d/fwd/B32_64to64_3x3_56x56", "ms", "lab"),
    ("conv2d/bwd/B32_64to64_3x3_56x56", "ms", "lab"),
    ("conv1d/fwd/B10_50to100_k3_W52", "ms", "lab"),
    ("conv1d/bwd/B10_50to100_k3_W52", "ms", "lab"),
    ("conv1d/fwd/B32_100to100_k5_W200", "ms", "lab"),
    ("conv1d/bwd/B32_100to100_k5_W200", "ms", "lab"),
    ("matmul/f32/64", "ms", "lab"),
    ("matmul/f32/96", "ms", "lab"),
    ("matmul/f32/128", "ms", "lab"),
    ("map/exp/1M", "ms", "lab"),
    ("map/relu/1M", "ms", "lab"),
    ("reduce/sum_last/1M", "ms", "lab"),
    ("tiny/fwd", "us", "tiny"),
    ("tiny/fwd_bwd", "us", "tiny"),
]
LAB_ROWS = [w for w, _, how in WORKLOADS if how == "lab"]
COMPETITORS = ["torch", "libtorch"]


def result(workload, value, unit, setting, **extra):
    record = {"impl": "ours", "workload": workload, "value": value, "unit": unit,
              "setting": setting}
    record.update(extra)
    print("RESULT " + json.dumps(record))


def cmd_bench(path):
    """ours' kernel rows from minitorch-bench's JSON (parallel plugin, one repetition)."""
    with open(path) as f:
        doc = json.load(f)
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    for b in doc.get("benchmarks", []):
        parts = b["name"].split("/")
        if len(parts) < 4 or parts[3] != "parallel" or b.get("run_type") == "aggregate":
            continue
        name = "/".join(parts[:3])
        if name not in LAB_ROWS:
            continue
        if b.get("error_occurred"):
            sys.exit(f"report.py: minitorch-bench row {b['name']} failed: {b.get('error_message')}")
        result(name, b["real_time"] * scale[b["time_unit"]], "ms", "parallel (lab slot call)")


def cmd_metrics(workload, path, batch):
    """One `minitorch train --metrics` file: per-step time of the one epoch (MNIST, IMDB) or
    the median epoch (the MLPs, as the lab's train/split row)."""
    with open(path) as f:
        doc = json.load(f)
    epochs = doc["epochs"]
    if not epochs:
        sys.exit(f"report.py: {path} holds no finished epoch for {workload}")
    setting = doc["backend"]
    if workload in ("split_mlp", "mlp_b1000"):
        result(workload, 1e3 * statistics.median(e["train_seconds"] for e in epochs), "ms/epoch",
               setting)
        return
    e = epochs[0]
    n = doc["config"]["train_size"] or round(e["items_per_second"] * e["train_seconds"])
    steps = math.ceil(n / batch)
    unit = "ms/batch" if workload == "imdb_kim" else "ms/step"
    extra = {"items_per_second": e["items_per_second"]}
    if workload.startswith("mnist"):
        extra["train_accuracy"] = e["train_accuracy"]
        extra["test_accuracy"] = e["test_accuracy"]
    result(workload, 1e3 * e["train_seconds"] / steps, unit, setting, **extra)


def fmt(v):
    if v is None:
        return "—"
    return f"{v:.4g}"


def cmd_table(path, out, quick, meta, groups):
    """groups: the run's workloads (run.sh's names; "kernels" stands for every lab and tiny
    row); a row outside them is left out of the table."""
    rows = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("calibration"):
                continue
            rows.setdefault((r["workload"], r["impl"], r["setting"]), []).append(r)
    table, missing = [], []
    for workload, unit, how in WORKLOADS:
        if (how == "train" and workload not in groups) or (how != "train" and
                                                           "kernels" not in groups):
            continue
        best = {}
        for impl in ["ours"] + COMPETITORS:
            candidates = [(statistics.median(x["value"] for x in rs), setting, rs)
                          for (w, i, setting), rs in rows.items() if w == workload and i == impl]
            if candidates:
                value, setting, rs = min(candidates, key=lambda c: c[0])
                entry = {"median": value, "setting": setting, "rounds": len(rs),
                         "values": [x["value"] for x in rs]}
                for key in ("test_accuracy", "train_accuracy", "items_per_second"):
                    if key in rs[0]:
                        entry[key] = statistics.median(x[key] for x in rs)
                best[impl] = entry
        for impl in COMPETITORS:
            if impl not in best:
                missing.append(f"{workload}: no {impl} result")
        if "ours" not in best and how != "lab":
            missing.append(f"{workload}: no result from ours")
        rival = min((c for c in COMPETITORS if c in best), key=lambda c: best[c]["median"],
                    default=None)
        ratio = None
        if rival and "ours" in best and best["ours"]["median"] > 0:
            ratio = best[rival]["median"] / best["ours"]["median"]
        table.append({"workload": workload, "unit": unit, "results": best,
                      "best_competitor": rival, "ratio": ratio})
    with open(out, "w") as f:
        json.dump({"schema": "minitorch.side-by-side/1", "quick": quick, "run": meta,
                   "rows": table}, f, indent=1)
    print("| workload | unit | ours | PyTorch (setting) | libtorch (setting) | "
          "ours vs best competitor |")
    print("|---|---|---|---|---|---|")
    for row in table:
        res = row["results"]

        def cell(impl):
            if impl not in res:
                return "—" if impl == "ours" else "**missing**"
            e = res[impl]
            text = fmt(e["median"])
            if impl != "ours":
                text += f" ({e['setting']})"
            if "test_accuracy" in e:
                text += f", acc {100 * e['test_accuracy']:.2f}%"
            return text
        if row["ratio"] is None:
            verdict = "n/a (not in this lab build)" if "ours" not in res else "—"
        else:
            name = {"torch": "PyTorch", "libtorch": "libtorch"}[row["best_competitor"]]
            verdict = f"{row['ratio']:.2f}x {name}"
        print(f"| {row['workload']} | {row['unit']} | {cell('ours')} | {cell('torch')} | "
              f"{cell('libtorch')} | {verdict} |")
    print()
    if meta:
        print("Run: " + "; ".join(f"{k} {v}" for k, v in meta.items()) + ".")
    print("Medians over the rounds; lower is better; the ratio is the best competitor's "
          "time / ours (> 1: ours is faster)." + (" QUICK MODE: smoke sizes, not figures."
                                                  if quick else ""))
    if missing:
        for m in missing:
            print(f"report.py: MISSING {m}", file=sys.stderr)
        sys.exit(1)


def main(argv):
    if len(argv) >= 2 and argv[1] == "bench" and len(argv) == 3:
        cmd_bench(argv[2])
    elif len(argv) >= 2 and argv[1] == "metrics" and len(argv) == 5:
        cmd_metrics(argv[2], argv[3], int(argv[4]))
    elif len(argv) >= 4 and argv[1] == "table":
        rest = argv[4:]
        meta = json.loads(rest[rest.index("--meta") + 1]) if "--meta" in rest else {}
        groups = rest[rest.index("--workloads") + 1].split(",") if "--workloads" in rest else \
            [w for w, _, how in WORKLOADS if how == "train"] + ["kernels"]
        cmd_table(argv[2], argv[3], "--quick" in rest, meta, groups)
    else:
        sys.exit("usage: report.py bench FILE | metrics WORKLOAD FILE BATCH "
                 "| table RESULTS.jsonl OUT.json [--quick]")


if __name__ == "__main__":
    main(sys.argv)
