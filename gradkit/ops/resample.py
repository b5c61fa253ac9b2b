"""Resampling primitives: separable resampling along one axis (interpolate, padding) and
sliding-window extraction (unfold/fold).

``RESAMPLE`` computes ``y[..., j, ...] = sum_k w_k[j] x[..., i_k[j], ...]`` along one axis over
a few taps ``k`` (nearest and padding: one tap, no weights; linear: two; cubic: four); nearest,
(bi/tri)linear and bicubic interpolation, and reflect/replicate/circular padding, are one such
op per spatial axis.
``RESAMPLE_T`` is its adjoint (the scatter of each output back to its taps): the two are each
other's backward, so gradients of any order work. The scatter sums runs of equal indices with
``np.add.reduceat`` (interpolation indices are already sorted; padding indices are sorted once):
no ``np.add.at``, no Python loop over pixels.

``UNFOLD`` (``F.unfold``) is :func:`gradkit.ops.conv.im2col` viewed as ``(N, C*kh*kw, L)``;
``FOLD`` (``F.fold``) is its adjoint, :func:`gradkit.ops.conv.col2im`. Again each is the other's
backward.
"""

from __future__ import annotations

import numpy as np

from .._backend import namespace_of
from ..autograd.graph import Op
from .conv import col2im, im2col

__all__ = ["FOLD", "RESAMPLE", "RESAMPLE_T", "UNFOLD"]


def _recorded(xp) -> bool:
    """True when the rule runs under create_graph (xp is gradkit's Tensor namespace)."""
    return getattr(xp, "name", "") == "tensor"


def _along(w, axis, ndim):
    """Weights ``(n,)`` shaped to broadcast along ``axis`` of an ``ndim``-D array."""
    return w.reshape((-1,) + (1,) * (ndim - axis - 1))


def _on(xp, a):
    """Host index/weight array ``a`` on ``xp``'s device (a no-op for NumPy)."""
    return a if xp.name == "numpy" else xp.asarray(a)


def _gather(x, axis, idx, w):
    xp = namespace_of(x)
    y = xp.take(x, _on(xp, idx), axis=axis)
    if w is not None:
        y *= _on(xp, _along(w, axis, x.ndim))
    return y


def _as_slice(idx):
    """``idx`` as a slice when it is an arithmetic progression with a positive step."""
    if idx.size == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and bool((np.diff(idx) == step).all()):
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


def _scatter_into(out, g, axis, idx, w):
    """``out[..., idx[j], ...] += w[j] g[..., j, ...]``.

    Sorted, the targets form runs of equal indices; the ``p``-th element of every run has a
    distinct target, so the sum takes one vectorised add per run position (a strided slice add
    where the positions are regular, e.g. integer scale factors). Long runs (large downsampling
    factors) are summed by ``np.add.reduceat`` instead.
    """
    xp = namespace_of(g)
    if w is not None:
        g = g * _on(xp, _along(w, axis, g.ndim))
    if idx.size == 0:
        return
    lead = (slice(None),) * axis
    if xp.name != "numpy":  # a device array: the backend's scatter-add
        out += xp.index_add(out.shape, lead + (_on(xp, idx),), g)
        return
    pos = np.arange(idx.size)
    permuted = idx.size > 1 and bool((idx[1:] < idx[:-1]).any())  # e.g. reflect padding
    if permuted:
        pos = np.argsort(idx, kind="stable")
        idx = idx[pos]
    new_run = np.concatenate(([True], idx[1:] != idx[:-1]))
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, idx.size))
    longest = int(lengths.max())
    if longest > 8:
        gs = xp.take(g, pos, axis=axis) if permuted else g
        out[lead + (idx[starts],)] += np.add.reduceat(gs, starts, axis=axis)
        return
    rank = np.arange(idx.size) - np.repeat(starts, lengths)  # position within the run
    for p in range(longest):
        sel = rank == p
        src, dst = _as_slice(pos[sel]), _as_slice(idx[sel])
        part = g[lead + (src,)] if isinstance(src, slice) else xp.take(g, src, axis=axis)
        out[lead + (dst,)] += part


# ----------------------------------------------------------------------------- RESAMPLE
# params: (axis, n_in, idxs, ws): a tuple of index arrays (one per tap) and a tuple of weight
# arrays in the input's dtype, or None for a single unweighted tap
def _resample_f(xp, x, axis, n_in, idxs, ws):
    y = _gather(x, axis, idxs[0], None if ws is None else ws[0])
    for k in range(1, len(idxs)):
        y += _gather(x, axis, idxs[k], ws[k])
    return y


def _resample_t_f(xp, g, axis, n_in, idxs, ws):
    shape = list(g.shape)
    shape[axis] = n_in
    out = namespace_of(g).zeros(tuple(shape), dtype=g.dtype)
    for k, idx in enumerate(idxs):
        _scatter_into(out, g, axis, idx, None if ws is None else ws[k])
    return out


def _resample_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(RESAMPLE_T, (g,), aux),)
    return (_resample_t_f(xp, g, *aux),)


def _resample_t_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(RESAMPLE, (g,), aux),)
    return (_resample_f(xp, g, *aux),)


RESAMPLE = Op("UpsampleAxis", _resample_f, _resample_b, saves=0)
RESAMPLE_T = Op("UpsampleAxisAdjoint", _resample_t_f, _resample_t_b, saves=0)


# ----------------------------------------------------------------------------- UNFOLD / FOLD
# params: (x_shape (N, C, H, W), kernel, out_hw, stride, padding (t, b, l, r), dilation)
def _unfold_f(xp, x, x_shape, kernel, out_hw, stride, padding, dilation):
    n, c = x_shape[:2]
    cols = im2col(x, tuple(kernel), out_hw, stride, padding, dilation)
    # (C*kh*kw, Ho*Wo*N) -> (N, C*kh*kw, L): a view of the batch-last patch matrix
    return cols.reshape(cols.shape[0], out_hw[0] * out_hw[1], n).transpose(2, 0, 1)


def _fold_f(xp, g, x_shape, kernel, out_hw, stride, padding, dilation):
    cols = namespace_of(g).ascontiguousarray(g.transpose(1, 2, 0)).reshape(g.shape[1], -1)
    return col2im(cols, x_shape, tuple(kernel), out_hw, stride, padding, dilation)


def _unfold_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(FOLD, (g,), aux),)
    return (_fold_f(xp, g, *aux),)


def _fold_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(UNFOLD, (g,), aux),)
    return (_unfold_f(xp, g, *aux),)


UNFOLD = Op("Im2Col", _unfold_f, _unfold_b, saves=0)
FOLD = Op("Col2Im", _fold_f, _fold_b, saves=0)
