"""The public functions the registry does not declare, as fuzz samples: ``torch.linalg``,
``torch.fft``, the window functions and the factories that take no tensor.

``fuzzer.py`` draws a registry op from the samples of ``tests/functions/samples``; these
functions live outside the registry (``gradkit.linalg``, ``gradkit.fft``, ``gradkit.factories``)
and have no sample there. Each sample here names its function with its namespace
(``"linalg.solve"``, ``"fft.rfft"``, ``"hann_window"``) and is mutated and judged like a
registry op's (function face only: these have no method or in-place face; the linalg
functions with PyTorch's ``out=`` form also get that face, ``LINALG_OUT``). ``SURFACE`` maps
each name to its declaration stand-in (``SurfaceDecl``).

Not drawn, each with its reason (``NOT_DRAWN``).
"""

from __future__ import annotations

import numpy as np
from functions.samples import S, lower, spd

import gradkit as gk

_rng = np.random.default_rng(20261206)


def N(*shape):
    return _rng.standard_normal(shape)


def _sym(*shape):
    a = N(*shape)
    return a + np.swapaxes(a, -1, -2)


def _well(*shape):
    """A square matrix far from singular."""
    n = shape[-1]
    return N(*shape) + 3 * np.eye(n)


def _unitri(lib, a, *rest):
    return (lib.tril(a, -1) * 0.3 + lib.eye(a.shape[-1], dtype=a.dtype), *rest)


def _lu_of(lib, a, b):
    """``lu_solve(LU, pivots, B)``: the factors of a well-conditioned ``a``."""
    lu, piv = lib.linalg.lu_factor(a)
    return lu, piv, b


def _qr_gauge(lib, out):
    """Q and R are unique up to the signs of R's diagonal: make it non-negative in both."""
    q, r = out
    s = lib.sign(lib.diagonal(r, 0, -2, -1)).unsqueeze(-2)
    s = lib.where(s == 0, lib.ones_like(s), s)
    return q * s, r * s.transpose(-2, -1)


def _cluster_weights(lib, values, like):
    """Distinct weights per cluster of (sorted) eigen/singular ``values``: ``1, 2, ...`` along
    the last dimension, one step wherever two neighbours differ by more than the rounding level
    ``8 * eps * n * max|value|``, as a constant tensor of ``like``'s dtype. Equal values get one
    weight, so ``V diag(weights) V^T`` is the same for every basis of their eigenspace."""
    v = values.detach().cpu().numpy().astype(np.float64)
    n = v.shape[-1]
    if n == 0:
        return lib.zeros(v.shape, dtype=like.dtype)
    eps = float(np.finfo(np.float32 if "float32" in str(like.dtype) else np.float64).eps)
    with np.errstate(invalid="ignore"):
        tol = 8 * eps * n * np.max(np.abs(v), axis=-1, keepdims=True)
        step = np.abs(np.diff(v, axis=-1)) > tol
    w = 1 + np.concatenate([np.zeros(v.shape[:-1] + (1,)), np.cumsum(step, axis=-1)], axis=-1)
    return lib.tensor(w, dtype=like.dtype)


def _svd_gauge(lib, out):
    """linalg.svd's ``(U, S, Vh)`` as quantities that do not depend on the basis LAPACK picks:
    ``S``, ``U[:, :k] diag(c) Vh[:k]`` with one weight ``c`` per cluster of equal singular
    values (each pair's sign, and any rotation within a repeated singular value, cancel), and
    ``U^T U``, ``Vh Vh^T`` (the orthonormality of every column, the complement's too; values
    only: with ``full_matrices`` the complement is any basis, and PyTorch ignores gradients
    reaching it)."""
    u, s, vh = out
    k = s.shape[-1]
    c = _cluster_weights(lib, s, s)
    core = (u[..., :k] * c.unsqueeze(-2)) @ vh[..., :k, :]
    return s, core, (u.transpose(-2, -1) @ u).detach(), (vh @ vh.transpose(-2, -1)).detach()


def _eigh_gauge(lib, out):
    """``(w, V)`` as ``w`` and ``V diag(c) V^T`` with one weight ``c`` per cluster of equal
    eigenvalues: the same for every sign and every basis of a repeated eigenvalue's space."""
    w, v = out
    c = _cluster_weights(lib, w, w)
    return w, (v * c.unsqueeze(-2)) @ v.transpose(-2, -1)


