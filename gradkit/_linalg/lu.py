"""LU factorization and the ``_ex`` variants of ``gradkit.linalg`` (``lu``, ``lu_factor``,
``lu_factor_ex``, ``lu_solve``, ``cholesky_ex``, ``inv_ex``, ``solve_ex``) and PyTorch's legacy
top-level forms (``gradkit.lu``, ``lu_unpack``, ``lu_solve``, ``triangular_solve``).

The factorization is LAPACK's ``getrf`` (partial pivoting, the first largest pivot of each
column), so ``LU`` and ``pivots`` match PyTorch's; its backward is PyTorch's rule for square,
wide and tall matrices, recorded under ``create_graph`` for higher orders. ``lu_solve`` is built
from triangular solves of the packed factors, so gradients reach ``LU`` and ``B``.
"""

from __future__ import annotations

import numpy as np

from .. import functions as F
from .. import return_types
from .._backend import to_host
from .._tensor import Tensor, apply, apply1, wrap
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op
from ..functions._args import _const_like
from ..ops import linalg as L
from ..ops.complex import as_written
from ..ops.linalg import LinAlgError, _run
from .checks import _dtype_name, _floating, _matrices, _mT, _solve_operands, _square_float, _t
from .deprecated import deprecated
from .layout import laid_out

lu_factor_result = return_types.linalg_lu_factor
lu_factor_ex_result = return_types.linalg_lu_factor_ex
lu_result = return_types.linalg_lu
lu_unpack_result = return_types.lu_unpack
cholesky_ex_result = return_types.linalg_cholesky_ex
inv_ex_result = return_types.linalg_inv_ex
solve_ex_result = return_types.linalg_solve_ex
triangular_solve_result = return_types.triangular_solve


def _const(A, arr, dtype=None):
    return wrap(_const_like(A, np.asarray(arr, dtype=dtype or A.dtype)))


def _no_pivot(pivot, name):
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU (as in "
                           f"PyTorch); pass pivot=True")


def _check_errors(name, info, what):
    """Raise as PyTorch's ``check_errors=True`` / the plain functions do when ``info`` > 0."""
    flat = np.asarray(info).reshape(-1)
    bad = np.flatnonzero(flat > 0)
    if not bad.size:
        return
    i = int(bad[0])
    prefix = f"(Batch element {i}): " if np.ndim(info) else ""
    raise LinAlgError(f"{name}: {prefix}{what(int(flat[i]))}")


def _singular_what(k):
    return (f"The diagonal element {k} is zero, the inversion could not be completed because "
            f"the input matrix is singular. Use gradkit.linalg.pinv or lstsq for singular "
            f"matrices.")


# ------------------------------------------------------------------------- lu_solve primitive
def _rows(xp, B, idx):
    """``B[..., idx[..., r], :]`` (batch dimensions of the two broadcast)."""
    batch = np.broadcast_shapes(idx.shape[:-1], B.shape[:-2])
    B = xp.broadcast_to(B, batch + B.shape[-2:])
    idx = np.broadcast_to(idx[..., :, None], batch + B.shape[-2:])
    return xp.take_along_axis(B, xp.asarray(idx) if xp is not np else idx, axis=-2)


def _lu_solve_f(xp, LU, B, perm, P, left, adjoint):
    """``X`` from the packed ``LU`` as LAPACK's getrs: row swaps, then the two triangles (L's
    unit diagonal implied, the other triangle never read)."""
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return L._mH(xp, _lu_solve_f(xp, LU, L._mH(xp, B), perm, P, True, not adjoint))
    tri = L._tri_solve_f
    if not adjoint:  # P L U X = B:  X = U^-1 L^-1 P^T B
        return tri(xp, LU, tri(xp, LU, _rows(xp, B, np.argsort(perm, axis=-1)), False, True),
                   True, False)
    LUt = L._mH(xp, LU)  # U^H L^H P^T X = B:  X = P L^-H U^-H B
    return _rows(xp, tri(xp, LUt, tri(xp, LUt, B, False, False), True, True), perm)


