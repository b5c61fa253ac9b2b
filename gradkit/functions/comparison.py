"""Comparisons and logic: ``eq``/``lt``/..., ``isnan``/``isfinite``, ``isclose``, the logical ops,
and the comparison and bitwise operators of Tensor. None of them is differentiable."""

from __future__ import annotations

import numpy as np

from .._tensor.tensor import wrap
from ._args import (
    _raw,
    _t,
)
from ._registry import declare, tensor_method

__all__ = ["allclose", "eq", "equal", "ge", "gt", "isclose", "isfinite", "isinf", "isnan", "le",
    "logical_and", "logical_not", "logical_or", "lt", "ne"]


@declare(inplace=True, out=True, differentiable=False)
def eq(input, other):
    return _t(input) == other


@declare(inplace=True, out=True, aliases=("not_equal",), differentiable=False)
def ne(input, other):
    return _t(input) != other


@declare(inplace=True, out=True, aliases=("less",), differentiable=False)
def lt(input, other):
    return _t(input) < other


@declare(inplace=True, out=True, aliases=("less_equal",), differentiable=False)
def le(input, other):
    return _t(input) <= other


@declare(inplace=True, out=True, aliases=("greater",), differentiable=False)
def gt(input, other):
    return _t(input) > other


@declare(inplace=True, out=True, aliases=("greater_equal",), differentiable=False)
def ge(input, other):
    return _t(input) >= other


@declare(differentiable=False)
def equal(input, other) -> bool:
    """True when both have the same shape and elements."""
    a, b = _t(input), _t(other, "other")
    return a.shape == b.shape and bool((a._data == b._data).all())


@declare(inplace=True, out=True, differentiable=False)
def logical_and(input, other):
    return wrap(np.logical_and(_t(input)._data, _t(other)._data))


@declare(inplace=True, out=True, differentiable=False)
def logical_or(input, other):
    return wrap(np.logical_or(_t(input)._data, _t(other)._data))


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


@declare(differentiable=False)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(np.isclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                           equal_nan=equal_nan))


@declare(differentiable=False)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


# ------------------------------------------------------------------ operators
@tensor_method()
def __eq__(self, other):
    return wrap(self._data == _raw(other))


@tensor_method()
def __ne__(self, other):
    return wrap(self._data != _raw(other))


@tensor_method()
def __lt__(self, other):
    return wrap(self._data < _raw(other))


@tensor_method()
def __le__(self, other):
    return wrap(self._data <= _raw(other))


@tensor_method()
def __gt__(self, other):
    return wrap(self._data > _raw(other))


@tensor_method()
def __ge__(self, other):
    return wrap(self._data >= _raw(other))


@tensor_method()
def __and__(self, other):
    return wrap(self._data & _raw(other))


@tensor_method()
def __or__(self, other):
    return wrap(self._data | _raw(other))


@tensor_method()
def __xor__(self, other):
    return wrap(self._data ^ _raw(other))


@tensor_method()
def __invert__(self):
    return wrap(~self._data)


tensor_method("__rand__")(__and__)
tensor_method("__ror__")(__or__)
