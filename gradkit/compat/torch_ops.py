"""``torch.ops`` under ``gradkit run``: the operator namespaces (``torch.ops.aten.mm``).

In PyTorch, ``torch.ops.aten.<name>`` is an ``OpOverloadPacket`` of the ATen operator (its
overloads ``.default``, ``.Tensor``, ...); libraries use them as keys of tables (FLOP counters
map ``aten.mm`` to a formula) and sometimes call them. gradkit has no ATen layer: here each is a
named, hashable stand-in (the same object for the same name) that, called, runs gradkit's
function of the same name (``gradkit.mm``, ``gradkit.nn.functional.<name>``), and raises
``NotImplementedError`` naming the operator where gradkit has none. Loading operator libraries
(``torch.ops.load_library``) is refused: they are compiled against PyTorch.
"""

from __future__ import annotations

__all__ = ["OpOverload", "OpOverloadPacket", "namespace", "load_library"]

_NAMESPACES: dict = {}


def _resolve(name: str):
    import gradkit
    import gradkit.nn.functional as F

    for where in (gradkit, F):
        fn = getattr(where, name, None)
        if callable(fn):
            return fn
    return None


class OpOverload:
    """One overload of an operator (``torch.ops.aten.mm.default``)."""

    def __init__(self, packet, overload: str):
        self.overloadpacket = packet
        self._overloadname = overload
        self.__name__ = f"{packet._name}.{overload}"
        self.__qualname__ = self.__name__

    def name(self) -> str:
        return f"{self.overloadpacket._qualified_op_name}" + (
            "" if self._overloadname == "default" else f".{self._overloadname}")

    def __call__(self, *args, **kwargs):
        return self.overloadpacket(*args, **kwargs)

    def __repr__(self):
        return f"{self.overloadpacket._ns}.{self.__name__}"

    __str__ = __repr__


class OpOverloadPacket:
    """An operator by name (``torch.ops.aten.mm``); its attributes are its overloads."""

    def __init__(self, ns: str, name: str):
        self._ns = ns
        self._name = name
        self.__name__ = name
        self._qualified_op_name = f"{ns}::{name}"
        self._overloads: dict = {}

    def __getattr__(self, overload):
        if overload.startswith("__"):
            raise AttributeError(overload)
        got = self._overloads.get(overload)
        if got is None:
            got = self._overloads[overload] = OpOverload(self, overload)
        return got

    def overloads(self):
        return list(self._overloads)

    def __call__(self, *args, **kwargs):
        fn = _resolve(self._name) if self._ns == "aten" else None
        if fn is None:
            raise NotImplementedError(
                f"torch.ops.{self._ns}.{self._name}: gradkit has no ATen operators and no "
                f"function named {self._name!r} to run in its place; call the public function "
                f"(torch.*, torch.nn.functional.*) instead, or run this program with PyTorch")
        return fn(*args, **kwargs)

    def __repr__(self):
        return f"{self._ns}.{self._name}"

    __str__ = __repr__


class _OpNamespace:
    """``torch.ops.<ns>``: its attributes are the operators of that namespace."""

    def __init__(self, ns: str):
        self.name = ns
        self._ops: dict = {}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        got = self._ops.get(name)
        if got is None:
            got = self._ops[name] = OpOverloadPacket(self.name, name)
        return got

    def __repr__(self):
        return f"_OpNamespace({self.name!r})"


def namespace(ns: str) -> _OpNamespace:
    """The namespace ``torch.ops.<ns>`` (the same object each time)."""
    got = _NAMESPACES.get(ns)
    if got is None:
        got = _NAMESPACES[ns] = _OpNamespace(ns)
    return got


def load_library(path) -> None:
    """Refused: an operator library is compiled against PyTorch's ATen."""
    raise RuntimeError(f"torch.ops.load_library({str(path)!r}): gradkit cannot load compiled "
                       f"PyTorch operator libraries (they link against ATen); use the code's "
                       f"pure-Python path, or run this program with PyTorch")
