"""Special-function primitives: erf/erfc/erfcx/erfinv, lgamma/digamma/polygamma, the modified
Bessel functions i0/i0e/i1/i1e, ndtri and log_ndtr.

NumPy has none of these (``np.i0`` only, float64), and the core takes no SciPy, so each has its
NumPy implementation here, computed in float64 (a float32 input is cast back):

- erf/erfc/erfcx: W. J. Cody's rational Chebyshev approximations (Math. Comp. 1969); for
  ``|x| > 0.46875`` Cody's rational function *is* ``erfcx``, so erfc never cancels;
- erfinv/ndtri: a first guess (M. Giles, "Approximating the erfinv function", 2010) refined by
  Newton steps on erf, or on erfc near +-1 (so ``ndtri(1e-300)`` keeps its precision);
- lgamma: the Taylor series of ``lgamma(2 + z)`` (coefficients ``(zeta(k) - 1) / k``) for
  ``z`` in [-0.5, 0.5], reached by the recurrence with the shift taken exactly (accurate near the
  zeros at 1 and 2), Stirling's series from 10 on, the reflection formula below 0;
- digamma, trigamma and ``polygamma(n >= 2)`` through the Hurwitz zeta function: the
  algorithms PyTorch uses (Cephes' ``psi`` and ``zeta``, PyTorch's ``trigamma``), so the values
  agree with PyTorch to round-off (PyTorch's trigamma truncates its asymptotic series at
  ``x >= 6.5``: about 1e-8 relative; matching it is the point of the oracle);
- i0/i1 and the scaled i0e/i1e: the power series (positive terms, no cancellation) up to
  ``|x| = 30``, the asymptotic expansion of ``I_nu(x) e^-x`` beyond.

Backward rules call the primitives through ``_call`` so they also run under ``create_graph``
(every derivative here is another function of this file).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np

from .._backend import to_host
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op

__all__ = [
    "DIGAMMA", "ENTR", "ERFC", "ERFCX", "ERFINV", "I0", "I0E", "I1", "I1E", "IGAMMA", "IGAMMAC",
    "LGAMMA", "LOG_NDTR", "igamma_array",
    "NDTRI", "POLYGAMMA", "digamma_array", "erf_array", "erfc_array", "erfcx_array",
    "erfinv_array", "i0_array", "i0e_array", "i1_array", "i1e_array", "lgamma_array",
    "log_ndtr_array", "ndtri_array", "polygamma_array", "zeta_array",
]

_SQRPI = 5.6418958354775628695e-1  # 1 / sqrt(pi)
_TWO_OVER_SQRTPI = 1.1283791670955126
_SQRT_PI_OVER_2 = 0.88622692545275801365
_SQRT2 = 1.4142135623730951
_SQRT_2PI = 2.5066282746310002
_LOG_2PI_HALF = 0.91893853320467274178  # log(2 pi) / 2
_LOG_PI = 1.1447298858494002


def _f64(x):
    x = np.asarray(x)
    return x.astype(np.float64) if x.dtype != np.float64 else x


def _host(xp, fn, a, *args):
    """``fn`` (a NumPy implementation) on ``a``, on the device of ``a``."""
    if type(a) is np.ndarray:
        return fn(*args, a) if args else fn(a)
    r = fn(*args, to_host(a)) if args else fn(to_host(a))
    return xp.asarray(r)


def _call(xp, op, x, *params):
    """``op`` on ``x``: the forward on arrays, a recorded op under create_graph."""
    if getattr(xp, "name", "") == "tensor":
        return xp.apply(op, (x,), params)
    return op.forward(xp, x, *params)


# ------------------------------------------------------------------ erf, erfc, erfcx (Cody)
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_CUT = 0.46875


def _erf_small(x):
    """erf(x) for ``|x| <= 0.46875``."""
    z = x * x
    num = _ERF_A[4] * z
    den = z
    for i in range(3):
        num = (num + _ERF_A[i]) * z
        den = (den + _ERF_B[i]) * z
    return x * (num + _ERF_A[3]) / (den + _ERF_B[3])


def _erfcx_big(y):
    """erfcx(y) = exp(y^2) erfc(y) for ``y > 0.46875`` (Cody's rational functions)."""
    out = np.empty_like(y)
    mid = y <= 4.0
    if mid.any():
        v = y[mid]
        num = _ERF_C[8] * v
        den = v
        for i in range(7):
            num = (num + _ERF_C[i]) * v
            den = (den + _ERF_D[i]) * v
        out[mid] = (num + _ERF_C[7]) / (den + _ERF_D[7])
    big = ~mid
    if big.any():
        v = y[big]
        z = 1.0 / (v * v)
        num = _ERF_P[5] * z
        den = z
        for i in range(4):
            num = (num + _ERF_P[i]) * z
            den = (den + _ERF_Q[i]) * z
        r = z * (num + _ERF_P[4]) / (den + _ERF_Q[4])
        out[big] = (_SQRPI - r) / v
    return out


def _exp_neg_sq(y):
    """exp(-y*y) with y*y split so that its rounding does not reach the result (Cody)."""
    with np.errstate(over="ignore", under="ignore"):
        ysq = np.trunc(y * 16.0) / 16.0
        d = np.where(np.isinf(y), 0.0, (y - ysq) * (y + ysq))
        return np.exp(-ysq * ysq) * np.exp(-d)


def _exp_sq(y):
    """exp(y*y), split as ``_exp_neg_sq``."""
    with np.errstate(over="ignore"):
        ysq = np.trunc(y * 16.0) / 16.0
        d = np.where(np.isinf(y), 0.0, (y - ysq) * (y + ysq))
        return np.exp(ysq * ysq) * np.exp(d)


def _by_range(x, small_fn, big_fn):
    """Evaluate ``small_fn`` on ``|x| <= 0.46875`` and ``big_fn(x, |x|)`` elsewhere."""
    x64 = _f64(x)
    out = np.empty_like(x64)
    ax = np.abs(x64)
    small = ax <= _ERF_CUT
    if small.any():
        out[small] = small_fn(x64[small])
    big = ~small & ~np.isnan(x64)
    if big.any():
        out[big] = big_fn(x64[big], ax[big])
    out[np.isnan(x64)] = np.nan
    return out.astype(x.dtype) if x.dtype.kind == "f" and x.dtype != np.float64 else out


_SCIPY: dict = {}


def _scipy_special(name):
    """SciPy's compiled ``scipy.special.<name>`` when SciPy is installed (an optional
    accelerator, used for erf, the exact GELU's hot spot: it computes the same float64 function
    as the NumPy code above to within 3 ulp, identical once rounded to float32, about 20x
    faster), else None. ``GRADKIT_SCIPY=0`` keeps the NumPy code. Looked up once."""
    if name not in _SCIPY:
        fn = None
        if os.environ.get("GRADKIT_SCIPY", "1") != "0":
            try:
                from scipy import special as _special  # noqa: PLC0415 (optional, lazy)

                fn = getattr(_special, name)
            except ImportError:
                fn = None
        _SCIPY[name] = fn
    return _SCIPY[name]


def _by_scipy(fn, x):
    """``fn`` (float64 in, float64 out) on ``x`` as ``_by_range`` computes: in float64, cast
    back to a narrower float dtype."""
    out = fn(_f64(x))
    return out.astype(x.dtype) if x.dtype.kind == "f" and x.dtype != np.float64 else out


def erf_array(xp, x):
    """erf(x) to float64 round-off."""
    fast = _scipy_special("erf")
    if fast is not None:
        return _by_scipy(fast, x)
    return _by_range(x, _erf_small,
                     lambda v, y: np.sign(v) * (1.0 - _exp_neg_sq(y) * _erfcx_big(y)))


def erfc_array(x):
    """erfc(x) = 1 - erf(x), without the cancellation for large x."""
    def big(v, y):
        e = _exp_neg_sq(y) * _erfcx_big(y)
        return np.where(v > 0, e, 2.0 - e)
    return _by_range(x, lambda v: 1.0 - _erf_small(v), big)


def erfcx_array(x):
    """erfcx(x) = exp(x^2) erfc(x) (inf below about -26.6, as PyTorch)."""
    def big(v, y):
        r = _erfcx_big(y)
        return np.where(v > 0, r, 2.0 * _exp_sq(y) - r)
    return _by_range(x, lambda v: np.exp(v * v) * (1.0 - _erf_small(v)), big)


# ------------------------------------------------------------------ erfinv, ndtri
def _giles(y, w):
    """Giles' first guess of erfinv(y), with ``w = -log((1 - y)(1 + y))``."""
    lo = w < 5.0
    t = np.where(lo, w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0)
    p_lo = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
    p_hi = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
            -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
    a = np.full_like(t, p_lo[0])
    b = np.full_like(t, p_hi[0])
    for c_lo, c_hi in zip(p_lo[1:], p_hi[1:]):
        a = a * t + c_lo
        b = b * t + c_hi
    return np.where(lo, a, b) * y


def _erfcinv_pos(c):
    """x >= 0 with erfc(x) = c, for c in (0, 1]: Newton on ``log erfc(x) - log c``, with
    ``log erfc(x) = log erfcx(x) - x^2`` (no underflow, nearly linear in the tail: quadratic
    convergence from Giles' guess down to the smallest normal c)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logc = np.log(c)
        # Giles' guess; deep in the tail (where it was not fitted) the asymptote of
        # erfc(x) ~ exp(-x^2) / (x sqrt(pi))
        t = np.maximum(-logc, 1.0)
        tail = np.sqrt(np.maximum(t - 0.5 * np.log(t) - 0.5723649429247001, 0.0))
        x = np.where(c < 1e-12, tail, np.maximum(_giles(1.0 - c, -np.log(c * (2.0 - c))), 0.0))
        for _ in range(6):
            e = erfcx_array(x)
            step = (np.log(e) - x * x - logc) * _SQRT_PI_OVER_2 * e
            x = np.where(np.isfinite(step), x + step, x)
    return x


def _erfinv_mid(y):
    """erfinv(y) for |y| < 0.5: Newton on erf."""
    x = _giles(y, -np.log1p(-y * y))
    for _ in range(3):
        x = x - (erf_array(np, x) - y) * _SQRT_PI_OVER_2 * _exp_sq(x)
    return x


def erfinv_array(x):
    """erfinv(y) on [-1, 1] (+-inf at +-1, nan outside)."""
    y = _f64(x)
    out = np.full_like(y, np.nan)
    ay = np.abs(y)
    mid = ay < 0.5
    if mid.any():
        out[mid] = _erfinv_mid(y[mid])
    tail = (ay >= 0.5) & (ay < 1.0)
    if tail.any():
        out[tail] = np.sign(y[tail]) * _erfcinv_pos(1.0 - ay[tail])  # 1 - |y| is exact here
    one = ay == 1.0
    out[one] = np.sign(y[one]) * np.inf
    return out.astype(x.dtype) if x.dtype != np.float64 else out


def ndtri_array(x):
    """The inverse of the standard normal CDF: ``-sqrt(2) erfcinv(2p)``, computed from ``2p``
    for p < 0.5 (exact; ``sqrt(2) erfinv(2p - 1)`` would lose the digits of a small p)."""
    p = _f64(x)
    out = np.full_like(p, np.nan)
    low = (p > 0) & (p < 0.5)
    if low.any():
        out[low] = -_SQRT2 * _erfcinv_pos(2.0 * p[low])
    high = (p >= 0.5) & (p < 1.0)
    if high.any():
        q = 2.0 * (1.0 - p[high])  # exact for p in [0.5, 1)
        out[high] = _SQRT2 * _erfcinv_pos(q)
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    return out.astype(x.dtype) if x.dtype != np.float64 else out


def log_ndtr_array(x):
    """log of the standard normal CDF: ``log(erfcx(-x/sqrt2)/2) - x^2/2`` below -1 (no
    underflow), ``log1p(-erfc(x/sqrt2)/2)`` above (PyTorch's formulas)."""
    v = _f64(x)
    t = v / _SQRT2
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        low = np.log(erfcx_array(-t) * 0.5) - t * t
        high = np.log1p(-erfc_array(t) * 0.5)
    out = np.where(v < -1.0, low, high)
    return out.astype(x.dtype) if x.dtype != np.float64 else out


# ------------------------------------------------------------------ zeta, gamma family
# Bernoulli numbers B_2 .. B_24, exactly
_BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
              Fraction(-236364091, 2730)]
# Cephes' zeta: A[i] = (2i + 2)! / B_(2i+2)
_ZETA_A = [float(math.factorial(2 * i + 2) / b) for i, b in enumerate(_BERNOULLI)]
_MACHEP = 1.11022302462515654042e-16


def zeta_array(s, q):
    """The Hurwitz zeta function ``sum_k (k + q)^-s`` (Cephes' ``zeta``, as PyTorch's)."""
    s, q = np.broadcast_arrays(_f64(s), _f64(q))
    shape = s.shape
    s, q = s.ravel(), q.ravel()
    res = np.full(s.shape, np.nan)
    done = np.zeros(s.shape, dtype=bool)
    res[s == 1] = np.inf
    done |= (s == 1) | (s < 1) | np.isnan(q)  # (a NaN s still meets the poles of q, as Cephes)
    qneg = (q <= 0) & ~done
    pole = qneg & (q == np.floor(q))
    res[pole] = np.inf
    done |= pole | (qneg & (s != np.floor(s)))
    with np.errstate(all="ignore"):
        act = ~done
        acc = np.where(act, np.power(q, -s), 0.0)
        a = q.copy()
        b = np.zeros_like(q)
        i = 0
        while act.any():
            i += 1
            a = np.where(act, a + 1.0, a)
            b = np.where(act, np.power(a, -s), b)
            acc = np.where(act, acc + b, acc)
            conv = act & (-_MACHEP * acc < b) & (b < _MACHEP * acc)
            res[conv] = acc[conv]
            done |= conv
            act = ~done & ((i < 9) | (a <= 9.0))
        act = ~done
        w = a
        acc = np.where(act, acc + b * w / (s - 1.0) - 0.5 * b, acc)
        fa = np.ones_like(q)
        k = 0.0
        for coef in _ZETA_A:
            if not act.any():
                break
            fa = fa * (s + k)
            b = b / w
            t = fa * b / coef
            acc = np.where(act, acc + t, acc)
            conv = act & (np.abs(t / acc) < _MACHEP)
            res[conv] = acc[conv]
            done |= conv
            act = act & ~conv
            k += 1.0
            fa = fa * (s + k)
            b = b / w
            k += 1.0
        res[act] = acc[act]
    return res.reshape(shape)


# Cephes psi's asymptotic coefficients (as PyTorch's calc_digamma)
_PSI_A = (8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
          -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
          8.33333333333333333333e-2)
_PSI_10 = 2.25175258906672110764


def _digamma_pos(x):
    res = np.zeros_like(x)
    x = x.copy()
    low = x < 10
    while low.any():
        res = np.where(low, res - 1.0 / x, res)
        x = np.where(low, x + 1.0, x)
        low = x < 10
    z = 1.0 / (x * x)
    poly = np.full_like(x, _PSI_A[0])
    for c in _PSI_A[1:]:
        poly = poly * z + c
    y = np.where(x < 1.0e17, z * poly, 0.0)
    out = res + np.log(x) - 0.5 / x - y
    return np.where(x == 10, res + _PSI_10, out)


def _digamma_pos_f32(x):
    """PyTorch's ``calc_digamma(float)`` for x > 0, step by step in float32: the recurrence up
    to 10, then the asymptotic series (its ``logf`` taken as the correctly rounded log)."""
    f32 = np.float32
    res = np.zeros_like(x)
    x = x.copy()
    low = x < 10
    while low.any():
        res = np.where(low, res - f32(1) / x, res)
        x = np.where(low, x + f32(1), x)
        low = x < 10
    z = f32(1) / (x * x)
    poly = np.full_like(x, f32(_PSI_A[0]))
    for c in _PSI_A[1:]:
        poly = poly * z + f32(c)
    y = np.where(x < f32(1.0e17), z * poly, f32(0))
    out = res + np.log(x.astype(np.float64)).astype(np.float32) - f32(0.5) / x - y
    return np.where(x == 10, res + f32(_PSI_10), out)


def digamma_array(x):
    """digamma (psi): PyTorch's ``calc_digamma`` (+-inf at +-0, nan at negative integers); a
    float32 (or narrower) input by its float32 algorithm, as PyTorch's kernel (``digamma(1)``
    is -0.5772159 there, not the correctly rounded -0.5772157)."""
    x = np.asarray(x)
    f32 = x.dtype != np.float64
    v = x.astype(np.float32) if f32 else x
    out = np.empty_like(v)
    pos_fn = _digamma_pos_f32 if f32 else _digamma_pos
    with np.errstate(all="ignore"):
        neg = v < 0
        pos = ~neg
        out[pos] = pos_fn(v[pos])
        if neg.any():
            n = v[neg]
            r = n.astype(np.float64) - np.trunc(n.astype(np.float64))  # modf: the fraction
            # (tan(pi r) beats tan(pi x)); pi / tan(pi r) in double, rounded as PyTorch's
            out[neg] = pos_fn(1 - n) - (np.pi / np.tan(np.pi * r)).astype(v.dtype)
            out[neg & (v == np.trunc(v))] = np.nan
        zero = v == 0
        out[zero] = np.copysign(np.inf, -v[zero])
        out[np.isposinf(v)] = np.inf
    return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out


def _trigamma(x, dtype=np.float64):
    """PyTorch's ``calc_trigamma``; its reflection term ``pi^2 / sin(pi x)^2`` in float32 for
    an input of 32 bits or fewer, as PyTorch's kernel computes it: at a pole (a negative
    integer) that term is the whole finite result (1.7e16 at x = -3 in float32, 7.3e31 in
    float64)."""
    x = x.copy()
    sign = np.ones_like(x)
    res = np.zeros_like(x)
    refl = x < 0.5
    with np.errstate(all="ignore"):
        if np.dtype(dtype).itemsize <= 4:
            pi32 = np.float32(np.pi)
            s = np.sin(pi32 * x.astype(np.float32))
            term = ((pi32 * pi32) / (s * s)).astype(np.float64)
        else:
            s = np.sin(np.pi * x)
            term = (np.pi * np.pi) / (s * s)
        res = np.where(refl, res - term, res)
        sign = np.where(refl, -1.0, sign)
        x = np.where(refl, 1.0 - x, x)
        for _ in range(6):
            res = res + 1.0 / (x * x)
            x = x + 1.0
        ixx = 1.0 / (x * x)
        res = res + (1.0 + 1.0 / (2.0 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42))))\
            / x
    return sign * res


