"""Elementwise functions: arithmetic, powers and logarithms, trigonometry, rounding, clamping,
selection (``where``) and the Tensor arithmetic operators (``x + y``, ``x * 2``, ``x += y``).

Primitives (forward and backward rules) are in ``gradkit/ops/elementwise.py``; this file holds
the public faces: argument handling, dtype promotion as PyTorch, and the declaration of each op's
faces (see ``_registry.py``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype, return_types
from .._backend import NumpyNamespace as _NS
from .._backend import to_host
from .._int_range import check_int_scalar, check_number_operand
from .._tensor.record import apply, apply1, apply2, check_broadcast, inplace
from .._tensor.tensor import Tensor, wrap
from .._warnings import warn_once
from ..autograd.graph import present, rename
from ..ops import elementwise as E
from ._args import (
    _binary,
    _bool_alpha,
    _check_addcdiv,
    _check_bounds,
    _check_int_exponent,
    _check_number,
    _check_sub,
    _const_like,
    _decimal_scale,
    _float_operand,
    _half_alpha,
    _in_opmath,
    _is_half,
    _not_implemented,
    _number_bounds,
    _number_first,
    _number_pair,
    _operands,
    _promoted3,
    _rbinary,
    _required_bound,
    _same_device,
    _scalar_or_tensor,
    _scaled_other,
    _t,
    _tensor_operands,
    _tensors_only,
    _times_alpha,
    _times_value,
    _type_name,
    _where_devices,
    _xp,
    tensor_input_for_out,
)
from ._float_pairs import _binary_float_op, _float_pair
from ._float_unary import _float_unary
from ._fused_rounding import _alpha_fused, _check3, _fused_kind
from ._lerp import _check_lerp
from ._registry import (
    _check_cast,
    _not_tensor,
    declare,
    inplace_input,
    out_tuple,
    tensor_method,
    write_inplace,
)
from .complex import _no_order, _parts

_ndarray = np.ndarray
_ADD, _SUB, _MUL = E.ADD, E.SUB, E.MUL

__all__ = ["abs", "add", "addcdiv", "addcmul", "atan2", "ceil", "clamp", "cos", "div", "erf",
    "exp", "expm1", "floor", "hypot", "lerp", "log", "log10", "log1p", "log2", "logaddexp",
    "logaddexp2", "maximum", "minimum", "mul", "nan_to_num", "neg", "pow", "reciprocal", "relu",
    "round", "rsqrt", "sigmoid", "sign", "sin", "sinc", "sqrt", "square", "sub", "tan", "tanh",
    "trunc", "where", "xlogy", "asin", "acos", "atan", "asinh", "acosh", "atanh", "sinh", "cosh",
    "exp2", "frac", "floor_divide", "copysign", "float_power", "ldexp",
    "nextafter", "fmax", "fmin", "signbit", "positive", "clamp_min", "clamp_max",
    "heaviside", "frexp"]


# ------------------------------------------------------------------ in-place rules
# Each writes through the primitive (``record.inplace``): no out-of-place temporary, as measured
# for optimizers' and users' ``x.add_(y)``. ``x += y`` writes into x's storage, as in PyTorch
# (every alias sees it).
def _inplace_dtype(self, other, name):
    """An in-place op on an integral or bool tensor whose result type it cannot hold raises as
    PyTorch does (``b += 1`` on a bool tensor: "result type Long can't be cast to ... Bool")."""
    check_int_scalar(other, name)
    if self._data.dtype.kind in "biu":
        if isinstance(other, Tensor):
            rt = _dtype.result_type(self.dtype, self.ndim, other.dtype, other.ndim)
        elif isinstance(other, (bool, int, float)):
            rt = _dtype.scalar_result_dtype(self.dtype, other)
        else:
            return
        _check_cast(np.empty(0, dtype=rt), self.dtype, name)


def add_(self, other, *, alpha=1):
    _inplace_dtype(self, other, "add_")
    if alpha != 1 and _is_half(self):
        return write_inplace(self, add(inplace_input(self, (other,)), other, alpha=alpha), "add_")
    fused = _alpha_fused(self, other, alpha, 1) if alpha != 1 else None
    out = inplace(self, E.ADD, _times_alpha(self, other, alpha, "add_"))
    if fused is not None:  # (rounded once, as PyTorch's kernel)
        np.copyto(self._data, fused)
    return out


def sub_(self, other, *, alpha=1):
    _check_sub(self, other)
    _inplace_dtype(self, other, "sub_")
    if alpha != 1 and _is_half(self):
        return write_inplace(self, sub(inplace_input(self, (other,)), other, alpha=alpha), "sub_")
    fused = _alpha_fused(self, other, alpha, -1) if alpha != 1 else None
    out = inplace(self, E.SUB, _times_alpha(self, other, alpha, "sub_"))
    if fused is not None:  # (rounded once, as PyTorch's kernel)
        np.copyto(self._data, fused)
    return out


def mul_(self, other):
    _inplace_dtype(self, other, "mul_")
    return inplace(self, E.MUL, other)


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return inplace(self, E.DIV, other)
    return write_inplace(self, div(inplace_input(self, (other,)), other,
                                    rounding_mode=rounding_mode), "div_")


def pow_(self, exponent):
    _check_int_exponent(exponent, self._data.dtype)
    _inplace_dtype(self, exponent, "pow_")
    if exponent.__class__ is Tensor and exponent.dtype != self.dtype:  # pow's promotion and
        # rounding (a 0-d float32 e)
        return write_inplace(self, pow(inplace_input(self, (exponent,)), exponent), "pow_")
    return inplace(self, E.POW, exponent)


def clamp_(self, min=None, max=None):
    min, max = _check_bounds(min, max, "clamp_", self)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return write_inplace(self, clamp(inplace_input(self, (min, max)), min, max), "clamp_")
    return inplace(self, E.CLAMP, None, (min, max))


def addcmul_(self, tensor1, tensor2, *, value=1):
    if tensor1.__class__ is not Tensor or tensor2.__class__ is not Tensor:
        _tensor_operands("addcmul_", (1, "tensor1", tensor1), (2, "tensor2", tensor2))
    if _is_half(self) or _fused_kind(self):
        return write_inplace(self, addcmul(inplace_input(self, (tensor1, tensor2)), tensor1,
                                                 tensor2, value=value), "addcmul_")
    return rename(add_(self, tensor1 * tensor2 * value if value != 1 else tensor1 * tensor2),
                  "AddcmulBackward0")


def addcdiv_(self, tensor1, tensor2, *, value=1):
    if tensor1.__class__ is not Tensor or tensor2.__class__ is not Tensor:
        _tensor_operands("addcdiv_", (1, "tensor1", tensor1), (2, "tensor2", tensor2))
    _check_addcdiv(_t(tensor1, "tensor1"), _t(tensor2, "tensor2"))
    if _is_half(self) or _fused_kind(self):
        return write_inplace(self, addcdiv(inplace_input(self, (tensor1, tensor2)), tensor1,
                                                 tensor2, value=value), "addcdiv_")
    return rename(add_(self, tensor1 / tensor2 * value if value != 1 else tensor1 / tensor2),
                  "AddcdivBackward0")


def lerp_(self, end, weight):
    res = write_inplace(self, lerp(inplace_input(self, (end, weight)), end, weight), "lerp_")
    return rename(res, "LerpBackward1") if isinstance(weight, Tensor) else res


@tensor_method()
def __iadd__(self, other):
    _inplace_dtype(self, other, "add_")
    return inplace(self, E.ADD, other)


@tensor_method()
def __isub__(self, other):
    _check_sub(self, other)
    _inplace_dtype(self, other, "sub_")
    return inplace(self, E.SUB, other)


@tensor_method()
def __imul__(self, other):
    _inplace_dtype(self, other, "mul_")
    return inplace(self, E.MUL, other)


@tensor_method()
def __itruediv__(self, other):
    return inplace(self, E.DIV, other, name="div_")


tensor_method("__ipow__")(pow_)  # x **= e is x.pow_(e)


# ------------------------------------------------------------------ functions


exp = _float_unary(E.EXP, "exp", ufunc=_NS.exp, doc="e to the power of each element.")
declare(exp, inplace=E.EXP, out=True)


log = _float_unary(E.LOG, "log", ufunc=_NS.log, doc="Natural logarithm of each element.")
declare(log, inplace=True, out=True)


log1p = _float_unary(E.LOG1P, "log1p", "``log(1 + x)``, accurate for small ``x``.")
declare(log1p, inplace=True, out=True, aliases=("special:log1p",))


expm1 = _float_unary(E.EXPM1, "expm1", "``exp(x) - 1``, accurate for small ``x``.")
declare(expm1, inplace=True, out=True, aliases=("special:expm1",))


def _rounded_once(fn, x):
    """``fn(x)`` of a float16/bfloat16 ``x`` computed in float32 and rounded once, as
    PyTorch's kernels compute them (a composite would round after each step)."""
    return _in_opmath(fn, x)


