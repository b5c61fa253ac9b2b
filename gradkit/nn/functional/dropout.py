"""Dropout (``torch.nn.functional.dropout``, ``dropout1d/2d/3d``, ``alpha_dropout``).

Masks come from gradkit's default generator (``gradkit.manual_seed`` makes them reproducible)
or from ``generator=`` when given, drawn as PyTorch draws them (``bernoulli_(1 - p)``, then
divided by ``1 - p``): after the same seed the masks are PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, as_tensor_arg, wrap
from ...random import _gen, dropout_mask

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(x: Tensor, p: float, mask_shape, generator) -> Tensor:
    dt = x._data.dtype
    if p == 1.0:
        return x * 0.0
    mask = dropout_mask(_gen(generator), tuple(mask_shape), p, dt)
    if type(x._data) is not np.ndarray:  # draw on the host, then move next to the input
        from ...device import _to_namespace_of

        mask = _to_namespace_of(mask, x._data)
    return x * wrap(mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``training``; the identity otherwise.

    Example:
        >>> gradkit.manual_seed(0)
        >>> F.dropout(gradkit.ones(4), 0.5)
    """
    _check_p(p)
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if not training or p == 0.0:
        return x
    return _masked(x, p, x._data.shape, generator)


def _channel_dropout(x, p, training, name, feat_dims, generator):
    _check_p(p)
    x = x if isinstance(x, Tensor) else as_tensor_arg(x)
    if x.ndim not in (feat_dims + 1, feat_dims + 2):
        raise RuntimeError(
            f"{name}: expected a {feat_dims + 1}-D (unbatched) or {feat_dims + 2}-D (batched) "
            f"input, got shape {tuple(x.shape)}"
        )
    if not training or p == 0.0:
        return x
    lead = x.ndim - feat_dims
    shape = tuple(x.shape[:lead]) + (1,) * feat_dims
    return _masked(x, p, shape, generator)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    return _channel_dropout(input, p, training, "dropout1d", 1, generator)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    A 3-D input is treated as ``(N, C, L)`` (channel-wise 1-D dropout), as PyTorch does.
    """
    _check_p(p)
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if x.ndim not in (3, 4):
        raise RuntimeError(
            f"dropout2d: expected a 3-D or 4-D input (N, C, H, W), got shape {tuple(x.shape)}"
        )
    if not training or p == 0.0:
        return x
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    return _masked(x, p, shape, generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    return _channel_dropout(input, p, training, "dropout3d", 3, generator)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                  *, generator=None) -> Tensor:
    """Dropout that keeps the mean and variance of SELU activations."""
    _check_p(p)
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    alpha_p = -1.7580993408473766
    keep = dropout_mask(_gen(generator), tuple(x._data.shape), p, np.float64) > 0
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    dt = x._data.dtype
    return x * wrap((keep * a).astype(dt)) + wrap((~keep * (a * alpha_p) + b).astype(dt))
