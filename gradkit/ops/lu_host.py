"""Host-side (NumPy) LU factorisation as LAPACK's ``getrf`` computes it -- partial pivoting by
BLAS ``idamax`` (a NaN chosen only when first), unit-lower L and U packed in one matrix, 1-based
pivots, ``info`` -- and the permutation its pivots stand for; triangular substitution as
BLAS's ``trsm``, and ``getrs`` with that LU (how PyTorch's solves spread inf/NaN)."""

from __future__ import annotations

import numpy as _np

from .._backend import namespace_of


def _idamax(col):
    """BLAS idamax of each row of ``col`` (0-based): a NaN is chosen only when first; complex
    entries by ``|Re| + |Im|``, as izamax."""
    mag = _np.abs(col.real) + _np.abs(col.imag) if col.dtype.kind == "c" else _np.abs(col)
    nan = _np.isnan(mag)
    if not nan.any():
        return _np.argmax(mag, axis=1)
    best = _np.argmax(_np.where(nan, -1.0, mag), axis=1)
    return _np.where(nan[:, 0], 0, best)


def lu_numpy(a):
    """LU with partial pivoting of the matrices of the host array ``a`` (``(*, m, n)``), as
    LAPACK's getrf: ``(lu, pivots, info)`` with ``lu`` packing unit-lower ``L`` (below the
    diagonal) and ``U``; ``pivots`` 1-based int32 row swaps, ``(*, min(m, n))``; ``info`` the
    1-based index of the first zero pivot (0 when none), ``(*)``."""
    a = _np.array(a, dtype=a.dtype, copy=True)  # (a plain copy: complex data too)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    batch = a.shape[:-2]
    nb = int(_np.prod(batch, dtype=_np.int64))
    flat = a.reshape((nb, m, n))  # (not -1: ambiguous for an empty matrix)
    piv = _np.zeros((nb, k), dtype=_np.int32)
    info = _np.zeros(nb, dtype=_np.int32)
    rows = _np.arange(nb)
    for j in range(k):
        p = j + _idamax(flat[:, j:, j]) if nb else _np.zeros(0, int)
        piv[:, j] = p + 1
        top = flat[rows, j, :].copy()
        flat[rows, j, :] = flat[rows, p, :]
        flat[rows, p, :] = top
        pivot = flat[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        if j + 1 < m:
            col = flat[:, j + 1:, j] / _np.where(zero, 1, pivot)[:, None]
            flat[:, j + 1:, j] = col
            # a zero pivot's column is zero: no update (0 * inf in its row would make NaN)
            upd = col[:, :, None] * flat[:, j, None, j + 1:]
            flat[:, j + 1:, j + 1:] -= _np.where(zero[:, None, None], 0, upd)
    return (flat.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch))


def permutation_numpy(pivots, m):
    """The permutation matrices ``P`` (``(*, m, m)``) with ``A = P L U`` for LAPACK pivots."""
    pivots = _np.asarray(pivots).view(_np.ndarray)
    pivots = (pivots.real if pivots.dtype.kind == "c" else pivots).astype(_np.int64)
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    flat = pivots.reshape((int(_np.prod(batch, dtype=_np.int64)), k))
    perm = _np.tile(_np.arange(m), (flat.shape[0], 1))
    rows = _np.arange(flat.shape[0])
    for j in range(k):
        p = flat[:, j] - 1
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top
    P = _np.zeros((flat.shape[0], m, m))
    P[rows[:, None], perm, _np.arange(m)[None, :]] = 1.0  # row perm[i] of A is row i of LU
    return P.reshape(batch + (m, m))


def _tri_solve_f(xp, a, b, upper, unitriangular):
    """``X`` with ``T X = B`` for the triangle ``T`` of ``a`` (upper or lower; ones on the
    diagonal when ``unitriangular``) by column substitution, as BLAS's ``trsm``: the other
    triangle is never read (an inf there does not reach ``X``), and a zero on the diagonal gives
    inf/nan (no error), so non-finite values spread as in PyTorch. Batch dimensions
    broadcast."""
    ns = namespace_of(a)
    n = a.shape[-1]
    batch = _np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = ns.broadcast_to(a, batch + a.shape[-2:])
    x = ns.array(ns.broadcast_to(b, batch + b.shape[-2:]), dtype=a.dtype, copy=True)
    with _np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in (range(n - 1, -1, -1) if upper else range(n)):
            xk = x[..., k, :]
            if not unitriangular:
                xk = xk / a[..., k, k, None]
                x[..., k, :] = xk
            rest = slice(0, k) if upper else slice(k + 1, n)
            if (k == 0 and upper) or (k == n - 1 and not upper):
                continue
            x[..., rest, :] -= a[..., rest, k, None] * xk[..., None, :]
    return x


def _non_finite_host(a):
    """A real host array (not a Tensor under create_graph) holding inf or NaN."""
    return isinstance(a, _np.ndarray) and a.dtype.kind == "f" and a.size \
        and not bool(_np.isfinite(a).all())


def _solve_as_getrs(a, b, transpose=False, copy_free=False, singular=None):
    """``A^-1 B`` (``A^-T B`` when ``transpose``) for a real ``A`` holding inf/NaN as PyTorch's
    solve, slogdet and their backward compute it: LAPACK's getrs with the LU PyTorch factors,
    so inf/NaN spread as there: ``A``'s (solve), or with ``copy_free`` (slogdet) that of ``A^T``
    for a C-contiguous ``A`` (LAPACK reads it column-major without a copy), solved transposed.
    Batch dimensions broadcast; a zero pivot raises ``singular(a)`` when it is given."""
    n = a.shape[-1]
    c = copy_free and a.flags.c_contiguous
    lu, piv, info = lu_numpy(_np.swapaxes(a, -1, -2) if c else a)
    if singular is not None and bool((_np.asarray(info) > 0).any()):
        raise singular(a)
    perm = _np.argmax(permutation_numpy(piv, n), axis=-1)
    batch = _np.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    b = _np.broadcast_to(b, batch + b.shape[-2:]).astype(a.dtype)
    perm = _np.broadcast_to(perm, batch + perm.shape[-1:])
    if c == transpose:  # P L U X = B:  X = U^-1 L^-1 P^T B
        rows = _np.take_along_axis(b, _np.argsort(perm, axis=-1)[..., :, None], axis=-2)
        return _tri_solve_f(_np, lu, _tri_solve_f(_np, lu, rows, False, True), True, False)
    lut = _np.swapaxes(lu, -1, -2)  # (P L U)^T X = B:  X = P L^-T U^-T B
    x = _tri_solve_f(_np, lut, _tri_solve_f(_np, lut, b, False, False), True, True)
    return _np.take_along_axis(x, perm[..., :, None], axis=-2)
