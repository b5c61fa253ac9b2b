"""One or more samples for every op in ``gradkit.functions.REGISTRY``: the arguments of a call,
built from a seeded NumPy RNG in a domain where the op is smooth (positive for log/sqrt, away
from the kinks of abs/clamp/floor, distinct values for max/sort, integer arrays for indices).

A sample's arguments are NumPy arrays (they become tensors; float arrays require grad when the op
is differentiable), lists of arrays (``cat``'s tensors) and plain Python values. ``test_registry``
runs every sample in gradkit and in PyTorch and checks values, gradients and every face.
"""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(20240607)


# ------------------------------------------------------------------ argument builders
def N(*shape, scale=1.0):
    """Standard normal float64."""
    return _rng.standard_normal(shape) * scale


def U(low, high, *shape):
    """Uniform float64 in [low, high)."""
    return _rng.uniform(low, high, size=shape)


def P(*shape):
    """Positive float64, away from 0."""
    return U(0.5, 2.0, *shape)


def away(arr, points=(0.0,), gap=0.1):
    """``arr`` with every value closer than ``gap`` to one of ``points`` pushed ``2 * gap`` away
    (keeps samples off the kinks and jumps, where finite differences are meaningless)."""
    arr = np.array(arr, dtype=np.float64)
    for p in points:
        near = np.abs(arr - p) < gap
        arr[near] += np.where(arr[near] >= p, 2 * gap, -2 * gap)
    return arr


def off_integers(*shape, scale=3.0):
    """Float64 values at least 0.1 from any integer and any half-integer."""
    a = N(*shape, scale=scale)
    frac = a - np.floor(a)
    frac = np.clip(frac, 0.1, 0.9)
    frac = np.where(np.abs(frac - 0.5) < 0.1, 0.3, frac)
    return np.floor(a) + frac


def distinct(*shape):
    """Float64 values pairwise at least ~0.05 apart (no ties for max/sort/median)."""
    n = int(np.prod(shape))
    return (_rng.permutation(n) * 0.37 - n * 0.15).reshape(shape) + U(0, 0.05, *shape)


def Idx(high, *shape):
    """int64 in [0, high)."""
    return _rng.integers(0, high, size=shape, dtype=np.int64)


def B(*shape):
    """bool."""
    return _rng.random(shape) < 0.5


def rows_of_distinct_indices(n_rows, k, high):
    """int64 (n_rows, k): in each row, k distinct indices in [0, high) (no duplicate writes)."""
    return np.stack([_rng.permutation(high)[:k] for _ in range(n_rows)]).astype(np.int64)


def with_specials(*shape):
    a = N(*shape)
    flat = a.reshape(-1)
    flat[:4] = [np.nan, np.inf, -np.inf, 0.0]
    return a


def small_ints_as_float(*shape):
    return _rng.integers(-2, 3, size=shape).astype(np.float64)


# ------------------------------------------------------------------ "pre": shared input maps
def _eye(lib, n):
    return lib.eye(n, dtype=lib.float64)


def spd(lib, a, *rest):
    """A symmetric positive-definite matrix from any square ``a``: a a^T + n I."""
    n = a.shape[-1]
    return (a @ a.transpose(-2, -1) + n * _eye(lib, n), *rest)


def lower(lib, a, *rest):
    """A lower-triangular matrix with a positive diagonal from any square ``a``."""
    n = a.shape[-1]
    return (lib.tril(a) * 0.3 + 2 * _eye(lib, n), *rest)


def svd_gauge(lib, out):
    """Singular vectors are unique up to sign: make each column of U sum positive (and flip the
    matching column of V), so gradkit and PyTorch compare the same factors."""
    u, s, v = out
    sign = lib.sign(u.sum(-2, keepdim=True))
    return u * sign, s, v * sign


def solve_lower(lib, b, a, *rest):
    """``cholesky_solve(B, L)``: the factor L from ``a``."""
    return (b, lower(lib, a)[0], *rest)


