"""Sorting, order statistics and search: ``sort``, ``argsort``, ``topk``, ``median``,
``kthvalue``, ``quantile``, ``unique``, ``bincount``, ``searchsorted``, ``bucketize``."""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from .. import return_types
from .._backend import to_host
from .._int_range import check_int64, check_int_scalar
from .._memory_format import preserved
from .._tensor.tensor import Tensor, wrap
from .._warnings import warn_once
from ..ops._saved_arguments import remember
from ._args import (
    NO_DIM,
    NO_KEEPDIM,
    _const_like,
    _dim_in,
    _dim_keepdim,
    _int_arg,
    _not_implemented,
    _t,
    _type_name,
    _wrap_dim,
)
from ._registry import declare, out_input_dtype, out_tuple
from ._unique_order import unique_dim_nan
from .elementwise import lerp, where
from .indexing import _scatter_identity, gather
from .reduction import amax, sum
from .shape import flatten, movedim

__all__ = ["argsort", "bincount", "bucketize", "kthvalue", "median", "mode", "msort", "nanmedian",
    "nanquantile", "quantile", "searchsorted", "sort", "topk", "unique", "unique_consecutive"]


def _argsort(a, d, descending):
    """A stable argsort along ``d``; descending as PyTorch's: NaN first, equal values in their
    order (no negation, which would wrap unsigned and int64 min and keep NaN last)."""
    if a.ndim == 0 or not descending:
        return np.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    rev = np.argsort(np.flip(a, d), axis=d, kind="stable")
    return n - 1 - np.flip(rev, d)


# ATen's CPU sort with stable=False runs std::sort (introsort) on (key, index) pairs; it leaves
# equal keys in index order only in a slice of 16 elements or fewer. Beyond that the order of
# ties is reproduced step by step (_introsort_order) in Python, about 6 us an element, for at
# most this many elements per call; past it the ties keep their stable order.
_UNSTABLE_LIMIT = 1 << 16


def _unstable_argsort(a, d, descending, limit=_UNSTABLE_LIMIT):
    """The indices ``torch.sort(a, d, descending, stable=False)`` gives on CPU: the stable order,
    with each slice along ``d`` longer than 16 that holds equal keys (NaN equal to NaN)
    re-sorted as libstdc++'s ``std::sort`` leaves it (when their elements number at most
    ``limit``; None: always)."""
    idx = _argsort(a, d, descending)
    n = a.shape[d] if a.ndim else 1
    if n <= 16 or a.size == 0 or type(a) is not np.ndarray:  # (device arrays: stable order)
        return idx
    ties = _ties_before(np.take_along_axis(a, idx, d), d, n)
    if not ties.any() or (limit is not None and int(ties.sum()) * n > limit):
        return idx
    keys = np.moveaxis(a, d, -1).reshape(-1, n)
    out = np.moveaxis(idx, d, -1)
    shape = out.shape
    out = out.reshape(-1, n).copy()
    floats = np.dtype(a.dtype).kind == "f" or a.dtype.kind == "V"
    for r in np.flatnonzero(ties):
        row = keys[r].astype(np.float64).tolist() if floats else keys[r].tolist()
        out[r] = _introsort_order(row, descending)
    return np.moveaxis(out.reshape(shape), -1, d)


def _ties_before(ordered, d, stop):
    """Per slice along ``d`` of the sorted ``ordered``: whether two of its first ``stop``
    elements are equal (NaN equal to NaN)."""
    lo = ordered.take(np.arange(stop - 1), axis=d)
    hi = ordered.take(np.arange(1, stop), axis=d)
    with np.errstate(invalid="ignore"):
        tied = lo == hi
    if np.dtype(ordered.dtype).kind == "f" or ordered.dtype.kind == "V":
        tied |= np.isnan(lo.astype(np.float64)) & np.isnan(hi.astype(np.float64))
    return tied.any(axis=d)


