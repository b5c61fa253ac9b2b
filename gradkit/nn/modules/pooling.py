"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``,
``AdaptiveMaxPool1d/2d``."""

from __future__ import annotations

from ...tensor import Tensor
from ..functional import pooling as FP
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d"]


class _MaxPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def forward(self, input: Tensor):
        return FP._max_pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices, self._n, type(self).__name__)


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling (see :func:`gradkit.nn.functional.max_pool2d`).

    Args:
        kernel_size: window size.
        stride: step between windows. Default: ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the argmax indices. Default: False.
        ceil_mode: round the output size up. Default: False.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`

    Example:
        >>> gradkit.nn.MaxPool2d(2)(gradkit.randn(1, 3, 8, 8)).shape
        gradkit.Size([1, 3, 4, 4])
    """

    _n = 2


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling (see :class:`MaxPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """

    _n = 1


class AvgPool2d(Module):
    """2-D average pooling (see :func:`gradkit.nn.functional.avg_pool2d`).

    Args:
        kernel_size: window size.
        stride: step between windows. Default: ``kernel_size``.
        padding: implicit zero padding on both sides. Default: 0.
        ceil_mode: round the output size up. Default: False.
        count_include_pad: count padded zeros in the divisor. Default: True.
        divisor_override: divide every window sum by this instead. Default: None.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return FP._avg_pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override, 2, "AvgPool2d")


class AvgPool1d(Module):
    """1-D average pooling (see :class:`AvgPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = kernel_size if not isinstance(kernel_size, int) else (kernel_size,)
        stride = stride if stride is not None else kernel_size
        self.stride = stride if not isinstance(stride, int) else (stride,)
        self.padding = padding if not isinstance(padding, int) else (padding,)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return FP._avg_pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, None, 1, "AvgPool1d")


class _AdaptiveAvgPoolNd(Module):
    _n = 2

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return FP._adaptive_avg(input, self.output_size, self._n, type(self).__name__)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """2-D average pooling to a fixed output size (see
    :func:`gradkit.nn.functional.adaptive_avg_pool2d`).

    Args:
        output_size: ``(H_out, W_out)`` or one int; ``None`` keeps that input size.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """

    _n = 2


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """1-D average pooling to a fixed output length.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """

    _n = 1


class _AdaptiveMaxPoolNd(Module):
    _n = 2

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor):
        return FP._adaptive_max(input, self.output_size, self.return_indices, self._n,
                                type(self).__name__)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-D max pooling to a fixed output size (see
    :func:`gradkit.nn.functional.adaptive_max_pool2d`).

    Args:
        output_size: ``(H_out, W_out)`` or one int; ``None`` keeps that input size.
        return_indices: also return the argmax indices. Default: False.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """

    _n = 2


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-D max pooling to a fixed output length.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """

    _n = 1