@declare(inplace=True, out=True)
def log2(input):
    return _rounded_once(lambda x: log(x) * (1.0 / np.log(2.0)), _float_operand(_t(input)))


@declare(inplace=True, out=True)
def log10(input):
    return _rounded_once(lambda x: log(x) * (1.0 / np.log(10.0)), _float_operand(_t(input)))


sqrt = _float_unary(E.SQRT, "sqrt", ufunc=np.sqrt, doc="Square root of each element.")
declare(sqrt, inplace=E.SQRT, out=True)


rsqrt = _float_unary(E.RSQRT, "rsqrt", "``1 / sqrt(x)`` of each element.")
declare(rsqrt, inplace=True, out=True)


sin = _float_unary(E.SIN, "sin", ufunc=_NS.sin, doc="Sine of each element.")
declare(sin, inplace=True, out=True)


cos = _float_unary(E.COS, "cos", ufunc=_NS.cos, doc="Cosine of each element.")
declare(cos, inplace=True, out=True)


asin = _float_unary(E.ASIN, "asin", "Arcsine of each element.")
declare(asin, inplace=True, out=True, aliases=("arcsin",))


acos = _float_unary(E.ACOS, "acos", "Arccosine of each element.")
declare(acos, inplace=True, out=True, aliases=("arccos",))


