"""The LDL factorization of symmetric matrices (``linalg.ldl_factor``, ``ldl_factor_ex``,
``ldl_solve``), as LAPACK's ``sytrf``/``sytrs`` that PyTorch calls: Bunch-Kaufman diagonal
pivoting on the lower triangle, ``A = P L D L^T P^T`` with ``D`` of 1x1 and 2x2 blocks.

``LD`` holds ``L`` below the diagonal and ``D`` on it (and, for a 2x2 block, in ``LD[k+1, k]``);
its upper triangle is zero. ``pivots`` are LAPACK's 1-based int32 ``ipiv``: ``pivots[k] = p > 0``
for a 1x1 block (rows and columns ``k`` and ``p - 1`` swapped), ``pivots[k] = pivots[k + 1] =
-p`` for a 2x2 block (rows ``k + 1`` and ``p - 1`` swapped). The factorization is the unblocked
algorithm (LAPACK's ``sytf2``, what ``sytrf`` runs for matrices of up to 64 rows), so for those
the pivots are LAPACK's and ``LD`` agrees to rounding. As in PyTorch, neither function has a
derivative: a backward through them raises.
"""

from __future__ import annotations

import numpy as np

from .. import return_types
from .._backend import to_host
from .._tensor import apply1, apply2, wrap
from ..autograd.graph import Op
from ..functions._args import _const_like
from ..ops.linalg import _column_major_out, _const
from .checks import _dtype_name, _floating, _low_precision, _matrices, _not_implemented, _t
from .layout import laid_out

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_ALPHA = (1.0 + np.sqrt(17.0)) / 8.0  # Bunch-Kaufman's threshold


