"""Products: ``matmul``, ``mm``, ``bmm``, ``dot``, ``outer``, ``einsum``, ``tensordot``, ``kron``,
``cdist``. Primitives are in ``gradkit/ops/linalg.py``."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor.record import apply, apply2
from .._tensor.tensor import Tensor, as_tensor_arg
from ..ops import linalg as L
from ._args import (
    _dim_in,
    _dims_tuple,
    _t,
    builtins_max,
    builtins_min,
)
from ._registry import declare, tensor_method
from .elementwise import abs, sqrt, where
from .reduction import amax, norm, sum
from .shape import permute

__all__ = ["bmm", "cdist", "dot", "einsum", "kron", "matmul", "mm", "outer", "tensordot"]


@declare(out=True)
def matmul(input, other):
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions."""
    a, b = _t(input), _t(other, "other")
    if a.dtype != b.dtype:
        rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
        a, b = a.to(rt), b.to(rt)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {a.ndim}D and {b.ndim}D "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)}); use * for scalar products"
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the "
            f"last dimension of the first ({ka}) must equal the "
            f"{'second-to-last' if b.ndim >= 2 else 'only'} dimension of the second ({kb})"
        )
    if a.ndim == 1 and b.ndim == 1:
        return sum(a * b)
    if a.ndim == 1:
        return apply2(L.MATMUL, a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return apply2(L.MATMUL, a, b.unsqueeze(-1)).squeeze(-1)
    if a.ndim > 2 or b.ndim > 2:
        for x, y in zip(reversed(a.shape[:-2]), reversed(b.shape[:-2])):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                    f"broadcast together ({x} against {y})"
                )
    return apply2(L.MATMUL, a, b)


