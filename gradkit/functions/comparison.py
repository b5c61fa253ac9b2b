"""Comparisons and logic: ``eq``/``lt``/..., ``isnan``/``isfinite``, ``isclose``, the logical ops,
and the comparison and bitwise operators of Tensor. None of them is differentiable."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._backend import to_host
from .._stride_order import lay_out_elementwise
from .._tensor import torch_function as _tf
from .._tensor.record import check_broadcast
from .._tensor.tensor import Tensor, wrap
from ._args import (
    _const_like,
    _deferring,
    _raw,
    _same_device,
    _scalar_or_tensor,
    _t,
    _wrap_int_scalar,
)
from ._registry import declare, tensor_method

__all__ = ["allclose", "eq", "equal", "ge", "gt", "isclose", "isfinite", "isin", "isinf", "isnan",
    "isneginf", "isposinf", "isreal", "le", "logical_and", "logical_not", "logical_or",
    "logical_xor", "lt", "ne"]


def _pair(input, other, name):
    """The two operands' arrays (a number stays a number), on one device, checked to broadcast
    with PyTorch's message naming both shapes."""
    a = _t(input)
    b = _scalar_or_tensor(other)
    if isinstance(b, Tensor):
        if type(a._data) is not type(b._data):
            a, b = _same_device(a, b, name)
        check_broadcast(a, b, name)
        if a.dtype != b.dtype:  # compared in PyTorch's promoted dtype, both cast to it
            rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
            return _cast(a._data, rt), _cast(_raw(b), rt)
        return a._data, _raw(b)
    if not isinstance(b, (bool, int, float, complex, np.number, np.bool_)):
        raise TypeError(f"{name}(): argument 'other' must be a Tensor or a number, got "
                        f"{type(b).__name__}")
    if b.__class__ is float and a._data.dtype.kind in "biu":  # in the default float dtype
        return _cast(a._data, _dtype.get_default_dtype()), b
    return a._data, _wrap_int_scalar(b, a._data.dtype)


def _cast(x, dt):
    """``x`` (an array or a NumPy scalar) in ``dt`` as PyTorch casts an operand to the promoted
    dtype: NumPy would compare uint8 against a 0-d int64 -1 in int64 (PyTorch: -1 wraps to
    255), int64 against float32 in float64 (PyTorch: 16777217 rounds to 16777216.0)."""
    dt = _dtype.np_dtype(dt)
    if x.dtype == dt:
        return x
    with np.errstate(over="ignore", invalid="ignore"):  # (float64 1e300 in float16: inf)
        return x.astype(dt)


def _compare(ufunc, input, other, name):
    a, b = _pair(input, other, name)
    out = ufunc(a, b)
    if type(out) is np.ndarray and type(a) is np.ndarray and not (
            a.flags.c_contiguous and (type(b) is not np.ndarray or b.flags.c_contiguous)):
        out = lay_out_elementwise(out, (a, b))  # (PyTorch's layout, not NumPy's)
    return wrap(out)


@declare(inplace=True, out=True, differentiable=False)
def eq(input, other):
    return _compare(np.equal, input, other, "eq")


@declare(inplace=True, out=True, aliases=("not_equal",), differentiable=False)
def ne(input, other):
    return _compare(np.not_equal, input, other, "ne")


@declare(inplace=True, out=True, aliases=("less",), differentiable=False)
def lt(input, other):
    return _compare(np.less, input, other, "lt")


@declare(inplace=True, out=True, aliases=("less_equal",), differentiable=False)
def le(input, other):
    return _compare(np.less_equal, input, other, "le")


@declare(inplace=True, out=True, aliases=("greater",), differentiable=False)
def gt(input, other):
    return _compare(np.greater, input, other, "gt")


@declare(inplace=True, out=True, aliases=("greater_equal",), differentiable=False)
def ge(input, other):
    return _compare(np.greater_equal, input, other, "ge")


@declare(differentiable=False)
def equal(input, other) -> bool:
    """True when both have the same shape and elements."""
    a, b = _t(input), _t(other, "other")
    if a.shape != b.shape:
        return False
    x, y = a._data, b._data
    if a.dtype != b.dtype:  # in the promoted dtype, as PyTorch (int64 against float32: float32)
        rt = _dtype.promote_types(a.dtype, b.dtype)
        x, y = _cast(x, rt), _cast(y, rt)
    return bool((x == y).all())


@declare(inplace=True, out=True, differentiable=False)
def logical_and(input, other):
    return _compare(np.logical_and, input, _t(other, "other"), "logical_and")


@declare(inplace=True, out=True, differentiable=False)
def logical_or(input, other):
    return _compare(np.logical_or, input, _t(other, "other"), "logical_or")


@declare(inplace=True, out=True, differentiable=False)
def logical_xor(input, other):
    return _compare(np.logical_xor, input, _t(other, "other"), "logical_xor")


@declare(inplace=True, out=True, differentiable=False)
def logical_not(input):
    return wrap(np.logical_not(_t(input)._data))


@declare(differentiable=False)
def isnan(input):
    return wrap(np.isnan(_t(input)._data))


@declare(differentiable=False)
def isinf(input):
    return wrap(np.isinf(_t(input)._data))


