"""Normalisation layers: ``LayerNorm`` (fused), ``GroupNorm``, ``RMSNorm``,
``LocalResponseNorm``, the legacy ``CrossMapLRN2d``."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ..._tensor import Tensor
from .. import functional as FN  # F.* at call time, as PyTorch's
from .. import init
from ..parameter import Parameter
from .module import Module


def _param(module, params, name):
    """``params[name]``, or the attribute when a parametrization replaced the parameter."""
    return params[name] if name in params else getattr(module, name)


__all__ = ["CosineSimilarity", "CrossMapLRN2d", "GroupNorm", "LayerNorm", "LocalResponseNorm",
           "PairwiseDistance", "RMSNorm"]


def _shape(normalized_shape, layer: str) -> tuple:
    ns = ((normalized_shape,) if isinstance(normalized_shape, numbers.Integral)
          else tuple(normalized_shape))
    # (NumPy integers are sizes, as PyTorch's)
    ns = tuple(int(s) if isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_))
               else s for s in ns)
    if any(isinstance(s, int) and s < 0 for s in ns):  # PyTorch: torch.empty's RuntimeError
        raise RuntimeError(f"{layer}: normalized_shape must be positive ints, got "
                           f"{normalized_shape!r} (Trying to create tensor with negative "
                           f"dimension)")
    if any(not isinstance(s, int) or isinstance(s, bool) for s in ns):
        raise TypeError(f"{layer}: normalized_shape must be a tuple of ints, got "
                        f"{normalized_shape!r}")
    # an empty shape or a 0 size is built, as PyTorch (its forward decides)
    return ns


def _affine_parameters(module: Module, affine: bool, bias: bool, shape: tuple, dtype,
                       device) -> None:
    """Register ``weight`` and ``bias`` of ``shape`` on ``module`` (values set by
    :func:`_reset_affine`); None where not ``affine``, and ``bias`` None where not ``bias``."""
    from .linear import _empty

    for name, learn in (("weight", affine), ("bias", affine and bias)):
        module.register_parameter(
            name, Parameter(_empty(*shape, dtype=dtype, device=device)) if learn else None)


def _reset_affine(module: Module, affine: bool) -> None:
    if affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dimensions, then scale and shift.

    Args:
        normalized_shape: the trailing shape (an int means the last dimension).
        eps: added to the variance. Default: 1e-5.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros). Default: True.
        bias: learn the bias (when ``elementwise_affine``). Default: True.

    Shape:
        - Input: ``(*, *normalized_shape)``; Output: same shape.

    Examples:
        >>> ln = gradkit.nn.LayerNorm(8)
        >>> ln(gradkit.randn(2, 5, 8)).shape
        gradkit.Size([2, 5, 8])
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape, "LayerNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self, self.elementwise_affine)

    def forward(self, input: Tensor) -> Tensor:
        ns = self.normalized_shape
        if tuple(input.shape[input.ndim - len(ns):]) != ns or input.ndim < len(ns):
            raise RuntimeError(
                f"LayerNorm(normalized_shape={ns}) expects input of shape (*, "
                f"{', '.join(map(str, ns))}), but got input of shape {tuple(input.shape)}"
            )
        p = self._parameters
        return FN.layer_norm(input, ns, _param(self, p, "weight"), _param(self, p, "bias"),
                             self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise ``(N, C, *)`` input over groups of channels, then a per-channel affine map.

    Args:
        num_groups: number of groups; must divide ``num_channels``.
        num_channels: ``C``.
        eps: added to the variance. Default: 1e-5.
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros). Default: True.
        bias: learn the bias (when ``affine``). Default: True.

    Shape:
        - Input: ``(N, C, *)``; Output: same shape.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        # PyTorch's checks: num_channels % num_groups (Python's, so a negative num_groups
        # dividing num_channels passes, and the forward refuses it), then the parameters'
        # shape (a negative num_channels: RuntimeError, only where affine parameters are
        # made); num_channels=0 is built
        if num_groups == 0:
            raise ValueError(f"GroupNorm: num_groups must not be 0 (it divides num_channels="
                             f"{num_channels})")
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        if num_channels < 0 and affine:
            raise RuntimeError(f"GroupNorm: Trying to create tensor with negative dimension "
                               f"{num_channels}: num_channels must be >= 0")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, (num_channels,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self, self.affine)

    def forward(self, input: Tensor) -> Tensor:
        # the functional's checks, in PyTorch's order (a single value per group, ValueError,
        # before the channels against the weight); without affine parameters any channel count
        # divisible by num_groups passes, as in PyTorch. Its RuntimeError names the layer.
        p = self._parameters
        try:
            return FN.group_norm(input, self.num_groups, _param(self, p, "weight"),
                                 _param(self, p, "bias"), self.eps)
        except RuntimeError as e:
            if isinstance(input, Tensor) and input.ndim >= 2 \
                    and input.shape[1] != self.num_channels:
                raise RuntimeError(
                    f"GroupNorm(num_groups={self.num_groups}, num_channels={self.num_channels}) "
                    f"expects input of shape (N, {self.num_channels}, *), but got input of "
                    f"shape {tuple(input.shape)}: {e}") from None
            raise

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape``.

    Args:
        normalized_shape: the trailing shape.
        eps: added to the mean square; None uses the dtype's machine epsilon.
        elementwise_affine: learn ``weight`` (ones). Default: True.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        from .linear import _empty

        self.normalized_shape = _shape(normalized_shape, "RMSNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_empty(*self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return FN.rms_norm(input, self.normalized_shape,
                           _param(self, self._parameters, "weight"), self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim`` (see ``F.cosine_similarity``).

    Args:
        dim: the dimension to reduce. Default: 1.
        eps: lower bound on each norm. Default: 1e-8.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return FN.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dimension (see ``F.pairwise_distance``)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return FN.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class LocalResponseNorm(Module):
    """Normalise each value by the squares of its neighbours across channels (see
    :func:`gradkit.nn.functional.local_response_norm`).

    Args:
        size: channels in the window.
        alpha: multiplier. Default: 1e-4.
        beta: exponent. Default: 0.75.
        k: additive constant. Default: 1.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: same as the input

    Examples:
        >>> gradkit.nn.LocalResponseNorm(2)(gradkit.randn(1, 4, 3, 3)).shape
        gradkit.Size([1, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 3:
            raise ValueError(f"LocalResponseNorm({self.extra_repr()}) expects an input of shape "
                             f"(N, C, *) with at least 3 dimensions, got shape "
                             f"{tuple(input.shape)}")
        return FN.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class CrossMapLRN2d(Module):
    """Lua Torch's cross-channel local response normalisation (PyTorch's legacy
    ``nn.CrossMapLRN2d``): each value divided by ``(k + alpha / size * s) ** beta``, ``s`` the
    sum of squares over a window of about ``size`` channels, computed as PyTorch's legacy
    kernel does, forward and backward (its backward is its own formula, not the forward's
    derivative; :class:`LocalResponseNorm` is the differentiable one).

    Args:
        size: channels in the window.
        alpha: multiplier. Default: 1e-4.
        beta: exponent. Default: 0.75.
        k: additive constant. Default: 1.

    Shape:
        - Input: :math:`(N, C, H, W)`
        - Output: same as the input

    Examples:
        >>> gradkit.nn.CrossMapLRN2d(3)(gradkit.randn(1, 4, 3, 3)).shape
        gradkit.Size([1, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        from ._cross_map_lrn import CrossMapLRN2d as _cross_map_lrn2d

        return _cross_map_lrn2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)
