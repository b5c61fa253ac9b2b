"""Special functions: the error-function family (erfc, erfinv, and ``special.erfcx``), the gamma
family (lgamma, digamma, polygamma, mvlgamma), the modified Bessel functions (i0, and
``special.i0e/i1/i1e``), the normal distribution (``special.ndtr/ndtri/log_ndtr``), logit,
``special.xlog1py`` and ``special.entr``.

Ops that PyTorch has only in ``torch.special`` are declared with ``function=False,
method=False`` and a ``"special:"`` alias; the others have every face PyTorch gives them. The
primitives (NumPy implementations and derivatives) are in ``gradkit/ops/special.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import to_host
from .._int_range import check_int64
from .._tensor.record import apply1
from .._tensor.tensor import Tensor, _int_value, wrap
from ..ops import special as SP
from ._args import _check_fill_value, _const_like, _float_operand, _int_arg, _is_half, _t
from ._float_pairs import _binary_float_op, _float_pair
from ._registry import declare
from .comparison import isnan
from .elementwise import clamp, log, log1p, where

__all__ = ["digamma", "entr", "erfc", "erfcx", "erfinv", "i0", "i0e", "i1", "i1e", "lgamma",
           "log_ndtr", "logit", "mvlgamma", "ndtr", "ndtri", "polygamma", "xlog1py",
           "igamma", "igammac"]


def _unary(op, input):
    return apply1(op, _float_operand(_t(input)))


@declare(inplace=True, out=True, aliases=("special:erfc",))
def erfc(input):
    """The complementary error function ``1 - erf(x)``, without its cancellation."""
    return _unary(SP.ERFC, input)


@declare(function=False, method=False, aliases=("special:erfcx",))
def erfcx(input):
    """The scaled complementary error function ``exp(x^2) erfc(x)``."""
    return _unary(SP.ERFCX, input)


@declare(inplace=True, out=True, aliases=("special:erfinv",))
def erfinv(input):
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside)."""
    return _unary(SP.ERFINV, input)


@declare(inplace=True, out=True, aliases=("special:gammaln",))
def lgamma(input):
    """``log |gamma(x)|`` (inf at 0, -1, -2, ...)."""
    return _unary(SP.LGAMMA, input)


@declare(inplace=True, out=True, aliases=("special:digamma", "special:psi"))
def digamma(input):
    """The logarithmic derivative of gamma (-inf at 0, +inf at -0, nan at negative integers,
    as PyTorch)."""
    return _unary(SP.DIGAMMA, input)


def _int_scalar_tensor(t):
    return isinstance(t, Tensor) and t.ndim == 0 and t._data.dtype.kind in "iub"


def _polygamma_args(n, input):
    if isinstance(n, Tensor) and (not isinstance(input, Tensor) or (
            _int_scalar_tensor(input) and not _int_scalar_tensor(n))):
        n, input = input, n  # the method: x.polygamma(n), n an int or a 0-d integer tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    n = _int_arg(n, "polygamma", "n")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n})")
    return int(n), input


@declare(inplace=True, out=True, aliases=("special:polygamma",))
def polygamma(n, input):
    """The ``n``-th derivative of digamma (``polygamma(0, x)`` is digamma). The method is
    ``x.polygamma(n)``."""
    n, input = _polygamma_args(n, input)
    return apply1(SP.POLYGAMMA, _float_operand(_t(input)), (n,))