def _lu_solve_b(xp, g, ins, out, aux, needs):
    # PyTorch's linalg_lu_solve_LU and B = lu_solve(LU, g, adjoint=not adjoint), with its
    # products (P as a 0/1 matrix) and triangular solves in its order, so inf/NaN spread alike
    LU = ins[0]
    perm, P, left, adjoint = aux
    n = LU.shape[-1]
    mT = L._mH  # (the conjugate transpose: PyTorch's rule, for complex LU too)
    gB = _run(xp, LU_SOLVE, LU, g, params=(perm, P, left, not adjoint)) if needs[1] else None
    if not needs[0]:
        return None, gB
    X = out
    lower = L._const(LU, np.tri(n, n, -1)) != 0
    upper = L._const(LU, np.triu(np.ones((n, n)))) != 0
    Lm = xp.where(lower, LU, 0.0) + L._eye(LU, n)
    Um = xp.where(upper, LU, 0.0)
    tri = L.TRI_SOLVE
    if left != adjoint:
        M = -(xp.matmul(g, mT(xp, X)) if left else xp.matmul(mT(xp, g), X))
        gR = _run(xp, tri, mT(xp, Um), M, params=(False, False))
        gL = _run(xp, tri, mT(xp, Lm), xp.matmul(gR, mT(xp, Um)), params=(True, True))
        return xp.where(lower, gL, 0.0) + xp.where(upper, gR, 0.0), gB
    Pm = L._const(LU, P)
    gR = -xp.matmul(xp.matmul(xp.matmul(mT(xp, Pm), X if left else mT(xp, X)),
                              mT(xp, g) if left else g), Pm)
    gR = mT(xp, _run(xp, tri, Lm, mT(xp, gR), params=(False, True)))  # gR L^-T
    gU = mT(xp, _run(xp, tri, Um, mT(xp, xp.matmul(mT(xp, Lm), gR)), params=(True, False)))
    return xp.where(lower, gR, 0.0) + xp.where(upper, gU, 0.0), gB


def _lu_solve_laid_out(xp, LU, B, perm, P, left, adjoint):
    """``_lu_solve_f`` laid out as PyTorch's: getrs writes ``X`` column-major; ``left=False``
    solves the transposed system, and its ``X`` is the transpose of that (row-major)."""
    X = _lu_solve_f(xp, LU, B, perm, P, left, adjoint)
    if left:
        return L._column_major(xp, X)
    return L._mT(xp, L._column_major(xp, L._mT(xp, X)))


LU_SOLVE = Op("LinalgLuSolve", _lu_solve_laid_out, _lu_solve_b,
              saves=SAVES_INPUTS | SAVES_OUTPUT, broadcasts=True, own_layout=True)
as_written(LU_SOLVE)


# ------------------------------------------------------------------------------ factorization
def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False):
    """``(LU, pivots, info)``: the packed LU factorization of the ``(*, m, n)`` matrices of
    ``A`` with partial pivoting (``A = P L U``), 1-based int32 ``pivots`` (``(*, min(m, n))``)
    and int32 ``info``, the 1-based index of the first zero on ``U``'s diagonal (0 when none).
    Singular matrices do not raise unless ``check_errors``. Differentiable in ``A``."""
    name = "linalg.lu_factor_ex"
    A = _floating(A, name, kernel="lu_cpu", cplx=True)
    _matrices(A, name)
    _no_pivot(pivot, name)
    m, n = A.shape[-2], A.shape[-1]
    packed = apply1(L.LU_FACTOR, A)
    lu, piv = L.lu_unpack_packed(packed, m)
    k = min(m, n)
    piv_host = np.real(np.asarray(to_host(piv.detach()._data)).view(np.ndarray))
    piv_host = piv_host[..., :k].astype(np.int32)
    diag = to_host(lu.detach()._data)[..., np.arange(k), np.arange(k)]
    zero = diag == 0
    info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32) if k else \
        np.zeros(tuple(A.shape[:-2]), np.int32)
    if check_errors:
        _check_errors(name, info, lambda i: f"The factorization could not be completed because "
                                            f"U[{i},{i}] is zero (the input is singular)")
    lu, = laid_out((lu,), "m", "LinalgLuFactorExBackward0", (A,))
    return lu_factor_ex_result(lu, _const(A, piv_host, np.int32), _const(A, info, np.int32))