SAMPLES = [
    # ---------------------------------------------------------------- torch.linalg
    S("linalg.solve", _well(3, 3), N(3, 2)),
    S("linalg.solve", _well(2, 3, 3), N(3), left=True),
    S("linalg.solve_ex", _well(3, 3), N(3, 2), grad=False),
    S("linalg.inv", _well(3, 3)),
    S("linalg.inv_ex", _well(3, 3), grad=False),
    S("linalg.det", N(3, 3)),
    S("linalg.slogdet", _well(3, 3)),
    S("linalg.cholesky", N(3, 3), pre=spd),
    S("linalg.cholesky", N(3, 3), upper=True, pre=spd),
    S("linalg.cholesky_ex", N(3, 3), pre=spd, grad=False),
    S("linalg.cross", N(4, 3), N(4, 3)),
    S("linalg.diagonal", N(3, 4), offset=1),
    S("linalg.eigh", _sym(3, 3), post=_eigh_gauge),
    S("linalg.eigvalsh", _sym(3, 3)),
    S("linalg.eigvalsh", _sym(3, 3), UPLO="U"),
    S("linalg.householder_product", N(4, 3), N(3)),
    S("linalg.lstsq", N(4, 3), N(4, 2), grad=False),
    S("linalg.lu_factor", _well(3, 3), grad=False),
    S("linalg.lu_factor_ex", _well(3, 3), grad=False),
    S("linalg.lu", _well(3, 3)),
    S("linalg.lu_solve", _well(3, 3), N(3, 2), pre=_lu_of, nograd=(0,)),
    S("linalg.matmul", N(3, 4), N(4, 2)),
    S("linalg.matrix_exp", N(3, 3) * 0.5),
    S("linalg.matrix_norm", N(3, 4)),
    S("linalg.matrix_norm", N(2, 3, 4), ord=1),
    S("linalg.matrix_norm", N(3, 4), ord=float("inf"), keepdim=True),
    S("linalg.matrix_power", N(3, 3) * 0.5, 3),
    S("linalg.matrix_rank", N(3, 4), grad=False),
    S("linalg.multi_dot", [N(2, 3), N(3, 4), N(4, 2)]),
    S("linalg.norm", N(3, 4)),
    S("linalg.norm", N(3, 4), ord=2, dim=1),
    S("linalg.norm", N(3, 4), ord="nuc"),
    S("linalg.vector_norm", N(3, 4)),
    S("linalg.vector_norm", N(3, 4), ord=3, dim=0, keepdim=True),
    S("linalg.vector_norm", N(3, 4), ord=float("inf")),
    S("linalg.cond", _well(3, 3)),
    S("linalg.pinv", N(3, 4)),
    S("linalg.qr", N(4, 3), post=_qr_gauge),
    S("linalg.qr", N(3, 4), mode="complete", post=_qr_gauge),
    S("linalg.solve_triangular", N(3, 3), N(3, 2), pre=lambda lib, a, b: (*lower(lib, a), b),
      upper=False),
    S("linalg.solve_triangular", N(3, 3), N(2, 3), pre=_unitri, upper=False, left=False,
      unitriangular=True),
    S("linalg.svd", N(4, 3), full_matrices=False, post=_svd_gauge),
    S("linalg.svdvals", N(4, 3)),
    S("linalg.tensorinv", _well(4, 4).reshape(4, 2, 2), ind=1),
    S("linalg.tensorsolve", _well(6, 6).reshape(2, 3, 6), N(2, 3)),
    S("linalg.vander", N(4), N=3),
    S("linalg.vecdot", N(3, 4), N(3, 4)),
    S("linalg.vecdot", N(3, 4), N(4), dim=-1),
    # ---------------------------------------------------------------- torch.fft
    S("fft.fft", N(4, 6), grad=False),
    S("fft.fft", N(5), n=8, norm="ortho", grad=False),
    S("fft.ifft", N(4, 6), dim=0, grad=False),
    S("fft.rfft", N(4, 6), grad=False),
    S("fft.rfft", N(7), n=5, norm="forward", grad=False),
    S("fft.irfft", N(4, 6)),
    S("fft.irfft", N(5), n=8, norm="ortho"),
    S("fft.hfft", N(4, 6)),
    S("fft.ihfft", N(4, 6), grad=False),
    S("fft.fft2", N(3, 4, 5), grad=False),
    S("fft.ifft2", N(4, 5), s=(3, 6), grad=False),
    S("fft.rfft2", N(4, 6), grad=False),
    S("fft.irfft2", N(4, 6)),
    S("fft.hfft2", N(4, 6)),
    S("fft.ihfft2", N(4, 6), grad=False),
    S("fft.fftn", N(2, 3, 4), grad=False),
    S("fft.ifftn", N(2, 3, 4), dim=(0, 2), grad=False),
    S("fft.rfftn", N(2, 3, 4), grad=False),
    S("fft.irfftn", N(2, 3, 4)),
    S("fft.hfftn", N(2, 3, 4)),
    S("fft.ihfftn", N(2, 3, 4), grad=False),
    S("fft.fftshift", N(4, 5)),
    S("fft.fftshift", N(4, 5), dim=1),
    S("fft.ifftshift", N(4, 5)),
    S("fft.fftfreq", 6, grad=False),
    S("fft.fftfreq", 7, 0.5, grad=False),
    S("fft.rfftfreq", 6, grad=False),
    S("fft.rfftfreq", 9, d=2.0, grad=False),
    S("linalg.ldl_factor", _sym(3, 3), grad=False),
    S("linalg.ldl_factor", _sym(3, 3), hermitian=True, grad=False),
    S("linalg.ldl_factor_ex", _sym(3, 3), grad=False),
    # ---------------------------------------------------------------- Tensor methods only
    # (no function face: called as ``Tensor.name(self, ...)`` in both libraries; the in-place
    # ones without gradients, as a leaf that requires grad refuses them)
    S("Tensor.fill_diagonal_", N(3, 4), 2.0, grad=False),
    S("Tensor.fill_diagonal_", N(7, 3), -1.5, wrap=True, grad=False),
    S("Tensor.sum_to_size", N(2, 3, 4), (3, 1)),
    S("Tensor.sum_to_size", N(2, 3), 1, 3),
    S("Tensor.new_full", N(2, 3), (2, 2), 1.5, grad=False),
    S("Tensor.new_ones", N(2, 3), (3,), grad=False),
    S("Tensor.new_zeros", N(2, 3), 2, 1, grad=False),
    S("Tensor.new_tensor", N(2, 3), [1.0, 2.5], grad=False),
    S("Tensor.type_as", N(3), np.arange(3, dtype=np.int32), nograd=(1,)),
    S("Tensor.view_as", N(2, 3), N(3, 2), nograd=(1,)),
    S("Tensor.reshape_as", N(2, 3).T, N(6), nograd=(1,)),
    S("Tensor.resize_", N(2, 3), (3, 2), grad=False),
    S("Tensor.resize_as_", N(2, 3), N(6), grad=False),
    S("Tensor.copy_", N(2, 3), N(3), grad=False),
    S("Tensor.copy_", N(2, 3), np.arange(6, dtype=np.int64).reshape(2, 3), grad=False),
    S("Tensor.put_", N(3, 4), np.array([0, 5, 11], dtype=np.int64), N(3), grad=False),
    S("Tensor.put_", N(3, 4), np.array([1, 1], dtype=np.int64), N(2), accumulate=True,
      grad=False),
    S("Tensor.index_fill_", N(3, 4), 1, np.array([0, 2], dtype=np.int64), -2.0, grad=False),
    S("Tensor.masked_scatter_", N(2, 3), np.array([[True, False, True], [False, True, True]]),
      N(6), grad=False),
    # ---------------------------------------------------------------- windows and factories
    *(S(w, 8, grad=False) for w in ("hann_window", "hamming_window", "blackman_window",
                                    "bartlett_window", "kaiser_window")),
    *(S(w, 7, False, grad=False) for w in ("hann_window", "hamming_window", "blackman_window",
                                           "bartlett_window", "kaiser_window")),
    S("hamming_window", 6, True, 0.5, 0.4, grad=False),
    S("kaiser_window", 9, True, 5.0, grad=False),
    S("arange", 0, 5, 0.5, grad=False),
    S("arange", 7, grad=False),
    S("linspace", -1.0, 2.0, 7, grad=False),
    S("logspace", 0.0, 2.0, 5, grad=False),
    S("logspace", 0.0, 3.0, 4, 2.0, grad=False),
    S("eye", 3, 4, grad=False),
    S("full", (2, 3), 1.5, grad=False),
    S("zeros", 2, 3, grad=False),
    S("ones", (3,), grad=False),
    S("zeros_like", N(2, 3), grad=False),
    S("ones_like", N(2, 3), grad=False),
    S("full_like", N(2, 3), 2.5, grad=False),
    S("scalar_tensor", 3.5, grad=False),
    S("unravel_index", np.array([1, 5, 11], dtype=np.int64), (3, 4), grad=False),
    S("is_nonzero", np.array([2.0]), grad=False),
    S("is_floating_point", N(3), grad=False),
    S("result_type", N(3), 2, grad=False),
]

