"""Tensor Function subclasses written in Python (MiniTorch's tensor_functions
pattern) as nodes of the C++ autograd graph, on every usable backend: forward
values, gradients against central differences, mixing with built-in ops,
broadcast gradients, number gradients for non-tensor arguments, bad backwards."""

import numpy as np
import pytest

import minitorch
from minitorch import Function


class Cube(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a * a

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_values
        return grad_output * a * a * 3


class ScaledAdd(Function):
    """a + k * b, where b may broadcast and k is a number (a one-element tensor)."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(k)
        return a + b * k

    @staticmethod
    def backward(ctx, grad_output):
        (k,) = ctx.saved_values
        return grad_output, grad_output * k, 0.0  # output-shaped grad for b: the engine sums


def test_forward_and_gradient(backend):
    a = minitorch.tensor([[0.5, -1.0], [2.0, 1.5]], backend=backend, requires_grad=True)
    out = Cube.apply(a)
    assert out.to_numpy().tolist() == [[0.125, -1.0], [8.0, 3.375]]
    assert not out.is_leaf() and out.requires_grad()
    (out.sigmoid() * 2).sum().backward()  # the Python node inside a C++ graph
    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    s = 1 / (1 + np.exp(-x ** 3))
    assert np.allclose(a.grad.to_numpy(), 2 * s * (1 - s) * 3 * x ** 2)
    minitorch.grad_check(Cube.apply, minitorch.tensor([[0.3, -0.7, 1.1]], backend=backend))


def test_broadcast_and_number_arguments(backend):
    a = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=backend, requires_grad=True)
    b = minitorch.tensor([10.0, 20.0, 30.0], backend=backend, requires_grad=True)
    out = ScaledAdd.apply(a, b, 0.5)
    assert out.to_numpy().tolist() == [[6.0, 12.0, 18.0], [9.0, 15.0, 21.0]]
    out.sum().backward()
    assert a.grad.to_numpy().tolist() == [[1.0] * 3] * 2
    assert b.grad.shape == (3,) and b.grad.to_numpy().tolist() == [1.0, 1.0, 1.0]
    minitorch.grad_check(lambda x, y: ScaledAdd.apply(x, y, 3.0), a, b)


def test_constants_record_nothing(backend):
    c = minitorch.tensor([1.0, 2.0], backend=backend)
    out = Cube.apply(c)
    assert not out.requires_grad() and out.to_numpy().tolist() == [1.0, 8.0]
    with minitorch.no_grad():
        assert not Cube.apply(minitorch.tensor([1.0], requires_grad=True)).requires_grad()


def test_bad_functions_are_reported(backend):
    class TwoForOne(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    class NotATensor(Function):
        @staticmethod
        def forward(ctx, a):
            return 1.0

    a = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    with pytest.raises(ValueError, match="one per input"):
        TwoForOne.apply(a).sum().backward()
    with pytest.raises(TypeError, match="must return a Tensor"):
        NotATensor.apply(a)
    with pytest.raises(TypeError, match="at least one Tensor"):
        Cube.apply(2.0)
