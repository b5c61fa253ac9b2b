"""Loss functions (``torch.nn.functional``): cross entropy, NLL, MSE, L1, Huber, BCE, KL, ...

Every loss takes ``reduction`` in ``{'none', 'mean', 'sum'}`` (and the deprecated
``size_average``/``reduce`` flags, mapped as PyTorch maps them). Cross entropy and NLL over class
indices are single fused nodes (see ``gradkit.ops.loss``).
"""

from __future__ import annotations

import numpy as np

from ... import _dtype as _dt
from ... import functions as _F
from ..._backend import to_host
from ..._dtype import result_type as _result_type
from ..._int_range import check_int64, check_int_scalar
from ..._tensor import Tensor, apply, apply1, as_tensor_arg, wrap
from ..._warnings import warn
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import fp32 as _ac_fp32
from ...autograd.graph import Shown, edge_of, present
from ...functions._args import _tensor_attr_arg
from ...ops import loss as LO
from . import _loss_aten as _AT
from . import _node_names as _NN
from .activation import log_softmax

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
    "cross_entropy", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss",
    "kl_div", "l1_loss", "margin_ranking_loss", "mse_loss", "multi_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "poisson_nll_loss",
    "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The reduction the deprecated ``size_average``/``reduce`` flags stand for (warning as
    PyTorch does when either is given), else ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
         f"instead.")
    return ret


def _warn_target_size(input, target) -> None:
    """PyTorch's warning when the pointwise regression losses broadcast target and input."""
    if isinstance(input, Tensor) and isinstance(target, Tensor) and target.shape != input.shape:
        warn(f"Using a target size ({target.size()}) that is different to the input size "
             f"({input.size()}). This will likely lead to incorrect results due to "
             f"broadcasting. Please ensure they have the same size.")


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS and reduction != "batchmean":
        raise ValueError(
            f"{name}: {reduction!r} is not a valid value for reduction; use 'none', 'mean' or "
            f"'sum'"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _t(x, name="input") -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name=name)


def _on_device_of(value, x: Tensor, what: str, who: str):
    """The array of ``value`` on ``x``'s device: lists and NumPy arrays move there; a Tensor on
    another device is an error naming both (as in PyTorch)."""
    if isinstance(value, Tensor):
        arr = value._data
        if type(arr) is not type(x._data):
            raise RuntimeError(
                f"{who}: expected {what} on the input's device {x.device}, but it is on "
                f"{value.device}; move it with .to({str(x.device)!r})"
            )
        return arr
    arr = np.asarray(value)
    if type(x._data) is not np.ndarray:
        from ...device import _to_namespace_of

        arr = _to_namespace_of(arr, x._data)
    return arr


def _arg(value, x: Tensor, name: str):
    """A tensor argument: a Tensor as it is (an op across devices raises its own error), a
    list or array as a tensor on ``x``'s device; None stays None."""
    if value is None or isinstance(value, Tensor):
        return value
    t = as_tensor_arg(value, name=name)
    return t if t.device == x.device else t.to(x.device)


def _float_target(input: Tensor, target, name: str) -> Tensor:
    if not isinstance(target, Tensor) and input.is_cuda:  # a list/array target: to the device
        target = _t(target, "target").to(input.device)
    target = _t(target, "target")
    if target._data.shape != input._data.shape:
        try:
            np.broadcast_shapes(target._data.shape, input._data.shape)
        except ValueError:
            raise RuntimeError(
                f"{name}: the target's shape {tuple(target.shape)} cannot be broadcast with the "
                f"input's shape {tuple(input.shape)}; pass a target of the input's shape"
            ) from None
    if target.dtype.kind not in "fc" or target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    return target


def _promoted(x: Tensor, target, name: str, broadcast_first: bool = False, kernel=None):
    """``(input, target)`` of a pointwise loss in PyTorch's promoted dtype when that is
    floating (``mse_loss(float32, float64)`` is float64); else the target in the input's dtype
    as before. The shapes must broadcast. ``broadcast_first``: PyTorch broadcasts the two
    (``torch.broadcast_tensors``) before the kernel promotes, so a 0-D operand promotes as a
    dimensioned one (``mse_loss(float32 (1,), float64 ())`` is float64)."""
    t = target if isinstance(target, Tensor) else _arg(target, x, "target")
    shape = _AT._broadcast(name, x.shape, t.shape)
    xd, td = (len(shape), len(shape)) if broadcast_first else (x.ndim, t.ndim)
    rd = _result_type(x.dtype, xd, t.dtype, td)
    if kernel:
        _AT.floating_kernel(name, kernel, x.dtype, rd)
    y = _float_target(x, t, name) if rd.kind != "f" or t.dtype.kind not in "fc" else t
    if rd.kind == "f":
        x = x if x.dtype == rd else x.to(rd)
        y = y if y.dtype == rd else y.to(rd)
    return x, y


def _weight_array(weight, c: int, dtype, name: str, x: Tensor, same_dtype: bool = True):
    if weight is None:
        return None
    if same_dtype and isinstance(weight, Tensor) and weight._data.dtype != np.dtype(dtype):
        raise RuntimeError(f"{name}: expected scalar type {x.dtype} but found {weight.dtype} "
                           f"(the weight); convert it with weight.to(input.dtype)")
    w = _on_device_of(weight, x, "weight", name)
    if w.shape != (c,):
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {c} classes or no classes "
            f"but got weight tensor of shape: {list(w.shape)}"
        )
    return w.astype(dtype, copy=False)


