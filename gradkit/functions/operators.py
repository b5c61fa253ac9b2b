"""The Tensor arithmetic operators (``x + y``, ``x * 2``, ``2 - x``, ``x ** y``, ``x // y``,
``x % y``, ``-x``): PyTorch's dtype promotion and checks through the functions of
``elementwise.py`` (the in-place ``x += y`` forms are there, beside ``add_``)."""

from __future__ import annotations

import numpy as np

from .._tensor.record import SCALAR_ARRAYS, apply1, apply_scalar, scalar_array, scalar_result
from .._tensor.tensor import Tensor
from ..ops import elementwise as E
from ._args import _binary, _div_operands, _not_implemented, _rbinary
from ._registry import tensor_method, write_inplace
from .elementwise import _check_sub, floor_divide, neg, positive, remainder

__all__: list[str] = []

_ndarray = np.ndarray
_ADD, _SUB, _MUL = E.ADD, E.SUB, E.MUL
_SCALARS = SCALAR_ARRAYS


# ------------------------------------------------------------------ operators
# ``a op number`` for a float Tensor is the most common op in user code: the scalar paths below
# skip ``_binary``'s promotion checks and inline the forward, the number as a cached 0-d array
# of the tensor's dtype (``record.scalar_array``: same result, a much cheaper NumPy call;
# measured by bench_core's overhead).
@tensor_method()
def __add__(self, other):
    t = type(other)  # a float Tensor and a Python number: skip _binary's checks
    if t is float or t is int:
        da = self._data
        if type(da) is _ndarray:
            cache = _SCALARS.get(da.dtype)  # float16/32/64: the op's forward, inlined
            if cache is not None:
                z = cache.get(other)
                if z is None:
                    z = scalar_array(cache, da.dtype, other)
                return scalar_result(_ADD, self, other, da, da + z, z)
        if da.dtype.kind == "f":
            return apply_scalar(_ADD, self, other)
    return _binary(E.ADD, self, other, "add")


@tensor_method()
def __radd__(self, other):
    return _rbinary(E.ADD, self, other, "add")


@tensor_method()
def __sub__(self, other):
    t = type(other)  # a float Tensor and a Python number: skip _binary's checks
    if t is float or t is int:
        da = self._data
        if type(da) is _ndarray:
            cache = _SCALARS.get(da.dtype)  # float16/32/64: the op's forward, inlined
            if cache is not None:
                z = cache.get(other)
                if z is None:
                    z = scalar_array(cache, da.dtype, other)
                return scalar_result(_SUB, self, other, da, da - z, z)
        if da.dtype.kind == "f":
            return apply_scalar(_SUB, self, other)
    _check_sub(self, other)
    return _binary(E.SUB, self, other, "sub")


@tensor_method()
def __rsub__(self, other):
    _check_sub(other, self)
    return _rbinary(E.SUB, self, other, "sub")


@tensor_method()
def __mul__(self, other):
    t = type(other)  # a float Tensor and a Python number: skip _binary's checks
    if t is float or t is int:
        da = self._data
        if type(da) is _ndarray:
            cache = _SCALARS.get(da.dtype)  # float16/32/64: the op's forward, inlined
            if cache is not None:
                z = cache.get(other)
                if z is None:
                    z = scalar_array(cache, da.dtype, other)
                return scalar_result(_MUL, self, other, da, da * z, z)
        if da.dtype.kind == "f":
            return apply_scalar(_MUL, self, other)
    return _binary(E.MUL, self, other, "mul")


@tensor_method()
def __rmul__(self, other):
    return _rbinary(E.MUL, self, other, "mul")


@tensor_method()
def __truediv__(self, other):
    if self._data.dtype.kind != "f":
        self, other = _div_operands(self, other)
    return _binary(E.DIV, self, other, "div")


@tensor_method()
def __rtruediv__(self, other):
    if self._data.dtype.kind != "f":
        self, other = _div_operands(self, other)
    return _rbinary(E.DIV, self, other, "div")


@tensor_method()
def __pow__(self, other):
    if self._data.dtype.kind == "b":
        return _bool_pow(self, other)
    return _binary(E.POW, self, other, "pow")


@tensor_method()
def __rpow__(self, other):
    if self._data.dtype.kind == "b" and isinstance(other, (bool, np.bool_)):
        _not_implemented("pow", self, "convert the tensor first, e.g. x.int()")
    return _rbinary(E.POW, self, other, "pow")


def _bool_pow(x, other):
    """A bool base: PyTorch has no bool kernel for a bool exponent tensor, and a Python bool
    exponent keeps the bool dtype (``x ** False`` is all True, ``x ** True`` is ``x``)."""
    if isinstance(other, Tensor) and other._data.dtype.kind == "b":
        _not_implemented("pow", x, "convert the tensors first, e.g. x.int()")
    if isinstance(other, (bool, np.bool_)):
        return x.clone() if other else x | True
    return _binary(E.POW, x, other, "pow")


@tensor_method()
def __neg__(self):
    return neg(self)


@tensor_method()
def __pos__(self):
    return positive(self)


@tensor_method()
def __abs__(self):
    return apply1(E.ABS, self)

# __matmul__ / __rmatmul__ are declared with matmul in products.py


@tensor_method()
def __floordiv__(self, other):
    return floor_divide(self, other)


@tensor_method()
def __rfloordiv__(self, other):
    return floor_divide(other, self)


@tensor_method()
def __ifloordiv__(self, other):
    return write_inplace(self, floor_divide(self, other), "floor_divide_")


@tensor_method()
def __imod__(self, other):
    return write_inplace(self, remainder(self, other), "remainder_")


@tensor_method()
def __mod__(self, other):
    return remainder(self, other)


@tensor_method()
def __rmod__(self, other):
    return remainder(other, self)
