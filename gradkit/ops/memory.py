"""Memory primitives: copies, fills, in-place rewrites and moves between devices.

``CLONE`` copies; ``COPY`` is ``dst.copy_(src)`` (the gradient goes to ``src``, broadcast back to
its shape); ``FILL``/``FILL_T`` fill with a number or a (differentiable) 0-d Tensor;
``COPY_FROM`` writes an out-of-place result into a tensor in place (the generated in-place faces
and ``out=``: the gradient goes to the result, whose own graph reaches the old value);
``TO_DEVICE`` moves an array between the host and a GPU, its gradient moved back.
"""

from __future__ import annotations

from ..autograd.graph import Op
from ..device import _array_to

__all__ = ["CLONE", "COPY", "COPY_FROM", "FILL", "FILL_T", "TO_DEVICE"]


def _clone_f(xp, a):
    return a.copy()


def _clone_b(xp, g, ins, out, aux, needs):
    return (g,)


def _copy_f(xp, a, src):
    return xp.broadcast_to(xp.asarray(src, dtype=a.dtype), a.shape).copy()


def _copy_b(xp, g, ins, out, aux, needs):
    return None, g


def _fill_f(xp, a, value):
    return xp.full(a.shape, value, dtype=a.dtype)


def _fill_b(xp, g, ins, out, aux, needs):
    return (None,)


def _fill_t_f(xp, a, v):
    return xp.full(a.shape, v, dtype=a.dtype) if not hasattr(v, "shape") else \
        xp.broadcast_to(v.astype(a.dtype), a.shape).copy()


def _fill_t_b(xp, g, ins, out, aux, needs):
    return None, xp.sum(g)


def _copy_from_f(xp, a, src):
    return src


def _copy_from_b(xp, g, ins, out, aux, needs):
    return None, g


def _to_device_f(xp, a, dev, src):
    return _array_to(a, dev)


def _to_device_b(xp, g, ins, out, aux, needs):
    dev, src = aux
    if hasattr(g, "_data"):  # create_graph: move the Tensor back
        return (g.to(src),)
    return (_array_to(g, src),)


CLONE = Op("Clone", _clone_f, _clone_b, saves=0)
COPY = Op("Copy", _copy_f, _copy_b, saves=0, broadcasts=True)
FILL = Op("Fill", _fill_f, _fill_b, saves=0)
FILL_T = Op("Fill", _fill_t_f, _fill_t_b, saves=0)
COPY_FROM = Op("CopyFrom", _copy_from_f, _copy_from_b, saves=0)
TO_DEVICE = Op("ToDevice", _to_device_f, _to_device_b, saves=0)
