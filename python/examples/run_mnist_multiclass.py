"""MiniTorch's MNIST multiclass CNN (project/run_mnist_multiclass.py, Module 4) on
the public `minitorch` API: Conv2d(1->4, 3x3) relu -> Conv2d(4->8, 3x3) relu ->
avgpool2d(4, 4) -> Linear(392, 64) relu -> dropout(0.25) -> Linear(64, 10) ->
logsoftmax, SGD on batches of 16. Not a library module.

    bash scripts/fetch-data.sh mnist      # once: IDX files into $MINITORCH_DATA/mnist
    PYTHONPATH=build/python python3 python/examples/run_mnist_multiclass.py --BACKEND parallel

The data is MiniTorch's: the first 5000 training images, validation images
10000..10499, pixels 0..255 unscaled, one-hot labels. Every 5 batches it prints
the loss since the last report and the accuracy on the first 16 validation images.
"""

import argparse
import gzip
import os
import pathlib
import random
import struct
import time

import numpy as np

import minitorch

BATCH = 16
C = 10
H, W = 28, 28


def data_dir():
    if os.environ.get("MINITORCH_DATA"):
        return pathlib.Path(os.environ["MINITORCH_DATA"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "minitorch"


def read_idx(path):
    """An IDX file (optionally .gz) as a uint8 NumPy array of its shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    dims = raw[3]
    header = 4 + 4 * dims
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes, {dims} dims)")
    shape = struct.unpack(">" + "I" * dims, raw[4:header])
    count = int(np.prod(shape))
    if len(raw) - header < count:
        raise ValueError(f"{path}: holds {len(raw) - header} data bytes, its shape {shape} "
                         f"needs {count}")
    return np.frombuffer(raw, dtype=np.uint8, count=count, offset=header).reshape(shape)


def load_mnist(folder):
    folder = pathlib.Path(folder)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        if not (folder / stem).exists() and not (folder / (stem + ".gz")).exists():
            raise FileNotFoundError(f"{folder / stem}: missing; run scripts/fetch-data.sh mnist "
                                    "(or pass --DATA)")

    def pick(stem):
        plain = folder / stem
        return plain if plain.exists() else folder / (stem + ".gz")

    return read_idx(pick("train-images-idx3-ubyte")), read_idx(pick("train-labels-idx1-ubyte"))


def RParam(backend, *shape):
    return minitorch.Parameter(0.1 * (minitorch.rand(shape, backend=backend) - 0.5))


class Linear(minitorch.Module):
    def __init__(self, in_size, out_size, backend):
        super().__init__()
        self.weights = RParam(backend, in_size, out_size)
        self.bias = RParam(backend, out_size)

    def forward(self, x):
        return x @ self.weights.value + self.bias.value


class Conv2d(minitorch.Module):
    def __init__(self, in_channels, out_channels, kh, kw, backend):
        super().__init__()
        self.weights = RParam(backend, out_channels, in_channels, kh, kw)
        self.bias = RParam(backend, out_channels, 1, 1)

    def forward(self, x):
        return minitorch.conv2d(x, self.weights.value) + self.bias.value


class Network(minitorch.Module):
    def __init__(self, backend):
        super().__init__()
        self.conv1 = Conv2d(1, 4, 3, 3, backend)
        self.conv2 = Conv2d(4, 8, 3, 3, backend)
        self.linear1 = Linear(392, 64, backend)
        self.linear2 = Linear(64, C, backend)

    def forward(self, x):
        batch = x.shape[0]
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        h = minitorch.avgpool2d(h, (4, 4)).view(batch, 392)
        h = self.linear1(h).relu()
        h = minitorch.dropout(h, 0.25, ignore=not self.training)
        return minitorch.logsoftmax(self.linear2(h), dim=1)


def one_hot(labels):
    out = np.zeros((len(labels), C))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def train(images, labels, backend, epochs, lr=0.01, n_train=5000, val_start=10000,
          max_batches=None, log=print):
    model = Network(backend)
    optim = minitorch.SGD(model.parameters(), lr)
    X = images[:n_train].astype(np.float64).reshape(-1, 1, H, W)
    y = one_hot(labels[:n_train])
    X_val = minitorch.from_numpy(
        images[val_start:val_start + BATCH].astype(np.float64).reshape(-1, 1, H, W), backend=backend)
    y_val = labels[val_start:val_start + BATCH]
    history = []
    for epoch in range(1, epochs + 1):
        total_loss, seen = 0.0, 0
        start = time.perf_counter()
        model.train()
        for b, first in enumerate(range(0, n_train, BATCH)):
            if n_train - first <= BATCH or (max_batches is not None and b >= max_batches):
                break
            xb = minitorch.from_numpy(X[first:first + BATCH], backend=backend)
            yb = minitorch.from_numpy(y[first:first + BATCH], backend=backend)
            out = model(xb)
            loss = -(out * yb).sum() / BATCH
            loss.view(1).backward()
            optim.step()
            total_loss += loss.item()
            seen += 1
            if b % 5 == 0:
                model.eval()
                predicted = model(X_val).to_numpy().argmax(axis=1)
                correct = int((predicted == y_val).sum())
                model.train()
                log(f"Epoch {epoch} batch {b} loss {total_loss:.4f} valid acc {correct}/{BATCH}")
                history.append((epoch, b, total_loss, correct))
                total_loss = 0.0
        log(f"Epoch {epoch}: {seen} batches in {time.perf_counter() - start:.2f} s")
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--BACKEND", default="parallel", help="a plugin name")
    parser.add_argument("--EPOCHS", type=int, default=1, help="epochs (MiniTorch: 500)")
    parser.add_argument("--BATCHES", type=int, default=None, help="stop each epoch after this many")
    parser.add_argument("--DATA", default=None, help="folder of the MNIST IDX files")
    parser.add_argument("--SEED", type=int, default=None)
    args = parser.parse_args(argv)
    if args.SEED is not None:
        random.seed(args.SEED)
        minitorch.manual_seed(args.SEED)
    images, labels = load_mnist(args.DATA or data_dir() / "mnist")
    backend = minitorch.backend(args.BACKEND)
    print(f"backend {backend.name}: {min(len(images), 5000)} training images, batch {BATCH}")
    return train(images, labels, backend, args.EPOCHS, max_batches=args.BATCHES)


if __name__ == "__main__":
    main()
