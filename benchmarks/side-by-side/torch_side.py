#!/usr/bin/env python3
# torch_side.py — the side-by-side workloads written for PyTorch (one process
# per call), plus the IMDB data preparation both competitors share. A timing
# harness, not a test suite: it checks each kernel shape against NumPy once,
# then prints one `RESULT {json}` line per figure for run.sh to collect.
#
#   torch_side.py run WORKLOAD[,WORKLOAD...] --threads N [--quick | --calibrate] [--check]
#                     [--data-root DIR] [--imdb DIR]
#   torch_side.py prep-imdb --data-root DIR --out DIR       (tokens + vectors from ours' cache)
#
# Workloads: mnist_sgd, mnist_adam, imdb_kim, split_mlp, mlp_b1000, kernels. Sizes: full, or
# --quick (smoke runs), or --calibrate (the smallest, to pick a thread count).
import argparse
import json
import os
import statistics
import struct
import sys
import time

KERNEL_CONVS = [
    # name, dims, batch, cin, cout, k, h, w  (benchmarks/conv.cpp's shapes)
    ("B16_1to4_3x3_28x28", 2, 16, 1, 4, 3, 28, 28),
    ("B16_4to8_3x3_14x14", 2, 16, 4, 8, 3, 14, 14),
    ("B32_64to64_3x3_56x56", 2, 32, 64, 64, 3, 56, 56),
    ("B10_50to100_k3_W52", 1, 10, 50, 100, 3, 1, 52),
    ("B32_100to100_k5_W200", 1, 32, 100, 100, 5, 1, 200),
]
GEMM_SIDES = [64, 96, 128]
MAP_SIDE = 1024  # (1024, 1024) = 1M elements, as the lab's map/*/1M and reduce/*/1M
TINY_SIZE = 4    # the tiny op's operands: (4,) f32


def emit(impl, workload, value, unit, threads, **extra):
    record = {"impl": impl, "workload": workload, "value": value, "unit": unit,
              "setting": f"threads={threads}"}
    record.update(extra)
    print("RESULT " + json.dumps(record), flush=True)


def fail(message):
    print(f"torch_side.py: {message}", file=sys.stderr)
    sys.exit(1)


# ---- data ---------------------------------------------------------------------------

def read_idx(path, magic):
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or struct.unpack(">I", data[:4])[0] != magic:
        fail(f"{path}: not an IDX file with magic {magic:#x}")
    count = struct.unpack(">I", data[4:8])[0]
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, 1, rows, cols)
    return np.frombuffer(data, np.uint8, count, 8)


def load_mnist(root, train_size, test_size):
    import numpy as np
    d = os.path.join(root, "mnist")
    xs = read_idx(os.path.join(d, "train-images-idx3-ubyte"), 0x803)[:train_size]
    ys = read_idx(os.path.join(d, "train-labels-idx1-ubyte"), 0x801)[:train_size]
    xt = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"), 0x803)[:test_size]
    yt = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte"), 0x801)[:test_size]
    # Pixels as ours reads them: byte / 255 in float32.
    to_f = lambda a: (a.astype(np.float32) / np.float32(255.0))
    return to_f(xs), ys.astype(np.int64), to_f(xt), yt.astype(np.int64)


def tokenize(text):
    """apps/lib/src/datasets/text.cpp's tokenize(), line for line."""
    tokens, current = [], []

    def flush():
        word = "".join(current).strip("'")
        if word:
            tokens.append(word)
        current.clear()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            close = text.find(">", i + 1)
            if close != -1:
                flush()
                i = close + 1
                continue
        if "A" <= c <= "Z":
            current.append(chr(ord(c) + 32))
        elif ("a" <= c <= "z") or c == "'":
            current.append(c)
        else:
            flush()
        i += 1
    flush()
    return tokens


