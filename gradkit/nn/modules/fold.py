"""``Unfold`` (im2col) and ``Fold`` (col2im)."""

from __future__ import annotations

from collections.abc import Sequence

from ..._tensor import Tensor
from ..functional import resample as FRS
from ..functional._faces import replaced
from .module import Module

__all__ = ["Fold", "Unfold"]

_IntOr = int | Sequence[int]


class Fold(Module):
    """Sum sliding local blocks into a tensor (see :func:`gradkit.nn.functional.fold`).

    Args:
        output_size: ``(H, W)`` of the result.
        kernel_size: block size.
        dilation: spacing between block elements. Default: 1.
        padding: implicit zero padding on both sides. Default: 0.
        stride: step between blocks. Default: 1.

    Shape:
        - Input: :math:`(N, C k_h k_w, L)` or :math:`(C k_h k_w, L)`
        - Output: :math:`(N, C, H, W)` or :math:`(C, H, W)`

    Examples:
        >>> fold = gradkit.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> fold(gradkit.randn(1, 12, 12)).shape
        gradkit.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size: _IntOr, kernel_size: _IntOr, dilation: _IntOr = 1,
                 padding: _IntOr = 0, stride: _IntOr = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("fold")
        if face is not None:  # (a program's F.fold, called as PyTorch's)
            return face(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                        self.stride)
        return FRS._fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                        self.stride, f"Fold({self.extra_repr()})")

    def extra_repr(self) -> str:
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                "padding={padding}, stride={stride}".format(**self.__dict__))


class Unfold(Module):
    """Extract sliding local blocks (see :func:`gradkit.nn.functional.unfold`).

    Args:
        kernel_size: block size.
        dilation: spacing between block elements. Default: 1.
        padding: implicit zero padding on both sides. Default: 0.
        stride: step between blocks. Default: 1.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C k_h k_w, L)` or :math:`(C k_h k_w, L)`

    Examples:
        >>> gradkit.nn.Unfold(kernel_size=2)(gradkit.randn(1, 3, 4, 4)).shape
        gradkit.Size([1, 12, 9])
    """

    def __init__(self, kernel_size: _IntOr, dilation: _IntOr = 1, padding: _IntOr = 0,
                 stride: _IntOr = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("unfold")
        if face is not None:  # (a program's F.unfold, called as PyTorch's)
            return face(input, self.kernel_size, self.dilation, self.padding, self.stride)
        return FRS._unfold(input, self.kernel_size, self.dilation, self.padding, self.stride,
                          f"Unfold({self.extra_repr()})")

    def extra_repr(self) -> str:
        return ("kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))