atan = _float_unary(E.ATAN, "atan", "Arctangent of each element.")
declare(atan, inplace=True, out=True, aliases=("arctan",))


asinh = _float_unary(E.ASINH, "asinh", "Inverse hyperbolic sine of each element.")
declare(asinh, inplace=True, out=True, aliases=("arcsinh",))


acosh = _float_unary(E.ACOSH, "acosh", "Inverse hyperbolic cosine of each element (nan below 1).")
declare(acosh, inplace=True, out=True, aliases=("arccosh",))


atanh = _float_unary(E.ATANH, "atanh",
                     "Inverse hyperbolic tangent of each element (nan outside [-1, 1]).")
declare(atanh, inplace=True, out=True, aliases=("arctanh",))


sinh = _float_unary(E.SINH, "sinh", "Hyperbolic sine of each element.")
declare(sinh, inplace=True, out=True)


cosh = _float_unary(E.COSH, "cosh", "Hyperbolic cosine of each element.")
declare(cosh, inplace=True, out=True)


exp2 = _float_unary(E.EXP2, "exp2", "2 to the power of each element.")
declare(exp2, inplace=True, out=True, aliases=("special:exp2",))


@declare(inplace=True, out=True)
def tan(input):
    return _in_opmath(lambda x: sin(x) / cos(x), _float_operand(_t(input)))


tanh = _float_unary(E.TANH, "tanh", ufunc=_NS.tanh, doc="Hyperbolic tangent of each element.")
declare(tanh, inplace=E.TANH, out=True)


sigmoid = _float_unary(E.SIGMOID, "sigmoid",
                       "Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.")
declare(sigmoid, inplace=E.SIGMOID, out=True, aliases=("special:expit",))


def _no_bool_relu(x, name):
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): Boolean inputs not supported for relu; convert first, "
                           f"e.g. x.int()")


def _relu_(self):
    """``relu`` written into ``self`` through the primitive (a bool tensor refused first, as
    PyTorch: the primitive alone would write it unchanged)."""
    if not isinstance(self, Tensor):
        _not_tensor("relu_", self)
    _no_bool_relu(self, "relu_")
    return inplace(self, E.RELU, None, (), "relu_")


@declare(inplace=_relu_)
def relu(input):
    x = _t(input)
    _no_bool_relu(x, "relu")
    return apply1(E.RELU, x)


@declare(inplace=True, out=True, aliases=("special:erf",))
def erf(input):
    return apply1(E.ERF, _float_operand(_t(input)))


@declare(inplace=True, out=True)
def square(input):
    x = _t(input)
    return apply1(E.SQUARE, x if x.dtype.kind != "b" else x.to(_dtype.int64))


@declare(inplace=True, out=True)
def reciprocal(input):
    return apply1(E.RECIPROCAL, _float_operand(_t(input)))


@declare(inplace=E.ABS, out="same", aliases=("absolute",))
def abs(input):
    return apply1(E.ABS, _t(input))


def _neg_(self):
    _tensors_only("neg_", (1, "input", 0 if self is None else self))
    _no_bool_neg(self)
    return inplace(self, E.NEG, None, (), "neg_")


