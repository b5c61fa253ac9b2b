"""The factory of one-input float functions (exp, log, sin, ...): integer inputs become the
default float dtype first; a floating NumPy tensor takes one type test and one dtype test."""

from __future__ import annotations

import numpy as np

from .._exact_float32 import EXACT_MAX
from .._options import allocation_error
from .._tensor.record import apply1, unary_result
from .._tensor.tensor import Tensor
from ._args import _integral_unary, _t

__all__ = ["_float_unary"]

_ndarray = np.ndarray
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def _float_unary(op, name, doc, ufunc=None):
    """A one-input function of floats: integer inputs become the default float dtype first.

    Built by a factory so that the common case (a floating Tensor) is one type test and one
    dtype test before ``apply1``: these run once per op in user code. ``ufunc``: the NumPy
    function that is ``op``'s forward on a NumPy array (``xp.tanh(a)``), called directly there
    (one Python call less per op)."""
    raw = getattr(ufunc, "raw", None)  # a rounded-once ufunc's NumPy ufunc
    if raw is not None:
        def fn(input):
            if type(input) is Tensor:
                data = input._data
                if type(data) is _ndarray and data.dtype.kind == "f":
                    try:
                        if data.dtype is _F32 and data.size <= EXACT_MAX:  # ``ufunc.one``,
                            out = raw(data.astype(_F64)).astype(_F32)  # inlined: a call less
                        else:
                            out = raw(data)
                        return unary_result(op, input, data, out)
                    except MemoryError as e:  # (``apply1``'s translation, on this path)
                        raise allocation_error(f"while computing {op.name}", e, True) from None
                if data.dtype.kind == "f":
                    return apply1(op, input)
            return _integral_unary(op, _t(input))
    elif ufunc is not None:
        ufunc = getattr(ufunc, "one", ufunc)  # (a rounded-once ufunc's one-array form)

        def fn(input):
            if type(input) is Tensor:
                data = input._data
                if type(data) is _ndarray and data.dtype.kind == "f":
                    try:
                        return unary_result(op, input, data, ufunc(data))
                    except MemoryError as e:  # (``apply1``'s translation, on this path)
                        raise allocation_error(f"while computing {op.name}", e, True) from None
                if data.dtype.kind == "f":
                    return apply1(op, input)
            return _integral_unary(op, _t(input))
    else:
        def fn(input):
            if type(input) is Tensor and input._data.dtype.kind == "f":
                return apply1(op, input)
            return _integral_unary(op, _t(input))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn
