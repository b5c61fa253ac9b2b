"""Normalisation: ``layer_norm`` (fused), ``group_norm``, ``rms_norm``, ``normalize``,
``cosine_similarity``, ``pairwise_distance``."""

from __future__ import annotations

from collections.abc import Sequence

from ... import _functions as _F
from ...ops import nn_misc as M
from ...tensor import Tensor, apply, as_tensor_arg

__all__ = ["cosine_similarity", "group_norm", "layer_norm", "normalize", "pairwise_distance",
           "rms_norm"]


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
    return apply(M.LAYER_NORM, inputs, (d, float(eps), weight is not None, bias is not None))


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
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if x.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected an input of shape (N, C, *), got {list(x.shape)}"
        )
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"group_norm: Expected number of channels in input ({c}) to be divisible by "
            f"num_groups ({num_groups}); input shape {list(x.shape)}"
        )
    d = x.numel() // max(n * num_groups, 1)
    y = apply(M.LAYER_NORM, [x.reshape(n, num_groups, d)], (d, float(eps), False, False))
    y = y.reshape(tuple(x.shape))
    bshape = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


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
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast)."""
    n1 = _F.clamp(_F.norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = _F.clamp(_F.norm(x2, 2, dim, keepdim=True), min=eps)
    return _F.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension."""
    return _F.norm(x1 - x2 + eps, p, -1, keepdim=keepdim)