def _no_bool_neg(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")


@declare(inplace=_neg_, out="same", aliases=("negative",))
def neg(input):
    x = _t(input)
    _no_bool_neg(x)
    return apply1(E.NEG, x)


_OPERANDS = frozenset((Tensor, float, int, bool))  # (read as they are, no check needed)


@declare(inplace=add_, out=True)
def add(input, other, *, alpha=1):
    """``input + alpha * other``; either may be a number."""
    input = input if type(input) is Tensor else _number_pair(input, other)  # torch.mul(5, 3)
    if alpha.__class__ is not int:
        _bool_alpha(input, other, alpha, "add")
    if type(input) is not Tensor and _number_first(input, other):  # 3 + alpha * t
        return _scaled_other(other, input, alpha, "add").__radd__(input)
    if alpha == 1:
        if other.__class__ not in _OPERANDS and isinstance(other, numbers.Number):
            check_number_operand(other, "add")  # (the operator would give way to a SymPy number)
        return _t(input) + other
    out = None
    if type(input) is not Tensor or input._data.dtype.itemsize <= 2 or \
            type(other) is Tensor and other._data.dtype.itemsize <= 2:  # (may compute in half)
        out = _half_alpha(input, other, alpha, 1, "add")
    if out is None:
        out = _t(input) + _times_alpha(input, other, alpha, "add")
        fused = _alpha_fused(_t(input), other, alpha, 1)
        if fused is not None:  # (the graph's values rounded once, as PyTorch's kernel)
            np.copyto(out._data, fused)
    return present(out, "AddBackward0", (_t(input), other if isinstance(other, Tensor) else None))


@declare(inplace=sub_, out=True, aliases=("subtract",))
def sub(input, other, *, alpha=1):
    """``input - alpha * other``; either may be a number."""
    input = input if type(input) is Tensor else _number_pair(input, other)  # torch.mul(5, 3)
    if alpha.__class__ is not int:
        _bool_alpha(input, other, alpha, "sub")
    if type(input) is not Tensor and _number_first(input, other):  # 3 - alpha * t
        _check_sub(input, other)
        return _scaled_other(other, input, alpha, "sub").__rsub__(input)
    _check_sub(_t(input), other)  # (before alpha turns a bool other into a number)
    if alpha != 1 and (type(input) is not Tensor or input._data.dtype.itemsize <= 2 or
                       type(other) is Tensor and other._data.dtype.itemsize <= 2):
        out = _half_alpha(input, other, alpha, -1, "sub")
        if out is not None:
            return present(out, "SubBackward0",
                           (input, other if isinstance(other, Tensor) else None))
    out = _t(input) - _times_alpha(input, other, alpha, "sub")
    fused = _alpha_fused(_t(input), other, alpha, -1) if alpha != 1 else None
    if fused is not None:  # (the graph's values rounded once, as PyTorch's kernel)
        np.copyto(out._data, fused)
    return out


@declare(inplace=mul_, out=True, aliases=("multiply",))
def mul(input, other):
    if isinstance(other, (list, tuple)):  # (``*`` repeats a sequence; mul() refuses it)
        raise TypeError(f"mul(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}; make a Tensor first, e.g. gradkit.tensor(...)")
    input = input if type(input) is Tensor else _number_pair(input, other)  # torch.mul(5, 3)
    if type(input) is not Tensor and _number_first(input, other):  # torch.mul(2, t)
        return other.__rmul__(input)
    if other.__class__ not in _OPERANDS and isinstance(other, numbers.Number):
        check_number_operand(other, "mul")  # (the operator would give way to a SymPy number)
    return _t(input) * other


@declare(inplace=div_, out=True, aliases=("divide", "true_divide"))
def div(input, other, *, rounding_mode=None):
    """``input / other``: true division, or rounded ``"trunc"``/``"floor"`` division."""
    input = input if type(input) is Tensor else _number_pair(input, other)  # torch.mul(5, 3)
    if rounding_mode is None and type(input) is not Tensor and _number_first(input, other):
        return present(other.__rtruediv__(input), "DivBackward0", (None, other))  # div(2, t)
    x = _t(input)
    if rounding_mode is None:
        return x / other
    if not isinstance(rounding_mode, str):
        raise TypeError(f"div(): argument 'rounding_mode' must be str or None, not "
                        f"{type(rounding_mode).__name__}; pass 'trunc' or 'floor'")
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return _rounded(E.DIV_ROUNDED, x, other, "div", (rounding_mode,))


def _zero_divisor_used(shape, divisor):
    """Whether an integer division of an operand of ``shape`` by ``divisor`` (an array or a
    number) divides by zero: PyTorch's kernel checks each element it computes, so none for an
    empty (broadcast) result."""
    d = np.asarray(to_host(divisor))
    try:
        if 0 in np.broadcast_shapes(tuple(shape), d.shape):
            return False
    except ValueError:  # (the shapes are reported by the op itself)
        pass
    return bool((d == 0).any())


def _rounded(op, input, other, name, params=()):
    """A rounded division (``div(rounding_mode=)``, ``floor_divide``) in PyTorch's promoted
    dtype; an integer division by zero raises (NumPy would give 0 with a warning)."""
    if isinstance(input, Tensor) and type(other) in (int, float) and _is_half(input):
        # PyTorch divides a float16/bfloat16 tensor by a number in float32, the number not
        # rounded to the tensor's dtype first, and rounds the quotient once
        return apply2(op, input.to(_dtype.float32), other, params).to(input.dtype)
    a, b = _operands(input, other, name)
    if a.dtype.kind in "iub":
        if a.dtype.kind == "b":  # (before the division by zero, as PyTorch)
            mode = params[0] if params else "floor"
            raise NotImplementedError(f'"div_{mode}_cpu" not implemented for \'Bool\'; convert '
                                      f"the operands with .long() first")
        if _zero_divisor_used(a.shape, b._data):
            raise RuntimeError(f"{name}: ZeroDivisionError (an integer division by zero)")
        return wrap(E.rounded_div(_xp(a), a._data, b._data, params[0] if params else "floor"))
    return apply2(op, a, b, params)


@declare(inplace=pow_, out=True)
def pow(input, exponent):
    if not isinstance(input, Tensor):
        return _t(exponent).__rpow__(input)
    if exponent.__class__ not in _OPERANDS and isinstance(exponent, numbers.Number):
        check_number_operand(exponent, "pow", "exponent")  # (the operator would give way)
    return input ** exponent


@declare(inplace=clamp_, out="same", aliases=("clip",))
def clamp(input, min=None, max=None):
    """Clamp into ``[min, max]``; bounds may be numbers or Tensors (then differentiable)."""
    x = _t(input)
    if min is None and max is None:
        raise RuntimeError("clamp(): at least one of 'min' or 'max' must not be None")
    min, max = _check_bounds(min, max, x=x)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:  # (a number bound beside a Tensor one: not the public faces)
            x = _pairwise(E.MAXIMUM, x, min, "maximum")
        if max is not None:
            x = _pairwise(E.MINIMUM, x, max, "minimum")
        return x
    if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = _float_operand(x)
    return apply1(E.CLAMP, x, _number_bounds(x, min, max))


def _promote_pair(a, b):
    a = _t(a)
    b = _scalar_or_tensor(b)
    if isinstance(b, Tensor) and a.dtype != b.dtype:
        rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
        a, b = a.to(rt), b.to(rt)
    return a, b


def _apply2_named(op, a, b, name):
    try:
        return apply2(op, a, b)
    except ValueError:
        if isinstance(b, Tensor):
            check_broadcast(a, b, name)
        raise


@declare(out=True)
def maximum(input, other):
    _tensors_only("maximum", (1, "input", input), (2, "other", other))  # (no number form)
    return _pairwise(E.MAXIMUM, input, other, "maximum")


@declare(out=True)
def minimum(input, other):
    _tensors_only("minimum", (1, "input", input), (2, "other", other))
    return _pairwise(E.MINIMUM, input, other, "minimum")


def _pairwise(op, input, other, name):
    a, b = _promote_pair(input, other)
    return _apply2_named(op, a, b, name)


def _where_out_before(out, args):
    """where's out= form: Tensor input and other only (PyTorch's TypeError, before out's)."""
    _tensors_only("where", (1, "condition", args.get("condition")), (2, "input", args.get(
        "input")), (3, "other", args.get("other")), optional=("input", "other"))


@declare(method=False, out=("same", _where_out_before))
def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other``; either may be a number. With one argument,
    the indices where ``condition`` is true (like ``nonzero(as_tuple=True)``)."""
    cond = _t(condition, "condition")
    if input is None and other is None:
        return tuple(wrap(i) for i in cond._data.nonzero())
    c = cond._data
    a = _scalar_or_tensor(input)  # (a list or tuple is refused first, as PyTorch's parser)
    b = _scalar_or_tensor(other)
    if c.dtype.kind != "b":
        if c.dtype != np.uint8:  # (uint8 is taken, deprecated, as in PyTorch)
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_type_name(cond)}; compare first, e.g. x > 0")
        warn_once("where uint8", "where received a uint8 condition tensor. This behavior is "
                  "deprecated and will be removed in a future version of PyTorch. Use a boolean "
                  "condition instead.")
        c = c.astype(bool)
    ka = type(a._data) if isinstance(a, Tensor) else None
    kb = type(b._data) if isinstance(b, Tensor) else None
    if (ka is not None and ka is not type(c)) or (kb is not None and kb is not type(c)):
        a, b, c = _where_devices(cond, c, a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.dtype != b.dtype:
            rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
            a, b = a.to(rt), b.to(rt)
    elif isinstance(a, Tensor) or isinstance(b, Tensor):
        t, num = (a, b) if isinstance(a, Tensor) else (b, a)
        rt = _dtype.scalar_result_dtype(t.dtype, num)
        if rt != t.dtype:
            a, b = (a.to(rt), b) if t is a else (a, b.to(rt))
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):
        # two numbers: bool for two bools, else int64, the default float or complex
        if isinstance(a, complex) or isinstance(b, complex):
            dt = _dtype.get_default_dtype().to_complex()
        elif isinstance(a, float) or isinstance(b, float):
            dt = _dtype.get_default_dtype()
        elif isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)):
            dt = np.dtype(bool)
        else:
            dt = np.dtype(np.int64)
        return wrap(np.where(c, a, b).astype(dt))
    try:
        return apply(E.WHERE, (a, b), (c,))
    except ValueError:
        shapes = [tuple(cond.shape)] + [tuple(x.shape) for x in (a, b) if isinstance(x, Tensor)]
        raise RuntimeError(
            f"where: the shapes of condition, input and other {shapes} cannot be broadcast "
            f"together; make the sizes equal or 1"
        ) from None


@tensor_method("where")
def _where_method(self, condition, y):
    """``gradkit.where(condition, self, y)``."""
    return where(condition, self, y)


def _zero_grad_op(name):
    def fn(input):
        x = _t(input)
        if x.dtype.kind != "f":
            if x.dtype.kind == "c":
                raise _no_order(name)
            # integers are already whole, and a bool is its own sign (NumPy's round of a bool
            # would give float16, its sign of a bool fails)
            if name != "sign" or x.dtype.kind == "b":
                return wrap(x._data.copy())
            return wrap(np.sign(x._data))
        return apply1(E.ZERO_GRAD, x, (name,))

    fn.__name__ = name
    fn.__doc__ = f"{name} of each element; its gradient is zero (as in PyTorch)."
    return fn


floor = _zero_grad_op("floor")
declare(floor, inplace=True, out="same", differentiable=False)
ceil = _zero_grad_op("ceil")
declare(ceil, inplace=True, out="same", differentiable=False)
trunc = _zero_grad_op("trunc")
declare(trunc, inplace=True, out="same", aliases=("fix",), differentiable=False)
sign = _zero_grad_op("sign")
declare(sign, inplace=True, out="same", differentiable=False)
_round_half_even = _zero_grad_op("round")


@declare(inplace=True, out="same", aliases=("special:round",), differentiable=False)
def round(input, *, decimals=0):
    if _t(input)._data.dtype.kind == "c":
        raise _no_order("round")
    decimals, scale = _decimal_scale(_t(input), decimals)
    if decimals:  # x * 10^d or x / 10^-d (not x * 10^d), in float32 for half, as PyTorch
        return _in_opmath(lambda a: _round_half_even(a * scale) / scale if decimals > 0
                          else _round_half_even(a / scale) * scale, _t(input))
    return _round_half_even(input)


@declare(inplace=lerp_, out=True)
def lerp(input, end, weight):
    """``input + weight * (end - input)``: ``end`` (and a Tensor ``weight``) of ``input``'s
    floating dtype, as PyTorch requires."""
    rt = _check_lerp(input, end, weight)
    check_broadcast(input, end, "lerp")
    if rt is not None:  # a 0-d weight of another dtype: the three promoted, as PyTorch
        input, end, weight = (v if v._data.dtype == rt else v.to(rt)
                              for v in (input, end, weight))
    if isinstance(weight, Tensor):
        check_broadcast(input, weight, "lerp")
        check_broadcast(end, weight, "lerp")
        return apply(E.LERP, (input, end, weight))
    return apply(E.LERP, (input, end), (weight,))


@declare(inplace=addcmul_, out=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``, in the dtype the three tensors promote to."""
    x, t1, t2 = _promoted3(input, tensor1, tensor2, value, "addcmul")
    if x.dtype.kind in "iub" and isinstance(value, float):
        value = int(value)  # PyTorch casts the value to the integer result type
    if _is_half(x):  # PyTorch's kernel: fma(value * tensor1, tensor2, input) in float32
        f32, f64 = _dtype.float32, _dtype.float64
        p = (t1.to(f32) * value).to(f64) * t2.to(f64)
        return (p + x.to(f64)).to(f32).to(x.dtype)
    if _fused_kind(x) and type(value) in (int, float):  # (one node, PyTorch's rounding)
        _check3(x, t1, t2, "addcmul")
        return apply(E.ADDCMUL, (x, t1, t2), (value,))
    return x + _times_value(t1 * t2, x, value)


@declare(inplace=True, out=True, aliases=("arctan2",))
def atan2(input, other):
    """Angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    return _binary_float_op(E.ATAN2, input, other, "atan2")


@declare(inplace=True, out=True)
def hypot(input, other):
    """``sqrt(input**2 + other**2)`` without overflow or underflow."""
    return _binary_float_op(E.HYPOT, input, other, "hypot", kernel="hypot_cpu")


@declare(out=True)
def logaddexp(input, other):
    """``log(exp(input) + exp(other))``, computed stably."""
    return _binary_float_op(E.LOGADDEXP, input, other, "logaddexp", (False,),
                            kernel="logaddexp_cpu")


@declare(out=True)
def logaddexp2(input, other):
    """``log2(2**input + 2**other)``, computed stably."""
    return _binary_float_op(E.LOGADDEXP, input, other, "logaddexp2", (True,),
                            kernel="logaddexp2_cpu")


@declare(inplace=True, out=True, aliases=("special:xlogy",))
def xlogy(input, other):
    """``input * log(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN). Either
    argument may be a number. Gradients as PyTorch's: ``log(other)`` for ``input`` (0 where
    ``input == 0`` and ``other <= 0``) and ``input / other`` for ``other``; where ``input == 0``
    and ``other`` is +inf the value is 0 and so is the gradient for ``input`` (PyTorch: inf)."""
    a, b = _float_pair(input, other, "xlogy", scalars=True)
    if not isinstance(a, Tensor):
        a = wrap(_const_like(b, np.asarray(a, dtype=b.dtype)))
    if not isinstance(b, Tensor):
        b = wrap(_const_like(a, np.asarray(b, dtype=a.dtype)))
    check_broadcast(a, b, "xlogy")
    # where x == 0 and y <= 0 or y = +inf, log(1) = 0 stands in for log(y), so no 0 * +-inf
    # or log(<0)
    safe = (a == 0) & ((b <= 0) | (b == np.inf))
    return a * log(where(safe, 1.0, b))


@declare(inplace=True, out=True, aliases=("special:sinc",))
def sinc(input):
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0."""
    return _in_opmath(_sinc, _float_operand(_t(input)))