def lu_factor(A, *, pivot: bool = True):
    """``(LU, pivots)`` as ``lu_factor_ex``; raises ``LinAlgError`` for a singular matrix (whose
    factorization ``lu_solve`` could not use), naming which matrix of a batch."""
    name = "linalg.lu_factor"
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    _check_errors(name, to_host(info._data), lambda i: (
        f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. If "
        f"you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        f"linalg.lu_factor_ex(A, pivot)"))
    return lu_factor_result(LU, piv)


def _unpack(LU, pivots, name, unpack_data=True, unpack_pivots=True, any_dtype=False):
    # (lu_unpack only selects entries: PyTorch's takes LU_data of any dtype, bool included)
    LU, pivots = _t(LU, "LU_data"), _t(pivots, "LU_pivots")  # (both types first, as PyTorch)
    LU = LU if any_dtype else _floating(LU, name, "LU_data", cplx=True)
    _matrices(LU, name, "LU_data")
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    if pivots.dtype != np.int32:
        raise RuntimeError(f"{name}: LU_pivots is expected to be a contiguous tensor of "
                           f"torch.int32 "
                           f"dtype. Got {_dtype_name(pivots.dtype)} (convert with .int())")
    if tuple(pivots.shape) != tuple(LU.shape[:-2]) + (k,):
        raise RuntimeError(f"{name}: the pivots of LU_data of shape {tuple(LU.shape)} must have "
                           f"shape {tuple(LU.shape[:-2]) + (k,)}, got {tuple(pivots.shape)}")
    empty = _const(LU, np.zeros((0,)))
    P = empty
    if unpack_pivots:
        piv = to_host(pivots._data)
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise RuntimeError(f"{name}: pivots must be between 1 and {m} (LAPACK's 1-based row "
                               f"swaps), got values in [{piv.min()}, {piv.max()}]")
        P = _const(LU, L.permutation_numpy(piv, m))
    Lf = Uf = empty
    if unpack_data:
        # selected, not multiplied by a 0/1 mask: an inf in the other triangle stays out
        Lf = F.where(_const(LU, np.tri(m, k, -1), bool), LU[..., :, :k], _const(LU, np.eye(m, k)))
        Uf = F.where(_const(LU, np.triu(np.ones((k, n))), bool), LU[..., :k, :],
                     _const(LU, np.zeros(())))
    return P, Lf, Uf


def lu(A, *, pivot: bool = True):
    """``(P, L, U)`` with ``A = P L U``: ``P`` a permutation matrix, ``L`` unit lower
    triangular ``(*, m, k)``, ``U`` upper triangular ``(*, k, n)``, ``k = min(m, n)``.
    Singular matrices factor without error; differentiable in ``A``."""
    name = "linalg.lu"
    LU, piv, _ = lu_factor_ex(_floating(A, name, kernel="lu_cpu", cplx=True), pivot=pivot)
    return lu_result(*_unpack(LU, piv, name))


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True):
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s packed output (empty tensors in
    place of what is not unpacked)."""
    return lu_unpack_result(*_unpack(LU_data, LU_pivots, "lu_unpack", unpack_data,
                                     unpack_pivots, any_dtype=True))


def _row_perm(LU, pivots, name):
    """The row order ``perm`` of ``A = P L U`` (``(P M)[r] = M[perm[r]]``), from checked pivots."""
    _unpack(LU, pivots, name, unpack_data=False, unpack_pivots=False)
    piv = to_host(pivots._data).astype(np.int64)
    m = LU.shape[-2]
    if piv.size and (piv.min() < 1 or piv.max() > m):
        raise RuntimeError(f"{name}: pivots must be between 1 and {m} (LAPACK's 1-based row "
                           f"swaps), got values in [{piv.min()}, {piv.max()}]")
    P = L.permutation_numpy(piv, m)
    return np.argmax(P, axis=-1) if m else np.zeros(P.shape[:-1], np.int64)  # (no rows: none)


def _take_rows(B, perm):
    """``out[..., r, :] = B[..., perm[..., r], :]`` with ``perm`` a host int array; batch
    dimensions of the two broadcast. Differentiable in ``B``."""
    batch = np.broadcast_shapes(perm.shape[:-1], tuple(B.shape[:-2]))
    shape = batch + tuple(B.shape[-2:])
    if tuple(B.shape) != shape:
        B = F.broadcast_to(B, shape)
    idx = np.broadcast_to(perm[..., :, None], shape)
    return F.gather(B, -2, _const(B, idx, np.int64))


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """The solution of ``A X = B`` given ``lu_factor(A)`` (``X A = B`` when not ``left``;
    ``A^T`` in place of ``A`` with ``adjoint``). Batch dimensions broadcast; differentiable in
    ``LU`` (its two triangles) and ``B``."""

    name = "linalg.lu_solve"
    # (the argument types before any check of their values, as PyTorch's parser)
    LU, pivots, B = _t(LU, "LU"), _t(pivots, "pivots"), _t(B, "B")
    LU = _square_float(LU, name, half="linalg.lu_solve_cpu", cplx=True)
    B = _floating(B, name, "B", cplx=True)
    _matrices(B, name, "B")
    if LU.dtype != B.dtype:
        raise RuntimeError(f"{name}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {_dtype_name(LU.dtype)} and B of type {_dtype_name(B.dtype)}")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    perm = _row_perm(LU, pivots, name)
    P = L.permutation_numpy(to_host(pivots._data), n)
    return apply(LU_SOLVE, (LU, B), (perm, P, bool(left), bool(adjoint)))


def _top_lu_solve(b, LU_data, LU_pivots) -> Tensor:
    """``torch.lu_solve(b, LU_data, LU_pivots)``: ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    deprecated("lu_solve")
    return lu_solve(LU_data, LU_pivots, b)


def _top_lu(A, pivot: bool = True, get_infos: bool = False):
    """``torch.lu`` (``Tensor.lu``): ``(LU, pivots)``, or ``(LU, pivots, infos)`` with
    ``get_infos``; singular matrices do not raise."""
    deprecated("lu")
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)  # (any object: PyTorch's truth test)