# ------------------------------------------------------------------ the table
class Sample:
    """One call of op ``name``.

    Args:
        args, kwargs: the call (arrays become tensors).
        grad: check gradients with this sample (the op's ``differentiable`` must be set too).
        second: check second order; a string gives the reason it does not apply.
        nograd: positions of float arrays that stay constants (no grad).
        post: ``post(lib, result) -> result`` applied to the result in both (``svd_gauge``).
        pre: ``pre(lib, *args) -> args`` applied to the tensors in gradkit and torch alike
            (``spd``: a symmetric positive-definite matrix, ``lower``: a Cholesky factor).
        torch: ``torch(torch_module) -> callable`` when the twin is not ``torch.<name>``.
        method: also compare ``Tensor.<name>`` with ``torch.Tensor.<name>``.
        xfail: ``{check: reason}`` for checks where gradkit differs from PyTorch (bugs).
        atol: absolute tolerance of the forward and gradient comparisons.
    """

    def __init__(self, name, *args, grad=True, second=True, nograd=(), pre=None, post=None,
                 torch=None, method=True, xfail=None, atol=1e-10, **kwargs):
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.grad = grad
        self.second = second
        self.nograd = tuple(nograd)
        self.pre = pre
        self.post = post
        self.torch = torch
        self.method = method
        self.xfail = dict(xfail or {})
        self.atol = atol
        self.id = name


S = Sample
_x34 = N(3, 4)