def _class_problem(input: Tensor, target, name: str):
    """Flatten ``(N, C, d1, ...)`` / ``(C,)`` input and its integer target to ``(M, C)`` and
    ``(M,)``. Returns (x2d, t1d, out_shape for reduction='none')."""
    x = _t(input)
    t = _on_device_of(target, x, "target", name)
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have at least 1 dimension (C) or 2 (N, C)")
    if x.ndim == 1:
        if t.ndim == 1 and t.shape[0] != 1:  # (PyTorch takes a 1-D target of one class)
            _check_classes(t, 0, None, name, bounds=False)  # (its dtype check comes first)
            raise ValueError(f"{name}: For 1D input, 1D target must have size 1, but got "
                             f"target size: {t.shape[0]} (input of shape {list(x.shape)})")
        if t.ndim > 1:
            raise RuntimeError(
                f"{name}: for an unbatched input of shape {list(x.shape)} (C,), expected a 0-D "
                f"target (a class index), got target of shape {list(t.shape)}"
            )
        return x.reshape(1, x.shape[0]), t.reshape(1), ()
    c = x.shape[1]
    expected = (x.shape[0],) + tuple(x.shape[2:])
    tb = t.shape[0] if t.ndim else 0  # (PyTorch reads a 0-D target's batch size as 0)
    if tb != x.shape[0]:
        raise ValueError(f"{name}: Expected input batch_size ({x.shape[0]}) to match target "
                         f"batch_size ({tb}); pass one class index per sample")
    if t.ndim == 0 and x.ndim == 2:  # (an empty batch: PyTorch reads the target's size(0))
        raise IndexError(f"{name}: Dimension specified as 0 but the target has no dimensions "
                         f"(input of shape {list(x.shape)}); pass a 1-D target of "
                         f"{x.shape[0]} class indices")
    if tuple(t.shape) != expected:
        raise RuntimeError(
            f"{name}: expected target of shape {list(expected)} (class indices for input of "
            f"shape {list(x.shape)}), got target of shape {list(t.shape)}"
        )
    if x.ndim == 2:
        return x, t, expected
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.permute(*perm).reshape(-1, c), t.reshape(-1), expected


def _floating_input(x: Tensor, kernel: str) -> None:
    if x.dtype.kind != "f":  # (bfloat16 is "f" here, "V" to NumPy)
        raise NotImplementedError(f'"{kernel}" not implemented for {x.dtype}: pass floating '
                                  f"scores, e.g. input.float()")


def _check_classes(t: np.ndarray, c: int, ignore_index: int, name: str,
                   byte_ok: bool = True, bounds: bool = True) -> np.ndarray:
    """The class indices as int64 after PyTorch's dtype check, then (``bounds``) the range
    check (nll_loss/cross_entropy check their weight between the two, as PyTorch)."""
    if t.dtype != np.int64 and not (byte_ok and t.dtype == np.uint8):  # PyTorch's kernels
        probs = " or floating class probabilities of the input's shape" \
            if name == "cross_entropy" else ""
        raise RuntimeError(f"{name}: expected scalar type Long but found {t.dtype} (the "
                           f"target); pass int64 class indices, e.g. target.long(){probs}")
    if bounds and t.size:
        bad = (t < 0) | (t >= c)
        if ignore_index is not None:
            bad &= t != ignore_index
        if bad.any():
            v = int(t[bad].reshape(-1)[0])
            raise IndexError(
                f"{name}: Target {v} is out of bounds: class indices must be in [0, {c - 1}] for "
                f"input with {c} classes (or equal ignore_index={ignore_index})"
            )
    return t.astype(np.int64, copy=False)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between logits ``input`` and ``target``: log-softmax + NLL, fused.

    Args:
        input: logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: class indices ``(N,)``/``(N, d1, ...)``/``()`` (integer dtype), or class
            probabilities of the input's shape (floating dtype).
        weight: ``(C,)`` per-class weights.
        ignore_index: target value that contributes nothing (index targets only).
        reduction: ``'none'``, ``'mean'`` (weighted mean over non-ignored targets) or ``'sum'``.
        label_smoothing: in ``[0, 1]``; mixes the target with the uniform distribution.

    Examples:
        >>> F.cross_entropy(gradkit.randn(4, 3), gradkit.tensor([0, 2, 1, 0]))
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    x = _t(input)
    tgt = target if isinstance(target, Tensor) else \
        as_tensor_arg(target, name="target").to(x.device)
    probs = tuple(tgt.shape) == tuple(x.shape)
    if tgt.dtype.kind != "f" and probs:
        # PyTorch takes a target of the input's shape as class probabilities
        raise RuntimeError(f"cross_entropy: Expected floating point type for target with class "
                           f"probabilities (the input's shape {list(x.shape)}), got {tgt.dtype}")
    # PyTorch reads the class dim before checking label_smoothing for class probabilities,
    # after for class indices; a label_smoothing <= 0 is no smoothing (no lower bound check)
    _AT.class_dim_and_smoothing(x, probs, label_smoothing)
    label_smoothing = float(label_smoothing)
    label_smoothing = label_smoothing if label_smoothing > 0 else 0.0  # (NaN: none, as PyTorch)
    _floating_input(x, "log_softmax_lastdim_kernel_impl")
    if probs:
        return _cross_entropy_probs(x, tgt, weight, reduction, label_smoothing)
    # any other target is read as class indices (a floating one fails their checks)
    x2, t, out_shape = _class_problem(x, tgt, "cross_entropy")
    _AT.not_differentiable("nll_loss_forward", weight=weight)
    c = x2.shape[1]
    # (N, C, d1, ...): PyTorch's nll_loss2d, which takes int64 only (nll_loss uint8 too)
    t = _check_classes(t, c, ignore_index, "cross_entropy", byte_ok=len(out_shape) < 2,
                       bounds=False)
    w = _weight_array(weight, c, x2._data.dtype, "cross_entropy", x2)
    _check_classes(t, c, ignore_index, "cross_entropy")
    if label_smoothing and x.ndim == 1 and tgt.ndim == 1:
        # PyTorch masks the smoothing term (0-D for an unbatched input) in place with the
        # target's (1,)-shaped ignore mask
        raise RuntimeError(f"cross_entropy: output with shape [] doesn't match the broadcast "
                           f"shape [1]: with label_smoothing an unbatched input of shape "
                           f"{list(x.shape)} takes a 0-D target, got shape {list(tgt.shape)}")
    out = apply1(LO.CROSS_ENTROPY, x2,
                 (t, w, ignore_index, reduction, float(label_smoothing)))
    if reduction == "none" and tuple(out.shape) != out_shape:
        out = out.reshape(out_shape)
    logp = Shown("LogSoftmaxBackward0", (edge_of(x),))
    if label_smoothing:  # PyTorch: (1 - eps) * nll_loss + eps / C * smooth_loss, an Add node
        nll = "NllLoss2DBackward0" if x.ndim in (3, 4) and reduction != "none" else \
            "NllLossBackward0"
        return present(out, "AddBackward0", (Shown("MulBackward1", (Shown(nll, (logp,)),)),
                                             Shown("MulBackward1", (_smoothing_term(
                                                 logp, weight is not None, reduction),))))
    return _nll_nd_node(out, x, logp, reduction)


