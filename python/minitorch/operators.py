"""minitorch.operators — MiniTorch Module 0's scalar operators and list helpers.

Every function is the C++ teaching layer's (core/include/minitorch/teaching/),
bound in ``minitorch._minitorch.operators``; nothing is re-implemented here.
"""

from ._minitorch.operators import (  # noqa: F401
    add,
    addLists,
    eq,
    exp,
    id,
    inv,
    inv_back,
    is_close,
    log,
    log_back,
    lt,
    map,
    max,
    mul,
    neg,
    negList,
    prod,
    reduce,
    relu,
    relu_back,
    sigmoid,
    sum,
    zipWith,
)

__all__ = ["add", "addLists", "eq", "exp", "id", "inv", "inv_back", "is_close", "log",
           "log_back", "lt", "map", "max", "mul", "neg", "negList", "prod", "reduce", "relu",
           "relu_back", "sigmoid", "sum", "zipWith"]
