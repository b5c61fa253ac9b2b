"""Linear algebra, like ``torch.linalg``: same names, arguments, batching and dtype rules.

Every function takes matrices with any number of leading batch dimensions (``(*, m, n)``),
accepts float32 and float64 (integer and float16 inputs raise as in PyTorch), and is
differentiable to any order: the primitives (inverse, determinant, solve, Cholesky, eigh, SVD,
QR, pseudo-inverse) live in :mod:`gradkit.ops.linalg` with backward rules that are themselves
recorded under ``create_graph=True``; norms, ``cross``, ``matrix_power``, ``multi_dot``,
``lstsq`` and ``cond`` are built from them.

Gradients of ``eigh``/``eigvalsh`` assume distinct eigenvalues and those of ``svd``/``svdvals``
distinct, non-zero singular values (the formulas divide by their differences), as in PyTorch;
as there, losses should not depend on the arbitrary signs of eigen- or singular vectors.

Examples:
    >>> import gradkit as gk
    >>> import gradkit.linalg
    >>> A = gk.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> gk.linalg.det(A)
    tensor(5., grad_fn=<LinalgDetBackward>)
    >>> gk.linalg.solve(A, gk.tensor([1.0, 2.0]))
    tensor([0.2000, 0.6000], grad_fn=<ReshapeBackward>)

Differences from PyTorch: the gradient of ``det`` at an exactly singular
matrix is the cofactor matrix (PyTorch 2.13 returns zeros), that of ``slogdet`` raises
``LinAlgError`` there (it is infinite); ``lstsq`` computes the minimum-norm solution through the
pseudo-inverse for every driver.
"""

from __future__ import annotations

import builtins
import math
from operator import index as _index
from typing import Optional, Sequence, Union

import numpy as np

from . import functions as F
from . import return_types
from ._linalg.checks import (
    _dtype_name,
    _floating,
    _low_precision,
    _matrices,
    _mT,
    _norm_dtype,
    _solve_operands,
    _square,
    _square_float,
    _t,
)
from ._linalg.deprecated import deprecated as _deprecated
from ._linalg.empty import TOP_EMPTY_DTYPES as _TOP_EMPTY
from ._linalg.empty import with_empty as _with_empty
from ._linalg.layout import laid_out
from ._linalg.out import top_out as _top_out
from ._tensor import Tensor, apply, apply1, wrap
from ._tensor.tensor import _int_value
from .amp._state import CPU as _AUTOCAST
from .amp._state import lower as _ac_lower
from .functions._args import _const_like, _no_identity, _tensor_operands, _xp
from .functions._registry import declare
from .ops import linalg as L
from .ops.linalg import LinAlgError

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor",
    "lu_factor_ex", "lu_solve", "ldl_factor", "ldl_factor_ex", "ldl_solve", "matmul",
    "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
    "vector_norm",
]

_inf = math.inf

slogdet_result = return_types.linalg_slogdet
eigh_result = return_types.linalg_eigh
svd_result = return_types.linalg_svd
qr_result = return_types.linalg_qr
lstsq_result = return_types.linalg_lstsq

# -------------------------------------------------------------------- inverse, det, solve
def inv(A) -> Tensor:
    """The inverse of each square matrix of ``A`` (``(*, n, n)``).

    Raises:
        LinAlgError: a matrix is singular (the message names which one of the batch).
    """
    A = _square_float(A, "linalg.inv", cplx=True)
    return apply1(L.INV, A)


def det(A) -> Tensor:
    """The determinant of each square matrix of ``A``: shape ``(*)``."""
    A = _square_float(A, "linalg.det", half="lu_cpu", cplx=True)
    return apply1(L.DET, A)


def slogdet(A):
    """``(sign, logabsdet)`` of the determinant of each matrix of ``A`` (sign 0 and logabsdet
    ``-inf`` for a singular matrix). ``logabsdet`` is differentiable, and so is the sign of a
    complex matrix (``det / |det|``: a complex number of modulus 1), as in PyTorch; the sign of
    a real ``A`` is in the graph too (``requires_grad``), with a zero gradient."""
    A = _square_float(A, "linalg.slogdet", cplx=True)
    packed = apply1(L.SLOGDET, A)
    sign, logabsdet = packed[..., 0], packed[..., 1]
    logabsdet = logabsdet.real if A.is_complex() else logabsdet
    return slogdet_result(*laid_out((sign, logabsdet), "vv", "LinalgSlogdetBackward0", (A,)))


