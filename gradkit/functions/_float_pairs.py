"""Two operands made one floating dtype (PyTorch's promotion for ops with floating kernels
only: atan2, hypot, logaddexp, xlogy, the incomplete gamma functions), and such an op applied."""

from __future__ import annotations

from .. import _dtype
from .._tensor.record import apply2, check_broadcast
from .._tensor.tensor import Tensor
from ._args import _not_implemented, _same_device, _scalar_or_tensor, _t


def _float_pair(input, other, fn, scalars=False, kernel=None):
    """Both operands as one floating dtype (PyTorch's promotion; integers become the default
    float, or raise NotImplementedError naming ``kernel`` for ops PyTorch has no integral
    kernel of). Python numbers are allowed when ``scalars``."""
    if scalars and not isinstance(input, Tensor) and isinstance(other, Tensor):
        a = _scalar_or_tensor(input)
        b = other
    else:
        a = _t(input)
        b = _scalar_or_tensor(other) if scalars else _t(other, "other")
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if type(a._data) is not type(b._data):
            a, b = _same_device(a, b, fn)
        rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
    else:
        t_, num = (a, b) if isinstance(a, Tensor) else (b, a)
        if not isinstance(num, (int, float, bool)):
            raise TypeError(f"{fn}(): expected a Tensor or a number, got {type(num).__name__}")
        rt = _dtype.scalar_result_dtype(t_.dtype, num)
    if rt.kind != "f":
        if kernel is not None:
            _not_implemented(kernel, rt, f"{fn}() takes floating tensors: convert with .float()")
        rt = _dtype.get_default_dtype()
    a = a.to(rt) if isinstance(a, Tensor) and a.dtype != rt else a
    b = b.to(rt) if isinstance(b, Tensor) and b.dtype != rt else b
    return a, b


def _binary_float_op(op, input, other, fn, params=(), kernel=None):
    a, b = _float_pair(input, other, fn, kernel=kernel)
    try:
        return apply2(op, a, b, params)
    except ValueError:
        check_broadcast(a, b, fn)
        raise