def polygamma_array(n, x):
    """The n-th derivative of digamma (PyTorch's: digamma, its trigamma, then
    ``(-1)^(n+1) n! zeta(n + 1, x)``)."""
    v = _f64(x)
    if n == 0:
        out = digamma_array(x)
    elif n == 1:
        out = _trigamma(v, x.dtype)
    else:
        sign = 1.0 if n % 2 else -1.0
        if n >= 171:  # n! beyond float64: +-inf wherever x is a number, as PyTorch's kernel
            out = np.where(np.isnan(v), np.nan, sign * np.inf)
        else:
            with np.errstate(all="ignore"):
                out = sign * math.exp(math.lgamma(n + 1.0)) * zeta_array(n + 1.0, v)
    return out.astype(x.dtype) if x.dtype != np.float64 else out


def _zeta_minus_one():
    """zeta(k) - 1 = zeta(k, 2) for k = 2 .. 41 (Taylor coefficients of lgamma about 2)."""
    return [float(zeta_array(np.float64(k), np.float64(2.0))) for k in range(2, 42)]


_EULER = 0.57721566490153286061
_LG_COEF = None  # filled on first use: (zeta(k) - 1) / k * (-1)^k, highest order first


def _lgamma_series(z):
    """lgamma(2 + z) for |z| <= 0.5: (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) / k z^k."""
    global _LG_COEF
    if _LG_COEF is None:
        zm1 = _zeta_minus_one()
        _LG_COEF = [(-1.0) ** k * zm1[k - 2] / k for k in range(41, 1, -1)]
    acc = np.zeros_like(z)
    for c in _LG_COEF:
        acc = (acc + c) * z
    return (acc + (1.0 - _EULER)) * z


