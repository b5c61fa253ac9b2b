"""The indices of a matrix's lower or upper triangle (``tril_indices``/``triu_indices``),
computed from the rows' lengths so that their count is checked before anything is allocated."""

from __future__ import annotations

import numpy as np

from .. import _dtype, _options
from .._options import element_count
from ._args import _int_arg, _not_implemented

__all__ = ["triangle", "tri_indices"]


def triangle(row, col, offset, lower, name):
    """The row and column indices of a ``row`` x ``col`` matrix's lower (upper) triangle,
    built from the rows' lengths: their count is checked before anything is allocated (a
    triangle of 2 rows of 2**62 columns is 3 elements, as PyTorch)."""
    if lower:  # row i: columns [0, min(col, i + offset + 1))
        first = min(max(0, -offset), row)
        n, a = row - first, first + offset + 1
        full = min(max(col - a, 0), n)  # rows before the length reaches col
        count = 0 if col == 0 else full * a + full * (full - 1) // 2 + (n - full) * col
    else:  # row i: columns [max(0, i + offset), col)
        end = min(max(col - offset, 0), row)
        first = min(max(0, -offset), end)
        n = end - first
        count = first * col + n * (col - offset - end + 1) + n * (n - 1) // 2
    element_count(name, (2, count))
    if lower:
        rows = np.arange(first, row)
        start = np.zeros_like(rows)
        lengths = np.minimum(col, rows + offset + 1)
    else:
        rows = np.arange(end)
        start = np.maximum(rows + offset, 0)
        lengths = col - start
    r = np.repeat(rows, lengths)
    before = np.cumsum(lengths) - lengths
    return r, np.arange(r.size) - np.repeat(before - start, lengths)


def tri_indices(row, col, offset, dtype, device, lower, name, layout=None):
    """``tril_indices``/``triu_indices`` (``lower``: 'tril' or 'triu'): checked arguments, a
    (2, N) integer tensor."""
    from .. import factories  # (factories sits above this file)

    _options.layout(name, layout)
    row, col = _int_arg(row, name, "row"), _int_arg(col, name, "col")
    offset = _int_arg(offset, name, "offset")
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}(): row and col must be non-negative, got {row} and {col}")
    r, c = triangle(row, col, offset, lower == "tril", name)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    if dt.kind not in "iu":  # (PyTorch's kernel dispatch: NotImplementedError)
        _not_implemented(name, dt, "pass an integer dtype, e.g. dtype=gradkit.int64")
    return factories.tensor(np.stack([r, c]).astype(dt).reshape(2, -1), device=device)
