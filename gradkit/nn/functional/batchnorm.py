"""Batch normalisation: ``batch_norm`` (``torch.nn.functional``)."""

from __future__ import annotations

from ...ops import batchnorm as B
from ..._tensor import Tensor, apply, as_tensor_arg, wrap

__all__ = ["batch_norm"]


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
    x = input if isinstance(input, Tensor) else as_tensor_arg(input, name="input")
    if x.ndim < 2:
        raise ValueError(f"batch_norm(): expected an input with at least 2 dimensions (N, C, ...), "
                         f"got shape {tuple(x.shape)}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"batch_norm(): {name} must have shape ({c},) for an input with {c} "
                             f"channels (shape {tuple(x.shape)}), got {tuple(t.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        m = x.numel() // c if c else 0
        if m <= 1:
            raise ValueError(f"batch_norm(): expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(x.shape)}")
        track = running_mean is not None or running_var is not None
        box = [] if track else None
        y = apply(B.BATCH_NORM, (x, weight, bias), (axes, eps, box))
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
    shape = B.channel_shape(x.ndim, c)
    invstd = wrap((1.0 / (running_var._data + eps) ** 0.5).astype(x._data.dtype, copy=False))
    scale = invstd if weight is None else weight * invstd
    shift = -(running_mean * scale) if bias is None else bias - running_mean * scale
    return x * scale.reshape(shape) + shift.reshape(shape)
