"""``torch._tensor_str``: the print options object and the body of a tensor's repr, which
libraries import to write tensors as text (PyTorch Geometric's OFF writer: ``_tensor_str(t,
indent=0)`` under ``set_printoptions(threshold=inf)``). Both read and write the options of
``set_printoptions``."""

from __future__ import annotations

import contextlib

from ._tensor import repr as _repr
from ._tensor.repr import get_printoptions, set_printoptions

__all__ = ["PRINT_OPTS", "get_printoptions", "printoptions", "set_printoptions"]


class _PrintOptions:
    """``PRINT_OPTS``: ``precision``, ``threshold``, ``edgeitems``, ``linewidth``, ``sci_mode``,
    the live values ``set_printoptions`` sets (assigning one sets it too)."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return _repr._OPTIONS[name]
        except KeyError:
            raise AttributeError(f"PRINT_OPTS has no option {name!r}; the options are "
                                 f"{sorted(_repr._OPTIONS)}") from None

    def __setattr__(self, name, value):
        if name not in _repr._OPTIONS:
            raise AttributeError(f"PRINT_OPTS has no option {name!r}; the options are "
                                 f"{sorted(_repr._OPTIONS)}")
        _repr._OPTIONS[name] = value

    def __repr__(self):
        return f"PRINT_OPTS({_repr._OPTIONS})"


PRINT_OPTS = _PrintOptions()


@contextlib.contextmanager
def printoptions(**kwargs):
    """``with printoptions(precision=2): ...``: the options set inside, restored after."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        _repr._OPTIONS.update(old)


def _tensor_str(self, indent):
    """The values part of ``repr(self)`` (no ``tensor(`` and no suffixes), its rows indented by
    ``indent`` as PyTorch's ``torch._tensor_str._tensor_str``."""
    arr = _repr._to_host(self.detach()._data)
    if arr.dtype.kind == "V":  # bfloat16 prints as float32
        arr = arr.astype("float32")
    if arr.size == 0:
        return "[]"
    fmt, width = (_repr._complex_formatter if arr.dtype.kind == "c"
                  else _repr._element_formatter)(arr)
    return _repr._tensor_str(arr, indent, arr.size > _repr._threshold(), fmt, width)
