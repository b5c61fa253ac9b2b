"""A NumPy-like namespace over Tensors, handed to backward rules under ``create_graph=True``.

Rules call ``xp.sum(g, axis=..., keepdims=...)``, ``xp.where(...)`` and so on; with this namespace
those calls run gradkit ops, so the backward pass is itself recorded and differentiable.
Arguments may be Tensors, arrays (constants such as masks) or Python numbers.
"""

from __future__ import annotations

import numpy as np

from .. import functions as F
from .._backend import namespace_of
from ..ops import elementwise as E
from ..ops import shape as S
from .record import apply, apply1
from .tensor import Tensor, wrap

__all__ = ["tensor_ns"]


def _t(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool)):
        return x
    return wrap(x if not isinstance(x, np.generic) else np.asarray(x))


def _xp_of(x):
    """The array namespace of ``x`` (a Tensor or an array): constants follow its device."""
    return namespace_of(x._data if isinstance(x, Tensor) else x)


def _axis(axis):
    if axis is None:
        return None
    return axis if isinstance(axis, tuple) else (axis,)


class TensorNamespace:
    name = "tensor"

    @staticmethod
    def exp(x):
        return F.exp(_t(x))

    @staticmethod
    def log(x):
        return F.log(_t(x))

    @staticmethod
    def sqrt(x):
        return F.sqrt(_t(x))

    @staticmethod
    def sin(x):
        return F.sin(_t(x))

    @staticmethod
    def cos(x):
        return F.cos(_t(x))

    @staticmethod
    def tanh(x):
        return F.tanh(_t(x))

    @staticmethod
    def sign(x):
        return F.sign(_t(x))

    @staticmethod
    def isnan(x):
        return F.isnan(_t(x))

    @staticmethod
    def trunc(x):
        return F.trunc(_t(x))

    @staticmethod
    def floor(x):
        return F.floor(_t(x))

    @staticmethod
    def abs(x):
        return F.abs(_t(x))

    @staticmethod
    def isfinite(x):
        return F.isfinite(_t(x))

    @staticmethod
    def conj(x):  # (complex rules: gradkit/_complex.py)
        return F.conj(_t(x))

    @staticmethod
    def keep(mask, g):
        return F.where(_t(mask), _t(g), 0.0)

    @staticmethod
    def where(cond, a, b):
        c = cond._data if isinstance(cond, Tensor) else cond
        if not hasattr(c, "dtype"):  # a Python bool/list (never np.asarray a device array)
            c = np.asarray(c)
        a, b = _t(a), _t(b)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            return wrap(np.where(c, a, b))
        return F.where(wrap(c), a, b)

    @staticmethod
    def maximum(a, b):  # (backward rules pass numbers, which the public face refuses)
        return F.elementwise._pairwise(E.MAXIMUM, _t(a), _t(b), "maximum")

    @staticmethod
    def minimum(a, b):
        return F.elementwise._pairwise(E.MINIMUM, _t(a), _t(b), "minimum")

    @staticmethod
    def sum(x, axis=None, keepdims=False, dtype=None):
        x = _t(x)
        if x.dtype.kind == "b":
            x = x.to(np.int64)
        return F.sum(x, dim=_axis(axis), keepdim=keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return F.mean(_t(x), dim=_axis(axis), keepdim=keepdims)

    @staticmethod
    def prod(x, axis=None, keepdims=False):
        return F.prod(_t(x), dim=_axis(axis), keepdim=keepdims)

    @staticmethod
    def amax(x, axis=None, keepdims=False):
        return F.amax(_t(x), dim=_axis(axis) or (), keepdim=keepdims)

    @staticmethod
    def reshape(x, shape):
        return F.reshape(_t(x), tuple(shape))

    @staticmethod
    def broadcast_to(x, shape):
        return F.expand(_t(x), tuple(shape))

    @staticmethod
    def expand_dims(x, axis):
        return F.unsqueeze(_t(x), axis)

    @staticmethod
    def transpose(x, axes=None):
        x = _t(x)
        if axes is None:
            axes = tuple(range(x.ndim - 1, -1, -1))
        return F.permute(x, *axes)

    @staticmethod
    def swapaxes(x, a, b):
        return F.transpose(_t(x), a, b)

    @staticmethod
    def matmul(a, b):
        return F.matmul(_t(a), _t(b))

    @staticmethod
    def einsum(eq, *ops, optimize=False):
        return F.einsum(eq, *[_t(o) for o in ops])

    @staticmethod
    def flip(x, axis):
        return F.flip(_t(x), axis)

    @staticmethod
    def cumsum(x, axis):
        return F.cumsum(_t(x), axis)

    @staticmethod
    def cumprod(x, axis):
        return F.cumprod(_t(x), axis)

    @staticmethod
    def logcumsumexp(x, axis):
        return F.logcumsumexp(_t(x), axis)

    @staticmethod
    def concatenate(xs, axis=0):
        return F.cat([_t(x) for x in xs], axis)

    @staticmethod
    def stack(xs, axis=0):
        return F.stack([_t(x) for x in xs], axis)

    @staticmethod
    def zeros(shape, dtype=None, like=None):
        """Zeros on the host, or on the device of ``like`` (a Tensor or array) when given."""
        xp = np if like is None else _xp_of(like)
        return wrap(xp.zeros(shape, dtype=dtype or np.float32))

    @staticmethod
    def ones(shape, dtype=None, like=None):
        xp = np if like is None else _xp_of(like)
        return wrap(xp.ones(shape, dtype=dtype or np.float32))

    @staticmethod
    def zeros_like(x, dtype=None):
        return wrap(_xp_of(x).zeros(tuple(x.shape), dtype=dtype or x.dtype))

    @staticmethod
    def ones_like(x, dtype=None):
        return wrap(_xp_of(x).ones(tuple(x.shape), dtype=dtype or x.dtype))

    @staticmethod
    def astype(x, dtype):
        return _t(x).to(dtype=dtype)

    @staticmethod
    def sum_to(g, shape):
        g = _t(g)
        shape = tuple(shape)
        if tuple(g.shape) == shape:
            return g
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
        )
        if axes:
            g = F.sum(g, dim=axes, keepdim=True)
        return F.reshape(g, shape) if tuple(g.shape) != shape else g

    @staticmethod
    def index_add(shape, index, g):
        return apply1(S.INDEX_ADD, _t(g), (tuple(shape), index))

    @staticmethod
    def pad(x, pad_width):
        x = _t(x)
        xp = _xp_of(x)
        parts = []
        for k, (lo, hi) in enumerate(pad_width):
            if lo or hi:
                shape = list(x.shape)
                pieces = []
                if lo:
                    shape[k] = lo
                    pieces.append(wrap(xp.zeros(shape, dtype=x.dtype)))
                pieces.append(x)
                if hi:
                    shape[k] = hi
                    pieces.append(wrap(xp.zeros(shape, dtype=x.dtype)))
                x = F.cat(pieces, k)
        del parts
        return x

    @staticmethod
    def apply(op, inputs, params=()):
        return apply(op, inputs, params)

    def __getattr__(self, item):
        raise AttributeError(
            f"backward rules used xp.{item}, which gradkit's Tensor namespace does not provide: "
            f"this op does not support create_graph=True yet"
        )


tensor_ns = TensorNamespace()
