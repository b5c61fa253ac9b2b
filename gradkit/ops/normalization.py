"""Normalization primitives with fused backwards: batch norm (training mode) and layer norm.

Batch normalisation in training mode is one primitive with a fused backward.

Forward normalises over every axis but the channel axis (1) with the batch statistics::

    x_hat = (x - mean) / sqrt(var + eps),    y = weight * x_hat + bias

Backward uses the three-term formula (one pass over ``g`` and the saved ``x_hat``) instead of
differentiating the composite mean/var graph, which would keep several input-sized temporaries::

    dx = weight * invstd * (g - mean(g) - x_hat * mean(g * x_hat))

Under ``create_graph`` the same formula runs on Tensors, with ``x_hat`` and ``invstd`` recomputed
from the input through ``xp`` so that the rule itself is differentiable.

Layer norm is fused the same way (one node, no intermediate tensors): on the fast path the rule
reuses the ``x_hat`` and ``1/std`` forward stored in ``aux``; under ``create_graph`` (``ins`` are
Tensors) it recomputes them with ``xp`` so the recomputation is differentiated too.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .. import _memory_format as MF
from .._backend import column_sums
from .._fma import fma
from ..autograd.graph import SAVES_INPUTS, Op
from ._row_moments import EXACT_MAX, row_moments

__all__ = ["BATCH_NORM", "BATCH_NORM_EVAL", "GROUP_NORM_PLAIN", "LAYER_NORM", "LAYER_NORM_HALF",
           "channel_shape"]


def channel_shape(ndim: int, c: int) -> tuple:
    """``(1, C, 1, ...)``: the shape a per-channel vector broadcasts as."""
    return (1, c) + (1,) * (ndim - 2)


def _opmath_half(fn):
    """A normalisation forward run in float32 for a float16 input, as PyTorch's kernels do
    (their accumulate type): the statistics of a row holding 65504 overflow float16 otherwise;
    the output and the saved arrays are rounded to float16 once. (bfloat16 is widened by
    gradkit/_bf16.py for every op.)"""
    def forward(xp, x, *rest, **kw):
        if x.dtype != np.float16:
            return fn(xp, x, *rest, **kw)
        up = [a.astype(np.float32) if getattr(a, "dtype", None) == np.float16 else a
              for a in rest]
        y, aux = fn(xp, x.astype(np.float32), *up, half=True, **kw)
        return y.astype(np.float16), tuple(
            a.astype(np.float16) if getattr(a, "dtype", None) == np.float32 else a for a in aux)

    return forward


# batch norm's statistics and transform as PyTorch's bits up to this many elements (a few more
# passes over memory than NumPy's float32 ones: 2x the time on a 64x64x16x16 batch; larger
# batches, whose convolutions already differ from PyTorch's in the last bits, keep them)
BN_EXACT_MAX = 1 << 16


def _bn_stats_f32(x, axes, eps):
    """PyTorch's CPU statistics of a contiguous float32 (N, C, *) batch with spatial positions:
    per channel, the sum in double, ``mean = float(sum / n)``, the float squares of ``x - mean``
    summed in double and rounded to float, ``invstd = float(1 / sqrt(double(var_sum / n) +
    eps))`` (its ``batch_norm_cpu_collect_stats`` and ``update_stats``; NumPy's pairwise double
    sums stand for its sequential ones, equal after the rounding to float but at midpoints)."""
    n = x.size // x.shape[1]
    mean = (x.sum(axis=axes, keepdims=True, dtype=np.float64) / n).astype(np.float32)
    xc = x - mean
    var_sum = np.square(xc).sum(axis=axes, keepdims=True, dtype=np.float64).astype(np.float32)
    with np.errstate(all="ignore"):
        var = var_sum / np.float32(n)
        invstd = (1.0 / np.sqrt(var.astype(np.float64) + eps)).astype(np.float32)
        unbiased = var_sum / np.float32(n - 1)
    return mean, xc, var, invstd, unbiased


@_opmath_half
def _bn_f(xp, x, w, b, axes, eps, box, fused=True, half=False):
    if fused and not half and type(x) is np.ndarray and x.dtype == np.float32 and \
            x.ndim >= 3 and x.flags.c_contiguous and 0 < x.size <= BN_EXACT_MAX and \
            x.size // x.shape[0] > x.shape[1]:
        mean, xc, var, invstd, unbiased = _bn_stats_f32(x, axes, eps)
        shape = channel_shape(x.ndim, x.shape[1])
        alpha = invstd if w is None else invstd * w.reshape(shape).astype(np.float32)
        beta = -(mean * alpha) if b is None else \
            fma(-mean, alpha, b.reshape(shape).astype(np.float32), np.float32)
        y = fma(x, alpha, beta, np.float32)  # (PyTorch's fused transform, rounded once)
        xc *= invstd
        if box is not None:  # (with the unbiased variance: the float32 running-stats update)
            box.append((mean.reshape(-1), var.reshape(-1), unbiased.reshape(-1)))
        return y, (axes, eps, xc, invstd)
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = xp.mean(xp.square(xc), axis=axes, keepdims=True)
    invstd = 1.0 / xp.sqrt(var + eps)
    # PyTorch keeps invstd in the input's dtype (float16 too: its statistics in float32)
    invstd = invstd.astype(np.float16 if half else x.dtype, copy=False)
    xhat = xc
    xhat *= invstd
    shape = channel_shape(x.ndim, x.shape[1])
    if fused and w is not None and not bool(xp.isfinite(w).all()):
        # an inf/NaN weight: PyTorch's fused transform x * alpha + (bias - mean * alpha) with
        # alpha = invstd * weight (the same values for a finite weight, its NaN/inf otherwise;
        # a non-contiguous operand takes xhat * weight + bias)
        alpha = invstd * w.reshape(shape)
        beta = -(mean * alpha) if b is None else b.reshape(shape) - mean * alpha
        y = x * alpha + beta
    elif w is not None:
        y = xhat * w.reshape(shape)
        if b is not None:
            y += b.reshape(shape)
    elif b is not None:
        y = xhat + b.reshape(shape)
    else:
        y = xhat.copy()
    if box is not None:
        box.append((mean.reshape(-1), var.reshape(-1)))
    return MF.relayout(xp, y, MF.suggest(x)), (axes, eps, xhat, invstd)


def _bn_b(xp, g, ins, out, aux, needs):
    x, w, _b = ins
    axes, eps, xhat, invstd = aux
    shape = channel_shape(len(x.shape), x.shape[1])
    m = 1
    for a in axes:
        m *= x.shape[a]
    if getattr(xp, "name", "") == "tensor":
        mean = xp.mean(x, axis=axes, keepdims=True)
        xc = x - mean
        var = xp.mean(xc * xc, axis=axes, keepdims=True)
        invstd = 1.0 / xp.sqrt(var + eps)
        xhat = xc * invstd
    gsum = xp.sum(g, axis=axes, keepdims=True)
    gxhat = xp.sum(g * xhat, axis=axes, keepdims=True)
    inv_m = 1.0 / m if m else 0.0  # (an empty batch: empty gradient, zero for the parameters)
    gw = xp.reshape(gxhat, (-1,)) if needs[1] else None
    gb = xp.reshape(gsum, (-1,)) if needs[2] else None
    gx = None
    if needs[0]:
        scale = invstd if w is None else xp.reshape(w, shape) * invstd
        if getattr(xp, "name", "") == "tensor":
            gx = (g - gsum * inv_m - xhat * (gxhat * inv_m)) * scale
        else:  # the same formula with one temporary
            gx = xhat * (gxhat * inv_m)
            xp.subtract(g, gx, out=gx)
            gx -= gsum * inv_m
            gx *= scale
    return gx, gw, gb


BATCH_NORM = Op("NativeBatchNorm", _bn_f, _bn_b, saves=SAVES_INPUTS, returns_aux=True)


# ------------------------------------------------------------------ batch norm, running stats
# Evaluation mode: ``y = x * scale + shift`` with ``scale = weight / sqrt(running_var + eps)``,
# one node as PyTorch's (NativeBatchNormBackward0). ``rm``/``invstd``: the running mean and
# 1/std as constant arrays of the channel shape.
def _bn_scale(xp, w, invstd):
    return invstd if w is None else xp.reshape(w, invstd.shape) * invstd


def _bn_eval_f(xp, x, w, b, rm, invstd, fused=True):
    if not fused:  # PyTorch's element-wise transform (a non-contiguous operand)
        y = (x - rm) * invstd
        if w is not None:
            y = y * w.reshape(invstd.shape)
        if b is not None:
            y = y + b.reshape(invstd.shape)
        return MF.relayout(xp, y, MF.suggest(x))
    scale = _bn_scale(xp, w, invstd)
    shift = -(rm * scale) if b is None else b.reshape(invstd.shape) - rm * scale
    return MF.relayout(xp, x * scale + shift, MF.suggest(x))


def _bn_eval_b(xp, g, ins, out, aux, needs):
    x, w, _b = ins
    rm, invstd = aux[:2]
    axes = (0,) + tuple(range(2, len(x.shape)))
    gx = g * _bn_scale(xp, w, invstd) if needs[0] else None
    gw = xp.reshape(xp.sum(g * ((x - rm) * invstd), axis=axes), (-1,)) if needs[1] else None
    gb = xp.reshape(xp.sum(g, axis=axes), (-1,)) if needs[2] else None
    return gx, gw, gb


BATCH_NORM_EVAL = Op("NativeBatchNorm", _bn_eval_f, _bn_eval_b, saves=SAVES_INPUTS)


def _is_array(x) -> bool:
    return not hasattr(x, "grad_fn")


# ------------------------------------------------------------------ layer norm
def _ln_stats(xp, x2, eps):
    mu = xp.mean(x2, axis=-1, keepdims=True)
    xc = x2 - mu
    var = xp.mean(xc * xc, axis=-1, keepdims=True)
    rstd = 1 / xp.sqrt(var + eps)
    return xc * rstd, rstd


@_opmath_half
def _layer_norm_f(xp, x, *rest, half=False, fused=False, rstd64=False):
    *wb, d, eps, has_w, has_b = rest
    shape = x.shape
    x2 = x.reshape(-1, d)
    if x2.dtype.kind != "f":
        x2 = x2.astype(np.float32)
    exact = type(x2) is np.ndarray and x2.dtype.kind == "f" and x2.dtype.itemsize >= 4 and \
        0 < x2.size <= EXACT_MAX
    if exact:  # (PyTorch's Welford moments, its bits: ops/_row_moments.py)
        mu, var = row_moments(np.ascontiguousarray(x2))
        mu, var = mu.reshape(-1, 1), var.reshape(-1, 1)
        xc = x2 - mu
    else:
        mu = x2.sum(axis=-1, keepdims=True)
        mu *= 1.0 / d
        xc = x2 - mu
        if type(xc) is np.ndarray:
            var = np.einsum("ij,ij->i", xc, xc).reshape(-1, 1) / d
        else:
            var = (xc * xc).mean(axis=-1, keepdims=True)
    if rstd64 and type(var) is np.ndarray:  # (group norm's kernel adds a double eps)
        with np.errstate(all="ignore"):
            rstd = (1.0 / np.sqrt(var.astype(np.float64) + eps)).astype(var.dtype)
    else:
        rstd = 1 / xp.sqrt(var + eps)
    xc *= rstd
    xhat = xc
    out = xhat
    if fused:
        # PyTorch's float16/bfloat16 kernel (in float32): fma(x, rstd, -mean * rstd), one
        # rounding of the exact product plus the rounded shift (a float64 product of two float32
        # values is exact); a row [65504] gives 0.711 there, not 0
        shift = -(mu * rstd)
        out = (x2.astype(np.float64) * rstd.astype(np.float64) + shift).astype(x2.dtype)
    if has_w:
        if has_b and exact and not fused and wb[0].dtype == wb[1].dtype == x2.dtype:
            out = fma(out, wb[0].reshape(-1), wb[1].reshape(-1), x2.dtype)  # (as PyTorch's)
        else:
            out = out * wb[0].reshape(-1)
            if has_b:
                out += wb[1].reshape(-1)
    elif has_b:
        out = out + wb[0].reshape(-1)
    elif not fused:  # no affine: the output must not be the saved xhat, which an in-place op
        # on the output (InstanceNorm2d then ReLU(inplace=True)) would change under backward
        out = xhat.copy()
    return out.reshape(shape), (d, eps, has_w, has_b, xhat, rstd)


def _layer_norm_b(xp, g, ins, out, aux, needs):
    d, eps, has_w, has_b = aux[:4]
    x = ins[0]
    shape = tuple(x.shape)
    g2 = xp.reshape(g, (-1, d))
    if _is_array(x):
        xhat, rstd = aux[4], aux[5]
    else:
        xhat, rstd = _ln_stats(xp, xp.reshape(x, (-1, d)), eps)
    w = ins[1] if has_w else None
    grads = [None] * len(ins)
    if type(g2) is np.ndarray and type(xhat) is np.ndarray:
        return _layer_norm_b_numpy(g2, xhat, rstd, w, d, shape, has_w, has_b, needs, grads, ins)
    if needs[0]:
        gh = g2 * xp.reshape(w, (d,)) if has_w else g2
        if type(gh) is np.ndarray:  # fast path: row sums without np.mean's bookkeeping
            m1 = gh.sum(axis=-1, keepdims=True)
            m1 *= 1.0 / d
            m2 = np.einsum("ij,ij->i", gh, xhat).reshape(-1, 1)
            m2 *= 1.0 / d
            gx = gh - m1
            gx -= xhat * m2
            gx *= rstd
            grads[0] = gx.reshape(shape)
        else:
            m1 = xp.mean(gh, axis=-1, keepdims=True)
            m2 = xp.mean(gh * xhat, axis=-1, keepdims=True)
            grads[0] = xp.reshape((gh - m1 - xhat * m2) * rstd, shape)
    if has_w and needs[1]:
        grads[1] = xp.reshape(xp.sum(g2 * xhat, axis=0), tuple(ins[1].shape))
    if has_b and needs[len(ins) - 1]:
        grads[-1] = xp.reshape(xp.sum(g2, axis=0), tuple(ins[-1].shape))
    return grads


def _layer_norm_b_numpy(g2, xhat, rstd, w, d, shape, has_w, has_b, needs, grads, ins):
    """The backward on NumPy arrays: ``p = g * xhat`` once serves the weight's gradient (its
    column sums) and the input's ``mean(g w xhat)`` (a matrix-vector product with ``w``), as
    ``g @ w`` gives ``mean(g w)``; the input's gradient is then four in-place passes."""
    p = g2 * xhat if needs[0] or (has_w and needs[1]) else None
    if has_w and needs[1]:
        grads[1] = column_sums(p).reshape(tuple(ins[1].shape))
    if has_b and needs[len(ins) - 1]:
        grads[-1] = column_sums(g2).reshape(tuple(ins[-1].shape))
    if needs[0]:
        if has_w:
            wv = w.reshape(d)
            m1 = (g2 @ wv).reshape(-1, 1)
            m2 = (p @ wv).reshape(-1, 1)
            gx = g2 * wv
        else:
            m1 = g2.sum(axis=-1, keepdims=True)
            m2 = p.sum(axis=-1, keepdims=True)
            gx = g2.copy()
        m1 *= 1.0 / d
        m2 *= 1.0 / d
        gx -= m1
        np.multiply(xhat, m2, out=p)
        gx -= p
        gx *= rstd
        bad = ~(np.isfinite(m1) & np.isfinite(m2)).reshape(-1)
        if bad.any():
            gx[bad] = _layer_norm_b_rows(g2[bad], ins[0].reshape(-1, d)[bad], rstd[bad],
                                         w.reshape(d) if has_w else None, d)
        grads[0] = gx.reshape(shape)
    return grads


