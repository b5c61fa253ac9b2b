"""bfloat16 arithmetic as PyTorch does it: every op computes in float32 and rounds its result.

NumPy has no bfloat16; ``ml_dtypes`` adds the dtype and its ufuncs (each rounds its own
result). An op built from several NumPy calls (a reduction, a matmul, a softmax, a loss) would
then round after every step, and a matmul of bfloat16 arrays comes back float32. PyTorch's CPU
kernels widen bfloat16 inputs to float32, compute, and round the result once; so does gradkit:
:func:`install`, run once when ``gradkit.bfloat16`` is first used, wraps the forward and backward
rules of every primitive (except pure data movement, exact in any dtype) so that bfloat16 arrays
go in as float32 and float32 results come out as bfloat16. Until then nothing is wrapped, so a
program that never touches bfloat16 pays nothing.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np

__all__ = ["install", "installed"]

_ndarray = np.ndarray
_F32 = np.dtype(np.float32)
_STATE: dict = {"installed": False}

# primitives that only move or select elements (exact in bfloat16, some of them views or
# in-place writes that must keep the array itself): left as they are
_EXACT = frozenset({
    "Reshape", "Permute", "Expand", "Cat", "Stack", "Flip", "Repeat", "Index", "IndexAdd",
    "Gather", "ScatterAdd", "IndexPut", "Unfold", "Clone", "Copy", "Fill", "CopyFrom",
    "ToDevice", "CopySlices", "ToCopy", "ZeroGrad", "Maximum", "Minimum", "Abs", "Neg",
    "Relu", "Fmax", "Fmin", "Copysign", "Select", "MaxUnpool", "MaxUnpoolAdjoint",
})


# primitives whose forward rule rounds bfloat16 intermediates itself, as PyTorch's kernel does
# (log_softmax rounds the sum of exponentials and its log), or that is handed its value
# already computed in the result's dtype: their backward is still wrapped
_OWN_FORWARD = frozenset({"LogSoftmax", "BinaryCrossEntropyWithLogitsGiven",
                          "ScaledDotProductFlashAttentionForCpu"})


def installed() -> bool:
    return _STATE["installed"]


# PyTorch's add/sub/remainder/fmod/pow round a Python-number operand to the tensor's dtype
# first (mul/div and the rounded divisions do not)
_ROUNDS_SCALAR = frozenset({"Add", "Sub", "Remainder", "Fmod", "Pow"})


def _wrap_forward(fn, bf, returns_aux, rounds_scalar):
    def forward(xp, *args):
        for a in args:
            if a.__class__ is _ndarray and a.dtype is bf:
                break
        else:
            return fn(xp, *args)
        args = [a.astype(_F32) if type(a) is _ndarray and a.dtype is bf else a for a in args]
        if rounds_scalar:
            args = [float(np.float32(a).astype(bf)) if type(a) is float else a for a in args]
        out = fn(xp, *args)
        if returns_aux:
            return _down(out[0], bf), out[1]
        return _down(out, bf)

    forward.__wrapped__ = fn
    return forward


def _wrap_backward(fn, bf):
    def backward(xp, g, ins, out, aux, needs):
        # the gradient has the output's dtype, bfloat16 exactly when a bfloat16 input made it
        tg = type(g)
        if tg is _ndarray:
            if g.dtype is not bf:
                return fn(xp, g, ins, out, aux, needs)
        elif (tg is not tuple and tg is not list) or not _has_bf16(g, bf):
            return fn(xp, g, ins, out, aux, needs)
        grads = fn(xp, _up(g, bf), _up(ins, bf), _up(out, bf), aux, needs)
        return _down(grads, bf)

    backward.__wrapped__ = fn
    return backward


def _has_bf16(x, bf) -> bool:
    if type(x) is _ndarray:
        return x.dtype is bf
    if type(x) is tuple or type(x) is list:
        return any(type(a) is _ndarray and a.dtype is bf for a in x)
    return False


def _up(x, bf):
    if type(x) is _ndarray:
        return x.astype(_F32) if x.dtype is bf else x
    if type(x) is tuple or type(x) is list:
        return type(x)(_up(a, bf) for a in x)
    return x


def _down(x, bf):
    """float32 arrays (also inside tuples/lists) as bfloat16, rounded to nearest even."""
    if type(x) is _ndarray:
        return x.astype(bf) if x.dtype == _F32 else x
    if isinstance(x, np.generic):
        return np.asarray(x, dtype=bf) if x.dtype == _F32 else x
    if type(x) is tuple or type(x) is list:
        return type(x)(_down(a, bf) for a in x)
    return x


def install(bf) -> None:
    """Wrap every primitive's rules for bfloat16 (``bf``: NumPy's bfloat16 dtype); once."""
    if _STATE["installed"]:
        return
    from . import ops
    from .autograd.graph import Op

    seen = set()
    modules = [importlib.import_module(f"{ops.__name__}.{m.name}")
               for m in pkgutil.iter_modules(ops.__path__)]
    for mod in modules:
        for value in list(vars(mod).values()):
            if type(value) is not Op or id(value) in seen or value.name in _EXACT:
                continue
            seen.add(id(value))
            if value.name not in _OWN_FORWARD:
                value.forward = _wrap_forward(value.forward, bf, value.returns_aux,
                                              value.name in _ROUNDS_SCALAR)
            if value.backward is not None:
                value.backward = _wrap_backward(value.backward, bf)
    _STATE["installed"] = True
