"""The order ``torch.sort(scores, 0, descending=True)`` gives on CPU, ties included.

torchvision's CPU ``nms`` visits the boxes in that order, and ATen sorts with ``std::sort``,
which is not stable: among equal scores the order is whatever introsort leaves (index order
only for 16 scores or fewer). ``descending_order`` reproduces it: a stable sort when the scores
have no ties (then every sort agrees), else the same introsort, step by step.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["descending_order"]


def descending_order(keys: np.ndarray) -> np.ndarray:
    """Indices sorting the 1-D ``keys`` in decreasing order (NaN first), ties as ATen's CPU
    ``sort(descending=True)`` orders them."""
    keys = np.asarray(keys)
    n = keys.shape[0]
    nan = np.isnan(keys) if keys.dtype.kind == "f" else np.zeros(n, dtype=bool)
    finite = keys[~nan]
    if nan.sum() <= 1 and np.unique(finite).size == finite.size:
        flipped = np.where(nan, np.inf, keys) if nan.any() else keys
        return np.argsort(-flipped.astype(np.float64), kind="stable").astype(np.int64)
    return _introsort_desc(keys)


def _introsort_desc(keys) -> np.ndarray:
    """The permutation libstdc++'s ``std::sort`` (introsort: median-of-three Hoare partitions
    above 16 elements, heapsort past depth ``2 * log2(n)``, then insertion sort) leaves on
    (key, index) pairs under ATen's descending comparator (NaN first)."""
    n = len(keys)
    vals = [float(k) for k in keys]
    idx = list(range(n))

    def comp(a, b):  # a, b positions-held values (key)
        return (math.isnan(a) and not math.isnan(b)) or a > b

    def swap(i, j):
        vals[i], vals[j] = vals[j], vals[i]
        idx[i], idx[j] = idx[j], idx[i]

    def move_median_to_first(result, a, b, c):
        if comp(vals[a], vals[b]):
            if comp(vals[b], vals[c]):
                swap(result, b)
            elif comp(vals[a], vals[c]):
                swap(result, c)
            else:
                swap(result, a)
        elif comp(vals[a], vals[c]):
            swap(result, a)
        elif comp(vals[b], vals[c]):
            swap(result, c)
        else:
            swap(result, b)

    def unguarded_partition(first, last, pivot):
        pv = vals[pivot]
        while True:
            while comp(vals[first], pv):
                first += 1
            last -= 1
            while comp(pv, vals[last]):
                last -= 1
            if not first < last:
                return first
            swap(first, last)
            first += 1

    def adjust_heap(first, hole, length, value):
        top = hole
        child = hole
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
        # push_heap
        parent = (hole - 1) // 2
        while hole > top and comp(vals[first + parent], value[0]):
            vals[first + hole], idx[first + hole] = vals[first + parent], idx[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        vals[first + hole], idx[first + hole] = value

    def heap_sort(first, last):
        length = last - first
        if length >= 2:
            parent = (length - 2) // 2
            while True:
                value = (vals[first + parent], idx[first + parent])
                adjust_heap(first, parent, length, value)
                if parent == 0:
                    break
                parent -= 1
        while last - first > 1:
            last -= 1
            value = (vals[last], idx[last])
            vals[last], idx[last] = vals[first], idx[first]
            adjust_heap(first, 0, last - first, value)

    def introsort_loop(first, last, depth):
        while last - first > 16:
            if depth == 0:
                heap_sort(first, last)
                return
            depth -= 1
            mid = first + (last - first) // 2
            move_median_to_first(first, first + 1, mid, last - 1)
            cut = unguarded_partition(first + 1, last, first)
            introsort_loop(cut, last, depth)
            last = cut

    def unguarded_linear_insert(pos):
        v, i = vals[pos], idx[pos]
        nxt = pos - 1
        while comp(v, vals[nxt]):
            vals[pos], idx[pos] = vals[nxt], idx[nxt]
            pos = nxt
            nxt -= 1
        vals[pos], idx[pos] = v, i

    def insertion_sort(first, last):
        for i in range(first + 1, last):
            if comp(vals[i], vals[first]):
                v, ix = vals[i], idx[i]
                vals[first + 1:i + 1] = vals[first:i]
                idx[first + 1:i + 1] = idx[first:i]
                vals[first], idx[first] = v, ix
            else:
                unguarded_linear_insert(i)

    if n > 1:
        introsort_loop(0, n, 2 * (n.bit_length() - 1))
        if n > 16:
            insertion_sort(0, 16)
            for i in range(16, n):
                unguarded_linear_insert(i)
        else:
            insertion_sort(0, n)
    return np.asarray(idx, dtype=np.int64)
