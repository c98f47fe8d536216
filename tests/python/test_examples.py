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
