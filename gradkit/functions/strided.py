"""Strided views: ``as_strided`` (a view of the input's storage with any sizes, element strides
and storage offset, as PyTorch's), ``as_strided_`` (the input becomes that view) and
``as_strided_scatter`` (a copy of the input with ``src`` written through such a view).

gradkit tensors wrap NumPy arrays; a tensor's storage is the array at the root of its ``base``
chain, read in memory order (a tensor that owns a C- or F-ordered array is its own storage; a
view's storage is its base's). The gradient is PyTorch's ``as_strided_backward`` (see
``gradkit/ops/strided.py``). Only arrays in host memory have a storage to view.
"""

from __future__ import annotations

import numpy as np

from .._storage import storage_root
from .._tensor.record import apply1
from .._tensor.tensor import Tensor, wrap
from ..autograd.graph import FORWARD
from ..ops import strided as ST
from ._args import _t, _tensors_only
from ._registry import declare
from .memory import clone
from .shape import _metadata_inplace

__all__ = ["as_strided", "as_strided_scatter"]


def _as_int(e):
    """``e`` as an int where PyTorch's parser takes it for one (an int, a NumPy integer, an
    integer tensor of one element), else None."""
    if isinstance(e, bool):
        return None
    if isinstance(e, (int, np.integer)):
        return int(e)
    if isinstance(e, Tensor) and e.dtype.kind in "iu" and e.numel() == 1:
        return int(e.item())
    return None


def _ints(v, name, arg, pos):
    if isinstance(v, Tensor) or not isinstance(v, (list, tuple)):  # (a lone int too)
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be tuple of ints, "
                        f"not {type(v).__name__}")
    out = tuple(_as_int(e) for e in v)
    for i, e in enumerate(out):
        if e is None:
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be tuple of ints, "
                            f"but found element of type {type(v[i]).__name__} at pos {i}")
    return out


def _offset(storage_offset, name):
    """``storage_offset`` as an int (None left as is), else PyTorch's TypeError."""
    if storage_offset is None:
        return None
    off = _as_int(storage_offset)
    if off is None:
        raise TypeError(f"{name}(): argument 'storage_offset' must be int, not "
                        f"{type(storage_offset).__name__}")
    return off


