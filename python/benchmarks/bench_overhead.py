"""Python-side overhead of the minitorch front end against PyTorch eager
(Debian's python3-torch, used only here): the cost of one small tensor op from
Python, and one epoch of the fast-tensor 2-D trainer against the same loop in
PyTorch. A measurement, not a test: it asserts nothing.

    PYTHONPATH=build/python python3 python/benchmarks/bench_overhead.py [--repeat 5]
"""

import argparse
import random
import statistics
import sys
import time
import timeit

import minitorch

try:
    import torch
except ImportError:  # the comparison needs python3-torch
    torch = None


def per_call_us(fn, number):
    # Best of 5 runs of `number` calls: the steady-state cost of one call.
    runs = timeit.repeat(fn, number=number, repeat=5)
    return min(runs) / number * 1e6


def small_ops(backend_name, number):
    b = minitorch.backend(backend_name)
    minitorch.manual_seed(0)
    x, y = minitorch.rand((10,), backend=b), minitorch.rand((10,), backend=b)
    m = minitorch.rand((8, 8), backend=b)
    g = minitorch.rand((10,), backend=b, requires_grad=True)
    cases = {
        "x + y": lambda: x + y,
        "x * 2.0": lambda: x * 2.0,
        "x.relu()": lambda: x.relu(),
        "x.sum()": lambda: x.sum(),
        "m @ m (8x8)": lambda: m @ m,
        "(g * g).sum().backward()": lambda: (g * g).sum().backward(),
    }
    return {name: per_call_us(fn, number) for name, fn in cases.items()}


def torch_small_ops(number):
    torch.manual_seed(0)
    x, y = torch.rand(10, dtype=torch.float64), torch.rand(10, dtype=torch.float64)
    m = torch.rand(8, 8, dtype=torch.float64)
    g = torch.rand(10, dtype=torch.float64, requires_grad=True)
    cases = {
        "x + y": lambda: x + y,
        "x * 2.0": lambda: x * 2.0,
        "x.relu()": lambda: x.relu(),
        "x.sum()": lambda: x.sum(),
        "m @ m (8x8)": lambda: m @ m,
        "(g * g).sum().backward()": lambda: (g * g).sum().backward(),
    }
    return {name: per_call_us(fn, number) for name, fn in cases.items()}


# ---- one epoch of the fast-tensor trainer (PTS 50, HIDDEN h, batch 10, SGD) -----------


def minitorch_epoch_ms(backend_name, hidden, data, epochs):
    sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/examples")
    import run_fast_tensor

    b = minitorch.backend(backend_name)
    minitorch.manual_seed(1)
    history = run_fast_tensor.FastTrain(hidden, b).train(data, 0.05, max_epochs=epochs,
                                                          log_fn=lambda *a: None)
    return statistics.median(h[2] for h in history[1:]) * 1000, history[-1][1]


def torch_epoch_ms(hidden, data, epochs):
    torch.manual_seed(1)

    def param(*shape, bias=False):
        t = torch.zeros(shape, dtype=torch.float64) + 0.1 if bias else \
            torch.rand(shape, dtype=torch.float64) - 0.5
        return t.requires_grad_(True)

    params = [param(2, hidden), param(hidden, bias=True), param(hidden, hidden),
              param(hidden, bias=True), param(hidden, 1), param(1, bias=True)]

    def forward(x):
        h = (x @ params[0] + params[1]).relu()
        h = (h @ params[2] + params[3]).relu()
        return (h @ params[4] + params[5]).sigmoid()

    X_all = torch.tensor(data.X, dtype=torch.float64)
    y_all = torch.tensor(data.y, dtype=torch.float64)
    times, correct = [], 0
    for _ in range(epochs):
        start = time.perf_counter()
        order = list(range(data.N))
        random.shuffle(order)
        X_shuf = [data.X[i] for i in order]
        y_shuf = [data.y[i] for i in order]
        for b in range(0, data.N, 10):
            X = torch.tensor(X_shuf[b:b + 10], dtype=torch.float64)
            y = torch.tensor(y_shuf[b:b + 10], dtype=torch.float64)
            out = forward(X).view(y.shape[0])
            prob = (out * y) + (out - 1.0) * (y - 1.0)
            loss = -prob.log()
            for p in params:
                p.grad = None
            (loss / y.shape[0]).sum().view(1).backward()
            with torch.no_grad():
                for p in params:
                    p -= 0.05 * p.grad
        times.append(time.perf_counter() - start)
        with torch.no_grad():
            correct = int(((forward(X_all).view(data.N) > 0.5) == y_all).sum().item())
    return statistics.median(times[1:]) * 1000, correct


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--number", type=int, default=20000, help="calls per timing run")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()

    usable = [r["name"] for r in minitorch.backends() if r["outcome"] == "loaded"]
    backends = [n for n in ("reference", "parallel") if n in usable]
    if torch is not None:
        torch.set_num_threads(args.threads)
        reference = torch_small_ops(args.number)
        print(f"PyTorch {torch.__version__} eager, float64, {args.threads} thread(s)")
    else:
        reference = None
        print("python3-torch is not installed: minitorch figures only")

    print("\none small op from Python (µs per call, best of 5; ratio = minitorch / torch)")
    header = f"{'op':28s}" + "".join(f"{n:>20s}" for n in backends)
    print(header + (f"{'torch':>10s}" if reference else ""))
    results = {n: small_ops(n, args.number) for n in backends}
    for op in results[backends[0]]:
        row = f"{op:28s}"
        for n in backends:
            value = results[n][op]
            ratio = f" ({value / reference[op]:.2f}x)" if reference else ""
            row += f"{value:>12.2f}{ratio:>8s}"
        if reference:
            row += f"{reference[op]:>10.2f}"
        print(row)

    for hidden in (10, 100):
        random.seed(1)
        data = minitorch.datasets["Split"](50)
        print(f"\nfast-tensor trainer, split, 50 points, hidden {hidden}, batch 10: "
              f"median ms per epoch over {args.epochs} epochs (final correct)")
        torch_ms = None
        if torch is not None:
            random.seed(2)
            torch_ms, torch_correct = torch_epoch_ms(hidden, data, args.epochs)
            print(f"  {'torch':10s} {torch_ms:8.3f} ms  ({torch_correct}/50)")
        for n in backends:
            random.seed(2)
            ms, correct = minitorch_epoch_ms(n, hidden, data, args.epochs)
            ratio = f"  {ms / torch_ms:.2f}x torch" if torch_ms else ""
            print(f"  {n:10s} {ms:8.3f} ms  ({correct}/50){ratio}")


if __name__ == "__main__":
    main()
