"""Normalisation: ``batch_norm`` (fused), ``layer_norm`` (fused), ``group_norm``,
``instance_norm``, ``rms_norm``, ``local_response_norm``, ``normalize``, ``cosine_similarity``,
``pairwise_distance``, ``pdist``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from ... import _memory_format as MF
from ... import functions as _F
from ..._backend import namespace_of
from ..._fma import fma32, fma64
from ..._int_range import check_int_scalar, float_param
from ..._tensor import Tensor, apply, as_tensor_arg, wrap
from ..._tensor.record import write_error
from ..._warnings import warn_once
from ...autograd.graph import SAVES_INPUTS, Op, present
from ...functions._args import _tensor_operands, _tensors_only
from ...ops import normalization as NO
from ...ops._row_moments import EXACT_MAX as ROW_EXACT_MAX
from ...ops._row_moments import row_moments
from . import _node_names as _NN

__all__ = ["batch_norm", "cosine_similarity", "group_norm", "instance_norm", "layer_norm",
           "local_response_norm", "normalize", "pairwise_distance", "pdist", "rms_norm"]


def _update_running(buf: Tensor, value, momentum: float) -> None:
    _write_running(buf, _running_update(buf._data, value, momentum))


def _update_running_f32(running_mean, running_var, mean, unbiased, momentum) -> None:
    """The running statistics as PyTorch's CPU batch norm updates them after its contiguous
    float32 kernel (measured bit for bit): ``m * mean + (1 - m) * running_mean`` in float,
    ``fma(m, unbiased_var, (1 - m) * running_var)`` for the variance. Other buffers' dtypes
    take the double update."""
    m, keep = np.float32(momentum), np.float32(1.0 - momentum)
    with np.errstate(all="ignore"):
        if running_mean is not None:
            rm = running_mean._data
            _write_running(running_mean, m * mean + keep * rm if rm.dtype == np.float32 else
                           _running_update(rm, mean, momentum))
        if running_var is not None:
            rv = running_var._data
            _write_running(running_var, fma32(m, unbiased, keep * rv)
                           if rv.dtype == np.float32 else
                           _running_update(rv, unbiased, momentum))


def _write_running(buf: Tensor, new) -> None:
    arr = buf._data
    if arr.shape != np.shape(new) and np.broadcast_shapes(arr.shape, np.shape(new)) != \
            arr.shape:  # an in-place update cannot grow the buffer (a 0-d running_mean)
        raise RuntimeError(f"output with shape {list(arr.shape)} doesn't match the broadcast "
                           f"shape {list(np.shape(new))}: the running statistics must have "
                           f"one entry per channel")
    try:
        arr[...] = new
    except ValueError:  # (an expand()ed buffer: PyTorch's refusal of a write into shared memory)
        err = write_error(buf, "running statistics update (running_mean/running_var)")
        if err is None:
            raise
        raise err from None
    buf._vc[0] += 1


def _running_update(arr, value, momentum):
    """PyTorch's ``momentum * value + (1 - momentum) * running``, computed in double and stored
    in the buffer's dtype (a float16/bfloat16 buffer through float32, as its kernel's
    assignment): one rounding, not one per step."""
    xp = namespace_of(arr)
    new = momentum * xp.asarray(value, dtype=xp.float64) + \
        (1.0 - momentum) * arr.astype(xp.float64)
    if arr.dtype.itemsize == 2:
        new = new.astype(xp.float32)
    return new.astype(arr.dtype, copy=False)


def _is_half(dt) -> bool:
    return str(dt).rsplit(".", 1)[-1] in ("float16", "bfloat16")


def _param_dtypes(fn, x, params, kernel, mixed_first):
    """PyTorch's CPU dtype rules of the normalisations: every parameter of the input's dtype,
    or float32 with a float16/bfloat16 input (RuntimeError otherwise); no kernel for a
    non-floating input (NotImplementedError). ``mixed_first``: layer/group norm check the mix
    before the kernel, batch/instance norm after. Returns the parameters in the input's dtype.
    """
    half = _is_half(x.dtype)
    # PyTorch's is_mixed_type: the first parameter given decides whether the call is "mixed"
    # (then every parameter must be float32, and the input float16/bfloat16), else every
    # parameter must have the input's dtype
    first = next((t.dtype for t in params.values() if t is not None), x.dtype)
    is_mixed = first != x.dtype

    def mixed():
        for name, t in params.items():
            if t is None:
                continue
            if is_mixed and not str(t.dtype).endswith("float32"):
                raise RuntimeError(f"{fn}(): mixed dtype (CPU): expect parameter to have scalar "
                                   f"type of Float: {name} is {t.dtype}, while the first "
                                   f"parameter given is {first} with a {x.dtype} input")
            if not is_mixed and t.dtype != x.dtype:
                raise RuntimeError(f"{fn}(): mixed dtype (CPU): expected {name} of dtype "
                                   f"{x.dtype} (the input's, as the first parameter given)"
                                   f"{' or float32 for all' if half else ''}, got {t.dtype}")
        if is_mixed and not half:
            raise RuntimeError(f"{fn}(): mixed dtype (CPU): all inputs must share same "
                               f"datatype: float32 parameters take a float16/bfloat16 input "
                               f"only, got {x.dtype}")

    if mixed_first and is_mixed:
        mixed()
    if not x.is_floating_point():
        raise NotImplementedError(f'{fn}(): "{kernel}" not implemented for {x.dtype}; convert '
                                  f"the input with .float()")
    mixed()
    return {k: (t if t is None or t.dtype == x.dtype else t.to(x.dtype))
            for k, t in params.items()}


def _mixed_half(x, params):
    """A float16/bfloat16 input with float32 parameters or running statistics: PyTorch's
    mixed-type kernels compute in float32 with the parameters as they are (not rounded to the
    input's dtype), round the output and the input's gradient once, and give the parameters
    float32 gradients."""
    return _is_half(x.dtype) and any(t is not None and t.dtype != x.dtype for t in params)


def _mean_rstd(x, axes, eps):
    """The mean and ``1 / sqrt(biased var + eps)`` over ``axes`` (kept), differentiable."""
    mean = _F.mean(x, axes, keepdim=True)
    var = _F.mean((x - mean) * (x - mean), axes, keepdim=True)
    return mean, _F.rsqrt(var + eps)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over every axis but the channel axis (1).

    In training mode the batch mean and (biased) variance normalise the input, and the running
    statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat``, where the running variance
    takes the unbiased batch variance (as PyTorch). In evaluation mode the running statistics
    normalise the input.

    .. math:: y = \\frac{x - \\mathrm{E}[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}} \\gamma + \\beta

    Args:
        input: ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)``, ...
        running_mean: ``(C,)`` buffer or None.
        running_var: ``(C,)`` buffer or None.
        weight: optional ``(C,)`` scale :math:`\\gamma`.
        bias: optional ``(C,)`` shift :math:`\\beta`.
        training: use batch statistics (and update the running ones).
        momentum: weight of the new batch statistic in the running update.
        eps: added to the variance for numerical stability.

    Returns:
        The normalised tensor, same shape as ``input``.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: :math:`(N, C, *)`
    """
    if training and isinstance(input, Tensor):  # torch.nn.functional's check comes first
        _verify_batch_size("batch_norm", tuple(input.shape))
    # torch.nn.functional's own check, before the arguments reach ATen (torch.batch_norm has
    # none: a negative eps gives NaN there); NaN passes
    if training and eps <= 0 or eps < 0:
        raise ValueError(f"batch_norm(): eps must be "
                         f"{'positive during training' if training else 'non-negative'}, "
                         f"but got {eps}")
    _tensors_only("batch_norm", (1, "input", input), (2, "running_mean", running_mean),
                  (3, "running_var", running_var), (4, "weight", weight), (5, "bias", bias),
                  optional=("running_mean", "running_var", "weight", "bias"))
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
                       True)


