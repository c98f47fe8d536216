"""MiniTorch's tensor_functions.py: Function (a subclass written in Python is a
node of the C++ autograd graph), History, and the gradient check (central
differences against the core's backward). Only the call protocol and the
finite-difference bookkeeping are Python; every tensor op is libminitorch's."""

import random
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Tuple

from . import _minitorch
from ._minitorch import Tensor, manual_seed, tensor
from .scalar import Context


@dataclass
class History:
    """How a tensor was made (MiniTorch's record type): function, context, inputs."""

    last_fn: Optional[type] = None
    ctx: Optional[Context] = None
    inputs: Sequence[Tensor] = ()


class Function:
    """Subclass with staticmethods forward(ctx, *tensors) -> Tensor and
    backward(ctx, grad_output) -> one gradient per input (a Tensor, or a number such
    as 0.0 for an argument like a dim). apply() runs forward on detached inputs and
    records a C++ graph node whose backward calls this class's."""

    @classmethod
    def _backward(cls, ctx: Context, grad_out: Tensor) -> Tuple[Any, ...]:
        grads = cls.backward(ctx, grad_out)  # type: ignore[attr-defined]
        return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)

    @classmethod
    def _forward(cls, ctx: Context, *inps: Tensor) -> Tensor:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined]

    @classmethod
    def apply(cls, *vals: Any) -> Tensor:
        backends = [v.backend for v in vals if isinstance(v, Tensor)]
        if not backends:
            raise TypeError(f"{cls.__name__}.apply needs at least one Tensor argument")
        # A number becomes a one-element constant on the first tensor's backend.
        tensors = [v if isinstance(v, Tensor) else tensor([float(v)], backend=backends[0])
                   for v in vals]
        need_grad = any(t.requires_grad() for t in tensors)
        ctx = Context(not need_grad)
        out = cls._forward(ctx, *[t.detach() for t in tensors])
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor; "
                            f"got {type(out).__name__}")
        return _minitorch._record_function(cls, ctx, tensors, out)


def grad_central_difference(f: Callable[..., Tensor], *vals: Tensor, arg: int = 0,
                            epsilon: float = 1e-6, ind: Any) -> float:
    """(f(.., x + e, ..).sum() - f(.., x - e, ..).sum()) / (2 epsilon), e at index ind of arg."""
    x = vals[arg]
    up = x.zeros(x.shape)
    up[ind] = epsilon
    vals1 = [v if j != arg else x + up for j, v in enumerate(vals)]
    vals2 = [v if j != arg else x - up for j, v in enumerate(vals)]
    delta = f(*vals1).sum() - f(*vals2).sum()
    return delta[0] / (2.0 * epsilon)


def _sample(t: Tensor):
    return tuple(random.randint(0, s - 1) for s in t.shape)


def grad_check(f: Callable[..., Tensor], *vals: Tensor) -> None:
    """Checks f's gradient for each input at one random index against central
    differences (rtol = atol = 1e-2), as MiniTorch's grad_check does. The core's
    generator is seeded with 10 before every call of f, so dropout agrees across them."""
    for x in vals:
        x.requires_grad_(True)
        x.zero_grad_()

    def seeded(*args: Tensor) -> Tensor:
        manual_seed(10)
        return f(*args)

    out = seeded(*vals)
    out.sum().backward()
    err_msg = """

Gradient check error for function %s.

Input %s

Received derivative %f for argument %d and index %s,
but was expecting derivative %f from central difference.

"""
    import numpy as np  # only the check needs NumPy; `import minitorch` does not

    for i, x in enumerate(vals):
        ind = _sample(x)
        check = grad_central_difference(seeded, *vals, arg=i, ind=ind)
        assert x.grad is not None, f"argument {i} of {f} received no gradient"
        np.testing.assert_allclose(
            x.grad[ind], check, 1e-2, 1e-2,
            err_msg=err_msg % (f, vals, x.grad[ind], i, ind, check),
        )
