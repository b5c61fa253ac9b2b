"""Fused neural-network primitives: linear, layer norm, embedding lookup, softplus, dropout mask.

Fused for speed (one node, BLAS-sized work, no intermediate tensors) or stability (softplus).
Every rule is written against ``xp`` so higher-order gradients work: on the fast path the rules
reuse what forward stored in ``aux``; under ``create_graph`` (``ins`` are Tensors) they recompute
it with ``xp`` so the recomputation is differentiated too.
"""

from __future__ import annotations

import numpy as np

from .._backend import namespace_of
from ..autograd.graph import SAVES_INPUTS, Op

__all__ = ["EMBEDDING", "LAYER_NORM", "LINEAR", "SOFTPLUS", "row_accumulate"]


def _is_array(x) -> bool:
    return not hasattr(x, "grad_fn")


# ------------------------------------------------------------------ linear: y = x W^T + b
def _linear_f(xp, x, w, b=None):
    if x.ndim <= 2:
        out = xp.matmul(x, w.T)
    else:
        out = xp.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
    if b is not None:
        out += b
    return out


def _linear_b(xp, g, ins, out, aux, needs):
    x, w = ins[0], ins[1]
    n, k = w.shape[0], w.shape[1]
    g2 = g if g.ndim == 2 else xp.reshape(g, (-1, n))
    gx = gw = gb = None
    if needs[0]:
        gx = xp.matmul(g2, w)
        if x.ndim != 2:
            gx = xp.reshape(gx, tuple(x.shape))
    if needs[1]:
        x2 = x if x.ndim == 2 else xp.reshape(x, (-1, k))
        gw = xp.matmul(xp.transpose(g2), x2)
    if len(ins) > 2 and needs[2]:
        gb = xp.sum(g2, axis=0)
    return (gx, gw) if len(ins) == 2 else (gx, gw, gb)


LINEAR = Op("Addmm", _linear_f, _linear_b)


# ------------------------------------------------------------------ layer norm
def _ln_stats(xp, x2, eps):
    mu = xp.mean(x2, axis=-1, keepdims=True)
    xc = x2 - mu
    var = xp.mean(xc * xc, axis=-1, keepdims=True)
    rstd = 1 / xp.sqrt(var + eps)
    return xc * rstd, rstd


def _layer_norm_f(xp, x, *rest):
    *wb, d, eps, has_w, has_b = rest
    shape = x.shape
    x2 = x.reshape(-1, d)
    if x2.dtype.kind != "f":
        x2 = x2.astype(np.float32)
    mu = x2.sum(axis=-1, keepdims=True)
    mu *= 1.0 / d
    xc = x2 - mu
    if type(xc) is np.ndarray:
        var = np.einsum("ij,ij->i", xc, xc).reshape(-1, 1) / d
    else:
        var = (xc * xc).mean(axis=-1, keepdims=True)
    rstd = 1 / xp.sqrt(var + eps)
    xc *= rstd
    xhat = xc
    out = xhat
    if has_w:
        out = out * wb[0].reshape(-1)
        if has_b:
            out += wb[1].reshape(-1)
    elif has_b:
        out = out + wb[0].reshape(-1)
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


LAYER_NORM = Op("NativeLayerNorm", _layer_norm_f, _layer_norm_b, returns_aux=True)


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


def _embedding_f(xp, w, index, padding_idx, scale_grad_by_freq, w_shape):
    return w[index]


def _embedding_b(xp, g, ins, out, aux, needs):
    index, padding_idx, scale, (n, dim) = aux
    flat = index.reshape(-1)
    ns = namespace_of(flat)
    g2 = xp.reshape(g, (-1, dim))
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


# ------------------------------------------------------------------ softplus
def _softplus_f(xp, x, beta, threshold):
    z = x * beta if beta != 1 else x
    sp = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
    if beta != 1:
        sp = sp / beta
    return xp.where(z > threshold, x, sp).astype(x.dtype, copy=False)


def _softplus_b(xp, g, ins, out, aux, needs):
    beta, threshold = aux
    x = ins[0]
    z = x * beta if beta != 1 else x
    sig = (xp.tanh(z * 0.5) + 1) * 0.5
    return (g * xp.where(z > threshold, 1.0, sig),)


SOFTPLUS = Op("Softplus", _softplus_f, _softplus_b, saves=SAVES_INPUTS)
