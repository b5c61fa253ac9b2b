"""Bitwise and integer ops: ``bitwise_and/or/xor/not``, the shifts, ``gcd``/``lcm``, and the
operators ``& | ^ ~ << >>`` (with their reflected and in-place forms), which are the same
functions. As in PyTorch they take integral and bool tensors only (a float raises
NotImplementedError naming the op and the dtype), promote dtypes as PyTorch does (``int & bool``
is int64, ``bool & True`` stays bool) and are not differentiable."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._backend import to_host
from .._stride_order import lay_out_elementwise
from .._tensor.record import check_broadcast
from .._tensor.tensor import Tensor, wrap
from ._args import (
    _const_like,
    _deferring,
    _same_device,
    _scalar_or_tensor,
    _t,
    _tensors_only,
    _wrap_int_scalar,
    tensor_input_for_out,
)
from ._registry import declare, tensor_method, write_inplace

__all__ = ["bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "gcd", "lcm"]

def _label(dt):
    dt = np.dtype(dt)
    return {np.dtype(np.float64): "Double", np.dtype(np.float16): "Half",
            np.dtype(np.float32): "Float", np.dtype(np.int64): "Long", np.dtype(np.int32): "Int",
            np.dtype(np.int16): "Short", np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
            np.dtype(bool): "Bool"}.get(dt, str(dt))


def _integral(a, b, name, kernel, bool_ok=True):
    """Both operands promoted (PyTorch's rules), integral, broadcastable: their arrays."""
    if isinstance(a, Tensor) or not isinstance(b, Tensor):
        a, b = _t(a), _scalar_or_tensor(b)
    else:
        a = _scalar_or_tensor(a)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    for x, arg in ((a, "input"), (b, "other")):
        if x.__class__ is complex:  # (a Scalar, so a complex operand: no integral kernel)
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'ComplexFloat\'; '
                                      f"{name}() takes integral or bool operands")
        if not isinstance(x, Tensor) and not isinstance(x, (bool, int, float, np.number,
                                                            np.bool_)):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor or a number, got "
                            f"{type(x).__name__}")
    if ta and tb:
        if type(a._data) is not type(b._data):
            a, b = _same_device(a, b, name)
        check_broadcast(a, b, name)
        rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
    else:
        t, num = (a, b) if ta else (b, a)
        rt = _dtype.scalar_result_dtype(t.dtype, num)
    if rt.kind not in "iub" or (rt.kind == "b" and not bool_ok):
        raise NotImplementedError(
            f'"{kernel}_cpu" not implemented for \'{_label(rt)}\': {name}() takes integral '
            f"{'' if not bool_ok else 'or bool '}tensors (convert with .long() or .bool())"
        )
    ref = a if ta else b
    da = a._data.astype(rt, copy=False) if ta else np.asarray(_wrap_int_scalar(a, rt), dtype=rt)
    db = b._data.astype(rt, copy=False) if tb else np.asarray(_wrap_int_scalar(b, rt), dtype=rt)
    return ref, da, db, rt


def _result(ref, arr, rt, a=None, b=None):
    """``arr`` as the result tensor; ``a``, ``b``: the operands, whose layouts decide the
    result's as PyTorch's TensorIterator (NumPy's order can differ for mixed layouts)."""
    if type(arr) is np.ndarray and a is not None and not (a.flags.c_contiguous
                                                          and b.flags.c_contiguous):
        arr = lay_out_elementwise(arr, (a, b))
    return wrap(_const_like(ref, np.asarray(arr, dtype=rt)) if not hasattr(arr, "shape")
                else arr.astype(rt, copy=False))


@declare(inplace=True, out=("cast", tensor_input_for_out("bitwise_and")), differentiable=False)
def bitwise_and(input, other):
    if not isinstance(input, Tensor) and not (  # (a number beside a Tensor: PyTorch's
            isinstance(other, Tensor) and isinstance(input, (int, float, np.number))):  # Scalar
        _tensors_only("bitwise_and", (1, "input", input))  # overload; x & y takes numbers)
    return _bitwise_and(input, other)


def _bitwise_and(input, other):
    ref, a, b, rt = _integral(input, other, "bitwise_and", "bitwise_and")
    return _result(ref, a & b, rt, a, b)


@declare(inplace=True, out=("cast", tensor_input_for_out("bitwise_or")), differentiable=False)
def bitwise_or(input, other):
    ref, a, b, rt = _integral(input, other, "bitwise_or", "bitwise_or")
    return _result(ref, a | b, rt, a, b)


@declare(inplace=True, out=("cast", tensor_input_for_out("bitwise_xor")), differentiable=False)
def bitwise_xor(input, other):
    ref, a, b, rt = _integral(input, other, "bitwise_xor", "bitwise_xor")
    return _result(ref, a ^ b, rt, a, b)


@declare(inplace=True, out="same", differentiable=False)
def bitwise_not(input):
    x = _t(input)
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for '
                                  f"'{_label(x.dtype)}': bitwise_not() takes integral or bool "
                                  f"tensors")
    return wrap(~x._data)


