"""A one-sided Jacobi SVD (Hestenes) for the matrices LAPACK's divide and conquer leaves
inaccurate in NumPy's build: graded ones (an entry beyond 1e20 beside entries of 1) whose
smallest singular values lie below the working precision of the largest. MKL's gesdd (PyTorch's)
returns their small singular values to high relative accuracy; so does Jacobi on the matrix
scaled by its largest entry (no overflow of the squares), rotating pairs of columns until they
are orthogonal."""

from __future__ import annotations

import numpy as np


def _jacobi_tall(a):
    """``(U (m, n), S (n,), V (n, n))`` of one ``(m, n)`` matrix, ``m >= n``, S descending."""
    m, n = a.shape
    scale = np.max(np.abs(a)) if a.size else 0.0
    if not scale:
        return np.eye(m, n, dtype=a.dtype), np.zeros(n, a.dtype), np.eye(n, dtype=a.dtype)
    u = a / scale
    v = np.eye(n, dtype=a.dtype)
    eps = np.finfo(a.dtype).eps
    for _ in range(80):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = u[:, p] @ u[:, p]
                beta = u[:, q] @ u[:, q]
                gamma = u[:, p] @ u[:, q]
                if gamma == 0 or abs(gamma) <= eps * np.sqrt(alpha * beta):
                    continue
                rotated = True
                zeta = (beta - alpha) / (2.0 * gamma)
                t = np.copysign(1.0, zeta) / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                c = 1.0 / np.sqrt(1.0 + t * t)
                s = c * t
                up, uq = u[:, p].copy(), u[:, q].copy()
                u[:, p], u[:, q] = c * up - s * uq, s * up + c * uq
                vp, vq = v[:, p].copy(), v[:, q].copy()
                v[:, p], v[:, q] = c * vp - s * vq, s * vp + c * vq
        if not rotated:
            break
    sv = np.sqrt(np.sum(u * u, axis=0))
    order = np.argsort(-sv, kind="stable")
    sv, u, v = sv[order], u[:, order], v[:, order]
    nz = sv > 0
    u[:, nz] = u[:, nz] / sv[nz]
    return u, sv * scale, v


def refine_svd(a, u, s, vh, full_matrices):
    """NumPy's SVD ``(u, s, vh)`` of the host matrices ``a``, with the matrices whose
    condition exceeds the precision recomputed by Jacobi (their extra columns of a full ``u``
    / rows of ``vh`` kept from NumPy's). ``u``/``vh`` may be None (singular values only)."""
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if not k or k > 32 or not a.size:
        return u, s, vh
    eps = np.finfo(a.dtype).eps
    # matrices with an entry beyond 1e20 (graded: a few huge entries beside ordinary ones)
    # whose smallest singular values NumPy's gesdd lost in the rounding of the largest
    huge = np.max(np.abs(a), axis=(-2, -1)) >= 1e20
    bad = huge & (s[..., -1] <= s[..., 0] * eps * 100 * max(m, n))
    if not np.any(bad):
        return u, s, vh
    s = s.copy()
    u = None if u is None else u.copy()
    vh = None if vh is None else vh.copy()
    for idx in zip(*np.nonzero(bad)) if bad.ndim else [()]:
        mat = a[idx]
        if m >= n:
            uu, ss, vv = _jacobi_tall(mat)
        else:
            vv, ss, uu = _jacobi_tall(mat.T)
        if not ss[-1] > 0:  # rank deficient: the vectors of a zero value are NumPy's
            continue
        s[idx] = ss
        if u is not None:
            u[idx][..., :, :k] = uu[:, :k]
            vh[idx][..., :k, :] = vv[:, :k].T
    return u, s, vh