@declare(differentiable=False)
def isfinite(input):
    return wrap(np.isfinite(_t(input)._data))


@declare(out="same", differentiable=False)
def isposinf(input):
    if _t(input)._data.dtype.kind == "c":
        raise RuntimeError("isposinf does not support complex inputs.")
    return wrap(np.isposinf(_t(input)._data))


@declare(out="same", differentiable=False)
def isneginf(input):
    if _t(input)._data.dtype.kind == "c":
        raise RuntimeError("isneginf does not support complex inputs.")
    return wrap(np.isneginf(_t(input)._data))


@declare(differentiable=False)
def isreal(input):
    """True for every element of a real tensor (the imaginary part of a complex one is 0)."""
    d = _t(input)._data
    return wrap(np.isreal(d) if d.dtype.kind == "c" else _const_like(_t(input),
                                                                     np.ones(d.shape, bool)))


@declare(method=False, out="same", differentiable=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is in ``test_elements``; either may be a number."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): at least one of 'elements' and 'test_elements' must be a Tensor")
    e = _scalar_or_tensor(elements)
    t = _scalar_or_tensor(test_elements)
    ref = e if isinstance(e, Tensor) else t
    for v in (e, t):
        if isinstance(v, Tensor) and v._data.dtype == np.bool_ or isinstance(v, (bool, np.bool_)):
            raise RuntimeError("Unsupported input type encountered for isin(): Bool; convert it "
                               "first, e.g. x.to(gradkit.uint8)")
    ea = to_host(e._data) if isinstance(e, Tensor) else np.asarray(e)
    ta = to_host(t._data) if isinstance(t, Tensor) else np.asarray(t)
    if isinstance(e, Tensor) and isinstance(t, Tensor) and ea.dtype != ta.dtype:
        rt = _dtype.promote_types(ea.dtype, ta.dtype)
        ea, ta = ea.astype(rt), ta.astype(rt)
    r = np.isin(ea, ta, assume_unique=assume_unique, invert=invert)
    return wrap(_const_like(ref, np.asarray(r)))


@declare(differentiable=False)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _close_operands(input, other, "isclose", rtol, atol)
    # (rtol and atol are PyTorch's floats: a huge int is taken as its float)
    return wrap(np.isclose(a._data, b._data, rtol=float(rtol), atol=float(atol),
                           equal_nan=equal_nan))


def _close_operands(input, other, fn, rtol, atol):
    """``isclose``/``allclose`` compare two tensors of one dtype and broadcastable shapes,
    within tolerances >= 0."""
    a, b = _t(input), _t(other, "other")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{fn}(): {np.dtype(a.dtype).name} did not match "
                           f"{np.dtype(b.dtype).name}: both tensors must have the same "
                           f"dtype; convert one first, e.g. other.to(input.dtype)")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not tol >= 0:  # (NaN too)
            raise RuntimeError(f"{fn}(): {name} must be greater than or equal to zero, but got "
                               f"{float(tol)}")
    check_broadcast(a, b, f"{fn}()")
    return a, b


@declare(differentiable=False)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    a, b = _close_operands(input, other, "allclose", rtol, atol)
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ------------------------------------------------------------------ operators
# ``x == y`` and the others: the functions above (PyTorch's broadcasting error naming both
# shapes, never NumPy's); the bitwise operators are in bitwise.py
def _equality(ufunc, self, other, name):
    """``x == other``/``x != other``: an ``other`` that is no tensor, number or array (None, a
    str, a list, any object) gives Python's fallback, as PyTorch's operators turn the op's
    TypeError into NotImplemented: ``x == [1, 2]`` is False, ``x != None`` True."""
    if other is None or isinstance(other, str):
        return NotImplemented
    if isinstance(other, Tensor):
        return _compare(ufunc, self, other, name)
    try:
        return _compare(ufunc, self, other, name)
    except TypeError:
        r = _tf.dispatch_operand(name, (self, other))  # (a tensor-like's __torch_function__)
        return NotImplemented if r is _tf.NOT_DISPATCHED else r


def _ordering(ufunc, self, other, name):
    """``x < y``: ``Tensor.lt`` to a tensor-like operand's ``__torch_function__``, as PyTorch."""
    try:
        return _compare(ufunc, self, other, name)
    except TypeError:
        r = _tf.dispatch_operand(name, (self, other))
        if r is _tf.NOT_DISPATCHED:
            raise
        return r


@tensor_method()
def __eq__(self, other):
    return _equality(np.equal, self, other, "eq")


@tensor_method()
def __ne__(self, other):
    return _equality(np.not_equal, self, other, "ne")


@tensor_method()
@_deferring("__gt__")
def __lt__(self, other):
    return _ordering(np.less, self, other, "lt")


@tensor_method()
@_deferring("__ge__")
def __le__(self, other):
    return _ordering(np.less_equal, self, other, "le")


@tensor_method()
@_deferring("__lt__")
def __gt__(self, other):
    return _ordering(np.greater, self, other, "gt")


@tensor_method()
@_deferring("__le__")
def __ge__(self, other):
    return _ordering(np.greater_equal, self, other, "ge")
