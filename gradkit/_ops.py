"""``torch.ops`` and ``torch._ops``: operators found by namespace and name.

``torch.ops.aten.add.Tensor`` is an :class:`OpOverload` (one overload of the operator),
``torch.ops.aten.add`` its :class:`OpOverloadPacket`; libraries key tables by them (the handlers
of their ``__torch_dispatch__`` subclasses) and call them as functions. gradkit has no schema
registry: an ``aten`` operator calls gradkit's function of its name (``gradkit.X``,
in-place ``Tensor.X_``, ``nn.functional.X``) or one of the few ATen-only names below
(``_to_copy``, ``slice``, ``index``, ...), and any other ATen name is an operator whose call
raises NotImplementedError naming it (so tables keyed by it can be built); every overload name
(``.default``, ``.Tensor``, ``.int``, ...) calls that function, which tells its argument forms
apart itself. Other namespaces hold the operators defined with
``torch.library.custom_op("ns::name", ...)``.
"""

from __future__ import annotations

__all__ = ["OpNamespace", "OpOverload", "OpOverloadPacket", "load_library", "namespace", "ops"]


def _to_copy(self, *, dtype=None, layout=None, device=None, pin_memory=None,
             non_blocking=False, memory_format=None):
    out = self.to(device=device, dtype=dtype, non_blocking=non_blocking, copy=True)
    return out


def _slice(self, dim=0, start=None, end=None, step=1):
    index = [slice(None)] * self.dim()
    index[dim] = slice(start, end, step)
    return self[tuple(index)]


def _index(self, indices):
    return self[tuple(slice(None) if i is None else i for i in indices)]


# ATen names without a function of the same name in gradkit
_ATEN_ONLY = {
    "_to_copy": _to_copy,
    "slice": _slice,
    "index": _index,
    "alias": lambda self: self.view_as(self),
    "_pin_memory": lambda self, device=None: self.pin_memory(),
    "sym_size": lambda self, dim=None: self.size() if dim is None else self.size(dim),
    "sym_numel": lambda self: self.numel(),
    "sym_stride": lambda self, dim=None: self.stride() if dim is None else self.stride(dim),
}


def _aten_function(name: str):
    """gradkit's function for the ATen operator ``name``, or None."""
    if name in _ATEN_ONLY:
        return _ATEN_ONLY[name]
    import gradkit
    from gradkit import Tensor
    from gradkit.nn import functional

    if name.endswith("_") and not name.startswith("_"):  # in-place: add_, sub_, ...
        method = getattr(Tensor, name, None)
        return method if callable(method) else None
    for home in (gradkit, functional):
        fn = getattr(home, name, None)
        if callable(fn) and not isinstance(fn, type):
            return fn
    method = getattr(Tensor, name, None)
    return method if callable(method) else None


def _missing_aten(name: str):
    def missing(*args, **kwargs):
        raise NotImplementedError(
            f"aten::{name}: gradkit has no function for this ATen operator (it looks for "
            f"gradkit.{name}, Tensor.{name} and nn.functional.{name}); call the public torch "
            "function that does the same, or run this program with PyTorch")

    return missing


class OpOverload:
    """One overload of an operator (``torch.ops.aten.add.Tensor``): call it as the function."""

    def __init__(self, packet: "OpOverloadPacket", overload: str, fn) -> None:
        self.overloadpacket = packet
        self._overloadname = overload
        self._op = fn
        self.__name__ = f"{packet._name}.{overload}"
        self.__qualname__ = packet._qualified_op_name
        self.__module__ = f"torch._ops.{packet._namespace}"

    def name(self) -> str:
        """``aten::add.Tensor``; the default overload is the operator's plain name."""
        if self._overloadname == "default":
            return self.overloadpacket._qualified_op_name
        return f"{self.overloadpacket._qualified_op_name}.{self._overloadname}"

    @property
    def namespace(self) -> str:
        return self.overloadpacket._namespace

    def __call__(self, *args, **kwargs):
        return self._op(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<OpOverload(op='{self.overloadpacket._namespace}.{self.overloadpacket._name}', " \
               f"overload='{self._overloadname}')>"

    def __str__(self) -> str:
        return f"{self.overloadpacket._namespace}.{self.overloadpacket._name}.{self._overloadname}"


class OpOverloadPacket:
    """All overloads of one operator (``torch.ops.aten.add``); calling it calls the function."""

    def __init__(self, namespace: str, name: str, fn) -> None:
        self._namespace = namespace
        self._name = name
        self._qualified_op_name = f"{namespace}::{name}"
        self._op = fn
        self._overloads: dict[str, OpOverload] = {}
        self.__name__ = name
        self.__qualname__ = name
        self.__module__ = f"torch._ops.{namespace}"

    def __getattr__(self, overload: str) -> OpOverload:
        if overload.startswith("__"):
            raise AttributeError(overload)
        found = self._overloads.get(overload)
        if found is None:  # (no schema registry: every overload name calls the one function)
            found = self._overloads[overload] = OpOverload(self, overload, self._op)
        return found

    def overloads(self) -> list[str]:
        """The overload names asked for so far (gradkit keeps no list of schemas)."""
        return list(self._overloads)

    def __call__(self, *args, **kwargs):
        return self._op(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<OpOverloadPacket(op='{self._namespace}.{self._name}')>"

    def __str__(self) -> str:
        return f"{self._namespace}.{self._name}"


class OpNamespace:
    """``torch.ops.<namespace>``: ``aten``'s operators are gradkit's functions, any other
    namespace's the ``torch.library.custom_op`` operators defined in it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._packets: dict[str, OpOverloadPacket] = {}

    def __getattr__(self, op_name: str) -> OpOverloadPacket:
        if op_name.startswith("__"):
            raise AttributeError(op_name)
        packet = self._packets.get(op_name)
        if packet is not None:
            return packet
        if self.name == "aten":  # every ATen name is an operator, as in PyTorch's table
            fn = _aten_function(op_name) or _missing_aten(op_name)
        else:
            from .library import _OPS

            fn = _OPS.get(f"{self.name}::{op_name}")
        if fn is None:
            raise AttributeError(f"'_OpNamespace' '{self.name}' object has no attribute "
                                 f"'{op_name}' (gradkit has no operator {self.name}::{op_name})")
        packet = self._packets[op_name] = OpOverloadPacket(self.name, op_name, fn)
        return packet

    def __repr__(self) -> str:
        return f"<module 'torch.ops.{self.name}'>"


_NAMESPACES: dict[str, OpNamespace] = {}


def namespace(name: str) -> OpNamespace:
    """``torch.ops.<name>``, made on first use and kept (so its operators stay the same objects)."""
    found = _NAMESPACES.get(name)
    if found is None:
        found = _NAMESPACES[name] = OpNamespace(name)
    return found


class _Ops:
    """``torch._ops.ops``: the namespaces by attribute (``torch.ops`` itself is gradkit.ops)."""

    def __getattr__(self, name: str) -> OpNamespace:
        if name.startswith("__"):
            raise AttributeError(name)
        return namespace(name)


ops = _Ops()


def load_library(path) -> None:
    """``torch.ops.load_library``: refused, an operator library is compiled against PyTorch's
    ATen (a missing file: PyTorch's OSError)."""
    import os

    if not os.path.exists(str(path)):
        raise OSError(f"Could not load this library: {os.path.abspath(str(path))}")
    raise RuntimeError(f"torch.ops.load_library({str(path)!r}): gradkit cannot load compiled "
                       f"PyTorch operator libraries (they link against ATen); use the code's "
                       f"pure-Python path, or run this program with PyTorch")
