"""minitorch.operators against Python's own arithmetic and math (MiniTorch's
test_operators properties, with hand values). Not a test of tensors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch import operators

small = st.floats(min_value=-100, max_value=100, allow_nan=False)
lists = st.lists(small, max_size=8)


@given(small, small)
def test_two_argument_ops(x, y):
    assert operators.mul(x, y) == x * y
    assert operators.add(x, y) == x + y
    assert operators.lt(x, y) == (1.0 if x < y else 0.0)
    assert operators.eq(x, y) == (1.0 if x == y else 0.0)
    assert operators.max(x, y) == (x if x > y else y)
    assert operators.is_close(x, y) == (abs(x - y) < 1e-2)


@given(small)
def test_one_argument_ops(x):
    assert operators.id(x) == x
    assert operators.neg(x) == -x
    assert operators.relu(x) == (x if x > 0 else 0.0)
    assert operators.relu_back(x, 3.0) == (3.0 if x > 0 else 0.0)
    assert operators.sigmoid(x) == pytest.approx(1.0 / (1.0 + math.exp(-x)), rel=1e-12, abs=1e-300)
    assert 0.0 <= operators.sigmoid(x) <= 1.0
    assert operators.sigmoid(-x) == pytest.approx(1.0 - operators.sigmoid(x), abs=1e-12)
    assert operators.exp(x) == pytest.approx(math.exp(x))
    if abs(x) > 1e-6:
        assert operators.inv(x) == pytest.approx(1.0 / x)
        assert operators.inv_back(x, 2.0) == pytest.approx(-2.0 / (x * x))
    if x > 0:
        assert operators.log(x) == pytest.approx(math.log(x))
        assert operators.log_back(x, 2.0) == pytest.approx(2.0 / x)


def test_hand_values():
    assert operators.sigmoid(0.0) == 0.5
    assert operators.sigmoid(-1000.0) == 0.0  # the stable form: no overflow
    assert operators.log(1.0) == 0.0
    assert operators.log(0.0) == -math.inf
    assert operators.max(2.0, 2.0) == 2.0
    assert operators.is_close(1.0, 1.009) and not operators.is_close(1.0, 1.011)


@given(lists, lists)
def test_list_helpers(ls1, ls2):
    assert operators.negList(ls1) == [-x for x in ls1]
    assert operators.sum(ls1) == pytest.approx(math.fsum(ls1), abs=1e-9)
    assert operators.prod([1.5, -2.0, 4.0]) == -12.0
    n = min(len(ls1), len(ls2))
    assert operators.addLists(ls1[:n], ls2[:n]) == [a + b for a, b in zip(ls1[:n], ls2[:n])]


def test_higher_order():
    assert operators.map(lambda x: x * 10)([1.0, 2.0]) == [10.0, 20.0]
    assert operators.zipWith(lambda x, y: x - y)([5, 7], [1, 2]) == [4, 5]
    # reduce folds from the front: fn(x3, fn(x2, fn(x1, start))).
    assert operators.reduce(lambda x, acc: f"({x}{acc})", "s")(["a", "b", "c"]) == "(c(b(as)))"
    assert operators.reduce(operators.add, 0.0)([]) == 0.0
    assert operators.sum([]) == 0.0 and operators.prod([]) == 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="lengths 2 and 1"):
        operators.addLists([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="lengths 1 and 2"):
        operators.zipWith(operators.add)([1.0], [1.0, 2.0])
    with pytest.raises(TypeError):
        operators.mul("a", 2.0)
