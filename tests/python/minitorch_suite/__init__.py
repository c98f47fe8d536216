# MiniTorch's own test suite, re-created file by file from its description
# (MINITORCH_REFERENCE.md §3): a package, as MiniTorch's tests/ is.
