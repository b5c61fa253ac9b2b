"""Linear primitive: ``y = x W^T + b`` as one fused node (one matmul plus the bias; one matmul per
input in backward).

The rule is written against ``xp`` so higher-order gradients work.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import column_sums
from .._noblas import matmul_bias as _matmul_bias
from ..autograd.graph import SAVES_INPUTS, Op, Shown, node_class

__all__ = ["LINEAR", "SCALED_PRODUCT"]


# ------------------------------------------------------------------ linear: y = x W^T + b
_HALF = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def _linear_f(xp, x, w, b=None):
    if b is not None and x.dtype is _HALF:
        # PyTorch's half kernel adds the bias to the float32 sums and rounds once; rounding the
        # product first gives another last bit in about a quarter of the entries
        return _linear_f(xp, x.astype(_F32), w.astype(_F32), b.astype(_F32)).astype(_HALF)
    if b is not None and _matmul_bias is not None and x.ndim >= 2:
        # Pyodide: the product and the bias add in one pass of the SIMD kernel (same values)
        out = _matmul_bias(x if x.ndim == 2 else x.reshape(-1, x.shape[-1]), w.T, b)
        if out is not None:
            return out if x.ndim == 2 else out.reshape(x.shape[:-1] + (w.shape[0],))
    if x.ndim <= 2:
        out = xp.matmul(x, w.T)
    else:
        # (rows counted, not -1: a reshape of an empty x with 0 features has no -1)
        rows = math.prod(x.shape[:-1])
        out = xp.matmul(x.reshape(rows, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
    if b is not None:
        out += b
    return out


def _linear_b(xp, g, ins, out, aux, needs):
    x, w = ins[0], ins[1]
    n, k = w.shape[0], w.shape[1]
    rows = math.prod(tuple(x.shape)[:-1])
    g2 = g if g.ndim == 2 else xp.reshape(g, (rows, n))
    gx = gw = gb = None
    if needs[0]:
        gx = xp.matmul(g2, w)
        if x.ndim != 2:
            gx = xp.reshape(gx, tuple(x.shape))
    if needs[1]:
        x2 = x if x.ndim == 2 else xp.reshape(x, (rows, k))
        gw = xp.matmul(xp.transpose(g2), x2)
    if len(ins) > 2 and needs[2]:
        gb = column_sums(g2) if type(g2) is np.ndarray else xp.sum(g2, axis=0)
        bs = tuple(ins[2].shape)
        if bs != (n,):  # a bias of n entries in another shape ((), (1, n), ...): broadcast
            gb = _sum_to(xp, g, bs)
    return (gx, gw) if len(ins) == 2 else (gx, gw, gb)


def _sum_to(xp, g, shape):
    """``g`` summed over the dims a bias of ``shape`` was broadcast along."""
    lead = g.ndim - len(shape)
    if lead:
        g = xp.sum(g, axis=tuple(range(lead)))
    ones = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if ones:
        g = xp.sum(g, axis=ones, keepdims=True)
    return xp.reshape(g, shape)


# The node reads as PyTorch's graph of linear: addmm(bias, x, w.t()) for a 2-D input with a
# bias, mm(x, w.t()) without; other ranks view the input to 2-D and the output back
# (ViewBackward0 / UnsafeViewBackward0 over the product; 1-D: unsqueeze and squeeze).
def _linear_name(node):
    nd = min(node.inputs[0].ndim, 3)  # the tag: 1, 2 or more dims
    if len(node.inputs) > 2:
        return node_class("AddmmBackward0" if nd == 2 else "ViewBackward0", nd)
    if nd == 2:
        return node_class("MmBackward0", nd)
    return node_class("SqueezeBackward4" if nd == 1 else "UnsafeViewBackward0", nd)


def _via(name, edge):
    return None if edge is None else Shown(name, (edge,))


def _linear_shown(node):
    nxt = node.next
    nd = node.named.tag
    if nd is None:  # renamed: PyTorch's entries are unknown, show the rule's
        return nxt
    x = nxt[0] if nd == 2 else _via("UnsqueezeBackward0" if nd == 1 else "ViewBackward0", nxt[0])
    w = _via("TBackward0", nxt[1])
    prod = (nxt[2], x, w) if len(nxt) > 2 else (x, w)
    if nd == 2:
        return prod
    return (Shown("AddmmBackward0" if len(nxt) > 2 else "MmBackward0", prod),)


LINEAR = Op("Addmm", _linear_f, _linear_b, namer=_linear_name, shown=_linear_shown,
            saved_for=((1,), (0,), ()))  # (the bias: only its shape is read)


# ------------------------------------------------------- alpha * (A @ B) for alpha = 0 or +-inf
def _column_major(a):
    """Whether the 2-D array ``a`` is laid out by columns (a transposed contiguous matrix)."""
    flags = getattr(a, "flags", None)
    return flags is not None and a.ndim == 2 and not flags.c_contiguous and flags.f_contiguous


def _scaled_product_f(xp, a, b, alpha, kind):
    # alpha = 0: PyTorch's kernels skip the product (no NaN from inf entries); a non-finite
    # alpha goes into the terms, as its gemm sums alpha * a_ik * b_kj (addmv: onto the sum)
    with np.errstate(all="ignore"):
        if kind == "outer":  # addr: outer(a, b) * alpha
            return a[..., :, None] * b[..., None, :] * alpha
        if alpha == 0:
            r = xp.zeros_like(xp.matmul(a, b))
        elif kind == "mv" and not _column_major(a):  # addmv's gemv of a row-major matrix
            r = xp.matmul(a, b) * alpha  # scales the sums, of a column-major one the columns
        else:
            r = xp.matmul(a, b * alpha) if kind == "mv" else xp.matmul(a * alpha, b)
    return r.sum(0) if kind == "bmm" else r


def _scaled_product_b(xp, g, ins, out, aux, needs):
    # PyTorch's mm_mat1_backward / mm_mat2_backward (addmv's ger / mv, addbmm's bmm): the
    # product of the gradient, then alpha (0 * inf is NaN there as here)
    a, b = ins[0], ins[1]
    alpha, kind = aux
    ga = gb = None
    if kind == "outer":  # addr: grad.mv(vec2) * alpha, grad.t().mv(vec1) * alpha
        if needs[0]:
            ga = xp.matmul(g, b) * alpha
        if needs[1]:
            gb = xp.matmul(xp.swapaxes(g, -1, -2), a) * alpha
        return ga, gb
    if kind == "mv":
        if needs[0]:
            ga = g[..., :, None] * b[..., None, :] * alpha
        if needs[1]:
            gb = xp.matmul(xp.swapaxes(a, -1, -2), g) * alpha
        return ga, gb
    if kind == "bmm":
        g = xp.broadcast_to(g, (a.shape[0], a.shape[1], b.shape[2]))
    if needs[0]:
        ga = xp.matmul(g, xp.swapaxes(b, -1, -2)) * alpha
    if needs[1]:
        gb = xp.matmul(xp.swapaxes(a, -1, -2), g) * alpha
    return ga, gb


SCALED_PRODUCT = Op("AddmmScaled", _scaled_product_f, _scaled_product_b, saves=SAVES_INPUTS)