def _verify_batch_size(fn, size):
    """``torch.nn.functional``'s check of a training-mode batch norm, before any other: the
    batch size times the spatial sizes (dimensions 0, 2, 3, ...) must not be 1."""
    if not size:
        raise IndexError(f"{fn}(): Dimension out of range: expected an input with at least 2 "
                         f"dimensions (N, C, ...), got a 0-D input")
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"{fn}(): Expected more than 1 value per channel when training, got "
                         f"input of shape {list(size)}")


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
                one_value_check):
    """``batch_norm``; ``one_value_check``: ``torch.nn.functional``'s ValueError for one value
    per channel in training (``torch.batch_norm`` has none)."""
    x = input
    if x.ndim == 0:
        raise RuntimeError("batch_norm(): expected an input with at least 2 dimensions (N, C, "
                           "...), got a 0-D input")
    if x.numel() == 0:
        return _batch_norm_empty(x, weight, bias)
    if x.ndim < 2:
        # PyTorch reads a 1-D input's channels as 0: its per-channel parameters are checked first
        _check_channel_params("batch_norm", x, 0, weight=weight, bias=bias,
                              running_mean=running_mean, running_var=running_var)
        raise IndexError(f"batch_norm(): Dimension out of range: expected an input with at least "
                         f"2 dimensions (N, C, ...), got shape {tuple(x.shape)}")
    c = x.shape[1]
    _check_channel_params("batch_norm", x, c, weight=weight, bias=bias,
                          running_mean=running_mean, running_var=running_var)
    fused = _fused_layout(x, weight, bias, running_mean, running_var)
    weight, bias = _channel_vector(weight, c), _channel_vector(bias, c)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm(): running_mean and running_var must be defined in "
                           "evaluation mode (training=False)")
    cast = _param_dtypes("batch_norm", x, dict(weight=weight, bias=bias, running_mean=running_mean,
                                                running_var=running_var), "batch_norm", False)
    if _mixed_half(x, (weight, bias, running_mean, running_var)):
        return _batch_norm(x.float(), running_mean, running_var, weight, bias, training, momentum,
                           eps, one_value_check).to(x.dtype)
    weight, bias = cast["weight"], cast["bias"]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.ndim != 1:  # (PyTorch's kernel reads them as vectors, after
            # its dispatch on the input's dtype)
            raise RuntimeError(f"batch_norm(): {name} must be a vector of {c} elements "
                               f"(TensorAccessor expected 1 dims but tensor has {t.ndim})")
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        m = x.numel() // c if c else 0
        if m <= 1 and one_value_check:
            raise ValueError(f"batch_norm(): expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(x.shape)}")
        track = running_mean is not None or running_var is not None
        box = [] if track else None
        y = apply(NO.BATCH_NORM, (x, weight, bias), (axes, eps, box, fused))
        if track and len(box[0]) == 3:  # PyTorch's float32 update after its NCHW kernel
            _update_running_f32(running_mean, running_var, box[0][0], box[0][2], momentum)
        elif track:
            mean, var = box[0]
            if running_mean is not None:
                _update_running(running_mean, mean, momentum)
            if running_var is not None:
                _update_running(running_var, var * (m / (m - 1)), momentum)
        return y
    shape = NO.channel_shape(x.ndim, c)
    dt = x._data.dtype
    with np.errstate(invalid="ignore"):  # (a negative eps: NaN, as torch.batch_norm)
        invstd = (1.0 / (running_var._data + eps) ** 0.5).astype(dt, copy=False).reshape(shape)
    rm = running_mean._data.astype(dt, copy=False).reshape(shape)
    return apply(NO.BATCH_NORM_EVAL, (x, weight, bias), (rm, invstd, fused))