def _smoothing_term(logp, weighted, reduction):
    """The nodes PyTorch records for label smoothing's second term: ``-(logp [* w]).sum(1)``,
    ignored targets masked, then reduced (``sum() / count`` for 'mean')."""
    term = Shown("MulBackward0", (logp, None)) if weighted else logp
    term = Shown("MaskedFillBackward0", (Shown("NegBackward0", (Shown("SumBackward1", (term,)),)),))
    if reduction == "mean":
        return Shown("DivBackward0", (Shown("SumBackward0", (term,)), None))
    return Shown("SumBackward0", (term,)) if reduction == "sum" else term


def _nll_nd_node(out, x, logp, reduction):
    """PyTorch takes (N, C, d1) and (N, C, H, W) input to nll_loss2d (``NllLoss2DBackward0``,
    over a view for 3-D input); gradkit flattens to (M, C) first. ``logp``: what the node
    reads (the input's edge, or the log-softmax shown over it)."""
    if x.ndim not in (3, 4) or reduction == "none":
        return out
    if x.ndim == 3:
        logp = Shown("ViewBackward0", (logp,))
    return present(out, "NllLoss2DBackward0", (logp,))


def _cross_entropy_probs(x, tgt, weight, reduction, smoothing):
    if tuple(tgt.shape) != tuple(x.shape):
        raise RuntimeError(
            f"cross_entropy: a floating target means class probabilities and must have the "
            f"input's shape {list(x.shape)}, got {list(tgt.shape)}; for class indices pass an "
            f"integer (int64) target"
        )
    dim = 0 if x.ndim == 1 else 1
    c = x.shape[dim]
    rd = _result_type(x.dtype, x.ndim, tgt.dtype, tgt.ndim)  # PyTorch's promotion
    logp = log_softmax(x, dim)
    if logp.dtype != rd:
        logp = logp.to(rd)
    if smoothing:  # (in the target's own dtype, as PyTorch: then promoted with the input)
        tgt = tgt * (1 - smoothing) + smoothing / c
    if tgt.dtype != rd:
        tgt = tgt.to(rd)
    prod = logp * tgt
    if weight is not None:
        # PyTorch multiplies by the weight there, promoting: any dtype passes (an int32 weight
        # keeps a float32 input's dtype, a float64 one makes the loss float64)
        w = _weight_array(weight, c, x._data.dtype, "cross_entropy", x, same_dtype=False)
        # a Tensor weight stays in the graph: torch differentiates it for probability targets
        w = weight if isinstance(weight, Tensor) else as_tensor_arg(w)
        prod = prod * w.reshape((c,) + (1,) * (x.ndim - dim - 1))
    if reduction == "none":
        return -prod.sum(dim)
    total = -prod.sum()  # as PyTorch: -(input * target * weight).sum() [/ (numel / C)]
    if reduction == "sum":
        return total
    n = x.numel() // c
    return present(total / n, "DivBackward1", (total,)) if n else total * float("nan")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities ``input`` at the ``target`` classes.

    ``'mean'`` divides by the sum of the weights of the non-ignored targets, as PyTorch does.

    Args:
        input: log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: integer class indices ``(N,)``/``(N, d1, ...)``/``()``.
        weight: ``(C,)`` per-class weights.
        ignore_index: target value that contributes nothing.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    check_int64(ignore_index, "nll_loss", "ignore_index")
    x2, t, out_shape = _class_problem(_t(input), target, "nll_loss")  # (shapes, then dtype)
    _AT.not_differentiable("nll_loss_forward", weight=weight)
    _floating_input(x2, "nll_loss_out_frame")
    c = x2.shape[1]
    # (N, C, d1, ...): PyTorch's nll_loss2d, which takes int64 only (nll_loss uint8 too)
    t = _check_classes(t, c, ignore_index, "nll_loss", byte_ok=len(out_shape) < 2, bounds=False)
    w = _weight_array(weight, c, x2._data.dtype, "nll_loss", x2)
    _check_classes(t, c, ignore_index, "nll_loss")
    # (a (N, C) or (C,) input takes PyTorch's nll_loss kernel, whose order of summation
    # float16/bfloat16 follow; the others its nll_loss2d)
    out = apply1(LO.NLL, x2, (t, w, ignore_index, reduction, _t(input).ndim <= 2))
    if reduction == "none" and tuple(out.shape) != out_shape:
        out = out.reshape(out_shape)
    x = _t(input)
    return _nll_nd_node(out, x, edge_of(x), reduction)


