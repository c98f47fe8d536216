"""MiniTorch's test_tensor_general pattern through the Python front end: every
MathTestVariable function on tensors of every usable backend against the
MathTest float function element by element, and its gradient by grad_check;
plus the six datasets' formulas. Not a test of the float operators themselves."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import MathTest, MathTestVariable, operators

one_arg, two_arg, red_arg = MathTestVariable._comp_testing()
COMPARISONS = {"gt2", "lt2", "eq2"}  # no gradient to check

small = st.floats(min_value=-100, max_value=100, allow_nan=False)


@st.composite
def tensor_values(draw, shape=None):
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    n = int(np.prod(shape))
    return np.array(draw(st.lists(small, min_size=n, max_size=n))).reshape(shape)


def test_the_tables_have_minitorch_s_entries():
    assert [n for n, _, _ in one_arg] == [
        "addConstant", "complex", "cube", "div", "exp", "explog", "inv", "log",
        "multConstant", "neg", "relu", "sig", "square", "subConstant"]
    assert [n for n, _, _ in two_arg] == ["add2", "div2", "eq2", "gt2", "lt2", "mul2"]
    assert [n for n, _, _ in red_arg] == ["mean_full_red", "mean_red", "sum_red"]
    assert MathTest.inv is not MathTestVariable.inv


@pytest.mark.parametrize("name,float_fn,tensor_fn", one_arg, ids=[t[0] for t in one_arg])
def test_one_args(backend, name, float_fn, tensor_fn):
    @settings(max_examples=10, deadline=None)
    @given(tensor_values())
    def check(a):
        t = minitorch.tensor(a.tolist(), backend=backend)
        out = tensor_fn(t).to_numpy()
        for index in np.ndindex(a.shape):
            assert operators.is_close(out[index], float_fn(float(a[index]))), (name, index)

    check()
    # Away from the kinks of relu (grad_check samples one index).
    grid = minitorch.tensor([[0.25, -1.5, 2.75], [-0.75, 1.25, 3.5]], backend=backend)
    minitorch.grad_check(tensor_fn, grid)


@pytest.mark.parametrize("name,float_fn,tensor_fn", two_arg, ids=[t[0] for t in two_arg])
def test_two_args_with_broadcast(backend, name, float_fn, tensor_fn):
    @settings(max_examples=10, deadline=None)
    @given(tensor_values((2, 3)), tensor_values((3,)))
    def check(a, b):
        ta = minitorch.tensor(a.tolist(), backend=backend)
        tb = minitorch.tensor(b.tolist(), backend=backend)
        out = tensor_fn(ta, tb).to_numpy()
        assert out.shape == (2, 3)
        for i, j in np.ndindex(2, 3):
            assert operators.is_close(out[i, j], float_fn(float(a[i, j]), float(b[j])))

    check()
    if name not in COMPARISONS:
        x = minitorch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -2.5]], backend=backend)
        y = minitorch.tensor([0.75, -0.5, 1.25], backend=backend)
        minitorch.grad_check(tensor_fn, x, y)


@pytest.mark.parametrize("name,float_fn,tensor_fn", red_arg, ids=[t[0] for t in red_arg])
def test_reductions(backend, name, float_fn, tensor_fn):
    @settings(max_examples=10, deadline=None)
    @given(st.lists(small, min_size=1, max_size=6))
    def check(ls):
        t = minitorch.tensor(ls, backend=backend)
        assert operators.is_close(tensor_fn(t).item(), float_fn(ls))

    check()
    minitorch.grad_check(tensor_fn, minitorch.tensor([[1.0, -2.0], [0.5, 3.0]], backend=backend))


LABELS = {
    "Simple": lambda x1, x2: x1 < 0.5,
    "Diag": lambda x1, x2: x1 + x2 < 0.5,
    "Split": lambda x1, x2: x1 < 0.2 or x1 > 0.8,
    "Xor": lambda x1, x2: (x1 < 0.5 and x2 > 0.5) or (x1 > 0.5 and x2 < 0.5),
    "Circle": lambda x1, x2: (x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 > 0.1,
}


@pytest.mark.parametrize("name", sorted(LABELS))
def test_random_datasets_follow_their_formulas(name):
    random.seed(5)
    g = minitorch.datasets[name](40)
    assert g.N == 40 and len(g.X) == 40 and len(g.y) == 40
    for (x1, x2), y in zip(g.X, g.y):
        assert 0 <= x1 < 1 and 0 <= x2 < 1
        assert y == int(LABELS[name](x1, x2))
    random.seed(5)
    assert minitorch.datasets[name](40) == g  # Python's random.seed makes it repeatable
    assert minitorch.datasets[name](40, seed=1) == minitorch.datasets[name](40, seed=1)


def test_spiral():
    g = minitorch.datasets["Spiral"](10)
    assert g.y == [0] * 5 + [1] * 5
    t = 10 * 5 / 5  # i = 5, h = 5
    assert g.X[0] == pytest.approx((t * np.cos(t) / 20 + 0.5, t * np.sin(t) / 20 + 0.5))
    assert g.X[5] == pytest.approx((-t * np.sin(-t) / 20 + 0.5, -t * np.cos(-t) / 20 + 0.5))
    with pytest.raises(ValueError):
        minitorch.datasets["Simple"](-1)
