# MiniTorch's tests/test_nn.py (Module 4): pooling, max, dropout and the
# softmaxes; test_max (student-written upstream) and the v2020 tile tests.
import pytest
from hypothesis import given

import minitorch
from minitorch import Tensor

from .strategies import assert_close
from .tensor_strategies import tensors


@pytest.mark.task4_3
@given(tensors(shape=(1, 1, 4, 4)))
def test_avg(t: Tensor) -> None:
    out = minitorch.avgpool2d(t, (2, 2))
    assert_close(
        out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(2) for j in range(2)]) / 4.0
    )

    out = minitorch.avgpool2d(t, (2, 1))
    assert_close(
        out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(2) for j in range(1)]) / 2.0
    )

    out = minitorch.avgpool2d(t, (1, 2))
    assert_close(
        out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(1) for j in range(2)]) / 2.0
    )
    minitorch.grad_check(lambda t: minitorch.avgpool2d(t, (2, 2)), t)


@pytest.mark.task4_4
@given(tensors(shape=(2, 3, 4)))
def test_max(t: Tensor) -> None:
    "max along each dim equals Python's max; its gradient goes to the maximum."
    for dim in range(3):
        out = minitorch.max(t, dim)
        assert out.shape == tuple(1 if d == dim else s for d, s in enumerate(t.shape))
        for ind in out._tensor.indices():
            column = []
            for k in range(t.shape[dim]):
                full = list(ind)
                full[dim] = k
                column.append(t[tuple(full)])
            assert_close(out[ind], max(column))
    # Tiny distinct offsets break ties, so the central difference is defined.
    noise = minitorch.tensor([[[1e-4 * (i * 12 + j * 4 + k) for k in range(4)]
                               for j in range(3)] for i in range(2)])
    minitorch.grad_check(lambda a: minitorch.max(a, 2), t + noise)


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
def test_max_pool(t: Tensor) -> None:
    out = minitorch.maxpool2d(t, (2, 2))
    print(out)
    print(t)
    assert_close(
        out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(2) for j in range(2)])
    )

    out = minitorch.maxpool2d(t, (2, 1))
    assert_close(
        out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(2) for j in range(1)])
    )

    out = minitorch.maxpool2d(t, (1, 2))
    assert_close(
        out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(1) for j in range(2)])
    )


@pytest.mark.task4_4
@given(tensors())
def test_drop(t: Tensor) -> None:
    q = minitorch.dropout(t, 0.0)
    idx = q._tensor.sample()
    assert q[idx] == t[idx]
    q = minitorch.dropout(t, 1.0)
    assert q[q._tensor.sample()] == 0.0
    q = minitorch.dropout(t, 1.0, ignore=True)
    idx = q._tensor.sample()
    assert q[idx] == t[idx]


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
def test_softmax(t: Tensor) -> None:
    q = minitorch.softmax(t, 3)
    x = q.sum(dim=3)
    assert_close(x[0, 0, 0, 0], 1.0)

    q = minitorch.softmax(t, 1)
    x = q.sum(dim=1)
    assert_close(x[0, 0, 0, 0], 1.0)

    minitorch.grad_check(lambda a: minitorch.softmax(a, dim=2), t)


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
def test_log_softmax(t: Tensor) -> None:
    q = minitorch.softmax(t, 3)
    q2 = minitorch.logsoftmax(t, 3).exp()
    for i in q._tensor.indices():
        assert_close(q[i], q2[i])

    minitorch.grad_check(lambda a: minitorch.logsoftmax(a, dim=2), t)


# v2020: tile's layout, pinned on 1..16.


@pytest.mark.task4_3
def test_tile() -> None:
    t = minitorch.tensor([[float(4 * i + j + 1) for j in range(4)] for i in range(4)]).view(
        1, 1, 4, 4
    )
    tiled, new_h, new_w = minitorch.tile(t, (2, 2))
    assert (new_h, new_w) == (2, 2)
    assert tiled.shape == (1, 1, 2, 2, 4)
    assert [tiled[0, 0, 0, 0, k] for k in range(4)] == [1, 2, 5, 6]


@pytest.mark.task4_3
def test_tile_2() -> None:
    t = minitorch.tensor([[float(4 * i + j + 1) for j in range(4)] for i in range(4)]).view(
        1, 1, 4, 4
    )
    tiled, new_h, new_w = minitorch.tile(t, (1, 2))
    assert (new_h, new_w) == (4, 2)
    assert [tiled[0, 0, 0, 0, k] for k in range(2)] == [1, 2]
    assert [tiled[0, 0, 0, 1, k] for k in range(2)] == [3, 4]