def read_embedding_cache(path):
    """ours' pruned cache (text.cpp save_embedding_cache): magic, u32 version, u32 dim,
    u64 count, key text, words (u32 length + bytes), float32 vectors, CRC-32."""
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"MTEMBED1":
        fail(f"{path}: not an MTEMBED1 embedding cache")
    _version, dim, count = struct.unpack_from("<IIQ", data, 8)
    pos = 24
    (klen,) = struct.unpack_from("<I", data, pos)
    pos += 4 + klen
    words = []
    for _ in range(count):
        (wlen,) = struct.unpack_from("<I", data, pos)
        words.append(data[pos + 4:pos + 4 + wlen].decode("utf-8", "replace"))
        pos += 4 + wlen
    vectors = np.frombuffer(data, np.float32, count * dim, pos).reshape(count, dim)
    return words, vectors


def prep_imdb(data_root, out, max_length=200):
    """Token rows and the vector table of the reviews, as ours encodes them (ids 0 pad,
    1 unknown, 2 + r row r). The order is the corpus's: timing does not depend on the split."""
    import numpy as np
    cache = os.path.join(data_root, "imdb", "glove-100d-pruned.bin")
    reviews = os.path.join(data_root, "imdb", "reviews.json")
    for p in (cache, reviews):
        if not os.path.isfile(p):
            fail(f"prep-imdb: {p} is missing (run ours on imdb once first: it builds the cache)")
    words, vectors = read_embedding_cache(cache)
    index = {w: i for i, w in enumerate(words)}
    with open(reviews, encoding="utf-8", errors="replace") as f:
        corpus = json.load(f)
    tokens = np.zeros((len(corpus), max_length), np.int32)
    labels = np.zeros(len(corpus), np.float32)
    for r, entry in enumerate(corpus):
        labels[r] = entry["s"]
        for t, tok in enumerate(tokenize(entry["t"])[:max_length]):
            row = index.get(tok)
            if row is None and "'" in tok:
                row = index.get(tok.replace("'", ""))
            tokens[r, t] = 1 if row is None else 2 + row
    # MiniTorch's shared unknown vector: 0.1 * (rand - 0.5) (ours draws it from its own
    # generator; any vector of that scale times the same).
    rng = np.random.default_rng(0x5EED)
    table = np.concatenate([np.zeros((1, vectors.shape[1]), np.float32),
                            (0.1 * (rng.random((1, vectors.shape[1])) - 0.5)).astype(np.float32),
                            vectors]).astype(np.float32)
    write_imdb_arrays(out, tokens, labels, table)


def write_imdb_arrays(out, tokens, labels, table):
    os.makedirs(out, exist_ok=True)
    tokens.astype("<i4").tofile(os.path.join(out, "tokens.i32"))
    labels.astype("<f4").tofile(os.path.join(out, "labels.f32"))
    table.astype("<f4").tofile(os.path.join(out, "table.f32"))
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"reviews": int(tokens.shape[0]), "length": int(tokens.shape[1]),
                   "rows": int(table.shape[0]), "dim": int(table.shape[1])}, f)


def load_imdb_arrays(folder):
    import numpy as np
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    tokens = np.fromfile(os.path.join(folder, "tokens.i32"), "<i4").reshape(
        meta["reviews"], meta["length"])
    labels = np.fromfile(os.path.join(folder, "labels.f32"), "<f4")
    table = np.fromfile(os.path.join(folder, "table.f32"), "<f4").reshape(meta["rows"], meta["dim"])
    return tokens, labels, table


