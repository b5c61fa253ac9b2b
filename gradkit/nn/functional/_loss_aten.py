"""The losses as ATen computes them (``torch.kl_div``, ``torch.binary_cross_entropy_with_logits``,
``torch.margin_ranking_loss``, ...): the formulas of ``aten/src/ATen/native/Loss.cpp`` step by
step, with PyTorch's type promotion at each step, so that dtypes, broadcasting, NaN/inf and the
errors match. ``torch.nn.functional``'s losses are thin Python wrappers over these (a few extra
checks, string reductions), and so are gradkit's (``loss.py``).

Conventions that come from ATen's C++ and are easy to miss:

- ``reduction`` is one of 'none', 'mean', 'sum' here (the integer of the top-level functions is
  mapped by the caller: 1 mean, 2 sum, any other integer none, as ``apply_loss_reduction``).
- ``Scalar - Tensor`` in C++ is ``empty_like(t).fill_(scalar).sub_(t)``: the result keeps the
  tensor's dtype (``1 - target`` of an int target stays int, ``margin - x`` of an int ``x`` is
  int with ``margin`` truncated), and a bool tensor is an error.
- An in-place step (``loss.mul_(weight)``, ``log_sigmoid.mul_(log_weight)``, ``loss += s``)
  keeps the left operand's shape and dtype: the right one must broadcast into it and its result
  type must be castable (``_into``).
"""

from __future__ import annotations

import math

import numpy as np

from ... import functions as _F
from ..._int_range import float_param
from ..._tensor import Tensor, apply
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import fp32 as _ac_fp32
from ...autograd import no_grad
from ...factories import full_like, zeros_like
from ...ops import loss as LO
from ._node_names import add_number
from .activation import logsigmoid

__all__ = [
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "hinge_embedding_loss",
    "kl_div", "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss",
]

_TORCH_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half",
                "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}
_INT_C_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
                "uint8": "uint8_t"}


def _tname(dt) -> str:
    name = str(dt).replace("gradkit.", "")
    return _TORCH_NAMES.get(name, name)


def class_dim_and_smoothing(x, probs, label_smoothing):
    """cross_entropy's checks of a 0-d input (IndexError) and label_smoothing > 1
    (RuntimeError), in PyTorch's order for class probabilities (``probs``) or indices."""
    if x.ndim == 0 and (probs or label_smoothing <= 1.0):
        raise IndexError("cross_entropy: Dimension out of range (expected to be in range of "
                         "[-1, 0], but got 1): the input needs a class dim, (C) or (N, C, ...)")
    if label_smoothing > 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")