def _topk_order(a, d, k, largest, sorted_):
    """The indices ``torch.topk(a, k, d, largest, sorted_)`` gives on CPU: ATen runs
    ``std::partial_sort`` (when ``64 * k <= n``) or ``std::nth_element`` then ``std::sort`` of
    the first ``k - 1`` (``sorted_``) per slice, so ties, and the order with ``sorted=False``,
    follow those algorithms; reproduced for the slices where they differ from the stable order
    (at most ``_UNSTABLE_LIMIT`` elements per call; past it the stable order)."""
    n = a.shape[d]
    full = _argsort(a, d, largest)
    idx = full.take(np.arange(k), axis=d)
    if k == 0 or type(a) is not np.ndarray:
        return idx
    partial = 64 * k <= n
    head = np.take_along_axis(a, full.take(np.arange(min(k + 1, n)), axis=d), d)
    need = _ties_before(head, d, min(k + 1, n)) if n > 1 else \
        np.zeros(head.take(0, axis=d).shape, dtype=bool)
    if not sorted_ and not partial and k > 1:
        need = np.ones_like(need)
    if not need.any() or int(need.sum()) * n > _UNSTABLE_LIMIT:
        return idx
    keys = np.moveaxis(a, d, -1).reshape(-1, n)
    out = np.moveaxis(idx, d, -1)
    shape = out.shape
    out = out.reshape(-1, k).copy()
    floats = np.dtype(a.dtype).kind == "f" or a.dtype.kind == "V"
    for r in np.flatnonzero(need):
        row = keys[r].astype(np.float64).tolist() if floats else keys[r].tolist()
        algo = _StdAlgorithms(row, largest)
        if partial:
            algo.partial_sort(0, k, n)
        else:
            algo.nth_element(0, k - 1, n)
            if sorted_:
                algo.sort(0, k - 1)
        out[r] = algo.idx[:k]
    return np.moveaxis(out.reshape(shape), -1, d)


def _introsort_order(vals: list, descending: bool) -> list:
    """The permutation ``std::sort`` leaves on the keys ``vals`` (see :class:`_StdAlgorithms`)."""
    algo = _StdAlgorithms(vals, descending)
    algo.sort(0, len(vals))
    return algo.idx


