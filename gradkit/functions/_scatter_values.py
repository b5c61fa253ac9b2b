"""The value helpers of the scatter ops (``scatter``, ``scatter_reduce``, ``index_reduce``):
the part of ``src`` a scatter reads, and a differentiable write of values at unique
positions of a flattened tensor."""

from __future__ import annotations

import numpy as np

from .._tensor.record import apply, apply1
from .._tensor.tensor import wrap
from ..ops import elementwise as E
from ..ops import shape as S
from ._args import _const_like

__all__ = ["_place", "_src_used", "_zeros_of"]


def _src_used(src, idx):
    """The part of ``src`` a scatter reads (the leading ``index.shape`` block), flattened."""
    if src.ndim == 0:
        return src.reshape(1)
    if tuple(src.shape) != tuple(idx.shape):
        src = src[tuple(slice(0, k) for k in idx.shape)]
    return src.reshape(-1)


def _place(x_flat, targets, values):
    """``x_flat`` with ``values`` written at the unique positions ``targets`` (differentiable
    in both)."""
    n = x_flat.shape[0]
    mask = np.zeros(n, dtype=bool)
    mask[targets] = True
    placed = apply1(S.INDEX_ADD, values, ((n,), (_const_like(x_flat, targets),)))
    return apply(E.WHERE, (placed, x_flat), (_const_like(x_flat, mask),))


def _zeros_of(x, n):
    return wrap(_const_like(x, np.zeros(n, dtype=x.dtype)))
