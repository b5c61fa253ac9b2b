"""The Tensor arithmetic operators (``x + y``, ``x * 2``, ``2 - x``, ``x ** y``, ``x // y``,
``x % y``, ``-x``): PyTorch's dtype promotion and checks through the functions of
``elementwise.py`` (the in-place ``x += y`` forms are there, beside ``add_``)."""

from __future__ import annotations

import operator

import numpy as np

from .. import _dtype
from .._options import allocation_error
from .._tensor.record import SCALAR_ARRAYS, apply1, apply_scalar, scalar_array, scalar_result
from .._tensor.tensor import Tensor
from ..autograd.grad_mode import STATE as _STATE
from ..autograd.graph import (
    FORWARD,
    NEEDS_SCALAR_SECOND,
    SAVES_INPUTS,
    SAVES_OUTPUT,
    SCALAR_KEEPS_NUMBER_ONLY,
    Node,
    anomaly_state,
    next_seq,
    record_trace,
)
from ..ops import elementwise as E
from ._args import (
    _binary,
    _bool_alpha,
    _check_int_exponent,
    _deferring,
    _defers,
    _div_operands,
    _not_implemented,
    _rbinary,
    _result_type_of,
    _scalar_or_tensor,
    _t,
)
from ._registry import declare, inplace_input, tensor_method, write_inplace
from .elementwise import _check_sub, floor_divide, neg, positive, remainder

__all__: list[str] = ["rsub"]

_ndarray = np.ndarray
_SCALARS = SCALAR_ARRAYS
_F32 = np.dtype(np.float32)
_F32_SCALARS = SCALAR_ARRAYS[_F32]
_new = object.__new__


# ------------------------------------------------------------------ operators
# ``a op number`` for a float Tensor is the most common op in user code: the faces of + - * made
# by ``_scalar_face`` skip ``_binary``'s promotion checks, pass the number as a cached 0-d array
# of the tensor's dtype (``record.scalar_array``: same result, a much cheaper NumPy call) and
# build the node inline (``record.scalar_result``'s work without its call; measured by
# bench_core's overhead).
def _scalar_face(name, op, forward, general):
    """The Tensor method ``name`` for ``op`` (+, - or *: saves nothing, or only the number):
    ``forward(array, 0-d array)`` is the op's forward on NumPy arrays; any other operand goes
    to ``general(self, other)``."""
    keeps_number = bool(op.saves & SCALAR_KEEPS_NUMBER_ONLY)
    if op.saves & SAVES_OUTPUT or (op.saves & SAVES_INPUTS and not keeps_number):
        raise ValueError(f"{op}: the inline node below does not save its inputs")
    named = op.scalar_second_cls  # (the number is always the second operand here)
    reflected = "__r" + name[2:]

    def face(self, other):
        t = type(other)
        if t is float or t is int:
            da = self._data
            if type(da) is _ndarray:
                dt = da.dtype
                cache = _F32_SCALARS if dt is _F32 else _SCALARS.get(dt)  # float16/32/64 (an
                # identity test first: the default dtype's, without a hash of the dtype)
                if cache is not None:
                    z = cache.get(other)
                    if z is None:
                        z = scalar_array(cache, dt, other)
                    try:
                        out = forward(da, z)
                    except MemoryError as e:  # (``apply_scalar``'s translation, on this path)
                        raise allocation_error(f"while computing {op.name}", e, True) from None
                    if not (self.requires_grad and _STATE[0] and type(out) is _ndarray):
                        return scalar_result(op, self, other, da, out, z)
                    edge = self._grad_fn
                    if edge is None:
                        edge = self
                    node = Node()  # scalar_result's node, inlined
                    node.seq = next_seq()
                    node.op = op
                    node.inputs = (self, other)
                    node.next = (edge, None)
                    node.needs = NEEDS_SCALAR_SECOND
                    node.aux = ()
                    node.pre_hooks = None
                    node.released = False
                    node.meta = None
                    node.out = node.out_vc = node.versions = None
                    node.named = named
                    node.saved = (None, z) if keeps_number else None
                    t = _new(Tensor)  # _make, inlined
                    t._data = out
                    t.requires_grad = True
                    t._grad_fn = node
                    t._grad = None
                    t._hooks = None
                    t._vcl = None
                    if anomaly_state[0]:
                        record_trace(node)
                    if FORWARD[0] is not None:  # a forward AD level is open
                        FORWARD[0](op, (self, other), t, ())
                    return t
            if da.dtype.kind == "f":
                return apply_scalar(op, self, other)
        try:
            return general(self, other)
        except TypeError:
            if _defers(other, reflected):  # (`t * x` as `x.__rmul__(t)`, see _defers)
                return NotImplemented
            raise

    face.__name__ = face.__qualname__ = name
    return tensor_method()(face)


