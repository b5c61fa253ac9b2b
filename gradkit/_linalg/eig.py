"""``gradkit.linalg``: ``eig``/``eigvals``, Householder products and QR in LAPACK's form
(``householder_product``, and the top-level ``geqrf``, ``orgqr``, ``ormqr``), ``tensorinv``,
``tensorsolve``, ``vander``, ``diagonal`` and ``matmul``.

``eig``/``eigvals`` return complex tensors, as in PyTorch (for real matrices too: LAPACK's
order, eigenvectors of unit norm); their gradients are PyTorch's (distinct eigenvalues assumed,
a real matrix gets the real part).
"""

from __future__ import annotations

import math

import numpy as np

from .. import functions as F
from .. import return_types
from .._backend import to_host
from .._complex import is_host
from .._options import element_count
from .._tensor import Tensor, apply, apply1, wrap
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op
from ..functions._args import _const_like
from ..ops import linalg as L
from ..ops import linalg_eig as LE
from .checks import _dtype_name, _floating, _low_precision, _matrices, _mT, _square_float, _t
from .householder import householder_backward
from .layout import laid_out

eig_result = return_types.linalg_eig
geqrf_result = return_types.geqrf


def _const(A, arr, dtype=None):
    return wrap(_const_like(A, np.asarray(arr, dtype=dtype or A.dtype)))


def _on_host(A, name):
    """``A``, refused on a device: its complex results could not live there (gradkit keeps
    complex tensors on the CPU)."""
    if not is_host(A._data):
        raise NotImplementedError(
            f"{name}: complex tensors are not supported on device {A.device} by gradkit, and "
            f"the eigenvalues are complex; compute it on the CPU: {name}(A.cpu())")
    return A


def eig(A):
    """``(eigenvalues, eigenvectors)`` of the square matrices of ``A``: ``A V = V diag(w)``.

    Complex results, as in PyTorch. Differentiable; gradients assume distinct eigenvalues, and
    a loss must not depend on the eigenvectors' phases (PyTorch's RuntimeError otherwise)."""
    name = "linalg.eig"
    A = _on_host(_square_float(A, name, half="linalg_eig_out_cpu", cplx=True), name)
    w, v = LE.eig_unpack(apply1(LE.EIG, A, (name,)))
    return eig_result(*laid_out((w, v), "vm", "LinalgEigBackward0", (A,)))


def eigvals(A) -> Tensor:
    """The eigenvalues of the square matrices of ``A`` (complex; see ``eig``)."""
    name = "linalg.eigvals"
    A = _on_host(_square_float(A, name, half="linalg_eig_out_cpu", cplx=True), name)
    w = LE.eig_unpack(apply1(LE.EIG, A, (name,)))[0]
    return laid_out((w,), "v", "LinalgEigBackward0", (A,))[0]


# -------------------------------------------------------------------------------- Householder
def householder_product(A, tau) -> Tensor:
    """The first ``n`` columns of ``H_1 H_2 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with
    ``v_i`` the ``i``-th column of ``A`` below the diagonal and a 1 on it (``(*, m, n)``,
    ``m >= n >= k``). Differentiable in ``A`` and ``tau``."""
    name = "linalg.householder_product"
    # PyTorch's order: shapes (IndexError for a 0-d tau), then the dtypes, then the kernel's
    A, tau = _t(A, "input"), _t(tau, "tau")
    _matrices(A, name, "input")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1] (got shape {tuple(A.shape)})")
    _tau_has_dims(tau, name)
    if tau.ndim != A.ndim - 1 or tau.shape[-1] > n:
        raise RuntimeError(f"{name}: tau must have shape input.shape[:-2] + (k,) with k <= "
                           f"input.shape[-1]; got input {tuple(A.shape)} and tau "
                           f"{tuple(tau.shape)}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {tuple(tau.shape[:-1])} and "
                           f"{tuple(A.shape[:-2])}")
    if A.dtype != tau.dtype:
        raise RuntimeError(f"{name}: tau dtype {_dtype_name(tau.dtype)} does not match input "
                           f"dtype {_dtype_name(A.dtype)}")
    A = _floating(A, name, kernel="orgqr_cpu", cplx=True)
    if A.is_complex():  # H_i = I - tau_i v_i v_i^H: the composite, differentiated through
        return _householder_composite(A, tau)
    return apply(_HP, (A, tau))