def floating_kernel(name, kernel, input_dtype, promoted, into_input=False):
    """PyTorch's pointwise loss kernels exist for floating dtypes only: NotImplementedError
    naming the kernel and the promoted dtype (or, for a result written in the input's dtype,
    the RuntimeError of a promoted dtype it cannot hold)."""
    if promoted.kind in "fc":
        return
    if into_input and input_dtype.kind == "b" and promoted.kind != "b":
        raise RuntimeError(f"{name}: result type {_tname(promoted)} can't be cast to the "
                           f"desired output type {_tname(input_dtype)}")
    raise NotImplementedError(f'{name}: "{kernel}" not implemented for '
                              f"'{_tname(promoted)}'; pass a floating input, e.g. x.float()")


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """ATen's ``apply_loss_reduction``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _is_float(t: Tensor) -> bool:
    return t.dtype.kind == "f"


def _not_implemented(kernel: str, t: Tensor):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_tname(t.dtype)}\': '
                               f"pass a floating tensor (float32 or float64), e.g. x.float()")


def not_differentiable(fn: str, **args) -> None:
    """PyTorch's autograd refusal, while grad mode is on, of an argument its function has no
    derivative for (a class weight, ``pos_weight``, soft_margin_loss's target) that requires a
    gradient: RuntimeError, after the Python-level checks and before the kernel's."""
    from ...autograd.grad_mode import is_grad_enabled

    if not is_grad_enabled():
        return
    for name, v in args.items():
        if isinstance(v, Tensor) and v.requires_grad:
            raise RuntimeError(f"The function '{fn}' is not differentiable with respect to "
                               f"argument '{name}'. This input cannot have requires_grad True; "
                               f"pass {name}.detach()")


def _broadcast(name: str, *shapes) -> tuple:
    """The broadcast shape, or PyTorch's RuntimeError naming the first mismatching sizes."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        pass
    out = ()
    for s in shapes:
        a, b = list(out), list(s)
        n = max(len(a), len(b))
        a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
        for k in range(n):
            if a[k] != b[k] and a[k] != 1 and b[k] != 1:
                raise RuntimeError(
                    f"{name}: The size of tensor a ({a[k]}) must match the size of tensor b "
                    f"({b[k]}) at non-singleton dimension {k} (shapes {tuple(out)} and "
                    f"{tuple(s)}); make the sizes equal or 1")
        out = tuple(y if x == 1 else x for x, y in zip(a, b))  # (1 and 0 broadcast to 0)
    return out


def _into(name: str, out: Tensor, res: Tensor) -> Tensor:
    """``res`` (computed out of place) written as PyTorch's in-place ``out.op_(...)`` would: the
    shape must stay ``out``'s, the dtype is cast to ``out``'s where PyTorch allows the cast."""
    if tuple(res.shape) != tuple(out.shape):
        raise RuntimeError(f"{name}: output with shape {list(out.shape)} doesn't match the "
                           f"broadcast shape {list(res.shape)}")
    if res.dtype != out.dtype:
        src, dst = res.dtype.kind, out.dtype.kind
        if (src == "f" and dst in "iub") or (src in "iuf" and dst == "b") or \
                (src == "c" and dst != "c"):
            raise RuntimeError(f"{name}: result type {_tname(res.dtype)} can't be cast to the "
                               f"desired output type {_tname(out.dtype)}; convert the operands "
                               f"to one floating dtype first")
        res = res.to(out.dtype)
    return res


def _full_like(t: Tensor, value: float, name: str) -> Tensor:
    """``empty_like(t).fill_(value)`` with c10's checked conversion of ``value``."""
    kind = t.dtype.kind
    dt_name = str(t.dtype).replace("gradkit.", "")
    bad = False
    if kind in "iu":
        info = np.iinfo(t._data.dtype)
        bad = not math.isfinite(value) or not info.min <= math.trunc(value) <= info.max
        value = math.trunc(value) if not bad else value
    elif kind == "f" and math.isfinite(value) and dt_name in ("float16", "float32", "bfloat16"):
        limit = {"float16": 65504.0, "float32": 3.4028234663852886e38,
                 "bfloat16": 3.3895313892515355e38}[dt_name]
        bad = abs(value) > limit
    if bad:
        c_name = _INT_C_NAMES.get(dt_name, "at::" + _tname(t.dtype))
        raise RuntimeError(f"{name}: value cannot be converted to type {c_name} without "
                           f"overflow (got {value} for a {t.dtype} input)")
    return full_like(t.detach(), value)


def _rsub(value: float, t: Tensor, name: str) -> Tensor:
    """ATen's ``Scalar - Tensor``: the tensor's dtype (see the module's docstring)."""
    return _full_like(t, value, name) - t


def _log_sigmoid(x: Tensor) -> Tensor:
    """``min(x, 0) - log1p(exp(-|x|))`` (PyTorch's kernel) evaluated in float64 and rounded to
    ``x``'s dtype: PyTorch's half-precision kernels compute in float32 and round, which this
    reproduces exactly (a float16 ``logsigmoid`` evaluated in float16 is off by an ulp)."""
    if x._data.dtype == np.float64:
        return logsigmoid(x)
    x64 = x.double()
    return (_F.clamp_max(x64, 0) - _F.log1p(_F.exp(-_F.abs(x64)))).to(x.dtype)


# ------------------------------------------------------------------ the losses
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     pos_weight=None, reduction: str = "mean") -> Tensor:
    """``log_sigmoid(x) * (1 + (pos_weight - 1) * y)`` subtracted from ``(1 - y) * x``, times
    ``weight``: the result has the target's shape and dtype (the input broadcasts into it)."""
    name = "binary_cross_entropy_with_logits"
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight, pos_weight = _ac_fp32(input, target, weight, pos_weight)
    if not _is_float(input):
        raise _not_implemented("log_sigmoid_cpu", input)
    x, y = input, target
    lw = None
    if pos_weight is not None:
        pos_weight = pos_weight.detach()  # not differentiated, as in PyTorch
        _broadcast(name, pos_weight.shape, y.shape)
        lw = (pos_weight - 1) * y + 1
        lw_shape = _broadcast(name, x.shape, lw.shape)
        if lw_shape != tuple(x.shape):
            raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the "
                               f"broadcast shape {list(lw_shape)} (input and pos_weight * "
                               f"target)")
    if y.dtype.kind == "b":  # ``1 - target``
        raise RuntimeError(f"{name}: Subtraction, the `-` operator, with two bool tensors is "
                           f"not supported (``1 - target`` of a bool target); pass a floating "
                           f"target, e.g. target.float()")
    shape = _broadcast(name, y.shape, x.shape)
    if shape != tuple(y.shape):
        raise RuntimeError(f"{name}: output with shape {list(y.shape)} doesn't match the "
                           f"broadcast shape {list(shape)} (the target's shape must hold the "
                           f"input's)")
    if not _is_float(y):
        raise RuntimeError(f"{name}: result type {_tname(x.dtype)} can't be cast to the desired "
                           f"output type {_tname(y.dtype)}; pass a floating target, e.g. "
                           f"target.float()")
    if weight is not None:
        weight = weight.detach()  # not differentiated, as in PyTorch
        wshape = _broadcast(name, y.shape, weight.shape)
        if wshape != tuple(y.shape):
            raise RuntimeError(f"{name}: output with shape {list(y.shape)} doesn't match the "
                               f"broadcast shape {list(wshape)} (the weight must broadcast to "
                               f"the target's shape)")
        if weight.dtype.kind == "c":
            raise RuntimeError(f"{name}: result type {_tname(weight.dtype)} can't be cast to "
                               f"the desired output type {_tname(y.dtype)}")
    if x.dtype == y.dtype and tuple(x.shape) == tuple(y.shape) and \
            (pos_weight is None or pos_weight.dtype == x.dtype) and \
            (weight is None or weight.dtype == x.dtype) and x._data.dtype.itemsize > 2:
        # the common case in one fused node (PyTorch's formula, its gradient in one step);
        # float16/bfloat16 take PyTorch's steps below, each rounded to the dtype as there
        pw = None if pos_weight is None else pos_weight._data
        w = None if weight is None else weight._data
        return apply(LO.BCE_LOGITS, (x, y), (pw, reduction, w))
    with no_grad():  # the value in PyTorch's steps, dtypes and roundings
        ls = _log_sigmoid(x)
        if lw is not None:
            ls = _into(name, ls, ls * lw)
        loss = _into(name, y, (1 - y) * x) - ls
        loss = _into(name, y, loss)
        if weight is not None:
            loss = _into(name, loss, loss * weight)
        value = reduce(loss, reduction)
    # the gradients by PyTorch's formulas, computed in the target's dtype
    dt = y._data.dtype
    pw = None if lw is None else pos_weight._data.astype(dt, copy=False)
    w = None if weight is None else weight._data.astype(dt, copy=False)
    return apply(LO.BCE_LOGITS_GIVEN, (x, y), (value._data, pw, reduction, w))


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """``xlogy(t, t) - t * x`` (``exp(t) * (t - x)`` with ``log_target``), floating inputs
    only; ``xlogy`` makes a zero target contribute 0 and a negative one NaN, as PyTorch (and
    the target's gradient NaN at 0, as PyTorch's ``t / t``)."""
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target = _ac_fp32(input, target)
    if input.dtype.kind == "c" or target.dtype.kind == "c":
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if not _is_float(input) or not _is_float(target):
        raise RuntimeError(f"kl_div: Integral inputs not supported (got input of "
                           f"{input.dtype} and target of {target.dtype}); pass floating "
                           f"tensors, e.g. x.float()")
    _broadcast("kl_div", input.shape, target.shape)
    if log_target:
        loss = _F.exp(target) * (target - input)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            # ``xlogy(t, t)``: its value, and PyTorch's gradient ``log t + t / t`` (NaN at 0)
            loss = _F.where(target == 0, 0.0, target * _F.log(target)) - target * input
    return reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, all three broadcast together."""
    margin = float_param(margin)  # (a float parameter: any int)
    _broadcast("margin_ranking_loss", input1.shape, input2.shape, target.shape)
    loss = add_number(-target * (input1 - input2), margin)
    return reduce(_F.clamp_min(loss, 0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target != -1`` plus ``max(0, margin - input)`` where ``target != 1``
    (both where the target is neither): the input's dtype (an integer input stays integral)."""
    margin = float_param(margin)  # (a float parameter: any int)
    name = "hinge_embedding_loss"
    _broadcast(name, input.shape, target.shape)
    zeros = zeros_like(input.detach())
    margin_clamp = _F.clamp_min(_rsub(margin, input, name), 0)
    out_margin = _F.where(target != 1, margin_clamp, zeros)
    out_self = _F.where(target != -1, input, zeros)
    return reduce(out_margin + out_self, reduction)


