"""MiniTorch's optimizers over Python Parameters (optim.py).

SGD works on minitorch.Parameter objects, whose values are libminitorch
tensors: each step computes value - lr * grad in the core under no_grad and
makes it the parameter's value as a fresh leaf (MiniTorch's rule, so gradients
do not pile up across steps), for all Tensor parameters in one C++ call.
C++'s mt::optim::SGD updates C++ Parameters in place and is not used here.
"""

from typing import Sequence

from . import _minitorch
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
        for p in _minitorch._zero_grad(self.parameters):  # Tensors are done in C++
            if hasattr(p.value, "derivative"):
                p.value.derivative = None
            if hasattr(p.value, "grad"):
                p.value.grad = None

    def step(self) -> None:
        """value <- value - lr * grad, as a new leaf, for each parameter with a gradient.
        Tensor parameters are updated by one C++ call; Scalars here."""
        for p in _minitorch._sgd_step(self.parameters, self.lr):
            if hasattr(p.value, "derivative") and p.value.derivative is not None:
                p.update(type(p.value)(p.value.data - self.lr * p.value.derivative))
            elif getattr(p.value, "grad", None) is not None:
                with no_grad():
                    updated = p.value - self.lr * p.value.grad
                p.update(updated)