def _sinc(x):
    px = x * np.pi
    # near 0 the gradient of sin(px) / px is the difference of two terms of size 1/px, all
    # rounding error: there (|pi x| below ``cut``) a Taylor polynomial in (pi x)^2 whose
    # truncation error is below the dtype's precision, value and gradient
    cut = 0.1 if x.dtype == np.float64 else 0.5
    small = abs(px) < cut
    far = where(small, cut, px)
    near = where(small, px, 0.0)
    y = near * near
    taylor = 1.0 + y * (-1.0 / 6 + y * (1.0 / 120 + y * (-1.0 / 5040 + y * (1.0 / 362880))))
    return where(small, taylor, sin(far) / far)


@declare(inplace=True, out="same")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    largest and lowest finite values of the dtype). The gradient is 0 at replaced elements."""
    nan = 0.0 if nan is None else nan  # (PyTorch's float? nan: None is the default)
    x = _t(input)
    if x.dtype.kind != "f":
        if x.dtype.kind == "c":  # as PyTorch: the real and imaginary parts each
            from .._complex import no_complex_autograd
            no_complex_autograd("nan_to_num", x)
            return _parts(nan_to_num, x, nan, posinf, neginf)
        return x.clone()
    info = np.finfo(x.dtype)
    a = to_host(x._data)
    fill = np.zeros(a.shape, dtype=a.dtype)
    fill[np.isnan(a)] = nan
    fill[np.isposinf(a)] = info.max if posinf is None else posinf
    fill[np.isneginf(a)] = info.min if neginf is None else neginf
    finite = np.isfinite(a)
    return apply(E.WHERE, (x, wrap(_const_like(x, fill))), (_const_like(x, finite),))


@declare(inplace=addcdiv_, out=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``."""
    x, t1, t2 = _t(input), _t(tensor1, "tensor1"), _t(tensor2, "tensor2")
    _check_addcdiv(t1, t2)
    x, t1, t2 = _promoted3(x, t1, t2, value, "addcdiv")
    if _is_half(x):  # PyTorch's kernel: input + value * tensor1 / tensor2 in float32
        return _in_opmath(lambda a, b, c: a + b * value / c, x, t1, t2)
    if _fused_kind(x) and type(value) in (int, float):  # (one node, PyTorch's rounding)
        _check3(x, t1, t2, "addcdiv")
        return apply(E.ADDCDIV, (x, t1, t2), (value,))
    return x + _times_value(t1 / t2, x, value)


