"""Names in a traced graph: the unique node names (PyTorch's: ``add``, ``add_1``, ``sum_1``,
``layers_0``) and how a function target is written (``torch.relu``, ``operator.add``)."""

from __future__ import annotations

import builtins
import keyword
import operator
import re

__all__ = ["Namespace", "qualified_name", "snake_case", "target_to_str", "type_text"]

_ILLEGAL = re.compile(r"[^0-9a-zA-Z_]+")
_SUFFIX = re.compile(r"(.*)_(\d+)$")
_CAMEL = re.compile(r"(?<=[a-z])([A-Z])")
# names the generated code's globals hold, which a node may not shadow
_RESERVED = frozenset(("inf", "nan", "NoneType", "torch", "device", "math", "operator",
                       "gradkit"))


def snake_case(s: str) -> str:
    """``MyModule`` -> ``my_module``."""
    return _CAMEL.sub(r"_\1", s).lower()


def target_to_str(target) -> str:
    """The name a node is given after its target: a callable's ``__name__``, a path's text, a
    magic method's name without its underscores."""
    if callable(target):
        name = getattr(target, "__name__", None) or type(target).__name__
    else:
        name = str(target)
        if name.startswith("__") and name.endswith("__") and len(name) > 4:
            name = name[2:-2]
    return snake_case(name)


class Namespace:
    """Hands out unique Python identifiers: a candidate keeps its text where it is free, else
    gets the next ``_N`` suffix after its base (``add``, ``add_1``, ``add_2``)."""

    def __init__(self):
        self._used: set = set()
        self._base_count: dict = {}

    def create_name(self, candidate: str, obj=None) -> str:
        candidate = _ILLEGAL.sub("_", candidate) or "_unnamed"
        if candidate[0].isdigit():
            candidate = "_" + candidate
        m = _SUFFIX.match(candidate)
        if m is None:
            base, num = candidate, None
        else:
            base, num = m.group(1), int(m.group(2))
        candidate = base if num is None else f"{base}_{num}"
        if not num:
            num = self._base_count.get(base, 0)
        while candidate in self._used or self._illegal(candidate):
            num += 1
            candidate = f"{base}_{num}"
        self._used.add(candidate)
        self._base_count[base] = num
        return candidate

    def associate_name_with_obj(self, name: str, obj) -> None:
        self._used.add(name)

    def release(self, name: str) -> None:
        self._used.discard(name)

    @staticmethod
    def _illegal(name: str) -> bool:
        return keyword.iskeyword(name) or name in builtins.__dict__ or name in _RESERVED


# public gradkit namespaces a function may be found in, and the PyTorch path that names them
_PUBLIC = (("gradkit", "torch"), ("gradkit.nn.functional", "torch.nn.functional"),
           ("gradkit.linalg", "torch.linalg"), ("gradkit.fft", "torch.fft"),
           ("gradkit.special", "torch.special"))


def qualified_name(target) -> str:
    """How ``target`` (a callable) is written in printed graphs and generated code."""
    import sys

    name = getattr(target, "__name__", None)
    if name is not None and getattr(operator, name, None) is target:
        return f"operator.{name}"
    if name is not None and getattr(builtins, name, None) is target:
        return f"builtins.{name}"
    module = getattr(target, "__module__", None) or ""
    if name is not None and (module.startswith("gradkit") or module == "builtins"):
        for mod_name, shown in _PUBLIC:
            mod = sys.modules.get(mod_name)
            if mod is not None and getattr(mod, name, None) is target:
                return f"{shown}.{name}"
    qual = getattr(target, "__qualname__", name) or repr(target)
    if module.startswith("gradkit"):
        module = "torch" + module[len("gradkit"):]
    return f"{module}.{qual}" if module else qual


def type_text(t) -> str | None:
    """A node's type as printed graphs write it (``torch.Tensor``, ``int``); None for no type
    or one that is not a class."""
    if not isinstance(t, type):
        return None
    if t.__module__ == "builtins":
        return t.__qualname__
    return qualified_name(t)