@declare(inplace=True, out=True, aliases=("special:multigammaln",))
def mvlgamma(input, p):
    """The multivariate log-gamma of dimension ``p``:
    ``p(p-1)/4 log(pi) + sum_j lgamma(x - j/2)``. Like PyTorch (since 2.x) no domain check:
    an element at or below ``(p - 1) / 2`` gives lgamma's value there (inf at the poles)."""
    x = _t(input)  # (a list input: TypeError before p is looked at, as PyTorch)
    check_int64(p, "mvlgamma", "p")
    p = p if p.__class__ is int or _int_value(p) is None else _int_value(p)
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    if x.dtype.kind == "b":
        raise RuntimeError("mvlgamma: the input tensor may not be a boolean tensor; "
                           "convert it first, e.g. x.float()")
    x = _float_operand(x)
    out = lgamma(x)
    for j in range(1, p):
        out = out + lgamma(x - j / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


@declare(inplace=True, out=True, aliases=("special:i0",))
def i0(input):
    """The modified Bessel function of the first kind, order 0."""
    return _unary(SP.I0, input)


@declare(function=False, method=False, aliases=("special:i0e",))
def i0e(input):
    """``i0(x) * exp(-|x|)``, without overflow."""
    return _unary(SP.I0E, input)


@declare(function=False, method=False, aliases=("special:i1",))
def i1(input):
    """The modified Bessel function of the first kind, order 1."""
    return _unary(SP.I1, input)


@declare(function=False, method=False, aliases=("special:i1e",))
def i1e(input):
    """``i1(x) * exp(-|x|)``, without overflow."""
    return _unary(SP.I1E, input)


@declare(function=False, method=False, aliases=("special:ndtr",), grad_name="MulBackward1")
def ndtr(input):
    """The standard normal CDF ``(1 + erf(x / sqrt 2)) / 2``, computed so, as PyTorch's: its
    left tail loses digits to the cancellation and is 0 below about -5.9 in float32 and -8.3
    in float64 (``special.log_ndtr`` keeps the tail)."""
    from .elementwise import erf

    x = _float_operand(_t(input))
    return (1 + erf(x * 0.7071067811865476)) * 0.5


@declare(function=False, method=False, aliases=("special:ndtri",))
def ndtri(input):
    """The inverse of the standard normal CDF (quantile function) on [0, 1]."""
    return _unary(SP.NDTRI, input)


@declare(function=False, method=False, aliases=("special:log_ndtr",))
def log_ndtr(input):
    """log of the standard normal CDF, accurate far in both tails."""
    return _unary(SP.LOG_NDTR, input)


@declare(inplace=True, out=True, aliases=("special:logit",))
def logit(input, eps=None):
    """``log(p / (1 - p))``; with ``eps``, p clamped to ``[eps, 1 - eps]`` first (gradient 0
    outside, as PyTorch)."""
    x = _float_operand(_t(input))
    if eps is not None:
        _check_fill_value(eps, x._data.dtype, "logit", scalar=False)  # (cast to x.dtype)
        if eps.__class__ is int:  # (a ``float`` parameter: an int past int64 is a float)
            eps = float(eps)
    if eps is not None and 0 <= eps <= 0.5:
        # PyTorch's rule: gradient 0 outside [eps, 1 - eps], NaN at a NaN input
        x = where(isnan(x), x, clamp(x, eps, 1.0 - eps))
    elif eps is not None and eps > 0.5:  # PyTorch's kernel, ``x < lo ? lo : x > hi ? hi : x``,
        # with lo = eps above hi = 1 - eps: below eps to eps, the rest to 1 - eps (gradient 0)
        lo = wrap(_const_like(x, np.asarray(eps, dtype=x._data.dtype)))
        hi = wrap(_const_like(x, np.asarray(1.0 - eps, dtype=x._data.dtype)))
        x = where(isnan(x), x, where(x < lo, lo, hi))
    elif eps is None or eps < 0:  # no clamp: NaN outside [0, 1], its gradient too (PyTorch)
        bad = to_host(((x < 0) | (x > 1))._data)
        if bad.any():
            x = x + wrap(_const_like(x, np.where(bad, np.nan, 0.0).astype(x.dtype)))
    if _is_half(x):  # PyTorch's float16/bfloat16 kernel: log(x / (1 - x)), each step in half
        return log(x / (1.0 - x))
    return log(x) - log1p(-x)


@declare(function=False, method=False, out=True, aliases=("special:xlog1py",))
def xlog1py(input, other):
    """``input * log1p(other)``, and 0 where ``input == 0`` (unless ``other`` is nan)."""
    a, b = _float_pair(input, other, "xlog1py", scalars=True)
    if not isinstance(a, Tensor):
        a = b * 0 + a
    if not isinstance(b, Tensor):
        b = a * 0 + b
    # as xlogy: where input is 0 and log1p(other) is -inf, nan or +inf, 0 stands in for it
    safe = (a == 0) & ((b <= -1) | (b == np.inf))
    return a * log1p(where(safe, 0.0, b))


@declare(function=False, method=False, aliases=("special:entr",))
def entr(input):
    """The elementwise entropy ``-x log x``: 0 at 0, -inf below 0, NaN at NaN; PyTorch's
    gradient ``-(1 + log x)`` everywhere (NaN below 0, inf at 0)."""
    x = _float_operand(_t(input))
    return apply1(SP.ENTR, x)


@declare(inplace=True, out=True, aliases=("special:gammainc",))
def igamma(input, other):
    """The regularised lower incomplete gamma function ``P(input, other)``: the integral of
    ``t^(a-1) e^-t / gamma(a)`` from 0 to ``x`` (differentiable in ``other`` only, as
    PyTorch)."""
    return _binary_float_op(SP.IGAMMA, input, other, "igamma", kernel="igamma_cpu")


@declare(inplace=True, out=True, aliases=("special:gammaincc",))
def igammac(input, other):
    """The regularised upper incomplete gamma function ``Q(input, other) = 1 - P``, computed
    without the cancellation (differentiable in ``other`` only, as PyTorch)."""
    return _binary_float_op(SP.IGAMMAC, input, other, "igammac", kernel="igammac_cpu")
