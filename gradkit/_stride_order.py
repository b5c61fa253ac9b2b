"""PyTorch's ordering of dims by stride (ATen's ``infer_dense_strides`` and TensorIterator's
``reorder_dimensions``): one insertion sort, shared by the layout of an op's output
(``functions/products.py``, ``elementwise_strides`` for every elementwise op) and the memory
order random fills follow (``random.py``)."""

from __future__ import annotations

import numpy as np


def insertion_order(perm: list, cmp) -> list:
    """Sort ``perm`` (dims, innermost first) in place by ``cmp(a, b)``: ``> 0`` moves ``b``
    before ``a``, ``< 0`` stops, ``0`` (undecided, e.g. a stride 0) looks further out -- so a
    dim whose comparisons are all undecided keeps its place. Returns ``perm``."""
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            c = cmp(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    return perm


def _row_major(shape) -> tuple:
    """PyTorch's contiguous strides (in elements; an empty dim counts as 1)."""
    out = [1] * len(shape)
    r = 1
    for d in range(len(shape) - 1, -1, -1):
        out[d] = r
        r *= max(shape[d], 1)
    return tuple(out)


def _channels_last(shape) -> tuple:
    """Strides of a 4-D tensor in channels-last order (N, H, W, C outermost to innermost)."""
    n, c, h, w = (max(s, 1) for s in shape)
    return (h * w * c, 1, w * c, c)


def _is_channels_last(shape, strides) -> bool:
    expected = 1
    for d in (1, 3, 2, 0):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _dense(shape, strides) -> bool:
    """PyTorch's ``is_non_overlapping_and_dense``: the strides are a permutation of a
    contiguous layout's (size-1 dims left out)."""
    dims = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    expected = 1
    for d in dims:
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def elementwise_strides(shape, operands) -> tuple:
    """The strides (in elements) PyTorch's TensorIterator gives the output of an elementwise
    op of ``shape`` over ``operands`` -- ``(shape, strides)`` pairs in elements, in argument
    order (a defined ``out=`` first), broadcast to ``shape`` from the right (a Python number is
    ``((), ())``).

    All operands of the output's shape and all row-major, all channels-last, or all dense with
    equal strides: that layout. Otherwise the dims are ordered by the operands' strides in turn
    (a broadcast dim, stride 0, leaves the decision to the next operand; equal strides put the
    smaller dim inside) and the output is dense in that order."""
    shape = tuple(shape)
    ndim = len(shape)
    if all(len(s) == ndim for s, _ in operands) and all(tuple(s) == shape for s, _ in operands):
        if all(_row_major_like(shape, st) for _, st in operands):
            return _row_major(shape)
        if ndim == 4 and all(_is_channels_last(shape, st) for _, st in operands):
            return _channels_last(shape)
        first = tuple(operands[0][1])
        if all(tuple(st) == first for _, st in operands) and _dense(shape, first):
            return first
    aligned = []
    for s, st in operands:
        off = ndim - len(s)
        row = [0] * ndim
        for i, (n, x) in enumerate(zip(s, st)):
            row[off + i] = 0 if (n == 1 and shape[off + i] != 1) else x
        aligned.append(row)

    def cmp(d0, d1):
        for st in aligned:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = insertion_order(list(range(ndim - 1, -1, -1)), cmp) if ndim > 1 else [0] * ndim
    if perm == list(range(ndim - 1, -1, -1)):
        return _row_major(shape)
    out = [0] * ndim
    r = 1
    for d in perm:
        out[d] = r
        r *= shape[d]
    return tuple(out)


def _row_major_like(shape, strides) -> bool:
    """PyTorch's ``is_contiguous()``: row-major, size-1 dims' strides not counted."""
    if 0 in shape:
        return True
    expected = 1
    for d in range(len(shape) - 1, -1, -1):
        n = shape[d]
        if n != 1:
            if strides[d] != expected:
                return False
            expected *= n
    return True


def lay_out_elementwise(out, operands):
    """``out``, the NumPy result of an elementwise op over ``operands`` (arrays or numbers, in
    argument order), laid out as PyTorch's result (``elementwise_strides``): itself when it
    is so already, else a copy. NumPy picks row-major for mixed layouts, so a dropout after
    the op would draw another mask after the same seed. An ``operands`` entry that does not
    broadcast to ``out``'s shape (not an elementwise op) leaves ``out`` as it is."""
    shape = out.shape
    ndim = len(shape)
    if ndim < 2 or out.size == 0:
        return out
    item = out.itemsize
    first = _dense_first(out, operands)
    if first is not None:  # (the usual case, decided without the general rule)
        if tuple(x // item for x in out.strides) == tuple(x // first.itemsize
                                                          for x in first.strides):
            return out
        laid = np.empty_like(first, dtype=out.dtype)  # (order "K": first's strides)
        np.copyto(laid, out)
        return laid
    described = []
    for a in operands:
        s = getattr(a, "shape", None)
        if s is None or not hasattr(a, "strides"):
            described.append(((), ()))
            continue
        if len(s) > ndim or any(n != 1 and n != m for n, m in zip(s, shape[ndim - len(s):])):
            return out
        step = a.itemsize
        described.append((s, tuple(x // step for x in a.strides)))
    want = elementwise_strides(shape, described)
    if tuple(x // item for x in out.strides) == want:
        return out
    laid = np.ndarray(shape, out.dtype, np.empty(max(out.size, 1), out.dtype),
                      strides=tuple(x * item for x in want))
    np.copyto(laid, out)
    return laid


def _dense_first(out, operands):
    """The first array operand when it alone decides the output's layout: of the output's
    shape, no size-1 dim, dense (its strides then differ pairwise, so they order every pair of
    dims, and whichever of the rule's cases applies gives its strides)."""
    for a in operands:
        s = getattr(a, "shape", None)
        if s is None or not hasattr(a, "strides") or len(s) == 0:
            continue  # (a number or a 0-d array: no say)
        if s != out.shape or 1 in s or a.itemsize == 0:
            return None
        steps = sorted(zip(a.strides, s))
        expected = a.itemsize
        for st, n in steps:
            if st != expected:
                return None
            expected *= n
        return a
    return None


def lay_out_index(a, index, out):
    """``out = a[index]`` (NumPy arrays; ``index`` a tuple holding at least one integer array)
    laid out as PyTorch's advanced indexing lays it out, a copy where NumPy's layout differs.

    PyTorch's ``index`` is a TensorIterator over the input restrided to the result's shape
    (stride 0 in the indexed dims) and the index tensors (stride 0 in the others): the result
    is dense in the order ``elementwise_strides`` reads from those strides -- row-major for a
    row-major input, the input's order otherwise (``x.permute(2, 0, 1)[:, idx]``). NumPy makes
    the indexed dims outermost in memory (``x[:, idx]`` comes back transposed), so a ``view``
    that PyTorch allows would fail on it."""
    if a.flags.c_contiguous:  # one row-major index array into a row-major input: row-major
        arrays = [p for p in index if type(p) is np.ndarray]
        if len(arrays) == 1 and arrays[0].flags.c_contiguous and arrays[0].dtype.kind != "b":
            return out if out.flags.c_contiguous else np.ascontiguousarray(out)
    parts = []
    for p in index:
        if p is Ellipsis:
            used = sum(1 for q in index if q is not None and q is not Ellipsis)
            parts.extend([slice(None)] * (a.ndim - used))
        else:
            parts.append(p)
    basic, adv_at, arrays = [], [], []
    for p in parts:
        if type(p) is np.ndarray:
            if p.dtype.kind == "b" or p.ndim == 0:
                return out  # (a 0-d mask: a dim of its own; NumPy's placement is kept)
            adv_at.append(len(basic) - sum(1 for q in basic if type(q) is int))
            arrays.append(p)
            basic.append(slice(None))
        else:
            basic.append(p)
    if not arrays or out.ndim < 2 or out.size == 0:
        return out
    base = a[tuple(basic)]
    item = a.itemsize
    if any(s < 0 for s in base.strides):
        return out
    bshape = out.shape
    together = adv_at == list(range(adv_at[0], adv_at[0] + len(adv_at)))
    k = len(np.broadcast_shapes(*(p.shape for p in arrays)))
    rest = [d for d in range(base.ndim) if d not in adv_at]
    first = adv_at[0] if together else 0  # separated indexed dims go first, in both libraries
    strides = [x // item for x in base.strides]
    for d in range(base.ndim - 1, -1, -1):  # a None's dim: PyTorch's unsqueeze stride, not 0
        if base.shape[d] == 1 and strides[d] == 0:
            strides[d] = strides[d + 1] * base.shape[d + 1] if d + 1 < base.ndim else 1
    src = [x for i, x in enumerate(strides) if i in rest]
    src = src[:first] + [0] * k + src[first:]
    operands = [(bshape, tuple(src))]
    for p in arrays:
        view = np.broadcast_to(p, bshape[first:first + k])
        st = [x // p.itemsize for x in view.strides]
        operands.append((bshape, tuple([0] * first + st + [0] * (out.ndim - first - k))))
    want = elementwise_strides(bshape, operands)
    if tuple(x // out.itemsize for x in out.strides) == want:
        return out
    laid = np.ndarray(bshape, out.dtype, np.empty(out.size, out.dtype),
                      strides=tuple(x * out.itemsize for x in want))
    np.copyto(laid, out)
    return laid

