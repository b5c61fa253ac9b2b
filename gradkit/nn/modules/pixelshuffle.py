"""``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``."""

from __future__ import annotations

from ..._tensor import Tensor
from ..functional import resample as FRS
from ..functional._faces import replaced
from .module import Module

__all__ = ["ChannelShuffle", "PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (see
    :func:`gradkit.nn.functional.pixel_shuffle`).

    Args:
        upscale_factor: ``r``.

    Shape:
        - Input: :math:`(*, C r^2, H, W)`
        - Output: :math:`(*, C, H r, W r)`

    Examples:
        >>> gradkit.nn.PixelShuffle(2)(gradkit.randn(1, 8, 3, 3)).shape
        gradkit.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("pixel_shuffle")
        if face is not None:  # (a program's F.pixel_shuffle, called as PyTorch's)
            return face(input, self.upscale_factor)
        return FRS._pixel_shuffle(input, self.upscale_factor,
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
        face = replaced("pixel_unshuffle")
        if face is not None:  # (a program's F.pixel_unshuffle, called as PyTorch's)
            return face(input, self.downscale_factor)
        return FRS._pixel_unshuffle(input, self.downscale_factor,
                                   f"PixelUnshuffle(downscale_factor={self.downscale_factor})")

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (see
    :func:`gradkit.nn.functional.channel_shuffle`).

    Args:
        groups: number of channel groups; divides ``C``.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: same as the input

    Examples:
        >>> gradkit.nn.ChannelShuffle(2)(gradkit.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("channel_shuffle")
        if face is not None:  # (a program's F.channel_shuffle, called as PyTorch's)
            return face(input, self.groups)
        return FRS._channel_shuffle(input, self.groups, f"ChannelShuffle(groups={self.groups})")

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
