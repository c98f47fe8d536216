#!/usr/bin/env python3
"""summary.py — the Markdown summary of benchmarks/distributed/run.sh: medians of the four
configurations' metrics JSON (epoch time, throughput, CPU time, the allreduce's bytes, seconds
and overlap from DdpStats), then the scaling model of benchmarks/README.md ("Distributed") fed
with them. Reads files only; measures nothing itself.

Usage: summary.py OUT_DIR ROUNDS TRAIN_SIZE GLOBAL_BATCH
"""
import json
import statistics
import sys
from pathlib import Path

out, rounds, n, g = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
names = {
    "A": "1 process x 2 threads",
    "B": "2 processes x 1 thread (1 MiB buckets)",
    "C": "2 processes x 1 thread (16 KiB buckets)",
    "D": "1 process x 1 thread",
}


def runs(name):
    for r in range(1, rounds + 1):
        metrics = json.loads((out / f"{name}-{r}.json").read_text())
        wall, user, sys_ = (float(x) for x in (out / f"{name}-{r}.time").read_text().split()[-3:])
        yield metrics, user + sys_


def median(values):
    return statistics.median(list(values))


rows = {}
for name in names:
    data = list(runs(name))
    row = {
        "train_s": median(m["epochs"][0]["train_seconds"] for m, _ in data),
        "acc": median(m["epochs"][0]["test_accuracy"] for m, _ in data),
        "cpu_s": median(c for _, c in data),
    }
    if "distributed" in data[0][0]:
        d = [m["distributed"] for m, _ in data]
        row["steps"] = d[0]["steps"]
        row["buckets"] = d[0]["buckets_per_step"]
        row["bytes_step"] = d[0]["bytes_per_step"]
        row["comm_step"] = median(x["comm_seconds_per_step"] for x in d)
        row["overlap_step"] = median(x["overlapped_seconds"] / max(x["steps"], 1) for x in d)
        row["comm_s"] = median(x["comm_seconds"] for x in d)
    rows[name] = row

print(f"## Distributed MNIST (LeNet, {n} training images, global batch {g}; medians of {rounds} "
      "interleaved rounds)\n")
print("| configuration | epoch (training) s | images/s | CPU s (all processes) | test acc |")
print("|---|---|---|---|---|")
for name, title in names.items():
    r = rows[name]
    print(f"| {name}: {title} | {r['train_s']:.2f} | {n / r['train_s']:.0f} | {r['cpu_s']:.1f} "
          f"| {100 * r['acc']:.1f}% |")
print("\n| configuration | buckets/step | bytes allreduced/step | wait for allreduce per step | "
      "allreduce time hidden in backward per step | waiting share of the epoch |")
print("|---|---|---|---|---|---|")
for name in ("B", "C"):
    r = rows[name]
    print(f"| {name} | {r['buckets']} | {r['bytes_step']:.0f} B | {1e3 * r['comm_step']:.3f} ms | "
          f"{1e3 * r['overlap_step']:.3f} ms | {100 * r['comm_s'] / r['train_s']:.0f}% |")

# ---- the scaling model ----------------------------------------------------------------------
# T(R) = S * (b * t_ex + t_ar(R)), S = N / G steps, b = G / R examples per rank and step,
# t_ar(R) = 2 (R - 1) alpha + 2 (R - 1) / R * M / beta (ring allreduce of M bytes), no overlap;
# with perfect overlap T(R) = S * max(b * t_ex, t_ar(R)) is the floor.
t_ex = rows["D"]["train_s"] / n          # one thread, per example, per-step costs included
M = rows["B"]["bytes_step"]
networks = [
    ("this machine, shared memory (measured wait per step)", None, None),
    ("10 GbE (alpha 20 us, beta 1.25 GB/s)", 20e-6, 1.25e9),
    ("1 GbE (alpha 50 us, beta 125 MB/s)", 50e-6, 125e6),
    ("internet (alpha 30 ms, beta 12.5 MB/s)", 30e-3, 12.5e6),
]


def t_ar(R, alpha, beta):
    if R == 1:
        return 0.0
    if alpha is None:
        return rows["B"]["comm_step"]  # measured at R = 2 only; held constant
    return 2 * (R - 1) * alpha + 2 * (R - 1) / R * M / beta


print(f"\nModel inputs: t_ex = {1e3 * t_ex:.3f} ms per example (D), M = {M:.0f} B per step (B).\n")
for title, per_rank in (("strong scaling: global batch %d fixed" % g, None),
                        ("weak scaling: %d examples per rank, global batch %d x R" % (g // 2, g // 2),
                         g // 2)):
    print(f"Predicted epoch time in s ({title}; no overlap / perfect overlap):\n")
    Rs = (1, 2, 4, 8, 16, 64)
    print("| network | " + " | ".join(f"R = {R}" for R in Rs) + " |")
    print("|---|" + "---|" * len(Rs))
    for name, alpha, beta in networks:
        cells = []
        for R in Rs:
            b = per_rank if per_rank else g / R
            steps = n / (b * R)
            compute, comm = b * t_ex, t_ar(R, alpha, beta)
            cells.append(f"{steps * (compute + comm):.1f} / {steps * max(compute, comm):.1f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
