"""MiniTorch's optimizers over Python Parameters (optim.py).

SGD works on minitorch.Parameter objects, whose values are libminitorch
tensors: each step is one tensor expression computed by the core under
no_grad, then handed to Parameter.update as a fresh leaf (MiniTorch's rule, so
gradients do not pile up across steps). C++'s mt::optim::SGD updates C++
Parameters in place and is not used here.
"""

from typing import Sequence

from ._minitorch import no_grad
from .module import Parameter


class Optimizer:
    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = parameters


class SGD(Optimizer):
    def __init__(self, parameters: Sequence[Parameter], lr: float = 1.0) -> None:
        super().__init__(parameters)
        self.lr = lr

    def zero_grad(self) -> None:
        """Clears every parameter's gradient (grad / derivative becomes None)."""
        for p in self.parameters:
            if p.value is None:
                continue
            if hasattr(p.value, "derivative"):
                p.value.derivative = None
            if hasattr(p.value, "grad"):
                p.value.grad = None

    def step(self) -> None:
        """value <- value - lr * grad, as a new leaf, for each parameter with a gradient."""
        for p in self.parameters:
            if p.value is None:
                continue
            if hasattr(p.value, "derivative") and p.value.derivative is not None:
                p.update(type(p.value)(p.value.data - self.lr * p.value.derivative))
            elif getattr(p.value, "grad", None) is not None:
                with no_grad():
                    updated = p.value - self.lr * p.value.grad
                p.update(updated)
