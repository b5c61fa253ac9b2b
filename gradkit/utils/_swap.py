"""``torch.utils.swap_tensors``: exchange the contents of two Tensor objects, so that every
reference to either (a module's attribute, an optimizer's param list) sees the other's data,
dtype, ``requires_grad``, gradient and class (a Parameter and a plain Tensor trade places)."""

from __future__ import annotations

from .._tensor import Tensor
from ..functions._args import NotATensorError

__all__ = ["swap_tensors"]

_STATE = ("_data", "requires_grad", "_grad_fn", "_grad", "_vcl", "_hooks")


def _slots(cls):
    return tuple(s for c in cls.__mro__ for s in c.__dict__.get("__slots__", ()))


def swap_tensors(t1, t2) -> None:
    """Swap everything about ``t1`` and ``t2`` but their identity (``id``)."""
    for name, t in (("t1", t1), ("t2", t2)):
        if not isinstance(t, Tensor):
            # PyTorch fails on a missing tensor attribute (AttributeError): this is both
            raise NotATensorError(f"swap_tensors: {name} must be a Tensor, got "
                                  f"{type(t).__name__}; pass two tensors")
    if t1 is t2:
        return
    c1, c2 = type(t1), type(t2)
    if c1 is not c2 and _slots(c1) != _slots(c2):
        raise TypeError(f"swap_tensors: {c1.__name__} and {c2.__name__} keep different "
                        f"attributes, so their objects cannot trade classes")
    extra = [s for s in _slots(c1) if s not in _STATE and s != "__weakref__"]
    for name in _STATE + tuple(extra):
        a, b = getattr(t1, name, _MISSING), getattr(t2, name, _MISSING)
        _put(t1, name, b)
        _put(t2, name, a)
    d1, d2 = getattr(t1, "__dict__", None), getattr(t2, "__dict__", None)
    if d1 is not None and d2 is not None:
        saved = dict(d1)
        d1.clear()
        d1.update(d2)
        d2.clear()
        d2.update(saved)
    if c1 is not c2:
        t1.__class__, t2.__class__ = c2, c1


_MISSING = object()


def _put(t, name, value):
    if value is _MISSING:
        if hasattr(t, name):
            delattr(t, name)
    else:
        setattr(t, name, value)
