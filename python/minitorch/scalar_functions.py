"""MiniTorch's module name minitorch.scalar_functions: the ScalarFunction base a
Python function subclasses. The built-in ones (Add, Mul, ...) are core's and are
reached through Scalar's operators, not as classes here."""

from .scalar import ScalarFunction  # noqa: F401
