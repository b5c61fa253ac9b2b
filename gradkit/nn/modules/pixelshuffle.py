"""``PixelShuffle`` and ``PixelUnshuffle``."""

from __future__ import annotations

from ...tensor import Tensor
from ..functional import vision as FV
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (see
    :func:`gradkit.nn.functional.pixel_shuffle`).

    Args:
        upscale_factor: ``r``.

    Shape:
        - Input: :math:`(*, C r^2, H, W)`
        - Output: :math:`(*, C, H r, W r)`

    Example:
        >>> gradkit.nn.PixelShuffle(2)(gradkit.randn(1, 8, 3, 3)).shape
        gradkit.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return FV._pixel_shuffle(input, self.upscale_factor,
                                 f"PixelShuffle(upscale_factor={self.upscale_factor})")

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)`` (the inverse of
    :class:`PixelShuffle`).

    Args:
        downscale_factor: ``r``.

    Shape:
        - Input: :math:`(*, C, H r, W r)`
        - Output: :math:`(*, C r^2, H, W)`
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return FV._pixel_unshuffle(input, self.downscale_factor,
                                   f"PixelUnshuffle(downscale_factor={self.downscale_factor})")

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
