"""Dropout (``torch.nn.functional.dropout``, ``dropout1d/2d/3d``, ``alpha_dropout``).

Masks come from gradkit's default generator (``gradkit.manual_seed`` makes them reproducible)
or from ``generator=`` when given, drawn as PyTorch draws them (``bernoulli_(1 - p)``, then
divided by ``1 - p``): after the same seed the masks are PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, wrap
from ..._warnings import warn
from ...random import _gen, bernoulli_scalar, dropout_mask, in_memory_order
from .activation import _in_place

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d",
           "feature_alpha_dropout"]


def _check_p(p: float) -> None:
    """``torch.nn.functional``'s check (Python code there): ValueError; a NaN passes it, for
    the kernel's RuntimeError (``_dropout``)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(who, x, p, train, *, feature=False, alpha=False, inplace=False, generator=None,
             noise_shape=None):
    """ATen's ``_dropout_impl``, shared by every dropout: PyTorch's checks in its order (TypeError
    for a non-Tensor, RuntimeError for ``p`` outside ``[0, 1]``, for a feature dropout of fewer
    than 2 dimensions and for a non-floating input, whose float noise cannot be written back),
    and its early returns (the input itself when ``p == 0``, not training or empty; zeros of the
    input's dtype when ``p == 1``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"{who}: dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or x.numel() == 0:
        return x
    if p == 1:
        zero = x.new_zeros(())
        return x.mul_(zero) if inplace else x * zero
    if feature:
        shape = noise_shape or _feature_noise_shape(x, who)
    else:
        shape = tuple(x._data.shape)
    if x.is_complex():  # PyTorch's bernoulli kernel has no complex version
        raise NotImplementedError(f"{who}: \"bernoulli_scalar_cpu_\" not implemented for "
                                  f"{x.dtype}: dropout of complex tensors in training is not "
                                  f"supported (as in PyTorch); drop .real and .imag with one "
                                  f"mask, or use training=False")
    if not x.is_floating_point():
        raise RuntimeError(f"{who}: result type Float can't be cast to the desired output type "
                           f"{x.dtype}; dropout needs a floating-point input (use .float())")
    # the noise of a whole-input dropout is empty_like(input), drawn in the input's memory
    # order; a feature dropout's is a new row-major tensor
    if alpha:
        fn = (lambda t: _alpha_masked(t, p, shape, generator, not feature))  # noqa: E731
    else:
        fn = (lambda t: _masked(t, p, shape, generator, not feature))  # noqa: E731
    return _in_place(x, fn, who + ("" if who.endswith("_") else "_")) if inplace else fn(x)


def _masked(x: Tensor, p: float, mask_shape, generator, like_input=True) -> Tensor:
    dt = x._data.dtype
    mask = dropout_mask(_gen(generator), tuple(mask_shape), p, dt,
                        like=x._data if like_input else None)
    if type(x._data) is not np.ndarray:  # draw on the host, then move next to the input
        from ...device import _to_namespace_of

        mask = _to_namespace_of(mask, x._data)
    return x * wrap(mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``training``; the identity otherwise.

    Examples:
        >>> gradkit.manual_seed(0)
        >>> F.dropout(gradkit.ones(4), 0.5)
    """
    _check_p(p)
    return _dropout("dropout", input, p, training, inplace=inplace, generator=generator)


