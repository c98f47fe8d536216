"""MiniTorch's module name minitorch.fast_ops: FastOps stands for the "parallel"
plugin (oneTBB kernels in C++); no kernels are written in Python."""

from .tensor_ops import FastOps  # noqa: F401
