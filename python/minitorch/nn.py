"""MiniTorch's Module-4 tensor functions (nn.py, fast_conv.py) with their names
and signatures, each one call into libminitorch's mt::nn. No kernels here."""

from typing import Tuple

from . import _minitorch
from ._minitorch import Tensor

_nn = _minitorch.nn


def _pair(kernel) -> Tuple[int, int]:
    kh, kw = kernel
    return int(kh), int(kw)


def tile(input: Tensor, kernel: Tuple[int, int]) -> Tuple[Tensor, int, int]:
    """(B, C, H, W) -> ((B, C, H/kh, W/kw, kh*kw), H/kh, W/kw)."""
    kh, kw = _pair(kernel)
    out = _nn.tile(input, kh, kw)
    return out, out.shape[2], out.shape[3]


def avgpool2d(input: Tensor, kernel: Tuple[int, int]) -> Tensor:
    return _nn.avgpool2d(input, *_pair(kernel))


def maxpool2d(input: Tensor, kernel: Tuple[int, int]) -> Tensor:
    return _nn.maxpool2d(input, *_pair(kernel))


def max(input: Tensor, dim: int) -> Tensor:  # noqa: A001 - MiniTorch's name
    """Maximum along dim (kept at size 1); the gradient goes to the first maximum."""
    return _nn.max(input, dim)


def argmax(input: Tensor, dim: int) -> Tensor:
    """MiniTorch's argmax: a one-hot tensor of input's shape marking the maximum along dim."""
    return _nn.argmax_one_hot(input, dim)


def softmax(input: Tensor, dim: int) -> Tensor:
    return _nn.softmax(input, dim)


def logsoftmax(input: Tensor, dim: int) -> Tensor:
    return _nn.logsoftmax(input, dim)


def dropout(input: Tensor, rate: float, ignore: bool = False) -> Tensor:
    """Zeros each element with probability rate and scales the rest by 1/(1-rate);
    ignore=True returns input unchanged. The mask comes from the core's generator
    (minitorch.manual_seed)."""
    return _nn.dropout(input, rate, not ignore)


class Conv1dFun:
    """MiniTorch's 1-D convolution function: apply(input (B,Cin,W), weight (Cout,Cin,K))."""

    @staticmethod
    def apply(input: Tensor, weight: Tensor) -> Tensor:
        return _nn.conv1d(input, weight)


class Conv2dFun:
    """MiniTorch's 2-D convolution function: apply(input (B,Cin,H,W), weight (Cout,Cin,KH,KW))."""

    @staticmethod
    def apply(input: Tensor, weight: Tensor) -> Tensor:
        return _nn.conv2d(input, weight)


conv1d = Conv1dFun.apply
conv2d = Conv2dFun.apply

__all__ = ["tile", "avgpool2d", "maxpool2d", "max", "argmax", "softmax", "logsoftmax",
           "dropout", "Conv1dFun", "Conv2dFun", "conv1d", "conv2d"]