SAMPLES = [
    # ---------------------------------------------------------------- comparison
    S("eq", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("eq", small_ints_as_float(3, 4), small_ints_as_float(4)),
    S("ne", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("lt", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("le", small_ints_as_float(3, 4), small_ints_as_float(1, 4)),
    S("gt", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("ge", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("equal", _x34, _x34.copy()),
    S("equal", _x34, _x34 + 1e-3),
    S("logical_and", B(3, 4), B(3, 4)),
    S("logical_and", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("logical_or", B(3, 4), B(4)),
    S("logical_not", B(3, 4)),
    S("logical_not", small_ints_as_float(3, 4)),
    S("isnan", with_specials(3, 4)),
    S("isinf", with_specials(3, 4)),
    S("isfinite", with_specials(3, 4)),
    S("isclose", _x34, _x34 + np.where(B(3, 4), 1e-9, 1e-3)),
    S("isclose", with_specials(2, 3), with_specials(2, 3), equal_nan=True),
    S("allclose", _x34, _x34 + 1e-9),
    S("allclose", _x34, _x34 + 1e-3, atol=1e-2),
    # ---------------------------------------------------------------- elementwise
    S("exp", N(3, 4)),
    S("log", P(3, 4)),
    S("log1p", U(-0.5, 2.0, 3, 4)),
    S("expm1", N(3, 4)),
    S("log2", P(3, 4)),
    S("log10", P(3, 4)),
    S("sqrt", P(3, 4)),
    S("rsqrt", P(3, 4)),
    S("sin", N(3, 4)),
    S("cos", N(3, 4)),
    S("tan", U(-1.2, 1.2, 3, 4)),
    S("tanh", N(3, 4)),
    S("sigmoid", N(3, 4)),
    S("relu", away(N(3, 4))),
    S("erf", N(3, 4)),
    S("square", N(3, 4)),
    S("reciprocal", away(N(3, 4), gap=0.3)),
    S("abs", away(N(3, 4))),
    S("neg", N(3, 4)),
    S("add", N(3, 4), N(4), alpha=2),
    S("add", N(2, 1, 4), N(3, 1)),
    S("sub", N(3, 4), N(3, 1), alpha=0.5),
    S("mul", N(3, 4), N(4)),
    S("div", N(3, 4), away(N(4), gap=0.3)),
    S("div", off_integers(3, 4), away(N(3, 4), gap=0.3), rounding_mode="floor", grad=False),
    S("div", off_integers(3, 4), away(N(3, 4), gap=0.3), rounding_mode="trunc", grad=False),
    S("pow", P(3, 4), N(3, 4)),
    S("pow", N(3, 4), 3.0),
    S("clamp", away(N(3, 4), (-0.5, 0.5)), min=-0.5, max=0.5),
    S("clamp", away(N(3, 4), (0.2,)), min=0.2),
    S("maximum", _x34, _x34 + away(N(3, 4))),
    S("minimum", _x34, _x34 + away(N(3, 4))),
    S("where", B(3, 4), N(3, 4), N(4)),
    S("floor", off_integers(3, 4)),
    S("ceil", off_integers(3, 4)),
    S("trunc", off_integers(3, 4)),
    S("sign", away(N(3, 4))),
    S("round", off_integers(3, 4)),
    S("round", off_integers(3, 4) / 10, decimals=1),
    S("lerp", N(3, 4), N(3, 4), U(0, 1, 3, 4)),
    S("lerp", N(3, 4), N(4), 0.3),
    S("addcmul", N(3, 4), N(3, 4), N(4), value=0.5),
    S("atan2", away(N(3, 4)), away(N(3, 4))),
    S("hypot", away(N(3, 4)), away(N(3, 4))),
    S("fmod", N(3, 4) * 3, away(N(3, 4), gap=0.5)),
    S("fmod", N(3, 4) * 3, -1.5),
    S("remainder", N(3, 4) * 3, away(N(4), gap=0.5)),
    S("remainder", N(3, 4) * 3, 2.5),
    S("logaddexp", N(3, 4), N(3, 4)),
    S("logaddexp2", N(3, 4), N(3, 4)),
    S("xlogy", N(3, 4), P(3, 4)),
    S("sinc", away(N(3, 4))),
    S("nan_to_num", N(3, 4)),
    S("nan_to_num", with_specials(3, 4), nan=0.5, posinf=9.0, neginf=-9.0, grad=False),
    S("addcdiv", N(3, 4), N(3, 4), away(N(4), gap=0.3), value=0.5),
    # ---------------------------------------------------------------- shape
    S("reshape", N(2, 3, 4), (4, 6)),
    S("reshape", N(2, 3, 4), (-1, 2)),
    S("view", N(2, 3, 4), 4, 6),
    S("permute", N(2, 3, 4), (2, 0, 1)),
    S("transpose", N(2, 3, 4), 0, 2),
    S("t", N(3, 4)),
    S("flatten", N(2, 3, 4), 1),
    S("unflatten", N(2, 6), 1, (2, 3)),
    S("squeeze", N(2, 1, 3, 1)),
    S("squeeze", N(2, 1, 3), 1),
    S("unsqueeze", N(2, 3), 1),
    S("broadcast_to", N(3, 1), (2, 3, 4)),
    S("expand", N(3, 1), 2, 3, 4),
    S("expand_as", N(3, 1), N(2, 3, 4), nograd=(1,)),
    S("repeat", N(2, 3), 2, 1, 2),
    S("cat", [N(2, 3), N(2, 1)], dim=1),
    S("stack", [N(2, 3), N(2, 3)], 1),
    S("split", N(5, 3), 2),
    S("split", N(2, 5), [1, 4], dim=1),
    S("chunk", N(2, 7), 3, 1),
    S("unbind", N(2, 3), 1),
    S("narrow", N(3, 5), 1, 1, 3),
    S("flip", N(2, 3, 4), (0, 2)),
    S("diag", N(4)),
    S("diag", N(3, 4), 1),
    S("tril", N(4, 4), -1),
    S("triu", N(2, 3, 4), 1),
    S("roll", N(3, 4), 2, 1),
    S("roll", N(3, 4), (1, -2), (0, 1)),
    S("roll", N(3, 4), 3),
    S("repeat_interleave", N(2, 3), 2, dim=1),
    S("repeat_interleave", N(3, 2), np.array([1, 0, 2]), dim=0),
    S("tile", N(2, 3), (2, 1, 2)),
    S("movedim", N(2, 3, 4), 0, 2),
    S("diagonal", N(3, 4, 2), 1, 0, 1),
    S("meshgrid", N(3), N(2), indexing="ij"),
    S("meshgrid", N(3), N(2), indexing="xy"),
    S("rot90", N(3, 4), 1, (0, 1)),
    S("rot90", N(2, 3, 4), -1, (1, 2)),
    # ---------------------------------------------------------------- indexing
    S("gather", N(3, 4), 1, Idx(4, 3, 5)),
    S("scatter_add", N(3, 4), 1, Idx(4, 3, 5), N(3, 5)),
    S("index_select", N(3, 4), 0, Idx(3, 5)),
    S("masked_fill", N(3, 4), B(3, 4), 0.5),
    S("masked_fill", N(3, 4), B(4), -2.0),
    S("nonzero", N(3, 4) * B(3, 4)),
    S("argwhere", N(3, 4) * B(3, 4)),
    S("scatter", N(3, 5), 1, rows_of_distinct_indices(3, 3, 5), N(3, 3)),
    S("scatter", N(3, 5), 1, rows_of_distinct_indices(3, 2, 5), value=1.5),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), N(5, 4), "sum"),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), distinct(5, 4), "amax", include_self=False),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), N(5, 4), "mean"),
    S("scatter_reduce", P(3, 4), 0, Idx(3, 5, 4), P(5, 4), "prod"),
    S("take_along_dim", N(3, 4), Idx(4, 3, 2), dim=1),
    S("take_along_dim", N(3, 4), Idx(12, 5)),
    S("index_add", N(4, 3), 0, Idx(4, 6), N(6, 3), alpha=2),
    # ---------------------------------------------------------------- memory
    S("numel", N(3, 4)),
    S("clone", N(3, 4)),
    S("detach", N(3, 4)),
    # ---------------------------------------------------------------- reduction
    S("all", B(3, 4)),
    S("all", B(3, 4) | B(3, 4), 1),
    S("any", B(3, 4), 0, keepdim=True),
    S("any", N(3, 4) * B(3, 4)),
    S("count_nonzero", N(3, 4) * B(3, 4)),
    S("count_nonzero", N(3, 4) * B(3, 4), 1),
    S("sum", N(2, 3, 4)),
    S("sum", N(2, 3, 4), 1, keepdim=True),
    S("sum", N(2, 3, 4), (0, 2)),
    S("mean", N(2, 3, 4), -1),
    S("mean", N(2, 3, 4)),
    S("prod", P(2, 3, 4) * np.where(B(2, 3, 4), 1, -1), 1),
    S("prod", U(0.5, 1.5, 3, 4)),
    S("amax", distinct(3, 4), 1),
    S("amax", distinct(2, 3, 4), (0, 2), keepdim=True),
    S("amin", distinct(3, 4), 0),
    S("max", distinct(3, 4)),
    S("max", distinct(3, 4), 1),
    S("max", distinct(3, 4), 0, keepdim=True),
    S("min", distinct(3, 4)),
    S("min", distinct(3, 4), 1),
    S("argmax", distinct(3, 4), 1),
    S("argmax", distinct(3, 4)),
    S("argmin", distinct(3, 4), 0, keepdim=True),
    S("var", N(3, 4)),
    S("var", N(3, 4), 1, keepdim=True),
    S("var", N(3, 4), 0, correction=0),
    S("std", N(3, 4), 1),
    S("std", N(3, 4), correction=2),
    S("var_mean", N(3, 4), 1),
    S("std_mean", N(3, 4), 0, keepdim=True),
    S("norm", N(3, 4)),
    S("norm", away(N(3, 4)), 1, dim=1),
    S("norm", N(3, 4), 3, dim=0, keepdim=True),
    S("logsumexp", N(3, 4), 1),
    S("logsumexp", N(2, 3, 4), (0, 2), keepdim=True),
    S("cumsum", N(3, 4), 1),
    S("softmax", N(3, 4), 1),
    S("log_softmax", N(3, 4), 0),
    S("trace", N(3, 4)),
    S("cumprod", N(3, 4), 1),
    S("diff", N(3, 5)),
    S("diff", N(3, 5), 2, 0, N(1, 5), N(2, 5)),
    S("nansum", np.where(B(3, 4), np.nan, N(3, 4)), 1),
    S("nanmean", np.where(B(3, 4) & B(3, 4), np.nan, N(3, 4)), 1),
    S("cummax", distinct(3, 4), 1),
    S("cummin", distinct(3, 4), 0),
    S("logcumsumexp", N(3, 4), 1),
    # ---------------------------------------------------------------- products
    S("matmul", N(2, 1, 3, 4), N(3, 4, 2)),
    S("matmul", N(4), N(2, 4, 3)),
    S("mm", N(3, 4), N(4, 2)),
    S("bmm", N(2, 3, 4), N(2, 4, 2)),
    S("outer", N(3), N(4)),
    S("dot", N(4), N(4)),
    S("einsum", "bij,bjk->bik", N(2, 3, 4), N(2, 4, 2)),
    S("einsum", "ii->i", N(3, 3)),
    S("tensordot", N(2, 3, 4), N(3, 4, 5)),
    S("tensordot", N(2, 3, 4), N(4, 3, 5), ([1, 2], [1, 0])),
    S("cdist", N(3, 4), N(5, 4)),
    S("cdist", N(2, 3, 4), N(2, 5, 4), p=1.0),
    S("kron", N(2, 3), N(3, 2)),
    # ---------------------------------------------------------------- sorting
    S("sort", distinct(3, 5), 1),
    S("sort", distinct(3, 5), 0, descending=True),
    S("argsort", distinct(3, 5), 1),
    S("argsort", distinct(3, 5), 0, descending=True),
    S("topk", distinct(3, 5), 2),
    S("topk", distinct(3, 5), 2, 0, largest=False),
    S("median", distinct(3, 5)),
    S("median", distinct(3, 5), 1),
    S("median", distinct(4, 3), 0, keepdim=True),
    S("kthvalue", distinct(3, 5), 2, 1),
    S("kthvalue", distinct(4, 3), 3, 0, keepdim=True),
    S("quantile", distinct(3, 5), 0.3, dim=1),
    S("quantile", distinct(3, 5), 0.75),
    S("quantile", distinct(3, 5), 0.4, dim=0, keepdim=True, interpolation="nearest"),
    S("unique", small_ints_as_float(3, 5)),
    S("unique", small_ints_as_float(3, 5), return_inverse=True, return_counts=True),
    S("unique", small_ints_as_float(6, 2), dim=0, return_counts=True),
    S("bincount", Idx(6, 10)),
    S("bincount", Idx(6, 10), N(10), minlength=8),
    S("searchsorted", np.sort(N(6)), N(3, 4)),
    S("searchsorted", np.sort(N(3, 6), axis=1), N(3, 4), right=True),
    S("bucketize", N(3, 4), np.sort(N(6))),
    S("bucketize", N(3, 4), np.sort(N(6)), right=True, out_int32=True),
    # ---------------------------------------------------------------- linear algebra
    S("det", N(3, 3)),
    S("det", N(2, 3, 3)),
    S("inverse", N(3, 3) + 3 * np.eye(3)),
    S("slogdet", N(3, 3)),
    S("matrix_power", N(3, 3) * 0.5, 3),
    S("matrix_power", N(3, 3) + 3 * np.eye(3), -2),
    S("matrix_exp", N(3, 3) * 0.5),
    S("logdet", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), upper=True, pre=spd),
    S("cross", N(4, 3), N(4, 3), dim=1),
    S("pinverse", N(3, 4)),
    S("svd", N(4, 3), post=svd_gauge),
    S("svd", N(3, 5), post=svd_gauge),
    S("qr", N(4, 3)),
    S("cholesky_solve", N(3, 2), N(3, 3), pre=solve_lower),
    S("cholesky_inverse", N(3, 3), pre=lower),
]

# ops without a PyTorch twin, each with its reason
EXEMPT = {
    "zeros_like_grad": "gradkit's own helper (zeros for a missing gradient); PyTorch has no "
                       "public function of that name to compare with",
}

# number the samples of one op: "add", "add-1", ...
_seen: dict = {}
for _s in SAMPLES:
    k = _seen.get(_s.name, 0)
    _s.id = _s.name if k == 0 else f"{_s.name}-{k}"
    _seen[_s.name] = k + 1
del _s, _seen