def _fused_layout(x, *params):
    """Whether PyTorch's CPU batch norm takes its fused kernel, ``x * alpha + beta`` with
    ``alpha = invstd * weight``: the input contiguous (or channels-last) and every given
    parameter and running statistic contiguous. Elsewhere it computes ``(x - mean) * invstd *
    weight + bias`` element by element; the two differ where a weight is inf or NaN (checked:
    an inf weight gives NaN at x > mean through the fused kernel, inf without it)."""
    formats = (MF.channels_last, MF.channels_last_3d) if x.ndim in (4, 5) else ()
    if not (x.is_contiguous() or any(x.is_contiguous(memory_format=f) for f in formats)):
        return False
    return all(p is None or not isinstance(p, Tensor) or p.is_contiguous() for p in params)


def _batch_norm_empty(x, weight, bias):
    """PyTorch's batch_norm of an empty input: no check of the channel parameters or the
    running statistics, ``input.clone() * weight[0] + bias[0]`` (an IndexError for a 0-d or
    empty weight/bias), so that the parameters stay in the graph."""
    out = x.clone()
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if p.ndim == 0:
            raise IndexError(f"batch_norm(): select() cannot be applied to a 0-dim tensor: the "
                             f"{name} of an empty input {tuple(x.shape)} is read at [0]; pass "
                             f"a 1-D {name}")
        if p.shape[0] == 0:
            raise IndexError(f"batch_norm(): select(): index 0 out of range for tensor of size "
                             f"{list(p.shape)} at dimension 0 (the {name} of an empty input "
                             f"{tuple(x.shape)} is read at [0])")
        out = out * p[0] if name == "weight" else out + p[0]
    return out


