"""The namespace backward rules compute with while vmap runs: the rules' calls reach batched
cotangents through the dispatching function faces, so a backward pass whose cotangents are
batched (the rows of a Jacobian, ``vmap(vjp_fn)``) runs each rule once for the whole batch by
the ops' batching rules.

Outside vmap the engine hands rules ``TensorNamespace`` over gradkit's plain functions (a
Tensor subclass's or a mode's ``__torch_function__`` does not see backward ops, as in
PyTorch, and plain calls pay no dispatch); ``run.py`` puts this namespace in its place for a
backward pass whose cotangents are batched. Where a
rule reaches for an op without a batching rule (``xp.apply`` of a backward primitive), that op
runs once per batch entry (``rules.fallback``).
"""

from __future__ import annotations

import types

from .._tensor.namespace import TensorNamespace, _t
from .batched import BatchedTensor, max_level

__all__ = ["batched_ns"]


def _faces():
    import gradkit

    names = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sign", "isnan", "trunc", "floor",
             "abs", "isfinite", "conj", "where", "sum", "mean", "prod", "amax", "reshape",
             "unsqueeze", "transpose", "matmul", "einsum", "cumsum", "cumprod",
             "logcumsumexp", "cat", "stack")
    faces = {n: getattr(gradkit, n) for n in names}
    faces["expand"] = lambda x, shape: x.expand(shape)
    faces["permute"] = lambda x, *axes: x.permute(*axes)
    faces["flip"] = lambda x, axis: x.flip(axis if isinstance(axis, (tuple, list)) else (axis,))
    return types.SimpleNamespace(**faces)


def _per_entry(name, fn, args):
    """``fn(*args)`` once per entry of the innermost level batching ``args``, stacked."""
    from .rules import fallback

    def op(*a):
        return fn(*a)

    op.__name__ = name
    return fallback(op, max_level(args), args, {})


def _as_tensor(x, like):
    import gradkit

    if isinstance(x, (int, float, bool)):
        return gradkit.tensor(x, dtype=like.dtype)
    return _t(x)


class BatchedNamespace(TensorNamespace):
    """``TensorNamespace`` whose calls dispatch (see the module docstring)."""

    F = None  # (the faces, set on first use: gradkit's top level is not imported yet here)

    def where(self, cond, a, b):
        if type(cond) is BatchedTensor:  # (numbers stay numbers: where takes them)
            return self.F.where(cond, _t(a), _t(b))
        return TensorNamespace.where(self, cond, a, b)

    def maximum(self, a, b):
        if max_level((a, b)):
            import gradkit

            return gradkit.maximum(_as_tensor(a, b), _as_tensor(b, a))
        return TensorNamespace.maximum(self, a, b)

    def minimum(self, a, b):
        if max_level((a, b)):
            import gradkit

            return gradkit.minimum(_as_tensor(a, b), _as_tensor(b, a))
        return TensorNamespace.minimum(self, a, b)

    def zeros(self, shape, dtype=None, like=None):
        if type(like) is BatchedTensor:
            from .run import innermost

            like = innermost(like)[0]
        return TensorNamespace.zeros(self, shape, dtype, like)

    def ones(self, shape, dtype=None, like=None):
        if type(like) is BatchedTensor:
            from .run import innermost

            like = innermost(like)[0]
        return TensorNamespace.ones(self, shape, dtype, like)

    def zeros_like(self, x, dtype=None):
        if type(x) is BatchedTensor:
            import gradkit

            return gradkit.zeros_like(x, dtype=dtype or x.dtype)
        return TensorNamespace.zeros_like(self, x, dtype)

    def ones_like(self, x, dtype=None):
        if type(x) is BatchedTensor:
            import gradkit

            return gradkit.ones_like(x, dtype=dtype or x.dtype)
        return TensorNamespace.ones_like(self, x, dtype)

    def index_add(self, shape, index, g):
        if type(g) is BatchedTensor:
            return _per_entry("index_add", lambda gi: TensorNamespace.index_add(
                self, shape, index, gi), (g,))
        return TensorNamespace.index_add(self, shape, index, g)

    def pad(self, x, pad_width):
        if type(x) is BatchedTensor:
            return _per_entry("pad", lambda xi: TensorNamespace.pad(self, xi, pad_width), (x,))
        return TensorNamespace.pad(self, x, pad_width)

    def apply(self, op, inputs, params=()):
        if max_level(inputs):
            return _per_entry("apply", lambda *xs: TensorNamespace.apply(self, op, xs, params),
                              tuple(inputs))
        return TensorNamespace.apply(self, op, inputs, params)


_NS: list = []


def batched_ns():
    """The one ``BatchedNamespace``."""
    if not _NS:
        BatchedNamespace.F = _faces()
        _NS.append(BatchedNamespace())
    return _NS[0]