@declare(out=True)
def mm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(
            f"mm: expected 2-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    return matmul(a, b)


@declare(out=True)
def bmm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(
            f"bmm: expected 3-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return matmul(a, b)


@declare(out=True, aliases=("ger",))
def outer(input, vec2):
    a, b = _t(input), _t(vec2, "vec2")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"outer: expected 1-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a.unsqueeze(1) * b.unsqueeze(0)


@declare(out=True)
def dot(input, other):
    a, b = _t(input), _t(other, "other")
    if a.ndim != 1 or b.ndim != 1 or a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"dot: expected two 1-D tensors of the same size, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    return sum(a * b)


@declare(method=False)
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; differentiable in each operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops_ = [_t(o, "operand") for o in operands]
    dt = ops_[0].dtype
    for o in ops_[1:]:
        dt = _dtype.promote_types(dt, o.dtype)
    ops_ = [o.to(dt) for o in ops_]
    subs, rhs = L.parse_einsum(equation, [o.shape for o in ops_])
    sizes = {}
    for s, o in zip(subs, ops_):
        for c, n in zip(s, o.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(
                    f"einsum(): subscript {c!r} of {equation!r} has sizes {sizes[c]} and {n} "
                    f"(operand shapes {[tuple(o.shape) for o in ops_]}); every use of a "
                    f"subscript must have one size")
    return apply(L.EINSUM, ops_, (subs, rhs))


@declare(method=False, out=True)
def tensordot(a, b, dims=2):
    """Sum products over the last ``dims`` dimensions of ``a`` and the first of ``b``, or over
    the dimension lists ``dims = (dims_a, dims_b)``."""
    x, y = _t(a, "a"), _t(b, "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0 or dims > builtins_min(x.ndim, y.ndim):
            raise ValueError(f"tensordot(): dims must be in [0, {builtins_min(x.ndim, y.ndim)}] "
                             f"for shapes {tuple(x.shape)} and {tuple(y.shape)}, got {dims}")
        da = list(range(x.ndim - dims, x.ndim))
        db = list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da = list(_dims_tuple(dims[0], "tensordot", "dims"))
        db = list(_dims_tuple(dims[1], "tensordot", "dims"))
        da = [_dim_in(k, x.ndim, "tensordot") for k in da]
        db = [_dim_in(k, y.ndim, "tensordot") for k in db]
    else:
        raise TypeError(f"tensordot(): dims must be an int or a pair of dim lists, got {dims!r}")
    if len(da) != len(db):
        raise ValueError(f"tensordot(): both dim lists must have the same length, got {da} and "
                         f"{db}")
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise ValueError(f"tensordot(): contracted dimensions need the same size: a "
                             f"{tuple(x.shape)} dim {i} has {x.shape[i]}, b {tuple(y.shape)} "
                             f"dim {j} has {y.shape[j]}")
    fa = [k for k in range(x.ndim) if k not in da]
    fb = [k for k in range(y.ndim) if k not in db]
    kk = math.prod(x.shape[i] for i in da)
    # explicit sizes: reshape(-1, kk) is ambiguous when kk is 0 (an empty contraction)
    xa = (permute(x, *(fa + da)) if x.ndim else x).reshape(math.prod(x.shape[k] for k in fa), kk)
    yb = (permute(y, *(db + fb)) if y.ndim else y).reshape(kk, math.prod(y.shape[k] for k in fb))
    out = matmul(xa, yb)
    return out.reshape(tuple(x.shape[k] for k in fa) + tuple(y.shape[k] for k in fb))


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


@declare(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of ``x1`` ``(*, P, M)`` and each row of ``x2``
    ``(*, R, M)``: ``(*, P, R)``, batch dimensions broadcast. For ``p=2`` with more than 25
    rows on a side (or ``compute_mode='use_mm_for_euclid_dist'``) it uses one matmul, as
    PyTorch. The gradient at a zero distance is 0 (PyTorch's matmul path gives NaN there)."""
    a, b = _t(x1, "x1"), _t(x2, "x2")
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise TypeError(f"cdist(): only floating point inputs are supported, got {a.dtype} and "
                        f"{b.dtype}")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"cdist(): x1 and x2 need at least 2 dimensions, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist(): x1 and x2 must have the same number of columns, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p < 0:
        raise ValueError(f"cdist(): p must be a non-negative number, got {p!r}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist(): compute_mode must be one of {_CDIST_MODES}, got "
                         f"{compute_mode!r}")
    if a.dtype != b.dtype:
        rt = _dtype.promote_types(a.dtype, b.dtype)
        a, b = a.to(rt), b.to(rt)
    try:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise ValueError(f"cdist(): the batch dimensions of {tuple(a.shape)} and "
                         f"{tuple(b.shape)} do not broadcast") from None
    n1, n2, m = a.shape[-2], b.shape[-2], a.shape[-1]
    if tuple(a.shape[:-2]) != batch:
        a = a.expand(*batch, n1, m)
    if tuple(b.shape[:-2]) != batch:
        b = b.expand(*batch, n2, m)
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (n1 > 25 or n2 > 25)))
    if use_mm and m and n1 and n2:
        sq = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2) \
            - 2 * matmul(a, b.transpose(-1, -2))
        pos = sq > 0
        # sqrt only of positive entries: a zero distance has gradient 0, not 0 * inf
        return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)
    diff_ = a.unsqueeze(-2) - b.unsqueeze(-3)  # (*, P, R, M)
    if p == float("inf"):
        return amax(abs(diff_), -1) if m else sum(diff_, -1)
    if p == 0:  # the count of differing coordinates; connected to the graph (gradient 0)
        return sum(where(diff_ != 0, 1.0, diff_ * 0.0), -1)
    return norm(diff_, p=p, dim=-1)


@declare(out=True)
def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    a, b = _t(input), _t(other, "other")
    n = builtins_max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + tuple(a.shape)
    sb = (1,) * (n - b.ndim) + tuple(b.shape)
    ia, ib = [], []
    for p_, q_ in zip(sa, sb):
        ia += [p_, 1]
        ib += [1, q_]
    out = a.reshape(*ia) * b.reshape(*ib)
    return out.reshape(tuple(p_ * q_ for p_, q_ in zip(sa, sb)))


tensor_method("__matmul__")(matmul)


@tensor_method()
def __rmatmul__(self, other):
    return matmul(as_tensor_arg(other), self)
