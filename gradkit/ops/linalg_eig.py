"""``linalg.eig``: eigenvalues and eigenvectors of a general square matrix, complex as in
PyTorch (a real matrix's too), with PyTorch's gradient for distinct eigenvalues."""

from __future__ import annotations

import numpy as _np

from .._backend import to_host
from .._complex import as_carray, plain
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op
from .linalg import SOLVE, _eye, _gauge_check, _mH, _run

__all__ = ["EIG", "eig_unpack"]

_COMPLEX = {_np.dtype(_np.float32): _np.complex64, _np.dtype(_np.complex64): _np.complex64}


def eig_unpack(x):
    """(eigenvalues, eigenvectors) from EIG's packed (..., n + 1, n) output."""
    n = x.shape[-1]
    return x[..., n, :], x[..., :n, :]


def _eig_f(xp, a, name):
    host = plain(to_host(a))
    if host.size and not _np.isfinite(host).all():
        raise RuntimeError(f"{name}: input tensor should not contain infs or NaNs (as in "
                           f"PyTorch); replace them first, e.g. with gradkit.nan_to_num")
    w, v = _np.linalg.eig(host)
    packed = _np.concatenate([v, w[..., None, :]], axis=-2)
    packed = packed.astype(_COMPLEX.get(host.dtype, _np.complex128), copy=False)
    return as_carray(packed)  # (complex for a real matrix too: the op's complex variant runs)


def _eig_b(xp, g, ins, out, aux, needs):
    # PyTorch's linalg_eig_backward, with E_ij = conj(L_j - L_i) and vectors of unit norm:
    # gA = V^-H (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / E) V^H; a loss that depends on
    # the vectors' free phases (Im diag(V^H gV) != 0) is refused, as there
    lam, V = eig_unpack(out)
    g_lam, gV = eig_unpack(g)
    n = V.shape[-1]
    eye = _eye(out, n)
    Vh = _mH(xp, V)
    vhgv = xp.matmul(Vh, gV)
    d = xp.sum(vhgv * eye, axis=-1)
    _gauge_check("linalg_eig", 0.5 * (d - xp.conj(d)), "eigenvectors")
    d = 0.5 * (d + xp.conj(d))
    num = vhgv - xp.matmul(Vh, V) * d[..., None, :]
    E = xp.conj(lam[..., None, :] - lam[..., :, None]) + eye
    inner = num / E * (1.0 - eye) + g_lam[..., None, :] * eye
    return (_run(xp, SOLVE, Vh, xp.matmul(inner, Vh)),)


EIG = Op("LinalgEig", _eig_f, _eig_b, saves=SAVES_INPUTS | SAVES_OUTPUT)
