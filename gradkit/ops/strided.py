"""The primitives of ``as_strided``: the view itself (its forward is NumPy's ``as_strided`` over
the input's storage) and the two linear maps of its gradient, each the other's transpose, so
that every order of derivative is recorded.

The geometry is summarised by group ids (``gradkit/functions/strided.py`` computes them): the
input's elements are grouped by the storage position they occupy (one element per group unless
the input overlaps itself, as an expanded tensor), ``grp`` gives each input element's group,
``cnt`` each group's size and ``og`` each output element's group (-1: a storage position outside
the input). As PyTorch's ``as_strided_backward``, the gradient sums the output gradient per
storage position and shares it equally between the input elements at that position.
"""

from __future__ import annotations

import numpy as np

from .._backend import to_host
from ..autograd.graph import Op

__all__ = ["AS_STRIDED", "STRIDED_GATHER", "STRIDED_SCATTER"]


def _call(xp, op, x, *params):
    if getattr(xp, "name", "") == "tensor":
        return xp.apply(op, (x,), params)
    return op.forward(xp, x, *params)


def _host(xp, a):
    return a if type(a) is np.ndarray else to_host(a)


def _gather_f(xp, h, grp, cnt, og, ngroups, in_shape, out_shape):
    """Input-shaped ``h`` to the output: per group ``sum(h) / cnt``, read at ``og``."""
    a = _host(xp, h)
    per = np.bincount(grp, weights=(a.reshape(-1) / cnt[grp]).astype(np.float64),
                      minlength=ngroups)
    out = np.where(og >= 0, per[np.maximum(og, 0)], 0.0).astype(a.dtype).reshape(out_shape)
    return out if type(h) is np.ndarray else xp.asarray(out)


def _scatter_f(xp, g, grp, cnt, og, ngroups, in_shape, out_shape):
    """Output-shaped ``g`` to the input: per group the sum of ``g`` at its positions, shared
    between the group's ``cnt`` elements."""
    a = _host(xp, g).reshape(-1)
    keep = og >= 0
    per = np.bincount(og[keep], weights=a[keep].astype(np.float64), minlength=ngroups)
    out = (per[grp] / cnt[grp]).astype(a.dtype).reshape(in_shape)
    return out if type(g) is np.ndarray else xp.asarray(out)


def _gather_b(xp, g, ins, out, aux, needs):
    return (_call(xp, STRIDED_SCATTER, g, *aux),)


def _scatter_b(xp, g, ins, out, aux, needs):
    return (_call(xp, STRIDED_GATHER, g, *aux),)


def _as_strided_f(xp, a, view, grp, cnt, og, ngroups, in_shape, out_shape):
    # the view is made from the storage before the call (it needs the input's base array)
    return view


def _as_strided_b(xp, g, ins, out, aux, needs):
    return (_call(xp, STRIDED_SCATTER, g, *aux[1:]),)


STRIDED_GATHER = Op("AsStridedGather", _gather_f, _gather_b, saves=0)
STRIDED_SCATTER = Op("AsStridedScatter", _scatter_f, _scatter_b, saves=0)
AS_STRIDED = Op("AsStrided", _as_strided_f, _as_strided_b, saves=0)