def _solve_is_vector(A, B):
    # PyTorch: B is a (batch of) vector(s) when 1-D, or when its shape is A's without the last dim
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``).

    Args:
        A: ``(*, n, n)`` invertible matrices.
        B: ``(*, n, k)`` matrices, or ``(*, n)`` vectors (see ``torch.linalg.solve``); batch
            dimensions broadcast.
        left: solve ``A X = B`` (True) or ``X A = B`` (False).

    Raises:
        LinAlgError: ``A`` (or a matrix of its batch) is singular.
        RuntimeError: the shapes or dtypes of ``A`` and ``B`` do not fit.
    """
    name = "linalg.solve"
    B = _t(B, "B")  # (the argument types before any check of A, as PyTorch's parser)
    A = _square_float(A, name, half="lu_cpu", cplx=True)
    B = _floating(B, name, "B", cplx=True)
    if A.dtype != B.dtype:
        raise RuntimeError(
            f"{name}: Expected A and B to have the same dtype, but found A of type "
            f"{_dtype_name(A.dtype)} and B of type {_dtype_name(B.dtype)} instead (convert one "
            f"with .to())")
    if B.ndim == 0:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions (got a "
                           f"0-d B; a 1-D B is a vector)")
    vector = _solve_is_vector(A, B)
    if not left:
        if vector:
            raise RuntimeError(f"{name}: Vector broadcasting of the left hand side is not "
                               f"supported for left=False. In this case linalg.solve is "
                               f"equivalent to B / A.squeeze(-1)")
        return _mT(solve(_mT(A), _mT(B)))
    Bm = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if Bm.shape[-2] != n:
        shown = (f"{B.shape[-1]}" if vector else f"{B.shape[-2]}x{B.shape[-1]}")
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and "
            f"{shown}); A has shape {tuple(A.shape)}, B has shape {tuple(B.shape)}")
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"{name}: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} cannot "
            f"be broadcast together") from None
    X = apply(L.SOLVE, (A, Bm))
    return X.squeeze(-1) if vector else X


def solve_triangular(A, B, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` when ``left=False``) for triangular ``A``: only
    its upper (``upper=True``) or lower triangle is read, and with ``unitriangular`` its
    diagonal is taken as ones. ``B`` is ``(*, n, k)`` (``(*, k, n)`` when not ``left``); batch
    dimensions broadcast and ``B`` is cast to ``A``'s dtype, as in PyTorch. Gradients with
    respect to ``A`` lie in the triangle read. A zero on the diagonal gives inf/nan, as in
    PyTorch.
    """
    name = "linalg.solve_triangular"
    B = _t(B, "B")  # (the argument types before any check of A, as PyTorch's parser)
    A = _square_float(A, name, kernel="triangular_solve_cpu", cplx=True)
    _matrices(B, name, "B")
    n = A.shape[-1]
    inner = B.shape[-2] if left else B.shape[-1]
    if inner != n:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    # PyTorch solves in A's dtype: B is cast to it (a float64 B beside a float32 A gives a
    # float32 X; a complex B beside a real A loses its imaginary part, with a warning)
    B = B if B.dtype == A.dtype else B.to(A.dtype)
    return _tri_solve(name, A, B, upper, unitriangular, left)


def _tri_solve(name, A, B, upper, unitriangular=False, left=True):
    """``T X = B`` (``X T = B`` when not ``left``) for the triangle ``T`` of ``A`` by
    substitution (``ops.linalg.TRI_SOLVE``); shapes and dtypes already checked."""
    if not left:  # X T = B  <=>  T^T X^T = B^T, T^T in the other triangle
        return _mT(_tri_solve(name, _mT(A), _mT(B), not upper, unitriangular))
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"{name}: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} cannot "
            f"be broadcast together") from None
    return apply(L.TRI_SOLVE, (A, B), (bool(upper), bool(unitriangular)))


# Padé (13, 13) coefficients and the 1-norm bound for it (Higham 2005, "The scaling and squaring
# method for the matrix exponential revisited")
def matrix_exp(A) -> Tensor:
    """The matrix exponential ``exp(A) = sum_k A^k / k!`` of the square matrices of ``A``.

    PyTorch's algorithm (``_linalg/mexp.py``): a Taylor polynomial whose degree (up to 18)
    each matrix's 1-norm chooses, with scaling and squaring beyond it, built from
    differentiable matmuls, so gradients of every order follow; a matrix with inf or nan gives
    NaN, as in PyTorch.
    """
    from ._linalg.mexp import mexp

    name = "linalg.matrix_exp"
    A = _square_float(A, name, cplx=True)
    if A.numel() == 0:
        return A * 1
    n = A.shape[-1]
    if n == 1:
        return F.exp(A)
    norms = F.amax(F.sum(F.abs(A.detach()), dim=-2), dim=-1)  # the 1-norm of each matrix
    finite = F.isfinite(norms)
    if not bool(F.all(finite)):
        bad = ~finite.unsqueeze(-1).unsqueeze(-1)
        # NaN, with a NaN gradient for every entry of such a matrix, as PyTorch's
        poisoned = F.sum(F.where(bad, A, 0.0), dim=(-2, -1), keepdim=True) * math.nan
        return F.where(bad, poisoned, matrix_exp(F.where(bad, 0.0, A)))
    return mexp(A.reshape(-1, n, n)).reshape(tuple(A.shape))


def _broadcast_shape(who, xname, x, yname, y) -> tuple:
    """The broadcast shape of tensors ``x`` and ``y``; a RuntimeError naming both otherwise."""
    try:
        return np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
    except ValueError:
        raise RuntimeError(
            f"{who}: the shapes of {xname} {tuple(x.shape)} and {yname} {tuple(y.shape)} cannot "
            f"be broadcast together") from None