def _weighted(loss: Tensor, weight, x: Tensor, reduction: str, name: str,
              weighted_mean: bool) -> Tensor:
    """``loss * weight`` reduced as PyTorch's weighted mse/l1/huber losses: the weight must have
    the input's shape, and ``'mean'`` is ``sum(w * loss) / sum(w)`` (mse, l1) or the plain mean
    (huber)."""
    w = weight if isinstance(weight, Tensor) else _t(weight, "weight").to(x.device)
    if tuple(w.shape) != tuple(x.shape):
        raise ValueError(
            f"{name}: weight of shape {tuple(w.shape)} must have the input's shape "
            f"{tuple(x.shape)} (Weights and input must have the same size); expand it first"
        )
    loss = loss * w
    if reduction == "mean" and weighted_mean:
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced."""
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_target_size(input, target)
    _broadcast_operands(input, target, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    x, y = _promoted(_t(input), target, "mse_loss", True, "mse_cpu")
    if weight is not None:
        d = x - y
        return _weighted(d * d, weight, x, reduction, "mse_loss", weighted_mean=True)
    return _pointwise(LO.MSE, x, y, reduction, None, "mse_loss")


def _broadcast_operands(input, target, name: str) -> None:
    """PyTorch's Python losses broadcast input and target (torch.broadcast_tensors: its
    RuntimeError) before they read the reduction string."""
    if isinstance(input, Tensor) and isinstance(target, Tensor):
        _AT._broadcast(name, tuple(input.shape), tuple(target.shape))


def _no_bool_subtraction(name: str, *operands) -> None:
    """PyTorch's ``input - target`` of a loss refuses a bool tensor on either side."""
    if any(isinstance(v, Tensor) and v.dtype.kind == "b" for v in operands):
        raise RuntimeError(f"{name}: Subtraction, the `-` operator, with a bool tensor is not "
                           f"supported (input {_t(operands[0]).dtype}, target "
                           f"{getattr(operands[1], 'dtype', type(operands[1]).__name__)}); pass "
                           f"floating tensors, e.g. target.float()")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced."""
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_target_size(input, target)
    _broadcast_operands(input, target, "l1_loss")
    _check_reduction(reduction, "l1_loss")
    return _l1(input, target, reduction, weight, "l1_loss")


def _l1(input, target, reduction, weight, name):
    """l1_loss past its argument checks (smooth_l1_loss with beta=0 is l1_loss in PyTorch:
    its dtypes, its errors)."""
    _no_bool_subtraction(name, input, target)  # ((input - target).abs())
    x, y = _promoted(_t(input), target, name, True)
    if x.dtype.kind not in "fc" and isinstance(target, Tensor):  # (integers subtract in their
        nd = max(x.ndim, target.ndim)  # promoted dtype, broadcast first)
        rd = _result_type(input.dtype, nd, target.dtype, nd)
        x, y = _t(input).to(rd), target.to(rd)
    loss = _F.abs(x - y)
    if weight is not None:
        return _weighted(loss, weight, x, reduction, name, weighted_mean=True)
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``).
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target = _ac_fp32(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_target_size(input, target)
    _broadcast_operands(input, target, "smooth_l1_loss")
    _check_reduction(reduction, "smooth_l1_loss")
    if not beta >= 0:  # (NaN too; PyTorch's check: RuntimeError)
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:  # PyTorch calls l1_loss there (a bool operand: l1_loss's RuntimeError)
        return _l1(input, target, reduction, None, "smooth_l1_loss")
    x, y = _promoted(_t(input), target, "smooth_l1_loss", True, "smooth_l1_cpu")
    return _pointwise(LO.SMOOTH_L1, x, y, reduction, float(beta), "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    _warn_target_size(input, target)
    _broadcast_operands(input, target, "huber_loss")
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:  # (NaN too; PyTorch's check: RuntimeError)
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    x = _t(input)
    if x.dtype.kind not in "fc" and isinstance(target, Tensor) and target.dtype.kind in "fc":
        raise RuntimeError(f"huber_loss: result type {target.dtype} can't be cast to the desired "
                           f"output type {x.dtype} (the input's); pass a floating input")
    if isinstance(target, Tensor):  # (its result is written in the input's dtype)
        _AT.floating_kernel("huber_loss", "huber_cpu", x.dtype, _result_type(
            x.dtype, x.ndim, target.dtype, target.ndim), into_input=True)
    y = _float_target(x, target, "huber_loss")
    if weight is not None:
        d = _F.abs(x - y)
        loss = _F.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
        return _weighted(loss, weight, x, reduction, "huber_loss", weighted_mean=False)
    return _pointwise(LO.HUBER, x, y, reduction, float(delta), "huber_loss")


def _pointwise(op, x: Tensor, y: Tensor, reduction: str, param, name: str) -> Tensor:
    """A fused pointwise loss node (``MseLossBackward0``, ...) of ``x`` and the target ``y``
    (already checked and cast by ``_float_target``)."""
    return apply(op, (x, y), (reduction, param, None))


def _loss_weight(weight, x: Tensor, name: str):
    """The per-element weight of the binary losses as an array of the input's dtype (not
    differentiated, as in PyTorch), or None."""
    if weight is None:
        return None
    w = _on_device_of(weight, x, "weight", name)
    shape = _AT._broadcast(name, tuple(x.shape), w.shape)
    if shape != tuple(x.shape):  # (PyTorch multiplies the loss by the weight in place)
        raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(shape)} (the weight of shape {list(w.shape)} "
                           f"must broadcast to the input's shape)")
    return w.astype(x._data.dtype, copy=False)


def _same_shape(x: Tensor, t: Tensor, name: str) -> None:
    if tuple(x.shape) != tuple(t.shape):
        raise ValueError(
            f"{name}: Using a target size ({list(t.shape)}) that is different to the input size "
            f"({list(x.shape)}) is not allowed; the target must have the input's shape"
        )


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-(y log x + (1 - y) log(1 - x))`` for probabilities ``x`` in [0, 1]; the logs are
    clamped at -100 as in PyTorch.

    Args:
        input: probabilities, any shape.
        target: same shape, values in [0, 1].
        weight: rescales each element's loss (broadcast to the input's shape).
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight = _ac_fp32(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    x = _t(input)
    y = target if isinstance(target, Tensor) else _arg(target, x, "target").to(x.dtype)
    _same_shape(x, y, "binary_cross_entropy")
    _AT.not_differentiable("binary_cross_entropy", weight=weight)
    if y.dtype != x.dtype or x.dtype.kind != "f":  # (one non-floating dtype: no such kernel)
        raise (RuntimeError if y.dtype != x.dtype else NotImplementedError)(
            f"binary_cross_entropy: expected input and target of one floating dtype, got "
            f"{x.dtype} and {y.dtype}; convert them, e.g. input.float(), target.float()")
    for what, a in (("input", x._data), ("target", y._data)):
        if a.size and not bool(((a >= 0) & (a <= 1)).all()):  # (NaN is outside too)
            raise RuntimeError(
                f"binary_cross_entropy: all elements of {what} should be between 0 and 1"
                + (" (did you mean binary_cross_entropy_with_logits?)" if what == "input"
                   else "; pass probabilities as the target"))
    return apply(LO.BCE, (x, y), (reduction, _loss_weight(weight, x,
                                                            "binary_cross_entropy")))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy in one stable formula (no overflow for large logits).

    Args:
        input: logits, any shape.
        target: same shape, values in [0, 1]; the result takes its (floating) dtype, as in
            PyTorch.
        weight: rescales each element's loss (broadcast to the target's shape).
        pos_weight: weight of positive examples, broadcast along the last (class) dimension.
            Not differentiated (nor is ``weight``).
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target, weight, pos_weight = _ac_fp32(input, target, weight, pos_weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _t(input)
    y = _arg(target, x, "target")
    _same_shape(x, y, "binary_cross_entropy_with_logits")
    _AT.not_differentiable("binary_cross_entropy_with_logits", weight=weight,
                           pos_weight=pos_weight)
    return _AT.binary_cross_entropy_with_logits(
        x, y, _arg(weight, x, "weight"),
        _arg(pos_weight, x, "pos_weight"), reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log target - input)`` with ``input`` given as
    log-probabilities (and ``target`` too when ``log_target``); floating tensors only, of
    broadcastable shapes, computed in their promoted dtype.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematically correct
    KL); ``'mean'`` divides by the number of elements, as PyTorch does.
    """
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        input, target = _ac_fp32(input, target)
    if size_average is None and reduce is None and reduction == "mean":
        warn("reduction: 'mean' divides the total loss by both the batch size and the support "
             "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
             "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
             "major release.")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "kl_div")
    x = _t(input)
    y = _arg(target, x, "target")
    if reduction == "batchmean":
        loss = _AT.kl_div(x, y, "sum", log_target)
        return loss / x.shape[0] if x.ndim else loss
    return _AT.kl_div(x, y, reduction, log_target)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (0 elsewhere): ``(N, D)`` inputs with an ``(N,)`` target, or ``(D,)``
    inputs with a 0-D target."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cosine_embedding_loss")
    x1 = _t(input1, "input1")
    return _AT.cosine_embedding_loss(x1, _arg(input2, x1, "input2"),
                                     _arg(target, x1, "target"), margin, reduction)


