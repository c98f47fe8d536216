"""from_numpy's zero-copy path on every usable backend: when a NumPy array is shared
(host backend with adopt_host; float32/float64, aligned, writable, strides >= 0 that are
multiples of the item size) and when it is copied, and that either side sees the other's
writes. Not a test of to_numpy alone (test_tensor.py covers that)."""

import gc

import numpy as np
import pytest

import minitorch


def shares(backend):
    return minitorch._from_numpy_plan(np.zeros(2), backend=backend) == "shared"


def test_host_backends_share(backend):
    # reference and parallel implement adopt_host; a device backend never does.
    assert shares(backend) == (backend.device == "cpu")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_writes_are_seen_both_ways(backend, dtype):
    if not shares(backend):
        pytest.skip(minitorch._from_numpy_plan(np.zeros(2), backend=backend))
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    t = minitorch.from_numpy(a, backend=backend)
    assert t.dtype == ("f32" if dtype == np.float32 else "f64")
    a[1, 2] = 50.0
    assert t[1, 2] == 50.0
    t[0, 1] = -7.0
    assert a[0, 1] == -7.0
    assert (t * 2).to_numpy().tolist() == [[0.0, -14.0, 4.0], [6.0, 8.0, 100.0]]
    back = t.to_numpy()  # the same memory, in the array's dtype
    assert back.dtype == dtype and np.shares_memory(back, a)


def test_strided_views_are_shared(backend):
    if not shares(backend):
        pytest.skip("backend copies")
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    view = base[::2, 1::2].T  # shape (3, 2), byte strides (16, 96)
    assert minitorch._from_numpy_plan(view, backend=backend) == "shared"
    t = minitorch.from_numpy(view, backend=backend)
    assert t.shape == (3, 2)
    assert t.strides == (2, 12)
    assert (t.to_numpy() == view).all()
    t[2, 1] = -1.0  # view[2, 1] is base[2, 5]
    assert base[2, 5] == -1.0
    assert np.shares_memory(t.to_numpy(), base)


def test_array_kept_alive_by_the_tensor(backend):
    if not shares(backend):
        pytest.skip("backend copies")
    a = np.linspace(0.0, 1.0, 1000)
    expected = a.copy()
    t = minitorch.from_numpy(a, backend=backend)
    del a
    gc.collect()
    _ = np.ones(1000) * 3.0  # reuse freed memory if the array had been released
    assert (t.to_numpy() == expected).all()
    view = t.view(10, 100)
    del t
    gc.collect()
    assert view.sum().item() == pytest.approx(expected.sum())


def test_non_writable_array_is_copied(backend):
    a = np.arange(4, dtype=np.float64)
    a.setflags(write=False)
    assert minitorch._from_numpy_plan(a, backend=backend).startswith("copied")
    t = minitorch.from_numpy(a, backend=backend)
    t[0] = 9.0
    assert a[0] == 0.0  # the read-only array is untouched
    assert not np.shares_memory(t.to_numpy(), a)


@pytest.mark.parametrize("make, reason", [
    (lambda: np.arange(4, dtype=np.int64), "dtype"),
    (lambda: np.arange(4, dtype=np.float16), "dtype"),
    (lambda: np.arange(8, dtype=np.float64)[::-2], "stride"),
    (lambda: np.broadcast_to(np.arange(3.0), (4, 3)), "writable"),
    (lambda: np.frombuffer(bytearray(8 * 4 + 1), dtype=np.float64, count=4, offset=1), "aligned"),
])
def test_layouts_that_copy(backend, make, reason):
    a = make()
    plan = minitorch._from_numpy_plan(a, backend=backend)
    assert plan.startswith("copied") and (reason in plan or not shares(backend)), plan
    t = minitorch.from_numpy(a, backend=backend)
    assert t.dtype == "f64"  # copies of anything but float32 are float64
    assert (t.to_numpy() == a.astype(np.float64)).all()
    assert not np.shares_memory(t.to_numpy(), a)


def test_float32_copy_stays_float32(backend):
    a = np.arange(6, dtype=np.float32)[::-1]  # negative stride: copied
    t = minitorch.from_numpy(a, backend=backend)
    assert t.dtype == "f32"
    assert t.to_numpy().tolist() == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


def test_shared_leaf_trains_in_place(backend):
    if not shares(backend):
        pytest.skip("backend copies")
    w = np.array([1.0, 2.0, 3.0])
    t = minitorch.from_numpy(w, backend=backend, requires_grad=True)
    (t * t).sum().backward()
    assert t.grad.to_numpy().tolist() == [2.0, 4.0, 6.0]
    assert np.shares_memory(t.to_numpy(), w)  # read-only view while it requires grad


def test_to_numpy_arrays_come_back_as_views_of_the_storage(backend):
    if not shares(backend):
        pytest.skip("backend copies")
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=backend)
    part = minitorch.from_numpy(t.to_numpy()[:, 1:], backend=backend)  # a view of a view
    assert part.shape == (2, 2)
    part[1, 0] = -5.0
    assert t[1, 1] == -5.0  # the same storage, not an adopted copy of it
    # The original keeps working on its full storage (sums every element).
    assert t.sum().item() == 1.0 + 2.0 + 3.0 + 4.0 - 5.0 + 6.0
    assert (part * 1).to_numpy().tolist() == [[2.0, 3.0], [-5.0, 6.0]]