def vecdot(x, y, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim`` (the inputs broadcast): ``sum(conj(x) * y,
    dim)`` (the conjugate of a complex ``x``, as PyTorch's)."""
    x, y = _t(x, "x"), _t(y, "y")
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype}; convert it first, e.g. x.float()")
    if y.dtype != x.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {x.dtype} and y of type {y.dtype} instead; convert one, e.g. "
                           f"y.to(x.dtype)")
    if x.ndim == 1 and y.ndim == 1:  # PyTorch's vdot: dim is not read, the sizes must agree
        if x.shape != y.shape:
            raise RuntimeError(f"linalg.vecdot: inconsistent tensor size, expected tensor "
                               f"{list(x.shape)} and src {list(y.shape)} to have the same "
                               f"number of elements (two 1-D inputs do not broadcast)")
        from . import vdot  # (the public face: its node reads as PyTorch's VdotBackward0)

        return vdot(*(_ac_lower(x, y) if _AUTOCAST[0] else (x, y)))
    shape = _broadcast_shape("linalg.vecdot", "x", x, "y", y)
    if not -builtins.max(len(shape), 1) <= dim < builtins.max(len(shape), 1):  # (0-d: -1, 0)
        raise IndexError(f"linalg.vecdot: dim {dim} is out of range for {len(shape)}-D inputs")
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast lower-precision list
        x, y = _ac_lower(x, y)
    return F.sum(F.conj(x) * y, dim=dim)


