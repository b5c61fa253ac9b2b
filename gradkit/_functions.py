"""The public functions (``gradkit.exp``, ``gradkit.cat``, ...) and their Tensor methods.

Each function is written once here and attached to ``Tensor`` as a method at the bottom, so
``gradkit.sum(x, 1)`` and ``x.sum(1)`` are the same code.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from . import _dtype
from ._backend import to_host
from .device import _to_namespace_of
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduction as R
from .ops import shape as S
from .tensor import (
    Tensor,
    _check_broadcast,
    _float_operand,
    _norm_axis,
    _same_device,
    _scalar_or_tensor,
    _shape_arg,
    _wrap_dim,
    apply,
    apply1,
    apply2,
    as_tensor_arg,
    wrap,
)

__all__ = [
    "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "abs", "clamp", "clip", "maximum", "minimum", "where", "pow", "erf",
    "square", "reciprocal", "floor", "ceil", "round", "trunc", "sign", "add", "sub", "mul", "div",
    "neg", "sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std",
    "var_mean", "std_mean", "norm", "logsumexp", "cumsum", "softmax", "log_softmax", "matmul", "mm",
    "bmm", "outer", "dot", "einsum", "reshape", "permute", "transpose", "swapaxes", "flatten",
    "unflatten", "squeeze", "unsqueeze", "cat", "concat", "concatenate", "stack", "split", "chunk",
    "unbind", "flip", "gather", "scatter_add", "index_select", "masked_fill", "all", "any", "isnan",
    "isinf", "isfinite", "allclose", "isclose", "sort", "argsort", "topk", "lerp", "addcmul",
    "broadcast_to", "narrow", "t", "numel", "clone", "detach", "zeros_like_grad", "eq", "ne", "lt",
    "le", "gt", "ge", "equal", "logical_and", "logical_or", "logical_not", "count_nonzero", "diag",
    "tril", "triu", "roll", "repeat_interleave", "tile", "movedim", "moveaxis", "diagonal",
    "trace", "meshgrid", "nonzero", "argwhere", "scatter", "scatter_reduce", "take_along_dim",
    "tensordot", "cumprod", "diff", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2",
    "xlogy", "sinc", "nan_to_num", "nansum", "nanmean", "median", "kthvalue", "quantile", "cummax",
    "cummin", "logcumsumexp", "unique", "bincount", "searchsorted", "bucketize", "cdist", "rot90",
    "kron",
]


def _t(x, name="input"):
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name=name)


# ------------------------------------------------------------------ elementwise
def _float_unary(op, name, doc):
    """A one-input function of floats: integer inputs become the default float dtype first.

    Built by a factory so that the common case (a floating Tensor) is one type test and one
    dtype test before ``apply1``: these run once per op in user code.
    """

    def fn(input):
        if type(input) is Tensor and input._data.dtype.kind == "f":
            return apply1(op, input)
        return apply1(op, _float_operand(_t(input)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


exp = _float_unary(E.EXP, "exp", "e to the power of each element.")


log = _float_unary(E.LOG, "log", "Natural logarithm of each element.")


log1p = _float_unary(E.LOG1P, "log1p", "``log(1 + x)``, accurate for small ``x``.")


expm1 = _float_unary(E.EXPM1, "expm1", "``exp(x) - 1``, accurate for small ``x``.")


def log2(input):
    return log(input) * (1.0 / np.log(2.0))


def log10(input):
    return log(input) * (1.0 / np.log(10.0))


sqrt = _float_unary(E.SQRT, "sqrt", "Square root of each element.")


rsqrt = _float_unary(E.RSQRT, "rsqrt", "``1 / sqrt(x)`` of each element.")


sin = _float_unary(E.SIN, "sin", "Sine of each element.")


cos = _float_unary(E.COS, "cos", "Cosine of each element.")


def tan(input):
    return sin(input) / cos(input)


tanh = _float_unary(E.TANH, "tanh", "Hyperbolic tangent of each element.")


sigmoid = _float_unary(E.SIGMOID, "sigmoid",
                       "Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.")


def relu(input):
    return apply1(E.RELU, _t(input))


def erf(input):
    return apply1(E.ERF, _float_operand(_t(input)))


def square(input):
    x = _t(input)
    return apply1(E.SQUARE, x if x.dtype.kind != "b" else x.to(_dtype.int64))


def reciprocal(input):
    return apply1(E.RECIPROCAL, _float_operand(_t(input)))


def abs(input):
    return apply1(E.ABS, _t(input))


def neg(input):
    return -_t(input)


def add(input, other, *, alpha=1):
    return _t(input).add(other, alpha=alpha)


def sub(input, other, *, alpha=1):
    return _t(input).sub(other, alpha=alpha)


def mul(input, other):
    return _t(input) * other


def div(input, other, *, rounding_mode=None):
    return _t(input).div(other, rounding_mode=rounding_mode)


def pow(input, exponent):
    if not isinstance(input, Tensor):
        return _t(exponent).__rpow__(input)
    return input ** exponent


def clamp(input, min=None, max=None):
    """Clamp into ``[min, max]``; bounds may be numbers or Tensors (then differentiable)."""
    x = _t(input)
    if min is None and max is None:
        raise ValueError("clamp(): at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            x = maximum(x, min)
        if max is not None:
            x = minimum(x, max)
        return x
    if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = _float_operand(x)
    return apply1(E.CLAMP, x, (min, max))


clip = clamp


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
            _check_broadcast(a, b, name)
        raise


def maximum(input, other):
    a, b = _promote_pair(input, other)
    return _apply2_named(E.MAXIMUM, a, b, "maximum")


def minimum(input, other):
    a, b = _promote_pair(input, other)
    return _apply2_named(E.MINIMUM, a, b, "minimum")


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other``; either may be a number. With one argument,
    the indices where ``condition`` is true (like ``nonzero(as_tuple=True)``)."""
    cond = _t(condition, "condition")
    if input is None and other is None:
        return tuple(wrap(i) for i in cond._data.nonzero())
    c = cond._data
    if c.dtype.kind != "b":
        c = c.astype(bool)
    a = _scalar_or_tensor(input)
    b = _scalar_or_tensor(other)
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
        dt = _dtype.get_default_dtype() if isinstance(a, float) or isinstance(b, float) \
            else np.dtype(np.int64)
        return wrap(np.where(c, a, b).astype(dt))
    try:
        return apply(E.WHERE, (a, b), (c,))
    except ValueError:
        shapes = [tuple(cond.shape)] + [tuple(x.shape) for x in (a, b) if isinstance(x, Tensor)]
        raise RuntimeError(
            f"where: the shapes of condition, input and other {shapes} cannot be broadcast "
            f"together; make the sizes equal or 1"
        ) from None


