"""MiniTorch's Module-4 functions through the Python front end on every usable
backend: hand values and NumPy expectations, then grad_check (MiniTorch's
test_nn / test_conv cases). Not a test of the kernels' every layout."""

import numpy as np
import pytest

import minitorch


def close(a, b):
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-2)


def as_numpy(t):
    return t.to_numpy()


@pytest.fixture
def x4(backend):
    minitorch.manual_seed(1)
    return minitorch.rand((1, 2, 4, 4), backend=backend)


def test_avgpool_and_maxpool(backend, x4):
    a = as_numpy(x4)
    windows = a.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 2, 2, 4)
    assert close(as_numpy(minitorch.avgpool2d(x4, (2, 2))), windows.mean(-1))
    assert close(as_numpy(minitorch.maxpool2d(x4, (2, 2))), windows.max(-1))
    tiled, h, w = minitorch.tile(x4, (2, 2))
    assert (h, w) == (2, 2) and tiled.shape == (1, 2, 2, 2, 4)
    assert close(as_numpy(tiled), windows)
    assert close(as_numpy(minitorch.avgpool2d(x4, (4, 1))), a.mean(2, keepdims=True))
    minitorch.grad_check(lambda t: minitorch.avgpool2d(t, (2, 2)), x4)
    minitorch.grad_check(lambda t: minitorch.maxpool2d(t, (2, 2)), x4)
    with pytest.raises(ValueError):
        minitorch.avgpool2d(x4, (3, 3))  # 3 does not divide 4


def test_max_and_argmax(backend):
    a = np.array([[1.0, 5.0, 2.0], [7.0, -1.0, 7.5]])
    t = minitorch.tensor(a.tolist(), backend=backend)
    assert as_numpy(minitorch.max(t, 1)).tolist() == [[5.0], [7.5]]
    assert as_numpy(minitorch.max(t, 0)).tolist() == [[7.0, 5.0, 7.5]]
    assert as_numpy(minitorch.argmax(t, 1)).tolist() == [[0, 1, 0], [0, 0, 1]]
    minitorch.grad_check(lambda u: minitorch.max(u, 1), t)


def test_softmax_and_logsoftmax(backend):
    a = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]])
    t = minitorch.tensor(a.tolist(), backend=backend)
    shifted = np.exp(a - a.max(1, keepdims=True))
    expected = shifted / shifted.sum(1, keepdims=True)
    assert close(as_numpy(minitorch.softmax(t, 1)), expected)
    assert close(as_numpy(minitorch.logsoftmax(t, 1))[0], np.log(expected[0]))
    assert close(as_numpy(minitorch.softmax(t, 0).sum(0)), [[1.0, 1.0, 1.0]])
    small = minitorch.tensor([[0.1, -0.5, 0.3], [0.2, 0.9, -1.0]], backend=backend)
    minitorch.grad_check(lambda u: minitorch.softmax(u, 1), small)
    minitorch.grad_check(lambda u: minitorch.logsoftmax(u, 0), small)


def test_dropout(backend):
    t = minitorch.tensor([[1.0] * 50] * 4, backend=backend)
    assert as_numpy(minitorch.dropout(t, 0.0)).tolist() == as_numpy(t).tolist()
    assert as_numpy(minitorch.dropout(t, 1.0)).sum() == 0.0
    assert as_numpy(minitorch.dropout(t, 0.5, ignore=True)).tolist() == as_numpy(t).tolist()
    dropped = as_numpy(minitorch.dropout(t, 0.5))
    kept = dropped[dropped != 0]
    assert 40 < kept.size < 160 and close(kept, 2.0)  # inverted dropout scales by 1/(1-rate)
    minitorch.grad_check(lambda u: minitorch.dropout(u, 0.3), minitorch.rand((3, 4), backend=backend))
    with pytest.raises(ValueError):
        minitorch.dropout(t, 1.5)


def test_conv1d_against_a_loop(backend):
    minitorch.manual_seed(2)
    x = minitorch.rand((2, 3, 6), backend=backend)
    w = minitorch.rand((4, 3, 2), backend=backend)
    out = minitorch.Conv1dFun.apply(x, w)
    assert out.shape == (2, 4, 6)
    xa, wa = as_numpy(x), as_numpy(w)
    expected = np.zeros((2, 4, 6))
    for b in range(2):
        for o in range(4):
            for t in range(6):
                for k in range(2):
                    if t + k < 6:  # MiniTorch's layout: terms past the edge count as 0
                        expected[b, o, t] += (xa[b, :, t + k] * wa[o, :, k]).sum()
    assert close(as_numpy(out), expected)
    minitorch.grad_check(minitorch.Conv1dFun.apply, x, w)


def test_conv1d_simple_values(backend):
    # MiniTorch's test_conv1d_simple and the v2020 backward case, by hand.
    t = minitorch.tensor([0.0, 1.0, 2.0, 3.0], backend=backend).view(1, 1, 4)
    t.requires_grad_(True)
    w = minitorch.tensor([[[1.0, 2.0, 3.0]]], backend=backend)
    w.requires_grad_(True)
    out = minitorch.Conv1dFun.apply(t, w)
    assert out.to_numpy().tolist() == [[[8.0, 14.0, 8.0, 3.0]]]
    out.backward(minitorch.tensor([[[0.0, 1.0, 2.0, 3.0]]], backend=backend))
    # gi[t] = sum_k w[k] g[t - k]
    assert t.grad.to_numpy().tolist() == [[[0.0, 1.0, 4.0, 10.0]]]
    # gw[k] = sum_t x[t + k] g[t]
    assert w.grad.to_numpy().tolist() == [[[14.0, 8.0, 3.0]]]


def test_conv2d_against_a_loop(backend):
    minitorch.manual_seed(3)
    x = minitorch.rand((1, 2, 4, 5), backend=backend)
    w = minitorch.rand((3, 2, 2, 2), backend=backend)
    out = minitorch.Conv2dFun.apply(x, w)
    assert out.shape == (1, 3, 4, 5)
    xa, wa = as_numpy(x), as_numpy(w)
    padded = np.zeros((1, 2, 5, 6))
    padded[:, :, :4, :5] = xa
    expected = np.zeros((1, 3, 4, 5))
    for o in range(3):
        for i in range(4):
            for j in range(5):
                expected[0, o, i, j] = (padded[0, :, i:i + 2, j:j + 2] * wa[o]).sum()
    assert close(as_numpy(out), expected)
    minitorch.grad_check(minitorch.Conv2dFun.apply, x, w)
    with pytest.raises(minitorch.ShapeError):
        minitorch.conv2d(x, minitorch.rand((3, 5, 2, 2), backend=backend))


def test_grad_check_catches_a_wrong_gradient(backend):
    # A function whose forward and backward disagree must fail the check: the
    # detached factor hides a term from backward.
    t = minitorch.tensor([[0.5, 1.5], [2.0, -1.0]], backend=backend)
    with pytest.raises(AssertionError):
        minitorch.grad_check(lambda u: u * u.detach(), t)
