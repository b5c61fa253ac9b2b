"""unique(dim=)'s order of slices holding NaN: PyTorch's ``std::sort`` replayed step for step."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["unique_dim_nan"]


def _std_sort(v, less):
    """Sort the list ``v`` in place as libstdc++'s ``std::sort`` does (introsort: median-of-3
    quicksort down to runs of 16, then insertion sort), step for step, so that a comparator
    that is not a strict weak order (NaN ties) gives PyTorch's order."""
    def insertion(lo, hi):
        for k in range(lo + 1, hi):
            val = v[k]
            if less(val, v[lo]):
                v[lo + 1:k + 1] = v[lo:k]
                v[lo] = val
            else:
                linear_insert(k)

    def linear_insert(k):
        val = v[k]
        while k > 0 and less(val, v[k - 1]):
            v[k] = v[k - 1]
            k -= 1
        v[k] = val

    def median_to_first(r, a, b, c):
        if less(v[a], v[b]):
            m = b if less(v[b], v[c]) else c if less(v[a], v[c]) else a
        else:
            m = a if less(v[a], v[c]) else c if less(v[b], v[c]) else b
        v[r], v[m] = v[m], v[r]

    def partition(lo, hi, pivot):
        while True:
            while lo < len(v) - 1 and less(v[lo], v[pivot]):
                lo += 1
            hi -= 1
            while hi > 0 and less(v[pivot], v[hi]):
                hi -= 1
            if not lo < hi:
                return lo
            v[lo], v[hi] = v[hi], v[lo]
            lo += 1

    def loop(lo, hi, depth):
        while hi - lo > 16:
            if depth == 0:  # heapsort in libstdc++: any consistent order will do here
                v[lo:hi] = _cmp_sorted(v[lo:hi], less)
                return
            depth -= 1
            median_to_first(lo, lo + 1, lo + (hi - lo) // 2, hi - 1)
            cut = partition(lo + 1, hi, lo)
            loop(cut, hi, depth)
            hi = cut

    n = len(v)
    if n > 1:
        loop(0, n, 2 * (n.bit_length() - 1))
        if n > 16:
            insertion(0, 16)
            for k in range(16, n):
                linear_insert(k)
        else:
            insertion(0, n)


def _cmp_sorted(items, less):
    return sorted(items, key=functools.cmp_to_key(
        lambda i, j: -1 if less(i, j) else 1 if less(j, i) else 0))


def unique_dim_nan(a, d):
    """``unique(dim=d)`` of slices holding NaN, in PyTorch's order: its CPU kernel sorts the
    slice indices with ``std::sort`` and a lexicographic ``<`` under which a NaN entry ties with
    anything (so the order is the sort's, not a total one: libstdc++'s introsort, replayed by
    ``_std_sort``), then merges runs of equal slices (a NaN never equals)."""
    rows = np.moveaxis(a, d, 0).reshape(a.shape[d], -1)

    def less(i, j):
        for u, v in zip(rows[i].tolist(), rows[j].tolist()):
            if u < v:
                return True
            if u > v:
                return False
        return False

    order = list(range(rows.shape[0]))
    _std_sort(order, less)
    groups, inv = [], np.zeros(len(order), dtype=np.int64)
    for i in order:
        if not groups or not np.array_equal(rows[groups[-1][0]], rows[i]):
            groups.append([i])
        else:
            groups[-1].append(i)
        inv[i] = len(groups) - 1
    vals = np.moveaxis(np.take(a, [g[0] for g in groups], axis=d), d, d)
    return vals, inv, np.array([len(g) for g in groups], dtype=np.int64)
