# MiniTorch's tests/test_modules.py (Module 1, unmarked upstream): a Scalar
# linear layer built with add_parameter, stacked into a small network.
import random

from hypothesis import given
from hypothesis.strategies import integers, lists

import minitorch

from .strategies import small_floats


class ScalarLinear(minitorch.Module):
    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weights = []
        self.bias = []
        for i in range(in_size):
            self.weights.append([])
            for j in range(out_size):
                self.weights[i].append(
                    self.add_parameter(
                        f"weight_{i}_{j}", minitorch.Scalar(2 * (random.random() - 0.5))
                    )
                )
        for j in range(out_size):
            self.bias.append(
                self.add_parameter(f"bias_{j}", minitorch.Scalar(2 * (random.random() - 0.5)))
            )

    def forward(self, inputs):
        y = [b.value for b in self.bias]
        for i, x in enumerate(inputs):
            for j in range(len(y)):
                y[j] = y[j] + x * self.weights[i][j].value
        return y


class Network2(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = ScalarLinear(2, 2)
        self.layer2 = ScalarLinear(2, 1)

    def forward(self, x):
        return self.layer2.forward([h.relu() for h in self.layer1.forward(x)])


@given(lists(small_floats, max_size=10), integers(min_value=5, max_value=20))
def test_linear(inputs, out_size) -> None:
    mid = ScalarLinear(len(inputs), out_size)
    out = ScalarLinear(out_size, 1)
    result = out.forward(mid.forward([minitorch.Scalar(x) for x in inputs]))
    assert len(result) == 1


def test_nn_size() -> None:
    model = Network2()
    total = len(model.layer1.parameters()) + len(model.layer2.parameters())
    assert len(model.parameters()) == total == (2 * 2 + 2) + (2 * 1 + 1)
    assert all(p.value.data != 0 for p in model.parameters())
    for p in model.parameters():
        p.update(minitorch.Scalar(0))
    assert all(p.value.data == 0 for p in model.parameters())
    out = model.forward([minitorch.Scalar(1.0), minitorch.Scalar(2.0)])
    assert out[0].data == 0.0
