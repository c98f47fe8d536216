"""MiniTorch's module name minitorch.tensor_data: the strided-layout names, bound
from libminitorch (TensorData, IndexingError, shape_broadcast, the index helpers).
Only names; the layout rules are core's."""

from typing import Sequence

from ._minitorch import (  # noqa: F401
    MAX_DIMS,
    IndexingError,
    TensorData,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)
from .operators import prod  # noqa: F401  (MiniTorch's tensor_data imports it too)

UserIndex = Sequence[int]
UserShape = Sequence[int]
UserStrides = Sequence[int]