# public functions gradkit implements that the fuzzer does not draw, with the reason
NOT_DRAWN = {
    "linalg.eig": "eigenvectors of a general matrix are complex and unique only up to a complex "
                  "phase per column (no gauge both libraries share); tests/test_linalg* compare "
                  "them through A V = V diag(w)",
    "linalg.eigvals": "complex eigenvalues in LAPACK's order, which differs between LAPACK builds "
                      "for equal moduli; compared sorted in tests",
    "random factories (rand, randn, randint, randperm, normal, bernoulli, multinomial, poisson, "
    "binomial, *_like, pca_lowrank, svd_lowrank)": "random values: only shapes and dtypes could be "
                                                   "compared; tests/random checks their streams",
    "empty, empty_like, empty_strided, empty_permuted": "uninitialised memory in PyTorch",
    "settings and utilities (set_default_dtype, manual_seed, get_num_threads, ...)":
        "no tensor result: global state",
}


# the torch.linalg functions with an out= form (gradkit/_linalg/out.py) -> the dtypes of their
# out tensors: "x" the case's out dtype (the input's, or a random one), "complex" its complex
# type, or a fixed dtype (pivots, infos, ranks); one entry per tensor of a tuple result
LINALG_OUT = {
    "cholesky_ex": ("x", "int32"), "eig": ("complex", "complex"), "eigh": ("x", "x"),
    "eigvals": ("complex",), "inv_ex": ("x", "int32"), "lstsq": ("x", "x", "int64", "x"),
    "lu": ("x", "x", "x"), "lu_factor": ("x", "int32"), "lu_factor_ex": ("x", "int32", "int32"),
    "qr": ("x", "x"), "slogdet": ("x", "x"), "solve_ex": ("x", "int32"), "svd": ("x", "x", "x"),
}