def _where_devices(cond, c, a, b):
    """Put where()'s operands on one device: a 0-d CPU tensor follows the others (as in
    PyTorch); anything else on another device is an error naming both."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb and type(a._data) is not type(b._data):
        a, b = _same_device(a, b, "where")
    t = a if ta else b if tb else None
    if t is not None and type(c) is not type(t._data):
        if c.ndim == 0 and type(c) is np.ndarray:
            c = _to_namespace_of(c, t._data)
        elif t.ndim == 0 and type(t._data) is np.ndarray:
            a = a.to(cond.device) if ta else a
            b = b.to(cond.device) if tb else b
        else:
            raise RuntimeError(
                f"where: expected condition, input and other on the same device, but condition "
                f"is on {cond.device} and the values on {t.device}; move them with .to()"
            )
    return a, b, c


def _zero_grad_op(name):
    def fn(input):
        x = _t(input)
        if x.dtype.kind != "f":
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
ceil = _zero_grad_op("ceil")
trunc = _zero_grad_op("trunc")
sign = _zero_grad_op("sign")
_round_half_even = _zero_grad_op("round")


def round(input, *, decimals=0):
    if decimals:
        scale = 10.0 ** decimals
        return _round_half_even(_t(input) * scale) / scale
    return _round_half_even(input)


def lerp(input, end, weight):
    return input + (end - input) * weight


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + tensor1 * tensor2 * value


# ------------------------------------------------------------------ comparisons / logic
def eq(input, other):
    return _t(input) == other


def ne(input, other):
    return _t(input) != other


def lt(input, other):
    return _t(input) < other


def le(input, other):
    return _t(input) <= other


def gt(input, other):
    return _t(input) > other


def ge(input, other):
    return _t(input) >= other


def equal(input, other) -> bool:
    return _t(input).equal(_t(other))


def logical_and(input, other):
    return wrap(np.logical_and(_t(input)._data, _t(other)._data))


def logical_or(input, other):
    return wrap(np.logical_or(_t(input)._data, _t(other)._data))


def logical_not(input):
    return wrap(np.logical_not(_t(input)._data))


def isnan(input):
    return wrap(np.isnan(_t(input)._data))


def isinf(input):
    return wrap(np.isinf(_t(input)._data))


def isfinite(input):
    return wrap(np.isfinite(_t(input)._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(np.isclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                           equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def _on_device_of(x, r, dtype=None):
    """A reduction's result as an array on ``x``'s device: NumPy returns scalars for 0-d
    results (and ``np.asarray`` of a CuPy array would fail, so only scalars are converted)."""
    if isinstance(r, (np.generic, int, float, bool)):
        if type(x._data) is np.ndarray:
            return np.asarray(r, dtype=dtype)
        return _xp(x).asarray(r, dtype=dtype)
    return r if dtype is None or r.dtype == dtype else r.astype(dtype)


def all(input, dim=None, keepdim=False):
    x = _t(input)
    return wrap(_on_device_of(x, np.all(x._data, axis=_norm_axis(dim, x.ndim), keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    x = _t(input)
    return wrap(_on_device_of(x, np.any(x._data, axis=_norm_axis(dim, x.ndim), keepdims=keepdim)))


def count_nonzero(input, dim=None):
    x = _t(input)
    return wrap(_on_device_of(x, np.count_nonzero(x._data, axis=_norm_axis(dim, x.ndim)),
                              np.dtype(np.int64)))


# ------------------------------------------------------------------ reductions
def _reduce_args(x, dim):
    axis = _norm_axis(dim, x.ndim)
    # a 0-d tensor accepts dim 0 / -1 (as in PyTorch): reducing over it reduces over everything
    return None if x.ndim == 0 else axis


def sum(input, dim=None, keepdim=False, *, dtype=None):
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu" and x.dtype != np.int64:
        x = x.to(_dtype.int64)
    return apply1(R.SUM, x, (_reduce_args(x, dim), keepdim, x._data.shape))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype}. Convert first, e.g. x.float().mean()"
        )
    return apply1(R.MEAN, x, (_reduce_args(x, dim), keepdim, x._data.shape))


def _int64_accumulator(x):
    """Integer and bool inputs of sum/prod/cumsum accumulate in int64, as in PyTorch (NumPy
    would use uint64 for unsigned inputs)."""
    return x.to(_dtype.int64) if x.dtype.kind in "biu" and x.dtype != np.int64 else x


def prod(input, dim=None, keepdim=False, *, dtype=None):
    x = _t(input)
    x = x.to(dtype) if dtype is not None else _int64_accumulator(x)
    return apply1(R.PROD, x, (_reduce_args(x, dim), keepdim, x._data.shape))


def _check_nonempty(x, name, axis):
    """Refuse to reduce over an empty dimension (there is no identity for max/min)."""
    if x.numel() == 0 and (axis is None or x.ndim == 0
                           or builtins_any(x.shape[d] == 0 for d in axis)):
        raise RuntimeError(
            f"{name}(): expected a non-empty tensor (or a dim to reduce that is not empty), got "
            f"shape {tuple(x.shape)}"
        )


def amax(input, dim=(), keepdim=False):
    x = _t(input)
    axis = _reduce_args(x, dim)
    _check_nonempty(x, "amax", axis)
    return apply1(R.AMAX, x, (axis, keepdim, x._data.shape))


def amin(input, dim=(), keepdim=False):
    x = _t(input)
    axis = _reduce_args(x, dim)
    _check_nonempty(x, "amin", axis)
    return apply1(R.AMIN, x, (axis, keepdim, x._data.shape))


_MinMax = collections.namedtuple("_MinMax", ["values", "indices"])


class MaxMin(_MinMax):
    """``(values, indices)`` as ``torch.return_types.max``/``min``."""


def _max_min(input, dim, keepdim, largest):
    x = _t(input)
    if dim is None:
        return amax(x) if largest else amin(x)
    if isinstance(dim, Tensor):  # max(input, other)
        return maximum(x, dim) if largest else minimum(x, dim)
    d = _wrap_dim(dim, x.ndim)
    _check_nonempty(x, "max" if largest else "min", (d,))
    arg = np.argmax if largest else np.argmin
    idx = arg(x._data, axis=d, keepdims=True) if x.ndim else \
        _on_device_of(x, 0, np.dtype(np.int64))
    if x.ndim == 0:
        return MaxMin(x.clone(), wrap(idx))
    values = gather(x, d, wrap(idx))
    if not keepdim:
        values = values.squeeze(d)
        idx = idx.squeeze(d)
    return MaxMin(values, wrap(idx.astype(np.int64)))


def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``;
    ``max(x, other)``: elementwise maximum."""
    return _max_min(input, dim, keepdim, True)


def min(input, dim=None, keepdim=False):
    return _max_min(input, dim, keepdim, False)


def argmax(input, dim=None, keepdim=False):
    x = _t(input)
    if dim is None:
        return wrap(_on_device_of(x, np.argmax(x._data), np.dtype(np.int64)))
    return wrap(np.argmax(x._data, axis=_wrap_dim(dim, x.ndim), keepdims=keepdim).astype(np.int64))


def argmin(input, dim=None, keepdim=False):
    x = _t(input)
    if dim is None:
        return wrap(_on_device_of(x, np.argmin(x._data), np.dtype(np.int64)))
    return wrap(np.argmin(x._data, axis=_wrap_dim(dim, x.ndim), keepdims=keepdim).astype(np.int64))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False``: 0)."""
    x = _float_operand(_t(input))
    if isinstance(dim, bool):  # var(x, unbiased)
        dim, unbiased = None, dim
    c = _correction(unbiased, correction)
    axis = _reduce_args(x, dim)
    n = 1
    for i, s in enumerate(x.shape):
        if axis is None or i in axis:
            n *= s
    d = x - mean(x, dim=axis if axis is not None else None, keepdim=True)
    denom = n - c
    ss = sum(d * d, dim=axis, keepdim=keepdim)
    return ss / denom if denom > 0 else ss * float("nan") if n else ss


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(_float_operand(_t(input)), dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(_float_operand(_t(input)), dim, keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    x = _float_operand(_t(input))
    if dtype is not None:
        x = x.to(dtype)
    axis = _reduce_args(x, dim)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc') is not supported; use an SVD of the matrix")
    if p == float("inf"):
        return amax(abs(x), dim=axis if axis is not None else (), keepdim=keepdim)
    if p == -float("inf"):
        return amin(abs(x), dim=axis if axis is not None else (), keepdim=keepdim)
    if p == 1:
        return sum(abs(x), dim=axis, keepdim=keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim=axis, keepdim=keepdim)
    return apply1(R.NORM, x, (float(p) if p != 2 else 2, axis, keepdim, x._data.shape))


def logsumexp(input, dim, keepdim=False):
    x = _float_operand(_t(input))
    return apply1(R.LOGSUMEXP, x, (_reduce_args(x, dim), keepdim, x._data.shape))


def cumsum(input, dim, *, dtype=None):
    x = _t(input)
    x = x.to(dtype) if dtype is not None else _int64_accumulator(x)
    if x.ndim == 0:  # dim 0 of a 0-d tensor: the op over its single element
        return apply1(R.CUMSUM, x.reshape(1), (_wrap_dim(dim, 0),)).reshape(())
    return apply1(R.CUMSUM, x, (_wrap_dim(dim, x.ndim),))


def softmax(input, dim, dtype=None):
    x = _float_operand(_t(input))
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:  # dim 0 of a 0-d tensor: the op over its single element
        return apply1(R.SOFTMAX, x.reshape(1), (_wrap_dim(dim, 0),)).reshape(())
    return apply1(R.SOFTMAX, x, (_wrap_dim(dim, x.ndim),))


def log_softmax(input, dim, dtype=None):
    x = _float_operand(_t(input))
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:  # dim 0 of a 0-d tensor: the op over its single element
        return apply1(R.LOG_SOFTMAX, x.reshape(1), (_wrap_dim(dim, 0),)).reshape(())
    return apply1(R.LOG_SOFTMAX, x, (_wrap_dim(dim, x.ndim),))


# ------------------------------------------------------------------ products
def matmul(input, other):
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions."""
    a, b = _t(input), _t(other, "other")
    if a.dtype != b.dtype:
        rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
        a, b = a.to(rt), b.to(rt)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {a.ndim}D and {b.ndim}D "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)}); use * for scalar products"
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the "
            f"last dimension of the first ({ka}) must equal the "
            f"{'second-to-last' if b.ndim >= 2 else 'only'} dimension of the second ({kb})"
        )
    if a.ndim == 1 and b.ndim == 1:
        return sum(a * b)
    if a.ndim == 1:
        return apply2(L.MATMUL, a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return apply2(L.MATMUL, a, b.unsqueeze(-1)).squeeze(-1)
    if a.ndim > 2 or b.ndim > 2:
        for x, y in zip(reversed(a.shape[:-2]), reversed(b.shape[:-2])):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                    f"broadcast together ({x} against {y})"
                )
    return apply2(L.MATMUL, a, b)