def split_points(n, seed):
    """MiniTorch's split dataset: x uniform in [0, 1)^2, y = 1 when x0 < 0.2 or x0 > 0.8."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2)).astype(np.float32)
    y = ((x[:, 0] < 0.2) | (x[:, 0] > 0.8)).astype(np.float32)
    return x, y


# ---- models (the recipes' networks, torch's default init = ours: U(±1/sqrt(fan_in))) --

def lenet(torch):
    nn = torch.nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            # MiniTorch's same-size conv (zero padding past the far edge) does the same
            # multiply-adds as torch's padding=1; only the window's anchor differs.
            self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
            self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
            self.linear1 = nn.Linear(392, 64)
            self.dropout = nn.Dropout(0.25)
            self.linear2 = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
            x = torch.nn.functional.avg_pool2d(x, 4).reshape(x.shape[0], 392)
            x = self.dropout(torch.relu(self.linear1(x)))
            return torch.log_softmax(self.linear2(x), 1)
    return LeNet()


def kim_cnn(torch, dim=100, filters=100, widths=(3, 4, 5)):
    nn = torch.nn

    class KimCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv1d(dim, filters, k, padding="same") for k in widths)
            self.dropout = nn.Dropout(0.5)
            self.linear = nn.Linear(filters * len(widths), 1)

        def forward(self, x):
            pooled = [torch.relu(conv(x)).amax(2) for conv in self.convs]
            return self.linear(self.dropout(torch.cat(pooled, 1))).reshape(x.shape[0])
    return KimCnn()


def mlp(torch, hidden):
    nn = torch.nn
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 1))


def optimizer(torch, params, name, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    return torch.optim.Adam(params, lr=lr)


# ---- workloads ---------------------------------------------------------------------

def run_mnist(torch, name, threads, size, root):
    import numpy as np
    opt_name = name.split("_")[1]
    train_size, test_size = {"full": (60000, 10000), "quick": (2000, 1000),
                             "calibrate": (480, 256)}[size]
    xs, ys, xt, yt = load_mnist(root, train_size, test_size)
    xs, ys, xt, yt = map(torch.from_numpy, (np.ascontiguousarray(xs), ys,
                                            np.ascontiguousarray(xt), yt))
    torch.manual_seed(42)
    model = lenet(torch)
    # The recipe's rates: sgd 0.01 with momentum 0.9, adam 0.001 (hyperparams.hpp).
    opt = optimizer(torch, model.parameters(), opt_name, 0.01 if opt_name == "sgd" else 0.001)
    batch = 16
    order = torch.randperm(train_size, generator=torch.Generator().manual_seed(42))
    model.train()
    start = time.perf_counter()
    hits = 0
    for b in range(0, train_size, batch):
        idx = order[b:b + batch]
        x, y = xs[idx], ys[idx]
        opt.zero_grad()
        out = model(x)
        loss = torch.nn.functional.nll_loss(out, y)
        loss.backward()
        opt.step()
        loss.item()
        hits += int((out.argmax(1) == y).sum())
    seconds = time.perf_counter() - start
    model.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, test_size, 256):
            correct += int((model(xt[b:b + 256]).argmax(1) == yt[b:b + 256]).sum())
    emit("torch", name, 1e3 * seconds / (train_size / batch), "ms/step", threads,
         items_per_second=train_size / seconds, train_accuracy=hits / train_size,
         test_accuracy=correct / test_size)


def run_imdb(torch, threads, size, imdb):
    tokens, labels, table = load_imdb_arrays(imdb)
    batches, batch = {"full": 200, "quick": 20, "calibrate": 5}[size], 32
    if tokens.shape[0] < batches * batch:
        fail(f"imdb_kim: {imdb} holds {tokens.shape[0]} reviews, fewer than {batches * batch}")
    tokens = torch.from_numpy(tokens.astype("int64"))
    labels, table = torch.from_numpy(labels), torch.from_numpy(table)
    torch.manual_seed(42)
    model = kim_cnn(torch, table.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    order = torch.randperm(batches * batch, generator=torch.Generator().manual_seed(42))
    model.train()
    start = time.perf_counter()
    for b in range(batches):
        idx = order[b * batch:(b + 1) * batch]
        # The frozen GloVe lookup, channels first: (B, dim, L), as ours embeds per batch.
        x = table[tokens[idx]].permute(0, 2, 1).contiguous()
        y = labels[idx]
        opt.zero_grad()
        z = model(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
        loss.backward()
        opt.step()
        loss.item()
        int(((z > 0) == (y > 0.5)).sum())
    seconds = time.perf_counter() - start
    emit("torch", "imdb_kim", 1e3 * seconds / batches, "ms/batch", threads)


def run_mlp(torch, name, threads, size):
    points, batch = (50, 10) if name == "split_mlp" else (1000, 1000)
    epochs = {"full": 100, "quick": 20, "calibrate": 10}[size]
    x, y = split_points(points, 42)
    x, y = torch.from_numpy(x), torch.from_numpy(y).reshape(points, 1)
    torch.manual_seed(42)
    model = mlp(torch, 100)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(42)
    times = []
    for _ in range(epochs):
        order = torch.randperm(points, generator=gen)
        start = time.perf_counter()
        for b in range(0, points, batch):
            idx = order[b:b + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            z = model(xb)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yb)
            loss.backward()
            opt.step()
            loss.item()
            z.detach().numpy()  # ours reads the logits back to count hits
        times.append(time.perf_counter() - start)
    emit("torch", name, 1e3 * statistics.median(times), "ms/epoch", threads)


def time_call(fn, min_time):
    """One untimed call, then calls until min_time seconds have passed; mean seconds per call."""
    fn()
    iters, start = 0, time.perf_counter()
    while True:
        fn()
        iters += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / iters


def conv_ref(np, x, w, g, anchor):
    """NumPy (f64, BLAS through tensordot) conv with zero padding and the output at the
    input's size, tap 0 at offset -anchor; returns the output and, for an output gradient g,
    the input and weight gradients (the adjoint, computed tap by tap)."""
    k = w.shape[2:]
    pad = [(0, 0), (0, 0)] + [(anchor, kk - 1 - anchor) for kk in k]
    xp = np.pad(x.astype(np.float64), pad)
    w, g = w.astype(np.float64), g.astype(np.float64)
    out = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    gip = np.zeros_like(xp)
    gw = np.zeros_like(w)
    for taps in np.ndindex(*k):
        sl = (slice(None), slice(None)) + tuple(
            slice(t, t + s) for t, s in zip(taps, x.shape[2:]))
        wt = w[(slice(None), slice(None)) + taps]  # (cout, cin)
        out += np.moveaxis(np.tensordot(xp[sl], wt, axes=([1], [1])), -1, 1)
        gip[sl] += np.moveaxis(np.tensordot(g, wt, axes=([1], [0])), -1, 1)
        gw[(slice(None), slice(None)) + taps] = np.tensordot(
            g, xp[sl], axes=([0] + list(range(2, g.ndim)), [0] + list(range(2, g.ndim))))
    crop = (slice(None), slice(None)) + tuple(
        slice(anchor, anchor + s) for s in x.shape[2:])
    return out, gip[crop], gw


def close(np, got, want, tol, what):
    got = np.asarray(got, np.float64)
    err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1.0))
    if not err <= tol:
        fail(f"check failed: {what}: max |torch - numpy| / max(|numpy|, 1) = {err:.3g} > {tol}")


def run_kernels(torch, threads, size, check):
    import numpy as np
    min_time = 0.2 if size == "full" else 0.05
    rng = np.random.default_rng(7)
    aten = torch.ops.aten
    with torch.no_grad():
        for name, dims, b, cin, cout, k, h, w in KERNEL_CONVS:
            spatial = (w,) if dims == 1 else (h, w)
            xn = rng.uniform(-1, 1, (b, cin) + spatial).astype(np.float32)
            wn = rng.uniform(-1, 1, (cout, cin) + (k,) * dims).astype(np.float32)
            gn = rng.uniform(-1, 1, (b, cout) + spatial).astype(np.float32)
            x, wt, g = map(torch.from_numpy, (xn, wn, gn))
            conv = torch.nn.functional.conv1d if dims == 1 else torch.nn.functional.conv2d
            pad = [(k - 1) // 2] * dims
            ones, zeros = [1] * dims, [0] * dims
            fwd = lambda: conv(x, wt, padding=pad)
            bwd = lambda: aten.convolution_backward(g, x, wt, None, ones, pad, ones, False, zeros,
                                                    1, [True, True, False])
            if check:  # once per run: forward and both gradients against NumPy
                want, want_gi, want_gw = conv_ref(np, xn, wn, gn, (k - 1) // 2)
                gi, gw, _ = bwd()
                close(np, fwd(), want, 1e-4, f"conv{dims}d fwd {name}")
                close(np, gi, want_gi, 1e-4, f"conv{dims}d bwd input {name}")
                close(np, gw, want_gw, 1e-4, f"conv{dims}d bwd weight {name}")
            emit("torch", f"conv{dims}d/fwd/{name}", 1e3 * time_call(fwd, min_time), "ms", threads)
            emit("torch", f"conv{dims}d/bwd/{name}", 1e3 * time_call(bwd, min_time), "ms", threads)
        for n in GEMM_SIDES:
            an = rng.uniform(-1, 1, (n, n)).astype(np.float32)
            bn = rng.uniform(-1, 1, (n, n)).astype(np.float32)
            a, bb, c = torch.from_numpy(an), torch.from_numpy(bn), torch.empty(n, n)
            mm = lambda: torch.mm(a, bb, out=c)
            mm()
            if check:
                close(np, c, an.astype(np.float64) @ bn.astype(np.float64), 1e-4, f"sgemm {n}")
            emit("torch", f"matmul/f32/{n}", 1e3 * time_call(mm, min_time), "ms", threads)
        xn = rng.uniform(-3, 3, (MAP_SIDE, MAP_SIDE)).astype(np.float32)
        x, y, s = torch.from_numpy(xn), torch.empty(MAP_SIDE, MAP_SIDE), torch.empty(MAP_SIDE, 1)
        ops = {
            "map/exp/1M": (lambda: torch.exp(x, out=y), lambda: np.exp(xn.astype(np.float64)), y),
            "map/relu/1M": (lambda: torch.clamp_min(x, 0.0, out=y),
                            lambda: np.maximum(xn.astype(np.float64), 0), y),
            "reduce/sum_last/1M": (lambda: torch.sum(x, 1, keepdim=True, out=s),
                                   lambda: xn.astype(np.float64).sum(1, keepdims=True), s),
        }
        for name, (fn, ref, out) in ops.items():
            fn()
            if check:
                close(np, out, ref(), 1e-5 if name.startswith("map") else 1e-4, name)
            emit("torch", name, 1e3 * time_call(fn, min_time), "ms", threads)
    tiny(torch, threads, min_time)


def tiny(torch, threads, min_time):
    import numpy as np
    an = np.array([0.5, -1.0, 2.0, 3.0], np.float32)
    bn = np.array([1.5, 2.0, -0.25, 4.0], np.float32)
    a = torch.from_numpy(an.copy()).requires_grad_()
    b = torch.from_numpy(bn.copy()).requires_grad_()
    ca, cb = torch.from_numpy(an), torch.from_numpy(bn)
    fwd = lambda: ca * cb

    def fwd_bwd():
        (a * b).sum().backward()
    close(np, fwd(), an.astype(np.float64) * bn, 1e-6, "tiny fwd")
    fwd_bwd()
    close(np, a.grad, bn.astype(np.float64), 1e-6, "tiny bwd (d/da of sum(a*b) = b)")
    emit("torch", "tiny/fwd", 1e6 * time_call(fwd, min_time), "us", threads)
    emit("torch", "tiny/fwd_bwd", 1e6 * time_call(fwd_bwd, min_time), "us", threads)


def cmd_run(args):
    import torch
    size = "calibrate" if args.calibrate else "quick" if args.quick else "full"
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    for name in args.workloads.split(","):
        if name in ("mnist_sgd", "mnist_adam"):
            run_mnist(torch, name, args.threads, size, args.data_root)
        elif name == "imdb_kim":
            run_imdb(torch, args.threads, size, args.imdb)
        elif name in ("split_mlp", "mlp_b1000"):
            run_mlp(torch, name, args.threads, size)
        elif name == "kernels":
            run_kernels(torch, args.threads, size, args.check)
        else:
            fail(f"unknown workload '{name}'; allowed: mnist_sgd, mnist_adam, imdb_kim, "
                 "split_mlp, mlp_b1000, kernels")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("workloads")
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--quick", action="store_true", help="smoke-run sizes")
    r.add_argument("--calibrate", action="store_true", help="the smallest sizes")
    r.add_argument("--check", action="store_true", help="kernels: compare with NumPy first")
    r.add_argument("--data-root", default="")
    r.add_argument("--imdb", default="")
    pi = sub.add_parser("prep-imdb")
    pi.add_argument("--data-root", required=True)
    pi.add_argument("--out", required=True)
    args = p.parse_args()
    if args.cmd == "run":
        cmd_run(args)
    else:
        prep_imdb(args.data_root, args.out)


if __name__ == "__main__":
    main()
