"""MiniTorch's gradient check for tensors (tensor_functions.py): central
differences of any tensor function against the core's backward. Only the
finite-difference bookkeeping is Python; every tensor op is libminitorch's."""

import random
from typing import Any, Callable

from ._minitorch import Tensor, manual_seed


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