_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_BERNOULLI[:10], start=1)]


def _lgamma_pos(x):
    out = np.empty_like(x)
    big = x >= 10.0
    if big.any():
        v = x[big]
        r = 1.0 / v
        r2 = r * r
        acc = np.zeros_like(v)
        for c in reversed(_STIRLING):
            acc = acc * r2 + c
        out[big] = v * (np.log(v) - 1.0) - 0.5 * np.log(v) + _LOG_2PI_HALF + acc * r
    a = x < 0.5
    if a.any():  # lgamma(x) = lgamma(2 + x) - log(x) - log(1 + x)
        v = x[a]
        out[a] = _lgamma_series(v) - np.log(v) - np.log1p(v)
    b = (x >= 0.5) & (x < 1.5)
    if b.any():  # lgamma(x) = lgamma(2 + (x - 1)) - log(x); x - 1 is exact
        v = x[b]
        out[b] = _lgamma_series(v - 1.0) - np.log(v)
    c = (x >= 1.5) & (x < 10.0)
    if c.any():  # shift down to t in [1.5, 2.5) (exact), then lgamma(t) + log(t (t+1) ...)
        v = x[c]
        k = np.floor(v - 1.5)
        t = v - k
        prod = np.ones_like(v)
        for j in range(8):
            prod = np.where(j < k, prod * (t + j), prod)
        out[c] = _lgamma_series(t - 2.0) + np.log(prod)
    return out