def _shape_tuple(normalized_shape) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):  # (a NumPy integer too)
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions to zero mean and unit
    (biased) variance, then scale by ``weight`` and shift by ``bias``. One fused node.

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight, bias: ``normalized_shape``-shaped affine parameters, or None.
        eps: added to the variance.
    """
    _tensors_only("layer_norm", (1, "input", input), (3, "weight", weight), (4, "bias", bias),
                  optional=("weight", "bias"))
    x = input
    ns = _shape_tuple(normalized_shape)
    k = len(ns)
    if k == 0:
        raise RuntimeError("layer_norm: Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got normalized_shape = []")
    if tuple(x.shape[x.ndim - k:]) != ns or x.ndim < k:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, ns))}) "
            f"(normalized_shape={list(ns)}), but got input of size {list(x.shape)}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != ns:
            raise RuntimeError(
                f"layer_norm: expected {name} of shape {list(ns)}, got {list(p.shape)}"
            )
    _param_dtypes("layer_norm", x, dict(weight=weight, bias=bias), "LayerNormKernelImpl", True)
    if _is_half(x.dtype):  # as PyTorch's kernel: in float32 (its fused form), rounded once
        f32 = [None if t is None else t.float() for t in (weight, bias)]
        return _layer_norm(x.float(), ns, f32[0], f32[1], eps, NO.LAYER_NORM_HALF).to(x.dtype)
    y = _layer_norm(x, ns, weight, bias, eps, NO.LAYER_NORM)
    if (weight is None or bias is None) and y._grad_fn is not None:  # (PyTorch's node lists
        return present(y, "NativeLayerNormBackward0", (x, weight, bias))  # None for them)
    return y


def _layer_norm(x, ns, weight, bias, eps, op):
    """``layer_norm`` of checked arguments by ``op`` (``LAYER_NORM`` or ``LAYER_NORM_HALF``)."""
    d = 1
    for s in ns:
        d *= s
    if d == 0:  # nothing to normalise (normalized_shape holds a 0): an empty output
        y = x.clone()
        if weight is not None:
            y = y * weight
        return y + bias if bias is not None else y
    inputs = [x]
    if weight is not None:
        inputs.append(weight)
    if bias is not None:
        inputs.append(bias)
    return apply(op, inputs, (d, float(eps), weight is not None, bias is not None))


def _gn_var(xg, mean):
    """``((xg - mean) ** 2).mean(-1)`` (each row's deviations summed in the same order) a few
    rows at a time in one reused buffer: the deviations stay in cache."""
    if not xg.flags.c_contiguous or not xg.size:  # (the layout sets the summation order)
        return ((xg - mean[..., None]) * (xg - mean[..., None])).mean(-1)
    rows, flat_mean = xg.reshape(mean.size, xg.shape[-1]), mean.reshape(-1, 1)
    var = np.empty(rows.shape[0], xg.dtype)
    step = max(1, 65536 // max(rows.shape[1], 1))
    buf = np.empty((min(step, rows.shape[0]), rows.shape[1]), xg.dtype)
    for i in range(0, rows.shape[0], step):
        j = min(i + step, rows.shape[0])
        dev = np.subtract(rows[i:j], flat_mean[i:j], out=buf[:j - i])
        np.multiply(dev, dev, out=dev)
        np.mean(dev, -1, out=var[i:j])
    return var.reshape(mean.shape)


def _gn_stats(xp, x, groups, eps):
    n = x.shape[0]
    xg = x.reshape(n, groups, -1)
    if type(xg) is np.ndarray and xg.dtype.kind == "f" and xg.dtype.itemsize >= 4 and \
            0 < xg.size <= ROW_EXACT_MAX:  # PyTorch's Welford moments, its bits
        mean, var = row_moments(np.ascontiguousarray(xg.reshape(n * groups, -1)))
        mean, var = mean.reshape(n, groups), var.reshape(n, groups)
    elif type(xg) is np.ndarray:
        mean = xg.mean(-1)
        var = _gn_var(xg, mean)
    else:
        mean = xg.mean(-1)
        var = ((xg - mean[..., None]) * (xg - mean[..., None])).mean(-1)
    if type(var) is np.ndarray:  # PyTorch's kernel adds its double eps: rstd in float64, rounded
        with np.errstate(all="ignore"):
            return xg, mean, (1.0 / np.sqrt(var.astype(np.float64) + eps)).astype(var.dtype)
    return xg, mean, 1.0 / xp.sqrt(var + eps)


def _gn_affine_f32(x, scale, shift):
    """``round32(x * scale + shift)`` per (sample, channel) row, the product and sum in float64
    (exact product, one rounding: PyTorch's fused multiply-add) a few rows at a time, so the
    float64 rows stay in cache (a float64 copy of the whole input was 10x slower)."""
    rows = x.reshape(scale.shape[0], -1)
    out = np.empty_like(x)
    flat = out.reshape(rows.shape)
    step = max(1, 65536 // max(rows.shape[1], 1))
    buf = np.empty((min(step, rows.shape[0]), rows.shape[1]))
    for i in range(0, rows.shape[0], step):
        j = min(i + step, rows.shape[0])
        b = buf[:j - i]
        b[...] = rows[i:j]
        b *= scale[i:j]
        b += shift[i:j]
        flat[i:j] = b
    return out


def _gn_fused_f(xp, x, w, b, groups, eps):
    # PyTorch's CPU kernel: y = x * (rstd * w) + (b - mean * rstd * w), per channel; float16
    # in float32 (its accumulate type), rounded once
    if type(x) is np.ndarray and x.dtype.itemsize == 2:  # float16, bfloat16
        y = _gn_fused_f(xp, *(a.astype(np.float32) for a in (x, w, b)), groups, eps)
        return y.astype(x.dtype)
    n, c = x.shape[0], x.shape[1]
    _, mean, rstd = _gn_stats(xp, x, groups, eps)
    extra = (1,) * (x.ndim - 2)
    with np.errstate(all="ignore"):
        scale = xp.repeat(rstd, c // groups, axis=1) * w  # (n, c)
        mean = xp.repeat(mean, c // groups, axis=1)
        if type(x) is np.ndarray and x.dtype == np.float32:
            # two fused multiply-adds there: shift = fma(-scale, mean, b), y = fma(x, scale,
            # shift); a float32 product is exact in float64, so one rounding each (a group of
            # one value gives x * scale - round(mean * scale), not 0)
            s64 = scale.astype(np.float64)
            shift = (b - s64 * mean).astype(np.float32)
            if x.flags.c_contiguous:
                return _gn_affine_f32(x, s64.reshape(n * c, 1),
                                      shift.astype(np.float64).reshape(n * c, 1))
            y = x * s64.reshape((n, c) + extra)
            y += shift.reshape((n, c) + extra)
            return y.astype(np.float32)
        if type(x) is np.ndarray and x.dtype == np.float64:  # (the same two fused steps)
            shift = fma64(-scale, mean, b)
            return fma64(x, scale.reshape((n, c) + extra), shift.reshape((n, c) + extra))
        shift = b - mean * scale
        return x * scale.reshape((n, c) + extra) + shift.reshape((n, c) + extra)


def _gn_fused_b(xp, g, ins, out, aux, needs):
    # PyTorch's GroupNormBackward CPU kernel: ds, db per channel, then per group
    # c2 = (db_val * mean - ds_val) * rstd^3 / (D HxW), c3 = -c2 * mean - db_val * rstd / (D HxW),
    # dX = rstd * gamma * dY + c2 * X + c3; dgamma = sum_n (ds - db * mean) * rstd
    x, w, _ = ins
    groups, eps = aux
    if type(x) is np.ndarray and x.dtype.itemsize == 2:  # (in float32, as the forward)
        up = [a.astype(np.float32) for a in ins]
        return tuple(r.astype(x.dtype) for r in _gn_fused_b(
            xp, g.astype(np.float32), up, None, aux, needs))
    n, c = x.shape[0], x.shape[1]
    d = c // groups
    X, mean, rstd = _gn_stats(xp, x, groups, eps)
    X = X.reshape(n, groups, d, -1)
    dY = g.reshape(n, groups, d, -1)
    s = 1.0 / X.shape[-1] / d
    with np.errstate(all="ignore"):
        ds = (dY * X).sum(-1)
        db = dY.sum(-1)
        gamma = w.reshape(1, groups, d)
        ds_val = (ds * gamma).sum(-1)
        db_val = (db * gamma).sum(-1)
        c2 = (db_val * mean - ds_val) * rstd * rstd * rstd * s
        c3 = -c2 * mean - db_val * rstd * s
        c1 = rstd[..., None] * gamma
        dx = c1[..., None] * dY + c2[..., None, None] * X + c3[..., None, None]
        dw = ((ds - db * mean[..., None]) * rstd[..., None]).sum(0).reshape(c)
        dbias = db.sum(0).reshape(c)
    return dx.reshape(x.shape), dw, dbias


_GROUP_NORM_FUSED = Op("NativeGroupNorm", _gn_fused_f, _gn_fused_b, saves=SAVES_INPUTS)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise ``(N, C, *)`` input over groups of ``C // num_groups`` channels (and all
    spatial positions), then apply a per-channel affine transform.

    Args:
        input: ``(N, C, *)``.
        num_groups: divides ``C``.
        weight, bias: ``(C,)`` or None.
        eps: added to the variance.
    """
    _tensors_only("group_norm", (1, "input", input), (3, "weight", weight), (4, "bias", bias),
                  optional=("weight", "bias"))
    # torch.nn.functional's own checks come first: the rank, then the values per group
    # (N * C // num_groups * prod(spatial), a Python floor division), then ATen's
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but "
                           f"received {input.ndim} (input of shape {list(input.shape)})")
    if num_groups == 0:
        raise ZeroDivisionError(f"group_norm: num_groups must not be 0 (it divides the "
                                f"{input.shape[0] * input.shape[1]} channels of the batch)")
    _verify_batch_size("group_norm", [input.shape[0] * input.shape[1] // num_groups, num_groups]
                       + list(input.shape[2:]))
    return _group_norm(input, num_groups, weight, bias, eps, False)


def _group_norm(input, num_groups, weight, bias, eps, one_value_check):
    """``group_norm``; ``one_value_check``: ``torch.nn.functional``'s ValueError for groups
    of one value (``torch.group_norm`` has none)."""
    x = input
    if x.ndim < 2:
        raise IndexError(f"group_norm: Dimension out of range: expected an input of shape (N, C, "
                         f"*), got {list(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0:
        raise RuntimeError(f"group_norm: Expected num groups to be greater than 0, got "
                           f"{num_groups}")
    if c % num_groups:
        raise RuntimeError(
            f"group_norm: Expected number of channels in input ({c}) to be divisible by "
            f"num_groups ({num_groups}); input shape {list(x.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"group_norm: Expected {name} to be a vector of size equal to the "
                               f"number of channels in input ({c}), but got {name} of shape "
                               f"{list(t.shape)} and input of shape {list(x.shape)}")
    cast = _param_dtypes("group_norm", x, dict(weight=weight, bias=bias), "GroupNormKernelImpl",
                         True)
    if _mixed_half(x, (weight, bias)):
        return _group_norm(x.float(), num_groups, weight, bias, eps, one_value_check).to(x.dtype)
    weight, bias = cast["weight"], cast["bias"]
    # PyTorch's check on the (N * C // G, G, *) view: a single sample whose groups hold one
    # value each has no statistics to normalise with.
    prods = n * c // num_groups
    for s in x.shape[2:]:
        prods *= s
    if prods == 1 and one_value_check:
        raise ValueError(f"group_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {list(x.shape)} with num_groups={num_groups}")
    d = x.numel() // max(n * num_groups, 1)
    bshape = (c,) + (1,) * (x.ndim - 2)
    if (weight is not None or bias is not None) and d:
        # an affine group norm: PyTorch's fused kernel, forward and backward, in its order
        # (y = x * scale + (bias - mean * scale), scale = rstd * weight: a group of one value
        # gives its rounding residue, not 0; an inf or NaN weight spreads as there)
        w = weight if weight is not None else bias.new_ones(tuple(bias.shape))
        b = bias if bias is not None else weight.new_zeros(tuple(weight.shape))
        y = apply(_GROUP_NORM_FUSED, [x, w, b], (num_groups, float(eps)))
        y = y.contiguous(memory_format=MF.suggest(x._data))  # PyTorch's kernel's layout
        return present(y, "NativeGroupNormBackward0", (x, weight, bias), x)
    if d == 0:  # an empty input: nothing to normalise
        y = x.clone()
    else:
        y = apply(NO.GROUP_NORM_PLAIN, [x.reshape(n, num_groups, d)],
                  (d, float(eps), False, False))
        y = y.reshape(tuple(x.shape))
    if weight is not None:
        y = y * weight.reshape(bshape)
        if d == 0 and n:
            # groups without values: PyTorch's backward sums (ds - db * mean) * rstd with the
            # NaN mean and rstd of an empty group, so weight's gradient is NaN; the term is
            # empty in the forward (broadcast against the empty input)
            nan = y.new_full((n, c) + (1,) * (x.ndim - 2), math.nan)
            y = y + weight.reshape(bshape) * nan
    if bias is not None:
        y = y + bias.reshape(bshape)
    y = y.contiguous(memory_format=MF.suggest(x._data))  # PyTorch's kernel's layout
    return present(y, "NativeGroupNormBackward0", (x, weight, bias), x)  # one node in PyTorch


_CPP_TYPES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
              "int16": "short int", "uint16": "short unsigned int", "int32": "int",
              "uint32": "unsigned int", "int64": "long int", "uint64": "long unsigned int",
              "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
              "float64": "double", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _cpp_type(dtype) -> str:
    name = str(dtype).rpartition(".")[2]
    return _CPP_TYPES.get(name, name)


def rms_norm(input: Tensor, normalized_shape: Sequence[int] | int,
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape``."""
    _tensors_only("rms_norm", (1, "input", input), (3, "weight", weight), optional=("weight",))
    x = input
    ns = _shape_tuple(normalized_shape)
    # PyTorch's order: the normalized shape, the weight's shape, the input's rank, its shape
    if not ns:
        raise RuntimeError("rms_norm: Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got normalized_shape = []")
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, "
                           f"but got weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(ns)}")
    if x.ndim < len(ns):
        raise ValueError(f"rms_norm: Input tensor must have at least {len(ns)} dimensions, but "
                         f"got {x.ndim} (normalized_shape={list(ns)})")
    if tuple(x.shape[x.ndim - len(ns):]) != ns:
        raise RuntimeError(
            f"rms_norm: expected input with shape (*, {', '.join(map(str, ns))}), got "
            f"{list(x.shape)}"
        )
    if weight is not None and weight.dtype != x.dtype and not x.is_complex():
        # (PyTorch's TORCH_WARN_ONCE, naming the C++ element types)
        warn_once("rms_norm dtypes", f"Mismatch dtype between input and weight: input dtype = "
                  f"{_cpp_type(x.dtype)}, weight dtype = {_cpp_type(weight.dtype)}, Cannot "
                  f"dispatch to fused implementation.")
    if not x.is_floating_point() and not x.is_complex():  # (complex: PyTorch's formula, the
        # mean of x * x, not of |x|^2)
        raise NotImplementedError(f'rms_norm: "rms_norm" not implemented for {x.dtype}; convert '
                                  f"the input with .float()")
    if _is_half(x.dtype):  # as PyTorch: in float32 (float32's eps by default), rounded once
        return rms_norm(x.float(), ns, None if weight is None else weight.float(),
                        eps).to(x.dtype)
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps) if x._data.dtype.kind in "fc" else 1e-7
    dims = tuple(range(x.ndim - len(ns), x.ndim))
    y = x * _F.rsqrt(_F.mean(x * x, dims, keepdim=True) + eps)
    y = y * weight if weight is not None else y
    return y if y.dtype == x.dtype else y.to(x.dtype)  # the input's dtype, as PyTorch


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim`` (written into ``out`` when given)."""
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    # (PyTorch's graph: the norm clamped by clamp_min, then expanded to x's shape)
    denom = _F.norm(x, p, dim, keepdim=True).clamp_min(eps).expand_as(x)
    if out is None:
        return x / denom
    from ... import div  # (the public face, which writes out=; gradkit imports this module)

    return div(x, denom, out=out)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast);
    the result in the floating dtype the two promote to (as PyTorch)."""
    from ... import _dtype

    _tensors_only("cosine_similarity", (1, "x1", x1), (2, "x2", x2))
    if not eps >= 0:  # (NaN too, as PyTorch's check)
        raise RuntimeError(f"cosine_similarity(): eps must be non-negative, got: {eps}")
    rt = _dtype.result_type(x1.dtype, x1.ndim, x2.dtype, x2.ndim)
    if rt.kind != "f":
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet "
                           f"common dtype is {rt} (x1 {x1.dtype}, x2 {x2.dtype})")
    # integer inputs go to the common dtype; floating ones keep theirs for the norms (PyTorch)
    x1 = x1.to(rt) if x1.dtype.kind != "f" else x1
    x2 = x2.to(rt) if x2.dtype.kind != "f" else x2
    if tuple(x1.shape) != tuple(x2.shape):  # broadcast first: dim counts in the common shape
        try:
            shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        except ValueError:
            raise RuntimeError(f"cosine_similarity: the shapes {tuple(x1.shape)} and "
                               f"{tuple(x2.shape)} do not broadcast") from None
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = _clamped_norm(_norm_opmath(x1, dim), eps)
    n2 = _clamped_norm(_norm_opmath(x2, dim), eps)
    return _F.sum((x1 / n1) * (x2 / n2), dim)


def _clamped_norm(n, eps):
    """``max(n, eps)`` whose gradient is the norm's own, as PyTorch's cosine_similarity (it
    clamps the norms in place under no_grad): below eps the value is eps and the gradient
    still flows to the norm, where a clamp would stop it. (``n - n.detach()`` is an exact
    zero there, with the norm's gradient; a NaN norm stays NaN, as clamp leaves it.)"""
    return _F.where(n.detach() < eps, n - n.detach() + eps, n)


def _norm_opmath(x, dim):
    """The 2-norm along ``dim`` (kept) as PyTorch's ``linalg_vector_norm``: a half-precision
    input accumulates in float32 and is rounded once; over one element it is ``|x|`` (no
    square to overflow: cosine_similarity of 3e38 along a dim of size 1 is 1)."""
    if -x.ndim <= dim < x.ndim and x.shape[dim] == 1:  # (a bad dim is norm's IndexError)
        return _F.abs(x)
    if _is_half(x.dtype):
        return _F.norm(x.float(), 2, dim, keepdim=True).to(x.dtype)
    return _F.norm(x, 2, dim, keepdim=True)


@_NN.named("NormBackward1")
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension."""
    if x1.__class__ is not Tensor or x2.__class__ is not Tensor:  # (None is no tensor here)
        _tensor_operands("pairwise_distance", (1, "x1", x1), (2, "x2", x2))
    # (p and eps are PyTorch ``float`` parameters: any int, as a float past the Scalar range)
    return _F.norm(_NN.add_number(x1 - x2, float_param(eps)), float_param(p), -1, keepdim=keepdim)


def _check_channel_params(fn, x, c, **params):
    """PyTorch's checks of per-channel parameters: ``c`` elements each (RuntimeError), of a
    floating dtype."""
    for name, t in params.items():
        if t is None:
            continue
        if t.numel() != c:
            raise RuntimeError(f"{fn}(): {name} should contain {c} elements not {t.numel()} (an "
                               f"input of shape {tuple(x.shape)} has {c} channels)")


def _channel_vector(t, c):
    """A per-channel weight or bias of ``c`` elements in another shape (0-D, (1, C)) viewed
    as ``(C,)``, so that its gradient comes back in its own shape (the kernels' rules give
    (C,))."""
    return t if t is None or tuple(t.shape) == (c,) else t.reshape(c)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial positions, then apply a
    per-channel affine transform.

    .. math:: y_{nc} = \\frac{x_{nc} - \\mathrm{E}[x_{nc}]}{\\sqrt{\\mathrm{Var}[x_{nc}] +
        \\epsilon}} \\gamma_c + \\beta_c

    With ``use_input_stats`` (the default) each sample's own statistics (biased variance) are
    used, and the running statistics, when given, are updated in place with the batch average
    of the per-sample mean and unbiased variance. Without it the running statistics normalise
    the input.

    Args:
        input: ``(N, C, *)`` with at least one spatial axis.
        running_mean, running_var: ``(C,)`` buffers or None.
        weight, bias: ``(C,)`` or None.
        use_input_stats: use the per-sample statistics.
        momentum: weight of the new statistic in the running update.
        eps: added to the variance.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: same as the input
    """
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                          momentum, eps, True)


def _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                   eps, spatial_check):
    """``instance_norm`` in PyTorch's check order; ``spatial_check``: ``torch.nn.functional``'s
    ValueError for one spatial element (``torch.instance_norm`` has none)."""
    _tensors_only("instance_norm", (1, "input", input), (2, "running_mean", running_mean),
                  (3, "running_var", running_var), (4, "weight", weight), (5, "bias", bias),
                  optional=("running_mean", "running_var", "weight", "bias"))
    x = input
    d = math.prod(x.shape[2:])
    if spatial_check and use_input_stats and d == 1:  # first (0-d and 1-D inputs too)
        raise ValueError(f"instance_norm(): Expected more than 1 spatial element when training, "
                         f"got input of shape {tuple(x.shape)}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("instance_norm(): Expected running_mean and running_var to be defined "
                           "when use_input_stats is false")
    if x.ndim < 2:
        raise IndexError(f"instance_norm(): Dimension out of range: expected an input of shape "
                         f"(N, C, *), got shape {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.ndim > 1:  # (PyTorch repeats them once per sample)
            raise RuntimeError(f"instance_norm(): Number of dimensions of repeat dims can not "
                               f"be smaller than number of dimensions of tensor: the {name} "
                               f"must be 1-D ({c},), got shape {tuple(t.shape)}")
    if x.numel() == 0:
        return _empty_instance_norm(x, n, c, weight, bias, running_mean, running_var,
                                    use_input_stats)
    _check_channel_params("instance_norm", x, c, weight=weight, bias=bias,
                          running_mean=running_mean, running_var=running_var)
    weight, bias = _channel_vector(weight, c), _channel_vector(bias, c)
    if not use_input_stats:  # (ATen's batch norm: no check of eps, NaN for a negative one)
        return _batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps,
                           False)
    cast = _param_dtypes("instance_norm", x, dict(weight=weight, bias=bias,
                                                   running_mean=running_mean,
                                                   running_var=running_var), "batch_norm", False)
    if _mixed_half(x, (weight, bias, running_mean, running_var)):
        return _instance_norm(x.float(), running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps, spatial_check).to(x.dtype)
    weight, bias = cast["weight"], cast["bias"]
    bshape = (c,) + (1,) * (x.ndim - 2)
    if d and (weight is not None or bias is not None):
        # PyTorch's batch norm of the (1, N*C, *) view with the weight and bias repeated per
        # sample: its forward x * (rstd * w) + (b - mean * rstd * w), its fused backward (with
        # the NaN/inf of that formula for an inf or NaN weight), its gradients in the graph
        # under create_graph (the bias's too)
        xv = x.reshape(1, n * c, d)
        wb = [None if weight is None else weight.repeat(n),
              None if bias is None else bias.repeat(n)]
        y = apply(NO.BATCH_NORM, (xv, wb[0], wb[1]), ((0, 2), eps, None)).reshape(tuple(x.shape))
    else:
        if d:
            y = apply(NO.LAYER_NORM, [x.reshape(n * c, d)], (d, float(eps), False, False))
            y = y.reshape(tuple(x.shape))
        else:
            y = x.clone()
        if weight is not None:
            y = y * weight.reshape(bshape)
        if bias is not None:
            y = y + bias.reshape(bshape)
    if running_mean is not None or running_var is not None:
        # PyTorch's order: the running statistics repeated per sample, each updated with that
        # sample's statistics by its batch norm kernel, then averaged over the samples
        arr = x._data.reshape(n, c, d)  # (an empty input returned above)
        for buf, value in ((running_mean, lambda: arr.mean(axis=2, dtype=np.float64)),
                           (running_var, lambda: arr.var(axis=2, ddof=1, dtype=np.float64)
                            if d > 1 else namespace_of(arr).full((n, c), np.nan))):
            if buf is None:
                continue
            per_sample = _running_update(buf._data, value(), momentum)
            if per_sample.dtype.itemsize == 2:
                per_sample = per_sample.astype(np.float32)
            _write_running(buf, per_sample.mean(axis=0).astype(buf._data.dtype, copy=False))
    return y


def _empty_instance_norm(x, n, c, weight, bias, running_mean, running_var, use_input_stats):
    """``instance_norm`` of an empty input as PyTorch's: its batch norm of an empty input checks
    no channel counts and gives the input times the per-sample repeated weight's first element
    plus the bias's (IndexError where that has none); with ``use_input_stats`` the running
    statistics are rewritten from their ``(N, C)`` view: unchanged, NaN for an empty batch."""
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() * n == 0:
            raise IndexError(f"instance_norm(): select(): index 0 out of range for tensor of "
                             f"size [0] at dimension 0: the {name} repeated per sample is "
                             f"empty (input of shape {tuple(x.shape)}, {name} of shape "
                             f"{tuple(t.shape)})")
    y = x.clone()
    if weight is not None:
        y = y * weight.reshape(-1)[0]
    if bias is not None:
        y = y + bias.reshape(-1)[0]
    stats = [t for t in (running_mean, running_var) if t is not None] if use_input_stats else []
    for name, t in zip(("running_mean", "running_var"), stats):
        if t.numel() != c:
            raise RuntimeError(f"instance_norm(): shape '[{n}, {c}]' is invalid for input of "
                               f"size {t.numel() * n}: {name} should contain {c} elements (an "
                               f"input of shape {tuple(x.shape)}), got {t.numel()}")
    for t in stats:
        if n == 0:  # (the mean over no samples)
            t._data[...] = np.nan
            t._vc[0] += 1
    return y.view(tuple(x.shape))


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalise each value by its neighbours across channels:
    ``y = x / (k + alpha / size * sum_{c' in window(c)} x_{c'}^2) ** beta``, the window being
    ``size`` channels from ``c - size // 2`` (zeros beyond the edges).

    Args:
        input: ``(N, C, *)`` with at least one spatial axis.
        size: channels in the window.
        alpha: multiplier. beta: exponent. k: additive constant.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: same as the input
    """
    from ._faces import face, replaced

    pad, avg_pool2d = face("pad"), face("avg_pool2d")  # (at call time, as PyTorch's)
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm() expects an input of shape (N, C, *) with at "
                         f"least 3 dimensions, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        return x
    shape = tuple(x.shape)
    if x.ndim > 3 and (replaced("pad") or replaced("avg_pool3d")):
        # PyTorch's steps for 4-D and more (a program that replaced them sees its calls)
        sq = (x * x).reshape(shape[0], 1, shape[1], shape[2], -1)
        sq = pad(sq, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = face("avg_pool3d")(sq, (size, 1, 1), stride=1).reshape(shape)
    else:
        sq = (x * x).reshape(shape[0], 1, shape[1], -1)
        sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(sq, (size, 1), stride=1).reshape(shape)
    for name, v in (("alpha", alpha), ("k", k), ("beta", beta)):  # (Scalars of PyTorch's ops)
        check_int_scalar(v, "local_response_norm", name)
    return x / (div * alpha + k) ** beta


@_NN.named("PdistBackward0")
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows: ``||x_i - x_j||_p`` for ``i < j``, in
    row-major order of the upper triangle.

    At a zero distance the gradient is 0 (as PyTorch); with ``p = inf`` every coordinate that
    attains the maximum receives the full gradient (as PyTorch).

    Args:
        input: ``(N, M)``.
        p: the norm degree, ``>= 0`` (``0`` counts differing coordinates; its gradient is 0).

    Returns:
        ``(N (N - 1) / 2,)``.
    """
    from ..._tensor import apply1
    from ...ops import resample as RS

    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    p = float_param(p)  # (a PyTorch ``float`` parameter: any int)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D (shape "
                           f"{tuple(x.shape)}); pass an input of shape (N, M)")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {x.dtype}; convert "
                           f"with .float()")
    if not p >= 0:  # (NaN too)
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    if i.size:  # x[i] - x[j] as one two-tap gather: its backward sums sorted runs, no add.at
        taps = np.ones(i.size, dtype=x._data.dtype), np.full(i.size, -1, dtype=x._data.dtype)
        diff = apply1(RS.RESAMPLE, x, (0, n, (i, j), taps))
    else:
        diff = x[:0]
    if p == 2:
        total = _F.sum(diff * diff, 1)
        nonzero = wrap(total._data != 0)  # (a NaN distance stays NaN)
        return _F.where(nonzero, _F.sqrt(_F.where(nonzero, total, 1.0)), 0.0)
    a = _F.abs(diff)
    if p == 0:  # a count: zero gradient, but on the graph as torch's (backward() works)
        counts = wrap((diff._data != 0).sum(axis=1).astype(x._data.dtype))
        if not a.requires_grad:
            return counts
        return _F.where(wrap(namespace_of(a._data).zeros(counts.shape, dtype=bool)), a.sum(1),
                        counts)
    if math.isinf(p):
        if not i.size or not x.shape[1]:  # (no pairs, or no coordinates: distances 0)
            return a.sum(1)
        top = a._data.max(axis=1, keepdims=True)
        hit = wrap((a._data == top).astype(x._data.dtype))
        return wrap(top[:, 0]) + _F.sum((a - a.detach()) * hit, 1)
    if p == 1:
        return a.sum(1)
    # |d|^p with a zero gradient where d = 0 (p < 1 would divide by zero)
    moved = wrap(a._data != 0)  # (a NaN difference stays NaN)
    total = _F.sum(_F.where(moved, _F.where(moved, a, 1.0) ** p, 0.0), 1)
    nonzero = wrap(total._data != 0)
    return _F.where(nonzero, _F.where(nonzero, total, 1.0) ** (1.0 / p), 0.0)
