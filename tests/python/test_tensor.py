"""Tensors through the Python front end, on every usable backend: construction,
indexing, operators and reductions against NumPy, views, and gradients against
central differences (MiniTorch's test_tensor / test_tensor_general). Not a
test of the kernels themselves: tests/conformance does that."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch

small = st.floats(min_value=-100, max_value=100, allow_nan=False)


@st.composite
def arrays(draw, min_dims=1, max_dims=4):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=min_dims, max_size=max_dims)))
    n = int(np.prod(shape))
    values = draw(st.lists(small, min_size=n, max_size=n))
    return np.array(values, dtype=np.float64).reshape(shape)


def close(a, b):
    """MiniTorch's criterion (|a - b| < 1e-2), elementwise."""
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-2)


# ---- construction and properties ------------------------------------------------


def test_create_from_nested_list(backend):
    t = minitorch.tensor([[1, 2, 3], [4, 5, 6]], backend=backend)
    assert t.shape == (2, 3)
    assert t.size == 6 and t.dims == 2
    assert t.dtype == "f64"
    assert t.backend.name == backend.name
    assert t[1, 2] == 6.0 and t[(0, 1)] == 2.0
    assert t.to_numpy().tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert minitorch.tensor([0.5], backend=backend).item() == 0.5
    # A tuple nests like a list; an int index means (i,).
    one = minitorch.tensor((1.5, 2.5), backend=backend)
    assert one[1] == 2.5


def test_zeros_ones_rand(backend):
    z = minitorch.zeros((2, 3), backend=backend)
    assert z.shape == (2, 3) and z.to_numpy().sum() == 0.0
    assert not z.requires_grad()
    assert minitorch.zeros(4, backend=backend).shape == (4,)
    assert minitorch.ones((2,), backend=backend).to_numpy().tolist() == [1.0, 1.0]
    minitorch.manual_seed(3)
    r = minitorch.rand((3, 4), backend=backend)
    values = r.to_numpy()
    assert r.shape == (3, 4) and ((values >= 0) & (values < 1)).all()
    assert len(set(values.ravel().tolist())) == 12
    minitorch.manual_seed(3)
    assert (minitorch.rand((3, 4), backend=backend).to_numpy() == values).all()
    assert minitorch.rand((2,), backend=backend, requires_grad=True).requires_grad()


def test_default_backend_is_reference():
    t = minitorch.tensor([1.0, 2.0])
    assert t.backend.name == "reference"
    assert minitorch.TensorBackend(minitorch.SimpleOps).name == "reference"


def test_setitem(backend):
    t = minitorch.zeros((2, 2), backend=backend)
    t[1, 0] = 5.0
    t[0, 1] = 7
    assert t.to_numpy().tolist() == [[0.0, 7.0], [5.0, 0.0]]
    v = minitorch.zeros((3,), backend=backend)
    v[2] = 1.5
    assert v.to_numpy().tolist() == [0.0, 0.0, 1.5]


def test_bad_indices_raise_indexing_error(backend):
    t = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)
    with pytest.raises(minitorch.IndexingError, match=r"\(2, 2\)"):
        t[2, 0]
    with pytest.raises(minitorch.IndexingError):
        t[-1, 0]  # MiniTorch has no negative indexing
    with pytest.raises(minitorch.IndexingError):
        t[0]  # one index for a 2-D tensor
    with pytest.raises(minitorch.IndexingError):
        t[0, 0, 0]
    with pytest.raises(minitorch.IndexingError):
        t["a"]
    with pytest.raises(minitorch.IndexingError):
        t[0, 5] = 1.0
    with pytest.raises(TypeError):
        t[0.5, 0]


def test_failed_broadcast_is_indexing_error(backend):
    a = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)
    b = minitorch.tensor([1.0, 2.0, 3.0], backend=backend)
    with pytest.raises(minitorch.IndexingError, match=r"\(2, 2\) and \(3\)"):
        a + b
    with pytest.raises(minitorch.IndexingError):
        minitorch.shape_broadcast((2, 3), (4,))
    assert minitorch.shape_broadcast((1,), (5, 5)) == (5, 5)
    assert minitorch.shape_broadcast((2, 1, 4), (3, 1)) == (2, 3, 4)


