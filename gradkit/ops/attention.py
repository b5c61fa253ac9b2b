"""Attention's core ``softmax(Q K^T * scale + bias) V`` as one primitive (fused for speed).

The composite (matmul, scale, mask add, safe softmax, matmul) made a new score-sized array at
every step and walked the scores about ten times forward and six backward, with a node per step.
Here the scores are one array, scaled, masked, exponentiated and normalised in place (seven
passes), the softmax's backward is four in-place passes, and the scale is applied to the
query- and key-sized gradients instead of the score-sized one. ``bias`` is a constant additive
mask (0 / -inf for a boolean mask), broadcast against the scores; a query row whose keys are all
masked out (or whose scores are all -inf) gets a zero output and zero gradients, as PyTorch's
SDPA.

The rule is written against ``xp``: under ``create_graph`` it recomputes the weights from the
recorded inputs with Tensor ops, so higher-order gradients work.
"""

from __future__ import annotations

import numpy as np

from ..autograd.graph import SAVES_INPUTS, Op

_ndarray, _F32 = np.ndarray, np.dtype(np.float32)
_HALF_NAMES = ("bfloat16", "float16")

__all__ = ["ATTENTION"]


def _key_major(xp, bias):
    """``bias`` (broadcastable to the (..., L, S) scores) as a view broadcastable to (..., S, L)."""
    if bias.ndim < 2:
        bias = bias.reshape((1,) * (2 - bias.ndim) + tuple(bias.shape))
    return xp.swapaxes(bias, -1, -2)


def _attention_f(xp, q, k, v, bias, scale, flash=True, _weights_in=None):
    # flash: PyTorch runs its flash kernel (a query of NaN scores gets 0), else its math path
    # (NaN stays NaN)
    if type(q) is _ndarray and q.dtype.name in _HALF_NAMES:
        # PyTorch's CPU kernels compute bfloat16/float16 attention in float32 and round the
        # output once; its flash kernel also rounds the unnormalised weights exp(s - max) to
        # the input's dtype before multiplying them with V (their sum, the divisor, stays
        # float32): without that a third of bfloat16 outputs were one step from PyTorch's, and
        # float16 ones computed in float16 throughout two thirds
        low = q.dtype
        wide = [a.astype(_F32) if a is not None and a.dtype == low else a for a in (q, k, v, bias)]
        out, aux = _attention_f(xp, *wide, scale, flash, low if flash else None)
        return out.astype(low), aux
    if not k.shape[-2]:  # no keys: a zero output, as PyTorch's (no softmax over nothing)
        s = xp.matmul(q, xp.swapaxes(k, -1, -2))
        return xp.matmul(s, v), (s, bias, scale, None, None)
    # the scores key-major, (..., S, L): the softmax's maximum and sum then reduce over the
    # outer axis, whole rows at a time (NumPy's reduction over short inner rows, 64 keys, is
    # about three times slower)
    s = xp.matmul(k, xp.swapaxes(q, -1, -2))
    s *= scale
    if bias is not None:
        s += _key_major(xp, bias)
    m = s.max(axis=-2, keepdims=True)
    nan = m != m
    # PyTorch's flash kernel without a mask fuses the scaling into a running maximum that
    # passes NaN scores by; with a mask it adds the mask first and takes a maximum that keeps
    # NaN, so a query with a NaN score is NaN throughout there, as on the math path (checked:
    # a NaN query entry with a bool, a float or an all-zero mask)
    flash_nan = flash and bias is None and nan.any()
    if flash_nan:
        m = xp.where(nan, xp.where(s != s, -xp.inf, s).max(axis=-2, keepdims=True), m)
    # (PyTorch's flash backward recomputes such a row's weights as NaN: NaN gradients of the
    # row's query and of every key and value)
    nan_rows = nan if flash_nan else None
    full = None
    empty = m == -xp.inf  # a query whose keys are all masked out (or whose scores are -inf or
    if empty.any():       # NaN without a mask: PyTorch's flash kernel gives that row 0 too)
        full = empty
        if flash_nan:
            s = xp.where(full, -xp.inf, s)
        m[full] = 0
    s -= m
    xp.exp(s, out=s)
    z = s.sum(axis=-2, keepdims=True)
    if full is not None:
        z[full] = 1  # its weights are exp(-inf) = 0: a zero row, not 0 / 0
        full = xp.swapaxes(full, -1, -2)  # (..., L, 1), as the query-major scores
    if _weights_in is not None:
        out = xp.matmul(xp.swapaxes(s.astype(_weights_in).astype(s.dtype), -1, -2), v)
        out /= xp.swapaxes(z, -1, -2)
        s /= z
    else:
        s /= z
        out = xp.matmul(xp.swapaxes(s, -1, -2), v)
    return _laid_out_like(xp, out, q, v), (s, bias, scale, full, nan_rows)