def _householder_composite(A, tau):
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    batch = tuple(A.shape[:-2])
    # LAPACK's dorg2r, column by column: H_i acts on rows i: of the columns right of i, and
    # column i is H_i e_i; a reflector never touches a column it leaves unchanged (no 0 * nan)
    # start: the identity's first n columns, connected to A's graph (zero gradient)
    Q = F.where(_const(A, np.zeros((m, n)), bool), A, _const(A, np.eye(m, n)))
    for i in reversed(range(k)):
        t = tau[..., i, None, None]
        v = F.cat([_const(A, np.ones(batch + (1,))), A[..., i + 1:, i]], -1).unsqueeze(-1)
        right = Q[..., i:, i + 1:]
        vh = v.conj() if v.is_complex() else v
        right = right - t * v * F.sum(vh * right, dim=-2, keepdim=True)
        col = F.cat([_const(A, np.zeros(batch + (i, 1))), 1 - t, -t * v[..., 1:, :]], -2)
        Q = F.cat([Q[..., :, :i], col, F.cat([Q[..., :i, i + 1:], right], -2)], -1)
    return Q


def _tau_has_dims(tau, name):
    if tau.ndim == 0:
        raise IndexError(f"{name}: Dimension specified as -1 but tau has no dimensions (it "
                         f"must be (*, k), the scalar factors of the reflectors)")


def _geqrf_numpy(a):
    a = np.array(a, dtype=a.dtype, copy=True)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    flat = a.reshape((int(np.prod(a.shape[:-2], dtype=np.int64)), m, n))  # (-1: ambiguous if empty)
    tau = np.zeros((flat.shape[0], k), dtype=a.dtype)
    for j in range(k):
        alpha = flat[:, j, j].copy()
        x = flat[:, j + 1:, j]
        xnorm = np.sqrt(np.sum(x * x, axis=-1))
        # the reference dnrm2's scaled sum of squares: inf / inf is NaN for a second inf
        xnorm = np.where(np.sum(np.isinf(x), axis=-1) > 1, np.nan, xnorm)
        active = xnorm != 0
        # LAPACK's dlapy2: NaN when either is NaN (np.hypot gives inf for (inf, nan))
        norm = np.where(np.isnan(alpha) | np.isnan(xnorm), np.nan, np.hypot(alpha, xnorm))
        beta = -np.where(alpha >= 0, norm, -norm)  # Fortran's SIGN: -0.0 counts as positive
        safe_beta = np.where(active, beta, 1)
        t = np.where(active, (beta - alpha) / safe_beta, 0)
        scale = np.where(active, 1 / np.where(active, alpha - beta, 1), 1)
        flat[:, j + 1:, j] = x * scale[:, None]
        flat[:, j, j] = np.where(active, beta, alpha)
        tau[:, j] = t
        v = np.concatenate([np.ones((flat.shape[0], 1), a.dtype), flat[:, j + 1:, j]], axis=1)
        w = np.einsum("bi,bij->bj", v, flat[:, j:, j + 1:])
        flat[:, j:, j + 1:] -= t[:, None, None] * v[:, :, None] * w[:, None, :]
    return flat.reshape(a.shape), tau.reshape(a.shape[:-2] + (k,))