def test_other_errors(backend):
    with pytest.raises(ValueError, match="ragged"):
        minitorch.tensor([[1.0, 2.0], [3.0]], backend=backend)
    with pytest.raises(TypeError, match="str"):
        minitorch.tensor([1.0, "x"], backend=backend)
    deep = 1.0
    for _ in range(17):
        deep = [deep]
    with pytest.raises(ValueError, match="at most 16 dims"):
        minitorch.tensor(deep, backend=backend)
    t = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)
    with pytest.raises(ValueError):
        t.item()
    with pytest.raises(minitorch.IndexingError):
        t.permute(0, 0)
    with pytest.raises(minitorch.IndexingError):
        t.sum(2)
    with pytest.raises(ValueError):
        t.permute(1, 0).view(4)  # not contiguous
    with pytest.raises(ValueError):
        t @ minitorch.tensor([[1.0, 2.0, 3.0]], backend=backend)
    with pytest.raises(minitorch.LoadError, match="no-such-backend"):
        minitorch.backend("no-such-backend")
    with pytest.raises(TypeError):
        minitorch.tensor([1.0], backend=42)


def test_cuda_backend_names_its_reason():
    usable = {r["name"] for r in minitorch.backends() if r["outcome"] == "loaded"}
    if "cuda" in usable:
        assert minitorch.TensorBackend(minitorch.CudaOps).cuda
    else:
        with pytest.raises(minitorch.LoadError, match="cuda") as error:
            minitorch.TensorBackend(minitorch.CudaOps)
        assert "usable backends" in str(error.value)


def test_fast_ops_is_parallel():
    usable = {r["name"] for r in minitorch.backends() if r["outcome"] == "loaded"}
    if "parallel" not in usable:
        pytest.skip("the parallel plugin is not usable here")
    b = minitorch.TensorBackend(minitorch.FastOps)
    assert b.name == "parallel" and not b.cuda and b.device == "cpu"
    row = next(r for r in minitorch.backends() if r["name"] == "parallel")
    assert row["outcome"] == "loaded" and row["note"] == b.note
    assert minitorch.FastTensorBackend is minitorch.FastTensorBackend


# ---- operators and functions against NumPy ------------------------------------


@settings(max_examples=25, deadline=None)
@given(arrays(), arrays())
def test_binary_operators(a, b):
    for name in ("reference", "parallel"):
        if name not in {r["name"] for r in minitorch.backends() if r["outcome"] == "loaded"}:
            continue
        be = minitorch.backend(name)
        ta, tb = minitorch.tensor(a.tolist(), backend=be), minitorch.tensor(b.tolist(), backend=be)
        try:
            expected_shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            with pytest.raises(minitorch.IndexingError):
                ta + tb
            continue
        assert (ta + tb).shape == expected_shape
        assert close((ta + tb).to_numpy(), a + b)
        assert close((ta - tb).to_numpy(), a - b)
        assert close((ta * tb).to_numpy(), a * b)
        assert ((ta < tb).to_numpy() == (a < b)).all()
        assert ((ta > tb).to_numpy() == (a > b)).all()
        assert ((ta == tb).to_numpy() == (a == b)).all()
        safe = np.where(np.abs(b) < 1, 1.0, b)
        assert close((ta / minitorch.tensor(safe.tolist(), backend=be)).to_numpy(), a / safe)


def test_numbers_on_either_side(backend):
    a = np.array([[1.0, -2.0], [3.5, 4.0]])
    t = minitorch.tensor(a.tolist(), backend=backend)
    cases = [
        (t + 2, a + 2), (2 + t, 2 + a), (t - 2, a - 2), (2 - t, 2 - a),
        (t * 3, a * 3), (3 * t, 3 * a), (t / 2, a / 2), (2 / t, 2 / a),
        (-t, -a), (t < 2, a < 2), (2 < t, 2 < a), (t > 2, a > 2), (t == 4, a == 4),
        (t + 1.5 * t - t / 4, a + 1.5 * a - a / 4),
    ]
    for got, expected in cases:
        assert close(got.to_numpy(), expected)