def mm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(
            f"mm: expected 2-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    return matmul(a, b)


def bmm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(
            f"bmm: expected 3-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return matmul(a, b)


def outer(input, vec2):
    a, b = _t(input), _t(vec2, "vec2")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"outer: expected 1-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a.unsqueeze(1) * b.unsqueeze(0)


def dot(input, other):
    a, b = _t(input), _t(other, "other")
    if a.ndim != 1 or b.ndim != 1 or a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"dot: expected two 1-D tensors of the same size, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    return sum(a * b)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; differentiable in each operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops_ = [_t(o, "operand") for o in operands]
    dt = ops_[0].dtype
    for o in ops_[1:]:
        dt = _dtype.promote_types(dt, o.dtype)
    ops_ = [o.to(dt) for o in ops_]
    subs, rhs = L.parse_einsum(equation, [o.shape for o in ops_])
    sizes = {}
    for s, o in zip(subs, ops_):
        for c, n in zip(s, o.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(
                    f"einsum(): subscript {c!r} of {equation!r} has sizes {sizes[c]} and {n} "
                    f"(operand shapes {[tuple(o.shape) for o in ops_]}); every use of a "
                    f"subscript must have one size")
    return apply(L.EINSUM, ops_, (subs, rhs))


# ------------------------------------------------------------------ shapes
def _infer_shape(shape, numel, name):
    shape = [int(s) for s in shape]
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred (-1), got {tuple(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(
                f"{name}: shape {tuple(shape)} is invalid for input of size {numel}"
            )
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{name}: shape {tuple(shape)} is invalid for input of size {numel}")
    return tuple(shape)


def reshape(input, *args, shape=None):
    x = _t(input)
    shape = _infer_shape(_shape_arg(args) if shape is None else tuple(shape), x._data.size,
                         "reshape")
    return apply1(S.RESHAPE, x, (shape, x._data.shape))


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        return _t(input).to(shape[0])  # view(dtype) reinterprets in PyTorch; we convert
    return reshape(input, *shape)


def permute(input, *args, dims=None):
    x = _t(input)
    dims = _shape_arg(args) if dims is None else tuple(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute: number of dims don't match: the tensor has {x.ndim} dimensions but "
            f"{len(dims)} were given ({dims})"
        )
    axes = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise RuntimeError(f"permute: repeated or missing dims in {dims}")
    inverse = tuple(int(i) for i in np.argsort(axes))
    return apply1(S.PERMUTE, x, (axes, inverse))


def transpose(input, dim0, dim1):
    x = _t(input)
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return reshape(x, tuple(x.shape))
    axes = list(range(x.ndim))
    a, b = _wrap_dim(dim0, x.ndim), _wrap_dim(dim1, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, *axes)


swapaxes = transpose


def t(input):
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else reshape(x, tuple(x.shape))


def flatten(input, start_dim=0, end_dim=-1):
    x = _t(input)
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = _wrap_dim(start_dim, x.ndim), _wrap_dim(end_dim, x.ndim)
    shape = x.shape
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(x, tuple(shape[:s]) + (n,) + tuple(shape[e + 1:]))


def unflatten(input, dim, sizes):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    sizes = _infer_shape(sizes, x.shape[d], "unflatten")
    return reshape(x, tuple(x.shape[:d]) + tuple(sizes) + tuple(x.shape[d + 1:]))


def squeeze(input, dim=None):
    x = _t(input)
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = _norm_axis(dim, x.ndim) or ()
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


def unsqueeze(input, dim):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim + 1)
    shape = tuple(x.shape)
    return apply1(S.RESHAPE, x, (shape[:d] + (1,) + shape[d:], shape))


def broadcast_to(input, size):
    return _t(input).expand(*size)


def expand(input, *args, size=None):
    x = _t(input)
    sizes = _shape_arg(args) if size is None else tuple(size)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
            s = cur
        elif cur is not None and cur != s and cur != 1:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({cur}) at non-singleton dimension {i}. Target sizes: {tuple(sizes)}. Tensor "
                f"sizes: {tuple(x.shape)}"
            )
        shape.append(int(s))
    shape = tuple(shape)
    if shape == tuple(x.shape):  # a new view, as in PyTorch (never ``x`` itself)
        return apply1(S.RESHAPE, x, (shape, shape))
    return apply1(S.EXPAND, x, (shape, tuple(x.shape)))


def expand_as(input, other):
    return expand(input, *other.shape)


def repeat(input, *sizes):
    x = _t(input)
    reps = _shape_arg(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims ({len(reps)}) can not be smaller than the number of "
            f"dimensions of the tensor ({x.ndim})"
        )
    return apply1(S.REPEAT, x, (tuple(int(r) for r in reps), tuple(x.shape)))


def _cat_prepare(tensors, dim, name):
    tensors = [_t(x, "tensors") for x in tensors]
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    dt = tensors[0].dtype
    kind = type(tensors[0]._data)
    for i, x in enumerate(tensors[1:], 1):
        dt = _dtype.promote_types(dt, x.dtype)
        if type(x._data) is not kind:
            raise RuntimeError(
                f"{name}(): expected all tensors to be on the same device, but tensor 0 is on "
                f"{tensors[0].device} and tensor {i} on {x.device}; move them with .to()"
            )
    return [x.to(dt) if x.dtype != dt else x for x in tensors]


def cat(tensors, dim=0):
    """Concatenate along an existing dimension ``dim``."""
    tensors = _cat_prepare(tensors, dim, "cat")
    tensors = [x for x in tensors if not (x.ndim == 1 and x.shape[0] == 0)] or tensors[:1]
    nd = tensors[0].ndim
    if nd == 0:
        raise RuntimeError("cat(): zero-dimensional tensor cannot be concatenated")
    d = _wrap_dim(dim, nd)
    ref = tensors[0].shape
    for i, x in enumerate(tensors):
        if x.ndim != nd or builtins_any(
                a != b for k, (a, b) in enumerate(zip(x.shape, ref)) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref)} but tensor {i} has shape {tuple(x.shape)}"
            )
    return apply(S.CAT, tensors, (d, tuple(x.shape[d] for x in tensors)))


concat = concatenate = cat


def stack(tensors, dim=0):
    """Stack along a new dimension ``dim``."""
    tensors = _cat_prepare(tensors, dim, "stack")
    ref = tensors[0].shape
    for i, x in enumerate(tensors):
        if x.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(ref)} at entry 0 and "
                f"{tuple(x.shape)} at entry {i}"
            )
    return apply(S.STACK, tensors, (_wrap_dim(dim, len(ref) + 1),))


def _slice_along(x, d, start, stop):
    return x[(slice(None),) * d + (slice(start, stop),)]


def split(tensor, split_size_or_sections, dim=0):
    x = _t(tensor)
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split(): split_size must be positive, got {size}")
        bounds = [(i, builtins_min(i + size, n)) for i in range(0, n, size)] or [(0, 0)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins_sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {d}), but got split_sizes={sizes}"
            )
        bounds, start = [], 0
        for s in sizes:
            bounds.append((start, start + s))
            start += s
    return tuple(_slice_along(x, d, a, b) for a, b in bounds)


def chunk(input, chunks, dim=0):
    x = _t(input)
    if chunks <= 0:
        raise ValueError(f"chunk(): chunks must be positive, got {chunks}")
    n = x.shape[_wrap_dim(dim, x.ndim)]
    size = -(-n // chunks) if n else 1
    return split(x, builtins_max(size, 1), dim)


def unbind(input, dim=0):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def narrow(input, dim, start, length):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    return _slice_along(x, d, start, start + length)


def flip(input, *args, dims=None):
    """Reverse along ``dims``: ``flip(x, (0, 1))``, ``x.flip(0, 1)``, ``x.flip(dims=[0])``."""
    x = _t(input)
    if dims is None:
        dims = _shape_arg(args)
    if isinstance(dims, int):
        dims = (dims,)
    return apply1(S.FLIP, x, (tuple(_wrap_dim(d, x.ndim) for d in dims),))


def _index_array(index, name, x):
    """``index`` as an integer array on ``x``'s device (a host index list or CPU index tensor
    moves to the device, as index math on Python data is host-side)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {idx.dtype}")
    if type(idx) is not type(x._data):
        from .device import _to_namespace_of

        idx = _to_namespace_of(idx, x._data)
    return idx


def gather(input, dim, index):
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (differentiable in ``input``)."""
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    idx = _index_array(index, "gather", x)
    if idx.ndim != x.ndim:
        raise RuntimeError(
            f"gather(): index tensor must have the same number of dimensions as input tensor "
            f"({idx.ndim} vs {x.ndim})"
        )
    n = x.shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise RuntimeError(
            f"gather(): index {int(idx.max() if idx.max() >= n else idx.min())} is out of bounds "
            f"for dimension {d} with size {n}"
        )
    xp = np if type(x._data) is np.ndarray else _xp(x)
    full = S.gather_index(xp, idx, d)
    if builtins_any(idx.shape[k] > x.shape[k] for k in range(x.ndim) if k != d):
        raise RuntimeError(
            f"gather(): index {tuple(idx.shape)} is larger than input {tuple(x.shape)} outside "
            f"dimension {d}"
        )
    return apply1(S.GATHER, x, (d, idx, full, tuple(x.shape)))


def scatter_add(input, dim, index, src):
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    x, s = _t(input), _t(src, "src")
    d = _wrap_dim(dim, x.ndim)
    idx = _index_array(index, "scatter_add", x)
    xp = np if type(x._data) is np.ndarray else _xp(x)
    full = S.gather_index(xp, idx, d)
    if s.dtype != x.dtype:
        s = s.to(x.dtype)
    return apply2(S.SCATTER_ADD, x, s, (d, idx, full, tuple(s.shape)))


def index_select(input, dim, index):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    idx = _index_array(index, "index_select", x)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return x[(slice(None),) * d + (idx.reshape(-1),)]


def masked_fill(input, mask, value):
    x = _t(input)
    m = _t(mask, "mask")
    if m.dtype.kind != "b":
        raise RuntimeError(
            f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}"
        )
    if m.ndim > x.ndim or builtins_any(
            a != b and a != 1 for a, b in zip(reversed(m.shape), reversed(x.shape))):
        raise RuntimeError(
            f"masked_fill: the mask of shape {tuple(m.shape)} does not broadcast to the input's "
            f"shape {tuple(x.shape)}"
        )
    v = value
    if isinstance(v, Tensor):
        if v.ndim != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{v.ndim} dimension(s)"
            )
        v = v.to(x.device, x.dtype)  # a 0-d CPU value follows x's device, as in PyTorch
    elif isinstance(v, float) and x.dtype.kind != "f":
        v = int(v) if float(v).is_integer() else v
    out = apply(E.WHERE, (v, x), (np.broadcast_to(m._data, x.shape) if m.shape != x.shape
                                  else m._data,))
    if out.dtype != x.dtype:
        out = out.to(x.dtype)
    return out