_EPSILON = 1e-12


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``, 0 elsewhere; ``(N, D)`` inputs with an ``(N,)`` target or ``(D,)`` inputs
    with a 0-D one."""
    margin = float_param(margin)  # (a float parameter: any int)
    name = "cosine_embedding_loss"
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError(f"{name}: 0D or 1D target tensor expected, multi-target not "
                           f"supported (got a target of shape {tuple(target.shape)})")
    if tdim == 1 and not input1.ndim == input2.ndim == 2:
        raise RuntimeError(f"{name}: 1D target tensor expects 2D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if tdim == 0 and not input1.ndim == input2.ndim == 1:
        raise RuntimeError(f"{name}: 0D target tensor expects 1D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    _broadcast(name, input1.shape, input2.shape)
    prod_sum = _F.sum(input1 * input2, tdim)
    mag1 = _F.sum(input1 * input1, tdim) + _EPSILON
    mag2 = _F.sum(input2 * input2, tdim) + _EPSILON
    cos = prod_sum / _F.sqrt(mag1 * mag2)
    zeros = zeros_like(cos.detach())
    pos = _rsub(1, cos, name)
    neg = _F.clamp_min(cos - margin, 0)
    out = _F.where(target == 1, pos, zeros) + _F.where(target == -1, neg, zeros)
    return reduce(out, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))``, ``d(x, y) = ||x - y + eps||_p`` over the last
    dimension of the broadcast pair (``min(d(a, n), d(p, n))`` for ``d(a, n)`` with ``swap``).
    """
    margin = float_param(margin)  # (a float parameter: any int)
    from .normalization import pairwise_distance

    a, pos, neg = anchor, positive, negative
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(
            f"triplet_margin_loss: The anchor, positive, and negative tensors are expected to "
            f"have the same number of dimensions, but got: anchor {a.ndim}D, positive "
            f"{pos.ndim}D, and negative {neg.ndim}D inputs")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = _F.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return reduce(_F.clamp_min(add_number(d_pos, margin) - d_neg, 0), reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """``exp(x) - t * x`` (``log_input``) or ``x - t * log(x + eps)``; ``full`` adds the
    Stirling term ``t log t - t + log(2 pi t) / 2`` where ``t > 1``."""
    _broadcast("poisson_nll_loss", input.shape, target.shape)
    if log_input:
        loss = _F.exp(input) - target * input
    else:
        loss = input - target * _F.log(input + eps)
    if full:
        with np.errstate(invalid="ignore", divide="ignore"):
            stirling = target * _F.log(target) - target + \
                0.5 * _F.log(2 * math.pi * target)
        stirling = _F.masked_fill(stirling, target <= 1, 0)
        loss = _into("poisson_nll_loss", loss, loss + stirling)
    return reduce(loss, reduction)
