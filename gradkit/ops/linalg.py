"""Matrix products (matmul; einsum is in einsum.py) and the primitives of ``gradkit.linalg``
(inverse, determinant, solve, Cholesky, vector norm, eigh, SVD, QR, pseudo-inverse).

1-D operands of ``matmul`` are reshaped to matrices by the Tensor layer, so the primitive sees
only operands with at least two dimensions.
"""

from __future__ import annotations

import numpy as _np

from .._backend import namespace_of, to_host
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op, Shown, node_class
from ._norm_order import ordered_norm
from .einsum import EINSUM, parse_einsum  # noqa: F401 (re-exported)
from .lu_host import (  # noqa: F401 (re-exported)
    _non_finite_host,
    _solve_as_getrs,
    _tri_solve_f,
    lu_numpy,
    permutation_numpy,
)
from .reduction import _float16_in_float32, _row_major_out, expand_reduced, one_element_norm

__all__ = [
    "CHOLESKY", "CHOLESKY_INVERSE", "CHOLESKY_SOLVE", "DET", "EIGH", "EIGVALSH", "EINSUM",
    "INV", "LinAlgError", "MATMUL", "PINV", "QR", "SLOGDET", "SOLVE", "SVD", "SVDVALS",
    "TRI_SOLVE", "VECTOR_NORM", "eigh_unpack", "parse_einsum", "qr_unpack", "singular_error",
    "svd_unpack",
]


def _rows_by_matrix(xp, a, b):
    """``(..., k) @ (k, n)`` of dense operands: then one product of all rows, not a loop of
    small ones (attention's projections on a (T, B, E) view)."""
    return b.ndim == 2 and a.ndim > 2 and (xp.name == "tensor" or isinstance(a, xp.ndarray))


def _matmul_f(xp, a, b):
    if _rows_by_matrix(xp, a, b):
        rows = int(_np.prod(a.shape[:-1]))
        out = xp.matmul(xp.reshape(a, (rows, b.shape[0])), b)
        return xp.reshape(out, tuple(a.shape[:-1]) + (b.shape[1],))
    return xp.matmul(a, b)


def _matmul_b(xp, g, ins, out, aux, needs):
    a, b = ins
    if _rows_by_matrix(xp, a, b):  # the matrix's gradient: one (k, M) @ (M, n) product,
        k, n = b.shape                 # not a batch of small ones summed
        rows = int(_np.prod(a.shape[:-1]))
        g2 = xp.reshape(g, (rows, n))
        ga = xp.reshape(xp.matmul(g2, xp.transpose(b)), tuple(a.shape)) if needs[0] else None
        gb = xp.matmul(xp.transpose(xp.reshape(a, (rows, k))), g2) if needs[1] else None
        return ga, gb
    ga = xp.matmul(g, xp.swapaxes(b, -1, -2)) if needs[0] else None
    gb = xp.matmul(xp.swapaxes(a, -1, -2), g) if needs[1] else None
    return ga, gb


# PyTorch's matmul of batched operands folds them into a bmm (or, for a matrix second
# operand, an mm) between views: the node reads as that chain
def _matmul_name(node):
    a, b = node.inputs
    if a.ndim == 2 and b.ndim == 2:
        return None
    return node_class("UnsafeViewBackward0", "mm" if b.ndim == 2 else "bmm")


def _view_of(edge, expand):
    if edge is None:
        return None
    return Shown("ViewBackward0", (Shown("ExpandBackward0", (edge,)) if expand else edge,))


def _matmul_shown(node):
    ea, eb = node.next
    tag = node.named.tag
    if tag == "mm":
        return (Shown("MmBackward0", (_view_of(ea, False), eb)),)
    if tag == "bmm":
        return (Shown("BmmBackward0", (_view_of(ea, True), _view_of(eb, True))),)
    return node.next


# PyTorch's mm/bmm write a row-major result whatever the operands' layout
MATMUL = Op("Mm", _row_major_out(_matmul_f), _matmul_b, broadcasts=True, own_layout=True,
            namer=_matmul_name, shown=_matmul_shown)


# =============================================================================== gradkit.linalg
def _column_major(xp, a):
    """``a`` laid out as LAPACK writes, and PyTorch's linalg results are: each matrix
    column-major (its last two dims' strides ``(1, rows)``), the batch row-major over them."""
    if a.ndim < 2 or not (isinstance(a, _np.ndarray) or hasattr(a, "__cuda_array_interface__")):
        return a  # (a vector; a Tensor under create_graph, other data: as they are)
    t = xp.swapaxes(a, -1, -2)
    return a if t.flags.c_contiguous else xp.swapaxes(xp.ascontiguousarray(t), -1, -2)


def _column_major_out(forward):
    """``forward`` whose result is column-major per matrix (``_column_major``), as PyTorch's:
    ``linalg.solve(A, B).stride()`` is ``(1, 3)`` for a 3x2 result, so ``.view`` of it fails
    there as in PyTorch, and its ``.mT`` is contiguous."""
    def column_major_forward(xp, *args):
        return _column_major(xp, forward(xp, *args))
    column_major_forward.__name__ = forward.__name__
    return column_major_forward