def _shift(input, other, name, kernel, left):
    ref, a, b, rt = _integral(input, other, name, kernel, bool_ok=False)
    bits = rt.itemsize * 8
    # PyTorch: a shift by a negative amount or by the width or more gives 0 (or -1 for an
    # arithmetic right shift of a negative number); NumPy's is undefined there
    xp_b = np.asarray(to_host(b)) if not isinstance(b, np.ndarray) else b
    out_of_range = (xp_b < 0) | (xp_b >= bits)
    safe = np.where(out_of_range, 0, b).astype(rt)
    with np.errstate(over="ignore"):
        r = (a << safe) if left else (a >> safe)
    if left or rt.kind == "u":
        fill = np.zeros((), dtype=rt)
        r = np.where(out_of_range, fill, r)
    else:
        r = np.where(out_of_range, np.where(a < 0, -1, 0).astype(rt), r)
    return _result(ref, r, rt, a, b)


@declare(inplace=True, out=("cast", tensor_input_for_out("bitwise_left_shift")),
         differentiable=False)
def bitwise_left_shift(input, other):
    """``input << other`` (integers; bits shifted past the width are lost)."""
    return _shift(input, other, "bitwise_left_shift", "lshift", True)


@declare(inplace=True, out=("cast", tensor_input_for_out("bitwise_right_shift")),
         differentiable=False)
def bitwise_right_shift(input, other):
    """``input >> other``: arithmetic for signed integers."""
    return _shift(input, other, "bitwise_right_shift", "rshift", False)


@declare(inplace=True, out=True, differentiable=False)
def gcd(input, other):
    """The greatest common divisor (non-negative; ``gcd(0, 0) = 0``); integers only."""
    _tensors_only("gcd", (1, "input", input), (2, "other", other))
    ref, a, b, rt = _integral(input, other, "gcd", "gcd", bool_ok=False)
    return _result(ref, np.gcd(a, b), rt, a, b)


@declare(inplace=True, out=True, differentiable=False)
def lcm(input, other):
    """The least common multiple (non-negative; 0 if either is 0); integers only."""
    _tensors_only("lcm", (1, "input", input), (2, "other", other))
    ref, a, b, rt = _integral(input, other, "lcm", "lcm", bool_ok=False)
    return _result(ref, np.lcm(a, b), rt, a, b)


# ------------------------------------------------------------------ operators
def _shift_op(input, other, left):
    # the operators accept bool tensors (PyTorch promotes them to the other operand's integer
    # type: True << 1 is 2); the functions do not
    if isinstance(input, Tensor) and input.dtype.kind == "b":
        if isinstance(other, (bool, np.bool_)) or isinstance(other, Tensor) and \
                other.dtype.kind == "b":  # bool << bool: PyTorch has no kernel
            raise NotImplementedError(f'"{"lshift" if left else "rshift"}_cpu" not implemented '
                                      f"for 'Bool': shift integers (convert with .long())")
        input = input.to(np.dtype(np.int64)) if not isinstance(other, Tensor) else \
            input.to(other.dtype)
    if left:
        return bitwise_left_shift(input, other)
    return bitwise_right_shift(input, other)


@tensor_method()
@_deferring("__rand__")
def __and__(self, other):
    return bitwise_and(self, other)


@tensor_method()
def __rand__(self, other):
    return _bitwise_and(other, self)


@tensor_method()
@_deferring("__ror__")
def __or__(self, other):
    return bitwise_or(self, other)


@tensor_method()
def __ror__(self, other):
    return bitwise_or(other, self)


@tensor_method()
@_deferring("__rxor__")
def __xor__(self, other):
    return bitwise_xor(self, other)


@tensor_method()
def __rxor__(self, other):
    return bitwise_xor(other, self)


@tensor_method()
def __invert__(self):
    if self.dtype.kind not in "iub":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        f"tensors, not {self.dtype}")
    return bitwise_not(self)


@tensor_method()
@_deferring("__rlshift__")
def __lshift__(self, other):
    return _shift_op(self, other, True)


@tensor_method()
def __rlshift__(self, other):
    return _shift_op(other, self, True)


@tensor_method()
@_deferring("__rrshift__")
def __rshift__(self, other):
    return _shift_op(self, other, False)


@tensor_method()
def __rrshift__(self, other):
    return _shift_op(other, self, False)


@tensor_method()
def __iand__(self, other):
    return write_inplace(self, bitwise_and(self, other), "bitwise_and_")


@tensor_method()
def __ior__(self, other):
    return write_inplace(self, bitwise_or(self, other), "bitwise_or_")


@tensor_method()
def __ixor__(self, other):
    return write_inplace(self, bitwise_xor(self, other), "bitwise_xor_")


@tensor_method()
def __ilshift__(self, other):
    return write_inplace(self, _shift_op(self, other, True), "bitwise_left_shift_")


@tensor_method()
def __irshift__(self, other):
    return write_inplace(self, _shift_op(self, other, False), "bitwise_right_shift_")
