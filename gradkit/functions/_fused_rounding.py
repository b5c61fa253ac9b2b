"""Where add/sub (with ``alpha``), addcmul and addcdiv round as PyTorch's CPU kernels: one
fused multiply-add (_fma.py) for float32/float64 NumPy tensors."""

from __future__ import annotations

import numpy as np

from .._tensor.record import check_broadcast
from .._tensor.tensor import Tensor

__all__ = ["_alpha_fused", "_check3", "_fused_kind"]


def _alpha_fused(x, other, alpha, sign):
    """``x + sign * alpha * other`` as PyTorch's add/sub kernel computes it, one fused
    multiply-add, for float32/float64 NumPy tensors of one dtype (``other`` such a tensor or a
    number); None otherwise (the caller's two roundings stand)."""
    xd = x._data
    if type(xd) is not np.ndarray or xd.dtype.kind != "f" or xd.dtype.itemsize < 4 or \
            type(alpha) not in (int, float):
        return None
    if isinstance(other, Tensor):
        od = other._data
        if type(od) is not np.ndarray or od.dtype != xd.dtype:
            return None
        # (the in-place faces compute this before their own op: PyTorch's size error, not
        # NumPy's, for shapes that do not broadcast)
        check_broadcast(x, other, "add_" if sign > 0 else "sub_")
    elif type(other) in (int, float):  # (exact but in the kernel's last few elements, whose
        # rounding PyTorch's compiled tail loop decides)
        od = other
    else:
        return None
    from .._fma import fma

    return fma(od, sign * alpha, xd, xd.dtype)


def _fused_kind(x):
    """Whether addcmul/addcdiv of ``x`` is one node with PyTorch's rounding (float32/float64
    NumPy tensors; other dtypes and backends keep the composite)."""
    d = x._data
    return type(d) is np.ndarray and d.dtype.kind == "f" and d.dtype.itemsize >= 4


def _check3(x, t1, t2, name):
    """PyTorch's size-mismatch error where the three operands do not broadcast together
    (pairwise broadcasting is sufficient: each dim's sizes other than 1 are then equal)."""
    for a, b in ((x, t1), (x, t2), (t1, t2)):
        check_broadcast(a, b, name)
