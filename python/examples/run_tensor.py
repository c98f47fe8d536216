"""MiniTorch's tensor 2-D trainer (project/run_tensor.py, Module 2) on the public
`minitorch` API: the MLP with a broadcasting Linear (no matmul), full batch, SGD.
Not a library module.

    PYTHONPATH=build/python python3 python/examples/run_tensor.py --DATASET xor --HIDDEN 10
"""

import argparse
import random
import time

import minitorch


def RParam(backend, *shape):
    return minitorch.Parameter(2 * (minitorch.rand(shape, backend=backend) - 0.5))


class Linear(minitorch.Module):
    def __init__(self, in_size, out_size, backend):
        super().__init__()
        self.weights = RParam(backend, in_size, out_size)
        self.bias = RParam(backend, out_size)
        self.out_size = out_size

    def forward(self, x):
        batch, in_size = x.shape
        w = self.weights.value.view(1, in_size, self.out_size)
        product = (w * x.view(batch, in_size, 1)).sum(1).view(batch, self.out_size)
        return product + self.bias.value.view(self.out_size)


class Network(minitorch.Module):
    def __init__(self, hidden, backend):
        super().__init__()
        self.layer1 = Linear(2, hidden, backend)
        self.layer2 = Linear(hidden, hidden, backend)
        self.layer3 = Linear(hidden, 1, backend)

    def forward(self, x):
        h = self.layer1(x).relu()
        h = self.layer2(h).relu()
        return self.layer3(h).sigmoid()


def train(data, hidden, rate, epochs, backend, log=print):
    model = Network(hidden, backend)
    optim = minitorch.SGD(model.parameters(), rate)
    X = minitorch.tensor(data.X, backend=backend)
    y = minitorch.tensor(data.y, backend=backend)
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        optim.zero_grad()
        out = model.forward(X).view(data.N)
        prob = (out * y) + (out - 1.0) * (y - 1.0)
        loss = -prob.log()
        (loss / data.N).sum().view(1).backward()
        total_loss = loss.sum().item()
        optim.step()
        seconds = time.perf_counter() - start
        correct = int(((out.detach() > 0.5) == y).sum().item())
        history.append((total_loss, correct, seconds))
        if epoch % 10 == 0 or epoch == epochs:
            log(f"Epoch {epoch:4d}  loss {total_loss:10.4f}  correct {correct}/{data.N}  "
                f"time {seconds * 1000:8.2f} ms/epoch")
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--PTS", type=int, default=50)
    parser.add_argument("--HIDDEN", type=int, default=2)
    parser.add_argument("--RATE", type=float, default=0.5)
    parser.add_argument("--DATASET", default="simple")
    parser.add_argument("--BACKEND", default="reference", help="a plugin name")
    parser.add_argument("--EPOCHS", type=int, default=500)
    parser.add_argument("--SEED", type=int, default=None)
    args = parser.parse_args(argv)
    if args.SEED is not None:
        random.seed(args.SEED)
        minitorch.manual_seed(args.SEED)
    backend = minitorch.backend(args.BACKEND)
    data = minitorch.datasets[args.DATASET.capitalize()](args.PTS)
    history = train(data, args.HIDDEN, args.RATE, args.EPOCHS, backend)
    loss, correct, _ = history[-1]
    print(f"Final: correct {correct}/{data.N}, loss {loss:.4f}, "
          f"mean {1000 * sum(h[2] for h in history) / len(history):.2f} ms/epoch")
    return history


if __name__ == "__main__":
    main()
