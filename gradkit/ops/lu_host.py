"""Host-side (NumPy) LU factorisation as LAPACK's ``getrf`` computes it -- partial pivoting by
BLAS ``idamax`` (a NaN chosen only when first), unit-lower L and U packed in one matrix, 1-based
pivots, ``info`` -- and the permutation its pivots stand for."""

from __future__ import annotations

import numpy as _np


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