def _laid_out_like(xp, out, q, v):
    """``out`` in ``q``'s order of strides where PyTorch's CPU flash kernel runs (4-D, one head
    size for q, k and v): it allocates its output like the query, so heads split by
    ``view(B, L, H, D).transpose(1, 2)`` give an output whose ``transpose(1, 2).view(B, L, H * D)``
    works (the SDPA tutorial's attention module). Elsewhere row-major, as its math path."""
    if q.flags.c_contiguous or q.ndim != 4 or out.ndim != 4 or v.shape[-1] != q.shape[-1] \
            or any(st <= 0 for st in q.strides):
        return out
    order = sorted(range(q.ndim), key=lambda d: -q.strides[d])  # outermost first (stable)
    inverse = tuple(order.index(d) for d in range(q.ndim))
    return xp.ascontiguousarray(out.transpose(order)).transpose(inverse)


def _weights(xp, q, k, bias, scale, full):
    """The attention weights from recorded Tensors (the create_graph path)."""
    s = xp.matmul(q, xp.swapaxes(k, -1, -2)) * scale
    if bias is not None:
        s = s + bias
    if full is not None:
        s = xp.where(full, 0.0, s)
    e = xp.exp(s - xp.amax(s, axis=-1, keepdims=True).detach())
    w = e / xp.sum(e, axis=-1, keepdims=True)
    return w if full is None else xp.where(full, 0.0, w)


def _attention_b(xp, g, ins, out, aux, needs):
    q, k, v = ins
    attn, bias, scale, full, nan_rows = aux
    if getattr(xp, "name", None) == "tensor":  # create_graph: recorded Tensor ops
        attn = _weights(xp, q, k, bias, scale, full)
        gv = xp.matmul(xp.swapaxes(attn, -1, -2), g) if needs[2] else None
        ga = xp.matmul(g, xp.swapaxes(v, -1, -2))
        ds = attn * (ga - xp.sum(ga * attn, axis=-1, keepdims=True))
        gq = xp.matmul(ds, k) * scale if needs[0] else None
        gk = xp.matmul(xp.swapaxes(ds, -1, -2), q) * scale if needs[1] else None
        return gq, gk, gv
    # attn: the weights key-major, (..., S, L), as the forward left them
    if not k.shape[-2]:  # no keys: attn is the query-major (..., L, 0) scores, gradients zero
        gv = xp.matmul(xp.swapaxes(attn, -1, -2), g) if needs[2] else None
        ds = xp.matmul(g, xp.swapaxes(v, -1, -2))
        gq = xp.matmul(ds, k) if needs[0] else None
        return gq, (xp.matmul(xp.swapaxes(ds, -1, -2), q) if needs[1] else None), gv
    if nan_rows is not None:
        attn = xp.where(nan_rows, xp.nan, attn)
    gv = xp.matmul(attn, g) if needs[2] else None
    ds = xp.matmul(v, xp.swapaxes(g, -1, -2))  # d weights, then d scores in place
    r = ds * attn
    r = r.sum(axis=-2, keepdims=True)
    ds -= r
    ds *= attn
    gq = gk = None
    if needs[0]:
        gq = xp.matmul(xp.swapaxes(ds, -1, -2), k)
        gq *= scale
    if needs[1]:
        gk = xp.matmul(ds, q)
        gk *= scale
    return gq, gk, gv


def _drop_weights(node):
    node.aux = None


# PyTorch's CPU kernel for this is the flash-attention one: the node reads as its backward
ATTENTION = Op("ScaledDotProductFlashAttentionForCpu", _attention_f, _attention_b,
               saves=SAVES_INPUTS, broadcasts=True, returns_aux=True, release=_drop_weights)