def triangular_solve(b, A, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """``torch.triangular_solve``: ``(solution, cloned_coefficient)`` with ``solution`` solving
    ``op(A) X = b`` (``op(A) = A^T`` with ``transpose``) for triangular ``A`` (its ``upper``
    triangle, ones on the diagonal with ``unitriangular``); batch dimensions broadcast."""
    from .. import linalg as LA

    name = "triangular_solve"
    b, A = _t(b, "b"), _t(A, "A")
    if b.ndim < 2:
        raise RuntimeError(f"{name}: Expected b to have at least 2 dimensions, but it has "
                           f"{b.ndim} dimensions instead (shape {tuple(b.shape)})")
    if A.ndim < 2:
        raise RuntimeError(f"{name}: Expected A to have at least 2 dimensions, but it has "
                           f"{A.ndim} dimensions instead (shape {tuple(A.shape)})")
    if b.dtype == A.dtype and A.shape[-1] == A.shape[-2] == b.shape[-2]:
        deprecated("triangular_solve")  # (PyTorch's, after its shape and dtype checks)
    A = _solve_operands(b, A, name, "triangular_solve_cpu")
    if transpose:  # op(T) = T^T: the other triangle of A^T
        X = LA._tri_solve(name, _mT(A), b, not upper, unitriangular)
    else:
        X = LA._tri_solve(name, A, b, upper, unitriangular)
    coefficient = A.clone()
    batch = tuple(X.shape[:-2])
    if tuple(A.shape[:-2]) != batch:  # PyTorch returns A broadcast to the batch
        coefficient = F.broadcast_to(A, batch + tuple(A.shape[-2:])).clone()
    return triangular_solve_result(X, coefficient)


# ------------------------------------------------------------------------------- _ex variants
def _info_zero(A):
    return _const(A, np.zeros(tuple(A.shape[:-2]), np.int32), np.int32)


def _guarded(A, info, compute):
    """``compute`` on ``A`` with every matrix whose ``info`` > 0 replaced by the identity; those
    results are zeros (PyTorch leaves them unspecified)."""
    bad = np.asarray(info) > 0
    if not bad.any():
        return compute(A)
    mask = _const(A, bad[..., None, None], bool)
    eye = _const(A, np.eye(A.shape[-1]))
    out = compute(F.where(mask, eye, A))
    extra = out.ndim - A.ndim
    m = mask.reshape(tuple(mask.shape) + (1,) * extra) if extra > 0 else mask
    return F.where(m, 0.0, out)


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False):
    """``(L, info)``: the Cholesky factor as ``linalg.cholesky``, and int32 ``info``, the order
    of the first leading minor that is not positive definite (0 when the matrix is). Does not
    raise unless ``check_errors``; the factor of a failing matrix is zeros here (unspecified in
    PyTorch)."""
    from .. import linalg as LA

    name = "linalg.cholesky_ex"
    A = _square_float(A, name, half="cholesky_cpu", cplx=True)
    host = to_host(A.detach()._data)
    n = A.shape[-1]
    if host.size and not np.isfinite(host).all() and not A.is_complex():
        return _cholesky_ex_non_finite(A, host, upper, check_errors, name)
    flat = host.reshape((int(np.prod(host.shape[:-2])), n, n))  # (no -1: n may be 0)
    info = np.zeros(host.shape[:-2], np.int32).reshape(-1)
    try:
        np.linalg.cholesky(flat)
    except np.linalg.LinAlgError:
        for i, mi in enumerate(flat):
            for k in range(1, n + 1):
                try:
                    np.linalg.cholesky(mi[:k, :k])
                except np.linalg.LinAlgError:
                    info[i] = k
                    break
    info = info.reshape(host.shape[:-2])
    if check_errors:
        _check_errors(name, info, lambda k: f"The factorization could not be completed because "
                                            f"the input is not positive-definite (the leading "
                                            f"minor of order {k} is not positive-definite).")
    out = _guarded(A, info, lambda M: LA.cholesky(M, upper=upper))
    return cholesky_ex_result(out, _const(A, info, np.int32))