def sort(input, dim=-1, descending=False, stable=False):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    idx = np.argsort(-x._data if descending else x._data, axis=d, kind="stable")
    return MaxMin(gather(x, d, wrap(idx)), wrap(idx.astype(np.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    if k > x.shape[d]:
        raise RuntimeError(f"topk(): selected index k={k} out of range for size {x.shape[d]}")
    idx = np.argsort(-x._data if largest else x._data, axis=d, kind="stable")
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return MaxMin(gather(x, d, wrap(idx)), wrap(idx.astype(np.int64)))


def diag(input, diagonal=0):
    x = _t(input)
    xp = _xp(x)
    if x.ndim == 1:
        n = x.shape[0] + builtins_abs(diagonal)
        out = wrap(xp.zeros((n, n), dtype=x.dtype))
        rows = np.arange(x.shape[0]) + builtins_max(-diagonal, 0)
        cols = np.arange(x.shape[0]) + builtins_max(diagonal, 0)
        return scatter_add(out.reshape(-1), 0, wrap(xp.asarray(rows * n + cols)), x).reshape(n, n)
    rows, cols = np.nonzero(np.eye(x.shape[0], x.shape[1], k=diagonal, dtype=bool))
    return x[wrap(xp.asarray(rows)), wrap(xp.asarray(cols))]


def _tri_mask(x, fn, diagonal):
    mask = fn(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return wrap(mask if type(x._data) is np.ndarray else _xp(x).asarray(mask))


def tril(input, diagonal=0):
    x = _t(input)
    return x * _tri_mask(x, np.tril, diagonal)


def triu(input, diagonal=0):
    x = _t(input)
    return x * _tri_mask(x, np.triu, diagonal)


def numel(input) -> int:
    return _t(input).numel()


def clone(input):
    return _t(input).clone()


def detach(input):
    return _t(input).detach()


def zeros_like_grad(x):
    return wrap(np.zeros_like(x._data))


# ------------------------------------------------------------------ more shape / indexing ops
# Composites of the primitives above unless a comment says why not, so autograd (and higher
# order) come for free. Index arithmetic runs on the host with NumPy.
def _const_like(x, arr):
    """A host constant (mask, index) on ``x``'s device."""
    return arr if type(x._data) is np.ndarray else _xp(x).asarray(arr)


def _int_arg(value, fn, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' must be an int, got {type(value).__name__}")
    return int(value)


def _dims_tuple(dims, fn, name):
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        return (int(dims),)
    if isinstance(dims, (tuple, list)):
        return tuple(_int_arg(d, fn, name) for d in dims)
    raise TypeError(f"{fn}(): argument '{name}' must be an int or a tuple of ints, got "
                    f"{type(dims).__name__}")


def _dim_in(d, ndim, fn):
    """``_wrap_dim`` with the function's name in the message."""
    try:
        return _wrap_dim(d, ndim)
    except IndexError as e:
        raise IndexError(f"{fn}(): {e}") from None
    except TypeError as e:
        raise TypeError(f"{fn}(): {e}") from None


def roll(input, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor if None)."""
    x = _t(input)
    shifts_t = _dims_tuple(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts_t) != 1:
            raise ValueError(f"roll(): with dims=None, shifts must be a single int, got "
                             f"{shifts!r}")
        return roll(flatten(x), shifts_t, 0).reshape(tuple(x.shape))
    dims_t = _dims_tuple(dims, "roll", "dims")
    if len(shifts_t) != len(dims_t):
        raise ValueError(f"roll(): shifts and dims must have the same length, got "
                         f"shifts={shifts!r} and dims={dims!r}")
    out = x
    for s, d in zip(shifts_t, dims_t):
        d = _dim_in(d, x.ndim, "roll")
        if x.ndim == 0:
            continue
        n = x.shape[d]
        s = s % n if n else 0
        if s:
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return out if out is not x else x.clone()


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or a tensor with one count per element)
    along ``dim`` (the flattened input if None). ``repeat_interleave(counts)`` repeats the
    indices ``0..len(counts)-1``."""
    if repeats is None:  # repeat_interleave(repeats): the indices, each repeated
        r = _t(input, "repeats")
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave(): repeats must be a 0-d or 1-d integer tensor, "
                            f"got shape {tuple(r.shape)} and dtype {r.dtype}")
        counts = to_host(r._data).reshape(-1)
        if counts.size and counts.min() < 0:
            raise ValueError("repeat_interleave(): repeats can not be negative, got "
                             f"{int(counts.min())}")
        if output_size is not None and int(counts.sum()) != output_size:
            raise ValueError(f"repeat_interleave(): output_size={output_size} does not match "
                             f"the output's size {int(counts.sum())} (the sum of repeats)")
        return wrap(_const_like(r, np.repeat(np.arange(counts.size, dtype=np.int64), counts)))
    out = _repeat_interleave(_t(input), repeats, dim)
    if output_size is not None and out.shape[dim if dim is not None else 0] != output_size:
        raise ValueError(f"repeat_interleave(): output_size={output_size} does not match the "
                         f"output's size {out.shape[dim if dim is not None else 0]}")
    return out


def _repeat_interleave(x, repeats, dim):
    if dim is None:
        x = flatten(x)
        d = 0
    else:
        d = _dim_in(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = x.reshape(1)
    n = x.shape[d]
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        repeats = int(repeats.item())
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        r = int(repeats)
        if r < 0:
            raise ValueError(f"repeat_interleave(): repeats can not be negative, got {r}")
        shape = tuple(x.shape)
        y = unsqueeze(x, d + 1).expand(*shape[:d + 1], r, *shape[d + 1:])
        return y.reshape(shape[:d] + (n * r,) + shape[d + 1:])
    rt = _t(repeats, "repeats")
    if rt.dtype.kind not in "iu" or rt.ndim != 1:
        raise TypeError(f"repeat_interleave(): repeats must be an int or a 1-d integer tensor, "
                        f"got shape {tuple(rt.shape)} and dtype {rt.dtype}")
    counts = to_host(rt._data)
    if counts.size == 1:
        return _repeat_interleave(x, int(counts[0]), d)
    if counts.size != n:
        raise ValueError(f"repeat_interleave(): repeats must have the same size as input along "
                         f"dim {d} ({n}), got {counts.size}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"repeat_interleave(): repeats can not be negative, got "
                         f"{int(counts.min())}")
    idx = np.repeat(np.arange(n), counts)
    return x[(slice(None),) * d + (_const_like(x, idx),)]


def tile(input, dims):
    """Repeat the whole tensor ``dims[i]`` times along each dimension (missing leading dims
    count as 1, so ``dims`` may be shorter than ``input.ndim``)."""
    x = _t(input)
    reps = _dims_tuple(dims, "tile", "dims")
    if len(reps) < x.ndim:
        reps = (1,) * (x.ndim - len(reps)) + reps
    if builtins_any(r < 0 for r in reps):
        raise ValueError(f"tile(): dims can not be negative, got {tuple(dims)}")
    return repeat(x, *reps)


def movedim(input, source, destination):
    """Move dimensions ``source`` to positions ``destination``; the others keep their order."""
    x = _t(input)
    src = _dims_tuple(source, "movedim", "source")
    dst = _dims_tuple(destination, "movedim", "destination")
    if len(src) != len(dst):
        raise ValueError(f"movedim(): source and destination must have the same number of dims, "
                         f"got {len(src)} ({source!r}) and {len(dst)} ({destination!r})")
    nd = x.ndim
    src = tuple(_dim_in(d, nd, "movedim") for d in src)
    dst = tuple(_dim_in(d, nd, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim(): repeated dim in source {source!r} or destination "
                         f"{destination!r}")
    if nd == 0:
        return x.clone()
    order = [None] * nd
    for s, t_ in zip(src, dst):
        order[t_] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(x, *order)


moveaxis = movedim


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the 2-D slices over ``dim1``/``dim2`` (above it for ``offset > 0``),
    appended as the last dimension. Unlike PyTorch this is a copy, not a view."""
    x = _t(input)
    if x.ndim < 2:
        raise ValueError(f"diagonal(): expected a tensor with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    offset = _int_arg(offset, "diagonal", "offset")
    d1, d2 = _dim_in(dim1, x.ndim, "diagonal"), _dim_in(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal(): dim1 and dim2 must be different, both are {d1}")
    y = movedim(x, (d1, d2), (-2, -1))
    n1, n2 = y.shape[-2], y.shape[-1]
    length = builtins_max(0, builtins_min(n1 + builtins_min(offset, 0),
                                          n2 - builtins_max(offset, 0)))
    rows = np.arange(length) + builtins_max(-offset, 0)
    cols = np.arange(length) + builtins_max(offset, 0)
    return y[..., _const_like(x, rows), _const_like(x, cols)]


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    x = _t(input)
    if x.ndim != 2:
        raise ValueError(f"trace(): expected a 2-D tensor, got shape {tuple(x.shape)}")
    return sum(diagonal(x))


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: ``indexing='ij'`` (matrix, the default) or ``'xy'``
    (Cartesian: the first two output dimensions swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid(): indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_t(v, "tensors") for v in tensors]
    if not ts:
        raise ValueError("meshgrid(): expected at least one tensor, got none")
    for i, v in enumerate(ts):
        if v.ndim > 1:
            raise ValueError(f"meshgrid(): expected 0-D or 1-D tensors, tensor {i} has shape "
                             f"{tuple(v.shape)}")
        if v.dtype != ts[0].dtype:
            raise TypeError(f"meshgrid(): expected all tensors to have the same dtype, tensor 0 "
                            f"is {ts[0].dtype} and tensor {i} is {v.dtype}")
    sizes = [v.numel() for v in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for v, p in zip(ts, pos):
        view_shape = [1] * len(ts)
        view_shape[p] = -1
        out.append(v.reshape(*view_shape).expand(*sizes))
    return tuple(out)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or (``as_tuple``) one
    1-D tensor per dimension. Not differentiable."""
    x = _t(input)
    a = x._data
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in (a.reshape(1) if a.ndim == 0
                                                        else a).nonzero())
    if a.ndim == 0:
        return wrap(_const_like(x, np.zeros((1 if to_host(a) else 0, 0), dtype=np.int64)))
    return wrap(_xp(x).stack(a.nonzero(), axis=1).astype(np.int64))


def argwhere(input):
    """``nonzero(input)``: an ``(n, ndim)`` int64 tensor of the non-zero positions."""
    return nonzero(input)


def _scatter_index(x, dim, index, src, fn):
    """Validate a scatter's index (as PyTorch does) and return (dim, index array, flat target
    positions in index order)."""
    d = _dim_in(dim, x.ndim, fn)
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): index must be a Tensor of int64, got {type(index).__name__}")
    if index.dtype.kind not in "iu":  # int32 too, as PyTorch (and gather, scatter_add) take
        raise TypeError(f"{fn}(): expected an integer (int64) index, got dtype {index.dtype}; "
                        f"convert it with .long()")
    idx = to_host(index._data)
    if idx.size == 0:
        return d, idx, np.zeros(0, dtype=np.int64)
    xnd = builtins_max(x.ndim, 1)
    if idx.ndim != x.ndim and not (x.ndim == 0 and idx.ndim <= 1):
        raise ValueError(f"{fn}(): index must have as many dimensions as input ({x.ndim}), got "
                         f"index shape {tuple(idx.shape)}")
    xshape = tuple(x.shape) if x.ndim else (1,)
    idx = idx.reshape(-1) if x.ndim == 0 else idx
    for k in range(xnd):
        if k != d and idx.shape[k] > xshape[k]:
            raise ValueError(f"{fn}(): index shape {tuple(idx.shape)} is larger than input shape "
                             f"{tuple(x.shape)} in dimension {k}")
        if src is not None and idx.shape[k] > (src.shape[k] if src.ndim else 1):
            raise ValueError(f"{fn}(): index shape {tuple(idx.shape)} is larger than src shape "
                             f"{tuple(src.shape)} in dimension {k}")
    n = xshape[d]
    lo, hi = int(idx.min()), int(idx.max())
    if lo < 0 or hi >= n:
        raise IndexError(f"{fn}(): index {lo if lo < 0 else hi} is out of bounds for dimension "
                         f"{d} with size {n}")
    full = S.gather_index(np, idx, d)
    return d, idx, np.ravel_multi_index(full, xshape).reshape(-1)


def _src_used(src, idx):
    """The part of ``src`` a scatter reads (the leading ``index.shape`` block), flattened."""
    if src.ndim == 0:
        return src.reshape(1)
    if tuple(src.shape) != tuple(idx.shape):
        src = src[tuple(slice(0, k) for k in idx.shape)]
    return src.reshape(-1)


def _place(x_flat, targets, values):
    """``x_flat`` with ``values`` written at the unique positions ``targets`` (differentiable
    in both)."""
    n = x_flat.shape[0]
    mask = np.zeros(n, dtype=bool)
    mask[targets] = True
    placed = apply1(S.INDEX_ADD, values, ((n,), (_const_like(x_flat, targets),)))
    return apply(E.WHERE, (placed, x_flat), (_const_like(x_flat, mask),))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """``input`` with ``src`` (a tensor, or the number ``value``) written at ``index`` along
    ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``.

    Where ``index`` repeats a position PyTorch leaves unspecified which write wins; gradkit
    keeps the last one (in ``index``'s row-major order) and only that element of ``src`` gets a
    gradient (PyTorch gives every duplicate one). ``reduce='add'``/``'multiply'`` are
    ``scatter_reduce`` with ``'sum'``/``'prod'``.
    """
    x = _t(input)
    if src is not None and not isinstance(src, Tensor):
        if value is not None:
            raise TypeError("scatter(): give either src or value, not both")
        src, value = None, src
    if src is None and value is None:
        raise TypeError("scatter(): expected src (a Tensor) or value (a number), got neither")
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise ValueError(f"scatter(): reduce must be 'add' or 'multiply', got {reduce!r}")
        if src is None:
            src = _full_like_index(x, index, value)
        return scatter_reduce(x, dim, index, src, modes[reduce])
    if src is not None and src.dtype != x.dtype:
        raise TypeError(f"scatter(): expected src to have the dtype of input ({x.dtype}), got "
                        f"{src.dtype}")
    d, idx, targets = _scatter_index(x, dim, index, src, "scatter")
    if targets.size == 0:
        return x.clone()
    # the last write to each position wins
    rev_unique, first_rev = np.unique(targets[::-1], return_index=True)
    last = targets.size - 1 - first_rev
    flat = x.reshape(-1)
    if src is None:
        mask = np.zeros(flat.shape[0], dtype=bool)
        mask[rev_unique] = True
        return masked_fill(flat, wrap(_const_like(x, mask)), value).reshape(tuple(x.shape))
    vals = _src_used(src, idx)[_const_like(x, last)]
    return _place(flat, rev_unique, vals).reshape(tuple(x.shape))


def _full_like_index(x, index, value):
    from .factories import full

    return full(tuple(index.shape), value, dtype=x.dtype, device=x.device)


def _scatter_identity(dtype, reduce):
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(dtype)
    return int(info.min) if reduce == "amax" else int(info.max)


_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with ``reduce`` in ``'sum'``,
    ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``; ``include_self=False`` leaves the old values
    of the positions written to out of the reduction.

    Gradients follow PyTorch: ties in amax/amin share the gradient evenly among the tied
    elements of the group (``input``'s element included when ``include_self``). One difference:
    with ``include_self=False`` PyTorch also counts a tied ``input`` element when splitting
    (so the src gradients then sum to less than the output's); gradkit splits among src only.
    Integer ``'mean'`` rounds down, as PyTorch does.
    """
    x = _t(input)
    if reduce not in _SCATTER_REDUCES:
        raise ValueError(f"scatter_reduce(): reduce must be one of {_SCATTER_REDUCES}, got "
                         f"{reduce!r}")
    s = _t(src, "src")
    if s.dtype != x.dtype:
        raise TypeError(f"scatter_reduce(): expected src to have the dtype of input ({x.dtype}), "
                        f"got {s.dtype}")
    d, idx, targets = _scatter_index(x, dim, index, s, "scatter_reduce")
    shape = tuple(x.shape)
    if targets.size == 0:
        return x.clone()
    flat = x.reshape(-1)
    vals = _src_used(s, idx)
    u, inverse, counts = np.unique(targets, return_inverse=True, return_counts=True)
    if reduce in ("sum", "mean"):
        base = flat if include_self else _place(flat, u, _zeros_of(flat, u.size))
        total = scatter_add(base, 0, wrap(_const_like(x, targets)), vals)
        if reduce == "sum":
            return total.reshape(shape)
        n = np.ones(flat.shape[0], dtype=np.int64) if include_self else \
            np.zeros(flat.shape[0], dtype=np.int64)
        n[u] += counts
        n[n == 0] = 1
        nt = wrap(_const_like(x, n.astype(x.dtype if x.dtype.kind == "f" else np.int64)))
        if x.dtype.kind == "f":
            return (total / nt).reshape(shape)
        return wrap(total._data // nt._data).to(x.dtype).reshape(shape)
    # prod / amax / amin: each written position's group as a row of a padded matrix, reduced
    # by the prod/amax/amin primitives (exact with zeros, PyTorch's tie rule). Groups of about
    # the same size share a matrix (sizes in [2^j, 2^(j+1))), so padding at most doubles the
    # work: one large group among many small ones does not pad them all to its size.
    order = np.argsort(inverse, kind="stable")
    first = np.cumsum(counts) - counts  # each group's start in ``order``
    level = np.log2(counts).astype(np.int64)
    identity = _scatter_identity(x.dtype, reduce)
    placed, reduced = [], []
    for lv in np.unique(level):
        sel = np.flatnonzero(level == lv)
        k = int(counts[sel].max())
        valid = np.arange(k) < counts[sel, None]
        pick = np.zeros((sel.size, k), dtype=np.int64)
        pick[valid] = order[(first[sel, None] + np.arange(k))[valid]]
        groups = where(wrap(_const_like(x, valid)), vals[_const_like(x, pick)], identity)
        if include_self:
            groups = cat([flat[_const_like(x, u[sel])].unsqueeze(1), groups], 1)
        if reduce == "prod":
            red = prod(groups, 1)
        else:
            red = amax(groups, 1) if reduce == "amax" else amin(groups, 1)
        placed.append(u[sel])
        reduced.append(red)
    red = reduced[0] if len(reduced) == 1 else cat(reduced, 0)
    return _place(flat, np.concatenate(placed), red.to(x.dtype)).reshape(shape)


def _zeros_of(x, n):
    return wrap(_const_like(x, np.zeros(n, dtype=x.dtype)))


def take_along_dim(input, indices, dim=None):
    """Pick values along ``dim`` at ``indices`` (``input`` and ``indices`` broadcast in the
    other dimensions); with ``dim=None``, from the flattened input."""
    x = _t(input)
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        got = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"take_along_dim(): indices must be an integer Tensor, got {got}")
    if dim is None:
        return gather(flatten(x), 0, flatten(indices))
    if x.ndim != indices.ndim:
        raise ValueError(f"take_along_dim(): input and indices should have the same number of "
                         f"dimensions, got shapes {tuple(x.shape)} and {tuple(indices.shape)}")
    d = _dim_in(dim, x.ndim, "take_along_dim")
    try:
        b = np.broadcast_shapes(tuple(s for k, s in enumerate(x.shape) if k != d),
                                tuple(s for k, s in enumerate(indices.shape) if k != d))
    except ValueError:
        raise ValueError(f"take_along_dim(): input {tuple(x.shape)} and indices "
                         f"{tuple(indices.shape)} do not broadcast outside dim {d}") from None
    bx = list(b[:d]) + [x.shape[d]] + list(b[d:])
    bi = list(b[:d]) + [indices.shape[d]] + list(b[d:])
    xi = x.expand(*bx) if tuple(bx) != tuple(x.shape) else x
    ii = indices.expand(*bi) if tuple(bi) != tuple(indices.shape) else indices
    return gather(xi, d, wrap(_xp(ii).ascontiguousarray(ii._data)))


def tensordot(a, b, dims=2):
    """Sum products over the last ``dims`` dimensions of ``a`` and the first of ``b``, or over
    the dimension lists ``dims = (dims_a, dims_b)``."""
    x, y = _t(a, "a"), _t(b, "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0 or dims > builtins_min(x.ndim, y.ndim):
            raise ValueError(f"tensordot(): dims must be in [0, {builtins_min(x.ndim, y.ndim)}] "
                             f"for shapes {tuple(x.shape)} and {tuple(y.shape)}, got {dims}")
        da = list(range(x.ndim - dims, x.ndim))
        db = list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da = list(_dims_tuple(dims[0], "tensordot", "dims"))
        db = list(_dims_tuple(dims[1], "tensordot", "dims"))
        da = [_dim_in(k, x.ndim, "tensordot") for k in da]
        db = [_dim_in(k, y.ndim, "tensordot") for k in db]
    else:
        raise TypeError(f"tensordot(): dims must be an int or a pair of dim lists, got {dims!r}")
    if len(da) != len(db):
        raise ValueError(f"tensordot(): both dim lists must have the same length, got {da} and "
                         f"{db}")
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise ValueError(f"tensordot(): contracted dimensions need the same size: a "
                             f"{tuple(x.shape)} dim {i} has {x.shape[i]}, b {tuple(y.shape)} "
                             f"dim {j} has {y.shape[j]}")
    fa = [k for k in range(x.ndim) if k not in da]
    fb = [k for k in range(y.ndim) if k not in db]
    kk = math.prod(x.shape[i] for i in da)
    # explicit sizes: reshape(-1, kk) is ambiguous when kk is 0 (an empty contraction)
    xa = (permute(x, *(fa + da)) if x.ndim else x).reshape(math.prod(x.shape[k] for k in fa), kk)
    yb = (permute(y, *(db + fb)) if y.ndim else y).reshape(kk, math.prod(y.shape[k] for k in fb))
    out = matmul(xa, yb)
    return out.reshape(tuple(x.shape[k] for k in fa) + tuple(y.shape[k] for k in fb))


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim`` (integers accumulate in int64); exact gradients with
    zeros in the input."""
    x = _t(input)
    x = x.to(dtype) if dtype is not None else _int64_accumulator(x)
    if x.ndim == 0:
        return apply1(R.CUMPROD, x.reshape(1), (_dim_in(dim, 0, "cumprod"),)).reshape(())
    return apply1(R.CUMPROD, x, (_dim_in(dim, x.ndim, "cumprod"),))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, after concatenating ``prepend`` and
    ``append`` (tensors) on either side. Booleans give ``!=`` of neighbours, as in PyTorch."""
    x = _t(input)
    if x.ndim == 0:
        raise ValueError("diff(): expected a tensor with at least one dimension, got a 0-d "
                         "tensor")
    n = _int_arg(n, "diff", "n")
    if n < 0:
        raise ValueError(f"diff(): order n must be non-negative, got {n}")
    d = _dim_in(dim, x.ndim, "diff")
    parts = []
    for name, extra in (("prepend", prepend), (None, x), ("append", append)):
        if extra is None:
            continue
        if name is not None:
            extra = _t(extra, name)
            if extra.ndim == 0:
                shape = list(x.shape)
                shape[d] = 1
                extra = extra.expand(*shape)
            elif extra.ndim != x.ndim:
                raise ValueError(f"diff(): {name} must have as many dimensions as input "
                                 f"({x.ndim}), got shape {tuple(extra.shape)}")
        parts.append(extra)
    y = cat(parts, d) if len(parts) > 1 else x
    for _ in range(n):
        m = y.shape[d]
        if m == 0:
            break
        hi, lo = narrow(y, d, 1, m - 1), narrow(y, d, 0, m - 1)
        y = (hi != lo) if y.dtype.kind == "b" else hi - lo
    return y if y is not x else x.clone()


# ------------------------------------------------------------------ more elementwise functions
def _float_pair(input, other, fn, scalars=False):
    """Both operands as one floating dtype (PyTorch's promotion; integers become the default
    float). Python numbers are allowed when ``scalars``."""
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
        rt = _dtype.get_default_dtype()
    a = a.to(rt) if isinstance(a, Tensor) and a.dtype != rt else a
    b = b.to(rt) if isinstance(b, Tensor) and b.dtype != rt else b
    return a, b


def _binary_float_op(op, input, other, fn, params=()):
    a, b = _float_pair(input, other, fn)
    try:
        return apply2(op, a, b, params)
    except ValueError:
        _check_broadcast(a, b, fn)
        raise


def atan2(input, other):
    """Angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    return _binary_float_op(E.ATAN2, input, other, "atan2")


arctan2 = atan2


def hypot(input, other):
    """``sqrt(input**2 + other**2)`` without overflow or underflow."""
    return _binary_float_op(E.HYPOT, input, other, "hypot")


def logaddexp(input, other):
    """``log(exp(input) + exp(other))``, computed stably."""
    return _binary_float_op(E.LOGADDEXP, input, other, "logaddexp", (False,))


def logaddexp2(input, other):
    """``log2(2**input + 2**other)``, computed stably."""
    return _binary_float_op(E.LOGADDEXP, input, other, "logaddexp2", (True,))


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
    _check_broadcast(a, b, "xlogy")
    # where x == 0 and y <= 0 or y = +inf, log(1) = 0 stands in for log(y), so no 0 * +-inf
    # or log(<0)
    safe = (a == 0) & ((b <= 0) | (b == np.inf))
    return a * log(where(safe, 1.0, b))


def sinc(input):
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0."""
    x = _float_operand(_t(input))
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


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    largest and lowest finite values of the dtype). The gradient is 0 at replaced elements."""
    x = _t(input)
    if x.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x.dtype)
    a = to_host(x._data)
    fill = np.zeros(a.shape, dtype=a.dtype)
    fill[np.isnan(a)] = nan
    fill[np.isposinf(a)] = info.max if posinf is None else posinf
    fill[np.isneginf(a)] = info.min if neginf is None else neginf
    finite = np.isfinite(a)
    return apply(E.WHERE, (x, wrap(_const_like(x, fill))), (_const_like(x, finite),))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero."""
    x = _t(input)
    if x.dtype.kind == "f":
        x = where(isnan(x), 0.0, x)
    return sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements (NaN where all are NaN)."""
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"nanmean(): expected a floating point input, got {x.dtype}; convert "
                        f"first, e.g. x.float()")
    keep = ~isnan(x)
    axis = _reduce_args(x, dim)
    count = np.sum(to_host(keep._data), axis=axis, keepdims=keepdim).astype(x.dtype)
    return sum(where(keep, x, 0.0), dim, keepdim) / wrap(_const_like(x, np.asarray(count)))


# ------------------------------------------------------------------ order statistics
class _Values(collections.namedtuple("_Values", ["values", "indices"])):
    """``(values, indices)``, as ``torch.return_types.median`` and friends."""


def _select_sorted(x, d, pos, keepdim, fn):
    """values/indices of the element at rank ``pos`` (per slice along ``d``) in a stable sort
    where NaN sorts last."""
    if x.ndim == 0:
        return _Values(x.clone(), wrap(_const_like(x, np.asarray(0, dtype=np.int64))))
    a = to_host(x._data)
    order = np.argsort(a, axis=d, kind="stable")
    idx = pos(order) if callable(pos) else np.take(order, [pos], axis=d)
    idx = idx.astype(np.int64)
    values = gather(x, d, wrap(_const_like(x, idx)))
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return _Values(values, wrap(_const_like(x, idx)))


def median(input, dim=None, keepdim=False):
    """The lower median (the smaller middle value for an even count), as PyTorch.

    ``median(x)``: over all elements; its gradient is shared evenly by the elements equal to
    the median (as PyTorch). ``median(x, dim)``: ``(values, indices)``; the gradient goes to
    ``indices``. Among equal values the index is the median's place in a stable sort, which
    may differ from PyTorch's (implementation-defined) choice. NaN propagates: a slice with
    NaN has median NaN (at its first NaN).
    """
    x = _t(input)
    if dim is None:
        flat = flatten(x)
        n = flat.shape[0]
        if n == 0:
            if x.dtype.kind == "f":  # NaN, connected to the graph as PyTorch's
                return sum(flat) * np.nan
            return wrap(_const_like(x, np.asarray(np.nan, dtype=_dtype.get_default_dtype())))
        a = to_host(flat._data)
        nan_mask = np.isnan(a) if a.dtype.kind == "f" else np.zeros(n, dtype=bool)
        if nan_mask.any():
            # NaN: the gradient is shared by the NaN elements, as in PyTorch
            keep = wrap(_const_like(x, nan_mask))
            return sum(where(keep, flat, 0.0)) / float(nan_mask.sum())
        v = np.partition(a, (n - 1) // 2)[(n - 1) // 2]
        mask = wrap(_const_like(x, a == v))
        # amax over the equal elements: the exact value, and its rule shares ties evenly
        return amax(where(mask, flat, _scatter_identity(x.dtype, "amax")))
    d = _dim_in(dim, x.ndim, "median")
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"median(): expected a non-empty dimension {d}, got shape "
                         f"{tuple(x.shape)}")

    def pick(order):
        idx = np.take(order, [(n - 1) // 2], axis=d)
        a = to_host(x._data)
        if a.dtype.kind == "f":
            nan = np.isnan(a)
            has = nan.any(axis=d, keepdims=True)
            if has.any():
                idx = np.where(has, np.argmax(nan, axis=d, keepdims=True), idx)
        return idx

    return _select_sorted(x, d, pick, keepdim, "median")


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``. Among
    equal values the index is the k-th place in a stable sort (NaN sorts last)."""
    x = _t(input)
    k = _int_arg(k, "kthvalue", "k")
    d = _dim_in(dim, x.ndim, "kthvalue")
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): k must be in [1, {n}] (the size of dim {d}), got {k}")
    return _select_sorted(x, d, k - 1, keepdim, "kthvalue")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (``q`` a number or a 1-D tensor in [0, 1]) over ``dim`` (all
    elements if None), interpolating between order statistics as ``interpolation`` says. A
    1-D ``q`` adds a leading output dimension. Slices with NaN give NaN."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise TypeError(f"quantile(): input must be a float or double tensor, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"quantile(): interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        if not isinstance(q, (int, float)) or isinstance(q, bool):
            raise TypeError(f"quantile(): q must be a number or a Tensor, got "
                            f"{type(q).__name__}")
        qs = np.asarray([float(q)])
    else:
        if q.ndim > 1:
            raise ValueError(f"quantile(): q must be a scalar or 1-D tensor, got shape "
                             f"{tuple(q.shape)}")
        scalar_q = q.ndim == 0
        qs = to_host(q._data).reshape(-1).astype(np.float64)
    if qs.size and (np.isnan(qs).any() or qs.min() < 0 or qs.max() > 1):
        raise ValueError(f"quantile(): q values must be in the range [0, 1], got "
                         f"{qs.tolist() if qs.size > 1 else float(qs[0])}")
    if x.numel() == 0:
        raise ValueError(f"quantile(): input tensor must be non-empty, got shape "
                         f"{tuple(x.shape)}")
    if dim is None:
        y = flatten(x)
        d_out = None
    else:
        d_out = _dim_in(dim, x.ndim, "quantile")
        y = movedim(x, d_out, -1) if x.ndim else x.reshape(1)
    s = sort(y, -1).values  # NaN last
    n = s.shape[-1]
    a = to_host(s._data)
    has_nan = np.isnan(a[..., -1:])  # (..., 1)
    ranks = np.where(has_nan, float(n - 1), qs * (n - 1))  # (..., nq)
    if interpolation == "nearest":
        lo = hi = np.round(ranks)
    else:
        lo, hi = np.floor(ranks), np.ceil(ranks)
    lo_t = wrap(_const_like(x, lo.astype(np.int64)))
    below = gather(s, -1, lo_t.expand(*ranks.shape) if lo.shape != ranks.shape else lo_t)
    if interpolation in ("lower", "nearest"):
        out = below
    else:
        above = gather(s, -1, wrap(_const_like(x, np.broadcast_to(hi, ranks.shape)
                                               .astype(np.int64))))
        if interpolation == "higher":
            out = above
        else:
            w = ranks - lo if interpolation == "linear" else np.full(ranks.shape, 0.5)
            out = below + (above - below) * wrap(_const_like(x, w.astype(x.dtype)))
    out = movedim(out, -1, 0)  # (nq, ...)
    if keepdim:
        if d_out is None:
            out = out.reshape((out.shape[0],) + (1,) * x.ndim)
        elif x.ndim:
            out = out.unsqueeze(d_out + 1)
    return out[0] if scalar_q else out


def _cum_extreme(input, dim, largest, fn):
    x = _t(input)
    d = _dim_in(dim, x.ndim, fn)
    if x.ndim == 0:
        return _Values(x.clone(), wrap(_const_like(x, np.asarray(0, dtype=np.int64))))
    a = to_host(x._data)
    acc = np.maximum.accumulate(a, axis=d) if largest else np.minimum.accumulate(a, axis=d)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = np.arange(a.shape[d]).reshape(shape)
    # PyTorch's scan moves the index on >= (<= for min) and on NaN: the last element equal to
    # the running extreme, or the last NaN once one is met
    update = a == acc
    if a.dtype.kind == "f":
        update |= np.isnan(a)
    idx = np.maximum.accumulate(np.where(update, pos, 0), axis=d).astype(np.int64)
    return _Values(gather(x, d, wrap(_const_like(x, idx))), wrap(_const_like(x, idx)))


def cummax(input, dim):
    """``(values, indices)`` of the running maximum along ``dim``; ties take the latest index
    (as PyTorch) and the gradient goes to it."""
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input, dim):
    """``(values, indices)`` of the running minimum along ``dim``; ties take the latest index."""
    return _cum_extreme(input, dim, False, "cummin")


def logcumsumexp(input, dim):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably.

    Where every element up to a position is -inf, the gradient of those elements is 0 here
    (PyTorch gives NaN there, from ``exp(-inf - -inf)``).
    """
    x = _t(input)
    if x.dtype.kind != "f":
        raise TypeError(f"logcumsumexp(): expected a floating point input, got {x.dtype}; "
                        f"convert first, e.g. x.float()")
    if x.ndim == 0:
        return apply1(R.LOGCUMSUMEXP, x.reshape(1),
                      (_dim_in(dim, 0, "logcumsumexp"),)).reshape(())
    return apply1(R.LOGCUMSUMEXP, x, (_dim_in(dim, x.ndim, "logcumsumexp"),))


# ------------------------------------------------------------------ sets, counts, search
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or, with ``dim``, the distinct slices along ``dim``), sorted;
    optionally the index of each input element in them and their counts. Not differentiable.
    NaNs are not merged (as PyTorch). The values come back sorted even for ``sorted=False``
    (PyTorch's CPU order then is also sorted)."""
    x = _t(input)
    a = to_host(x._data)
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                      equal_nan=False)
        inv = inv.reshape(a.shape)
    else:
        if x.ndim == 0:
            raise IndexError(f"unique(): dim={dim} given for a 0-d tensor, which has no "
                             f"dimensions; use dim=None")
        d = _dim_in(dim, x.ndim, "unique")
        if a.shape[d] == 0:
            vals, inv, counts = a, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        else:
            vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d,
                                          equal_nan=False)
        inv = inv.reshape(-1)
    out = [wrap(_const_like(x, np.ascontiguousarray(vals)))]
    if return_inverse:
        out.append(wrap(_const_like(x, inv.astype(np.int64))))
    if return_counts:
        out.append(wrap(_const_like(x, counts.astype(np.int64))))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """Count each value of a 1-D non-negative integer tensor (sum ``weights`` instead when
    given); the result has ``max(input) + 1`` entries, at least ``minlength``. Not
    differentiable (as PyTorch). int64 counts; float64 sums unless ``weights`` is float32."""
    x = _t(input)
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise TypeError(f"bincount(): input must be a 1-D tensor of non-negative integers, got "
                        f"shape {tuple(x.shape)} and dtype {x.dtype}")
    minlength = _int_arg(minlength, "bincount", "minlength")
    if minlength < 0:
        raise ValueError(f"bincount(): minlength must be non-negative, got {minlength}")
    a = to_host(x._data).astype(np.int64)
    if a.size and a.min() < 0:
        raise ValueError(f"bincount(): input must be non-negative, got {int(a.min())}")
    if weights is None:
        return wrap(_const_like(x, np.bincount(a, minlength=minlength).astype(np.int64)))
    w = _t(weights, "weights")
    if tuple(w.shape) != tuple(x.shape):
        raise ValueError(f"bincount(): weights must have the shape of input {tuple(x.shape)}, "
                         f"got {tuple(w.shape)}")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return wrap(_const_like(x, np.bincount(a, weights=to_host(w._data).astype(np.float64),
                                           minlength=minlength).astype(dt)))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value of ``input``, the index where it would go in ``sorted_sequence`` (its
    last dimension, per leading index when it has more than one) to keep it sorted: the
    first such index, or the last with ``right=True`` / ``side='right'``. int64 (int32 with
    ``out_int32``); ``input`` may be a number."""
    seq = _t(sorted_sequence, "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted(): side='left' and right=True contradict each other")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar and not isinstance(input, (int, float)):
        raise TypeError(f"searchsorted(): input must be a Tensor or a number, got "
                        f"{type(input).__name__}")
    s = to_host(seq._data)
    v = np.asarray(input) if scalar else to_host(input._data)
    if s.ndim == 0:
        raise ValueError("searchsorted(): sorted_sequence must have at least one dimension, "
                         "got a 0-d tensor")
    if sorter is not None:
        srt = to_host(_t(sorter, "sorter")._data)
        if srt.shape != s.shape or srt.dtype.kind not in "iu":
            raise ValueError(f"searchsorted(): sorter must be an integer tensor of the shape of "
                             f"sorted_sequence {s.shape}, got {srt.shape} {srt.dtype}")
        s = np.take_along_axis(s, srt.astype(np.int64), axis=-1)
    mode = "right" if right else "left"
    if s.ndim == 1:
        res = np.searchsorted(s, v, side=mode)
    else:
        if scalar or v.ndim != s.ndim or v.shape[:-1] != s.shape[:-1]:
            raise ValueError(f"searchsorted(): with a {s.ndim}-D sorted_sequence, input needs "
                             f"the same leading dimensions {s.shape[:-1]}, got shape "
                             f"{tuple(np.shape(v))}")
        res = np.empty(v.shape, dtype=np.int64)
        for lead in np.ndindex(*s.shape[:-1]):
            res[lead] = np.searchsorted(s[lead], v[lead], side=mode)
    out = np.asarray(res).astype(np.int32 if out_int32 else np.int64)
    return wrap(_const_like(seq, out))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``<= x <`` with ``right=True``)."""
    b = _t(boundaries, "boundaries")
    if b.ndim != 1:
        raise ValueError(f"bucketize(): boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


# ------------------------------------------------------------------ distances, rotations
_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of ``x1`` ``(*, P, M)`` and each row of ``x2``
    ``(*, R, M)``: ``(*, P, R)``, batch dimensions broadcast. For ``p=2`` with more than 25
    rows on a side (or ``compute_mode='use_mm_for_euclid_dist'``) it uses one matmul, as
    PyTorch. The gradient at a zero distance is 0 (PyTorch's matmul path gives NaN there)."""
    a, b = _t(x1, "x1"), _t(x2, "x2")
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise TypeError(f"cdist(): only floating point inputs are supported, got {a.dtype} and "
                        f"{b.dtype}")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"cdist(): x1 and x2 need at least 2 dimensions, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist(): x1 and x2 must have the same number of columns, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p < 0:
        raise ValueError(f"cdist(): p must be a non-negative number, got {p!r}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist(): compute_mode must be one of {_CDIST_MODES}, got "
                         f"{compute_mode!r}")
    if a.dtype != b.dtype:
        rt = _dtype.promote_types(a.dtype, b.dtype)
        a, b = a.to(rt), b.to(rt)
    try:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise ValueError(f"cdist(): the batch dimensions of {tuple(a.shape)} and "
                         f"{tuple(b.shape)} do not broadcast") from None
    n1, n2, m = a.shape[-2], b.shape[-2], a.shape[-1]
    if tuple(a.shape[:-2]) != batch:
        a = a.expand(*batch, n1, m)
    if tuple(b.shape[:-2]) != batch:
        b = b.expand(*batch, n2, m)
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (n1 > 25 or n2 > 25)))
    if use_mm and m and n1 and n2:
        sq = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2) \
            - 2 * matmul(a, b.transpose(-1, -2))
        pos = sq > 0
        # sqrt only of positive entries: a zero distance has gradient 0, not 0 * inf
        return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)
    diff_ = a.unsqueeze(-2) - b.unsqueeze(-3)  # (*, P, R, M)
    if p == float("inf"):
        return amax(abs(diff_), -1) if m else sum(diff_, -1)
    if p == 0:  # the count of differing coordinates; connected to the graph (gradient 0)
        return sum(where(diff_ != 0, 1.0, diff_ * 0.0), -1)
    return norm(diff_, p=p, dim=-1)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the
    second."""
    x = _t(input)
    k = _int_arg(k, "rot90", "k")
    dims = _dims_tuple(dims, "rot90", "dims")
    if len(dims) != 2:
        raise ValueError(f"rot90(): dims must have length 2, got {dims}")
    if x.ndim < 2:
        raise ValueError(f"rot90(): expected a tensor with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    d0, d1 = _dim_in(dims[0], x.ndim, "rot90"), _dim_in(dims[1], x.ndim, "rot90")
    if d0 == d1:
        raise ValueError(f"rot90(): the two dims must be different, got {dims}")
    k %= 4
    if k == 1:
        return flip(x, d1).transpose(d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return flip(x, d0).transpose(d0, d1)
    return x.clone()


def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    a, b = _t(input), _t(other, "other")
    n = builtins_max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + tuple(a.shape)
    sb = (1,) * (n - b.ndim) + tuple(b.shape)
    ia, ib = [], []
    for p_, q_ in zip(sa, sb):
        ia += [p_, 1]
        ib += [1, q_]
    out = a.reshape(*ia) * b.reshape(*ib)
    return out.reshape(tuple(p_ * q_ for p_, q_ in zip(sa, sb)))


def _xp(x):
    from ._backend import namespace_of

    return namespace_of(x._data)


import builtins as _builtins  # noqa: E402

builtins_sum, builtins_max, builtins_abs = _builtins.sum, _builtins.max, _builtins.abs
builtins_min = _builtins.min
builtins_any = _builtins.any


# ------------------------------------------------------------------ Tensor methods
def _install_methods():
    same = [
        "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan",
        "tanh", "sigmoid", "relu", "erf", "square", "reciprocal", "clamp", "clip", "maximum",
        "minimum", "floor", "ceil", "round", "trunc", "sign", "sum", "mean", "prod", "amax", "amin",
        "max", "min", "argmax", "argmin", "var", "std", "norm", "logsumexp", "cumsum", "softmax",
        "log_softmax", "mm", "bmm", "outer", "dot", "reshape", "view", "permute", "transpose",
        "swapaxes", "flatten", "unflatten", "squeeze", "unsqueeze", "expand", "expand_as",
        "repeat", "split", "chunk", "unbind", "narrow", "flip", "gather", "scatter_add",
        "index_select", "masked_fill", "all", "any", "isnan", "isinf", "isfinite", "allclose",
        "isclose", "sort", "argsort", "topk", "lerp", "addcmul", "t", "broadcast_to",
        "count_nonzero", "logical_and", "logical_or", "logical_not", "diag", "tril", "triu",
        "roll", "repeat_interleave", "tile", "movedim", "moveaxis", "diagonal", "trace",
        "nonzero", "argwhere", "scatter", "scatter_reduce", "take_along_dim", "cumprod", "diff",
        "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "sinc", "nan_to_num",
        "nansum", "nanmean", "median", "kthvalue", "quantile", "cummax", "cummin",
        "logcumsumexp", "unique", "bincount", "rot90", "kron",
    ]
    g = globals()
    for name in same:
        setattr(Tensor, name, g[name])
    Tensor.abs = g["abs"]
    Tensor.absolute = g["abs"]
    Tensor.view_as = lambda self, other: reshape(self, *other.shape)
    Tensor.reshape_as = Tensor.view_as
    Tensor.split = _split_method
    Tensor.new_zeros = _new_factory("zeros")
    Tensor.new_ones = _new_factory("ones")
    Tensor.new_empty = _new_factory("empty")
    Tensor.new_full = _new_full
    Tensor.new_tensor = _new_tensor
    Tensor.__matmul__ = matmul
    Tensor.__rmatmul__ = lambda self, other: matmul(as_tensor_arg(other), self)
    Tensor.masked_fill_ = _masked_fill_
    Tensor.scatter_add_ = _scatter_add_
    Tensor.scatter_ = _scatter_
    Tensor.scatter_reduce_ = _scatter_reduce_
    Tensor.nan_to_num_ = _nan_to_num_
    Tensor.index_add = _index_add_tensor


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


def _new_factory(name):
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        from . import factories

        return getattr(factories, name)(*size, dtype=dtype or self.dtype,
                                        device=device or self.device,
                                        requires_grad=requires_grad)

    new.__name__ = "new_" + name
    new.__doc__ = f"``{name}`` with this tensor's dtype and device unless given."
    return new


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from .factories import full

    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    from .factories import tensor

    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _masked_fill_(self, mask, value):
    res = masked_fill(self, mask, value)
    if res.requires_grad:
        self._inplace(_COPY_FROM, res, name="masked_fill_")
        return self
    self._data[...] = res._data
    self._vc[0] += 1
    return self


def _scatter_add_(self, dim, index, src):
    res = scatter_add(self, dim, index, src)
    if res.requires_grad:
        return self._inplace(_COPY_FROM, res, name="scatter_add_")
    self._data[...] = res._data
    self._vc[0] += 1
    return self


def _inplace_result(self, res, name):
    """Write ``res`` (same shape and dtype) into ``self``, recording the graph when needed."""
    if res.requires_grad:
        return self._inplace(_COPY_FROM, res, name=name)
    self._data[...] = res._data
    self._vc[0] += 1
    return self


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return _inplace_result(self, scatter(self, dim, index, src, value=value, reduce=reduce),
                           "scatter_")


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return _inplace_result(self, nan_to_num(self, nan, posinf, neginf), "nan_to_num_")


def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return _inplace_result(self, scatter_reduce(self, dim, index, src, reduce,
                                                include_self=include_self), "scatter_reduce_")


def _index_add_tensor(self, dim, index, source, *, alpha=1):
    x = _t(self)
    d = _wrap_dim(dim, x.ndim)
    idx = _index_array(index, "index_add", x)
    src = _t(source, "source") * alpha if alpha != 1 else _t(source, "source")
    shape = list(src.shape)
    full_idx = idx.reshape([-1 if k == d else 1 for k in range(x.ndim)])
    full_idx = np.broadcast_to(full_idx, shape)
    big = list(x.shape)
    big[d] = builtins_max(big[d], shape[d])
    return scatter_add(x, d, wrap(full_idx.copy()), src)


def _copy_from_f(xp, a, src):
    return src


def _copy_from_b(xp, g, ins, out, aux, needs):
    return None, g


from .autograd.graph import Op  # noqa: E402

_COPY_FROM = Op("CopyFrom", _copy_from_f, _copy_from_b, saves=0)

_install_methods()