class _StdAlgorithms:
    """libstdc++'s ``std::sort`` (introsort: median-of-three Hoare partitions above 16
    elements, heapsort past depth ``2 * log2(n)``, then insertion sort), ``std::partial_sort``
    (heap select, then heap sort) and ``std::nth_element`` (introselect), step by step, on
    (key, index) pairs under ATen's comparator: ascending with NaN last, or descending with NaN
    first. ``vals`` (a list, reordered in place) holds the keys, ``idx`` the indices."""

    def __init__(self, vals: list, descending: bool) -> None:
        self.vals = vals
        self.idx = list(range(len(vals)))
        isnan = math.isnan
        if any(isinstance(v, float) and v != v for v in vals):
            if descending:
                def comp(a, b):
                    return (isnan(a) and not isnan(b)) or a > b
            else:
                def comp(a, b):
                    return (not isnan(a) and isnan(b)) or a < b
        else:
            comp = operator.gt if descending else operator.lt
        self.comp = comp

    def _swap(self, i, j):
        vals, idx = self.vals, self.idx
        vals[i], vals[j] = vals[j], vals[i]
        idx[i], idx[j] = idx[j], idx[i]

    def _move_median_to_first(self, result, a, b, c):
        comp, vals = self.comp, self.vals
        if comp(vals[a], vals[b]):
            if comp(vals[b], vals[c]):
                self._swap(result, b)
            elif comp(vals[a], vals[c]):
                self._swap(result, c)
            else:
                self._swap(result, a)
        elif comp(vals[a], vals[c]):
            self._swap(result, a)
        elif comp(vals[b], vals[c]):
            self._swap(result, c)
        else:
            self._swap(result, b)

    def _partition_pivot(self, first, last):
        mid = first + (last - first) // 2
        self._move_median_to_first(first, first + 1, mid, last - 1)
        comp, vals = self.comp, self.vals
        pv = vals[first]
        first += 1
        while True:
            while comp(vals[first], pv):
                first += 1
            last -= 1
            while comp(pv, vals[last]):
                last -= 1
            if not first < last:
                return first
            self._swap(first, last)
            first += 1

    def _adjust_heap(self, first, hole, length, value):
        comp, vals, idx = self.comp, self.vals, self.idx
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if comp(vals[first + child], vals[first + child - 1]):
                child -= 1
            vals[first + hole], idx[first + hole] = vals[first + child], idx[first + child]
            hole = child
        if (length & 1) == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            vals[first + hole], idx[first + hole] = vals[first + child - 1], idx[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2  # push_heap
        while hole > top and comp(vals[first + parent], value[0]):
            vals[first + hole], idx[first + hole] = vals[first + parent], idx[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        vals[first + hole], idx[first + hole] = value

    def _make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        parent = (length - 2) // 2
        while True:
            self._adjust_heap(first, parent, length,
                              (self.vals[first + parent], self.idx[first + parent]))
            if parent == 0:
                return
            parent -= 1

    def _pop_heap(self, first, last, result):
        vals, idx = self.vals, self.idx
        value = (vals[result], idx[result])
        vals[result], idx[result] = vals[first], idx[first]
        self._adjust_heap(first, 0, last - first, value)

    def _heap_select(self, first, middle, last):
        self._make_heap(first, middle)
        comp, vals = self.comp, self.vals
        for i in range(middle, last):
            if comp(vals[i], vals[first]):
                self._pop_heap(first, middle, i)

    def _sort_heap(self, first, last):
        while last - first > 1:
            last -= 1
            self._pop_heap(first, last, last)

    def _introsort_loop(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.partial_sort(first, last, last)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            self._introsort_loop(cut, last, depth)
            last = cut

    def _linear_insert(self, pos):
        comp, vals, idx = self.comp, self.vals, self.idx
        v, i = vals[pos], idx[pos]
        nxt = pos - 1
        while comp(v, vals[nxt]):
            vals[pos], idx[pos] = vals[nxt], idx[nxt]
            pos = nxt
            nxt -= 1
        vals[pos], idx[pos] = v, i

    def _insertion_sort(self, first, last):
        comp, vals, idx = self.comp, self.vals, self.idx
        for i in range(first + 1, last):
            if comp(vals[i], vals[first]):
                v, ix = vals[i], idx[i]
                vals[first + 1:i + 1] = vals[first:i]
                idx[first + 1:i + 1] = idx[first:i]
                vals[first], idx[first] = v, ix
            else:
                self._linear_insert(i)

    def sort(self, first, last):
        n = last - first
        if n < 2:
            return
        self._introsort_loop(first, last, 2 * (n.bit_length() - 1))
        if n > 16:
            self._insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self._linear_insert(i)
        else:
            self._insertion_sort(first, last)

    def partial_sort(self, first, middle, last):
        self._heap_select(first, middle, last)
        self._sort_heap(first, middle)

    def nth_element(self, first, nth, last):
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                self._heap_select(first, nth + 1, last)
                self._swap(first, nth)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._insertion_sort(first, last)


@declare(out=("same", out_tuple(2)))
def sort(input, dim=-1, descending=False, stable=False):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:  # a 0-d input sorts as one element: itself, index 0 (as PyTorch)
        r = sort(x.reshape(1), 0, descending, stable)
        return return_types.sort(r.values.reshape(()), r.indices.reshape(()))
    idx = (_argsort if stable else _unstable_argsort)(x._data, d, descending)
    if type(x._data) is np.ndarray and not x._data.flags.c_contiguous:
        # PyTorch's sort writes values and indices in preserve_format's layout (the gather
        # follows the indices)
        laid = preserved(x._data, np.int64)
        np.copyto(laid, idx)
        idx = laid
    indices = wrap(idx.astype(np.int64))
    return return_types.sort(_as_picked(gather(x, d, wrap(idx)), x, dim, indices), indices)


def _as_picked(values, x, dim, indices):
    """``values`` with the arguments PyTorch's Sort/Topk node saves (``grad_fn._saved_dim``
    as the user gave it, the indices, the input's sizes)."""
    return remember(values, x, _saved_dim=dim, _saved_indices=indices,
                    _saved_self_sym_sizes=tuple(x.shape))


@declare(differentiable=False)
def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


@declare(out=("same", out_tuple(2)))
def topk(input, k, dim=-1, largest=True, sorted=True):
    x = _t(input)
    if k.__class__ is bool:  # (PyTorch's SymInt k: a bool is no int there)
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not bool; pass the "
                        f"number of elements, e.g. k={int(k)}")
    check_int64(k, "topk", "k")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if k > n or k < 0:
        raise RuntimeError(f"topk(): selected index k={k} out of range for size {n} of dim "
                           f"{dim} (input of shape {tuple(x.shape)}); choose 0 <= k <= {n}")
    if x._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU; convert first, e.g. "
                           "x.to(gradkit.uint8)")
    if x.ndim == 0:
        r = topk(x.reshape(1), 1, 0, largest, sorted)  # (k=0 as well, as PyTorch)
        return return_types.topk(r.values.reshape(()), r.indices.reshape(()))
    idx = _topk_order(x._data, d, k, largest, sorted)
    if type(idx) is np.ndarray and not idx.flags.c_contiguous:
        idx = np.ascontiguousarray(idx)  # (PyTorch's topk writes row-major results)
    indices = wrap(idx.astype(np.int64))
    return return_types.topk(_as_picked(gather(x, d, wrap(idx)), x, dim, indices), indices)


def _select_sorted(x, d, pos, keepdim, fn):
    """values/indices of the element at rank ``pos`` (per slice along ``d``) in a stable sort
    where NaN sorts last."""
    if x.ndim == 0:
        zero = wrap(_const_like(x, np.asarray(0, dtype=np.int64)))
        return getattr(return_types, fn)(x.clone(), zero)
    a = to_host(x._data)
    order = np.argsort(a, axis=d, kind="stable")
    idx = pos(order) if callable(pos) else np.take(order, [pos], axis=d)
    idx = idx.astype(np.int64)
    values = gather(x, d, wrap(_const_like(x, idx)))
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return getattr(return_types, fn)(values, wrap(_const_like(x, idx)))


@declare(out=("same", out_tuple(2)))
def median(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    """The lower median (the smaller middle value for an even count), as PyTorch.

    ``median(x)``: over all elements; its gradient is shared evenly by the elements equal to
    the median (as PyTorch). ``median(x, dim)``: ``(values, indices)``; the gradient goes to
    ``indices``. Among equal values the index is the median's place in a stable sort, which
    may differ from PyTorch's (implementation-defined) choice. NaN propagates: a slice with
    NaN has median NaN (at its first NaN).
    """
    dim, keepdim = _dim_keepdim("median", dim, keepdim, none_dim=False)
    x = _t(input)
    if dim is None:
        flat = flatten(x)
        n = flat.shape[0]
        if n == 0:
            if x.dtype.kind == "f":  # NaN, connected to the graph as PyTorch's
                return sum(flat) * np.nan
            with np.errstate(invalid="ignore"):  # PyTorch's NaN cast to the integer dtype
                v = np.asarray(np.nan).astype(x._data.dtype)
            return wrap(_const_like(x, v))
        a = to_host(flat._data)
        nan_mask = np.isnan(a) if a.dtype.kind == "f" else np.zeros(n, dtype=bool)
        if nan_mask.any():
            # NaN: the gradient is shared by the NaN elements, as in PyTorch
            keep = wrap(_const_like(x, nan_mask))
            return sum(where(keep, flat, 0.0)) / float(nan_mask.sum())
        v = np.partition(a, (n - 1) // 2)[(n - 1) // 2]
        mask = wrap(_const_like(x, a == v))
        # amax over the equal elements: the exact value, and its rule shares ties evenly
        return amax(where(mask, flat, _scatter_identity(x.dtype, "amax")))
    d = _dim_in(dim, x.ndim, "median")
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"median(): expected a non-empty dimension {d}, got shape "
                         f"{tuple(x.shape)}")

    def pick(order):
        idx = np.take(order, [(n - 1) // 2], axis=d)
        a = to_host(x._data)
        if a.dtype.kind == "f":
            nan = np.isnan(a)
            has = nan.any(axis=d, keepdims=True)
            if has.any():
                idx = np.where(has, np.argmax(nan, axis=d, keepdims=True), idx)
        return idx

    return _select_sorted(x, d, pick, keepdim, "median")


@declare(out=("same", out_tuple(2)))
def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``. Among
    equal values the index is the k-th place in a stable sort (NaN sorts last)."""
    x = _t(input)
    k = _int_arg(k, "kthvalue", "k", True)
    d = _dim_in(dim, x.ndim, "kthvalue")
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size (shape "
                         f"{tuple(x.shape)})")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range: k must be in [1, {n}] "
                           f"(the size of dim {d}), got {k}")
    return _select_sorted(x, d, k - 1, keepdim, "kthvalue")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@declare(out=("same", out_input_dtype("quantile() out tensor must be same dtype as the input "
                                     "tensor ({input}), got {out}")),
         grad_name="SqueezeBackward4")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (``q`` a number or a 1-D tensor in [0, 1]) over ``dim`` (all
    elements if None), interpolating between order statistics as ``interpolation`` says. A
    1-D ``q`` adds a leading output dimension. Slices with NaN give NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@declare(out=("same", out_input_dtype("quantile() out tensor must be same dtype as the input "
                                     "tensor ({input}), got {out}")),
         grad_name="SqueezeBackward4")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """:func:`quantile` ignoring NaN: the quantiles of each slice's other values (NaN where a
    slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    x = _t(input)
    if x._data.dtype.kind != "f" or x._data.dtype.itemsize < 4:  # float16 too, as PyTorch
        raise RuntimeError(f"quantile(): input tensor must be either float or double dtype, got "
                           f"{x.dtype}; convert it first, e.g. x.float()")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile(): interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        if not isinstance(q, (int, float, np.integer, np.floating, np.bool_)):
            # (a bool is a number to PyTorch's parser: q=True is the 1.0 quantile)
            raise TypeError(f"quantile(): q must be a number or a Tensor, got "
                            f"{type(q).__name__}")
        qs = np.asarray([float(q)])
    else:
        if q.ndim > 1:
            raise RuntimeError(f"quantile(): q must be a scalar or 1-D tensor, got shape "
                             f"{tuple(q.shape)}")
        if q.dtype != x.dtype:  # (no promotion of q, as PyTorch)
            raise RuntimeError(f"quantile() q tensor must be same dtype as the input tensor "
                               f"({x.dtype}), got {q.dtype}; convert it first, e.g. "
                               f"q.to(input.dtype)")
        scalar_q = q.ndim == 0
        qs = to_host(q._data).reshape(-1).astype(np.float64)
    if qs.size and (np.isnan(qs).any() or qs.min() < 0 or qs.max() > 1):
        raise RuntimeError(f"quantile(): q values must be in the range [0, 1], got "
                         f"{qs.tolist() if qs.size > 1 else float(qs[0])}")
    if x.numel() == 0:
        raise RuntimeError(f"quantile(): input tensor must be non-empty, got shape "
                         f"{tuple(x.shape)}")
    if dim is None:
        y = flatten(x)
        d_out = None
    else:
        d_out = _dim_in(dim, x.ndim, "quantile")
        y = movedim(x, d_out, -1) if x.ndim else x.reshape(1)
    s = sort(y, -1).values  # NaN last
    n = s.shape[-1]
    a = to_host(s._data)
    if ignore_nan:  # NaN sorts last: the first ``count`` elements of each slice are the values
        count = np.sum(~np.isnan(a), axis=-1, keepdims=True)
        ranks = qs * (np.maximum(count, 1) - 1)  # an all-NaN slice reads its first NaN
    else:
        has_nan = np.isnan(a[..., -1:])  # (..., 1)
        ranks = np.where(has_nan, float(n - 1), qs * (n - 1))  # (..., nq)
    if interpolation == "nearest":
        lo = hi = np.round(ranks)
    else:
        lo, hi = np.floor(ranks), np.ceil(ranks)
    lo_t = wrap(_const_like(x, lo.astype(np.int64)))
    below = gather(s, -1, lo_t.expand(tuple(ranks.shape)) if lo.shape != ranks.shape else lo_t)
    if interpolation in ("lower", "nearest"):
        out = below
    else:
        above = gather(s, -1, wrap(_const_like(x, np.broadcast_to(hi, ranks.shape)
                                               .astype(np.int64))))
        if interpolation == "higher":
            out = above
        else:
            w = ranks - lo if interpolation == "linear" else np.full(ranks.shape, 0.5)
            # PyTorch's lerp (its two-sided formula: NaN between a finite value and inf at 0.5)
            out = lerp(below, above, wrap(_const_like(x, w.astype(x.dtype))))
    out = movedim(out, -1, 0)  # (nq, ...)
    if keepdim:
        if d_out is None:
            out = out.reshape((out.shape[0],) + (1,) * x.ndim)
        elif x.ndim:
            out = out.unsqueeze(d_out + 1)
    return out[0] if scalar_q else out


@declare(differentiable=False)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or, with ``dim``, the distinct slices along ``dim``), sorted;
    optionally the index of each input element in them and their counts. Not differentiable.
    NaNs are not merged (as PyTorch). The values come back sorted even for ``sorted=False``
    (PyTorch's CPU order then is also sorted)."""
    x = _t(input)
    a = to_host(x._data)
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                      equal_nan=False)
        inv = inv.reshape(a.shape)
    else:
        if x.ndim == 0:
            raise IndexError(f"unique(): dim={dim} given for a 0-d tensor, which has no "
                             f"dimensions; use dim=None")
        d = _dim_in(dim, x.ndim, "unique")
        zeros = [k for k, n in enumerate(a.shape) if n == 0]
        if len(zeros) > 1 or zeros and zeros[0] != d:  # (PyTorch's checks of empty inputs)
            raise RuntimeError(
                f"unique(): Number of zero sized dimensions is more than one, so unique cannot "
                f"be applied (shape {tuple(a.shape)})" if len(zeros) > 1 else
                f"unique(): There are 0 sized dimensions, and they aren't selected, so unique "
                f"cannot be applied (shape {tuple(a.shape)}, dim={dim}); select the empty dim")
        if a.shape[d] == 0:
            vals, inv, counts = a, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        elif a.dtype.kind == "f" and np.isnan(a).any():
            vals, inv, counts = unique_dim_nan(a, d)
        else:
            vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d,
                                          equal_nan=False)
        inv = inv.reshape(-1)
    out = [wrap(_const_like(x, np.ascontiguousarray(vals)))]
    if return_inverse:
        out.append(wrap(_const_like(x, inv.astype(np.int64))))
    if return_counts:
        out.append(wrap(_const_like(x, counts.astype(np.int64))))
    return out[0] if len(out) == 1 else tuple(out)


@declare(differentiable=False)
def bincount(input, weights=None, minlength=0):
    """Count each value of a 1-D non-negative integer tensor (sum ``weights`` instead when
    given); the result has ``max(input) + 1`` entries, at least ``minlength``. Not
    differentiable (as PyTorch). int64 counts; float64 sums unless ``weights`` is float32."""
    x = _t(input)
    if x.dtype.kind not in "iu":  # PyTorch has no bool or floating kernel
        _not_implemented("bincount_cpu", x, "bincount() counts integers: convert with .long()")
    if x.ndim != 1:
        raise RuntimeError(f"bincount(): input must be a 1-D tensor of non-negative integers, "
                           f"got shape {tuple(x.shape)}")
    minlength = _int_arg(minlength, "bincount", "minlength", True)
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength must be non-negative, got {minlength}")
    a = to_host(x._data).astype(np.int64)
    if a.size and a.min() < 0:
        raise RuntimeError(f"bincount(): input must be non-negative, got {int(a.min())}")
    if weights is None or not a.size:  # (an empty input: int64 zeros, weights unread)
        return wrap(_const_like(x, np.bincount(a, minlength=minlength).astype(np.int64)))
    w = _t(weights, "weights")
    if tuple(w.shape) != tuple(x.shape):
        raise RuntimeError(f"bincount(): weights must have the shape of input {tuple(x.shape)}, "
                         f"got {tuple(w.shape)}")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    wd = to_host(w._data)
    if wd.dtype.kind == "c":  # PyTorch's warning, not NumPy's ComplexWarning
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        wd = wd.real
    return wrap(_const_like(x, np.bincount(a, weights=wd.astype(np.float64),
                                           minlength=minlength).astype(dt)))


def _out_index_dtype(out, args):
    """searchsorted's/bucketize's ``out`` dtype, checked before the op (and its warnings), as
    PyTorch: int32 with ``out_int32``, else int64."""
    flag = bool(args.get("out_int32"))
    if "sorted_sequence" in args:  # (the parser refuses a non-Tensor sequence first)
        _t(args["sorted_sequence"], "sorted_sequence")
    if isinstance(out, Tensor) and out._data.dtype != (np.int32 if flag else np.int64):
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                           f"Int(int32) or Long(int64) depending on whether out_int32 flag is "
                           f"True, but we got output tensor's dtype {_type_name(out.dtype)} and "
                           f"out_int32 flag is {flag}; pass an out of the dtype out_int32 names")


_NON_CONTIGUOUS = ("torch.searchsorted(): {0} tensor is non-contiguous, this will lower the "
                   "performance due to extra data copy when converting non-contiguous tensor to "
                   "contiguous, please use contiguous {0} tensor if possible. This message will "
                   "only appear once per program.")


@declare(method=False, out=("same", _out_index_dtype), differentiable=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value of ``input``, the index where it would go in ``sorted_sequence`` (its
    last dimension, per leading index when it has more than one) to keep it sorted: the
    first such index, or the last with ``right=True`` / ``side='right'``. int64 (int32 with
    ``out_int32``); ``input`` may be a number."""
    seq = _t(sorted_sequence, "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted(): side='left' and right=True contradict each other")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar and isinstance(input, (np.integer, np.floating, np.bool_)):  # (a number too)
        input = input.item()
    if scalar and not isinstance(input, (int, float)):
        raise TypeError(f"searchsorted(): input must be a Tensor or a number, got "
                        f"{type(input).__name__}")
    if seq._data.dtype.kind == "b" and (scalar and isinstance(input, bool) or not scalar
                                        and input._data.dtype.kind == "b"):
        _not_implemented("searchsorted_out_cpu", seq, "searchsorted() of bool values: convert "
                         "them first, e.g. x.int()")
    s = to_host(seq._data)
    v = np.asarray(input) if scalar else to_host(input._data)
    if s.ndim == 0:
        raise RuntimeError("searchsorted(): sorted_sequence must have at least one dimension, "
                         "got a 0-d tensor")
    if sorter is not None:
        srt = to_host(_t(sorter, "sorter")._data)
        if srt.shape != s.shape or srt.dtype.kind not in "iu":
            raise RuntimeError(f"searchsorted(): sorter must be an integer tensor of the shape of "
                             f"sorted_sequence {s.shape}, got {srt.shape} {srt.dtype}")
        s = np.take_along_axis(s, srt.astype(np.int64), axis=-1)
    if s.ndim > 1 and (scalar or v.ndim != s.ndim or v.shape[:-1] != s.shape[:-1]):
        raise RuntimeError(f"searchsorted(): with a {s.ndim}-D sorted_sequence, input needs "
                         f"the same leading dimensions {s.shape[:-1]}, got shape "
                         f"{tuple(np.shape(v))}")
    for what, t in (("input value", None if scalar else input), ("boundary", seq),
                    ("sorter", sorter)):
        if isinstance(t, Tensor) and not t.is_contiguous():  # (PyTorch's TORCH_WARN_ONCE)
            warn_once(f"searchsorted {what}", _NON_CONTIGUOUS.format(what))
    res = _binary_search(s, v, right)
    out = np.asarray(res).astype(np.int32 if out_int32 else np.int64)
    return wrap(_const_like(seq, out))


def _binary_search(s, v, right):
    """PyTorch's kernel's binary search of each value of ``v`` in the last dimension of ``s``
    (all rows at once): the same answers for NaN and for sequences that are not sorted, where
    NumPy's search (which uses the previous key as a hint) answers differently."""
    n = s.shape[-1]
    if n == 0:  # an empty sequence: every value goes at 0
        return np.zeros(np.shape(v), dtype=np.int64)
    s2 = s.reshape(-1, n) if s.ndim > 1 else s.reshape(1, n)
    v2 = v.reshape(s2.shape[0], -1)
    lo = np.zeros(v2.shape, dtype=np.int64)
    hi = np.full(v2.shape, n, dtype=np.int64)
    rows = np.arange(s2.shape[0])[:, None]
    with np.errstate(invalid="ignore"):
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) >> 1
            b = s2[rows, np.minimum(mid, n - 1)]
            go = ~(b > v2) if right else ~(b >= v2)
            lo = np.where(active & go, mid + 1, lo)
            hi = np.where(active & ~go, mid, hi)
    return lo.reshape(np.shape(v))


@declare(method=False, out=("same", _out_index_dtype), differentiable=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``<= x <`` with ``right=True``)."""
    if not isinstance(input, (Tensor, int, float, np.number, np.bool_)):  # (the parser's)
        raise TypeError(f"bucketize() received an invalid combination of arguments - got input "
                        f"of type {type(input).__name__}: it must be a Tensor or a number; "
                        f"convert it first, e.g. torch.tensor(values)")
    check_int_scalar(input, "bucketize", "input")
    b = _t(boundaries, "boundaries")
    if b.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


@declare(out="same")
def msort(input):
    """Sorted along dim 0 (the values of ``sort(input, 0)``)."""
    return sort(input, 0).values


@declare(out=("same", out_tuple(2)))
def nanmedian(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    """:func:`median` ignoring NaN: the lower median of each slice's other values (NaN for an
    all-NaN slice)."""
    dim, keepdim = _dim_keepdim("nanmedian", dim, keepdim, none_dim=False)
    x = _t(input)
    if dim is None:
        flat = flatten(x)
        a = to_host(flat._data)
        keep = ~np.isnan(a) if a.dtype.kind == "f" else np.ones(a.shape, dtype=bool)
        n = int(keep.sum())
        if n == 0:
            if a.size == 0:
                return median(x)
            return flat[0] + 0  # NaN (an all-NaN tensor), connected to the graph
        v = np.partition(a[keep], (n - 1) // 2)[(n - 1) // 2]
        mask = wrap(_const_like(x, a == v))
        return amax(where(mask, flat, _scatter_identity(x.dtype, "amax")))
    d = _dim_in(dim, x.ndim, "nanmedian")
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size (got "
                         f"shape {tuple(x.shape)})")

    def pick(order):
        a = to_host(x._data)
        count = np.sum(~np.isnan(a), axis=d, keepdims=True) if a.dtype.kind == "f" else \
            np.full(np.take(order, [0], axis=d).shape, n)
        # an all-NaN slice reads the middle of its (all-NaN) order, as PyTorch
        pos = np.where(count == 0, n // 2, np.maximum(count - 1, 0) // 2)
        return np.take_along_axis(order, pos, axis=d)

    return _select_sorted(x, d, pick, keepdim, "nanmedian")


@declare(out=("same", out_tuple(2)))
def mode(input, dim=-1, keepdim=False):
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest among
    equally frequent ones) and the last index where it occurs; the gradient goes there."""
    x = _t(input)
    d = _dim_in(dim, x.ndim, "mode")
    if x.ndim == 0:
        return return_types.mode(x.clone(), wrap(_const_like(x, np.asarray(0, dtype=np.int64))))
    if x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size (got shape "
                         f"{tuple(x.shape)})")
    a = np.moveaxis(to_host(x._data), d, -1)
    lead = a.shape[:-1]
    rows = a.reshape(-1, a.shape[-1])
    idx = np.empty(rows.shape[0], dtype=np.int64)
    for i, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        best = vals[np.argmax(counts)]  # argmax: the first (smallest) of the most frequent
        hits = np.flatnonzero((row == best) | (np.isnan(row) & np.isnan(best)
                                               if row.dtype.kind == "f" else False))
        idx[i] = hits[-1]
    idx = np.expand_dims(idx.reshape(lead), d)
    values = gather(x, d, wrap(_const_like(x, idx)))
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return return_types.mode(values, wrap(_const_like(x, idx)))