def _modulo(op, input, other, name):
    """``fmod``/``remainder``: PyTorch's dtype promotion; an integer division by zero raises
    (NumPy would give 0 with a warning)."""
    x = _t(input)
    if x.dtype.kind == "b" and (isinstance(other, (bool, np.bool_)) or isinstance(other, Tensor)
                                and other.dtype.kind == "b"):
        _not_implemented(f"{name}_cpu", x, "convert the operands first, e.g. x.long()")
    if x.dtype.kind in "iub":
        b = other._data if isinstance(other, Tensor) else other
        kind = b.dtype.kind if hasattr(b, "dtype") else ("f" if isinstance(b, float) else "i")
        if kind in "iub" and _zero_divisor_used(x.shape, b):
            raise RuntimeError(f"{name}: ZeroDivisionError (an integer division by zero)")
    return _binary(op, x, other, name)


@declare(inplace=True, out=True)
def fmod(input, other):
    """The remainder of ``input / other`` with the sign of ``input`` (C's ``fmod``):
    ``input - trunc(input / other) * other``; ``other`` may be a number."""
    return _modulo(E.FMOD, input, other, "fmod")


@declare(inplace=True, out=("cast", tensor_input_for_out("remainder")))
def remainder(input, other):
    """The remainder of ``input / other`` with the sign of ``other`` (Python's ``%``):
    ``input - floor(input / other) * other``; ``other`` may be a number."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):  # remainder(3, t)
        _check_number(input, "remainder", "input")
        if other.dtype.kind == "b" and isinstance(input, (bool, np.bool_)):
            _not_implemented("remainder_cpu", other, "convert the operands first, e.g. x.long()")
        rt = _dtype.scalar_result_dtype(other.dtype, input)
        if rt.kind in "iub" and _zero_divisor_used((), other._data):
            raise RuntimeError("remainder: ZeroDivisionError (an integer division by zero)")
        return _rbinary(E.REMAINDER, other, input, "remainder")
    return _modulo(E.REMAINDER, input, other, "remainder")


# ------------------------------------------------------------------ more binary and unary ops
def _dtype_label(dt):
    return {"b": "Bool", "f": "Float", "i": "Long", "u": "Byte"}.get(np.dtype(dt).kind, str(dt))


@declare(inplace=True, out="same")
def frac(input):
    """The fractional part ``input - trunc(input)`` (sign of ``input``); gradient 1."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"frac_cpu" not implemented for \'{_dtype_label(x.dtype)}\'; '
                                  f"frac() takes floating tensors: convert with .float()")
    return x - trunc(x)


