"""Fused multiply-add on NumPy arrays: ``a * b + c`` rounded once, as PyTorch's CPU kernels
compute ``add``/``sub`` with ``alpha``, ``addcmul``, ``lerp`` and the tails of its vectorised
loops (NumPy has no fused multiply-add; two roundings differ in the last bit in about one
element in five).

float32: the product is exact in float64 and the sum rounded there, then to float32 (a second
rounding that can matter only at a float32 midpoint, about once in 2^29). float64: Dekker's
exact product and Knuth's exact sum, the error terms added before the one rounding (exact but
for a correction term that itself rounds, far rarer still).
"""

from __future__ import annotations

import numpy as np

__all__ = ["fma"]

_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's splitting of a float64 into two 26-bit halves


def _split(x):
    t = x * _SPLIT
    hi = t - (t - x)
    return hi, x - hi


def fma(a, b, c, dtype):
    """``a * b + c`` rounded once to ``dtype`` (float32 or float64); the operands are arrays
    or numbers of that dtype (numbers are rounded to it first) and broadcast."""
    dt = np.dtype(dtype)
    if dt == np.float32:
        with np.errstate(all="ignore"):
            return (np.asarray(a, np.float32).astype(np.float64) * np.asarray(b, np.float32)
                    + np.asarray(c, np.float32)).astype(np.float32)
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    c = np.asarray(c, np.float64)
    with np.errstate(all="ignore"):
        p = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s = p + c
        v = s - p
        s_err = (p - (s - v)) + (c - v)
        out = s + (p_err + s_err)
        # where the product or the sum is not finite the error terms are NaN: the plain result
        return np.where(np.isfinite(out), out, p + c)
