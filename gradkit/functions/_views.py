"""PyTorch's rules for views: which shapes a tensor of given strides can be viewed as
(``computeStride``, used by ``view`` and to emulate ``kron``'s layout), and ``view(dtype)``'s
reinterpretation of the same memory as another dtype."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._complex import as_carray
from .._tensor.tensor import wrap


def _prod(xs):
    return math.prod(xs)


def view_strides(oldshape, oldstride, newshape):
    """PyTorch's ``computeStride``: the strides of a view of ``newshape`` of a tensor of
    ``oldshape`` and ``oldstride``, or None when no view exists."""
    if _prod(oldshape) == 0:
        return [1] * len(newshape)
    newstride = [0] * len(newshape)
    if not oldshape:
        return [1] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1
                             and oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return newstride


def view_dtype(x, dtype):
    """``x.view(dtype)``: the same memory read as ``dtype`` (bits reinterpreted, not converted),
    as PyTorch: with another element size the last dim is rescaled, which needs it contiguous
    and of a size that divides. Not differentiable (PyTorch's ``view.dtype`` is not)."""
    new = _dtype.to_dtype(dtype)
    old = x.dtype
    if new is old:
        return x.detach()
    a = x._data
    if old.itemsize != new.itemsize:
        what = f"to view {old} as {new} (different element sizes)"
        if x.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if x.shape[-1] != 1 and x.stride(-1) != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {x.stride(-1)}")
        if old.itemsize < new.itemsize:
            ratio = new.itemsize // old.itemsize
            if x.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but "
                                   f"got {x.shape[-1]}")
            if x.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, "
                                   f"but got {x.storage_offset()}")
            bad = [i for i, st in enumerate(x.stride()[:-1]) if st % ratio]
            if bad:
                raise RuntimeError(f"self.stride({bad[0]}) must be divisible by {ratio} {what}, "
                                   f"but got {x.stride(bad[0])}")
        if x.shape[-1] == 1 and a.strides[-1] != a.itemsize:  # a size-1 last dim: any stride
            a = a[..., :1].reshape(a.shape[:-1] + (1,))
    base = a.view(np.ndarray) if type(a) is not np.ndarray and hasattr(a, "dtype") and \
        a.dtype.kind == "c" else a
    try:
        r = base.view(new.dtype)
    except (TypeError, ValueError) as e:
        raise RuntimeError(f"view: cannot view a {old} tensor of shape {tuple(x.shape)} and "
                           f"strides {x.stride()} as {new} ({e})") from None
    out = wrap(as_carray(r))
    out._vcl = x._vc  # the same memory: one version counter (not a view for ``_is_view()``,
    return out        # as PyTorch's)


def infer_shape(shape, numel, name):
    """``shape`` (ints, one of them -1 at most) filled in for ``numel`` elements, with
    PyTorch's RuntimeError where no such shape holds them."""
    shape = [int(s) for s in shape]
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"{name}: invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}; sizes are >= 0, or -1 for the inferred one")
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred (-1), got {tuple(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(
                f"{name}: shape {tuple(shape)} is invalid for input of size {numel}"
            )
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{name}: shape {tuple(shape)} is invalid for input of size {numel}")
    return tuple(shape)
