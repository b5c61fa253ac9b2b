"""Histograms: ``histc`` (equal bins over a range, the input's dtype), ``histogram`` (counts or
weights and the bin edges, equal bins or given edges) and ``histogramdd`` (N dimensions)."""

from __future__ import annotations

import numpy as np

from .. import _dtype, return_types
from .._backend import to_host
from .._options import allocation_error
from .._tensor.tensor import Tensor, wrap
from ._args import _const_like, _int_arg, _not_implemented, _t
from ._registry import declare, out_tuple

__all__ = ["histc", "histogram", "histogramdd"]


@declare(out="same", differentiable=False)
def histc(input, bins=100, min=0, max=0):
    """Counts of the elements in ``bins`` equal-width bins over ``[min, max]`` (the data's
    range when both are 0); elements outside are ignored. Same dtype as ``input``."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc(): not implemented for dtype {x.dtype}; convert the "
                                  f"input first, e.g. x.float()")
    bins = _int_arg(bins, "histc", "bins")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    a = to_host(x._data).reshape(-1).astype(np.float64)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"histc(): max must be larger than min, got min={min} and max={max}")
    if lo == hi and a.size:  # the data's range: NaN or inf in it is an error, as in PyTorch
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc(): range of [{lo}, {hi}] is not finite")
    # PyTorch's kernel works in the input's dtype: its edges are min and max rounded to it,
    # and each step of (x - min) * bins / (max - min) rounds to it (float16 too), so an element
    # near an edge falls in the bin that rounding gives, not the exact one
    dt = to_host(x._data).dtype
    a, lo, hi = a.astype(dt), dt.type(lo), dt.type(hi)
    inside = a[(a >= lo) & (a <= hi)]
    with np.errstate(over="ignore", invalid="ignore"):
        pos = (inside - lo) * dt.type(bins) / (hi - lo)
        # where a step overflows the dtype (float16 (x - min) * bins beyond 65504) PyTorch
        # converts inf or NaN to an integer (undefined; x86 wraps it to bin 0); gradkit takes
        # the bin of the exact quotient
        wide = ~np.isfinite(pos)
        if wide.any():
            pos[wide] = (inside[wide].astype(np.float64) - float(lo)) * bins / (float(hi) -
                                                                               float(lo))
        pos = pos.astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    try:
        counts = np.bincount(pos, minlength=bins).astype(x.dtype)
    except (MemoryError, ValueError) as e:  # (bins past memory: PyTorch's allocator error)
        err = allocation_error("histc", e)
        if err is None:
            raise
        raise err from None
    return wrap(_const_like(x, counts))


# histogram's bins left out: 100 (no int default, so the face's int check of bins stays off)
_100_BINS = type("_HundredBins", (), {"__slots__": (), "__repr__": lambda self: "100"})()


@declare(out=("same", out_tuple(2)), differentiable=False)
def histogram(input, bins=_100_BINS, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: counts (or summed ``weight``, or a density) of the elements in
    ``bins`` (100 by default) equal bins over ``range`` (the data's range by default), or in
    the bins whose edges are the 1-D tensor ``bins`` (searched as PyTorch does: edges that do
    not increase, or NaN ones, are not refused)."""
    if bins is _100_BINS:
        bins = 100
    if not isinstance(bins, Tensor) and (isinstance(bins, bool) or
                                         not isinstance(bins, (int, np.integer))):
        raise TypeError(f"histogram() received an invalid combination of arguments - got "
                        f"bins of type {type(bins).__name__}; bins is an int (a count) or a "
                        f"1-D Tensor of edges (e.g. torch.tensor(edges))")
    x = _t(input)
    # (PyTorch returns an empty input's zero histogram before its float/double dispatch, so
    # an empty half-precision input passes)
    half = x.dtype in (_dtype.float16, _dtype.bfloat16)
    if not (x._data.dtype.kind == "f" and x._data.dtype.itemsize >= 4 or half and not x.numel()):
        _not_implemented("histogram_cpu", x, "histogram() takes float or double tensors: "
                         "convert with .float()")
    a = to_host(x._data).reshape(-1)
    w = None
    if weight is not None:
        wt = _t(weight, "weight")
        if tuple(wt.shape) != tuple(x.shape):
            raise RuntimeError(f"histogram(): weight must have the shape of input "
                               f"{tuple(x.shape)}, got {tuple(wt.shape)}")
        if wt.dtype != x.dtype:
            raise RuntimeError(f"histogram(): if weight tensor is provided, input tensor and "
                               f"weight tensor should have the same dtype, got {x.dtype} and "
                               f"{wt.dtype}")
        w = to_host(wt._data).reshape(-1)
    if isinstance(bins, Tensor):
        if bins.dtype != x.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the "
                               f"same dtype, but got input with dtype {x.dtype} and bins with "
                               f"dtype {bins.dtype}; convert bins first, e.g. bins.to(x.dtype)")
        edges = to_host(bins._data).astype(x.dtype)
        if edges.ndim != 1 or edges.size < 2:
            raise RuntimeError(f"torch.histogram(): bins must be > 0: bins must be a 1-D tensor "
                               f"with at least two edges, got shape {tuple(bins.shape)}")
    else:
        nb = _int_arg(bins, "histogram", "bins")
        if nb <= 0:
            raise RuntimeError(f"histogram(): bins must be > 0, got {nb}")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:  # an empty input's default range is [0, 1], as PyTorch's
            lo, hi = 0.0, 1.0
        if not (np.isfinite(lo) and np.isfinite(hi)):  # NaN or inf in the data or the range
            raise RuntimeError(f"histogram(): the range [{lo}, {hi}] is not finite; give a "
                               f"finite range= (or drop the non-finite elements)")
        if lo > hi:
            raise RuntimeError(f"histogram(): min should not exceed max, got min={lo}, max={hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, nb + 1).astype(x.dtype)
    # each element into its bin (the last bin closed), weights added per bin: a NaN weight
    # makes only its own bin NaN (np.histogram's cumulative sums spread it to the later ones)
    e64, v = edges.astype(np.float64), a.astype(np.float64).reshape(-1)
    nbins = e64.size - 1
    keep = (v >= e64[0]) & (v <= e64[-1]) if nbins > 0 else np.zeros(v.shape, dtype=bool)
    idx = np.minimum(_upper_bound(e64, v[keep]) - 1, nbins - 1)
    hist = np.bincount(idx, weights=None if w is None else w[keep],
                       minlength=max(nbins, 0))[:max(nbins, 0)].astype(np.float64)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / (hist.sum() * np.diff(e64))
    return return_types.histogram(wrap(_const_like(x, hist.astype(x.dtype))),
                      wrap(_const_like(x, edges)))


def _upper_bound(edges, v):
    """``std::upper_bound(edges, v)`` for each value, as PyTorch's histogram kernels search
    their edges: the same halving steps and ``v < edge`` tests, so NaN or unsorted edges give
    PyTorch's bins (NumPy's searchsorted orders NaN last and needs sorted edges)."""
    first = np.zeros(v.shape, np.int64)
    count = np.full(v.shape, edges.size, np.int64)
    while edges.size and (count > 0).any():
        step = count // 2
        it = np.minimum(first + step, edges.size - 1)
        with np.errstate(invalid="ignore"):
            right = (count > 0) & ~(v < edges[it])
        first = np.where(right, it + 1, first)
        count = np.where(right, count - step - 1, step)
    return first


def _dd_edges(col, k, nb, rng, dt):
    """The ``nb + 1`` equal-width edges of dimension ``k``: over ``rng`` or the data's range
    (``[0, 1]`` without data, widened by 0.5 each way where min == max), as PyTorch's."""
    if rng is not None:
        lo, hi = float(rng[2 * k]), float(rng[2 * k + 1])
    elif col.size:
        lo, hi = float(col.min()), float(col.max())
    else:
        lo, hi = 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension {k}'s range [{lo:g}, {hi:g}] is not "
                           f"finite")
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} "
                           f"max {hi:g} for dimension {k}")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, nb + 1).astype(dt)


