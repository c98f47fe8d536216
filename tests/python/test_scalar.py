"""Scalars through the Python front end (MiniTorch's test_scalar and
test_autodiff cases): every MathTestVariable function on Scalars against its
float version and derivative_check, and ScalarFunction subclasses written in
Python as nodes of the C++ graph (chain_rule, backpropagation)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Context, MathTestVariable, Scalar, ScalarFunction, ScalarHistory, operators

one_arg, two_arg, red_arg = MathTestVariable._comp_testing()
small = st.floats(min_value=-100, max_value=100, allow_nan=False)


class Function1(ScalarFunction):
    @staticmethod
    def forward(ctx, x, y):
        return x + y + 10  # f(x, y) = x + y + 10

    @staticmethod
    def backward(ctx, d_output):
        return d_output, d_output


class Function2(ScalarFunction):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y + x  # f(x, y) = x * y + x

    @staticmethod
    def backward(ctx, d_output):
        x, y = ctx.saved_values
        return d_output * (y + 1), d_output * x


def test_scalar_basics():
    x = Scalar(1.5, name="x")
    assert x.data == 1.5 and x.name == "x" and x.is_leaf() and x.derivative is None
    assert Scalar(2.0, None).is_constant()
    assert Scalar(2.0, ScalarHistory()).is_leaf()
    assert repr(Scalar(0.25)) == "Scalar(0.25)"
    assert Scalar(1.0).unique_id != Scalar(1.0).unique_id
    assert bool(Scalar(0.0)) is False and bool(Scalar(3.0)) is True
    y = x * 2 + 1
    assert not y.is_leaf() and not y.is_constant() and y.data == 4.0
    assert [p.data for p in (x * 3).parents] == [1.5, 3.0]


@pytest.mark.parametrize("name,float_fn,scalar_fn", one_arg, ids=[t[0] for t in one_arg])
def test_one_args(name, float_fn, scalar_fn):
    @settings(max_examples=20, deadline=None)
    @given(small)
    def check(a):
        assert operators.is_close(scalar_fn(Scalar(a)).data, float_fn(a))

    check()
    for a in (0.25, -1.5, 2.75):  # away from relu's kinks
        minitorch.derivative_check(scalar_fn, Scalar(a))


@pytest.mark.parametrize("name,float_fn,scalar_fn", two_arg, ids=[t[0] for t in two_arg])
def test_two_args(name, float_fn, scalar_fn):
    @settings(max_examples=20, deadline=None)
    @given(small, small)
    def check(a, b):
        assert operators.is_close(scalar_fn(Scalar(a), Scalar(b)).data, float_fn(a, b))

    check()
    minitorch.derivative_check(scalar_fn, Scalar(0.5), Scalar(-2.25))


def test_numbers_on_either_side():
    x = Scalar(4.0)
    results = [2 + x, x + 2, 2 - x, x - 2, 3 * x, x * 3, 2 / x, x / 2, -x, x < 5, 5 < x,
               x > 3, x == 4.0]
    assert [r.data for r in results] == [6, 6, -2, 2, 12, 12, 0.5, 2, -4, 1, 0, 1, 1]


def test_chain_rule_of_a_python_function():
    var = Scalar(0.0, ScalarHistory())
    constant = Scalar(0.0, ScalarHistory(Function1, ctx=Context(), inputs=[var, var]))
    back = constant.chain_rule(d_output=5)
    assert len(back) == 2
    variable, deriv = back[0]
    assert variable.unique_id == var.unique_id and deriv == 5
    with pytest.raises(ValueError):
        var.chain_rule(1.0)  # a leaf has no function


def test_backprop_through_python_functions():
    # MiniTorch's test_backprop1..4: Function1 adds its inputs and 10.
    var = Scalar(0)
    var2 = Function1.apply(0, var)
    var2.backward(d_output=5)
    assert var.derivative == 5

    var = Scalar(0)
    var3 = Function1.apply(0, Function1.apply(0, var))
    var3.backward(d_output=5)
    assert var.derivative == 5

    var0 = Scalar(0)
    var1 = Function1.apply(0, var0)
    var4 = Function1.apply(Function1.apply(0, var1), Function1.apply(0, var1))
    var4.backward(d_output=5)
    assert var0.derivative == 10  # two paths


def test_python_function_mixes_with_the_cpp_table():
    x, y = Scalar(2.0), Scalar(-3.0)
    out = Function2.apply(x, y).sigmoid() * x + Function2.apply(x, 1.5)
    out.backward()

    def f(a, b):
        s = 1 / (1 + math.exp(-(a * b + a)))
        return s * a + (a * 1.5 + a)

    assert out.data == pytest.approx(f(2.0, -3.0))
    assert x.derivative == pytest.approx(minitorch.central_difference(f, 2.0, -3.0, arg=0), abs=1e-5)
    assert y.derivative == pytest.approx(minitorch.central_difference(f, 2.0, -3.0, arg=1), abs=1e-5)
    minitorch.derivative_check(lambda a, b: Function2.apply(a, b) * b, Scalar(0.3), Scalar(1.7))


def test_context():
    ctx = Context()
    ctx.save_for_backward(1.0, 2.0)
    assert ctx.saved_values == (1.0, 2.0) and ctx.saved_tensors == (1.0, 2.0)
    frozen = Context(no_grad=True)
    frozen.save_for_backward(3.0)
    assert frozen.saved_values == ()
    # apply() on constants runs forward in no_grad mode and returns a constant.
    assert Function2.apply(2.0, 3.0).is_constant()
    assert Function2.apply(2.0, 3.0).data == 8.0


def test_central_difference_on_floats_and_scalars():
    assert minitorch.central_difference(lambda x: x * x, 3.0) == pytest.approx(6.0, abs=1e-4)
    d = minitorch.central_difference(lambda x, y: x * y * y, 2.0, 3.0, arg=1)
    assert d == pytest.approx(12.0, abs=1e-4)
    assert minitorch.central_difference(operators.exp, 0.0) == pytest.approx(1.0, abs=1e-6)
    assert minitorch.central_difference(lambda x: x * x, Scalar(3.0)).data == pytest.approx(6.0)


def test_derivative_check_catches_a_wrong_backward():
    class WrongSquare(ScalarFunction):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, d):
            return d  # should be 2 a d

    with pytest.raises(AssertionError, match="arg 0"):
        minitorch.derivative_check(WrongSquare.apply, Scalar(2.0))


def test_bad_functions_are_reported():
    class TooMany(ScalarFunction):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, d):
            return d, d

    with pytest.raises(ValueError, match="one per input"):
        TooMany.apply(Scalar(1.0)).backward()

    class NotAFloat(ScalarFunction):
        @staticmethod
        def forward(ctx, a):
            return "x"

    with pytest.raises(TypeError):
        NotAFloat.apply(Scalar(1.0))


def test_sgd_on_scalar_parameters():
    class Quadratic(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.x = minitorch.Parameter(Scalar(5.0))

        def forward(self):
            return (self.x.value - 2) * (self.x.value - 2)

    model = Quadratic()
    optim = minitorch.SGD(model.parameters(), lr=0.25)
    for _ in range(30):
        optim.zero_grad()
        model().backward()
        optim.step()
    assert model.x.value.data == pytest.approx(2.0, abs=1e-6)
