"""Embedding lookup as one primitive: forward is a row gather; backward sums the output gradient
rows into the weight rows they came from (sort + reduceat on NumPy, no ``np.add.at``; gradkit's
``index_add`` on a device or under ``create_graph``, so the rule is itself differentiable).
With ``sparse=True`` (``nn.Embedding(sparse=True)``) the weight's gradient is a sparse COO
gradient as PyTorch's: uncoalesced, one entry per looked-up index (padding rows left out), its
values the output gradient's rows. Under ``create_graph`` (a differentiable backward) and on a
device the gradient stays dense: gradkit's sparse tensors are host arrays without double backward.
"""

from __future__ import annotations

import numpy as np

from .._backend import namespace_of
from ..autograd.graph import Op

__all__ = ["EMBEDDING", "row_accumulate"]


# ------------------------------------------------------------------ embedding
def row_accumulate(index, g2, n_rows):
    """``out[index[i]] += g2[i]`` for a 1-D integer ``index`` (sort + reduceat: no ``add.at``)."""
    out = np.zeros((n_rows,) + g2.shape[1:], dtype=g2.dtype)
    if index.size == 0:
        return out
    order = np.argsort(index, kind="stable")
    s = index[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    out[s[starts]] = np.add.reduceat(g2[order], starts, axis=0)
    return out


def _embedding_f(xp, w, index, padding_idx, scale_grad_by_freq, w_shape, sparse=False):
    return w[index]


def _sparse_grad(flat, g2, padding_idx, n, dim):
    """PyTorch's sparse embedding gradient: the looked-up ids (padding left out) and the rows
    of the output gradient, uncoalesced (``embedding_sparse_backward``)."""
    from ..sparse._coo import SparseCOO

    if padding_idx is not None:
        keep = flat != padding_idx
        flat = flat[keep]
        values = g2[keep]
    else:
        values = g2.copy()  # the rows may be a view of an upstream gradient
    # PyTorch marks a sparse tensor of fewer than two entries coalesced
    return SparseCOO(flat.astype(np.int64).reshape(1, -1), values, (n, dim), flat.size < 2)


def _embedding_b(xp, g, ins, out, aux, needs):
    index, padding_idx, scale, (n, dim), sparse = aux
    flat = index.reshape(-1)
    ns = namespace_of(flat)
    g2 = xp.reshape(g, (flat.shape[0], dim))  # (not -1: a width-0 weight leaves it ambiguous)
    if sparse and type(g2) is np.ndarray:
        if scale:
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse "
                               "gradients (use sparse=False, or scale_grad_by_freq=False)")
        return (_sparse_grad(flat, g2, padding_idx, n, dim),)
    keep = None
    if padding_idx is not None or scale:
        keep = ns.ones((n, 1), dtype=g.dtype)
        if scale:
            counts = ns.bincount(flat, minlength=n).astype(g.dtype)
            keep[:, 0] = 1 / ns.maximum(counts, 1)
        if padding_idx is not None:
            keep[padding_idx] = 0
    if type(g2) is np.ndarray:
        gw = row_accumulate(flat, g2, n)
    else:  # a device array, or a Tensor under create_graph
        gw = xp.index_add((n, dim), (flat,), g2)
    if keep is not None:
        gw = gw * keep
    return (gw,)


EMBEDDING = Op("Embedding", _embedding_f, _embedding_b, saves=0)
