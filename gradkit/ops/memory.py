"""Memory primitives: copies, fills, in-place rewrites and moves between devices.

``CLONE`` copies; ``COPY`` is ``dst.copy_(src)`` (the gradient goes to ``src``, broadcast back to
its shape); ``FILL``/``FILL_T`` fill with a number or a (differentiable) 0-d Tensor;
``COPY_FROM`` writes an out-of-place result into a tensor in place (the generated in-place faces
and ``out=``: the gradient goes to the result, whose own graph reaches the old value);
``TO_DEVICE`` moves an array between the host and a GPU, its gradient moved back;
``VIEW_SCATTER`` records an in-place change of a view as a change of the tensor it views.
"""

from __future__ import annotations

import numpy as np

from .._complex import is_host
from ..autograd.graph import Op
from ..device import _array_to

__all__ = ["CLONE", "CLONE_AS", "CLONE_KEEP", "COPY", "COPY_FROM", "FILL", "FILL_T", "TO_DEVICE",
           "VIEW_SCATTER"]


def _clone_f(xp, a):
    return a.copy()


def _clone_keep_f(xp, a):
    # clone()'s preserve_format: a transposed or permuted tensor keeps its strides, an
    # expanded, sliced or overlapping one is made dense in its order of strides (PyTorch's
    # rule, _memory_format.preserved)
    from .._memory_format import exact_channels_last, preserved

    if is_host(a) and (not a.flags.c_contiguous or exact_channels_last(a)):

        plain = a.view(np.ndarray)  # (complex data: its NumPy array)
        out = preserved(plain, plain.dtype)
        np.copyto(out, plain)
        return out if type(a) is np.ndarray else out.view(type(a))
    return a.copy()


def _clone_as_f(xp, a, fmt):
    # a copy in an explicit memory format (clone/contiguous/to with memory_format=)
    from .._memory_format import copy_as

    return copy_as(xp, a, fmt)


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


def _view_scatter_f(xp, root, region, views, mask):
    # the root's storage already holds the written region (the in-place op wrote through the
    # view): the output is that storage
    return root


def _view_scatter_b(xp, g, ins, out, aux, needs):
    views, mask = aux
    g_root = xp.where(mask, 0.0, g) if needs[0] else None
    g_region = None
    if needs[1]:
        g_region = g
        for op, view_aux in views:  # from the root to the view
            g_region = op.forward(xp, g_region, *view_aux)
    return g_root, g_region


def _to_device_f(xp, a, dev, src):
    return _array_to(a, dev)


def _to_device_b(xp, g, ins, out, aux, needs):
    dev, src = aux
    if hasattr(g, "_data"):  # create_graph: move the Tensor back
        return (g.to(src),)
    return (_array_to(g, src),)


CLONE = Op("Clone", _clone_f, _clone_b, saves=0)
CLONE_KEEP = Op("Clone", _clone_keep_f, _clone_b, saves=0)
CLONE_AS = Op("Clone", _clone_as_f, _clone_b, saves=0)
COPY = Op("Copy", _copy_f, _copy_b, saves=0, broadcasts=True)
FILL = Op("Fill", _fill_f, _fill_b, saves=0)
FILL_T = Op("Fill", _fill_t_f, _fill_t_b, saves=0)
COPY_FROM = Op("CopyFrom", _copy_from_f, _copy_from_b, saves=0)
TO_DEVICE = Op("ToDevice", _to_device_f, _to_device_b, saves=0)
# an in-place op on a view: the root tensor's new value is its old value with the view's region
# replaced by the op's result (PyTorch's CopySlices); ``views`` replays the view from the root,
# ``mask`` marks the region
VIEW_SCATTER = Op("CopySlices", _view_scatter_f, _view_scatter_b, saves=0,
                  grad_name="CopySlices")
