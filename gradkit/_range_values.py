"""The values of ``arange``/``range``/``linspace``/``logspace`` computed with PyTorch's CPU
arithmetic, so that the same call gives the same bits.

PyTorch computes each element in its kernel's own precision, and its compiler fuses
``a + b * i`` into one fused multiply-add (rounded once); NumPy's ``linspace``/``arange`` round
differently (1 ulp off in most elements). What each kernel does, and how it is reproduced here:

- ``linspace``: a step in the output's type (``double`` for integers), element ``i`` is
  ``start + step * i`` before the midpoint and ``end - step * (steps - 1 - i)`` after it;
- ``logspace``: the same exponents in ``double`` (not fused) from the bounds cast to the output
  type, then ``pow(base, exponent)`` cast to it;
- ``arange``: ``start + step * i`` in the accumulation type (``double`` for float32/64);
  float32/float64/16-bit outputs are written in AVX2 vectors of 8/4/16 (the base of each vector
  rounded to the output type, then ``base + step * j``; float32 arithmetic for 16-bit outputs),
  the tail past the last pair of vectors one by one.
  Outputs over 32768 elements are split across threads in PyTorch, each part starting its own
  vectors; gradkit computes them as one part (equal to PyTorch's with one thread);
- ``range``: ``start + step * i`` in the accumulation type, one by one (not fused).

A fused multiply-add of float64 values is exact-then-rounded-once here through error-free
transformations (Dekker's product and Knuth's sum); float32 values are computed in float64,
where the product of a float32 step and an index is exact.
"""

from __future__ import annotations

import math

import numpy as np

from ._fma import fma32
from ._fma import fma64 as fma

_VECTOR = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}  # AVX2 lanes


def _round_half(x, dt):
    """A value as the 16-bit float type ``dt`` (float16, or bfloat16 from ml_dtypes/gradkit)."""
    return np.asarray(x, np.float32).astype(dt).astype(np.float32)


def linspace(start: float, end: float, steps: int, dt) -> np.ndarray:
    dt = np.dtype(dt)
    if dt.kind == "c":
        # PyTorch's complex step and values are the real and imaginary parts' own, each as a
        # real linspace of the part's type
        s, e = np.array(start).astype(dt), np.array(end).astype(dt)
        part = np.float32 if dt == np.complex64 else np.float64
        out = np.empty(steps, dt)
        out.real = linspace(float(s.real), float(e.real), steps, part)
        out.imag = linspace(float(s.imag), float(e.imag), steps, part)
        return out
    if steps == 0:
        return np.empty(0, dt)
    if steps == 1:
        return np.full(1, start).astype(dt)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    before, after = i[:half], (steps - 1) - i[half:]
    if dt.kind in "iub":
        # the bounds cast to the integer type first, the step in double
        s, e = float(np.array(start).astype(dt)), float(np.array(end).astype(dt))
        step = (e - s) / (steps - 1)
        vals = np.concatenate([fma(step, before, s), fma(-step, after, e)])
        return np.trunc(vals).astype(dt)
    if dt.itemsize == 2:  # float16/bfloat16: every operation rounded to the 16-bit type
        s, e = _round_half(start, dt), _round_half(end, dt)
        step = _round_half(_round_half(e - s, dt) / _round_half(steps - 1, dt), dt)
        lo = _round_half(s + _round_half(step * _round_half(before, dt), dt), dt)
        hi = _round_half(e - _round_half(step * _round_half(after, dt), dt), dt)
        return np.concatenate([lo, hi]).astype(dt)
    if dt == np.float32:
        s, e = np.float32(start), np.float32(end)
        step = np.float32(e - s) / np.float32(steps - 1)
        lo = np.float64(s) + np.float64(step) * before
        hi = np.float64(e) - np.float64(step) * after
        return np.concatenate([lo, hi]).astype(dt)
    s, e = float(start), float(end)
    step = (e - s) / (steps - 1)
    return np.concatenate([fma(step, before, s), fma(-step, after, e)]).astype(dt)