def linalg_out_dtypes(name):
    """The out dtypes of ``name`` (``"linalg.inv"``), or None where it has no out= form."""
    from gradkit._linalg.out import OUT_RULES

    short = name.split(".", 1)[1] if name.startswith("linalg.") else None
    if short is None or short not in OUT_RULES["same"] + OUT_RULES["cast"]:
        return None
    return LINALG_OUT.get(short, ("x",))


class SurfaceDecl:
    """A stand-in for a registry ``Declaration``: one function face (and ``out=`` for the
    linalg functions that have it), no method or in-place face."""

    __slots__ = ("aliases", "differentiable", "function", "impl", "inplace", "kind", "method",
                 "name", "out", "out_dtypes")

    def __init__(self, name, differentiable):
        self.name = name
        self.impl = resolve(gk, name)
        self.kind = "surface"
        self.function = True
        self.method = False
        self.inplace = None
        self.out_dtypes = linalg_out_dtypes(name)
        self.out = self.out_dtypes is not None
        self.aliases = ()
        self.differentiable = differentiable


def resolve(lib, name):
    """``lib.linalg.solve`` for ``"linalg.solve"``."""
    obj = lib
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


SURFACE = {}
for _s in SAMPLES:
    if _s.name not in SURFACE:
        SURFACE[_s.name] = SurfaceDecl(_s.name, any(s.grad for s in SAMPLES if s.name == _s.name))
del _s