def _geqrf_complex(a):
    """LAPACK's zgeqr2 for finite complex matrices: zlarfg's reflectors (a real ``beta``, so
    ``R`` has a real diagonal), each applied as ``H^H = I - conj(tau) v v^H``."""
    a = np.array(a, copy=True)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    flat = a.reshape((int(np.prod(a.shape[:-2], dtype=np.int64)), m, n))
    tau = np.zeros((flat.shape[0], k), dtype=a.dtype)
    for j in range(k):
        alpha = flat[:, j, j].copy()
        x = flat[:, j + 1:, j]
        xnorm = np.sqrt(np.sum(np.abs(x) ** 2, axis=-1))
        active = (xnorm != 0) | (alpha.imag != 0)
        norm = np.sqrt(alpha.real ** 2 + alpha.imag ** 2 + xnorm ** 2)
        beta = -np.where(alpha.real >= 0, norm, -norm)
        safe_beta = np.where(active, beta, 1.0)
        t = np.where(active, (beta - alpha.real) / safe_beta - 1j * alpha.imag / safe_beta, 0)
        scale = np.where(active, 1 / np.where(active, alpha - beta, 1), 1)
        flat[:, j + 1:, j] = x * scale[:, None]
        flat[:, j, j] = np.where(active, beta, alpha)
        tau[:, j] = t
        v = np.concatenate([np.ones((flat.shape[0], 1), a.dtype), flat[:, j + 1:, j]], axis=1)
        w = np.einsum("bi,bij->bj", v.conj(), flat[:, j:, j + 1:])
        flat[:, j:, j + 1:] -= np.conj(t)[:, None, None] * v[:, :, None] * w[:, None, :]
    return flat.reshape(a.shape), tau.reshape(a.shape[:-2] + (k,))


def geqrf(input):
    """``torch.geqrf``: QR in LAPACK's form ``(a, tau)`` (``R`` on and above ``a``'s diagonal,
    the Householder vectors below it; see ``householder_product``). Not differentiable, as in
    PyTorch."""
    name = "geqrf"
    A = _floating(input, name, kernel="geqrf_cpu", cplx=True)
    _matrices(A, name, "input")
    host = np.asarray(to_host(A.detach()._data)).view(np.ndarray)
    a, tau = (_geqrf_complex if A.is_complex() else _geqrf_numpy)(host)
    return geqrf_result(*laid_out((_const(A, a), _const(A, tau)), "mv", "GeqrfBackward0", (A,)))


def orgqr(input, tau) -> Tensor:
    """``torch.orgqr``: ``linalg.householder_product``."""
    return householder_product(input, tau)


def ormqr(input, tau, other, left: bool = True, transpose: bool = False) -> Tensor:
    """``torch.ormqr``: ``op(Q) @ other`` (``other @ op(Q)`` when not ``left``) with the
    ``(m, m)`` orthogonal ``Q`` of the reflectors ``(input, tau)`` from ``geqrf`` and
    ``op(Q) = Q^T`` when ``transpose``. Differentiable in the three tensors."""
    name = "ormqr"
    # PyTorch's order: shapes (IndexError for a 0-d tau), then the dtypes, then the kernel's
    A, tau, C = _t(input, "input"), _t(tau, "tau"), _t(other, "other")
    _matrices(A, name, "input")
    _matrices(C, name, "other")
    m = A.shape[-2]
    side = C.shape[-2] if left else C.shape[-1]
    if side != m:
        raise RuntimeError(f"{name}: input.shape[-2] ({m}) must equal other.shape"
                           f"[{-2 if left else -1}] ({side}) for left={left}")
    _tau_has_dims(tau, name)
    k = tau.shape[-1]
    if k != min(side, A.shape[-1]):
        where = "other.shape[-2]" if left else "other.shape[-1]"
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min({where}, "
                           f"input.shape[-1]): got tau {tuple(tau.shape)}, input "
                           f"{tuple(A.shape)}, other {tuple(C.shape)}")
    for label, x in (("tau", tau), ("other", C)):
        if x.dtype != A.dtype:
            raise RuntimeError(f"{name}: Expected input and {label} to have the same dtype, but "
                               f"input has dtype {_dtype_name(A.dtype)} and {label} has dtype "
                               f"{_dtype_name(x.dtype)}")
    A = _floating(A, name, kernel="ormqr_cpu", cplx=True)
    if A.is_complex():  # op(Q) = Q^H: the composite, differentiated through
        return _ormqr_composite(A, tau, C, bool(left), bool(transpose))
    return apply(_ORMQR, (A, tau, C), (bool(left), bool(transpose)))