def _dd_bins_kind(bins):
    """``bins`` as PyTorch's parser reads a list: counts (ints or 0-d integer tensors, as its
    first element is) or edge tensors, never a mix (TypeError)."""
    if not bins:
        return bins
    first = bins[0]
    if isinstance(first, Tensor) and (first.ndim or first.dtype.kind not in "iu"):
        for i, b in enumerate(bins):
            if not isinstance(b, Tensor):
                raise TypeError(f"histogramdd(): expected Tensor as element {i} in argument "
                                f"'bins', but got {type(b).__name__}; give every dim's edges "
                                f"as a 1-D tensor, or every dim's count as an int")
        return bins
    return [_int_arg(b, "histogramdd", "bins") for b in bins]


@declare(method=False, differentiable=False)
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: the ``N``-dimensional histogram of the points in the rows of
    ``input`` (its last dim is ``N``; the others are flattened). ``bins``: one int for every
    dim, ``N`` ints, or ``N`` 1-D tensors of increasing edges; ``range``: ``2N`` numbers
    ``(min_0, max_0, ...)``; ``weight``: one per point; ``density``: normalise to a density.
    The last edge of each dim is inclusive; points outside every bin are left out."""
    x = _t(input)
    if isinstance(bins, Tensor) and not bins.ndim and bins.dtype.kind in "iu":
        bins = int(bins.item())  # (a 0-d integer tensor is an int to PyTorch's parser)
    if x.ndim == 0 and isinstance(bins, (int, np.integer)):  # (PyTorch reads the points'
        # size, dim -1, first where bins is a count)
        raise IndexError("histogramdd(): Dimension specified as -1 but tensor has no "
                         "dimensions")
    if x.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    if x._data.dtype.kind != "f" or x._data.dtype.itemsize < 4:
        _not_implemented("histogramdd", x, "histogramdd() takes float or double tensors: "
                         "convert with .float()")
    n = x.shape[-1]
    pts = to_host(x._data).reshape(int(np.prod(x.shape[:-1], dtype=np.int64)), n)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = [int(bins)] * n
    if isinstance(bins, Tensor) or not isinstance(bins, (list, tuple)):
        raise TypeError(f"histogramdd(): bins must be an int, a list of ints or a list of 1-D "
                        f"tensors, got {type(bins).__name__}")
    bins = _dd_bins_kind(bins)
    if len(bins) != n:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None and not isinstance(range, (list, tuple)):
        raise TypeError(f"histogramdd(): argument 'range' must be a sequence of floats, not "
                        f"{type(range).__name__}")
    if range is not None:
        for i, r in enumerate(range):
            if not isinstance(r, (int, float, np.number, np.bool_)) and not (
                    isinstance(r, Tensor) and r.ndim == 0):
                raise TypeError(f"histogramdd(): argument 'range' must be tuple of floats, but "
                                f"found element of type {type(r).__name__} at pos {i}")
    if range is not None and len(range) != 2 * n:
        raise RuntimeError(f"torch.histogramdd: for a {n}-dimensional histogram range should "
                           f"have {2 * n} elements, but got {len(range)}")
    w = None
    if weight is not None:
        wt = _t(weight, "weight")
        if tuple(wt.shape) != tuple(x.shape[:-1]):
            raise RuntimeError(f"histogramdd: if weight tensor is provided it should have the "
                               f"same shape as the input tensor excluding its innermost "
                               f"dimension, got {tuple(wt.shape)} for input "
                               f"{tuple(x.shape)}")
        if wt.dtype != x.dtype:
            raise RuntimeError(f"histogramdd: if weight tensor is provided, input tensor and "
                               f"weight tensor should have the same dtype, got {x.dtype} and "
                               f"{wt.dtype}")
        w = to_host(wt._data).reshape(-1).astype(np.float64)
    dt = x._data.dtype
    edges = []
    for k, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.dtype != x.dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should "
                                   f"have the same dtype, but got input with dtype {x.dtype} "
                                   f"and bins for dimension {k} with dtype {b.dtype}")
            e = to_host(b._data).astype(dt)
            if e.ndim != 1:
                raise RuntimeError(f"histogramdd: bins[{k}] must be a 1-D tensor, got shape "
                                   f"{tuple(b.shape)}")
            if e.size < 2:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {e.size - 1} "
                                   f"for dimension {k}")
        else:
            nb = _int_arg(b, "histogramdd", "bins")
            if nb <= 0:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {nb} for "
                                   f"dimension {k}")
            e = _dd_edges(pts[:, k], k, nb, range, dt)
        edges.append(e)
    if n == 0:  # no dims: one empty bin, as PyTorch
        return return_types.histogramdd(wrap(_const_like(x, np.zeros((), dt))), ())
    shape = tuple(max(e.size - 1, 0) for e in edges)
    keep = np.ones(pts.shape[0], bool)
    flat = np.zeros(pts.shape[0], np.int64)
    for k, e in enumerate(edges):
        v = pts[:, k]
        nbk = shape[k]
        with np.errstate(invalid="ignore"):
            keep &= (v >= e[0]) & (v <= e[-1]) & (nbk > 0)
        i = _upper_bound(e, v) - 1
        i = np.clip(np.where(v == e[-1], nbk - 1, i), 0, max(nbk - 1, 0))
        flat = flat * max(nbk, 1) + i
    size = int(np.prod(shape, dtype=np.int64))
    hist = np.bincount(flat[keep], weights=None if w is None else w[keep],
                       minlength=size)[:size].astype(np.float64).reshape(shape)
    if density:
        total = hist.sum()
        hist = hist / total if total else hist * np.nan
        for k, e in enumerate(edges):
            widths = np.diff(e.astype(np.float64))
            hist = hist / widths.reshape((1,) * k + (-1,) + (1,) * (n - k - 1))
    return return_types.histogramdd(wrap(_const_like(x, hist.astype(dt))),
                                    tuple(wrap(_const_like(x, e)) for e in edges))