def _dot(a, b, dim):
    return _F.sum(a * b, dim)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``; the three must have one number of
    dimensions (then broadcast), as in PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    x1 = _t(input1, "input1")
    x2 = _arg(input2, x1, "input2")
    y = _arg(target, x1, "target")
    if not x1.ndim == x2.ndim == y.ndim:  # as torch: no broadcasting across ranks
        raise RuntimeError(
            f"margin_ranking_loss: input1, input2 and target must have the same number of "
            f"dimensions, got {tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(y.shape)}; "
            f"reshape them to one shape")
    return _AT.margin_ranking_loss(x1, x2, y, margin, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``x`` where ``target != -1`` plus ``max(0, margin - x)`` where ``target != 1`` (both
    for any other target value), in the input's dtype as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    x = _t(input)
    return _AT.hinge_embedding_loss(x, _arg(target, x, "target"), margin, reduction)


@_NN.named("SoftMarginLossBackward0")
def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    x = _t(input)
    t = target if isinstance(target, Tensor) else _arg(target, x, "target")
    _AT.not_differentiable("soft_margin_loss", target=t)
    if x.dtype.kind != "f":
        raise RuntimeError(f"soft_margin_loss: expected a floating input, got {x.dtype} (its "
                           f"result takes the input's dtype); convert it, e.g. input.float()")
    if _AT._broadcast("soft_margin_loss", x.shape, t.shape) != tuple(x.shape):
        raise RuntimeError(f"soft_margin_loss: output with shape {list(x.shape)} doesn't match "
                           f"the broadcast shape of the target {list(t.shape)}; the result "
                           f"has the input's shape")
    y = _float_target(x, t, "soft_margin_loss")
    # PyTorch's formula, log1p(exp(-x y)) (no softplus threshold): exp overflows to inf where
    # PyTorch's does, and the gradient -y z / (1 + z) (z = exp(-x y)) is NaN where its is
    return _reduce(_F.log1p(_F.exp(-x * y)), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d(x, y) = ||x - y + eps||_p`` along the
    last dimension; with ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))``.

    Args:
        anchor, positive, negative: ``(N, D)`` or ``(D,)`` (or ``(N, *, D)``), all of the
            same number of dimensions (then broadcast).
        margin: the margin (> 0). p: the norm degree. eps: added inside the norm.
        swap: use the distance swap (Balntas et al., 2016).

    Shape:
        - Inputs: :math:`(N, D)` or :math:`(D)`
        - Output: :math:`(N)` for ``reduction='none'``, else a scalar
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a = _t(anchor, "anchor")
    pos = _arg(positive, a, "positive")
    neg = _arg(negative, a, "negative")
    return _AT.triplet_margin_loss(a, pos, neg, margin, p, eps, swap, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """One-versus-all logistic loss averaged over the ``C`` classes:
    ``-mean_c(y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c))``, each class's term scaled
    by ``weight[c]``.

    Args:
        input: ``(N, C)`` or ``(C,)`` logits.
        target: same shape, 0 or 1.
        weight: ``(C,)`` per-class weights (broadcast against the input).

    Shape:
        - Output: :math:`(N)` for ``reduction='none'``, else a scalar
    """
    from ._faces import face

    logsigmoid = face("logsigmoid")  # (at call time, as PyTorch's: a program's replacement)

    # PyTorch's order: the elementwise loss (broadcasting, dtype errors), the class dim, then
    # the reduction
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = _t(input)
    # a Python number target is a scalar operand, as in PyTorch's Python code
    y = target if type(target) in (int, float, bool) else _t(target, "target")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    if x.ndim == 0:
        raise IndexError("multilabel_soft_margin_loss: Dimension specified as -1 but tensor has "
                         "no dimensions (the input is 0-D); pass (N, C) or (C,) logits")
    loss = _F.sum(loss, x.ndim - 1) / x.shape[-1]
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target ~ Poisson(rate)``:
    ``exp(input) - target * input`` (``log_input``) or ``input - target * log(input + eps)``,
    in the operands' promoted dtype.

    Args:
        input: the log-rate (``log_input``) or the rate, any shape.
        target: counts, the input's shape (broadcasting allowed).
        log_input: whether ``input`` is the log-rate.
        full: add the Stirling term ``t log t - t + log(2 pi t) / 2`` (where ``t > 1``).
        eps: keeps the log finite when ``log_input`` is False.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    x = _t(input)
    return _AT.poisson_nll_loss(x, _arg(target, x, "target"), log_input, full, eps,
                                reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target ~ N(input, var)``:
    ``(log(max(var, eps)) + (input - target)^2 / max(var, eps)) / 2``.

    As in PyTorch, the clamp at ``eps`` does not stop the gradient: ``var`` receives the
    gradient taken at the clamped value.

    Args:
        input: the means, ``(N, *)`` or ``(*)``.
        target: the samples, the input's shape.
        var: the variances: the input's shape, one dimension short of it, the input's shape
            with one dimension of size 1 (homoscedastic), or a float.
        full: add the constant ``log(2 pi) / 2``.
        eps: lower bound of the variance.
    """
    import math

    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        x = _tensor_attr_arg(input, "gaussian_nll_loss")  # (PyTorch's ones_like(input))
        v = x.detach() * 0 + float(var)
    else:
        v = _t(var, "var")
        if v._data.size and bool((v._data < 0).any()):
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        x = _tensor_attr_arg(input, "gaussian_nll_loss")  # (PyTorch's input.size())
    xs, vs = tuple(x.shape), tuple(v.shape)
    if vs != xs:
        if xs[:-1] == vs:
            v = v.unsqueeze(-1)
        elif not (len(xs) == len(vs) and sum(b for a, b in zip(xs, vs) if a != b) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: expected the input's "
                             f"shape {xs}, {xs[:-1]}, or {xs} with one dimension of size 1, "
                             f"got {vs}")
    # (after the checks of var, as PyTorch's order: the reduction, var's in-place clamp, the
    # subtraction; the input and target in their promoted dtype: an integer input is not a
    # reason to round the target)
    _check_reduction(reduction, "gaussian_nll_loss")
    if not v.is_floating_point():
        raise RuntimeError(f"gaussian_nll_loss: result type Float can't be cast to the desired "
                           f"output type {v.dtype} (var, clamped in place at eps); pass a "
                           f"floating var, e.g. var.float()")
    if isinstance(target, (list, tuple)):  # (reached at input - target, as in PyTorch)
        raise TypeError(f"gaussian_nll_loss(): argument 'target' (position 2) must be Tensor "
                        f"or a number, not {type(target).__name__}; make one with "
                        f"gradkit.tensor(...)")
    _no_bool_subtraction("gaussian_nll_loss", x, target)
    if isinstance(target, (int, float)):  # a number subtracts as PyTorch's wrapped scalar
        x, y = x, target
    else:
        x, y = _promoted(x, target, "gaussian_nll_loss")
    vd = v.detach()  # the floor, a constant: the gradient passes (inf - inf would be NaN)
    # (a NaN eps: PyTorch's clamp_(min=nan) makes every variance NaN)
    low = vd < eps if eps == eps else vd.new_ones(vd.shape).bool()
    v = v + _F.where(low, eps - vd, vd.new_zeros(()))
    loss = 0.5 * (_F.log(v) + (x - y) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


@_NN.named("MultiMarginLossBackward0")
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C``.

    Args:
        input: ``(N, C)`` or ``(C,)`` scores.
        target: ``(N,)`` class indices (``()`` or ``(1,)`` for a single sample).
        p: 1 or 2.
        margin: the margin.
        weight: ``(C,)`` per-class weights (of the target class).

    Shape:
        - Output: the target's shape for ``reduction='none'``, else a scalar
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multi_margin_loss")
    check_int_scalar(p, "multi_margin_loss", "p")  # (Scalars: its parser's OverflowError)
    check_int_scalar(margin, "multi_margin_loss", "margin")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got p={p!r}")
    if isinstance(weight, Tensor) and weight.ndim != 1:  # (PyTorch's Python check)
        raise ValueError(f"multi_margin_loss: weight must be one-dimensional (C,), got weight "
                         f"of shape {list(weight.shape)}")
    x = _t(input)
    if x._data.dtype not in (np.float32, np.float64):  # PyTorch's CPU kernel: these two only
        raise NotImplementedError(f'"multi_margin_loss_cpu_kernel" not implemented for '
                                  f"{x.dtype}: pass float32 or float64 scores")
    _AT.not_differentiable("multi_margin_loss", weight=weight)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise RuntimeError(f"multi_margin_loss: Expected non-empty vector or matrix with "
                           f"optional 0-dim batch size, but got: {list(x.shape)} (expected "
                           f"(N, C) or (C,))")
    t = _on_device_of(target, x, "target", "multi_margin_loss")
    frames = 1 if x.ndim == 1 else x.shape[0]
    if t.ndim > 1 or t.size != frames:  # torch: a 0-D or 1-D target of one index per frame
        raise RuntimeError(
            f"multi_margin_loss: expected a target of {frames} class index(es), of shape "
            f"({frames},){' or ()' if frames == 1 else ''}, for input of shape "
            f"{list(x.shape)}, got target of shape {list(t.shape)}"
        )
    x2, out_shape = x.reshape(frames, x.shape[-1]), tuple(t.shape)
    c = x2.shape[1]
    t = _check_classes(to_host(t).reshape(-1), c, None, "multi_margin_loss", byte_ok=False)
    w = _weight_array(weight, c, x._data.dtype, "multi_margin_loss", x)
    xy = _F.gather(x2, 1, wrap(_on_device_of(t.reshape(-1, 1), x, "target", "")))
    z = xy * -1 + margin + x2
    # PyTorch adds a class's term only where z > 0 and the class is not the target: the others
    # (a NaN z too) add nothing, not 0 * their term (an infinite margin's term at the target
    # class is inf: 0 * inf made the loss NaN) nor 0 * an inf weight
    violates = to_host(z._data) > 0
    violates[np.arange(x2.shape[0]), t] = False
    z = _F.where(wrap(_on_device_of(violates, x, "mask", "")), z, z.new_zeros(()))
    if p == 2:
        z = z * z
    scale = np.full((x2.shape[0], c), 1.0 / c, dtype=x._data.dtype)
    if w is not None:
        scale *= to_host(w)[t].reshape(-1, 1)
    scale = np.where(violates, scale, 0).astype(x._data.dtype, copy=False)
    loss = _F.sum(z * wrap(_on_device_of(scale, x, "scale", "")), 1).reshape(out_shape)
    return _reduce(loss, reduction)



def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` for any distance function ``d`` (default
    :func:`pairwise_distance`); with ``swap``, ``d(a, n)`` becomes ``min(d(a, n), d(p, n))``.

    Args:
        anchor, positive, negative: tensors of the same rank that ``distance_function`` takes.
        distance_function: maps two tensors to a tensor of distances.
        margin: must be positive.
        swap: use the distance swap.

    Shape:
        - Output: the distances' shape for ``reduction='none'``, else a scalar
    """
    from ._faces import face

    pairwise_distance = face("pairwise_distance")  # (at call time, as PyTorch's)

    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, "
                         f"got {margin}")
    # (PyTorch's Python code reads the tensors' ndim after its checks of reduction and margin)
    anchor, positive, negative = (
        _tensor_attr_arg(t, "triplet_margin_with_distance_loss", n)
        for t, n in ((anchor, "anchor"), (positive, "positive"), (negative, "negative")))
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"triplet_margin_with_distance_loss: expected anchor, positive and negative of the "
            f"same number of dimensions, got anchor {tuple(anchor.shape)}, positive "
            f"{tuple(positive.shape)} and negative {tuple(negative.shape)}")
    d = pairwise_distance if distance_function is None else distance_function
    d_pos = d(anchor, positive)
    d_neg = d(anchor, negative)
    if swap:
        d_neg = _F.minimum(d_neg, d(positive, negative))
    # (margin + d_pos first, as PyTorch: a half-precision sum rounds there)
    return _reduce(_F.clamp_min(margin + d_pos - d_neg, 0.0), reduction)