def _sytf2(a):
    """LAPACK's ``sytf2`` on the lower triangle of the square array ``a`` (overwritten):
    returns ``(1-based ipiv, info)``."""
    n = a.shape[0]
    ipiv = np.zeros(n, np.int32)
    info = 0
    sfmin = np.finfo(a.dtype).tiny
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np.argmax(np.abs(a[k + 1:, k])))
            colmax = abs(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            if info == 0:
                info = k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                row = np.abs(a[imax, k:imax])
                rowmax = row.max()
                if imax < n - 1:
                    rowmax = max(rowmax, np.abs(a[imax + 1:, imax]).max())
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing lower triangle
                if kp < n - 1:
                    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                seg = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
                a[kp, kk + 1:kp] = seg
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if kstep == 1:
                if k < n - 1:
                    x = a[k + 1:, k]
                    if abs(a[k, k]) >= sfmin:
                        d11 = 1.0 / a[k, k]
                        a[k + 1:, k + 1:] += np.tril(np.outer(x, -d11 * x))
                        a[k + 1:, k] = x * d11
                    else:
                        a[k + 1:, k] = x / a[k, k]
                        x = a[k + 1:, k]
                        a[k + 1:, k + 1:] += np.tril(np.outer(x, -a[k, k] * x))
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11 = a[k + 1, k + 1] / d21
                d22 = a[k, k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                ck, ck1 = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                wk = d21 * (d11 * ck - ck1)
                wkp1 = d21 * (d22 * ck1 - ck)
                a[k + 2:, k + 2:] -= np.tril(np.outer(ck, wk))
                a[k + 2:, k + 2:] -= np.tril(np.outer(ck1, wkp1))
                a[k + 2:, k] = wk
                a[k + 2:, k + 1] = wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return ipiv, info


def _sytrs(ld, ipiv, b):
    """LAPACK's ``sytrs`` (lower): ``X`` with ``A X = b`` from ``sytf2``'s ``ld`` and 1-based
    ``ipiv``; ``b`` (n, k) is overwritten."""
    n = ld.shape[0]
    k = 0
    while k < n:  # L D Y = b
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            if k < n - 1:
                b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] *= 1.0 / ld[k, k]
            k += 1
        else:
            kp = -ipiv[k] - 1
            if kp != k + 1:
                b[[k + 1, kp]] = b[[kp, k + 1]]
            if k < n - 2:
                b[k + 2:] -= np.outer(ld[k + 2:, k], b[k])
                b[k + 2:] -= np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1 = ld[k, k] / akm1k
            ak = ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1 = b[k] / akm1k
            bk = b[k + 1] / akm1k
            b[k] = (ak * bkm1 - bk) / denom
            b[k + 1] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y
        if ipiv[k] > 0:
            if k < n - 1:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            if k < n - 1:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
            kp = -ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def _factor_f(xp, a):
    """Every matrix of ``a`` factored: ``LD`` with the pivots in an extra column and ``info``
    in another (``(*, n, n + 2)``), split by ``ldl_factor_ex`` (one Op, one output)."""
    host = np.asarray(to_host(a))
    n = host.shape[-1]
    flat = host.reshape((-1, n, n)) if host.size else np.zeros((0, n, n), host.dtype)
    packed = np.zeros(flat.shape[:1] + (n, n + 2), host.dtype)
    for i, m in enumerate(flat):
        work = np.array(m)
        piv, info = _sytf2(work)
        packed[i, :, :n] = np.tril(work)
        packed[i, :, n] = piv
        if n:
            packed[i, 0, n + 1] = info
    return _const(a, packed.reshape(host.shape[:-2] + (n, n + 2)))


def _no_derivative(name):
    def backward(xp, g, ins, out, aux, needs):
        raise RuntimeError(f"derivative for aten::{name} is not implemented (as in PyTorch): "
                           f"compute the result under gradkit.no_grad(), or use "
                           f"linalg.solve/cholesky, whose gradients exist")
    return backward


def _solve_f(xp, ld, b, piv):
    ld_h, b_h = np.asarray(to_host(ld)), np.asarray(to_host(b))
    n = ld_h.shape[-1]
    batch = np.broadcast_shapes(ld_h.shape[:-2], b_h.shape[:-2], piv.shape[:-1])
    if not ld_h.size or not b_h.size:
        return _const(ld, np.zeros(batch + b_h.shape[-2:], ld_h.dtype))
    lds = np.broadcast_to(ld_h, batch + ld_h.shape[-2:]).reshape((-1, n, n))
    pivs = np.broadcast_to(piv, batch + (n,)).reshape((-1, n))
    bs = np.array(np.broadcast_to(b_h, batch + b_h.shape[-2:])).reshape((-1,) + b_h.shape[-2:])
    for i in range(bs.shape[0]):
        _sytrs(lds[i], pivs[i], bs[i])
    return _const(ld, bs.reshape(batch + b_h.shape[-2:]))


LDL_FACTOR = Op("LinalgLdlFactorEx", _factor_f, _no_derivative("linalg_ldl_factor_ex"), saves=0)
LDL_SOLVE = Op("LinalgLdlSolve", _column_major_out(_solve_f), _no_derivative("linalg_ldl_solve"),
               saves=0)


def _flags(name, **flags):
    for k, v in flags.items():
        if v.__class__ is not bool:
            raise TypeError(f"{name}(): argument '{k}' must be bool, not {type(v).__name__}; "
                            f"pass True or False")


def _written(out, res, name):
    """``res`` written into the ``out=`` tensor(s), as PyTorch's out= forms."""
    from ..functions._registry import write_out

    return res if out is None else write_out(out, res, name)


def ldl_factor_ex(A, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """``(LD, pivots, info)``: the LDL factorization of the symmetric ``(*, n, n)`` matrices of
    ``A`` (their lower triangles are read) with Bunch-Kaufman pivoting, as LAPACK's ``sytrf``
    (see the module docstring); int32 ``info`` is the 1-based index of the first zero pivot
    (0 when none), raised only with ``check_errors``. ``hermitian`` is the same for real
    matrices; complex ones are not supported."""
    name = "torch.linalg.ldl_factor_ex"
    _flags("linalg_ldl_factor_ex", hermitian=hermitian, check_errors=check_errors)
    A = _floating(A, name, "input", low=True)
    _matrices(A, name)
    n = A.shape[-1]
    if A.shape[-2] != n:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {n} matrices")
    if _low_precision(A):  # (the kernel's dtype dispatch, after the shape checks)
        raise _not_implemented(name, "ldl_factor_kernel_cpu", A)
    packed = apply1(LDL_FACTOR, A)
    LD, = laid_out((packed[..., :n],), "m", "LinalgLdlFactorExBackward0", (A,))
    extra = np.asarray(to_host(packed.detach()._data))
    pivots = wrap(_const_like(A, extra[..., n].astype(np.int32)))
    info_h = (extra[..., 0, n + 1] if n else np.zeros(A.shape[:-2])).astype(np.int32)
    if check_errors and info_h.any():
        i = int(info_h.reshape(-1)[np.flatnonzero(info_h)[0]])
        raise RuntimeError(f"{name}: the factorization could not be completed: D[{i - 1},"
                           f"{i - 1}] is exactly zero (the matrix is singular)")
    info = wrap(_const_like(A, info_h))
    return _written(out, return_types.linalg_ldl_factor_ex(LD, pivots, info),
                    "linalg_ldl_factor_ex")


def ldl_factor(A, *, hermitian: bool = False, out=None):
    """``(LD, pivots)`` as :func:`ldl_factor_ex`; a matrix whose factorization hits an exactly
    zero pivot raises RuntimeError (PyTorch: an internal assert for the same case)."""
    _flags("linalg_ldl_factor", hermitian=hermitian)
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    info_h = np.asarray(to_host(info._data))
    if info_h.any():
        i = int(info_h.reshape(-1)[np.flatnonzero(info_h)[0]])
        raise RuntimeError(f"torch.linalg.ldl_factor: the factorization could not be "
                           f"completed: D[{i - 1},{i - 1}] is exactly zero (the matrix is "
                           f"singular); linalg.ldl_factor_ex returns it with info={i}")
    return _written(out, return_types.linalg_ldl_factor(LD, pivots), "linalg_ldl_factor")


def ldl_solve(LD, pivots, B, *, hermitian: bool = False, out=None):
    """``X`` with ``A X = B`` from ``ldl_factor``'s ``LD`` and ``pivots`` (batches broadcast),
    as LAPACK's ``sytrs``."""
    name = "torch.linalg.ldl_solve"
    _flags("linalg_ldl_solve", hermitian=hermitian)
    LD, pivots, B = _t(LD, "LD"), _t(pivots, "pivots"), _t(B, "B")
    LD = _floating(LD, name, "LD")
    _matrices(LD, name, "LD")
    _matrices(B, name, "B")
    n = LD.shape[-1]
    if LD.shape[-2] != n:
        raise RuntimeError(f"{name}: LD must be batches of square matrices, but they are "
                           f"{LD.shape[-2]} by {n} matrices")
    if pivots.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got "
                           f"{_dtype_name(pivots.dtype)} (pass ldl_factor's int32 pivots)")
    if tuple(pivots.shape[-1:]) != (n,) or pivots.ndim < 1:
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {tuple(pivots.shape)} instead")
    if B.dtype != LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_dtype_name(B.dtype)} and A of type {_dtype_name(LD.dtype)} "
                           f"instead.")
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} "
                           f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    piv = np.asarray(to_host(pivots._data))
    if piv.size and (np.abs(piv).min() < 1 or np.abs(piv).max() > n):
        raise RuntimeError(f"{name}: pivots must lie in [1, {n}] (or [-{n}, -1] for 2x2 "
                           f"blocks), as ldl_factor returns them")
    return _written(out, apply2(LDL_SOLVE, LD, B, params=(piv,)), "linalg_ldl_solve")