def lgamma_array(x):
    """log |gamma(x)| (inf at the poles 0, -1, -2, ...)."""
    v = _f64(x)
    out = np.full_like(v, np.inf)
    with np.errstate(all="ignore"):
        pos = (v > 0) & np.isfinite(v)
        out[pos] = _lgamma_pos(v[pos])
        neg = (v < 0) & (v != np.floor(v)) & np.isfinite(v)
        if neg.any():  # reflection: log(pi / |sin(pi x)|) - lgamma(1 - x)
            n = v[neg]
            d = np.abs(n - np.round(n))  # exact: sin(pi d) keeps its digits near the poles
            out[neg] = _LOG_PI - np.log(np.sin(np.pi * d)) - _lgamma_pos(1.0 - n)
        out[np.isnan(v)] = np.nan
    return out.astype(x.dtype) if x.dtype != np.float64 else out


# ------------------------------------------------------------------ modified Bessel i0, i1
_BESSEL_CUT = 30.0


def _bessel_series(ax, nu):
    """I_nu(ax) for 0 <= ax <= 30 by its power series (positive terms)."""
    q = ax * ax * 0.25
    term = np.ones_like(ax) if nu == 0 else ax * 0.5
    acc = term.copy()
    for k in range(1, 90):
        term = term * q / (k * (k + nu))
        acc += term
        if not (term > acc * 1e-17).any():
            break
    return acc