__add__ = _scalar_face("__add__", E.ADD, operator.add,
                       lambda self, other: _binary(E.ADD, self, other, "add"))


@tensor_method()
def __radd__(self, other):
    return _rbinary(E.ADD, self, other, "add")


def _sub_general(self, other):
    _check_sub(self, other)
    return _binary(E.SUB, self, other, "sub")


__sub__ = _scalar_face("__sub__", E.SUB, operator.sub, _sub_general)


@tensor_method()
def __rsub__(self, other):
    _check_sub(other, self)
    return _rbinary(E.SUB, self, other, "sub")


def _mul_general(self, other):
    if isinstance(other, (list, tuple)):
        return NotImplemented  # Python repeats the sequence (Tensor.__index__), as in PyTorch
    return _binary(E.MUL, self, other, "mul")


__mul__ = _scalar_face("__mul__", E.MUL, operator.mul, _mul_general)


@tensor_method()
def __rmul__(self, other):
    if isinstance(other, (list, tuple)):  # ``[0] * n`` with a one-element integer tensor n
        return NotImplemented
    return _rbinary(E.MUL, self, other, "mul")


@tensor_method()
@_deferring("__rtruediv__")
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
@_deferring("__rpow__")
def __pow__(self, other):
    if self._data.dtype.kind == "b":
        return _bool_pow(self, other)
    if self._data.dtype.itemsize == 2:  # (float16: the exponent must fit it)
        _check_int_exponent(other, self._data.dtype)
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
@_deferring("__rfloordiv__")
def __floordiv__(self, other):
    return floor_divide(self, other)


@tensor_method()
def __rfloordiv__(self, other):
    return floor_divide(other, self)


@tensor_method()
def __ifloordiv__(self, other):
    return write_inplace(self, floor_divide(inplace_input(self, (other,)), other), "floor_divide_")


@tensor_method()
def __imod__(self, other):
    return write_inplace(self, remainder(inplace_input(self, (other,)), other), "remainder_")


@tensor_method()
@_deferring("__rmod__")
def __mod__(self, other):
    return remainder(self, other)


@tensor_method()
def __rmod__(self, other):
    return remainder(other, self)


# ------------------------------------------------------------------ the function form
@declare()
def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (reversed subtraction)."""
    x = _t(input)
    if alpha.__class__ is not int:
        _bool_alpha(x, other, alpha, "rsub")
    _check_sub(x, other)
    if alpha == 1:
        return x.__rsub__(other)
    # other - alpha * input in the promoted dtype (one kernel in PyTorch: alpha scales the
    # promoted input, float16 computed in float32 and rounded once)
    o = _scalar_or_tensor(other)
    if isinstance(o, Tensor):
        dt = _result_type_of([x, o])
    elif x._data.dtype == np.float16:
        dt, o = x.dtype, float(np.float16(o))  # (the number is cast to the tensor's dtype)
    else:
        return (x * alpha).__rsub__(o)
    work = _dtype.float32 if dt == _dtype.float16 else dt
    r = (x.to(work) * alpha).__rsub__(o.to(work) if isinstance(o, Tensor) else o)
    return r.to(dt) if r.dtype != dt else r