def _layer_norm_b_rows(g2, x2, rstd, w, d):
    """The input's gradient of rows whose sums ``sum(g w)``/``sum(g w xhat)`` are not finite
    (an inf weight, a huge gradient), by PyTorch's kernel formula
    ``rstd g w + b x + c`` (``b = (db mean - ds) rstd^3 / d``, ``c = -b mean - db rstd / d``):
    the same values elsewhere, and PyTorch's NaN/inf pattern where the sums overflow."""
    x2 = x2.astype(g2.dtype, copy=False)
    with np.errstate(all="ignore"):
        mean = x2.mean(axis=-1, keepdims=True)
        gw = g2 * w if w is not None else g2
        ds = (gw * x2).sum(axis=-1, keepdims=True)
        db = gw.sum(axis=-1, keepdims=True)
        b = (db * mean - ds) * rstd * rstd * rstd * (1.0 / d)
        c = -b * mean - db * rstd * (1.0 / d)
        return rstd * g2 * w + b * x2 + c if w is not None else rstd * g2 + b * x2 + c


LAYER_NORM = Op("NativeLayerNorm", _layer_norm_f, _layer_norm_b, returns_aux=True)
# a float16/bfloat16 input's layer norm, computed in float32 as PyTorch's reduced-type kernel
LAYER_NORM_HALF = Op("NativeLayerNorm", partial(_layer_norm_f, fused=True), _layer_norm_b,
                     returns_aux=True)
# group norm without affine parameters: layer norm of the (N, G, D) view, its rstd computed in
# float64 from the row variance (PyTorch's group norm kernel adds a double eps)
GROUP_NORM_PLAIN = Op("NativeLayerNorm", partial(_layer_norm_f, rstd64=True), _layer_norm_b,
                      returns_aux=True)