def _bessel_scaled_asym(ax, nu):
    """I_nu(ax) e^-ax for ax > 30: the asymptotic expansion, 25 terms."""
    mu = 4.0 * nu * nu
    term = np.ones_like(ax)
    acc = term.copy()
    for k in range(1, 26):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * ax)
        acc += term
    return acc / np.sqrt(2.0 * np.pi * ax)


def _bessel(x, nu, scaled):
    v = _f64(x)
    ax = np.abs(v)
    out = np.empty_like(v)
    with np.errstate(over="ignore", invalid="ignore"):
        small = ax <= _BESSEL_CUT
        if small.any():
            s = _bessel_series(ax[small], nu)
            out[small] = s * np.exp(-ax[small]) if scaled else s
        big = ~small & ~np.isnan(v)
        if big.any():
            s = _bessel_scaled_asym(ax[big], nu)
            out[big] = s if scaled else s * np.exp(ax[big])
        inf = np.isinf(v)
        # as PyTorch (Cephes): nan at +-inf; the scaled ones 0
        out[inf] = 0.0 if scaled else np.nan
    out[np.isnan(v)] = np.nan
    if nu == 1:
        out = np.copysign(out, v)  # I1 is odd
    return out.astype(x.dtype) if x.dtype != np.float64 else out