def _channel_dropout(x, p, training, name, feat_dims, generator, inplace=False):
    _check_p(p)
    if isinstance(x, Tensor) and x.ndim not in (feat_dims + 1, feat_dims + 2):
        raise RuntimeError(
            f"{name}: expected a {feat_dims + 1}-D (unbatched) or {feat_dims + 2}-D (batched) "
            f"input, got shape {tuple(x.shape)}"
        )
    shape = None
    if isinstance(x, Tensor):
        lead = x.ndim - feat_dims
        shape = tuple(x.shape[:lead]) + (1,) * feat_dims
    return _dropout(name, x, p, training, feature=True, inplace=inplace, generator=generator,
                    noise_shape=shape)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    return _channel_dropout(input, p, training, "dropout1d", 1, generator, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    A 3-D input is treated as ``(N, C, L)`` (channel-wise 1-D dropout), as PyTorch does.
    """
    _check_p(p)
    x = input
    if not isinstance(x, Tensor):
        return _dropout("dropout2d", x, p, training)  # PyTorch's TypeError
    if x.ndim not in (3, 4):  # PyTorch warns, then treats dim 1 as the channels (2-D: dropout)
        warn(
            f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is deprecated and will "
            f"result in an error in a future release. To retain the behavior and silence this "
            f"warning, please use dropout instead. Note that dropout2d exists to provide "
            f"channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            f"an optional batch dimension (i.e. 3D or 4D inputs).")
        if x.ndim == 2:
            return dropout(x, p, training, inplace, generator=generator)
    if x.ndim == 3:
        warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
             "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
             "the channel dim. This behavior will change in a future release to interpret the "
             "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
             "channel-wise dropout behavior, please switch to using dropout1d instead.")
    # (fewer than 2 dimensions: ATen's feature-noise error, only where noise is drawn)
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if x.ndim >= 2 else None
    return _dropout("dropout2d", x, p, training, feature=True, inplace=inplace,
                    generator=generator, noise_shape=shape)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator=None) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    As PyTorch, any other rank warns and is taken as unbatched (dimension 0 the channels).
    """
    _check_p(p)
    x = input
    if not isinstance(x, Tensor):
        return _dropout("dropout3d", x, p, training)  # PyTorch's TypeError
    if x.ndim not in (4, 5):
        warn(
            f"dropout3d: Received a {x.ndim}-D input to dropout3d, which is deprecated and will "
            f"result in an error in a future release. To retain the behavior and silence this "
            f"warning, please use dropout instead. Note that dropout3d exists to provide "
            f"channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and "
            f"an optional batch dimension (i.e. 4D or 5D inputs).")
    if x.ndim == 5:
        shape = tuple(x.shape[:2]) + (1,) * 3
    else:  # unbatched: the noise of the (1, *shape) view, without its leading 1
        shape = (x.shape[0],) + (1,) * (x.ndim - 1) if x.ndim >= 1 else None
    return _dropout("dropout3d", x, p, training, feature=True, inplace=inplace,
                    generator=generator, noise_shape=shape)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,
                  *, generator=None) -> Tensor:
    """Dropout that keeps the mean and variance of SELU activations."""
    _check_p(p)
    return _dropout("alpha_dropout", input, p, training, alpha=True, inplace=inplace,
                    generator=generator)


def _feature_noise_shape(x: Tensor, name: str):
    if x.ndim < 2:
        raise RuntimeError(
            f"{name}: feature dropout requires at least 2 dimensions in the input (N, C, ...), "
            f"got shape {tuple(x.shape)}")
    return tuple(x.shape[:2]) + (1,) * (x.ndim - 2)


def _alpha_masked(x: Tensor, p: float, shape, generator, like_input) -> Tensor:
    """PyTorch's alpha dropout: ``x * noise * a + (noise - 1) * alpha * a + alpha * a * p`` with
    ``noise ~ bernoulli(1 - p)`` of ``shape`` (the same draws and float arithmetic); the noise
    of the whole input (``like_input``) is ``empty_like(input)``, drawn in the input's memory
    order."""
    dt = x._data.dtype
    n = int(np.prod(shape, dtype=np.int64))
    noise = bernoulli_scalar(_gen(generator), n, 1.0 - p).reshape(shape)
    if like_input and isinstance(x._data, np.ndarray):
        noise = in_memory_order(noise, x._data)
    noise = noise.astype(dt)
    alpha = 1.7580993408473766
    a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (noise - dt.type(1)) * dt.type(alpha * a) + dt.type(alpha * a * p)
    noise = noise * dt.type(a)
    if type(x._data) is not np.ndarray:
        from ...device import _to_namespace_of

        noise, b = _to_namespace_of(noise, x._data), _to_namespace_of(b, x._data)
    return x * wrap(noise) + wrap(b)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: each ``(n, c)`` feature map of ``(N, C, ...)`` input is
    set to SELU's negative saturation with probability ``p``, keeping mean and variance."""
    _check_p(p)
    return _dropout("feature_alpha_dropout", input, p, training, feature=True, alpha=True,
                    inplace=inplace)


def _feature_dropout(input, p, train, inplace=False):
    """``torch.feature_dropout``: channel dropout of any ``(N, C, ...)`` input."""
    return _dropout("feature_dropout" + ("_" if inplace else ""), input, p, train, feature=True,
                    inplace=inplace)
