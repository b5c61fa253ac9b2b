"""Upsampling layers: ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``."""

from __future__ import annotations

from collections.abc import Sequence

from ..._tensor import Tensor
from ..functional import resample as FRS
from ..functional._faces import replaced
from .module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize a batch of signals, images or volumes (see
    :func:`gradkit.nn.functional.interpolate`).

    Args:
        size: output spatial size (an int, or one per spatial axis).
        scale_factor: multiplier of the spatial size (one, or one per spatial axis).
        mode: ``'nearest'`` (default), ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
            ``'trilinear'`` or ``'area'``.
        align_corners: linear modes only; default False.
        recompute_scale_factor: compute the sampling ratio from the output size.

    Shape:
        - Input: :math:`(N, C, W_{in})`, :math:`(N, C, H_{in}, W_{in})` or
          :math:`(N, C, D_{in}, H_{in}, W_{in})`
        - Output: the same with the resized spatial axes; each is
          ``floor(size_in * scale_factor)`` or the given ``size``

    Examples:
        >>> up = gradkit.nn.Upsample(scale_factor=2, mode="bilinear")
        >>> up(gradkit.randn(1, 3, 4, 4)).shape
        gradkit.Size([1, 3, 8, 8])
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("interpolate")
        if face is not None:  # (a program's F.interpolate, called as PyTorch's)
            return face(input, self.size, self.scale_factor, self.mode, self.align_corners,
                        recompute_scale_factor=self.recompute_scale_factor)
        return FRS._interpolate(input, self.size, self.scale_factor, self.mode,
                               self.align_corners, self.recompute_scale_factor, False,
                               f"{type(self).__name__}({self.extra_repr()})")

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of a batch of images: ``Upsample(size, scale_factor,
    mode='nearest')``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})`
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of a batch of images with ``align_corners=True``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})`
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
