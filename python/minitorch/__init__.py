"""minitorch — MiniTorch's Python API, run by the MiniTorch C++ core and its plugins.

Tensors, autograd, backends and operators are libminitorch's (bound in the
extension ``minitorch._minitorch``); this package only arranges MiniTorch's names.
See docs/python.md for what is bound today and what is not yet.
"""

from typing import Sequence

from . import _minitorch
from . import operators
from .operators import prod
from ._minitorch import (
    AllocationError,
    ArgumentError,
    BackendError,
    DataError,
    IndexingError,
    LoadError,
    MiniTorchError,
    ShapeError,
    Tensor,
    TensorBackend,
    TensorData,
    MAX_DIMS,
    backend,
    broadcast_index,
    index_to_position,
    to_index,
    backends,
    default_backend,
    from_numpy,
    _from_numpy_plan,
    manual_seed,
    no_grad,
    ones,
    rand,
    set_default_backend,
    shape_broadcast,
    strides_from_shape,
    tensor,
    zeros,
)
from .datasets import datasets
from .module import Module, Parameter
from .nn import (
    Conv1dFun,
    Conv2dFun,
    argmax,
    avgpool2d,
    conv1d,
    conv2d,
    dropout,
    logsoftmax,
    max,
    maxpool2d,
    softmax,
    tile,
)
from .optim import SGD, Optimizer
from .scalar import (
    Context,
    Scalar,
    ScalarFunction,
    ScalarHistory,
    central_difference,
    derivative_check,
)
from .tensor_functions import Function, History, grad_central_difference, grad_check
from .tensor_ops import CudaOps, FastOps, SimpleOps, TensorOps
from .cuda_ops import mm_practice, sum_practice
from .testing import MathTest, MathTestVariable

# MiniTorch's module names (aliases of the names above).
from . import autodiff, cuda_ops, fast_conv, fast_ops, scalar_functions, tensor_data  # noqa: E402,F401

version = "0.5"

# MiniTorch's type names for shapes and indices given by users (tuples of ints).
UserIndex = Sequence[int]
UserShape = Sequence[int]
UserStrides = Sequence[int]

def _make(storage, shape, strides=None, backend=None):
    """MiniTorch's Tensor.make: a tensor over a storage list, shape and strides."""
    return Tensor(TensorData(storage, shape, strides), backend=backend)


Tensor.make = staticmethod(_make)

# The classes print as minitorch.X, where users find them.
for _cls in (Tensor, TensorBackend, TensorData, Scalar, no_grad):
    _cls.__module__ = "minitorch"
del _cls

__all__ = [
    "AllocationError", "ArgumentError", "BackendError", "CudaOps", "DataError", "FastOps",
    "IndexingError", "LoadError", "MiniTorchError", "ShapeError", "SimpleOps", "Tensor",
    "TensorBackend", "TensorData", "TensorOps", "backend", "backends", "default_backend", "from_numpy",
    "manual_seed", "no_grad", "ones", "operators", "rand", "set_default_backend",
    "shape_broadcast", "strides_from_shape", "tensor", "zeros",
    "Module", "Parameter", "SGD", "Optimizer", "Conv1dFun", "Conv2dFun", "argmax", "avgpool2d",
    "conv1d", "conv2d", "dropout", "logsoftmax", "max", "maxpool2d", "softmax", "tile",
    "grad_central_difference", "grad_check", "datasets", "MathTest", "MathTestVariable",
    "Context", "Scalar", "ScalarFunction", "ScalarHistory", "central_difference",
    "derivative_check", "MAX_DIMS", "prod", "UserIndex", "UserShape", "UserStrides", "broadcast_index",
    "index_to_position", "to_index", "Function", "History", "mm_practice", "sum_practice",
]

# MiniTorch's module-level backends, loaded on first use (PEP 562), so that
# `import minitorch` loads no plugin it is not asked for.
_LAZY_BACKENDS = {"SimpleBackend": "reference", "FastTensorBackend": "parallel",
                  "CudaTensorBackend": "cuda"}


def __getattr__(name):
    if name in _LAZY_BACKENDS:
        loaded = TensorBackend(_LAZY_BACKENDS[name])
        globals()[name] = loaded
        return loaded
    raise AttributeError(f"module 'minitorch' has no attribute {name!r}")