@settings(max_examples=25, deadline=None)
@given(arrays())
def test_unary_functions_and_reductions(a):
    t = minitorch.tensor(a.tolist())
    assert close(t.sigmoid().to_numpy(), 1 / (1 + np.exp(-a)))
    assert close(t.relu().to_numpy(), np.maximum(a, 0))
    assert close((t - 200).exp().to_numpy(), np.exp(a - 200))
    assert close((t + 100000).log().to_numpy(), np.log(a + 100000))
    assert t.sum().shape == (1,)
    assert close(t.sum().item(), a.sum())
    assert close(t.mean().item(), a.mean())
    for dim in range(a.ndim):
        assert close(t.sum(dim).to_numpy(), a.sum(axis=dim, keepdims=True))
        assert close(t.mean(dim=dim).to_numpy(), a.mean(axis=dim, keepdims=True))
        assert close(t.max(dim).to_numpy(), a.max(axis=dim, keepdims=True))
    assert t.all().item() == float((a != 0).all())
    assert close(t.is_close(t + 0.001).to_numpy(), np.ones(a.shape))


def test_reductions_on_every_backend(backend):
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 7
    t = minitorch.tensor(a.tolist(), backend=backend)
    for dim in range(3):
        assert close(t.sum(dim).to_numpy(), a.sum(axis=dim, keepdims=True))
        assert close(t.mean(dim).to_numpy(), a.mean(axis=dim, keepdims=True))
    assert t.all().item() == 0.0  # a has one zero
    assert (t + 100).all().item() == 1.0
    assert t.all(0).shape == (1, 3, 4)


def test_matmul(backend):
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    b = np.arange(12, dtype=np.float64).reshape(3, 4) / 3
    ta, tb = minitorch.tensor(a.tolist(), backend=backend), minitorch.tensor(b.tolist(), backend=backend)
    assert close((ta @ tb).to_numpy(), a @ b)
    batched = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    tbat = minitorch.tensor(batched.tolist(), backend=backend)
    assert (tbat @ minitorch.tensor(b.T.tolist(), backend=backend)).shape == (2, 3, 3)
    assert close((tbat @ minitorch.tensor(b.T.tolist(), backend=backend)).to_numpy(), batched @ b.T)


def test_views(backend):
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    t = minitorch.tensor(a.tolist(), backend=backend)
    p = t.permute(2, 0, 1)
    assert p.shape == (4, 2, 3) and not p.is_contiguous()
    assert (p.to_numpy() == a.transpose(2, 0, 1)).all()
    assert p[3, 1, 2] == a[1, 2, 3]
    assert t.permute((1, 0, 2)).shape == (3, 2, 4)
    assert (t.view(6, 4).to_numpy() == a.reshape(6, 4)).all()
    assert t.view((24,)).shape == (24,)
    c = p.contiguous()
    assert c.is_contiguous() and (c.to_numpy() == a.transpose(2, 0, 1)).all()
    assert (c.view(8, 3).to_numpy() == a.transpose(2, 0, 1).reshape(8, 3)).all()


def test_expand_and_make(backend):
    t = minitorch.zeros((1, 3), backend=backend)
    grad = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=backend)
    assert t.expand(grad).to_numpy().tolist() == [[5.0, 7.0, 9.0]]  # summed over dim 0
    wide = minitorch.zeros((2, 3), backend=backend)
    assert wide.expand(minitorch.tensor([1.0, 2.0, 3.0], backend=backend)).to_numpy().tolist() == \
        [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]  # broadcast up
    assert wide.expand(grad) is not None and wide.expand(grad).shape == (2, 3)
    with pytest.raises(minitorch.IndexingError):
        wide.expand(minitorch.zeros((4,), backend=backend))
    m = minitorch.Tensor.make([1.0, 2.0, 3.0, 4.0], (2, 2), (1, 2), backend=backend)
    assert m.to_numpy().tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_numpy_round_trip(backend):
    a = np.random.default_rng(0).normal(size=(3, 2, 2))
    t = minitorch.from_numpy(a, backend=backend)
    assert t.shape == (3, 2, 2)
    assert (t.to_numpy() == a).all()
    # A non-contiguous NumPy array is read in its logical order.
    assert (minitorch.from_numpy(a.transpose(1, 0, 2), backend=backend).to_numpy() ==
            a.transpose(1, 0, 2)).all()
    assert minitorch.tensor(a, backend=backend).shape == (3, 2, 2)


