"""Module / Parameter through the Python front end with MiniTorch's semantics
(its test_module.py cases: attribute registration, dotted names, train/eval,
printing), and SGD on a small model. Not a test of C++ layers."""

import pytest

import minitorch


class ModuleA2(minitorch.Module):
    def __init__(self):
        super().__init__()
        self.p2 = minitorch.Parameter(10)


class ModuleA4(minitorch.Module):
    def __init__(self):
        super().__init__()
        self.p3 = minitorch.Parameter(15)


class ModuleA3(minitorch.Module):
    def __init__(self):
        super().__init__()
        self.c = ModuleA4()


class ModuleA1(minitorch.Module):
    def __init__(self):
        super().__init__()
        self.p1 = minitorch.Parameter(5)
        self.non_param = 10
        self.a = ModuleA2()
        self.b = ModuleA3()


def test_stacked_module():
    mod = ModuleA1()
    names = dict(mod.named_parameters())
    assert list(names) == ["p1", "a.p2", "b.c.p3"]
    assert names["a.p2"].value == 10 and names["b.c.p3"].value == 15
    assert [p.value for p in mod.parameters()] == [5, 10, 15]
    assert mod.non_param == 10
    assert mod.p1.value == 5
    assert mod.modules() == [mod.a, mod.b]
    assert mod.unknown_attribute is None  # MiniTorch's __getattr__ returns None


def test_train_eval_reach_every_descendant():
    mod = ModuleA1()
    assert mod.training and mod.a.training and mod.b.c.training
    mod.eval()
    assert not mod.training and not mod.a.training and not mod.b.c.training
    mod.b.train()
    assert not mod.training and mod.b.training and mod.b.c.training


def test_reassignment_replaces_and_add_parameter():
    mod = ModuleA2()
    mod.p2 = minitorch.Parameter(20)
    assert [(n, p.value) for n, p in mod.named_parameters()] == [("p2", 20)]
    added = mod.add_parameter("extra", 3.0)
    assert isinstance(added, minitorch.Parameter) and added.name == "extra"
    assert [n for n, _ in mod.named_parameters()] == ["p2", "extra"]


def test_parameter_switches_tensors_to_require_grad():
    t = minitorch.tensor([1.0, 2.0])
    assert not t.requires_grad()
    p = minitorch.Parameter(t, "w")
    assert p.value.requires_grad() and p.value.name == "w"
    p.update(minitorch.tensor([3.0]))
    assert p.value.requires_grad() and p.value.item() == 3.0
    assert str(p) == str(p.value) and repr(minitorch.Parameter(7)) == "7"


def test_call_runs_forward_and_printing():
    class Affine(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.w = minitorch.Parameter(minitorch.tensor([2.0]))

        def forward(self, x, shift=0.0):
            return x * self.w.value + shift

    class Net(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.first = Affine()
            self.second = ModuleA3()

        def forward(self, x):
            return self.first(x, shift=1.0)

    net = Net()
    assert net(minitorch.tensor([3.0])).item() == 7.0
    assert repr(net) == "Net(\n  (first): Affine()\n  (second): ModuleA3(\n    (c): ModuleA4()\n  )\n)"
    assert repr(ModuleA4()) == "ModuleA4()"


def test_setting_before_init_is_a_clear_error():
    class Forgot(minitorch.Module):
        def __init__(self):
            self.p = minitorch.Parameter(1)

    with pytest.raises(AttributeError, match="super"):
        Forgot()


def test_sgd_fits_a_line(backend):
    # y = 3x - 1; plain gradient descent on the mean squared error.
    class Line(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.w = minitorch.Parameter(minitorch.tensor([0.0], backend=backend))
            self.b = minitorch.Parameter(minitorch.tensor([0.0], backend=backend))

        def forward(self, x):
            return x * self.w.value + self.b.value

    x = minitorch.tensor([-1.0, 0.0, 1.0, 2.0], backend=backend)
    y = x * 3 - 1
    model = Line()
    optim = minitorch.SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        optim.zero_grad()
        diff = model(x) - y
        (diff * diff).mean().backward()
        optim.step()
    assert abs(model.w.value.item() - 3.0) < 1e-3
    assert abs(model.b.value.item() + 1.0) < 1e-3
    # step() leaves fresh leaves with no gradient behind it.
    assert model.w.value.is_leaf() and model.w.value.grad is None
    optim.zero_grad()


def test_sgd_step_names_fresh_leaves_and_skips_others(backend):
    # The C++ step: value - lr * grad as a new leaf that keeps the parameter's
    # name; a parameter without a grad, or holding a plain number, is left as is.
    class Two(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.w = minitorch.Parameter(minitorch.tensor([1.0, 2.0], backend=backend), "w")
            self.unused = minitorch.Parameter(minitorch.tensor([5.0], backend=backend))
            self.n = minitorch.Parameter(7)

    model = Two()
    old = model.w.value
    (model.w.value * minitorch.tensor([3.0, -1.0], backend=backend)).sum().backward()
    optim = minitorch.SGD(model.parameters(), lr=0.5)
    optim.step()
    assert model.w.value is not old
    assert [model.w.value[i] for i in range(2)] == [1.0 - 1.5, 2.0 + 0.5]
    assert model.w.value.is_leaf() and model.w.value.requires_grad()
    assert model.w.value.grad is None and model.w.value.name == "w"
    assert old.grad is not None  # the old leaf is untouched
    assert model.unused.value[0] == 5.0 and model.n.value == 7
    optim.zero_grad()
    assert old.grad is not None and model.w.value.grad is None


def test_module_attributes_read_back_what_was_assigned():
    class M(minitorch.Module):
        def __init__(self):
            super().__init__()
            self.p = minitorch.Parameter(1.0)
            self.child = minitorch.Module()

    m = M()
    assert m.p is m._parameters["p"] and m.child is m._modules["child"]
    m.p = minitorch.Parameter(2.0)
    assert m.p.value == 2.0 and m._parameters["p"].value == 2.0
    assert len(m.parameters()) == 1 and m.unknown is None
