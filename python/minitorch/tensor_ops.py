"""MiniTorch's ops classes, as names for the C++ backend plugins.

``TensorBackend(SimpleOps)`` is the "reference" plugin, ``FastOps`` "parallel" and
``CudaOps`` "cuda". The classes hold no kernels: the plugins do the work.
"""


class TensorOps:
    """Stands for a backend plugin; ``backend_name`` is the registry name."""

    backend_name = "reference"
    cuda = False


class SimpleOps(TensorOps):
    backend_name = "reference"


class FastOps(TensorOps):
    backend_name = "parallel"


class CudaOps(TensorOps):
    backend_name = "cuda"
    cuda = True