def i0_array(x):
    return _bessel(x, 0, False)


def i0e_array(x):
    return _bessel(x, 0, True)


def i1_array(x):
    return _bessel(x, 1, False)


def i1e_array(x):
    return _bessel(x, 1, True)


# ------------------------------------------------------------------ the primitives
def _erfc_f(xp, a):
    return _host(xp, erfc_array, a)


def _erfc_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (-(g * xp.exp(-(a * a))) * _TWO_OVER_SQRTPI,)


def _erfcx_f(xp, a):
    return _host(xp, erfcx_array, a)


def _erfcx_b(xp, g, ins, out, aux, needs):
    # d/dx erfcx = 2 x erfcx(x) - 2 / sqrt(pi)
    return (g * (ins[0] * out * 2 - _TWO_OVER_SQRTPI),)


def _erfinv_f(xp, a):
    return _host(xp, erfinv_array, a)


def _erfinv_b(xp, g, ins, out, aux, needs):
    # d/dy erfinv = sqrt(pi) / 2 exp(erfinv(y)^2)
    return (g * xp.exp(out * out) * _SQRT_PI_OVER_2,)


def _ndtri_f(xp, a):
    return _host(xp, ndtri_array, a)


def _ndtri_b(xp, g, ins, out, aux, needs):
    return (g * xp.exp(out * out * 0.5) * _SQRT_2PI,)


