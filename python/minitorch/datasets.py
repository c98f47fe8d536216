"""MiniTorch's six 2-D toy datasets (datasets.py): the points and labels come
from the C++ teaching layer (teaching/datasets.hpp), with MiniTorch's exact
formulas. Not a data loader."""

import random
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import _minitorch

_make = _minitorch.datasets.make


@dataclass
class Graph:
    N: int
    X: List[Tuple[float, float]]
    y: List[int]


def _seed(seed: Optional[int]) -> int:
    # Without a seed, Python's random picks one, so random.seed(n) makes a run repeatable.
    return random.getrandbits(64) if seed is None else seed


def _dataset(name: str, N: int, seed: Optional[int]) -> Graph:
    n, X, y = _make(name, N, _seed(seed))
    return Graph(n, X, y)


def simple(N: int, seed: Optional[int] = None) -> Graph:
    """Uniform points in [0, 1)^2, labelled 1 when x1 < 0.5."""
    return _dataset("simple", N, seed)


def diag(N: int, seed: Optional[int] = None) -> Graph:
    """Labelled 1 when x1 + x2 < 0.5."""
    return _dataset("diag", N, seed)


def split(N: int, seed: Optional[int] = None) -> Graph:
    """Labelled 1 when x1 < 0.2 or x1 > 0.8."""
    return _dataset("split", N, seed)


def xor(N: int, seed: Optional[int] = None) -> Graph:
    """Labelled 1 when exactly one of x1, x2 is above 0.5."""
    return _dataset("xor", N, seed)


def circle(N: int, seed: Optional[int] = None) -> Graph:
    """Labelled 1 when (x1 - 0.5)^2 + (x2 - 0.5)^2 > 0.1."""
    return _dataset("circle", N, seed)


def spiral(N: int, seed: Optional[int] = None) -> Graph:
    """Two interleaved spirals (no randomness); N - 1 points for an odd N."""
    return _dataset("spiral", N, 0)


datasets = {"Simple": simple, "Diag": diag, "Split": split, "Xor": xor, "Circle": circle,
            "Spiral": spiral}
