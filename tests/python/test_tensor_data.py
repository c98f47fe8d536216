"""MiniTorch's TensorData through the Python front end (its test_tensor_data
cases: layout, bad layouts, enumeration, index, permute, broadcast, text) and
Tensor(TensorData, backend=) / Tensor._tensor on every usable backend."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import IndexingError, TensorData


@st.composite
def tensor_data(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    size = int(np.prod(shape))
    data = TensorData(draw(st.lists(st.floats(-100, 100), min_size=size, max_size=size)), shape)
    order = draw(st.permutations(range(len(shape))))
    return data.permute(*order)


def test_layout():
    data = TensorData([0] * 15, (3, 5), (5, 1))
    assert data.is_contiguous()
    assert data.shape == (3, 5) and data.strides == (5, 1) and data.dims == 2 and data.size == 15
    assert data.index((1, 0)) == 5 and data.index((1, 2)) == 7
    other = TensorData([0] * 15, (5, 3), (1, 5))
    assert not other.is_contiguous()
    assert other.index((1, 0)) == 1 and other.index((1, 2)) == 11
    assert TensorData([0] * 6, (2, 3)).strides == (3, 1)


def test_bad_layouts():
    with pytest.raises(IndexingError):
        TensorData([0] * 15, (3, 5), (6,))  # one stride for two dims
    with pytest.raises(IndexingError):
        TensorData([0] * 4, (3, 5))  # the storage is too short


@settings(max_examples=30, deadline=None)
@given(tensor_data())
def test_enumeration_and_index(data):
    indices = list(data.indices())
    assert len(indices) == data.size == len(set(indices))
    positions = {data.index(ind) for ind in indices}
    assert positions == set(range(data.size))  # a permuted dense layout visits every slot
    for ind in indices:
        assert all(0 <= i < s for i, s in zip(ind, data.shape))
    ind = data.sample()
    assert data.get(ind) == data._storage[data.index(ind)]
    bad = [0] * data.dims
    bad[0] = -1
    with pytest.raises(IndexingError):
        data.index(tuple(bad))
    bad[0] = data.shape[0]
    with pytest.raises(IndexingError):
        data.index(bad)
    if data.dims > 1:
        with pytest.raises(IndexingError):
            data.index((0,))


@settings(max_examples=30, deadline=None)
@given(tensor_data(), st.data())
def test_permute(data, draw):
    order = draw.draw(st.permutations(range(data.dims)))
    permuted = data.permute(*order)
    assert permuted.shape == tuple(data.shape[o] for o in order)
    for ind in permuted.indices():
        original = [0] * data.dims
        for new_dim, old_dim in enumerate(order):
            original[old_dim] = ind[new_dim]
        assert permuted.get(ind) == data.get(tuple(original))
    with pytest.raises(IndexingError):
        data.permute(*([0] * data.dims)) if data.dims > 1 else data.permute(1)


def test_shape_broadcast():
    assert TensorData.shape_broadcast((1,), (5, 5)) == (5, 5)
    assert TensorData.shape_broadcast((5, 5), (1,)) == (5, 5)
    assert TensorData.shape_broadcast((1, 5, 5), (5, 5)) == (1, 5, 5)
    assert TensorData.shape_broadcast((5, 1, 5, 1), (1, 5, 1, 5)) == (5, 5, 5, 5)
    assert minitorch.shape_broadcast((2, 5), (5,)) == (2, 5)
    for a, b in [((5, 7, 5, 1), (1, 5, 1, 5)), ((5, 2), (5,)), ((2, 5), (5, 2))]:
        with pytest.raises(IndexingError):
            TensorData.shape_broadcast(a, b)


def test_set_writes_the_shared_storage_and_text():
    storage = np.arange(6.0)
    data = TensorData(storage, (2, 3))
    data.set((1, 1), 40.0)
    assert storage[4] == 40.0 and data.get((1, 1)) == 40.0
    assert data.to_string() == "\n[\n\t[0.00 1.00 2.00]\n\t[3.00 40.00 5.00]]"
    s, shape, strides = data.tuple()
    assert s is data._storage and shape.tolist() == [2, 3] and strides.tolist() == [3, 1]


def test_tensor_from_tensor_data(backend):
    data = TensorData(np.arange(6.0), (2, 3)).permute(1, 0)
    t = minitorch.Tensor(data, backend=backend)
    assert t.shape == (3, 2) and t.strides == (1, 3) and not t.is_contiguous()
    assert t.to_numpy().tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    back = t._tensor
    assert back.shape == (3, 2) and back.strides == (1, 3)
    assert back._storage.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert back.get((2, 1)) == 5.0
    assert (t * 2).sum().item() == 30.0


def test_index_helpers():
    assert minitorch.index_to_position((1, 2), (5, 1)) == 7
    assert minitorch.index_to_position((1, 2), (1, 5)) == 11
    out = np.zeros(3, dtype=np.int32)
    seen = set()
    for ordinal in range(2 * 3 * 2):
        minitorch.to_index(ordinal, (2, 3, 2), out)
        seen.add(tuple(out.tolist()))
    assert len(seen) == 12 and (1, 2, 1) in seen
    minitorch.to_index(5, (2, 3), out)
    assert out[:2].tolist() == [1, 2]
    with pytest.raises(IndexingError):
        minitorch.to_index(6, (2, 3), out)
    small = np.zeros(2, dtype=np.int64)
    minitorch.broadcast_index((1, 2, 3), (2, 3, 4), (3, 1), small)
    assert small.tolist() == [2, 0]
    minitorch.broadcast_index((1, 2, 3), (2, 3, 4), (1, 4), small)
    assert small.tolist() == [0, 3]
    with pytest.raises(ValueError):
        minitorch.broadcast_index((1, 2), (2, 3, 4), (4,), small)
    assert minitorch.MAX_DIMS == 16
    assert minitorch.UserShape is not None


def test_tensor_takes_the_backend_in_backs_place():
    # MiniTorch's Tensor(v, back=None, name=None, backend=None): a backend given
    # positionally is the backend; a History there is refused with the way round.
    td = minitorch.TensorData([1.0, 2.0, 3.0, 4.0], (2, 2), (1, 2))
    t = minitorch.Tensor(td, minitorch.TensorBackend(minitorch.SimpleOps))
    assert t.backend.name == "reference" and t.strides == (1, 2) and t[1, 0] == 2.0
    with pytest.raises(minitorch.ArgumentError, match="Function"):
        minitorch.Tensor(td, minitorch.History())
    with pytest.raises(TypeError, match="name"):
        minitorch.Tensor(td, name="x")


def test_strides_of_the_wrong_length_are_an_indexing_error():
    with pytest.raises(minitorch.IndexingError, match="one stride per dim"):
        minitorch.TensorData([0.0] * 15, (3, 5), (6,))
