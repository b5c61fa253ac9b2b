"""Memory formats, as PyTorch's ``torch.memory_format``: ``contiguous_format`` (row-major),
``channels_last`` (NHWC order for a 4-D NCHW tensor), ``channels_last_3d`` (NDHWC for 5-D) and
``preserve_format`` (keep the input's order of strides; ``clone``'s default).

A tensor's shape never changes with its format: ``x.contiguous(memory_format=channels_last)``
is the same NCHW tensor with strides ``(H*W*C, 1, W*C, C)``; every op reads any layout, so the
format only decides strides (``stride()``, ``is_contiguous(memory_format=...)``) and which
``view``s are possible.
"""

from __future__ import annotations

import numpy as np

from ._dtype import _NAMESPACE
from ._stride_order import _row_major, elementwise_strides

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d",
           "preserve_format"]


class memory_format:
    """A memory format (``gradkit.channels_last``, ...)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"{_NAMESPACE[0]}.{self._name}"

    __str__ = __repr__

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# the order of dims from the fastest-varying (stride 1) outwards
_ORDER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}
_RANK = {channels_last: 4, channels_last_3d: 5}


def check(fmt, op: str):
    """``fmt`` if it is a memory format, else PyTorch's TypeError."""
    if type(fmt) is not memory_format:
        raise TypeError(f"{op}(): argument 'memory_format' must be a gradkit.memory_format "
                        f"(gradkit.contiguous_format, channels_last, channels_last_3d or "
                        f"preserve_format), not {type(fmt).__name__}")
    return fmt


def _check_rank(a, fmt, op: str) -> None:
    rank = _RANK[fmt]
    if a.ndim != rank:
        raise RuntimeError(f"{op}(): required rank {rank} tensor to use {fmt._name} format, got "
                           f"a tensor of shape {tuple(a.shape)}")


def is_in(a, fmt) -> bool:
    """Whether array ``a`` is laid out in ``fmt`` (size-1 dims' strides do not count, as in
    PyTorch)."""
    if fmt is contiguous_format or fmt is preserve_format:
        return bool(a.flags.c_contiguous)
    if a.ndim != _RANK[fmt]:
        return False
    expected = 1
    item = a.itemsize
    for d in _ORDER[fmt]:
        n = a.shape[d]
        if n != 1:
            if a.strides[d] != expected * item:
                return False
            expected *= n
    return True


def copy_as(xp, a, fmt, op: str = "contiguous"):
    """A copy of ``a`` laid out in ``fmt`` (``preserve_format``: ``preserved``'s layout)."""
    if fmt is contiguous_format:
        return xp.array(a, order="C", copy=True)
    if fmt is preserve_format:
        if a.flags.c_contiguous and not exact_channels_last(a) or type(a) is not np.ndarray:
            return xp.array(a, order="C", copy=True)
        out = preserved(a, a.dtype)
        np.copyto(out, a)
        return out
    _check_rank(a, fmt, op)
    order = _ORDER[fmt][::-1]  # outermost first
    inverse = tuple(order.index(d) for d in range(a.ndim))
    # a fresh array, so that size-1 dims get the format's strides too (PyTorch's (4, 1, 2, 1)
    # for a (3, 1, 2, 2) tensor in channels_last): ascontiguousarray keeps the row-major
    # strides of an array whose only misplaced dims have size 1, and the weight of a
    # one-channel convolution moved to channels_last then read as row-major
    t = a.transpose(order)
    out = xp.empty(t.shape, dtype=a.dtype)
    out[...] = t
    return out.transpose(inverse)


