"""A NumPy-like namespace over Tensors, handed to backward rules under ``create_graph=True``.

Rules call ``xp.sum(g, axis=..., keepdims=...)``, ``xp.where(...)`` and so on; with this namespace
those calls run gradkit ops, so the backward pass is itself recorded and differentiable.
Arguments may be Tensors, arrays (constants such as masks) or Python numbers.
"""

from __future__ import annotations

import numpy as np

from .. import functions as _functions
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
    # the functions the rules' calls run (vmap's namespace takes the dispatching faces)
    F = _functions

    def exp(self, x):
        return self.F.exp(_t(x))

    def log(self, x):
        return self.F.log(_t(x))

    def sqrt(self, x):
        return self.F.sqrt(_t(x))

    def sin(self, x):
        return self.F.sin(_t(x))

    def cos(self, x):
        return self.F.cos(_t(x))

    def tanh(self, x):
        return self.F.tanh(_t(x))

    def sign(self, x):
        return self.F.sign(_t(x))

    def isnan(self, x):
        return self.F.isnan(_t(x))

    def trunc(self, x):
        return self.F.trunc(_t(x))

    def floor(self, x):
        return self.F.floor(_t(x))

    def abs(self, x):
        return self.F.abs(_t(x))

    def isfinite(self, x):
        return self.F.isfinite(_t(x))

    def conj(self, x):  # (complex rules: gradkit/_complex.py)
        return self.F.conj(_t(x))

    def keep(self, mask, g):
        return self.F.where(_t(mask), _t(g), 0.0)

    def where(self, cond, a, b):
        c = cond._data if isinstance(cond, Tensor) else cond
        if not hasattr(c, "dtype"):  # a Python bool/list (never np.asarray a device array)
            c = np.asarray(c)
        a, b = _t(a), _t(b)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            return wrap(np.where(c, a, b))
        return self.F.where(wrap(c), a, b)

    def maximum(self, a, b):  # (backward rules pass numbers, which the public face refuses)
        return _functions.elementwise._pairwise(E.MAXIMUM, _t(a), _t(b), "maximum")

    def minimum(self, a, b):
        return _functions.elementwise._pairwise(E.MINIMUM, _t(a), _t(b), "minimum")

    def sum(self, x, axis=None, keepdims=False, dtype=None):
        x = _t(x)
        if x.dtype.kind == "b":
            x = x.to(np.int64)
        return self.F.sum(x, dim=_axis(axis), keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self.F.mean(_t(x), dim=_axis(axis), keepdim=keepdims)

    def prod(self, x, axis=None, keepdims=False):
        x, dim = _t(x), _axis(axis)
        if dim is None:  # (prod's dim is an int: all elements without it)
            p = self.F.prod(x)
            return p.reshape((1,) * x.ndim) if keepdims else p
        return self.F.prod(x, dim=dim, keepdim=keepdims)

    def amax(self, x, axis=None, keepdims=False):
        return self.F.amax(_t(x), dim=_axis(axis) or (), keepdim=keepdims)

    def reshape(self, x, shape):
        return self.F.reshape(_t(x), tuple(shape))

    def broadcast_to(self, x, shape):
        return self.F.expand(_t(x), tuple(shape))

    def expand_dims(self, x, axis):
        return self.F.unsqueeze(_t(x), axis)

    def transpose(self, x, axes=None):
        x = _t(x)
        if axes is None:
            axes = tuple(range(x.ndim - 1, -1, -1))
        return self.F.permute(x, *axes)

    def swapaxes(self, x, a, b):
        return self.F.transpose(_t(x), a, b)

    def matmul(self, a, b):
        return self.F.matmul(_t(a), _t(b))

    def einsum(self, eq, *ops, optimize=False):
        return self.F.einsum(eq, *[_t(o) for o in ops])

    def flip(self, x, axis):
        return self.F.flip(_t(x), axis)

    def cumsum(self, x, axis):
        return self.F.cumsum(_t(x), axis)

    def cumprod(self, x, axis):
        return self.F.cumprod(_t(x), axis)

    def logcumsumexp(self, x, axis):
        return self.F.logcumsumexp(_t(x), axis)

    def concatenate(self, xs, axis=0):
        return self.F.cat([_t(x) for x in xs], axis)

    def stack(self, xs, axis=0):
        return self.F.stack([_t(x) for x in xs], axis)

    def zeros(self, shape, dtype=None, like=None):
        """Zeros on the host, or on the device of ``like`` (a Tensor or array) when given."""
        xp = np if like is None else _xp_of(like)
        return wrap(xp.zeros(shape, dtype=dtype or np.float32))

    def ones(self, shape, dtype=None, like=None):
        xp = np if like is None else _xp_of(like)
        return wrap(xp.ones(shape, dtype=dtype or np.float32))

    def zeros_like(self, x, dtype=None):
        return wrap(_xp_of(x).zeros(tuple(x.shape), dtype=dtype or x.dtype))

    def ones_like(self, x, dtype=None):
        return wrap(_xp_of(x).ones(tuple(x.shape), dtype=dtype or x.dtype))

    def astype(self, x, dtype):
        return _t(x).to(dtype=dtype)

    def sum_to(self, g, shape):
        g = _t(g)
        shape = tuple(shape)
        if tuple(g.shape) == shape:
            return g
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
        )
        if axes:
            g = self.F.sum(g, dim=axes, keepdim=True)
        return self.F.reshape(g, shape) if tuple(g.shape) != shape else g

    def index_add(self, shape, index, g):
        return apply1(S.INDEX_ADD, _t(g), (tuple(shape), index))

    def pad(self, x, pad_width):
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
                x = self.F.cat(pieces, k)
        del parts
        return x

    def apply(self, op, inputs, params=()):
        return apply(op, inputs, params)

    def __getattr__(self, item):
        raise AttributeError(
            f"backward rules used xp.{item}, which gradkit's Tensor namespace does not provide: "
            f"this op does not support create_graph=True yet"
        )


tensor_ns = TensorNamespace()