def _log_ndtr_f(xp, a):
    return _host(xp, log_ndtr_array, a)


def _log_ndtr_b(xp, g, ins, out, aux, needs):
    # pdf / cdf = sqrt(2 / pi) / erfcx(-x / sqrt 2): no 0 / 0 far in the left tail
    return (g * (0.7978845608028654 / _call(xp, ERFCX, ins[0] * -0.7071067811865476)),)


def _entr_f(xp, a):
    pos = a > 0
    with np.errstate(all="ignore"):
        out = xp.where(pos, -a * xp.log(xp.where(pos, a, 1)), xp.where(a == 0, 0.0, -np.inf))
    return xp.where(a != a, a, out).astype(a.dtype)


def _entr_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule -(1 + log x) everywhere: NaN below 0, inf at 0
    with np.errstate(all="ignore"):
        return (g * -(xp.log(ins[0]) + 1),)


def _lgamma_f(xp, a):
    return _host(xp, lgamma_array, a)


def _lgamma_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, DIGAMMA, ins[0]),)


def _digamma_f(xp, a):
    return _host(xp, digamma_array, a)


def _digamma_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, POLYGAMMA, ins[0], 1),)


def _polygamma_f(xp, a, n):
    return _host(xp, polygamma_array, a, n)


def _polygamma_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, POLYGAMMA, ins[0], aux[0] + 1),)


def _i0_f(xp, a):
    return _host(xp, i0_array, a)


def _i0_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, I1, ins[0]),)


def _i0e_f(xp, a):
    return _host(xp, i0e_array, a)


def _i0e_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g * (_call(xp, I1E, a) - xp.sign(a) * out),)


def _i1_f(xp, a):
    return _host(xp, i1_array, a)


def _i1_b(xp, g, ins, out, aux, needs):
    # I1' = I0 - I1 / x, and 1/2 where |x| <= eps or x is NaN (PyTorch's i1_backward)
    a = ins[0]
    tiny = ~(abs(a) > np.finfo(a.dtype).eps)
    safe = xp.where(tiny, 1.0, a)
    return (g * xp.where(tiny, 0.5, _call(xp, I0, safe) - out / safe),)


def _i1e_f(xp, a):
    return _host(xp, i1e_array, a)


def _i1e_b(xp, g, ins, out, aux, needs):
    # (I1 e^-|x|)' = I0e - I1e (sign(x) + 1/x), 1/2 where |x| <= eps or x is NaN (PyTorch)
    a = ins[0]
    tiny = ~(abs(a) > np.finfo(a.dtype).eps)
    safe = xp.where(tiny, 1.0, a)
    return (g * xp.where(tiny, 0.5, _call(xp, I0E, safe) - out * (xp.sign(safe) + 1.0 / safe)),)


ERFC = Op("Erfc", _erfc_f, _erfc_b)
ERFCX = Op("SpecialErfcx", _erfcx_f, _erfcx_b, saves=SAVES_OUTPUT | SAVES_INPUTS)
ERFINV = Op("Erfinv", _erfinv_f, _erfinv_b, saves=SAVES_OUTPUT)
NDTRI = Op("SpecialNdtri", _ndtri_f, _ndtri_b, saves=SAVES_OUTPUT)
LOG_NDTR = Op("SpecialLogNdtr", _log_ndtr_f, _log_ndtr_b)
LGAMMA = Op("Lgamma", _lgamma_f, _lgamma_b)
ENTR = Op("SpecialEntr", _entr_f, _entr_b)
DIGAMMA = Op("Digamma", _digamma_f, _digamma_b)
POLYGAMMA = Op("Polygamma", _polygamma_f, _polygamma_b)
I0 = Op("I0", _i0_f, _i0_b)
I0E = Op("SpecialI0e", _i0e_f, _i0e_b, saves=SAVES_OUTPUT | SAVES_INPUTS)
I1 = Op("SpecialI1", _i1_f, _i1_b, saves=SAVES_OUTPUT | SAVES_INPUTS)
I1E = Op("SpecialI1e", _i1e_f, _i1e_b, saves=SAVES_OUTPUT | SAVES_INPUTS)


