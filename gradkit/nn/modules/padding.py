"""Padding layers: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``, ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d`` (all on :func:`gradkit.nn.functional.pad`).

``padding`` is stored as PyTorch stores it: a ``2 n``-tuple ``(left, right, top, bottom, front,
back)``, last dimension first.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ..._tensor import Tensor, as_tensor_arg
from ..functional._faces import replaced
from ..functional.resample import pad as _pad
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]

_SPATIAL = {1: "W", 2: "H, W", 3: "D, H, W"}


def _ntuple(padding, n, layer):
    if isinstance(padding, bool):
        raise TypeError(f"{layer}: padding must be an int or a tuple of {2 * n} ints, got "
                        f"{padding!r}")
    if isinstance(padding, numbers.Integral):  # (a NumPy integer too)
        return (int(padding),) * (2 * n)
    try:
        t = tuple(int(p) for p in padding)
    except TypeError:
        raise TypeError(f"{layer}: padding must be an int or a tuple of {2 * n} ints, got "
                        f"{padding!r}") from None
    # (a tuple is kept as given, as PyTorch's _pair/_quadruple/_ntuple keep it: F.pad refuses
    # a wrong length at the forward, with PyTorch's RuntimeError)
    return t


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _ntuple(padding, self._n, type(self).__name__)

    def _check(self, x: Tensor) -> Tensor:
        # (every check is F.pad's, in PyTorch's order and with its types, but the circular
        # layers' own rank check, a ValueError in PyTorch too)
        x = x if isinstance(x, Tensor) else as_tensor_arg(x, name="input")
        n = self._n
        if self._mode == "circular" and x.ndim not in (n + 1, n + 2):
            raise ValueError(f"{type(self).__name__}: expected {n + 1}D or {n + 2}D input (got "
                             f"{x.ndim}D input of shape {tuple(x.shape)}): (C, {_SPATIAL[n]}) "
                             f"or (N, C, {_SPATIAL[n]})")
        return x

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("pad")
        if face is not None:  # (a program's F.pad, called as PyTorch's)
            return face(input, self.padding, self._mode)
        return _pad(self._check(input), self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("pad")
        if face is not None:  # (a program's F.pad, called as PyTorch's)
            return face(input, self.padding, "constant", self.value)
        return _pad(self._check(input), self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


_CONST_DOC = """Pad the last {n} dimension(s) with a constant ``value``.

    Args:
        padding: an int (every side) or a {m}-tuple ``{names}``.
        value: the fill value.

    Shape:
        - Input: :math:`(*, {s})`
        - Output: the padded sizes, e.g. :math:`W_{{out}} = W + left + right`
"""


class ConstantPad1d(_ConstantPadNd):
    __doc__ = _CONST_DOC.format(n=1, m=2, names="(left, right)", s="W")
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    __doc__ = _CONST_DOC.format(n=2, m=4, names="(left, right, top, bottom)", s="H, W")
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    __doc__ = _CONST_DOC.format(n=3, m=6, names="(left, right, top, bottom, front, back)",
                                s="D, H, W")
    _n = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


_ZERO_DOC = """Pad the last {n} dimension(s) with zeros.

    Args:
        padding: an int (every side) or a {m}-tuple ``{names}``.

    Shape:
        - Input: :math:`(*, {s})`
        - Output: the padded sizes

    Examples:
        >>> gradkit.nn.ZeroPad{n}d(1)(gradkit.ones({ex})).shape
        gradkit.Size([{exo}])
"""


class ZeroPad1d(_ZeroPadNd):
    __doc__ = _ZERO_DOC.format(n=1, m=2, names="(left, right)", s="W", ex="2, 3", exo="2, 5")
    _n = 1


class ZeroPad2d(_ZeroPadNd):
    __doc__ = _ZERO_DOC.format(n=2, m=4, names="(left, right, top, bottom)", s="H, W",
                               ex="1, 2, 3", exo="1, 4, 5")
    _n = 2


class ZeroPad3d(_ZeroPadNd):
    __doc__ = _ZERO_DOC.format(n=3, m=6, names="(left, right, top, bottom, front, back)",
                               s="D, H, W", ex="1, 2, 2, 2", exo="1, 4, 4, 4")
    _n = 3


_MODE_DOC = """Pad the last {n} dimension(s) {how}.

    Args:
        padding: an int (every side) or a {m}-tuple ``{names}``.{extra}

    Shape:
        - Input: :math:`(N, C, {s})` or :math:`(C, {s})`
        - Output: the padded sizes, e.g. :math:`W_{{out}} = W + left + right`
"""
_REFLECT = ("by reflecting the input at its border (the edge value is not repeated)",
            "\n        Each amount must be smaller than the padded dimension.")
_REPLICATE = ("by repeating the edge value", "")
_CIRCULAR = ("by wrapping around (the input is treated as periodic)",
             "\n        Each amount must be at most the padded dimension.")
_NAMES = {1: "(left, right)", 2: "(left, right, top, bottom)",
          3: "(left, right, top, bottom, front, back)"}


def _doc(n, how):
    return _MODE_DOC.format(n=n, m=2 * n, names=_NAMES[n], s=_SPATIAL[n], how=how[0],
                            extra=how[1])


class ReflectionPad1d(_PadNd):
    __doc__ = _doc(1, _REFLECT)
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    __doc__ = _doc(2, _REFLECT)
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    __doc__ = _doc(3, _REFLECT)
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    __doc__ = _doc(1, _REPLICATE)
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    __doc__ = _doc(2, _REPLICATE)
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    __doc__ = _doc(3, _REPLICATE)
    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    __doc__ = _doc(1, _CIRCULAR)
    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    __doc__ = _doc(2, _CIRCULAR)
    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    __doc__ = _doc(3, _CIRCULAR)
    _n, _mode = 3, "circular"
