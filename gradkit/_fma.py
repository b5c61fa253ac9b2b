"""Fused multiply-add on NumPy arrays: ``a * b + c`` rounded once, as PyTorch's compiled CPU
kernels compute every multiply-add their compiler contracts (``add``/``sub`` with ``alpha``,
``addcmul``, ``lerp``, ``uniform_``, ``arange``, interpolation taps, SLEEF's polynomials...).
NumPy has no fused multiply-add: its two roundings differ in the last bit in about one element
in five. The one implementation; every module that needs one imports it from here.

- :func:`fma32`: float32 operands. Their product is exact in float64, so one float64 addition
  and one rounding to float32 (a second rounding that can matter only at a float32 midpoint
  float64 cannot tell apart, about once in 2**29 inputs).
- :func:`fma64`: float64 operands, through error-free transformations (Dekker's exact product,
  Knuth's exact sum), the error terms added before the one rounding (exact but for a
  correction term that itself rounds, far rarer still). Where the product or the sum is not
  finite, the plain ``a * b + c``.
- :func:`fma`: either, by dtype, for operands that may be numbers of another type.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fma", "fma32", "fma64"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_ndarray = np.ndarray
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitting of a float64 into two 26-bit halves


def fma32(a, b, c):
    """float32 ``a * b + c`` rounded once (float32 arrays or numbers, broadcast together)."""
    r = np.multiply(a, b, dtype=_F64)
    if type(c) is _ndarray and type(r) is _ndarray and c.shape != r.shape:
        return (r + c).astype(_F32)  # (an addend that broadcasts past the product)
    r += c
    return r.astype(_F32)


def _halves(x):
    t = x * _SPLIT
    hi = t - (t - x)
    return hi, x - hi


def fma64(a, b, c):
    """float64 ``a * b + c`` rounded once (arrays or numbers, broadcast together)."""
    a = np.asarray(a, _F64)
    b = np.asarray(b, _F64)
    c = np.asarray(c, _F64)
    with np.errstate(all="ignore"):
        p = a * b
        ah, al = _halves(a)
        bh, bl = _halves(b)
        p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + p_err == a * b exactly
        s = p + c
        v = s - p
        s_err = (p - (s - v)) + (c - v)  # s + s_err == p + c exactly
        out = s + (p_err + s_err)
        return np.where(np.isfinite(out), out, s)


def fma(a, b, c, dtype):
    """``a * b + c`` rounded once to ``dtype`` (float32 or float64); the operands are arrays
    or numbers, rounded to that dtype first, and broadcast."""
    if np.dtype(dtype) == _F32:
        with np.errstate(all="ignore"):
            return fma32(np.asarray(a, _F32), np.asarray(b, _F32), np.asarray(c, _F32))
    return fma64(a, b, c)