def _ormqr_composite(A, tau, C, left, transpose):
    k = tau.shape[-1]
    # LAPACK's dorm2r: H_i = I - tau_i v_i v_i^T acts on rows (columns when not left) i: of
    # other only, so what v_i leaves alone is never multiplied by it (no 0 * nan)
    batch = tuple(A.shape[:-2])
    order = range(k) if left == transpose else reversed(range(k))
    X = C
    cplx = A.is_complex()  # (H_i = I - tau_i v_i v_i^H, and H_i^H has conj(tau_i))
    for i in order:
        t = tau[..., i, None, None]
        t = t.conj() if cplx and transpose else t
        v = F.cat([_const(A, np.ones(batch + (1,))), A[..., i + 1:, i]], -1).unsqueeze(-1)
        # (dlarf applies no reflector whose tau is 0, so an inf in its v makes no 0 * inf)
        skip = t == 0
        if left:  # rows i: of X  -=  t v (v^H X[i:])
            part = X[..., i:, :]
            new = part - t * v * F.sum((v.conj() if cplx else v) * part, dim=-2, keepdim=True)
            part = F.where(skip, part, new) if bool(skip.any()) else new
            X = F.cat([X[..., :i, :], part], -2)
        else:  # columns i: of X  -=  t (X[:, i:] v) v^H
            part = X[..., :, i:]
            vt = _mT(v)
            new = part - t * F.sum(part * vt, dim=-1, keepdim=True) * (vt.conj() if cplx
                                                                       else vt)
            part = F.where(skip, part, new) if bool(skip.any()) else new
            X = F.cat([X[..., :, :i], part], -1)
    return X



def _hp_f(xp, a, tau):
    return _householder_composite(wrap(a), wrap(tau))._data


def _hp_b(xp, g, ins, out, aux, needs):
    return householder_backward(xp, g, out, ins[0], ins[1])


def _ormqr_f(xp, a, tau, c, left, transpose):
    return _ormqr_composite(wrap(a), wrap(tau), wrap(c), left, transpose)._data


def _ormqr_b(xp, g, ins, out, aux, needs):
    # PyTorch's ormqr_backward: other's gradient is ormqr with the other transpose; input's
    # and tau's come from householder_product_backward (in the reverse order when the
    # reflectors act from the other side)
    a, tau, _ = ins
    left, transpose = aux
    gc = L._run(xp, _ORMQR, a, tau, g, params=(left, not transpose)) if needs[2] else None
    ga = gt = None
    if needs[0] or needs[1]:
        mT = L._mT
        if left ^ transpose:
            ga, gt = householder_backward(xp, mT(xp, g) if transpose else g,
                                          mT(xp, out) if transpose else out, a, tau)
        else:
            ga, gt = householder_backward(xp, out if transpose else mT(xp, out),
                                          g if transpose else mT(xp, g), a, tau, True)
    return ga, gt, gc


_HP = Op("LinalgHouseholderProduct", L._column_major_out(_hp_f), _hp_b,
         saves=SAVES_INPUTS | SAVES_OUTPUT)
_ORMQR = Op("Ormqr", L._column_major_out(_ormqr_f), _ormqr_b, saves=SAVES_INPUTS | SAVES_OUTPUT)

