"""The registry samples: one or more for every op in ``gradkit.functions.REGISTRY``, in one
file per kind beside this one (``SAMPLES`` in each). A sample is the arguments of a call, built
from a seeded NumPy RNG in a domain where the op is smooth (positive for log/sqrt, away from the
kinks of abs/clamp/floor, distinct values for max/sort, integer arrays for indices).

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
X34 = N(3, 4)


def _collect():
    """Every kind module's ``SAMPLES`` (the files beside this one), in name order."""
    import importlib
    import pkgutil

    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        out += importlib.import_module(f"{__name__}.{info.name}").SAMPLES
    return out


SAMPLES = _collect()

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