def cholesky(A, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of each symmetric (Hermitian) positive-definite matrix of ``A``:
    lower triangular ``L`` with ``A = L L^H`` (``U`` with ``A = U^H U`` when ``upper``). Only
    the lower triangle of ``A`` is read (the upper one when ``upper``, as LAPACK and PyTorch).

    Raises:
        LinAlgError: a matrix is not positive definite (the message names which one).
    """
    A = _square_float(A, "linalg.cholesky", half="cholesky_cpu", cplx=True)
    return apply1(L.CHOLESKY, A, (bool(upper),))


def matrix_power(A, n: int) -> Tensor:
    """``A`` to the integer power ``n`` (``n < 0``: powers of the inverse; ``n = 0``: the
    identity), by repeated squaring."""
    A = _t(A)
    _square(A, "linalg.matrix_power")
    if _int_value(n) is None:
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    n = _int_value(n)
    if n == 0:  # the identity, connected to A's graph (a zero gradient), as PyTorch's
        eye = np.eye(A.shape[-1], dtype=A.dtype)
        return F.where(_const_bool(A, False), A, wrap(_const_like(A, eye)))
    if n < 0:
        A, n = inv(A), -n
    if n == 3:  # PyTorch's fast path (A A) A: its order decides where inf/NaN spread
        return F.matmul(F.matmul(A, A), A)
    result = None
    base = A
    while True:
        if n & 1:
            result = base if result is None else F.matmul(result, base)
        n >>= 1
        if not n:
            return result
        base = F.matmul(base, base)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first may be 1-D, a row vector, and the last
    1-D, a column vector), in the cheapest order."""
    ts = [_t(t, "tensors") for t in tensors]
    name = "multi_dot()"
    if len(ts) < 2:
        raise RuntimeError(f"{name}: expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.ndim in (1, 2) if i in (0, len(ts) - 1) else t.ndim == 2
        if not ok:
            which = ("the first" if i == 0 else "the last" if i == len(ts) - 1
                     else f"tensor {i}")
            allowed = "1D or 2D" if i in (0, len(ts) - 1) else "2D"
            raise RuntimeError(f"{name}: {which} tensor must be {allowed} but got {t.ndim}D "
                               f"(shape {tuple(t.shape)})")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = list(ts)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"{name}: tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and "
                f"{list(ts[i + 1].shape)} cannot be multiplied")
    out = _chain(mats)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def _chain(mats):
    """The product of matrices in the order with the fewest scalar multiplications (the
    classic dynamic programme over split points)."""
    k = len(mats)
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    if k == 3:  # PyTorch's closed form for three: (A B) C unless A (B C) is strictly cheaper
        a, b, c, d = dims
        if a * c * (b + d) > b * d * (a + c):
            return F.matmul(mats[0], F.matmul(mats[1], mats[2]))
        return F.matmul(F.matmul(mats[0], mats[1]), mats[2])
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def product(i, j):
        if i == j:
            return mats[i]
        s = split[i][j]
        return F.matmul(product(i, s), product(s + 1, j))

    return product(0, k - 1)


def cross(input, other, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the inputs broadcast)."""
    a, b = _t(input, "input"), _t(other, "other")
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                           f"shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if dim.__class__ is not int:
        if _int_value(dim) is None:
            raise TypeError(f"cross(): argument 'dim' must be int, not {type(dim).__name__}")
        dim = _int_value(dim)
    nd = a.ndim  # (dim is wrapped before the shapes are broadcast, as in PyTorch)
    if not -nd <= dim < nd:
        raise IndexError(f"linalg.cross: dim {dim} is out of range for {nd}-D inputs")
    shape = _broadcast_shape("linalg.cross", "input", a, "other", b)
    d = dim % nd
    sa = a.shape[d - nd] if d - nd >= -a.ndim else 1
    sb = b.shape[d - nd] if d - nd >= -b.ndim else 1
    if sa != 3 or sb != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {sa} and {sb} "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)})")
    if a.dtype.kind == "b":  # (PyTorch's kernel refuses Bool before comparing the dtypes)
        raise NotImplementedError('linalg.cross: "cross" not implemented for \'Bool\' (convert '
                                  'with .int() or .float())')
    if a.dtype != b.dtype:  # no promotion in PyTorch's cross
        raise RuntimeError(f"linalg.cross: expected inputs of one dtype, got {a.dtype} and "
                           f"{b.dtype}; convert one first, e.g. other.to(input.dtype)")
    if tuple(a.shape) != shape:
        a = F.broadcast_to(a, shape)
    if tuple(b.shape) != shape:
        b = F.broadcast_to(b, shape)
    a0, a1, a2 = (F.narrow(a, d, i, 1) for i in range(3))
    b0, b1, b2 = (F.narrow(b, d, i, 1) for i in range(3))
    return F.cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


# ------------------------------------------------------------------------------------ norms
def _dims(dim, ndim, name):
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for i, d in enumerate(dims):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            try:
                if isinstance(d, bool):
                    raise TypeError
                d = _index(d)  # (a 0-d integer tensor counts as its int, as in PyTorch)
            except TypeError:
                raise TypeError(f"{name}(): argument 'dim' must be tuple of ints, but found "
                                f"element of type {type(d).__name__} at pos {i}") from None
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(f"{name}: dim {d} is out of range for a {ndim}-D tensor")
        out.append(int(d) % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name}: dim {dims} names a dimension twice")
    return tuple(out)


def _const_bool(x, value):
    return wrap(_const_like(x, np.full((), value)))


def vector_norm(x, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (every element when None).

    ``ord`` is any real number or ``±inf``: ``inf`` is ``max |x|``, ``-inf`` is ``min |x|``, 0
    counts the non-zero entries (not differentiable), others give ``(sum |x|^ord)^(1/ord)``.
    At points where the norm is not differentiable the gradient is PyTorch's subgradient (0 at
    the zero vector, shared equally between tied maxima for ``inf``).
    """
    name = "linalg.vector_norm"
    if isinstance(ord, Tensor) and not ord.ndim:  # a 0-d tensor is a number to PyTorch
        ord = ord.item()
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"{name}: argument 'ord' must be a number, not {type(ord).__name__} "
                        f"(use linalg.matrix_norm for 'fro' and 'nuc')")
    x = _floating(x, name, low=True, cplx=True)
    if dtype is not None:
        x = x.to(dtype=_norm_dtype(x, dtype, name))
    if x.is_complex():  # the norm of the moduli (real), its gradient through abs: PyTorch's
        return vector_norm(F.abs(x), ord, dim, keepdim)
    if _low_precision(x):  # float16/bfloat16: accumulated in float32, as PyTorch's kernel
        return vector_norm(x.float(), ord, dim, keepdim).to(x.dtype)
    axis = _dims(dim, x.ndim, name) or None  # dim=() reduces every dimension, as in PyTorch
    if x.ndim == 0:
        x = x.reshape(1)
        axis = None if axis is None else (0,)
        out = vector_norm(x, ord, axis, keepdim)
        return out.reshape(()) if out.ndim else out
    ord = float(ord)
    if ord != ord and not x._data.size:  # (a NaN ord: NaN, but 0 for nothing, as PyTorch's)
        ord = 2.0
    _no_identity(x, ord, axis, name)
    if (ord == _inf or ord == -_inf) and x.numel():
        return apply1(L.VECTOR_NORM, x, (ord, axis, keepdim, tuple(x.shape)))
    if ord == _inf or ord == -_inf:  # (an empty x: amax/amin's checks and results)
        fn = F.amax if ord > 0 else F.amin
        return fn(F.abs(x), dim=axis if axis is not None else tuple(range(x.ndim)),
                  keepdim=keepdim)
    if ord == 0:  # the count of non-zeros: connected to x's graph, with a zero gradient
        nz = F.where(_const_bool(x, False), x, (x != 0).to(x.dtype))
        return F.sum(nz, dim=axis, keepdim=keepdim)
    return apply1(L.VECTOR_NORM, x, (2 if ord == 2 else ord, axis, keepdim, tuple(x.shape)))


_MATRIX_ORDS = ("fro", "nuc", _inf, -_inf, 1, -1, 2, -2)