@declare(inplace=True, out=True, differentiable=False)
def floor_divide(input, other):
    """``input // other`` rounded toward minus infinity (Python's ``//``), with PyTorch's dtype
    promotion; an integer division by zero raises. Not differentiable: as in PyTorch, the result
    of a float input requiring grad requires grad, and backward through it raises."""
    input = input if type(input) is Tensor else _number_pair(input, other)  # torch.mul(5, 3)
    return _rounded(E.FLOOR_DIVIDE, input, other, "floor_divide")


@declare(inplace=True, out=True)
def copysign(input, other):
    """``|input|`` with the sign of ``other`` (a Tensor or a number); always floating."""
    _tensors_only("copysign", (1, "input", input))  # (a number only as other, as PyTorch)
    a, b = _float_pair(input, other, "copysign", scalars=True)
    if isinstance(b, Tensor):
        check_broadcast(a, b, "copysign")
    return apply2(E.COPYSIGN, a, b)


@declare(inplace=True, out="same", differentiable=False)
def heaviside(input, values):
    """The step function: 0 below 0, ``values`` at 0, 1 above. Both the same dtype (PyTorch);
    not differentiable (PyTorch raises)."""
    x, v = _t(input), _t(values, "values")
    if x.dtype != v.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"(input {x.dtype}, values {v.dtype}); convert one with .to()")
    if type(x._data) is not type(v._data):
        x, v = _same_device(x, v, "heaviside")
    check_broadcast(x, v, "heaviside")
    d = x._data
    return wrap(np.where(d == 0, v._data, (d > 0)).astype(x.dtype))