def preserved(a, dtype):
    """An uninitialised NumPy array of ``a``'s shape laid out as PyTorch's ``preserve_format``
    (``clone``, ``empty_like``, ``to``): ``a``'s strides where its elements neither overlap
    nor leave gaps, else dense in ``a``'s order of strides (a broadcast dim, stride 0, keeps its
    place) -- so an expanded, sliced or overlapping tensor's copy is ordered as PyTorch's."""
    item = a.itemsize
    shape = a.shape
    strides = tuple(x // item for x in a.strides)
    # (a one-channel channels-last array keeps its strides, which NumPy calls row-major)
    want = strides if exact_channels_last(a) else elementwise_strides(shape, [(shape, strides)])
    dt = np.dtype(dtype)
    if want == _row_major(shape) or a.size == 0:
        return np.empty(shape, dt)
    return np.ndarray(shape, dt, np.empty(a.size, dt), strides=tuple(x * dt.itemsize
                                                                     for x in want))


def _dense(a) -> bool:
    """No two elements share memory (no zero strides from broadcasting, no negative strides)."""
    return all(s > 0 or n == 1 for s, n in zip(a.strides, a.shape))


def _like_order(a, order) -> bool:
    """PyTorch's test of "strides like" a channels-last order (``order``: dims innermost first):
    strides grow along ``order``; a zero channel stride or an empty dim is row-major, and so is
    an ambiguous layout whose batch stride equals the channel one (``N111``)."""
    shape, strides = a.shape, a.strides
    if strides[1] == 0:
        return False
    low = 0
    for d in order:
        if shape[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * max(shape[d], 1)
    return True


def exact_channels_last(a) -> bool:
    """Whether a row-major array ``a`` (NumPy's ``c_contiguous``, which ignores size-1 dims)
    has exactly the strides PyTorch gives a channels-last tensor of its shape, and they are
    not the row-major ones: a tensor of one channel made channels-last (``(4, 1, 2, 1)`` for
    shape ``(3, 1, 2, 2)``), which PyTorch tells apart from its row-major twin ``(4, 4, 2,
    1)`` (its strides, ``suggest_memory_format``, a convolution's output layout)."""
    rank = a.ndim
    if rank not in (4, 5) or type(a) is not np.ndarray or not a.size:
        return False
    order = _ORDER[channels_last if rank == 4 else channels_last_3d]
    item, step, want = a.itemsize, 1, [0] * rank
    for d in order:
        want[d] = step * item
        step *= a.shape[d]
    return tuple(want) == a.strides and a.strides != _row_major_bytes(a)


def _row_major_bytes(a):
    st, step = [], a.itemsize
    for n in reversed(a.shape):
        st.append(step)
        step *= max(n, 1)
    return tuple(reversed(st))


def torch_strides(a):
    """PyTorch's strides (in elements) of NumPy array ``a``: NumPy's own, but the row-major
    ones where ``a`` is ``c_contiguous`` (NumPy's strides of dims of size 0 and 1 follow
    no rule), unless they are exactly a channels-last tensor's (``exact_channels_last``)."""
    if a.flags.c_contiguous and not (a.ndim in (4, 5) and exact_channels_last(a)):
        st, step = [], 1
        for n in reversed(a.shape):
            st.append(step)
            step *= max(n, 1)
        return tuple(reversed(st))
    item = a.itemsize
    return tuple(s // item for s in a.strides)


def suggest(a):
    """The memory format PyTorch's kernels give the output of an input laid out as array ``a``
    (``Tensor.suggest_memory_format``): ``channels_last`` / ``channels_last_3d`` where the
    strides are ordered so, else ``contiguous_format``."""
    rank = a.ndim
    if rank in (4, 5) and not getattr(getattr(a, "flags", None), "c_contiguous", True):
        fmt = channels_last if rank == 4 else channels_last_3d
        if _like_order(a, _ORDER[fmt]):
            return fmt
    elif rank in (4, 5) and exact_channels_last(a):
        return channels_last if rank == 4 else channels_last_3d
    return contiguous_format


def empty_in(xp, shape, dtype, fmt, fill=None):
    """An uninitialised (or ``fill``-ed) array of ``shape`` laid out in ``fmt``."""
    if fmt is contiguous_format or fmt is preserve_format or len(shape) != _RANK[fmt]:
        out = xp.empty(shape, dtype=dtype)
    else:
        order = _ORDER[fmt][::-1]  # outermost first
        inverse = tuple(order.index(d) for d in range(len(shape)))
        out = xp.empty(tuple(shape[d] for d in order), dtype=dtype).transpose(inverse)
    if fill is not None:
        out[...] = fill
    return out


def relayout(xp, a, fmt):
    """``a`` itself when it is laid out in ``fmt`` already, else a copy in ``fmt``."""
    if fmt is preserve_format or not hasattr(a, "flags") or is_in(a, fmt):
        return a
    return copy_as(xp, a, fmt)