def _two_dims(dim, ndim, name):
    if isinstance(dim, (int, np.integer)) or dim is None or len(tuple(dim)) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    d = _dims(dim, ndim, name)
    if d[0] == d[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d


def _last_two(A, d):
    """``A`` with dims ``d`` moved to the end (in that order)."""
    if d == (A.ndim - 2, A.ndim - 1):
        return A
    rest = [i for i in range(A.ndim) if i not in d]
    return F.permute(A, *rest, *d)


def _restore(out, d, keepdim):
    """A result over the matrices of ``_last_two(A, d)``: unsqueeze the two dims back."""
    if keepdim:
        for i in sorted(d):
            out = out.unsqueeze(i)
    return out


def matrix_norm(A, ord: Union[str, float] = "fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """The matrix norm of the matrices of ``A`` over the two dims ``dim``.

    ``ord``: ``'fro'`` (Frobenius), ``'nuc'`` (sum of singular values), ``inf``/``-inf`` (max/min
    absolute row sum), ``1``/``-1`` (max/min absolute column sum), ``2``/``-2`` (largest/smallest
    singular value).
    """
    name = "linalg.matrix_norm"
    A = _floating(A, name, low=ord not in ("nuc", 2, -2),  # (no SVD in float16/bfloat16)
                  cplx=True)
    if dtype is not None:
        A = A.to(dtype=_norm_dtype(A, dtype, name))
    if _low_precision(A) and ord in _MATRIX_ORDS:  # sums accumulated in float32, as PyTorch
        return matrix_norm(A.float(), ord, dim, keepdim).to(A.dtype)
    _matrices(A, name)
    d = _two_dims(dim, A.ndim, name)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {ord} not supported. Use one of 'fro', 'nuc', inf, "
                           f"-inf, 1, -1, 2, -2")
    if ord == "fro":
        return vector_norm(A, 2, d, keepdim)
    if ord in (1, 2, _inf) and (A.shape[d[0]] == 0 or A.shape[d[1]] == 0):
        out = F.sum(F.abs(A), dim=d, keepdim=keepdim)  # an empty matrix: 0, as in PyTorch
        picked = None if ord == 2 else A.shape[d[1] if ord == 1 else d[0]]
        # a max over no values (no singular values, or the row/column picked among is empty):
        # PyTorch's new zeros, out of the graph
        return out.detach() if not picked else out
    if ord in ("nuc", 2, -2):
        s = svdvals(_last_two(A, d))
        if ord == "nuc":
            out = F.sum(s, dim=-1)
        elif ord == 2:
            out = F.amax(s, dim=-1)
        else:
            out = F.amin(s, dim=-1)
        return _restore(out, d, keepdim)
    # 1 / -1: column sums (over rows) then max/min over columns; inf / -inf: row sums
    sum_dim, pick_dim = (d[0], d[1]) if ord in (1, -1) else (d[1], d[0])
    sums = F.sum(F.abs(A), dim=sum_dim, keepdim=True)
    out = (F.amax if ord > 0 else F.amin)(sums, dim=pick_dim, keepdim=True)
    if not keepdim:
        out = F.squeeze(out, builtins.max(d))
        out = F.squeeze(out, builtins.min(d))
    return out


def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` does: with ``dim`` an int or
    1-tuple a vector norm, a 2-tuple a matrix norm; without ``dim``, the 2-norm of the flattened
    input when ``ord`` is None, else a vector norm of a 1-D or a matrix norm of a 2-D input."""
    name = "linalg.norm"
    A = _floating(A, "linalg.vector_norm" if not isinstance(ord, str) else "linalg.matrix_norm",
                  low=True, cplx=True)  # (matrix_norm refuses float16 for the SVD orders)
    if dim is not None:
        if isinstance(ord, str):
            return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be 1D "
                           f"or 2D. Got {A.ndim}D.")
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


# ------------------------------------------------------------------ decompositions
def _uplo(UPLO, name):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")
    return UPLO


def eigh(A, UPLO: str = "L"):
    """Eigenvalues (ascending, real) and orthonormal eigenvectors (columns) of the symmetric
    (Hermitian) matrices of ``A``, reading only the ``UPLO`` triangle. Gradients assume
    distinct eigenvalues; losses must not depend on the eigenvectors' signs (phases: a
    RuntimeError for complex ones, as PyTorch's)."""
    name = "linalg.eigh"
    A = _square_float(A, name, kernel="linalg_eigh_cpu", cplx=True)
    packed = apply1(L.EIGH, A, (_uplo(UPLO, name),))
    w, v = L.eigh_unpack(packed)
    w = w.real if A.is_complex() else w
    return eigh_result(*laid_out((w, v), "vm", "LinalgEighBackward0", (A,)))


def eigvalsh(A, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of the symmetric matrices of ``A``."""
    name = "linalg.eigvalsh"
    A = _square_float(A, name, kernel="linalg_eigh_cpu", cplx=True)
    return apply1(L.EIGVALSH, A, (_uplo(UPLO, name),))


def svd(A, full_matrices: bool = True, *, driver=None):
    """``A = U diag(S) Vh`` with singular values ``S`` in descending order.

    With ``full_matrices`` (the default, as in PyTorch) ``U`` is ``(*, m, m)`` and ``Vh``
    ``(*, n, n)``; otherwise ``(*, m, k)`` and ``(*, k, n)``, ``k = min(m, n)``. Gradients
    assume distinct, non-zero singular values and losses that do not depend on the singular
    vectors' signs; the extra columns of a full ``U``/``Vh`` get no gradient, as in PyTorch.
    """
    name = "linalg.svd"
    A = _floating(A, name, half="linalg_svd_cpu", cplx=True)
    _matrices(A, name)
    m, n = A.shape[-2], A.shape[-1]
    packed = apply1(L.SVD, A, (bool(full_matrices), m, n))
    U, S, Vh = L.svd_unpack(packed, m, n, bool(full_matrices))
    S = S.real if A.is_complex() else S
    return svd_result(*laid_out((U, S, Vh), "mvm", "LinalgSvdBackward0", (A,)))


def svdvals(A, *, driver=None) -> Tensor:
    """The singular values of the matrices of ``A``, descending: ``(*, min(m, n))``."""
    name = "linalg.svdvals"
    A = _floating(A, name, half="linalg_svd_cpu", cplx=True)
    _matrices(A, name)
    return apply1(L.SVDVALS, A)


def qr(A, mode: str = "reduced"):
    """``A = Q R`` with orthonormal columns in ``Q`` and upper-triangular ``R``.

    ``mode``: ``'reduced'`` (``Q`` is ``(*, m, k)``), ``'complete'`` (``(*, m, m)``) or ``'r'``
    (``Q`` is an empty tensor; not differentiable, as in PyTorch).
    """
    name = "linalg.qr"
    A = _floating(A, name, half="geqrf_cpu", cplx=True)
    _matrices(A, name)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"{name}: qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    m, n = A.shape[-2], A.shape[-1]
    packed = apply1(L.QR, A, (mode, m, n))
    q, r = laid_out(L.qr_unpack(packed, m, n, mode), "mm", "LinalgQrBackward0", (A,))
    if q is None:
        q = wrap(_xp(A).zeros((0,), dtype=A.dtype))
    return qr_result(q, r)


def _tolerances(A, atol, rtol, name):
    """PyTorch's rule: rtol = eps * max(m, n) when neither is given, else 0 when only atol is."""
    atol, rtol = (v.item() if isinstance(v, Tensor) and not v.ndim else v for v in (atol, rtol))
    if rtol is None:
        rtol = (float(np.finfo(A.dtype).eps) * builtins.max(A.shape[-2], A.shape[-1])
                if atol is None or atol <= 0 else 0.0)
    atol = 0.0 if atol is None else atol
    for v, label in ((atol, "atol"), (rtol, "rtol")):
        if isinstance(v, Tensor) and v.ndim:
            raise TypeError(f"{name}: {label} as a Tensor of shape {tuple(v.shape)} (one "
                            f"tolerance per matrix) is not supported; pass a float or a 0-d "
                            f"tensor")
    return float(atol), float(rtol)


def pinv(A, *, atol: Optional[float] = None, rtol: Optional[float] = None,
         hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse of the matrices of ``A`` (``(*, m, n)`` to
    ``(*, n, m)``): singular values at most ``max(atol, rtol * largest)`` count as zero.
    ``hermitian=True`` reads ``A`` as symmetric (an eigendecomposition)."""
    name = "linalg.pinv"
    A = _floating(A, name, cplx=True)
    _matrices(A, name)
    if hermitian:
        _square(A, name)
    atol, rtol = _tolerances(A, atol, rtol, name)
    return apply1(L.PINV, A, (atol, rtol, bool(hermitian)))


def lstsq(A, B, rcond: Optional[float] = None, *, driver: Optional[str] = None):
    """The least-squares solution of ``A X = B`` (minimum norm when ``A`` is rank deficient).

    Returns ``(solution, residuals, rank, singular_values)`` as PyTorch does on the CPU: with
    the default driver ``'gelsy'`` residuals and singular values are empty; ``'gelsd'`` and
    ``'gelss'`` return the singular values, and every driver but ``'gelsy'`` the squared
    residuals for tall full-rank ``A``.
    The solution is differentiable in ``A`` (full rank) and ``B``.
    """
    name = "linalg.lstsq"
    B = _t(B, "B")  # (the argument types before any check of A, as PyTorch's parser)
    A = _floating(A, name, cplx=True)
    B = _floating(B, name, "B", cplx=True)
    _matrices(A, name)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss), got {driver!r}")
    if A.dtype != B.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_dtype_name(A.dtype)} and other's dtype "
                           f"{_dtype_name(B.dtype)}")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2): A has shape "
                           f"{tuple(A.shape)}, B has shape {tuple(B.shape)}")
    m, n = A.shape[-2], A.shape[-1]
    if rcond is None:
        rcond = float(np.finfo(A.dtype).eps) * builtins.max(m, n)
    X = F.matmul(apply1(L.PINV, A, (0.0, float(rcond), False)), Bm)
    xp = _xp(A)
    driver = driver or "gelsy"
    s = svdvals(A.detach())
    empty = wrap(xp.zeros((0,), dtype=s.dtype))  # (real for a complex A, as PyTorch's)
    if s.shape[-1] and Bm.shape[-1]:
        rank = F.sum(s > float(rcond) * F.amax(s, dim=-1, keepdim=True), dim=-1)
    else:  # an empty A (amax has no identity) or B (PyTorch skips LAPACK): rank 0
        rank = wrap(xp.zeros(tuple(s.shape[:-1]), dtype=np.int64))
    residuals = empty
    if driver != "gelsy" and m > n and bool(F.all(rank == n)):
        residuals = F.sum(F.abs(F.matmul(A, X) - Bm) ** 2, dim=-2)
        if vector:
            residuals = residuals.squeeze(-1)
    X, = laid_out((X.squeeze(-1) if vector else X,), "v" if vector else "m",
                  "LinalgLstsqBackward0", (A, B))
    return lstsq_result(
        X,
        residuals,
        rank if driver != "gels" else wrap(xp.zeros((0,), dtype=np.int64)),
        s if driver in ("gelsd", "gelss") else empty,
    )


def matrix_rank(A, *, atol: Optional[float] = None, rtol: Optional[float] = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values of each matrix above ``max(atol, rtol * largest)``
    (int64, not differentiable)."""
    name = "linalg.matrix_rank"
    A = _floating(A, name, cplx=True)
    _matrices(A, name)
    atol, rtol = _tolerances(A, atol, rtol, name)
    A = A.detach()
    s = F.abs(eigvalsh(A)) if hermitian else svdvals(A)
    if s.shape[-1] == 0:
        return wrap(_xp(A).zeros(tuple(A.shape[:-2]), dtype=np.int64))
    tol = F.maximum(F.amax(s, dim=-1, keepdim=True) * rtol, wrap(_xp(A).asarray(atol,
                                                                            dtype=s.dtype)))
    return F.sum(s > tol, dim=-1)


def cond(A, p=None) -> Tensor:
    """The condition number of the matrices of ``A`` in the norm ``p``: ``None``/2 (largest over
    smallest singular value, any shape), -2, or for square matrices 'fro', 'nuc', inf, -inf, 1,
    -1 (``norm(A) * norm(inv(A))``)."""
    name = "linalg.cond"
    A = _floating(A, name, half="linalg_svd_cpu", cplx=True)
    _matrices(A, name)
    if p not in (None, 2, -2) and p not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {p} not supported.")
    if p not in (None, 2, -2):
        _square(A, f"linalg.cond(ord={p})")
    if A.shape[-1] == 0 or A.shape[-2] == 0:  # an empty matrix: 0 off the graph, as in PyTorch
        real = np.float32 if A.dtype in (np.complex64, np.float32) else np.float64
        return wrap(_xp(A).zeros(tuple(A.shape[:-2]), dtype=real))
    if p is None or p == 2 or p == -2:
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        with np.errstate(divide="ignore", invalid="ignore"):  # singular: inf (or nan), as torch
            return big / small if p != -2 else small / big
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# ------------------------------------------------------- PyTorch's top-level forms (torch.*)
# torch.logdet, torch.cholesky, torch.cross, ... differ from their torch.linalg namesakes in
# arguments or results; gradkit/__init__.py exposes these under torch's top-level names. They are
# private here so that gradkit.linalg lists exactly torch.linalg's names.
svd_legacy_result = return_types.svd
qr_legacy_result = return_types.qr


def _top_logdet(input) -> Tensor:
    """``torch.logdet``: ``log(det(A))``; nan where the determinant is negative, ``-inf`` where
    it is zero."""
    A = _square_float(input, "logdet", cplx=True)
    s = slogdet(A)
    if A.is_complex():  # log(det): log|det| + i arg(det)
        return s.logabsdet + F.log(s.sign)
    return F.where(s.sign < 0, math.nan, s.logabsdet)


def _top_cholesky(input, upper: bool = False) -> Tensor:
    """``torch.cholesky`` (``upper`` may be positional)."""
    _tensor_operands("cholesky", (1, "input", input))  # (before the warning, as PyTorch's)
    _deprecated("cholesky")
    return cholesky(_square_float(input, "cholesky", kernel="cholesky_cpu", cplx=True),
                    upper=upper)


def _top_cross(input, other, dim: Optional[int] = None) -> Tensor:
    """``torch.cross``: without ``dim``, the first dimension of size 3 (deprecated in PyTorch,
    which warns; pass ``dim`` or use ``linalg.cross``)."""
    if dim is None:
        _tensor_operands("cross", (1, "input", input), (2, "other", other))
        _deprecated("cross")
        a, b = _t(input, "input"), _t(other, "other")
        shape = _broadcast_shape("cross", "input", a, "other", b)
        found = [i for i, n in enumerate(shape) if n == 3]
        if not found:
            raise RuntimeError(f"cross: no dimension of size 3 in input (broadcast shape "
                               f"{tuple(shape)})")
        dim = found[0]
    return cross(input, other, dim=dim)


def _top_pinverse(input, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(input, atol=0.0, rtol=rcond)


def _top_svd(input, some: bool = True, compute_uv: bool = True):
    """``torch.svd``: ``(U, S, V)`` with ``V`` (not ``Vh``); ``some=False`` gives full ``U``, ``V``;
    without ``compute_uv``, ``U`` and ``V`` are zero ``(m, m)`` and ``(n, n)`` matrices."""
    A = _floating(input, "svd", half="linalg_svd_cpu", cplx=True)
    _matrices(A, "svd")
    if not compute_uv:
        xp = _xp(A)
        m, n = A.shape[-2], A.shape[-1]
        batch = tuple(A.shape[:-2])
        return svd_legacy_result(wrap(xp.zeros(batch + (m, m), dtype=A.dtype)), svdvals(A),
                                 wrap(xp.zeros(batch + (n, n), dtype=A.dtype)))
    U, S, Vh = svd(A, full_matrices=not some)
    return svd_legacy_result(U, S, Vh.mH if A.is_complex() else _mT(Vh))


def _top_qr(input, some: bool = True):
    """``torch.qr``: ``linalg.qr`` with ``some=True`` as mode 'reduced', else 'complete'."""
    _tensor_operands("qr", (1, "input", input))
    _deprecated("qr")
    return qr_legacy_result(*qr(input, mode="reduced" if some else "complete"))


def _top_cholesky_solve(input, input2, upper: bool = False) -> Tensor:
    """``torch.cholesky_solve``: the solution ``X`` of ``A X = input`` given the Cholesky factor
    ``input2`` of ``A`` (lower ``L`` with ``A = L L^T``, or upper ``U`` with ``A = U^T U`` when
    ``upper``). Only the factor's triangle is read; its gradient is PyTorch's (dense: the
    factor as given times a symmetric term)."""
    name = "cholesky_solve"
    B, factor = _t(input, "input"), _t(input2, "input2")
    _matrices(B, name, "b")
    _matrices(factor, name, "A")
    factor = _solve_operands(B, factor, name, "cholesky_solve_cpu", cplx=True)
    try:
        np.broadcast_shapes(tuple(B.shape[:-2]), tuple(factor.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"{name}: the batch dimensions of b {tuple(B.shape)} and A "
                           f"{tuple(factor.shape)} cannot be broadcast together") from None
    return apply(L.CHOLESKY_SOLVE, (B, factor), (bool(upper),))


def _top_cholesky_inverse(input, upper: bool = False) -> Tensor:
    """``torch.cholesky_inverse``: ``A^-1`` given the Cholesky factor of ``A``, as LAPACK's
    potri (only the factor's triangle is read); its gradient is PyTorch's (dense)."""
    factor = _square_float(input, "cholesky_inverse", kernel="cholesky_inverse_out_cpu",
                           cplx=True)
    return apply1(L.CHOLESKY_INVERSE, factor, (bool(upper),))


def _top_slogdet(A):
    """``torch.slogdet``: ``linalg.slogdet`` as a ``return_types.slogdet``."""
    return return_types.slogdet(*slogdet(A))


# PyTorch's top-level linear-algebra functions and their Tensor methods (``gradkit.det``,
# ``x.inverse()``, ...): the same implementations, declared under their top-level names.
for _name, _fn in (("det", det), ("inverse", inv), ("slogdet", _top_slogdet),
                   ("matrix_power", matrix_power), ("matrix_exp", matrix_exp),
                   ("logdet", _top_logdet), ("cholesky", _top_cholesky), ("cross", _top_cross),
                   ("pinverse", _top_pinverse), ("svd", _top_svd), ("qr", _top_qr),
                   ("cholesky_solve", _top_cholesky_solve),
                   ("cholesky_inverse", _top_cholesky_inverse)):
    if _name in _TOP_EMPTY:  # (empty inputs in more dtypes: gradkit/_linalg/empty.py)
        _fn = _with_empty(_fn, _TOP_EMPTY[_name])
    declare(_fn, name=_name, out=_top_out(_name))
del _name, _fn

# LU, eig, Householder and the tensor forms live in gradkit/_linalg/ (one file per family);
# their public path is gradkit.linalg.X, and the legacy top-level forms are declared here.
from ._linalg.eig import (  # noqa: E402
    diagonal,
    eig,
    eigvals,
    geqrf,
    householder_product,
    matmul,
    orgqr,
    ormqr,
    tensorinv,
    tensorsolve,
    vander,
)
from ._linalg.ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: E402
from ._linalg.lu import (  # noqa: E402
    _top_lu,
    _top_lu_solve,
    cholesky_ex,
    inv_ex,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    lu_unpack,
    solve_ex,
    triangular_solve,
)

declare(_top_lu, name="lu")
declare(_top_lu_solve, name="lu_solve", out=_top_out("lu_solve"))
declare(lu_unpack, method=False, out=_top_out("lu_unpack"))
declare(triangular_solve, out=_top_out("triangular_solve"))
declare(geqrf, differentiable=False, out=_top_out("geqrf"))
declare(orgqr, out=_top_out("orgqr"))
declare(ormqr, out=_top_out("ormqr"))


# the legacy norms (top-level functions only) and the removed methods (lstsq, solve, eig,
# symeig: they raise, as PyTorch's)
from ._linalg.legacy import frobenius_norm, nuclear_norm  # noqa: E402

declare(frobenius_norm, method=False, out="same")
declare(nuclear_norm, method=False, out="same")

# empty inputs in the dtypes only an empty input passes (gradkit/_linalg/empty.py), then every
# function's out= face (gradkit/_linalg/out.py: PyTorch's dtype rule per function)
from ._linalg.empty import install as _install_empty  # noqa: E402
from ._linalg.out import install as _install_out  # noqa: E402
from ._numpy_names import numpy_names as _numpy_names  # noqa: E402

_install_empty(globals())
for _n in ("cross", "matrix_norm", "norm", "vecdot", "vector_norm"):  # (axis=, keepdims=)
    globals()[_n] = _numpy_names(globals()[_n], "linalg." + _n)
_install_out(globals())
