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

__all__ = ["BILINEAR", "FOLD", "RESAMPLE", "RESAMPLE_T", "UNFOLD"]


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


# ----------------------------------------------------------------------------- BILINEAR
# params: (h, w, lanes): per axis ``(n_in, (i0, i1), (w0, w1))`` as RESAMPLE takes them; lanes:
# None for PyTorch's generic kernel, else the SIMD width (elements) of its channels-last kernel.
#
# Float32 on NumPy reproduces PyTorch's CPU arithmetic bit for bit (its kernels are built with
# FMA contraction; ``_fma`` rounds once as an FMA does):
# - generic kernel (NCHW): along W first, ``t = fma(x[.., w0], b0, x[.., w1] * b1)`` per row,
#   then along H, ``fma(t[h0], a0, t[h1] * a1)``: separable, W before H;
# - channels-last kernel (chosen for a channels-last input of more than 3 channels or an output
#   of ``H + W <= 128``): corner weights ``w_ij = a_i * b_j`` rounded to float32, summed per pixel
#   as ``x00 w00 + (x01 w01 + (x10 w10 + x11 w11))`` (one FMA per corner after the innermost
#   product) for channels in whole SIMD vectors, and as ``((x01 w01 + x00 w00) + x10 w10) +
#   x11 w11`` for the remaining channels.
# Other dtypes and devices: one RESAMPLE per axis.
def _fma(a, b, c):
    return (np.multiply(a, b, dtype=np.float64) + c).astype(np.float32)


def _taps_along(x, axis, idx, w):
    return np.take(x, idx, axis=axis), _along(w, axis, x.ndim)


def _bilinear_f(xp, x, h, w, lanes):
    if xp.name != "numpy" or x.dtype != np.float32:
        return _resample_f(xp, _resample_f(xp, x, 2, h[0], h[1], h[2]), 3, w[0], w[1], w[2])
    (i0, i1), (a0, a1) = h[1], h[2]
    (j0, j1), (b0, b1) = w[1], w[2]
    if lanes is None:
        x0, wb0 = _taps_along(x, 3, j0, b0)
        x1, wb1 = _taps_along(x, 3, j1, b1)
        t = _fma(x0, wb0, x1 * wb1)
        t0, wa0 = _taps_along(t, 2, i0, a0)
        t1, wa1 = _taps_along(t, 2, i1, a1)
        return _fma(t0, wa0, t1 * wa1)
    r0, r1 = np.take(x, i0, axis=2), np.take(x, i1, axis=2)
    xs = (np.take(r0, j0, axis=3), np.take(r0, j1, axis=3),
          np.take(r1, j0, axis=3), np.take(r1, j1, axis=3))
    ws = tuple((a[:, None] * b[None, :]).astype(np.float32)
               for a in (a0, a1) for b in (b0, b1))
    c = x.shape[1]
    split = c - c % lanes
    out = np.empty(xs[0].shape, dtype=np.float32)
    for lo, hi, order in ((0, split, (2, 3, 1, 0)), (split, c, (1, 0, 2, 3))):
        if hi <= lo:
            continue
        part = [v[:, lo:hi] for v in xs]
        k = order[0]
        acc = part[k] * ws[k]
        for k in order[1:]:
            acc = _fma(part[k], ws[k], acc)
        out[:, lo:hi] = acc
    return out


def _bilinear_b(xp, g, ins, out, aux, needs):
    (nh, ih, wh), (nw, iw, ww), _ = aux
    if _recorded(xp):
        g = xp.apply(RESAMPLE_T, (g,), (3, nw, iw, ww))
        return (xp.apply(RESAMPLE_T, (g,), (2, nh, ih, wh)),)
    return (_resample_t_f(xp, _resample_t_f(xp, g, 3, nw, iw, ww), 2, nh, ih, wh),)


BILINEAR = Op("UpsampleBilinear2d", _bilinear_f, _bilinear_b, saves=0)


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
