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
# params: (axis, n_in, idxs, ws[, fma]): a tuple of index arrays (one per tap) and a tuple of
# weight arrays in the input's dtype, or None for a single unweighted tap; fma: two float32 taps
# summed as PyTorch's FMA-contracted kernels do, ``fma(x[i0], w0, x[i1] * w1)``
def _resample_f(xp, x, axis, n_in, idxs, ws, fma=False):
    if fma and xp.name == "numpy" and x.dtype == np.float32 and len(idxs) == 2 and x.size:
        return _fma_pair(x, axis, idxs, ws)
    y = _gather(x, axis, idxs[0], None if ws is None else ws[0])
    for k in range(1, len(idxs)):
        y += _gather(x, axis, idxs[k], ws[k])
    return y


def _fma_pair(x, axis, idxs, ws):
    lead = int(np.prod(x.shape[:axis], dtype=np.int64))
    n_out = idxs[0].size
    parts = [np.take(x, i, axis=axis).reshape(lead, n_out, -1) for i in idxs]
    w64 = [w.astype(_F64)[:, None] for w in ws]
    out = np.empty(parts[0].shape, np.float32)
    for s, e in _blocks(lead, parts[0][0].size):
        out[s:e] = _Fma(out[s:e].shape).chain([(parts[1][s:e], w64[1]), (parts[0][s:e], w64[0])])
    shape = list(x.shape)
    shape[axis] = n_out
    return out.reshape(shape)


def _resample_t_f(xp, g, axis, n_in, idxs, ws, fma=False):
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
#   of ``H + W <= 128``): see ``_bilinear_nhwc``.
# Other dtypes and devices: one RESAMPLE per axis.
_F64 = np.float64
_CHUNK = 1 << 15  # elements per block of output (the float64 scratch stays in cache)


class _Fma:
    """``acc = fma(x, w, acc)`` over float64 scratch holding float32 values: the product of
    two float32 is exact in float64, the sum is rounded there and then to float32 (a true FMA
    rounds once; the two differ only on an exact float32 tie)."""

    def __init__(self, shape):
        self.acc, self.tmp = np.empty(shape, _F64), np.empty(shape, _F64)
        self.f32 = np.empty(shape, np.float32)

    def _round(self):
        np.copyto(self.f32, self.acc, casting="same_kind")
        np.copyto(self.acc, self.f32)

    def chain(self, pairs):
        """``fma(x_n, w_n, ... fma(x_2, w_2, round(x_1 w_1)))`` in ``self.f32``."""
        (x, w), rest = pairs[0], pairs[1:]
        np.multiply(x, w, out=self.acc)
        self._round()
        for x, w in rest:
            np.multiply(x, w, out=self.tmp)
            self.acc += self.tmp
            self._round()
        return self.f32


def _blocks(n, per):
    step = max(1, _CHUNK // max(per, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def _bilinear_generic(x, i, a, j, b):
    """PyTorch's generic kernel: each row along W, ``fma(x[w0], b0, x[w1] b1)``, then the
    rows along H, ``fma(t[h0], a0, t[h1] a1)``."""
    n, c, hi, _ = x.shape
    ho, wo = i[0].size, j[0].size
    x = x.reshape(n * c, hi, -1)
    out = np.empty((n * c, ho, wo), np.float32)
    b64, a64 = [v.astype(_F64) for v in b], [v.astype(_F64)[:, None] for v in a]
    for s, e in _blocks(n * c, ho * wo):
        xb = x[s:e].astype(_F64)
        cols = [np.take(xb, k, axis=2) for k in j]
        t = _Fma(cols[0].shape).chain([(cols[1], b64[1]), (cols[0], b64[0])])
        t = t.astype(_F64)
        rows = [np.take(t, k, axis=1) for k in i]
        out[s:e] = _Fma(rows[0].shape).chain([(rows[1], a64[1]), (rows[0], a64[0])])
    return out.reshape(n, c, ho, wo)


def _bilinear_nhwc(x, i, a, j, b, lanes):
    """PyTorch's channels-last kernel: corner weights ``w_pq = a_p b_q`` in float32, per pixel
    ``x00 w00 + (x01 w01 + (x10 w10 + x11 w11))`` (FMA-contracted) for the channels in whole
    ``lanes``-wide vectors, ``((x01 w01 + x00 w00) + x10 w10) + x11 w11`` for the rest."""
    n, c = x.shape[:2]
    ho, wo = i[0].size, j[0].size
    ws = [(p[:, None] * q[None, :]).astype(_F64) for p in a for q in b]  # w00 w01 w10 w11
    out = np.empty((n, c, ho, wo), np.float32)
    split = c - c % lanes
    for lo, hi, order in ((0, split, (2, 3, 1, 0)), (split, c, (1, 0, 2, 3))):
        if hi <= lo:
            continue
        for s in range(n):
            cols = [np.take(x[s, lo:hi], k, axis=2).astype(_F64) for k in j]
            for r, q in _blocks(ho, (hi - lo) * wo):
                xs = [np.take(cols[v], i[u][r:q], axis=1) for u in (0, 1) for v in (0, 1)]
                fma = _Fma(xs[0].shape)
                out[s, lo:hi, r:q] = fma.chain([(xs[k], ws[k][r:q]) for k in order])
    return out


def _bilinear_f(xp, x, h, w, lanes):
    if xp.name != "numpy" or x.dtype != np.float32:
        return _resample_f(xp, _resample_f(xp, x, 2, h[0], h[1], h[2]), 3, w[0], w[1], w[2])
    if lanes is None:
        return _bilinear_generic(x, h[1], h[2], w[1], w[2])
    return _bilinear_nhwc(x, h[1], h[2], w[1], w[2], lanes)


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
