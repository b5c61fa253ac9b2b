"""Batch normalisation in training mode as one primitive with a fused backward.

Forward normalises over every axis but the channel axis (1) with the batch statistics::

    x_hat = (x - mean) / sqrt(var + eps),    y = weight * x_hat + bias

Backward uses the three-term formula (one pass over ``g`` and the saved ``x_hat``) instead of
differentiating the composite mean/var graph, which would keep several input-sized temporaries::

    dx = weight * invstd * (g - mean(g) - x_hat * mean(g * x_hat))

Under ``create_graph`` the same formula runs on Tensors, with ``x_hat`` and ``invstd`` recomputed
from the input through ``xp`` so that the rule itself is differentiable.
"""

from __future__ import annotations

from ..autograd.graph import SAVES_INPUTS, Op

__all__ = ["BATCH_NORM", "channel_shape"]


def channel_shape(ndim: int, c: int) -> tuple:
    """``(1, C, 1, ...)``: the shape a per-channel vector broadcasts as."""
    return (1, c) + (1,) * (ndim - 2)


def _bn_f(xp, x, w, b, axes, eps, box):
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = xp.mean(xp.square(xc), axis=axes, keepdims=True)
    invstd = 1.0 / xp.sqrt(var + eps)
    invstd = invstd.astype(x.dtype, copy=False)
    xhat = xc
    xhat *= invstd
    shape = channel_shape(x.ndim, x.shape[1])
    if w is not None:
        y = xhat * w.reshape(shape)
        if b is not None:
            y += b.reshape(shape)
    elif b is not None:
        y = xhat + b.reshape(shape)
    else:
        y = xhat.copy()
    if box is not None:
        box.append((mean.reshape(-1), var.reshape(-1)))
    return y, (axes, eps, xhat, invstd)


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
    gw = xp.reshape(gxhat, (-1,)) if needs[1] else None
    gb = xp.reshape(gsum, (-1,)) if needs[2] else None
    gx = None
    if needs[0]:
        scale = invstd if w is None else xp.reshape(w, shape) * invstd
        if getattr(xp, "name", "") == "tensor":
            gx = (g - gsum * (1.0 / m) - xhat * (gxhat * (1.0 / m))) * scale
        else:  # the same formula with one temporary
            gx = xhat * (gxhat * (1.0 / m))
            xp.subtract(g, gx, out=gx)
            gx -= gsum * (1.0 / m)
            gx *= scale
    return gx, gw, gb


BATCH_NORM = Op("NativeBatchNorm", _bn_f, _bn_b, saves=SAVES_INPUTS, returns_aux=True)