# Primitives of ``gradkit.linalg`` (the public functions, their checks and the composites such as
# norms, cross, matrix_power and lstsq live in gradkit/linalg.py).
#
# Each rule is written once against ``xp``. A rule that needs another factorization (det needs
# an inverse, cholesky a triangular inverse, solve a transposed solve) runs that primitive through
# ``_run``: its plain forward on arrays, or ``xp.apply`` under create_graph, so the rule is itself
# recorded and higher derivatives follow.
#
# Several results (eigh: values and vectors; svd: U, S, Vh; qr: Q, R; slogdet: sign and
# logabsdet) come from one factorization. Such an op returns them packed into one array, which
# the public function slices apart: the op stays a one-output node whose ``out`` (a Tensor under
# create_graph) carries every factor to the rule. ``*_unpack`` is the one place that knows each
# layout; it works on arrays and Tensors alike.


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed: a singular matrix where an inverse is needed, or a
    matrix that is not positive definite in ``cholesky`` (``torch.linalg.LinAlgError``)."""


def _run(xp, op, *args, params=()):
    """``op`` inside a backward rule: recorded under create_graph, its plain forward otherwise."""
    if xp.name == "tensor":
        return xp.apply(op, list(args), params)
    return op.forward(xp, *args, *params)


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _mH(xp, a):
    """The conjugate transpose (the transpose of real data): the rules below are PyTorch's,
    written with ``^H``, so that one rule serves real and complex matrices."""
    t = xp.swapaxes(a, -1, -2)
    return xp.conj(t) if t.dtype.kind == "c" else t


def _gauge_check(name, imag_diag, what):
    """PyTorch's refusal of a loss that depends on the free phase of complex singular vectors
    or eigenvectors: the imaginary part of a diagonal of ``X^H gX`` must vanish."""
    from ..autograd.forward_ad import RULE_FOR_TANGENT

    if RULE_FOR_TANGENT[0]:  # a tangent (forward-mode AD): g is not a loss's gradient
        return
    d = to_host(getattr(imag_diag, "_data", imag_diag))
    if d.size and not _np.allclose(d, 0.0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(
            f"{name}_backward: The {what} in the complex case are specified up to "
            f"multiplication by e^{{i phi}}. The specified loss function depends on this phase "
            f"term, making it ill-defined. Make the loss depend on the vectors only through "
            f"phase-free quantities (e.g. their absolute values or products like U @ Vh).")


def _const(like, arr):
    """The NumPy array ``arr`` as a constant of ``like``'s dtype on ``like``'s device."""
    data = getattr(like, "_data", like)
    arr = arr.astype(data.dtype)
    ns = namespace_of(data)
    return arr if ns.name == "numpy" else ns.asarray(arr)


def _eye(like, n):
    return _const(like, _np.eye(n))


def _tril_mask(like, n, k=0):
    return _const(like, _np.tri(n, n, k))


def _batch_prefix(index, batch):
    """``(Batch element i): `` as PyTorch writes it, for a matrix of a batch (none for one)."""
    if not batch:
        return ""
    return f"(Batch element {index}): "


def _is_linalg_error(e):
    return type(e).__name__ == "LinAlgError"


def singular_error(name, a):
    """The LinAlgError for a singular ``a`` (or a batch containing one), naming which matrix."""
    batch = a.shape[:-2]
    flat = to_host(a).reshape((-1,) + a.shape[-2:])
    sign, _ = _np.linalg.slogdet(flat)
    bad = _np.flatnonzero(sign == 0)
    index = int(bad[0]) if bad.size else 0
    return LinAlgError(
        f"{name}: {_batch_prefix(index, batch)}the input matrix is singular (its LU factorization "
        f"has a zero pivot), so the computation could not be completed. If singular matrices are "
        f"expected, use gradkit.linalg.pinv or gradkit.linalg.lstsq; to regularise, add a small "
        f"multiple of the identity (A + eps * I)."
    )


def _not_pd_error(name, a):
    flat = to_host(a).reshape((-1,) + a.shape[-2:])
    n = a.shape[-1]
    index, m = 0, flat[0]
    for i, mi in enumerate(flat):
        try:
            _np.linalg.cholesky(mi)
        except Exception as e:  # noqa: BLE001 - LinAlgError of NumPy
            if not _is_linalg_error(e):
                raise
            index, m = i, mi
            break
    order = n
    for k in range(1, n + 1):  # the first leading minor that is not positive definite
        try:
            _np.linalg.cholesky(m[:k, :k])
        except Exception:  # noqa: BLE001
            order = k
            break
    return LinAlgError(
        f"{name}: {_batch_prefix(index, a.shape[:-2])}the factorization could not be completed "
        f"because the input is not positive-definite (the leading minor of order {order} is not "
        f"positive-definite). Check that the matrix is symmetric positive definite; to make a "
        f"nearly singular one factorizable, add a small multiple of the identity (A + eps * I)."
    )


# ------------------------------------------------------------------------------ inv, det, solve
def _lu_inverse_host(a):
    """The inverse of the host matrices ``a`` as LAPACK's getrf + getrs compute it (PyTorch's
    ``linalg.inv``): used for matrices with inf/nan, whose NaN pattern depends on the pivoting
    and substitution order (NumPy's ``inv`` spreads NaN differently)."""
    n = a.shape[-1]
    lu, piv, info = lu_numpy(a)
    if _np.any(info > 0):
        raise singular_error("linalg.inv", a)
    perm = _np.argmax(permutation_numpy(piv, n), axis=-1)  # (P M)[r] = M[perm[r]]
    eye = _np.broadcast_to(_np.eye(n, dtype=a.dtype), a.shape)
    pt = _np.take_along_axis(eye, _np.argsort(perm, axis=-1)[..., None], axis=-2)  # P^T I
    with _np.errstate(all="ignore"):
        return _tri_solve_f(_np, lu, _tri_solve_f(_np, lu, pt, False, True), True, False)


def _inv_f(xp, a):
    try:
        if a.size and not bool(xp.isfinite(a).all()):
            return _const(a, _lu_inverse_host(to_host(a)))
        out = xp.linalg.inv(a)
        if a.size and a.dtype.kind == "f":
            # ill-conditioned beyond the dtype's precision: whether getrf meets an exact zero
            # pivot (PyTorch raises) depends on its order of operations, so follow it exactly
            big = xp.abs(a).max(axis=(-2, -1)) * xp.abs(out).max(axis=(-2, -1))
            if bool((big * _np.finfo(a.dtype).eps > 1e-2).any()):
                return _const(a, _lu_inverse_host(to_host(a)))
        return out
    except Exception as e:  # noqa: BLE001 - NumPy/CuPy LinAlgError
        if _is_linalg_error(e):
            raise singular_error("linalg.inv", a) from None
        raise


def _inv_b(xp, g, ins, out, aux, needs):
    # d(A^-1) = -A^-1 dA A^-1  =>  gA = -A^-T g A^-T
    t = _mT(xp, out)
    return (-xp.matmul(t, xp.matmul(g, t)),)


INV = Op("LinalgInv", _column_major_out(_inv_f), _inv_b, saves=SAVES_OUTPUT)


def _det_f(xp, a):
    if a.size and not bool(xp.isfinite(a).all()):  # PyTorch's: the product of getrf's pivots
        d, swaps = _lu_pivots(a)
        with _np.errstate(all="ignore"):
            return _const(a, _np.prod(d, axis=-1) * _np.where(swaps % 2, -1.0, 1.0))
    return xp.linalg.det(a)


def _det_b(xp, g, ins, out, aux, needs):
    # d det(A) = tr(adj(A) dA)  =>  gA = g adj(A)^T, the cofactor matrix: det(A) A^-T, or for a
    # batch holding a singular matrix the SVD form below (PyTorch returns 0 there)
    try:
        cof = out[..., None, None] * _mT(xp, _run(xp, INV, ins[0]))
    except LinAlgError:
        cof = _cofactor(xp, ins[0])
    return (g[..., None, None] * cof,)


def _cofactor(xp, a):
    """adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T, defined for singular A too.

    Its own derivative (under create_graph) needs distinct singular values, as the SVD's."""
    n = a.shape[-1]
    U, S, Vh = svd_unpack(_run(xp, SVD, a, params=(False, n, n)), n, n, False)
    u, vh = getattr(U, "_data", U), getattr(Vh, "_data", Vh)
    ns = namespace_of(u)
    sign = ns.asarray(ns.linalg.det(u) * ns.linalg.det(vh))  # +-1, locally constant
    eye = _eye(a, n)
    others = xp.prod(S[..., None, :] * (1.0 - eye) + eye, axis=-1)  # prod_{j != i} s_j
    return xp.matmul(U * others[..., None, :], Vh) * sign[..., None, None]


DET = Op("LinalgDet", _det_f, _det_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


def _lu_pivots(a):
    """getrf's pivots (the diagonal of U) and row-swap count, as PyTorch factors: A^T's for a
    contiguous A (its copy-free LAPACK call)."""
    h = to_host(a)
    lu, piv, _ = lu_numpy(_np.swapaxes(h, -1, -2) if h.flags.c_contiguous else h)
    return (_np.diagonal(lu, axis1=-2, axis2=-1),
            _np.sum(piv != _np.arange(1, piv.shape[-1] + 1), axis=-1))


def _slogdet_f(xp, a):
    if a.size and not bool(xp.isfinite(a).all()):
        d, swaps = _lu_pivots(a)  # as PyTorch: the sign of a NaN pivot counts as 0
        with _np.errstate(all="ignore"):
            if d.dtype.kind == "c":  # (a complex NaN pivot: a NaN sign, as PyTorch's)
                sign = _np.prod(_np.asarray(d / _np.abs(d)).view(_np.ndarray), axis=-1)
            else:
                sign = _np.prod(_np.where(_np.isnan(d), 0.0, _np.sign(d)), axis=-1)
            sign = sign * _np.where(swaps % 2, -1.0, 1.0)
            logabsdet = _np.sum(_np.log(_np.abs(d)), axis=-1)
        return _const(a, _np.stack([sign, logabsdet], axis=-1))
    sign, logabsdet = xp.linalg.slogdet(a)
    return xp.stack([sign, logabsdet], axis=-1)


def _slogdet_b(xp, g, ins, out, aux, needs):
    # packed (..., 2): [sign, logabsdet]; d log|det A| = Re tr(A^-1 dA), and a complex sign
    # s = det / |det| moves by s i Im tr(A^-1 dA), so gA = (g_l + i Im(g_s conj(s))) A^-H
    # (a real sign is constant)
    a = ins[0]
    if _non_finite_host(a):
        eye = _np.eye(a.shape[-1], dtype=a.dtype)
        return (g[..., 1][..., None, None] * _solve_as_getrs(a, eye, True, copy_free=True),)
    try:
        inv = _run(xp, INV, a)
    except LinAlgError as e:
        raise LinAlgError(f"linalg.slogdet: the gradient of logabsdet is infinite at a singular "
                          f"matrix. {e}") from None
    coef = g[..., 1]
    if coef.dtype.kind == "c":
        z = g[..., 0] * xp.conj(out[..., 0])
        coef = 0.5 * (coef + xp.conj(coef)) + 0.5 * (z - xp.conj(z))
    return (coef[..., None, None] * _mH(xp, inv),)


SLOGDET = Op("LinalgSlogdet", _slogdet_f, _slogdet_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


def _solve_f(xp, a, b):
    if _non_finite_host(a):
        return _solve_as_getrs(a, b, singular=lambda x: singular_error("linalg.solve", x))
    try:
        return xp.linalg.solve(a, b)
    except Exception as e:  # noqa: BLE001
        if _is_linalg_error(e):
            raise singular_error("linalg.solve", a) from None
        raise


def _solve_b(xp, g, ins, out, aux, needs):
    # X = A^-1 B:  gB = A^-T g,  gA = -gB X^T  (batch dimensions broadcast; the engine sums)
    a = ins[0]
    gb = _solve_as_getrs(a, g, True) if _non_finite_host(a) and isinstance(g, _np.ndarray) \
        else _run(xp, SOLVE, _mT(xp, a), g)
    ga = -xp.matmul(gb, _mT(xp, out)) if needs[0] else None
    return ga, (gb if needs[1] else None)


SOLVE = Op("LinalgSolve", _column_major_out(_solve_f), _solve_b, saves=SAVES_INPUTS | SAVES_OUTPUT,
           broadcasts=True, own_layout=True)


# --------------------------------------------------------------------------- triangular solve
def _tri_keep(like, n, upper, unitriangular):
    """The triangle read, as a boolean array (the diagonal excluded when it is taken as 1)."""
    keep = _np.tri(n, n, -1 if unitriangular else 0, dtype=bool)
    keep = keep.T if upper else keep
    data = getattr(like, "_data", like)
    ns = namespace_of(data)
    return keep if ns.name == "numpy" else ns.asarray(keep)


def _tri_solve_b(xp, g, ins, out, aux, needs):
    # X = T^-1 B:  gB = T^-T g,  gT = -gB X^T on the triangle read (zero elsewhere)
    upper, unitriangular = aux
    a = ins[0]
    gb = _run(xp, TRI_SOLVE, _mT(xp, a), g, params=(not upper, unitriangular))
    ga = None
    if needs[0]:
        full = -xp.matmul(gb, _mT(xp, out))
        ga = xp.where(_tri_keep(full, a.shape[-1], upper, unitriangular), full, 0.0)
    return ga, (gb if needs[1] else None)


TRI_SOLVE = Op("LinalgSolveTriangular", _column_major_out(_tri_solve_f), _tri_solve_b,
               saves=SAVES_INPUTS | SAVES_OUTPUT, broadcasts=True, own_layout=True)


def _cholesky_solve_f(xp, b, factor, upper):
    """``A X = B`` with ``A = L L^T`` (``U^T U`` when ``upper``) from the factor's triangle."""
    ft = _mH(xp, factor)
    if upper:  # U^H Y = B, then U X = Y
        return _tri_solve_f(xp, factor, _tri_solve_f(xp, ft, b, False, False), True, False)
    return _tri_solve_f(xp, ft, _tri_solve_f(xp, factor, b, False, False), True, False)


def _cholesky_solve_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule (cholesky_solve_backward): gB = A^-1 g; the factor's gradient is dense,
    # -(gB X^T + X gB^T) L (-U (...) when upper), with the factor as given
    upper, = aux
    factor = ins[1]
    gb = _run(xp, CHOLESKY_SOLVE, g, factor, params=(upper,))
    gf = None
    if needs[1]:
        common = xp.matmul(gb, _mH(xp, out))
        common = common + _mH(xp, common)
        gf = -xp.matmul(factor, common) if upper else -xp.matmul(common, factor)
    return (gb if needs[0] else None), gf


CHOLESKY_SOLVE = Op("CholeskySolve", _column_major_out(_cholesky_solve_f), _cholesky_solve_b,
                    saves=SAVES_INPUTS | SAVES_OUTPUT, broadcasts=True, own_layout=True)


def _cholesky_inverse_f(xp, factor, upper):
    """``A^-1`` from the Cholesky factor of ``A`` as LAPACK's potri: the triangle's inverse
    (column by column, each from its diagonal down), then ``Linv^T Linv`` over the triangle
    only, so an inf/nan reaches only the entries that depend on it."""
    host = to_host(factor)
    n = host.shape[-1]
    low = _np.swapaxes(host, -1, -2) if upper else host  # A = L L^H with L = U^H
    low = _np.conj(low) if upper and low.dtype.kind == "c" else low
    inv = _np.zeros_like(low)
    with _np.errstate(all="ignore"):
        for j in range(n):  # column j of L^-1: rows j.. of the solution of L x = e_j
            rhs = _np.zeros(low.shape[:-2] + (n - j, 1), dtype=low.dtype)
            rhs[..., 0, 0] = 1.0
            inv[..., j:, j:j + 1] = _tri_solve_f(_np, low[..., j:, j:], rhs, False, False)
        out = _np.zeros_like(low)
        for i in range(n):
            for j in range(i + 1):
                k = slice(i, n)  # entries k >= max(i, j) of columns i and j
                out[..., i, j] = _np.sum(_np.conj(inv[..., k, i]) * inv[..., k, j], -1)
                out[..., j, i] = _np.conj(out[..., i, j])
    return _const(factor, out)


def _cholesky_inverse_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule (cholesky_inverse_backward): with S = A^-1 (g + g^T) A^-1, the factor's
    # gradient is -S L (-U S when upper), dense, with the factor as given
    upper, = aux
    factor = ins[0]
    common = xp.matmul(out, xp.matmul(g + _mH(xp, g), out))
    return (-xp.matmul(factor, common) if upper else -xp.matmul(common, factor),)


CHOLESKY_INVERSE = Op("CholeskyInverse", _column_major_out(_cholesky_inverse_f),
                      _cholesky_inverse_b,
                      saves=SAVES_INPUTS | SAVES_OUTPUT)


# ----------------------------------------------------------------------------------- cholesky
def _cholesky_host(a):
    """``(L, order)``: the Cholesky factor of the host matrices ``a`` from their lower triangle,
    column by column as LAPACK's potrf, with ``order`` the 1-based index of the first pivot
    that is not positive (NaN included) in each matrix, 0 when none. Used for inputs with
    inf/nan, where NumPy's factor neither stops nor spreads NaN as potrf does."""
    n = a.shape[-1]
    flat = _np.asarray(a).view(_np.ndarray).reshape((-1, n, n))
    L = _np.zeros_like(flat)
    order = _np.zeros(flat.shape[0], _np.int64)
    with _np.errstate(all="ignore"):
        for j in range(n):  # (a complex diagonal: its real part, |L|^2 and conj(L) as potrf)
            ajj = (flat[:, j, j] - _np.sum(L[:, j, :j] * _np.conj(L[:, j, :j]), axis=-1)).real
            bad = ~(ajj > 0) & (order == 0)
            order[bad] = j + 1
            ljj = _np.sqrt(_np.where(ajj > 0, ajj, 1.0))
            L[:, j, j] = ljj
            col = flat[:, j + 1:, j] - _np.einsum("bik,bk->bi", L[:, j + 1:, :j],
                                                  _np.conj(L[:, j, :j]))
            L[:, j + 1:, j] = col / ljj[:, None]
    return L.reshape(a.shape), order.reshape(a.shape[:-2])


def _cholesky_f(xp, a, upper=False):
    if upper:  # LAPACK's 'U': U = L^H for the lower triangle of A^H (A's upper one)
        return _mH(xp, _cholesky_f(xp, _mH(xp, a)))
    if a.size and not bool(xp.isfinite(a).all()):
        L, order = _cholesky_host(to_host(a))
        if (order > 0).any():
            flat = order.reshape(-1)
            index = int(_np.flatnonzero(flat)[0])
            raise LinAlgError(
                f"linalg.cholesky: {_batch_prefix(index, a.shape[:-2])}the factorization could "
                f"not be completed because the input is not positive-definite (the leading "
                f"minor of order {int(flat[index])} is not positive-definite; the input holds "
                f"inf or nan).")
        return _const(a, L)
    try:
        return xp.linalg.cholesky(a)
    except Exception as e:  # noqa: BLE001
        if _is_linalg_error(e):
            raise _not_pd_error("linalg.cholesky", a) from None
        raise


def _cholesky_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule: P = Φ(L^H g) symmetrised (the strictly lower part mirrored, the diagonal
    # halved), gA = L^-H P L^-1 (a symmetric gradient: A is read as a symmetric matrix)
    L = out
    if aux and aux[0]:  # upper: PyTorch's rule applied to L = U^H, gL = gU^H
        L, g = _mH(xp, out), _mH(xp, g)
    n = L.shape[-1]
    t = xp.matmul(_mH(xp, L), g) * _tril_mask(L, n)
    p = 0.5 * (t + _mH(xp, t * _tril_mask(L, n, -1)))
    linv = _run(xp, INV, L)
    return (xp.matmul(_mH(xp, linv), xp.matmul(p, linv)),)


CHOLESKY = Op("LinalgCholesky", _column_major_out(_cholesky_f), _cholesky_b, saves=SAVES_OUTPUT)


# -------------------------------------------------------------------------------- vector norm
@_float16_in_float32  # (torch.norm's float16: accumulated in float32, rounded once)
def _vector_norm_f(xp, a, p, axis, keepdims, shape):
    one = one_element_norm(xp, a, axis, keepdims, shape)
    if one is not None:
        return one
    if p in (_np.inf, -_np.inf):  # (NaN propagates, as PyTorch's amax/amin)
        return (xp.max if p > 0 else xp.min)(xp.abs(a), axis=axis, keepdims=keepdims)
    ordered = ordered_norm(a, p, axis, keepdims)  # (PyTorch's summation order)
    if ordered is not None:
        return ordered
    if p == 2:
        return xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))
    if p == 1:
        return xp.sum(xp.abs(a), axis=axis, keepdims=keepdims)
    with _np.errstate(divide="ignore"):  # p < 0 with a zero entry: the norm is 0, as in PyTorch
        return xp.sum(xp.abs(a) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _vector_norm_b(xp, g, ins, out, aux, needs):
    # d||a||_p / da = sign(a) |a|^(p-1) / ||a||^(p-1); 0 where ||a|| = 0 and, for p < 1, where
    # a = 0 (PyTorch's subgradients). The products and powers are PyTorch's (norm_backward), in
    # its order, so that overflow (|a|^(p-2) = inf, ||a||^(p-1) = inf) gives its inf/NaN
    p, axis, keepdims, shape = aux
    a = ins[0]
    ge = expand_reduced(xp, g, shape, axis, keepdims)
    if p == 1:  # (PyTorch's sgn: 0 at a NaN entry, whose norm is NaN; NumPy's sign is NaN)
        return (ge * xp.where(a != a, 0.0, xp.sign(a)),)
    n = expand_reduced(xp, out, shape, axis, keepdims)
    if p in (_np.inf, -_np.inf):
        # PyTorch's: shared equally between the entries whose |a| is the norm, or NaN (a NaN
        # entry takes the share, with sign(NaN) = 0: a zero gradient, not NaN everywhere)
        aa = xp.abs(a)
        mask = xp.where((aa == n) | (aa != aa), 1.0, 0.0)
        count = expand_reduced(xp, xp.sum(mask, axis=axis, keepdims=keepdims), shape, axis,
                               keepdims)
        return (xp.where(a != a, 0.0, xp.sign(a)) * (ge / count) * mask,)
    zero = n == 0
    with _np.errstate(all="ignore"):
        if p == 2:
            return (ge * xp.where(zero, 0.0, a / n),)
        if p < 1:
            nz = a != 0
            scaled = xp.sign(a) * xp.where(nz, xp.where(nz, xp.abs(a), 1.0) ** (p - 1), 0.0)
            return (scaled * ge * n ** (1 - p),)
        scaled = xp.sign(a) * xp.abs(a) ** (p - 1) if p < 2 else a * xp.abs(a) ** (p - 2)
        return (scaled * xp.where(zero, 0.0, ge / n ** (p - 1)),)


VECTOR_NORM = Op("LinalgVectorNorm", _row_major_out(_vector_norm_f), _vector_norm_b,
                 saves=SAVES_INPUTS | SAVES_OUTPUT)


# ---------------------------------------------------------------------------------- eigh, svd
def eigh_unpack(x):
    """(eigenvalues, eigenvectors) from EIGH's packed (..., n + 1, n) output."""
    n = x.shape[-1]
    return x[..., n, :], x[..., :n, :]


def _eigh_converged(xp, a, fn, name):
    """``fn(a)``; where LAPACK's symmetric eigensolver does not converge (inf, NaN or
    huge entries) gradkit's LinAlgError as PyTorch's, not NumPy's."""
    try:
        return fn(a)
    except Exception as e:  # noqa: BLE001
        if _is_linalg_error(e):
            raise LinAlgError(f"{name}: The algorithm failed to converge because the input "
                              f"matrix is ill-conditioned or has too many repeated eigenvalues "
                              f"(it holds inf, NaN or entries beyond float's range?)") from None
        raise


def _eigh_f(xp, a, uplo):
    def both(m):
        w, v = xp.linalg.eigh(m, UPLO=uplo)
        return xp.concatenate([v, w[..., None, :]], axis=-2)

    return _eigh_converged(xp, a, both, "linalg.eigh")


def _eigh_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule for distinct eigenvalues: with E_ij = L_j - L_i,
    # gA = V (skew(V^T gV) / E + diag(gL)) V^T
    lam, V = eigh_unpack(out)
    g_lam, gV = eigh_unpack(g)
    n = V.shape[-1]
    if not _np.any(to_host(getattr(gV, "_data", gV))):
        # the eigenvectors took no gradient (a loss of the eigenvalues only): PyTorch leaves
        # their term out, so repeated eigenvalues give V diag(gL) V^T, not 0/0 = NaN
        if g_lam.dtype.kind == "c":
            g_lam = 0.5 * (g_lam + xp.conj(g_lam))
        return (xp.matmul(V * g_lam[..., None, :], _mH(xp, V)),)
    eye = _eye(out, n)
    vtgv = xp.matmul(_mH(xp, V), gV)
    skew = 0.5 * (vtgv - _mH(xp, vtgv))
    E = lam[..., None, :] - lam[..., :, None] + eye
    if vtgv.dtype.kind == "c":  # the diagonal of skew: i Im(diag(V^H gV)), the phases' share
        _gauge_check("linalg_eig", xp.sum(skew * eye, axis=-1), "eigenvectors")
        skew = skew * (1.0 - eye)
        g_lam = 0.5 * (g_lam + xp.conj(g_lam))
    inner = skew / E + g_lam[..., None, :] * eye
    return (xp.matmul(V, xp.matmul(inner, _mH(xp, V))),)


EIGH = Op("LinalgEigh", _eigh_f, _eigh_b, saves=SAVES_OUTPUT)


def _eigvalsh_f(xp, a, uplo):
    return _eigh_converged(xp, a, lambda m: xp.linalg.eigvalsh(m, UPLO=uplo), "linalg.eigvalsh")


def _eigvalsh_b(xp, g, ins, out, aux, needs):
    # gA = V diag(g) V^T; the eigenvectors come from EIGH (recorded under create_graph)
    _, V = eigh_unpack(_run(xp, EIGH, ins[0], params=aux))
    return (xp.matmul(V * g[..., None, :], _mH(xp, V)),)


EIGVALSH = Op("LinalgEigvalsh", _eigvalsh_f, _eigvalsh_b, saves=SAVES_INPUTS)


def svd_unpack(x, m, n, full_matrices):
    """(U, S, Vh) from SVD's packed (..., m*ku + k + kv*n) output."""
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    batch = tuple(x.shape[:-1])
    u = x[..., :m * ku].reshape(batch + (m, ku))
    s = x[..., m * ku:m * ku + k]
    vh = x[..., m * ku + k:].reshape(batch + (kv, n))
    return u, s, vh


def _finite_svd(xp, a, **kw):
    """``xp.linalg.svd`` of a matrix holding only finite numbers: LAPACK's divide-and-conquer
    SVD never returns on some non-finite inputs, where PyTorch raises (NaN) or returns garbage
    (inf), so a non-finite input raises PyTorch's error."""
    if a.size and not bool(xp.isfinite(a).all()):
        where = ""
        if a.ndim > 2:  # (PyTorch names the first batch element at fault, in row-major order)
            bad = xp.isfinite(a.reshape((-1,) + a.shape[-2:])).all(axis=(-2, -1))
            where = f"(Batch element {int(xp.argmin(bad))}): "
        raise LinAlgError(f"linalg.svd: {where}The algorithm failed to converge because the "
                          f"input matrix contained non-finite values.")
    out = xp.linalg.svd(a, **kw)
    if getattr(xp, "name", "numpy") != "numpy" or a.dtype.kind == "c":
        return out
    from .svd_jacobi import refine_svd  # beyond the precision: Jacobi, as accurate as MKL's

    if kw.get("compute_uv", True):
        return refine_svd(a, *out, kw.get("full_matrices", True))
    return refine_svd(a, None, out, None, False)[1]


def _svd_f(xp, a, full_matrices, m, n):
    u, s, vh = _finite_svd(xp, a, full_matrices=full_matrices)
    batch = a.shape[:-2]
    return xp.concatenate([u.reshape(batch + (u.shape[-2] * u.shape[-1],)), s,
                           vh.reshape(batch + (vh.shape[-2] * vh.shape[-1],))], axis=-1)


def _svd_b(xp, g, ins, out, aux, needs):
    # PyTorch's svd_backward for distinct non-zero singular values (full_matrices: the extra
    # columns of U / rows of Vh get no gradient, as there)
    full_matrices, m, n = aux
    k = min(m, n)
    U, S, Vh = svd_unpack(out, m, n, full_matrices)
    gU, gS, gVh = svd_unpack(g, m, n, full_matrices)
    if full_matrices:
        U, gU = U[..., :, :k], gU[..., :, :k]
        Vh, gVh = Vh[..., :k, :], gVh[..., :k, :]
    eye = _eye(out, k)
    utgu = xp.matmul(_mH(xp, U), gU)
    vtgv = xp.matmul(Vh, _mH(xp, gVh))
    S2 = S * S
    E = S2[..., None, :] - S2[..., :, None] + eye
    inner = ((utgu - _mH(xp, utgu)) * S[..., None, :]
             + S[..., :, None] * (vtgv - _mH(xp, vtgv))) / E
    if utgu.dtype.kind == "c":
        # a common phase of u_i and v_i leaves A as it is: Im(diag(U^H gU + V^H gV)) must be 0;
        # the rest of the diagonal, i Im(diag(U^H gU)) / S, is the relative phase's share
        im_u = 0.5 * (utgu - _mH(xp, utgu)) * eye
        _gauge_check("svd", xp.sum(im_u + 0.5 * (vtgv - _mH(xp, vtgv)) * eye, axis=-1),
                     "singular vectors")
        inner = inner * (1.0 - eye) + im_u / S[..., None, :]
        gS = 0.5 * (gS + xp.conj(gS))
    inner = inner + gS[..., None, :] * eye
    if m > n:
        gus = gU / S[..., None, :]
        ga = xp.matmul(U, inner) + gus - xp.matmul(U, xp.matmul(_mH(xp, U), gus))
        ga = xp.matmul(ga, Vh)
    elif m < n:
        sgv = gVh / S[..., :, None]
        ga = xp.matmul(inner, Vh) + sgv - xp.matmul(xp.matmul(sgv, _mH(xp, Vh)), Vh)
        ga = xp.matmul(U, ga)
    else:
        ga = xp.matmul(U, xp.matmul(inner, Vh))
    return (ga,)


SVD = Op("LinalgSvd", _svd_f, _svd_b, saves=SAVES_OUTPUT)


def _inf_matrices(xp, a):
    """``(a with its matrices holding an inf zeroed, where they are)``, or ``(a, None)``: where
    ``a`` holds an inf and no NaN, PyTorch's gesdd returns NaN for those matrices alone (a NaN
    anywhere raises, in ``_finite_svd``)."""
    if not a.size or bool(xp.isfinite(a).all()) or bool(xp.isnan(a).any()):
        return a, None
    bad = ~xp.isfinite(a).all(axis=(-2, -1))
    return xp.where(bad[..., None, None], xp.zeros((), dtype=a.dtype), a), bad


def _nan_where(xp, r, bad, nd):
    """``r`` (a result per matrix, ``nd`` trailing dims) with NaN for the matrices ``bad``."""
    if bad is None:
        return r
    fill = complex(xp.nan, xp.nan) if r.dtype.kind == "c" else xp.nan
    return xp.where(bad.reshape(bad.shape + (1,) * nd), xp.asarray(fill, dtype=r.dtype), r)


def _svdvals_f(xp, a):
    # an inf (and no NaN): PyTorch's gesdd without vectors returns NaN singular values for
    # that matrix, the others' as usual
    a, bad = _inf_matrices(xp, a)
    return _nan_where(xp, _finite_svd(xp, a, compute_uv=False), bad, 1)


def _svdvals_b(xp, g, ins, out, aux, needs):
    # gA = U diag(g) Vh; U and Vh come from SVD (recorded under create_graph)
    a = ins[0]
    if _non_finite_host(a):  # (the NaN singular values of an inf: NaN, as PyTorch's when it
        return (_np.full(a.shape, _np.nan, dtype=a.dtype),)  # returns one)
    m, n = a.shape[-2], a.shape[-1]
    U, _, Vh = svd_unpack(_run(xp, SVD, a, params=(False, m, n)), m, n, False)
    return (xp.matmul(U * g[..., None, :], Vh),)


SVDVALS = Op("LinalgSvdvals", _svdvals_f, _svdvals_b, saves=SAVES_INPUTS)


# ----------------------------------------------------------------------------------------- qr
def qr_unpack(x, m, n, mode):
    """(Q, R) from QR's packed output; Q is None for mode 'r'."""
    k = min(m, n)
    kq = m if mode == "complete" else k
    kr = kq
    batch = tuple(x.shape[:-1])
    if mode == "r":
        return None, x.reshape(batch + (k, n))
    q = x[..., :m * kq].reshape(batch + (m, kq))
    r = x[..., m * kq:].reshape(batch + (kr, n))
    return q, r


def _qr_f(xp, a, mode, m, n):
    batch = a.shape[:-2]
    a = a + 0.0  # (-0.0 to +0.0: PyTorch's LAPACK reads a -0.0 pivot as positive)
    if mode == "r":
        r = xp.linalg.qr(a, mode="r")
        return r.reshape(batch + (r.shape[-2] * r.shape[-1],))
    q, r = xp.linalg.qr(a, mode=mode)
    return xp.concatenate([q.reshape(batch + (q.shape[-2] * q.shape[-1],)),
                           r.reshape(batch + (r.shape[-2] * r.shape[-1],))], axis=-1)


def _times_inv_rt(xp, x, r):
    """x R^-H, as solve(R, x^H)^H."""
    return _mH(xp, _run(xp, SOLVE, r, _mH(xp, x)))


def _qr_grad_square_or_tall(xp, q, r, gq, gr):
    # m >= n: gA = Q (gR + tril(skew(Q^H gQ) + skew(R gR^H)) R^-H) + (gQ - Q Q^H gQ) R^-H;
    # complex: R's real diagonal leaves Q's phases to the diagonal of the skew part, halved
    n = r.shape[-1]
    qdq = xp.matmul(_mH(xp, q), gq)
    rdr = xp.matmul(r, _mH(xp, gr))
    mask = _tril_mask(r, n)
    if qdq.dtype.kind == "c":
        mask = mask - 0.5 * _eye(r, n)
    low = (qdq - _mH(xp, qdq) + rdr - _mH(xp, rdr)) * mask
    ga = xp.matmul(q, gr + _times_inv_rt(xp, low, r))
    return ga + _times_inv_rt(xp, gq - xp.matmul(q, qdq), r)


def _qr_b(xp, g, ins, out, aux, needs):
    mode, m, n = aux
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
            "linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    q, r = qr_unpack(out, m, n, mode)
    gq, gr = qr_unpack(g, m, n, mode)
    if m >= n:
        return (_qr_grad_square_or_tall(xp, q, r, gq, gr),)
    # m < n: A = [X | Y], R = [U | V] with X = Q U square; Y = Q V
    u, v = r[..., :, :m], r[..., :, m:]
    gu, gv = gr[..., :, :m], gr[..., :, m:]
    y = xp.matmul(q, v)
    gx = _qr_grad_square_or_tall(xp, q, u, gq + xp.matmul(y, _mH(xp, gv)), gu)
    return (xp.concatenate([gx, xp.matmul(q, gv)], axis=-1),)


QR = Op("LinalgQr", _qr_f, _qr_b, saves=SAVES_OUTPUT)


# --------------------------------------------------------------------------------------- pinv
def _pinv_f(xp, a, atol, rtol, hermitian):
    if hermitian:
        w, v = xp.linalg.eigh(a)
        aw = xp.abs(w)
        tol = xp.maximum(atol, rtol * xp.max(aw, axis=-1, keepdims=True))
        winv = xp.where(aw > tol, 1.0 / xp.where(aw > tol, w, 1.0), 0.0).astype(a.dtype)
        return xp.matmul(v * winv[..., None, :], _mH(xp, v))
    a, bad = _inf_matrices(xp, a)  # (an inf: NaN for its matrix, as PyTorch's SVD gives)
    u, s, vh = _finite_svd(xp, a, full_matrices=False)
    if s.shape[-1] == 0:
        return xp.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), dtype=a.dtype)
    tol = xp.maximum(atol, rtol * s[..., :1])
    sinv = xp.where(s > tol, 1.0 / xp.where(s > tol, s, 1.0), 0.0).astype(a.dtype)
    return _nan_where(xp, xp.matmul(_mH(xp, vh) * sinv[..., None, :], _mH(xp, u)), bad, 2)


def _pinv_b(xp, g, ins, out, aux, needs):
    # PyTorch's pinv_backward (a matrix of constant rank):
    # gA = -P^H g P^H + (I - A P) g^H P P^H + P^H P g^H (I - P A)
    a, p = ins[0], out
    pt, gt = _mH(xp, p), _mH(xp, g)
    k = xp.matmul(gt, xp.matmul(p, pt))  # g^H P P^H
    ga = -xp.matmul(pt, xp.matmul(g, pt)) + k - xp.matmul(a, xp.matmul(p, k))
    h = xp.matmul(pt, p)  # P^H P
    return (ga + xp.matmul(h, gt) - xp.matmul(xp.matmul(h, gt), xp.matmul(p, a)),)


PINV = Op("LinalgPinv", _pinv_f, _pinv_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


# ----------------------------------------------------------------------------------------- LU
def lu_unpack_packed(x, m):
    """``(LU, pivots-as-floats)`` from LU_FACTOR's packed ``(*, m + 1, n)`` output."""
    return x[..., :m, :], x[..., m, :]


def _lu_factor_f(xp, a):
    m, n = a.shape[-2], a.shape[-1]
    lu, piv, _ = lu_numpy(to_host(a))
    packed = _np.zeros(lu.shape[:-2] + (m + 1, n), dtype=lu.dtype)
    packed[..., :m, :] = lu
    packed[..., m, :min(m, n)] = piv
    return _const(a, packed)


def _lu_factor_b(xp, g, ins, out, aux, needs):
    # PyTorch's lu_factor_ex_backward / linalg_lu_backward (square, wide and tall cases), with
    # A = P L U: its triangles taken by selection, its products and triangular solves in its
    # order, and P applied as a 0/1 matrix product, so inf/NaN spread as there
    a = ins[0]
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    lu, piv = lu_unpack_packed(out, m)
    glu, _ = lu_unpack_packed(g, m)
    P = _const(a, permutation_numpy(to_host(getattr(piv, "_data", piv))[..., :k], m))
    low = _const(a, _np.tri(m, k, -1)) != 0
    up = _const(a, _np.triu(_np.ones((k, n)))) != 0
    L = xp.where(low, lu[..., :, :k], 0.0) + _const(a, _np.eye(m, k))
    U = xp.where(up, lu[..., :k, :], 0.0)
    gL = xp.where(low, glu[..., :, :k], 0.0)
    gU = xp.where(up, glu[..., :k, :], 0.0)

    def tri(t, x, upper, unit=False):
        return _run(xp, TRI_SOLVE, t, x, params=(upper, unit))

    def right_solve_uT(x, u):  # x u^-T, as solve_triangular(u^T, x, upper=False, left=False)
        return _mT(xp, tri(u, _mT(xp, x), True))

    def sel(x, rows, cols, kk):
        return xp.where(_const(a, _np.tri(rows, cols, kk)) != 0, x, 0.0)

    def selu(x, rows, cols):
        return xp.where(_const(a, _np.triu(_np.ones((rows, cols)))) != 0, x, 0.0)

    if m == n:
        inner = sel(xp.matmul(_mT(xp, L), gL), n, n, -1) + selu(xp.matmul(gU, _mT(xp, U)), n, n)
        ga = tri(_mT(xp, L), right_solve_uT(inner, U), True, True)
    elif m < n:
        inner = xp.matmul(_mT(xp, L), gL) - xp.matmul(gU, _mT(xp, U))
        inner = right_solve_uT(sel(inner, m, m, -1), U[..., :, :m])
        ga = xp.concatenate([inner + selu(gU[..., :, :m], m, m), gU[..., :, m:]], axis=-1)
        ga = tri(_mT(xp, L), ga, True, True)
    else:
        inner = xp.matmul(gU, _mT(xp, U)) - xp.matmul(_mT(xp, L), gL)
        inner = tri(_mT(xp, L[..., :n, :]), selu(inner, n, n), True, True)
        ga = xp.concatenate([inner + sel(gL[..., :n, :], n, n, -1), gL[..., n:, :]], axis=-2)
        ga = right_solve_uT(ga, U)
    return (xp.matmul(P, ga),)


LU_FACTOR = Op("LinalgLuFactor", _lu_factor_f, _lu_factor_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


def _torch_layout_f(xp, a, matrix):
    """A copy of ``a`` in its own buffer as PyTorch lays out a factorization's result: each
    ``matrix`` column-major, the batch row-major over them; (batches of) vectors or numbers
    contiguous."""
    if not matrix or a.ndim < 2:
        return a.copy()
    return xp.swapaxes(xp.swapaxes(a, -1, -2).copy(order="C"), -1, -2)


def _torch_layout_b(xp, g, ins, out, aux, needs):
    return (g,)


# one result of a packed factorization (qr's Q, svd's S, ...) in PyTorch's layout, out of the
# packed buffer (its own storage, as PyTorch's separate results)
TORCH_LAYOUT = Op("Clone", _torch_layout_f, _torch_layout_b, saves=0)
