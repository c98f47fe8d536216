"""MiniTorch's fast-tensor 2-D trainer (project/run_fast_tensor.py, Module 3) on
the public `minitorch` API: an MLP Linear(2,H) -> relu -> Linear(H,H) -> relu ->
Linear(H,1) -> sigmoid, trained with SGD on mini-batches. Not a library module.

    PYTHONPATH=build/python python3 python/examples/run_fast_tensor.py --BACKEND cpu \
        --HIDDEN 100 --DATASET split --RATE 0.05

--BACKEND cpu is TensorBackend(FastOps) ("parallel"), gpu is CudaOps, and any
other value names a plugin ("reference"). Unlike MiniTorch's script it prints
the time per epoch, as the guide asks, and its `simple` dataset works.
"""

import argparse
import random
import time

import minitorch


def RParam(backend, *shape):
    return minitorch.Parameter(minitorch.rand(shape, backend=backend) - 0.5)


class Linear(minitorch.Module):
    def __init__(self, in_size, out_size, backend):
        super().__init__()
        self.weights = RParam(backend, in_size, out_size)
        self.bias = minitorch.Parameter(minitorch.zeros((out_size,), backend=backend) + 0.1)
        self.out_size = out_size

    def forward(self, x):
        batch, in_size = x.shape
        return x.view(batch, in_size) @ self.weights.value + self.bias.value


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


def default_log_fn(epoch, total_loss, correct, total, seconds):
    print(f"Epoch {epoch:4d}  loss {total_loss:10.4f}  correct {correct}/{total}  "
          f"time {seconds * 1000:8.2f} ms/epoch")


class FastTrain:
    def __init__(self, hidden_layers, backend):
        self.hidden_layers = hidden_layers
        self.backend = backend
        self.model = Network(hidden_layers, backend)

    def run_one(self, x):
        return self.model.forward(minitorch.tensor([x], backend=self.backend))

    def train(self, data, learning_rate, max_epochs=500, batch=10, log_fn=default_log_fn):
        self.model = Network(self.hidden_layers, self.backend)
        optim = minitorch.SGD(self.model.parameters(), learning_rate)
        X_all = minitorch.tensor(data.X, backend=self.backend)
        y_all = minitorch.tensor(data.y, backend=self.backend)
        history = []
        for epoch in range(max_epochs):
            start = time.perf_counter()
            total_loss = 0.0
            order = list(range(data.N))
            random.shuffle(order)
            X_shuf = [data.X[i] for i in order]
            y_shuf = [data.y[i] for i in order]
            for b in range(0, data.N, batch):
                X = minitorch.tensor(X_shuf[b:b + batch], backend=self.backend)
                y = minitorch.tensor(y_shuf[b:b + batch], backend=self.backend)
                out = self.model.forward(X).view(y.shape[0])
                prob = (out * y) + (out - 1.0) * (y - 1.0)
                loss = -prob.log()
                optim.zero_grad()
                (loss / y.shape[0]).sum().view(1).backward()
                optim.step()
                total_loss = loss.sum().item()  # the last batch's, as MiniTorch prints
            seconds = time.perf_counter() - start
            out = self.model.forward(X_all).view(data.N)
            correct = int(((out.detach() > 0.5) == y_all).sum().item())
            history.append((total_loss, correct, seconds))
            if epoch % 10 == 0 or epoch == max_epochs - 1:
                log_fn(epoch, total_loss, correct, data.N, seconds)
        return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--PTS", type=int, default=50, help="number of points")
    parser.add_argument("--HIDDEN", type=int, default=10, help="number of hidden units")
    parser.add_argument("--RATE", type=float, default=0.05, help="learning rate")
    parser.add_argument("--BACKEND", default="cpu",
                        help="cpu (FastOps), gpu (CudaOps) or a plugin name")
    parser.add_argument("--DATASET", default="simple", help="simple, diag, split, xor, circle")
    parser.add_argument("--EPOCHS", type=int, default=500, help="epochs (500 in MiniTorch)")
    parser.add_argument("--SEED", type=int, default=None, help="seed for data and weights")
    parser.add_argument("--PLOT", default=False, help="unused, as in MiniTorch")
    args = parser.parse_args(argv)

    if args.SEED is not None:
        random.seed(args.SEED)
        minitorch.manual_seed(args.SEED)
    if args.BACKEND == "gpu":
        backend = minitorch.TensorBackend(minitorch.CudaOps)
    elif args.BACKEND == "cpu":
        backend = minitorch.TensorBackend(minitorch.FastOps)
    else:
        backend = minitorch.backend(args.BACKEND)
    data = minitorch.datasets[args.DATASET.capitalize()](args.PTS)
    print(f"backend {backend.name}, dataset {args.DATASET} ({data.N} points), "
          f"hidden {args.HIDDEN}, rate {args.RATE}")
    history = FastTrain(args.HIDDEN, backend).train(data, args.RATE, max_epochs=args.EPOCHS)
    loss, correct, _ = history[-1]
    mean_ms = 1000 * sum(h[2] for h in history) / len(history)
    print(f"Final: correct {correct}/{data.N}, last-batch loss {loss:.4f}, "
          f"mean {mean_ms:.2f} ms/epoch over {len(history)} epochs")
    return history


if __name__ == "__main__":
    main()