def _float_power_(self, exponent):
    if self.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dtype_label(self.dtype)} "
                           f"but the operation's result requires dtype Double; call "
                           f"x.double() first")
    return write_inplace(self, float_power(inplace_input(self, (exponent,)), exponent),
                         "float_power_")


@declare(inplace=_float_power_, out="same")
def float_power(input, exponent):
    """``input ** exponent`` in float64, whatever the inputs' dtypes."""
    f64 = np.dtype(np.float64)
    for name, v in (("input", input), ("exponent", exponent)):
        if not isinstance(v, Tensor):
            _check_number(v, "float_power", name)
    a = _t(input).to(f64) if isinstance(input, Tensor) else float(input)
    b = exponent.to(f64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


@declare(inplace=True, out=True)
def ldexp(input, other):
    """``input * 2 ** other`` (PyTorch's composite: floating result), in the dtype PyTorch's
    promotion of the two gives (the default floating dtype when both are integers)."""
    x, e = _t(input), _t(other, "other")
    dt = _dtype.result_type(x.dtype, x.ndim, e.dtype, e.ndim)
    if dt.kind != "f":
        dt = _dtype.get_default_dtype()
    if e.dtype.kind != "f":  # (2.0 ** an integer tensor: exact in the result's dtype)
        e = e.to(dt)
    # PyTorch's composite: mul(input, pow(2.0, other)), 2 ** other rounded in other's dtype
    return x.to(dt) * e.__rpow__(2.0).to(dt)


@declare(inplace=True, out=True, differentiable=False)
def nextafter(input, other):
    """The next floating-point value after ``input`` toward ``other``."""
    _tensors_only("nextafter", (1, "input", input), (2, "other", other))
    a, b = _operands(input, other, "nextafter")
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"nextafter_cpu" not implemented for '
                                  f"'{_dtype_label(a.dtype)}'; nextafter() takes floating tensors")
    return wrap(np.nextafter(a._data, b._data))


def _fminmax(op, input, other, name):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    a, b = _promote_pair(input, other)
    check_broadcast(a, b, name)
    return apply2(op, a, b)


@declare(out=True)
def fmax(input, other):
    """The elementwise maximum, ignoring nan (nan only where both are nan)."""
    return _fminmax(E.FMAX, input, other, "fmax")


@declare(out=True)
def fmin(input, other):
    """The elementwise minimum, ignoring nan (nan only where both are nan)."""
    return _fminmax(E.FMIN, input, other, "fmin")


@declare(out="same", differentiable=False)
def signbit(input):
    """True where the sign bit is set (negative numbers and -0.0)."""
    d = _t(input)._data
    return wrap(np.signbit(d if d.dtype.kind != "b" else d.astype(np.uint8)))


@declare()
def positive(input):
    """``input`` itself (``+input``); a bool tensor raises, as in PyTorch."""
    x = _t(input)
    if x.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


@declare(inplace=True, out="same")
def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    _required_bound("clamp_min", "min", min)
    return present(clamp(input, min=min), "ClampMinBackward0", (input,), input)


@declare(inplace=True, out="same")
def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    _required_bound("clamp_max", "max", max)
    return present(clamp(input, max=max), "ClampMaxBackward0", (input,), input)


@declare(out=("same", out_tuple(2)))
def frexp(input):
    """``(mantissa, exponent)`` with ``input = mantissa * 2**exponent``, ``|mantissa|`` in
    [0.5, 1) (0, inf and nan are their own mantissa, exponent 0); the exponent is int32."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes (got {x.dtype}); "
                           f"convert with .float()")
    e = np.frexp(to_host(x._data))[1].astype(np.int32)
    return return_types.frexp(apply1(E.FREXP_MANTISSA, x), wrap(_const_like(x, e)))
