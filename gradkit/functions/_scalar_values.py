"""Python numbers given where PyTorch takes a ``Scalar`` beside a tensor (``x[i] = v``,
``scatter(..., value=v)``): converted, or refused, as PyTorch converts them."""

from __future__ import annotations

import numpy as np

from .._tensor.tensor import Tensor
from ._args import _check_number

__all__ = ["_check_fits", "_scalar_value"]


def _scalar_value(value, name, x):
    """A ``value=`` number as PyTorch's ``Scalar`` takes it: a number, or a 0-d tensor that
    needs no gradient (its item); a complex one only into a complex ``x``."""
    if isinstance(value, Tensor):
        if value.ndim or value.requires_grad:
            raise TypeError(f"{name}(): argument 'value' must be a number or a 0-d tensor that "
                            f"does not require grad, got a tensor of shape {tuple(value.shape)}"
                            f"{' requiring grad' if value.requires_grad else ''}; pass src= to "
                            f"write a tensor, or value=t.item()")
        value = value.item()
    if isinstance(value, (complex, np.complexfloating)) and x.dtype.kind != "c":
        raise RuntimeError(f"{name}(): value cannot be converted to type {x.dtype} without "
                           f"overflow (got {value!r}); pass a real value")
    _check_number(value, name, "value")
    return value


def _check_fits(value, dtype):
    """A Python number assigned into a tensor converts as PyTorch's ``Scalar`` does, before the
    index is looked at: an int must fit int64 (ValueError), a complex with an imaginary part
    goes into complex tensors only, and an integer tensor (and float32) refuses a value
    beyond its range (RuntimeError; an unsigned one takes negatives down to -max, which
    wrap, and no negative float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, complex, np.number)):
        return value
    if isinstance(value, (int, np.integer)) and not -2 ** 63 <= int(value) < 2 ** 63:
        raise ValueError(f"__setitem__: value {value!r} is out of int64's range, which "
                         f"PyTorch's numbers take; pass a smaller value or a tensor")
    kind = dtype.kind
    if kind == "c" or kind == "b" and not isinstance(value, (complex, np.complexfloating)):
        return value
    if isinstance(value, (complex, np.complexfloating)):
        if value.imag != 0 and kind != "b":
            _overflow(value, dtype)
        value = value.real if kind != "b" else bool(value)
    if kind in "fb":
        if dtype == np.float32 and np.isfinite(value) and \
                abs(float(value)) > float(np.finfo(np.float32).max):
            _overflow(value, dtype)
        return value
    info = np.iinfo(dtype)
    if isinstance(value, (int, np.integer)):
        v = int(value)
        fits = info.min <= v <= info.max if kind == "i" else -info.max <= v <= info.max
    else:
        fits = bool(np.isfinite(value)) and info.min <= float(value) <= info.max
    if not fits:
        _overflow(value, dtype)
    return value


def _overflow(value, dtype):
    raise RuntimeError(f"__setitem__: value {value!r} cannot be converted to type {dtype} "
                       f"without overflow; pass a value in its range, or convert the tensor "
                       f"first")