def _cholesky_ex_non_finite(A, host, upper, check_errors, name):
    """cholesky_ex of real matrices holding inf/NaN as LAPACK's potf2 leaves them: column by
    column until the first pivot that is not positive (NaN included), whose value it stores on
    the diagonal, the entries below and to the right of it untouched (A's own)."""
    a = np.swapaxes(host, -1, -2) if upper else host  # (potrf 'U' reads A's upper triangle)
    n = a.shape[-1]
    fac, order = L._cholesky_host(a)
    fac = fac.reshape((-1, n, n)).copy()
    flat = a.reshape((-1, n, n))
    for i, k in enumerate(order.reshape(-1)):
        if k:
            j = int(k) - 1
            with np.errstate(all="ignore"):
                fac[i, j, j] = flat[i, j, j] - np.sum(fac[i, j, :j] ** 2)
            for r in range(j + 1, n):  # (rows below: A's entries from column j on)
                fac[i, r, j:r + 1] = flat[i, r, j:r + 1]
    fac = np.tril(fac).reshape(a.shape)
    info = order.astype(np.int32)
    if check_errors:
        _check_errors(name, info, lambda k: f"The factorization could not be completed because "
                                            f"the input is not positive-definite (the leading "
                                            f"minor of order {k} is not positive-definite).")
    out = np.swapaxes(fac, -1, -2) if upper else fac
    return cholesky_ex_result(_const(A, out), _const(A, info, np.int32))


def _lu_info(A):
    """The getrf ``info`` of each matrix of ``A`` (0, or the first zero pivot, 1-based)."""
    return L.lu_numpy(to_host(A.detach()._data))[2]


def inv_ex(A, *, check_errors: bool = False):
    """``(inverse, info)``: ``linalg.inv`` without raising; ``info`` (int32) is the 1-based
    index of the first zero pivot of a singular matrix (0 otherwise), whose inverse is zeros
    here (unspecified in PyTorch). ``check_errors=True`` raises as ``inv``."""
    from .. import linalg as LA

    name = "linalg.inv_ex"
    A = _square_float(A, name, cplx=True)
    info = _lu_info(A)
    if check_errors:
        _check_errors(name, info, _singular_what)
    return inv_ex_result(_guarded(A, info, LA.inv), _const(A, info, np.int32))


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False):
    """``(result, info)``: ``linalg.solve`` without raising (see ``inv_ex`` for ``info``)."""
    from .. import linalg as LA

    name = "linalg.solve_ex"
    _t(B, "B")  # (the argument types before any check of A, as PyTorch's parser)
    A = _square_float(A, name, half="lu_cpu", cplx=True)
    info = _lu_info(A)
    if check_errors:
        _check_errors(name, info, _singular_what)
    if not np.any(info > 0):
        return solve_ex_result(LA.solve(A, B, left=left), _const(A, info, np.int32))
    mask = _const(A, (info > 0)[..., None, None], bool)
    safe = F.where(mask, _const(A, np.eye(A.shape[-1])), A)
    X = LA.solve(safe, B, left=left)
    vector = LA._solve_is_vector(A, _t(B, "B")) and left
    m = mask.squeeze(-1) if vector else mask
    return solve_ex_result(F.where(m, 0.0, X), _const(A, info, np.int32))


__all__ = ["cholesky_ex", "inv_ex", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "solve_ex"]