@_NN.named("MultilabelMarginLossBackward0")
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``sum_{j in Y} sum_{i not in Y} max(0, 1 - (x_j - x_i)) / C``
    where ``Y`` holds the class indices at the start of each target row, up to the first -1.

    Args:
        input: ``(N, C)`` or ``(C,)`` scores.
        target: the input's shape, integer class indices padded with -1.

    Shape:
        - Output: :math:`(N)` for ``reduction='none'``, else a scalar
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_margin_loss")
    x = _t(input)
    t = to_host(target._data) if isinstance(target, Tensor) else np.asarray(target)
    # PyTorch's order: the shapes, the input's dtype, the target's dtype, its values
    nd, shape = x.ndim, list(x.shape)
    if not (nd == 0 or (nd in (1, 2) and x.shape[-1] != 0)):
        raise RuntimeError(f"multilabel_margin_loss: Expected non-empty vector or matrix with "
                           f"optional 0-dim batch size, but got: {shape}")
    c = x.shape[-1] if nd else 1
    if (t.ndim > 1 or t.size != c) if nd <= 1 else tuple(t.shape) != tuple(x.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: "
                           f"{list(t.shape)} for input of size: {shape}; the target must have "
                           f"the input's shape")
    if x.dtype not in (_dt.float32, _dt.float64):  # (no float16/bfloat16 kernel)
        raise NotImplementedError(f'multilabel_margin_loss: "multilabel_margin_loss_forward_out_'
                                  f'frame" not implemented for {x.dtype}; pass a float32 or '
                                  f'float64 input')
    if t.dtype != np.int64:
        raise RuntimeError(f"multilabel_margin_loss: expected scalar type Long but found "
                           f"{t.dtype} (the target); pass int64 class indices")
    t2 = t.reshape(-1, c).astype(np.int64)
    if t2.size and (t2.max() >= c or t2.min() < -1):
        raise RuntimeError(f"multilabel_margin_loss: argument #2 'target' is out of range: "
                           f"target values must be class indices in [0, {c - 1}] or -1, got "
                           f"values in [{t2.min()}, {t2.max()}]")
    valid = np.cumprod(t2 >= 0, axis=1).astype(bool)  # entries before the first -1
    rows = np.broadcast_to(np.arange(t2.shape[0])[:, None], t2.shape)
    count = np.bincount(rows[valid] * c + t2[valid], minlength=t2.size).reshape(t2.shape)
    count = count.astype(x._data.dtype)  # how often each row lists each class
    others = (count == 0).astype(x._data.dtype)
    x2 = x.reshape(-1, c)
    z = 1 - x2.unsqueeze(2) + x2.unsqueeze(1)  # [n, j, i]
    scale = count[:, :, None] * others[:, None, :] / c
    # only the pairs (j in Y, i not in Y) with z > 0 enter, as PyTorch's loop: the others
    # (the diagonal among them) are left out, not multiplied by 0, so an inf score there
    # gives no NaN, and a NaN z (a NaN score) adds nothing
    hinge = _F.where((z > 0) & wrap(_on_device_of(scale != 0, x, "pairs", "")), z, 0.0)
    loss = _F.sum(hinge * wrap(_on_device_of(scale, x, "scale", "")), (1, 2))
    return _reduce(loss.reshape(tuple(x.shape[:-1])), reduction)
