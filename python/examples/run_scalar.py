"""MiniTorch's scalar 2-D trainer (project/run_scalar.py, Module 1) on the public
`minitorch` API: an MLP of Scalars (one graph node per multiply), per-sample
losses, one SGD step per epoch. Not a library module.

    PYTHONPATH=build/python python3 python/examples/run_scalar.py --DATASET xor --HIDDEN 10
"""

import argparse
import random
import time

import minitorch


class Linear(minitorch.Module):
    def __init__(self, in_size, out_size):
        super().__init__()
        self.weights = [[self.add_parameter(f"weight_{i}_{j}",
                                            minitorch.Scalar(2 * (random.random() - 0.5)))
                         for j in range(out_size)] for i in range(in_size)]
        self.bias = [self.add_parameter(f"bias_{j}", minitorch.Scalar(2 * (random.random() - 0.5)))
                     for j in range(out_size)]

    def forward(self, inputs):
        out = []
        for j, b in enumerate(self.bias):
            y = b.value
            for i, x in enumerate(inputs):
                y = y + x * self.weights[i][j].value
            out.append(y)
        return out


class Network(minitorch.Module):
    def __init__(self, hidden):
        super().__init__()
        self.layer1 = Linear(2, hidden)
        self.layer2 = Linear(hidden, hidden)
        self.layer3 = Linear(hidden, 1)

    def forward(self, x):
        h = [v.relu() for v in self.layer1.forward(x)]
        h = [v.relu() for v in self.layer2.forward(h)]
        return self.layer3.forward(h)[0].sigmoid()


def train(data, hidden, rate, epochs, log=print):
    model = Network(hidden)
    optim = minitorch.SGD(model.parameters(), rate)
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, correct = 0.0, 0
        optim.zero_grad()
        for (x1, x2), y in zip(data.X, data.y):
            out = model.forward((minitorch.Scalar(x1), minitorch.Scalar(x2)))
            prob = out if y == 1 else -out + 1.0
            correct += 1 if (out.data > 0.5) == (y == 1) else 0
            loss = -prob.log()
            (loss / data.N).backward()
            total_loss += loss.data
        optim.step()
        seconds = time.perf_counter() - start
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
    parser.add_argument("--EPOCHS", type=int, default=500)
    parser.add_argument("--SEED", type=int, default=None)
    args = parser.parse_args(argv)
    if args.SEED is not None:
        random.seed(args.SEED)
    data = minitorch.datasets[args.DATASET.capitalize()](args.PTS)
    history = train(data, args.HIDDEN, args.RATE, args.EPOCHS)
    loss, correct, _ = history[-1]
    print(f"Final: correct {correct}/{data.N}, loss {loss:.4f}, "
          f"mean {1000 * sum(h[2] for h in history) / len(history):.2f} ms/epoch")
    return history


if __name__ == "__main__":
    main()