def test_to_numpy_views_host_storage(backend):
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=backend)
    a = t.to_numpy()
    if backend.device == "cpu":
        a[0, 1] = 20.0  # a view, as MiniTorch's to_numpy shares the storage
        assert t[0, 1] == 20.0
        p = t.permute(1, 0).to_numpy()
        assert p.tolist() == [[1.0, 4.0], [20.0, 5.0], [3.0, 6.0]]
        del t
        assert a.sum() == 39.0  # the array keeps the storage alive
    g = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True).to_numpy()
    assert g.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        g[0] = 5.0  # read-only while the tensor requires grad


def test_repr_is_minitorch_text():
    text = repr(minitorch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert "1.00 2.00" in text and "3.00 4.00" in text


# ---- autograd --------------------------------------------------------------------


def central_difference(f, a, index, eps=1e-6):
    up, down = a.copy(), a.copy()
    up[index] += eps
    down[index] -= eps
    return (f(up) - f(down)) / (2 * eps)


FUNCTIONS = {
    "add_mul": (lambda t: (t * t + 3 * t - 1).sum(), lambda a: (a * a + 3 * a - 1).sum()),
    "div": (lambda t: (1 / (t + 3.5)).sum(), lambda a: (1 / (a + 3.5)).sum()),
    "sigmoid": (lambda t: t.sigmoid().sum(), lambda a: (1 / (1 + np.exp(-a))).sum()),
    "relu": (lambda t: (t + 0.5).relu().sum(), lambda a: np.maximum(a + 0.5, 0).sum()),
    "log_exp": (lambda t: ((t * t + 1).log() + (t / 10).exp()).sum(),
                lambda a: (np.log(a * a + 1) + np.exp(a / 10)).sum()),
    "sum_dim_mean": (lambda t: (t.sum(0) * t.mean(1)).sum(),
                     lambda a: (a.sum(0, keepdims=True) * a.mean(1, keepdims=True)).sum()),
    "permute_view": (lambda t: (t.permute(1, 0).contiguous().view(6) * 2).sum(),
                     lambda a: (a.T.reshape(6) * 2).sum()),
    "matmul": (lambda t: (t @ t.permute(1, 0)).sum(), lambda a: (a @ a.T).sum()),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradients_match_central_differences(backend, name):
    forward, reference = FUNCTIONS[name]
    a = np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]])
    t = minitorch.tensor(a.tolist(), backend=backend, requires_grad=True)
    assert t.grad is None
    out = forward(t)
    assert close(out.item(), reference(a))
    out.backward()
    grad = t.grad.to_numpy()
    for index in np.ndindex(a.shape):
        assert abs(grad[index] - central_difference(reference, a, index)) < 1e-4, index


def test_gradient_over_broadcast(backend):
    x = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=backend, requires_grad=True)
    bias = minitorch.tensor([10.0, 20.0, 30.0], backend=backend, requires_grad=True)
    ((x + bias) * x).sum().backward()
    assert bias.grad.shape == (3,)
    assert bias.grad.to_numpy().tolist() == [5.0, 7.0, 9.0]  # sum over rows of x
    assert close(x.grad.to_numpy(), 2 * np.array([[1, 2, 3], [4, 5, 6]]) + [10, 20, 30])