def storage_of(x):
    """``(flat, offset, strides)``: ``x``'s storage as a 1-D array in memory order, the offset
    of ``x``'s first element in it, and ``x``'s strides in elements."""
    a = x._data
    if not isinstance(a, np.ndarray):
        raise RuntimeError("as_strided: only tensors in host memory have a storage gradkit can "
                           "view; move the tensor to the CPU first")
    isz = a.itemsize
    root = storage_root(a)
    if root.dtype == a.dtype and (root.flags.c_contiguous or root.flags.f_contiguous):
        flat = root.reshape(-1, order="A")
        lo = flat.__array_interface__["data"][0]
        off = (a.__array_interface__["data"][0] - lo) // isz if a.size else x.storage_offset()
        return flat, int(off), tuple(s // isz for s in a.strides)
    # a storage gradkit cannot address (a reinterpreted dtype, a strided root): a contiguous
    # copy stands in for it
    flat = np.ascontiguousarray(a).reshape(-1)
    return flat, 0, _contiguous_strides(a.shape)


def _contiguous_strides(shape):
    st, step = [], 1
    for n in reversed(shape):
        st.append(step)
        step *= max(n, 1)
    return tuple(reversed(st))


def _positions(shape, strides, offset):
    """The storage position of every element of a geometry (C order)."""
    pos = np.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        idx = np.arange(n, dtype=np.int64) * s
        pos = pos + idx.reshape((n,) + (1,) * (len(shape) - d - 1))
    return pos


def _check_geometry(name, size, stride, offset, storage_size, itemsize):
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{name}: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(n < 0 for n in size) and 0 in size:
        # PyTorch computes no storage size for a size with a 0: it returns a tensor of that
        # size, which every op then refuses ("Trying to create tensor with negative dimension")
        raise RuntimeError(f"{name}: Trying to create tensor with negative dimension "
                           f"{min(size)}: {list(size)}; give sizes >= 0 (PyTorch makes this "
                           f"tensor because another size is 0, then refuses it in every op)")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if all(n > 0 for n in size):
        need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if need > storage_size:
            raise RuntimeError(
                f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                f"{offset}, and itemsize {itemsize} requiring a storage size of "
                f"{need * itemsize} are out of bounds for storage of size "
                f"{storage_size * itemsize}")


def _strided_args(x, size, stride, storage_offset, name):
    size = _ints(size, name, "size", 2)
    stride = _ints(stride, name, "stride", 3)
    flat, off, xst = storage_of(x)
    storage_offset = _offset(storage_offset, name)
    off_new = off if storage_offset is None else storage_offset
    _check_geometry(name, size, stride, off_new, flat.size, flat.itemsize)
    return size, stride, flat, off, xst, off_new


def _as_strided_(self, size, stride, storage_offset=None):
    return _metadata_inplace(self, as_strided(self, size, stride, storage_offset),
                             "as_strided_")


@declare(inplace=_as_strided_)
def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with sizes ``size``, element strides ``stride`` and the
    first element at ``storage_offset`` (``input``'s own by default); the elements may overlap
    and may lie outside ``input`` (anywhere in its storage)."""
    x = _t(input)
    size, stride, flat, off, xst, off_new = _strided_args(x, size, stride, storage_offset,
                                                          "as_strided")
    isz = flat.itemsize
    if all(n > 0 for n in size):  # (np.ndarray over the storage keeps the base chain)
        view = np.ndarray(size, flat.dtype, buffer=flat, offset=off_new * isz,
                          strides=tuple(s * isz for s in stride))
        view.flags.writeable = flat.flags.writeable
    else:
        view = np.empty(size, dtype=flat.dtype)
    if not ((x.requires_grad or FORWARD[0] is not None) and x.dtype.kind == "f"):
        res = apply1(ST.AS_STRIDED, x, (view, None, None, None, 0, x.shape, size))
    else:
        # the gradient's geometry: the input's elements grouped by storage position
        in_pos = _positions(x.shape, xst, off).reshape(-1)
        out_pos = _positions(size, stride, off_new).reshape(-1)
        uniq, grp = np.unique(in_pos, return_inverse=True)
        cnt = np.bincount(grp, minlength=uniq.size).astype(np.float64)
        k = np.searchsorted(uniq, out_pos)
        hit = (k < uniq.size) & (uniq[np.minimum(k, uniq.size - 1)] == out_pos) \
            if uniq.size else np.zeros(out_pos.shape, bool)
        og = np.where(hit, k, -1)
        res = apply1(ST.AS_STRIDED, x, (view, grp.reshape(-1), cnt, og, uniq.size,
                                        tuple(x.shape), size))
    res._vcl = x._vc  # a view: it shares the input's version counter
    return res


def _scatter_storage(x):
    """``(strides, offset, storage size)`` of the copy as_strided_scatter writes into: PyTorch's
    clone_preserve_strides copies ``x``'s whole storage, keeping its strides and offset (the
    view may address storage outside ``x``, whose writes the result does not show), except for
    an input with internal overlap (a stride 0 over a size > 1, an expanded tensor), which it
    clones to a contiguous tensor of its own."""
    shape = tuple(x.shape)
    if isinstance(x._data, np.ndarray) and not any(
            n > 1 and st == 0 for n, st in zip(shape, x.stride())):
        flat, off, xst = storage_of(x)
        return tuple(xst), off, flat.size
    if isinstance(x._data, np.ndarray):  # (overlapping: contiguous strides)
        xst, acc = [], 1
        for n in reversed(shape):
            xst.append(acc)
            acc *= max(n, 1)
        return tuple(reversed(xst)), 0, x.numel()
    xst = x.stride()  # (another backend: a storage just large enough, at offset 0)
    n_store = 0 if any(n == 0 for n in shape) else \
        1 + sum((n - 1) * st for n, st in zip(shape, xst))
    return tuple(xst), 0, n_store


@declare(grad_name="AsStridedScatterBackward0")
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` (with ``input``'s strides) with ``src`` written into the view
    ``as_strided(size, stride, storage_offset)`` of the copy; differentiable in both."""
    _tensors_only("as_strided_scatter", (1, "input", input), (2, "src", src))
    x = _t(input)
    s = _t(src, "src")
    if x.requires_grad and not x.is_contiguous():
        raise RuntimeError("as_strided_scatter is currently only supported for contiguous "
                           "inputs that require grad; call .contiguous() on the input first")
    size = _ints(size, "as_strided_scatter", "size", 3)
    stride = _ints(stride, "as_strided_scatter", "stride", 4)
    storage_offset = _offset(storage_offset, "as_strided_scatter")
    xst, x_off, n_store = _scatter_storage(x)
    off_new = x_off if storage_offset is None else storage_offset
    _check_geometry("as_strided_scatter", size, stride, off_new, n_store, x._data.itemsize)
    if tuple(s.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(s.shape)}, slice size = {list(size)}")
    if s.dtype != x.dtype:  # written through copy_, as PyTorch: src casts to self's dtype
        s = s.to(x.dtype)
    out_pos = _positions(size, stride, off_new).reshape(-1)
    if any(n > 1 and st == 0 for n, st in zip(size, stride)):
        # PyTorch's copy_ refuses the overlap it sees for sure (a stride 0 over a size > 1)
        raise RuntimeError("as_strided_scatter(): unsupported operation: more than one element "
                           "of the written-to tensor refers to a single memory location (a "
                           f"stride 0 in {list(stride)} over size {list(size)}). Please clone() "
                           "the tensor before performing the operation.")
    # other windows whose elements share memory: each position keeps the last of src's
    # elements written there in row-major order, as PyTorch's copy_ writes them (on one
    # thread: past its grain of 32768 elements PyTorch's threads race)
    # which element of the copy each storage position holds, then an index_put on its elements
    owner = np.full(max(n_store, 1), -1, dtype=np.int64)
    owner[_positions(x.shape, xst, x_off).reshape(-1)] = np.arange(x.numel())
    target = owner[out_pos] if out_pos.size else out_pos
    out = clone(x)
    res = out.reshape(-1)
    if target.size:
        keep = target >= 0
        vals = s.reshape(-1)
        if not keep.all():
            vals = vals[wrap(np.nonzero(keep)[0])]
        res = res.index_put((wrap(target[keep]),), vals)
    return res.reshape(x.shape)
