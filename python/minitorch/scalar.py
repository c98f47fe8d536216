"""MiniTorch Module 1 (autodiff.py, scalar.py): Context, ScalarHistory,
ScalarFunction, central_difference and derivative_check over libminitorch's
Scalar. A ScalarFunction subclass written here is a node of the C++ graph: the
C++ backpropagation calls its backward. Only the call protocol is Python."""

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Tuple

from . import _minitorch
from ._minitorch import Scalar


@dataclass
class Context:
    """What a function's forward keeps for its backward."""

    no_grad: bool = False
    saved_values: Tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self) -> Tuple[Any, ...]:
        return self.saved_values


@dataclass
class ScalarHistory:
    """How a Scalar was made: the function, its context and its inputs.
    ScalarHistory() (no function) marks a leaf."""

    last_fn: Optional[type] = None
    ctx: Optional[Context] = None
    inputs: Sequence[Any] = ()


class ScalarFunction:
    """Subclass with staticmethods forward(ctx, *floats) -> float and
    backward(ctx, d) -> float or tuple of floats (one per input); apply() runs it."""

    @classmethod
    def _backward(cls, ctx: Context, d_out: float) -> Tuple[float, ...]:
        grads = cls.backward(ctx, d_out)  # type: ignore[attr-defined]
        return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)

    @classmethod
    def _forward(cls, ctx: Context, *inps: float) -> float:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined]

    @classmethod
    def apply(cls, *vals: Any) -> Scalar:
        # A plain number is a constant input (never a leaf that gets a derivative).
        scalars = [v if isinstance(v, Scalar) else Scalar.constant(float(v)) for v in vals]
        need_grad = any(not s.is_constant() for s in scalars)
        ctx = Context(not need_grad)
        c = cls._forward(ctx, *[s.data for s in scalars])
        if not isinstance(c, (int, float)):
            raise TypeError(f"{cls.__name__}.forward must return a float; got {type(c).__name__}")
        if not need_grad:
            return Scalar(float(c), None)
        return Scalar(float(c), ScalarHistory(cls, ctx, scalars))


def central_difference(f: Callable[..., Any], *vals: Any, arg: int = 0,
                       epsilon: float = 1e-6) -> Any:
    """(f(.., x_arg + eps, ..) - f(.., x_arg - eps, ..)) / (2 eps), on floats or Scalars."""
    up = list(vals)
    down = list(vals)
    up[arg] = vals[arg] + epsilon
    down[arg] = vals[arg] - epsilon
    return (f(*up) - f(*down)) / (2.0 * epsilon)


def derivative_check(f: Callable[..., Scalar], *scalars: Scalar) -> None:
    """Backpropagated derivatives of f against central differences for each argument
    (rtol = atol = 1e-2): libminitorch's mt::derivative_check. AssertionError if they differ."""
    ok, message = _minitorch._derivative_check(f, list(scalars))
    if not ok:
        raise AssertionError(f"derivative check failed for {f}:\n{message}")


__all__ = ["Context", "Scalar", "ScalarFunction", "ScalarHistory", "central_difference",
           "derivative_check"]
