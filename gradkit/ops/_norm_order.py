"""Vector norms of float32/float64 arrays summed in the order of PyTorch's CPU kernel, so that
``linalg.vector_norm``, ``norm``, ``F.normalize`` and ``clip_grad_norm_`` give PyTorch's last
bits (NumPy's pairwise sum rounds otherwise).

PyTorch's CPU norm kernel (the AVX2 build, which its dispatcher also runs on AVX-512
machines) sums as follows, for each result:

- ``p = 2`` over the innermost, unit-stride elements ("reduce last dim"): 8 float32 (4
  float64) lanes, each adding ``x * x`` of every 8th element in turn, the lanes then added one
  after the other, then the remaining ``m = n % 8`` squares one by one, which the compiler
  vectorises by 4 (the first ``m - m % 4`` squares rounded, then added in order) and fuses
  (a multiply-add rounded once for each of the last ``m % 4``); the square root last.
- ``p = 2`` over other layouts, ``p = 1`` and any other finite ``p``: one accumulator adding
  ``|x|^p`` element by element in memory order (``|x|^p`` correctly rounded; the result
  ``acc^(1/p)``, with ``1/p`` rounded to the input's type first, by the C library's ``pow``,
  which is not always correctly rounded).

The vectorised two-norm never splits a result's elements between threads. The other kernel
splits reductions of 32768 elements or more in all (its result then depends on the thread
count): those keep NumPy's summation, as do other backends and dtypes.
"""

from __future__ import annotations

import numpy as np

from .._fma import fma

__all__ = ["ordered_norm"]

_GRAIN = 32768  # PyTorch's GRAIN_SIZE: longer reductions are split between threads
_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}


def _reduced_rows(a, axes):
    """``a`` as (results, reduced elements), the reduced ones in PyTorch's iteration order
    (largest stride first), and whether they are one unit-stride block innermost in memory
    (PyTorch's "reduce last dim" case). Size-1 axes are left out, as PyTorch coalesces them."""
    kept = [d for d in range(a.ndim) if d not in axes]
    red = sorted((d for d in axes if a.shape[d] != 1), key=lambda d: -a.strides[d])
    rows = np.transpose(a, kept + red + [d for d in axes if a.shape[d] == 1])
    n = 1
    for d in red:
        n *= a.shape[d]
    rows = rows.reshape(-1, n)
    item = a.itemsize
    block = item
    last = bool(red)
    for d in reversed(red):  # one dense block: each stride the extent of the ones inside it
        if a.strides[d] != block:
            last = False
            break
        block *= a.shape[d]
    if last:  # ... and innermost: no kept axis (of size > 1) steps inside the block
        last = all(a.strides[d] >= block for d in kept if a.shape[d] != 1)
    return rows, n, last


def _sequential(v, dt):
    """Each row's sum, added element by element (NumPy's cumulative sum is sequential)."""
    return np.cumsum(v, axis=1, dtype=dt)[:, -1]


def _lanes(rows, n, dt):
    """Each row's sum of squares as PyTorch's vectorised two-norm adds it: ``w`` lanes over
    the whole groups of ``w`` elements, the lanes added one after the other, then the rest
    one by one: the compiler vectorises that tail by 4 (squares rounded, then added in
    order) and fuses the multiply-add of the last ``m % 4`` (see the module docstring)."""
    w = _LANES[dt]
    full = n - n % w
    if full:  # (rows, k, w) summed over k: NumPy adds the k slices one after the other
        sq = rows[:, :full] * rows[:, :full]
        lanes = np.add.reduce(sq.reshape(sq.shape[0], full // w, w), axis=1, dtype=dt)
        acc = _sequential(lanes, dt)
    else:
        acc = np.zeros(rows.shape[0], dt)
    fused = n - (n - full) % 4
    for k in range(full, n):
        col = rows[:, k]
        acc = fma(col, col, acc, dt) if k >= fused else acc + col * col
    return acc


def ordered_norm(a, p, axis, keepdims):
    """``||a||_p`` over ``axis`` (None: all) in PyTorch's summation order, or None where that
    order is not followed here (other dtypes, ``p`` of 0 or inf, split or one-element
    reductions)."""
    dt = a.dtype
    if type(a) is not np.ndarray or dt not in _LANES or not a.size or p in (0, np.inf, -np.inf):
        return None
    axes = tuple(range(a.ndim)) if axis is None else tuple(axis)
    rows, n, last = _reduced_rows(a, axes)
    if n < 2 or (a.size >= _GRAIN and not (p == 2 and last)):
        return None
    kept_shape = tuple(1 if d in axes else s for d, s in enumerate(a.shape))
    with np.errstate(all="ignore"):
        if p == 2:
            out = np.sqrt(_lanes(rows, n, dt) if last else _sequential(rows * rows, dt))
        elif p == 1:
            out = _sequential(np.abs(rows), dt)
        else:  # |x|^p rounded once (NumPy's SIMD float32 power is not), the root by the C
            # library's pow on each result (NumPy's scalar power), as PyTorch's std::pow
            powed = (np.abs(rows).astype(np.float64) ** float(p)).astype(dt)
            acc = _sequential(powed, dt)
            inv = dt.type(1.0 / p)
            out = np.array([v ** inv for v in acc], dt)
    out = out.reshape(kept_shape)
    if not keepdims:
        out = out.reshape(tuple(s for d, s in enumerate(a.shape) if d not in axes))
    return out