def logspace(start: float, end: float, steps: int, base: float, dt) -> np.ndarray:
    dt = np.dtype(dt)
    if dt.kind == "c":  # base to the powers of the complex linspace, in double precision
        with np.errstate(all="ignore"):
            return np.power(np.complex128(base), linspace(start, end, steps, dt)).astype(dt)
    if steps == 0:
        return np.empty(0, dt)
    if steps == 1:
        with np.errstate(over="ignore"):
            return _cast(np.array([_pow(base, float(start))]), dt)
    s = np.array(start).astype(dt) if dt.kind != "f" or dt.itemsize > 2 \
        else np.float32(_round_half(start, dt))
    e = np.array(end).astype(dt) if dt.kind != "f" or dt.itemsize > 2 \
        else np.float32(_round_half(end, dt))
    diff = np.subtract(e, s, dtype=s.dtype)  # in the output type (16-bit: rounded to it)
    step = float(_round_half(diff, dt) if dt.kind == "f" and dt.itemsize == 2 else diff) / \
        (steps - 1)
    half = steps // 2
    i = np.arange(steps, dtype=np.float64)
    # (PyTorch's logspace loop is not fused: a rounded product, then the sum)
    exps = np.concatenate([float(s) + step * i[:half], float(e) - step * ((steps - 1) - i[half:])])
    # libm's pow element by element: NumPy's vectorised power may differ from it in the last bit
    with np.errstate(over="ignore"):
        return _cast(np.array([_pow(base, x) for x in exps.tolist()]), dt)


def _pow(base, x) -> float:
    """libm's pow (NumPy's vectorised power may differ from it in the last bit); inf where it
    overflows, as C's pow (Python's raises OverflowError)."""
    if base < 0 and not float(x).is_integer() or base == 0 and x < 0:
        return float(np.power(base, x))
    try:
        return math.pow(base, x)
    except OverflowError:
        return float(np.power(np.float64(base), np.float64(x)))


def _cast(vals, dt):
    if dt.kind in "iub":
        with np.errstate(invalid="ignore"):
            return np.trunc(vals).astype(dt)
    return vals.astype(dt)


def arange(start: float, step: float, n: int, dt) -> np.ndarray:
    """``n`` values of ``arange(start, ..., step)`` in the output dtype ``dt``."""
    dt = np.dtype(dt)
    if dt.kind in "iub":
        return (int(start) + int(step) * np.arange(n, dtype=np.int64)).astype(dt)
    i = np.arange(n, dtype=np.float64)
    if dt.itemsize == 2:  # float16/bfloat16: accumulated in float32, vectors of 16
        madd, start, step, lanes = fma32, np.float32(start), np.float32(step), 16
    else:
        madd, start, step, lanes = fma, float(start), float(step), _VECTOR[dt]
    out = np.empty(n, dt)
    body = n - n % (2 * lanes)
    if body:
        # each vector: its base start + step * i0 rounded to dt, then base + step * j
        bases = madd(step, i[:body:lanes], start).astype(dt).astype(np.float64)
        lane = np.arange(lanes, dtype=np.float64)
        out[:body] = madd(step, np.tile(lane, len(bases)), np.repeat(bases, lanes)).astype(dt)
    out[body:] = madd(step, i[body:], start).astype(dt)
    return out


def range_values(start: float, step: float, n: int, dt) -> np.ndarray:
    """``torch.range``'s ``n`` values: ``start + step * i`` one by one in the accumulation type."""
    dt = np.dtype(dt)
    if dt.kind in "iub":
        return (int(start) + int(step) * np.arange(n, dtype=np.int64)).astype(dt)
    i = np.arange(n, dtype=np.float64)
    if dt.itemsize == 2:
        s32, st32 = np.float32(start), np.float32(step)
        return (np.float64(s32) + np.float64(st32) * i).astype(np.float32).astype(dt)
    return (float(start) + i * float(step)).astype(dt)  # not fused in PyTorch's loop


def check_0d_bounds(name, start, end):
    """PyTorch's RuntimeError for a ``start``/``end`` tensor of linspace/logspace with dims (its
    message names every bound given as a tensor)."""
    dims = [(label, v.ndim) for label, v in (("start", start), ("end", end))
            if hasattr(v, "ndim") and not isinstance(v, (np.ndarray, np.generic))]
    if any(nd for _, nd in dims):
        got = " and ".join(f"{label} with {nd} dimension(s)" for label, nd in dims)
        first = next(label for label, nd in dims if nd)
        raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got "
                           f"{got}; pass numbers or 0-d tensors, e.g. {first}.reshape(())")