# ---------------------------------------------------------------------------- tensor inverse
def tensorinv(A, ind: int = 2) -> Tensor:
    """The inverse of ``A`` read as a linear map from its last ``A.ndim - ind`` dimensions to
    its first ``ind``: shape ``A.shape[ind:] + A.shape[:ind]``."""
    from .. import linalg as LA

    name = "linalg.tensorinv"
    A = _t(A)
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"{name}: Expected a strictly positive integer for 'ind', but got "
                           f"{ind}")
    if ind > A.ndim:
        raise RuntimeError(f"{name}: 'ind' ({ind}) must be at most the number of dimensions "
                           f"of A ({A.ndim}, shape {tuple(A.shape)}): the first ind dimensions "
                           f"are the map's output")
    out_shape, in_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(out_shape), math.prod(in_shape)
    if rows != cols:
        raise RuntimeError(f"{name}: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{cols} != {rows} (shape {tuple(A.shape)}, ind={ind})")
    return LA.inv(A.reshape(rows, cols)).reshape(in_shape + out_shape)


def tensorsolve(A, B, dims=None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) == B``: ``X.shape`` is ``A.shape[B.ndim:]``;
    ``dims`` first moves those dimensions of ``A`` to the end."""
    from .. import linalg as LA

    name = "linalg.tensorsolve"
    A, B = _t(A), _t(B, "B")
    if dims is not None:
        nd = A.ndim
        dims = [d % nd for d in dims]
        rest = [i for i in range(nd) if i not in dims]
        A = F.permute(A, *rest, *dims)
    result_shape = tuple(A.shape[B.ndim:])
    rows, cols = B.numel(), math.prod(result_shape)
    if tuple(A.shape[:B.ndim]) != tuple(B.shape) or rows != cols:
        raise RuntimeError(f"{name}: Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]) "
                           f"with self.shape[:other.ndim] == other.shape, but got A "
                           f"{tuple(A.shape)} and B {tuple(B.shape)}")
    return LA.solve(A.reshape(rows, cols), B.reshape(rows)).reshape(result_shape)


# ---------------------------------------------------------------------------------- vander
def vander(x, *, N=None) -> Tensor:
    """``linalg.vander``: the powers ``x^0, x^1, ..., x^(N-1)`` of the last dimension of ``x``
    (``(*, n)`` to ``(*, n, N)``, ``N = n`` by default), built by repeated products."""
    name = "linalg.vander"
    x = _t(x, "x")
    if x.dtype == np.bool_ or _low_precision(x):
        raise RuntimeError(f"{name}: supports floating point, complex, and integer tensors, but "
                           f"got {_dtype_name(x.dtype)} (convert it with .float() or .long())")
    if x.ndim == 0:  # one value: PyTorch reads it as a 1-element vector (N defaults to 1)
        x = x.reshape(1)
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError(f"{name}: N must be greater than 1 (got N={N}): it is the number "
                           f"of columns, the powers 0 to N - 1")
    element_count(name, tuple(x.shape) + (N,))  # before a loop of N products
    if x.dtype.kind in "iu":  # PyTorch's integer powers are int64 (an int32 x is promoted)
        x = x.long()
    return _powers(x, N)


def _powers(x, N):
    """The running products ``1, x, x*x, ...`` as one cumulative product over a stretched ``x``
    (the same products in the same order as a loop); a result no memory holds is PyTorch's
    RuntimeError."""
    ones = _const(x, np.ones(tuple(x.shape) + (1,)))
    try:
        return F.cat([ones, x.unsqueeze(-1).expand(*x.shape, N - 1)], -1).cumprod(-1)
    except MemoryError:
        raise RuntimeError(f"linalg.vander: cannot allocate the {tuple(x.shape) + (N,)} result "
                           f"(N={N}): ask for fewer columns") from None


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``linalg.diagonal``: ``torch.diagonal`` with the last two dimensions by default."""
    return F.diagonal(_t(A), offset=offset, dim1=dim1, dim2=dim2)


def matmul(input, other) -> Tensor:
    """``linalg.matmul``: an alias of ``gradkit.matmul``."""
    return F.matmul(input, other)


__all__ = ["diagonal", "eig", "eigvals", "householder_product", "matmul", "tensorinv",
           "tensorsolve", "vander"]
