"""Normalisation: ``batch_norm`` (fused), ``layer_norm`` (fused), ``group_norm``,
``instance_norm``, ``rms_norm``, ``local_response_norm``, ``normalize``, ``cosine_similarity``,
``pairwise_distance``, ``pdist``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ... import functions as _F
from ..._backend import namespace_of
from ..._tensor import Tensor, apply, as_tensor_arg, wrap
from ...autograd.graph import present
from ...functions._args import _tensors_only
from ...ops import normalization as NO

__all__ = ["batch_norm", "cosine_similarity", "group_norm", "instance_norm", "layer_norm",
           "local_response_norm", "normalize", "pairwise_distance", "pdist", "rms_norm"]


def _update_running(buf: Tensor, value, momentum: float) -> None:
    arr = buf._data
    arr *= 1.0 - momentum
    arr += (momentum * value).astype(arr.dtype, copy=False)
    buf._vc[0] += 1


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
    _tensors_only("batch_norm", (1, "input", input), (2, "running_mean", running_mean),
                  (3, "running_var", running_var), (4, "weight", weight), (5, "bias", bias))
    x = input
    if x.ndim < 2:
        raise IndexError(f"batch_norm(): Dimension out of range: expected an input with at least "
                         f"2 dimensions (N, C, ...), got shape {tuple(x.shape)}")
    c = x.shape[1]
    _check_channel_params("batch_norm", x, c, running_mean=running_mean,
                          running_var=running_var, weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        m = x.numel() // c if c else 0
        if m <= 1:
            raise ValueError(f"batch_norm(): expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(x.shape)}")
        track = running_mean is not None or running_var is not None
        box = [] if track else None
        y = apply(NO.BATCH_NORM, (x, weight, bias), (axes, eps, box))
        if track:
            mean, var = box[0]
            if running_mean is not None:
                _update_running(running_mean, mean, momentum)
            if running_var is not None:
                _update_running(running_var, var * (m / (m - 1)), momentum)
        return y
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm(): running_mean and running_var are required when "
                         "training=False")
    shape = NO.channel_shape(x.ndim, c)
    dt = x._data.dtype
    invstd = (1.0 / (running_var._data + eps) ** 0.5).astype(dt, copy=False).reshape(shape)
    rm = running_mean._data.astype(dt, copy=False).reshape(shape)
    return apply(NO.BATCH_NORM_EVAL, (x, weight, bias), (rm, invstd))


def _shape_tuple(normalized_shape) -> tuple:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
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
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    ns = _shape_tuple(normalized_shape)
    k = len(ns)
    if k == 0 or tuple(x.shape[x.ndim - k:]) != ns or x.ndim < k:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, ns))}) "
            f"(normalized_shape={list(ns)}), but got input of size {list(x.shape)}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != ns:
            raise RuntimeError(
                f"layer_norm: expected {name} of shape {list(ns)}, got {list(p.shape)}"
            )
    d = 1
    for s in ns:
        d *= s
    inputs = [x]
    if weight is not None:
        inputs.append(weight)
    if bias is not None:
        inputs.append(bias)
    return apply(NO.LAYER_NORM, inputs, (d, float(eps), weight is not None, bias is not None))


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
    _tensors_only("group_norm", (1, "input", input), (3, "weight", weight), (4, "bias", bias))
    x = input
    if x.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected an input of shape (N, C, *), got {list(x.shape)}"
        )
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0:
        raise RuntimeError(f"group_norm: num_groups must be positive, got {num_groups}")
    _check_channel_params("group_norm", x, c, weight=weight, bias=bias)
    if c % num_groups:
        raise RuntimeError(
            f"group_norm: Expected number of channels in input ({c}) to be divisible by "
            f"num_groups ({num_groups}); input shape {list(x.shape)}"
        )
    # PyTorch's check on the (N * C // G, G, *) view: a single sample whose groups hold one
    # value each has no statistics to normalise with.
    prods = n * c // num_groups
    for s in x.shape[2:]:
        prods *= s
    if prods == 1:
        raise ValueError(f"group_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {list(x.shape)} with num_groups={num_groups}")
    d = x.numel() // max(n * num_groups, 1)
    if d == 0:  # an empty input: nothing to normalise
        y = x.clone()
    else:
        y = apply(NO.LAYER_NORM, [x.reshape(n, num_groups, d)], (d, float(eps), False, False))
        y = y.reshape(tuple(x.shape))
    bshape = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return present(y, "NativeGroupNormBackward0", (x, weight, bias), x)  # one node in PyTorch


def rms_norm(input: Tensor, normalized_shape: Sequence[int] | int,
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape``."""
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    ns = _shape_tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(ns):]) != ns:
        raise RuntimeError(
            f"rms_norm: expected input with shape (*, {', '.join(map(str, ns))}), got "
            f"{list(x.shape)}"
        )
    if eps is None:
        import numpy as np

        eps = float(np.finfo(x._data.dtype).eps)
    dims = tuple(range(x.ndim - len(ns), x.ndim))
    y = x * _F.rsqrt(_F.mean(x * x, dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``."""
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    n = _F.norm(x, p, dim, keepdim=True)
    return x / _F.clamp(n, min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast);
    the result in the floating dtype the two promote to (as PyTorch)."""
    from ... import _dtype

    _tensors_only("cosine_similarity", (1, "x1", x1), (2, "x2", x2))
    rt = _dtype.result_type(x1.dtype, x1.ndim, x2.dtype, x2.ndim)
    if rt.kind != "f":
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet "
                           f"common dtype is {rt} (x1 {x1.dtype}, x2 {x2.dtype})")
    # integer inputs go to the common dtype; floating ones keep theirs for the norms (PyTorch)
    x1 = x1.to(rt) if x1.dtype.kind != "f" else x1
    x2 = x2.to(rt) if x2.dtype.kind != "f" else x2
    n1 = _F.clamp(_F.norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = _F.clamp(_F.norm(x2, 2, dim, keepdim=True), min=eps)
    return _F.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension."""
    return _F.norm(x1 - x2 + eps, p, -1, keepdim=keepdim)


def _check_channel_params(fn, x, c, **params):
    """PyTorch's checks of per-channel parameters: ``c`` elements each (RuntimeError), of a
    floating dtype."""
    for name, t in params.items():
        if t is None:
            continue
        if t.numel() != c:
            raise RuntimeError(f"{fn}(): {name} should contain {c} elements not {t.numel()} (an "
                               f"input of shape {tuple(x.shape)} has {c} channels)")
        if t.dtype.kind != "f":
            raise RuntimeError(f"{fn}(): expected scalar type {x.dtype} but found {t.dtype} "
                               f"({name}); per-channel parameters are floating tensors")


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
    _tensors_only("instance_norm", (1, "input", input), (2, "running_mean", running_mean),
                  (3, "running_var", running_var), (4, "weight", weight), (5, "bias", bias))
    x = input
    if x.ndim < 3:
        raise ValueError(f"instance_norm() expects an input of shape (N, C, *) with at least one "
                         f"spatial dimension, got shape {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    _check_channel_params("instance_norm", x, c, running_mean=running_mean,
                          running_var=running_var, weight=weight, bias=bias)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm(): running_mean and running_var are required when "
                             "use_input_stats=False")
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    d = math.prod(x.shape[2:])
    if d <= 1:
        raise ValueError(f"instance_norm(): expected more than 1 spatial element when using the "
                         f"input statistics, got input of shape {tuple(x.shape)}")
    y = apply(NO.LAYER_NORM, [x.reshape(n * c, d)], (d, float(eps), False, False))
    y = y.reshape(tuple(x.shape))
    if running_mean is not None or running_var is not None:
        arr = x._data.reshape(n, c, d)
        if n == 0:  # an empty batch has no statistics: NaN, as torch's
            mean = var = namespace_of(arr).full((c,), np.nan, dtype=arr.dtype)
        else:
            mean, var = arr.mean(axis=(0, 2)), arr.var(axis=2, ddof=1).mean(axis=0)
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var, momentum)
    bshape = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


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
    from .pooling import avg_pool2d
    from .resample import pad

    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm() expects an input of shape (N, C, *) with at "
                         f"least 3 dimensions, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        return x
    shape = tuple(x.shape)
    sq = (x * x).reshape(shape[0], 1, shape[1], -1)
    sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(sq, (size, 1), stride=1).reshape(shape)
    return x / (div * alpha + k) ** beta


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
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D (shape "
                           f"{tuple(x.shape)}); pass an input of shape (N, M)")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {x.dtype}; convert "
                           f"with .float()")
    if p < 0:
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
        nonzero = wrap(total._data > 0)
        return _F.where(nonzero, _F.sqrt(_F.where(nonzero, total, 1.0)), 0.0)
    a = _F.abs(diff)
    if p == 0:  # a count: zero gradient, but on the graph as torch's (backward() works)
        counts = wrap((diff._data != 0).sum(axis=1).astype(x._data.dtype))
        if not a.requires_grad:
            return counts
        return _F.where(wrap(namespace_of(a._data).zeros(counts.shape, dtype=bool)), a.sum(1),
                        counts)
    if math.isinf(p):
        if not i.size:
            return a.sum(1)
        top = a._data.max(axis=1, keepdims=True)
        hit = wrap((a._data == top).astype(x._data.dtype))
        return wrap(top[:, 0]) + _F.sum((a - a.detach()) * hit, 1)
    if p == 1:
        return a.sum(1)
    # |d|^p with a zero gradient where d = 0 (p < 1 would divide by zero)
    moved = wrap(a._data > 0)
    total = _F.sum(_F.where(moved, _F.where(moved, a, 1.0) ** p, 0.0), 1)
    nonzero = wrap(total._data > 0)
    return _F.where(nonzero, _F.where(nonzero, total, 1.0) ** (1.0 / p), 0.0)
