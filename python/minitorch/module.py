"""MiniTorch's Module / Parameter tree for Python classes.

Python subclasses register parameters and child modules by attribute
assignment, exactly as MiniTorch's do, so this bookkeeping is Python: C++'s
mt::BasicModule registers each name once through add_parameter and cannot hold
MiniTorch's reassign-to-replace attributes or its None for unknown names. The
tensors a Parameter holds, and all their arithmetic, are libminitorch's.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple


class Parameter:
    """A value a module trains. Holds any Python value; one with ``requires_grad_``
    (a Tensor) is switched to require grad and given the parameter's name."""

    def __init__(self, x: Any = None, name: Optional[str] = None) -> None:
        self.value = x
        self.name = name
        self._prepare()

    def update(self, x: Any) -> None:
        """Replaces the value (an optimizer step does this with a fresh leaf)."""
        self.value = x
        self._prepare()

    def _prepare(self) -> None:
        if hasattr(self.value, "requires_grad_"):
            self.value.requires_grad_(True)
            if self.name:
                self.value.name = self.name

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)


class Module:
    """A node of the module tree: parameters and child modules by attribute,
    dotted ``named_parameters``, ``train``/``eval`` for the whole subtree, and
    ``__call__`` running ``forward``."""

    _modules: Dict[str, "Module"]
    _parameters: Dict[str, Parameter]
    training: bool

    def __init__(self) -> None:
        self.__dict__["_modules"] = {}
        self.__dict__["_parameters"] = {}
        self.__dict__["training"] = True

    def modules(self) -> Sequence["Module"]:
        """The direct children, in the order they were assigned."""
        return list(self.__dict__["_modules"].values())

    def train(self) -> None:
        """Training mode for this module and every descendant."""
        self._set_training(True)

    def eval(self) -> None:
        """Evaluation mode for this module and every descendant."""
        self._set_training(False)

    def _set_training(self, mode: bool) -> None:
        self.__dict__["training"] = mode
        for child in self.modules():
            child._set_training(mode)

    def named_parameters(self) -> Sequence[Tuple[str, Parameter]]:
        """This module's parameters, then each child's, named by dotted path ("b.c.p3")."""
        out: List[Tuple[str, Parameter]] = list(self.__dict__["_parameters"].items())
        for key, child in self.__dict__["_modules"].items():
            out.extend((f"{key}.{name}", p) for name, p in child.named_parameters())
        return out

    def parameters(self) -> Sequence[Parameter]:
        return [p for _, p in self.named_parameters()]

    def add_parameter(self, k: str, v: Any) -> Parameter:
        """Wraps v in Parameter(v, k) and registers it under k."""
        val = Parameter(v, k)
        self.__dict__["_parameters"][k] = val
        self.__dict__[k] = val
        return val

    def __setattr__(self, key: str, val: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"{type(self).__name__}: set {key!r} after calling Module.__init__ "
                "(super().__init__() first), so the module has its parameter table")
        modules = self.__dict__["_modules"]
        # A Parameter or Module is also kept in __dict__, so reading it back is a
        # plain attribute lookup (no __getattr__ call on the training hot path).
        if isinstance(val, Parameter):
            params[key] = val
            self.__dict__[key] = val
        elif isinstance(val, Module):
            modules[key] = val
            self.__dict__[key] = val
        else:
            super().__setattr__(key, val)

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails; MiniTorch returns None for an unknown name.
        if key.startswith("__"):
            raise AttributeError(key)
        d = self.__dict__
        if key in d.get("_parameters", {}):
            return d["_parameters"][key]
        if key in d.get("_modules", {}):
            return d["_modules"][key]
        return None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        lines = []
        for key, module in self.__dict__["_modules"].items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({key}): {text}")
        main = type(self).__name__ + "("
        if lines:
            main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