def test_grad_lifecycle(backend):
    t = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    assert t.requires_grad() and t.is_leaf() and t.grad is None
    (t * t).sum().backward()
    assert t.grad.to_numpy().tolist() == [2.0, 4.0]
    (t * 3).sum().backward()  # gradients accumulate, as in MiniTorch
    assert t.grad.to_numpy().tolist() == [5.0, 7.0]
    t.zero_grad_()
    assert t.grad is None
    (t * 3).sum().backward()
    t.grad = None
    assert t.grad is None
    t.grad = minitorch.tensor([0.5, 0.25], backend=backend)
    assert t.grad.to_numpy().tolist() == [0.5, 0.25]
    with pytest.raises(minitorch.ShapeError, match=r"shape \(2\)"):
        t.grad = minitorch.tensor([1.0, 2.0, 3.0], backend=backend)
    t.zero_grad_()
    c = minitorch.tensor([1.0], backend=backend)
    assert not c.requires_grad() and c.is_constant()
    assert c.requires_grad_(True) is not None and c.requires_grad()
    d = (t * t).detach()
    assert not d.requires_grad()
    with pytest.raises(ValueError):
        t[0] = 4.0  # would silently break the graph
    y = t * 2
    y.backward(minitorch.tensor([1.0, 10.0], backend=backend))
    assert t.grad.to_numpy().tolist() == [2.0, 20.0]
    with pytest.raises(ValueError, match="one element"):
        (t * 2).backward()


def test_requires_grad_on_a_computed_tensor_makes_a_leaf(backend):
    # MiniTorch's grad_check(fn, t1.sum(0), t2) relies on this.
    t = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend, requires_grad=True)
    s = t.sum(0)
    assert not s.is_leaf()
    s.requires_grad_(True)
    assert s.is_leaf() and s.requires_grad() and s.to_numpy().tolist() == [[4.0, 6.0]]
    (s * s).sum().backward()
    assert s.grad.to_numpy().tolist() == [[8.0, 12.0]]
    assert t.grad is None  # the leaf cut the graph, as in MiniTorch
    minitorch.grad_check(lambda a, b: a * b, t.sum(0), minitorch.tensor([0.5, 2.0], backend=backend))


def test_no_grad(backend):
    t = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    with minitorch.no_grad():
        y = t * 2
    assert not y.requires_grad()
    assert (t * 2).requires_grad()


def test_comparisons_of_grad_tensors_pass_back_zeros(backend):
    # MiniTorch's LT and EQ are graph nodes with a zero backward, so a comparison
    # of tensors that require grad gives zero gradients rather than no graph.
    a = minitorch.tensor([1.0, 3.0], backend=backend, requires_grad=True)
    b = minitorch.tensor([2.0, 2.0], backend=backend, requires_grad=True)
    for out in (a < b, a > b, a == b, a < 2.0, a > 2.0, a == 3.0):
        assert out.requires_grad()
    ((a < b) + (a == 3.0) + a).sum().backward()
    assert [a.grad[i] for i in range(2)] == [1.0, 1.0]
    assert [b.grad[i] for i in range(2)] == [0.0, 0.0]
    c = minitorch.tensor([1.0, 3.0], backend=backend)
    assert not (c < 2.0).requires_grad()


def test_cuda_practice_results_on_any_backend(backend):
    # MiniTorch's practice kernels' results: per-32-element block sums (two of
    # them) and a square matmul, row-major in the TensorData's storage.
    values = [float(i % 7) - 3.0 for i in range(48)]
    out = minitorch.sum_practice(minitorch.tensor(values, backend=backend))
    assert out.shape == (2,)
    assert out._storage[0] == sum(values[:32]) and out._storage[1] == sum(values[32:])
    a = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)
    b = minitorch.tensor([[5.0, 6.0], [7.0, 8.0]], backend=backend)
    mm = minitorch.mm_practice(a, b)
    assert list(mm._storage) == [19.0, 22.0, 43.0, 50.0]


def test_numbers_of_every_kind_on_either_side(backend):
    # Python and NumPy numbers, on the left or the right; the same constant used
    # twice (a cached tensor) gives no gradient of its own and the same values.
    g = minitorch.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    out = (g * 3.0) + 1 - (2.0 / g) + np.float64(1) * g + g * np.int64(2) + True * g
    out.sum().backward()
    assert [g.grad[i] for i in range(2)] == [9.0, 7.5]  # 7 + 2 / g^2
    first, again = g.detach() * 3.0, g.detach() * 3.0
    assert [first[i] for i in range(2)] == [again[i] for i in range(2)] == [3.0, 6.0]
    assert not first.requires_grad()
    t = minitorch.tensor([1.0, 2.0], backend=backend)
    for bad in ("a", [1, 2], None):
        with pytest.raises(TypeError):
            t + bad