# ------------------------------------------------------------------ igamma, igammac
def _igamma_series(a, x):
    """P(a, x) by its power series (x < a + 1); converged elements leave the working set."""
    ap = a.copy()
    term = 1.0 / a
    total = term.copy()
    done = np.empty_like(total)
    act = np.arange(a.size)
    for _ in range(4000):
        ap = ap + 1.0
        term = term * x[act] / ap
        total = total + term
        fin = np.abs(term) <= np.abs(total) * 1e-17
        done[act[fin]] = total[fin]
        keep = ~fin
        act, ap, term, total = act[keep], ap[keep], term[keep], total[keep]
        if not act.size:
            break
    done[act] = total
    return done * np.exp(a * np.log(x) - x - lgamma_array(a))


def _igammac_fraction(a, x):
    """Q(a, x) by Lentz's continued fraction (x >= a + 1; Numerical Recipes 6.2)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / tiny)
    d = 1.0 / np.where(b == 0, tiny, b)
    h = d.copy()
    res = np.empty_like(h)
    act = np.arange(a.size)
    am = a.copy()
    for n in range(1, 4000):
        an = -n * (n - am)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        fin = np.abs(delta - 1.0) <= 2.3e-16
        res[act[fin]] = h[fin]
        keep = ~fin
        act, am, b, c, d, h = act[keep], am[keep], b[keep], c[keep], d[keep], h[keep]
        if not act.size:
            break
    res[act] = h
    return np.exp(a * np.log(x) - x - lgamma_array(a)) * res


def igamma_array(a, x, upper=False):
    """The regularised lower incomplete gamma P(a, x) (``upper``: Q = 1 - P, computed without
    the cancellation), in float64 and cast back, with PyTorch's values at the edges: NaN for a
    negative argument, for a = x = 0 and for a = x = inf; P(0, x > 0) = 1, P(a, 0) = 0,
    P(inf, x) = 0, P(a, inf) = 1."""
    dt = np.result_type(a, x)
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    p = np.zeros(a.shape)
    q = np.ones(a.shape)
    with np.errstate(all="ignore"):
        inner = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        ser = inner & (x < a + 1.0)
        frac = inner & ~ser
        if ser.any():
            p[ser] = _igamma_series(a[ser], x[ser])
            q[ser] = 1.0 - p[ser]
        if frac.any():
            q[frac] = _igammac_fraction(a[frac], x[frac])
            p[frac] = 1.0 - q[frac]
        one = ((a == 0) & (x > 0)) | (np.isposinf(x) & np.isfinite(a))
        p[one], q[one] = 1.0, 0.0
        zero = (x == 0) & (a > 0) | (np.isposinf(a) & np.isfinite(x))
        p[zero], q[zero] = 0.0, 1.0
        bad = (a < 0) | (x < 0) | ((a == 0) & (x == 0)) | (np.isposinf(a) & np.isposinf(x)) \
            | np.isnan(a) | np.isnan(x)
        p[bad] = q[bad] = np.nan
    r = np.clip(q if upper else p, 0.0, 1.0).reshape(shape)
    return r.astype(dt if np.dtype(dt).kind == "f" else np.float64, copy=False)


def _igamma_f(xp, a, x):
    return _host2(xp, igamma_array, a, x, False)


def _igammac_f(xp, a, x):
    return _host2(xp, igamma_array, a, x, True)


def _host2(xp, fn, a, x, *args):
    if type(a) is np.ndarray and type(x) is np.ndarray:
        return fn(a, x, *args)
    return xp.asarray(fn(to_host(a), to_host(x), *args))


def _igamma_dx(xp, a, x):
    # d/dx P(a, x) = x^(a-1) e^(-x) / gamma(a)
    return xp.exp((a - 1) * xp.log(x) - x - _call(xp, LGAMMA, a))


def _igamma_b(xp, g, ins, out, aux, needs):
    if needs[0]:
        raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
    return None, g * _igamma_dx(xp, *ins)


def _igammac_b(xp, g, ins, out, aux, needs):
    if needs[0]:
        raise NotImplementedError("the derivative for 'igammac: input' is not implemented.")
    return None, -(g * _igamma_dx(xp, *ins))


IGAMMA = Op("Igamma", _igamma_f, _igamma_b, broadcasts=True)
IGAMMAC = Op("Igammac", _igammac_f, _igammac_b, broadcasts=True)