@declare(differentiable=False)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The values (or slices along ``dim``) with consecutive repeats collapsed; optionally the
    index of each input element in them and the length of each run. Not differentiable."""
    x = _t(input)
    if x._data.dtype.kind == "c":
        raise NotImplementedError("unique_consecutive: \"unique\" not implemented for complex "
                                  "tensors (PyTorch raises here too)")
    a = to_host(x._data)
    if dim is None:
        flat = a.reshape(-1)
        change = np.ones(flat.size, dtype=bool)
        if flat.size:
            change[1:] = flat[1:] != flat[:-1]
        vals = flat[change]
        inv = (np.cumsum(change) - 1).reshape(a.shape)
    else:
        if x.ndim == 0:
            raise IndexError("unique_consecutive(): Dimension specified as 0 but tensor has no "
                             "dimensions (a 0-d input); use dim=None")
        d = _dim_in(dim, x.ndim, "unique_consecutive")
        if a.size == 0 and a.shape[d] != 0:
            raise RuntimeError(f"unique_consecutive(): There are 0 sized dimensions, and they "
                               f"aren't selected, so unique cannot be applied (shape "
                               f"{tuple(a.shape)}, dim {dim})")
        rest = int(np.prod([n for i, n in enumerate(a.shape) if i != d], dtype=np.int64))
        m = np.moveaxis(a, d, 0).reshape(a.shape[d], rest)
        change = np.ones(m.shape[0], dtype=bool)
        if m.shape[0]:
            change[1:] = (m[1:] != m[:-1]).any(axis=1)
        vals = np.compress(change, a, axis=d)
        inv = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, change.size))
    out = [wrap(_const_like(x, np.ascontiguousarray(vals)))]
    if return_inverse:
        out.append(wrap(_const_like(x, inv.astype(np.int64))))
    if return_counts:
        out.append(wrap(_const_like(x, counts.astype(np.int64))))
    return out[0] if len(out) == 1 else tuple(out)
