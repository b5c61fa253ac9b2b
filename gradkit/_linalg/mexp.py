"""``linalg.matrix_exp`` as PyTorch computes it (``mexp`` in ATen's LinearAlgebra.cpp, after
Bader, Blanes and Casas, "Computing the Matrix Exponential with an Optimized Taylor Polynomial
Approximation", 2019): a Taylor polynomial of degree 1, 2, 4, 8, 12 or 18 chosen by each
matrix's 1-norm, scaling and squaring beyond the last threshold. The same products and linear
combinations in the same order (zero coefficients included), so that overflow and inf/NaN
spread as there; built from differentiable gradkit functions, so gradients of every order
follow."""

from __future__ import annotations

import numpy as np

from .. import functions as F
from .._backend import to_host
from .._tensor import wrap
from ..functions._args import _const_like

# the 1-norm bounds of degrees 1, 2, 4, 8, 12 and 18
_THETAS = {
    "float32": (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
                5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00),
    "float64": (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
                4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00),
}

_B12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031,
         0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968,
         0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079,
         -0.00675951846863086359))

_B18 = ((0., -1.00365581030144618291e-01, -8.02924648241156932449e-03,
         -8.92138498045729985177e-04, 0.),
        (0., 3.97849749499645077844e-01, 1.36783778460411720168e+00,
         4.98289622525382669416e-01, -6.37898194594723280150e-04),
        (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02,
         -1.40086798182036094347e-05))


def _comb(mats, coefs, dtype):
    """``sum_j coefs[j] * mats[j]``, accumulated from zero in order (0 * inf stays NaN)."""
    out = None
    for m, c in zip(mats, coefs):
        term = m * float(np.asarray(c, dtype=dtype))
        out = term if out is None else out + term
    return out


def _powers(A, k):
    """The first ``k`` of ``[I, A, A^2, A^3, A^6]``."""
    n = A.shape[-1]
    eye = wrap(_const_like(A, np.broadcast_to(np.eye(n, dtype=A.dtype), tuple(A.shape))))
    ps = [eye, A]
    if k > 2:
        ps.append(F.matmul(A, A))
    if k > 3:
        ps.append(F.matmul(A, ps[2]))
    if k > 4:
        ps.append(F.matmul(ps[3], ps[3]))
    return ps


def _t1(A, dt):
    return _comb(_powers(A, 2), (1.0, 1.0), dt)


def _t2(A, dt):
    p = _powers(A, 3)
    return p[0] + p[1] + p[2] / 2.0


def _t4(A, dt):
    p = _powers(A, 3)
    p.append(F.matmul(p[2], _comb(p, (1 / 2.0, 1 / 6.0, 1 / 24.0), dt)))
    return _comb(p, (1.0, 1.0, 0.0, 1.0), dt)


def _t8(A, dt):
    sqrt_177 = 0.1330413469565007072504e+2
    x3 = 2. / 3.
    x1 = x3 * ((1. + sqrt_177) / 88.)
    x2 = x3 * ((1. + sqrt_177) / 352.)
    x4 = (-271. + 29. * sqrt_177) / (315. * x3)
    x5 = (-11. + 11. * sqrt_177) / (1260. * x3)
    x6 = (-99. + 11. * sqrt_177) / (5040. * x3)
    x7 = (89. - sqrt_177) / (5040. * x3)
    y2 = (857. - 58. * sqrt_177) / 630.
    p = _powers(A, 3)
    p.append(F.matmul(p[2], _comb(p[1:3], (x1, x2), dt)))  # A4
    p.append(F.matmul(_comb(p[2:4], (x3, 1.0), dt), _comb(p[0:4], (x4, x5, x6, x7), dt)))
    return _comb(p, (1.0, 1.0, y2, 0.0, 1.0), dt)


def _t12(A, dt):
    bs = [_comb(_powers(A, 4), row, dt) for row in _B12]
    bs[2] = bs[2] + F.matmul(bs[3], bs[3])
    return bs[0] + F.matmul(bs[1] + bs[2], bs[2])


def _t18(A, dt):
    bs = [_comb(_powers(A, 5), row, dt) for row in _B18]
    bs[3] = bs[3] + F.matmul(bs[0], bs[4])
    return bs[1] + F.matmul(bs[2] + bs[3], bs[3])


def _t18_scale_square(A, norms, theta, dt):
    """``T18(A / 2^s)`` squared ``s`` times, ``s = max(0, ceil(log2(norm / theta)))`` per
    matrix."""
    with np.errstate(divide="ignore"):
        s = np.maximum(0.0, np.ceil(np.log2(norms / theta))).astype(np.int64)
    pow2s = np.power(2.0, s.astype(np.float64)).astype(dt)[:, None, None]
    R = _t18(A / wrap(_const_like(A, pow2s)), dt)
    most = int(s.max()) if s.size else 0
    for i in range(most):
        squared = F.matmul(R, R)
        if not bool(F.all(F.isfinite(squared))):
            # overflow: PyTorch's BLAS rounds each product (one to +inf and one to -inf make
            # NaN), where OpenBLAS's fused multiply-add adds the exact product to a partial inf
            squared = F.sum(R.unsqueeze(-1) * R.unsqueeze(-3), dim=-2)
        more = s > i
        R = squared if more.all() else F.where(
            wrap(_const_like(A, more[:, None, None])), squared, R)
    return R


_DEGREES = (_t1, _t2, _t4, _t8, _t12)


def mexp(A3):
    """The exponentials of the ``(B, n, n)`` matrices ``A3`` (n >= 2, finite 1-norms)."""
    dt = np.zeros((), np.dtype(A3.dtype)).real.dtype  # (a complex matrix: its real dtype's)
    thetas = _THETAS["float32" if dt.itemsize <= 4 else "float64"]
    norms = to_host(F.amax(F.sum(F.abs(A3.detach()), dim=-2), dim=-1)._data).astype(np.float64)
    which = np.full(norms.shape, -1)
    for i in range(len(_DEGREES)):
        lower = -1.0 if i == 0 else thetas[i - 1]
        which[(lower < norms) & (norms <= thetas[i])] = i
    which[norms >= thetas[-2]] = len(_DEGREES)  # (a norm equal to theta_12 takes T18)
    parts, order = [], []
    for i in range(len(_DEGREES) + 1):
        idx = np.flatnonzero(which == i)
        if not idx.size:
            continue
        sub = A3 if idx.size == len(which) else A3[wrap(_const_like(A3, idx))]
        if i < len(_DEGREES):
            parts.append(_DEGREES[i](sub, dt))
        else:
            parts.append(_t18_scale_square(sub, norms[idx], thetas[-1], dt))
        order.append(idx)
    if len(parts) == 1:
        return parts[0]
    out = F.cat(parts, 0)
    inverse = np.argsort(np.concatenate(order))
    return out[wrap(_const_like(A3, inverse))]
