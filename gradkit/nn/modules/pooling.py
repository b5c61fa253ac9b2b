"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``,
``AdaptiveMaxPool1d/2d``, ``LPPool1d/2d``, ``MaxUnpool1d/2d``; ``MaxPool3d``, ``AvgPool3d``,
``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``."""

from __future__ import annotations

import numbers

from ..._tensor import Tensor
from ..._tensor.torch_function import ACTIVE as _TORCH_FUNCTION
from ..functional import _pool_fractional as FF
from ..functional import pooling as FP
from ..functional._faces import replaced
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool3d", "FractionalMaxPool2d",
           "FractionalMaxPool3d",
           "LPPool1d", "LPPool2d",
           "LPPool3d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
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
        face = replaced(f"max_pool{self._n}d")
        if face is not None:  # (a program's F.max_pool<n>d, called as PyTorch's)
            return face(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)
        if type(input) is not Tensor and _TORCH_FUNCTION[0]:  # through F, as PyTorch's
            return getattr(FP, f"max_pool{self._n}d")(
                input, self.kernel_size, self.stride, self.padding, self.dilation,
                ceil_mode=self.ceil_mode, return_indices=self.return_indices)
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

    Examples:
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
        face = replaced("avg_pool2d")
        if face is not None:  # (a program's F.avg_pool2d, called as PyTorch's)
            return face(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override)
        if type(input) is not Tensor and _TORCH_FUNCTION[0]:  # through F, as PyTorch's
            return FP.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                                 self.ceil_mode, self.count_include_pad, self.divisor_override)
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
        def single(v):  # (PyTorch's _single: an int, a NumPy integer too, as a 1-tuple)
            return (int(v),) if isinstance(v, numbers.Integral) else v

        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("avg_pool1d")
        if face is not None:  # (a program's F.avg_pool1d, called as PyTorch's)
            return face(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad)
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
        face = replaced(f"adaptive_avg_pool{self._n}d")
        if face is not None:  # (a program's F.adaptive_avg_pool<n>d, as PyTorch's)
            return face(input, self.output_size)
        if self._n > 1 and FP._one_per_plane(input, self.output_size, self._n):
            # (PyTorch's functional face: one output element per plane is a mean, any rank)
            return FP._plane_mean(input, self._n, f"{type(self).__name__}()")
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
        face = replaced(f"adaptive_max_pool{self._n}d")
        if face is not None:  # (a program's F.adaptive_max_pool<n>d, as PyTorch's)
            return face(input, self.output_size, self.return_indices)
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


class _LPPoolNd(Module):
    _n = 2

    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")

    def forward(self, input: Tensor) -> Tensor:
        face = replaced(f"lp_pool{self._n}d")
        if face is not None:  # (a program's F.lp_pool<n>d, called as PyTorch's)
            return face(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
        return FP._lp_pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode,
                           self._n, f"{type(self).__name__}({self.extra_repr()})")


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling ``(sum_{window} x^p)^(1/p)`` (see
    :func:`gradkit.nn.functional.lp_pool2d`).

    Args:
        norm_type: ``p`` (``inf``: max pooling of ``|x|``).
        kernel_size: window size.
        stride: step between windows. Default: ``kernel_size``.
        ceil_mode: round the output size up. Default: False.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`

    Examples:
        >>> gradkit.nn.LPPool2d(2, 3, stride=2)(gradkit.randn(1, 4, 9, 9)).shape
        gradkit.Size([1, 4, 4, 4])
    """

    _n = 2


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling (see :class:`LPPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """

    _n = 1


def _ntuple(v, n):
    return (v,) * n if isinstance(v, numbers.Integral) else tuple(v)


class _MaxUnpoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        n = self._n
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, n)
        self.padding = _ntuple(padding, n)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        face = replaced(f"max_unpool{self._n}d")
        if face is not None:  # (a program's F.max_unpool<n>d, called as PyTorch's)
            return face(input, indices, self.kernel_size, self.stride, self.padding, output_size)
        return FP._max_unpool(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size, self._n, f"{type(self).__name__}({self.extra_repr()})")


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d` (see
    :func:`gradkit.nn.functional.max_unpool2d`): values go back to the positions their
    indices name; every other position is zero.

    Args:
        kernel_size, stride, padding: the pooling's. ``stride`` defaults to ``kernel_size``.

    Shape:
        - Input and indices: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = (H - 1) s - 2 p + k`, or
          ``output_size``

    Examples:
        >>> pool = gradkit.nn.MaxPool2d(2, return_indices=True)
        >>> y, idx = pool(gradkit.randn(1, 1, 4, 4))
        >>> gradkit.nn.MaxUnpool2d(2)(y, idx).shape
        gradkit.Size([1, 1, 4, 4])
    """

    _n = 2


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d` (see :class:`MaxUnpool2d`).

    Shape:
        - Input and indices: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})`, :math:`L_{out} = (L - 1) s - 2 p + k`
    """

    _n = 1


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling (see :func:`gradkit.nn.functional.max_pool3d`).

    Args:
        kernel_size, stride (default ``kernel_size``), padding, dilation, return_indices,
        ceil_mode: as in :class:`MaxPool2d`, per axis.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis

    Examples:
        >>> gradkit.nn.MaxPool3d(2)(gradkit.randn(1, 2, 4, 4, 6)).shape
        gradkit.Size([1, 2, 2, 2, 3])
    """

    _n = 3

    def forward(self, input: Tensor):
        face = replaced("max_pool3d")
        if face is not None:  # (a program's F.max_pool3d, called as PyTorch's)
            return face(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)
        return FP._max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode, self.return_indices,
                              f"MaxPool3d({self.extra_repr()})")


class AvgPool3d(Module):
    """3-D average pooling (see :func:`gradkit.nn.functional.avg_pool3d`).

    Args:
        kernel_size, stride (default ``kernel_size``), padding, ceil_mode, count_include_pad,
        divisor_override: as in :class:`AvgPool2d`, per axis.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
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
        face = replaced("avg_pool3d")
        if face is not None:  # (a program's F.avg_pool3d, called as PyTorch's)
            return face(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override)
        return FP._avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override,
                              f"AvgPool3d({self.extra_repr()})")


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """3-D adaptive average pooling (see :func:`gradkit.nn.functional.adaptive_avg_pool3d`).

    Args:
        output_size: ``(D_out, H_out, W_out)`` or one int; ``None`` keeps that input size.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """

    _n = 3

    def forward(self, input: Tensor) -> Tensor:
        face = replaced("adaptive_avg_pool3d")
        if face is not None:  # (a program's F.adaptive_avg_pool3d, as PyTorch's)
            return face(input, self.output_size)
        if FP._one_per_plane(input, self.output_size, 3):
            return FP._plane_mean(input, 3, "AdaptiveAvgPool3d()")
        return FP._adaptive_avg_pool3d(input, self.output_size,
                                       f"AdaptiveAvgPool3d({self.extra_repr()})")


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-D adaptive max pooling (see :func:`gradkit.nn.functional.adaptive_max_pool3d`).

    Args:
        output_size: ``(D_out, H_out, W_out)`` or one int; ``None`` keeps that input size.
        return_indices: also return the flat ``D * H * W`` indices. Default: False.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """

    _n = 3

    def forward(self, input: Tensor):
        face = replaced("adaptive_max_pool3d")
        if face is not None:  # (a program's F.adaptive_max_pool3d, as PyTorch's)
            return face(input, self.output_size, self.return_indices)
        return FP._adaptive_max_pool3d(input, self.output_size, self.return_indices,
                                       f"AdaptiveMaxPool3d({self.extra_repr()})")


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling (see :class:`LPPool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """

    _n = 3


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d` (see :class:`MaxUnpool2d`).

    Shape:
        - Input and indices: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})`, each :math:`(n - 1) s - 2 p + k`
    """

    _n = 3


class _FractionalMaxPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        n, layer = self._n, type(self).__name__
        self.kernel_size = _ntuple(kernel_size, n)
        if n == 3 and any(k <= 0 for k in self.kernel_size):  # (PyTorch checks only 3-D's)
            raise ValueError(f"{layer}: kernel_size must be greater than 0, but got "
                             f"{kernel_size}")
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, n) if output_size is not None else None
        self.output_ratio = None
        if output_ratio is not None:
            self.output_ratio = ((output_ratio,) * n if isinstance(output_ratio, (int, float))
                                 else tuple(output_ratio))
        if output_size is None and output_ratio is None:
            raise ValueError(f"{layer} requires specifying either an output size, or a pooling "
                             f"ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{layer}: only one of output_size and output_ratio may be "
                             f"specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"{layer}: output_ratio must be between 0 and 1 (got "
                             f"{output_ratio})")

    def forward(self, input: Tensor):
        return FF._fractional_max_pool(input, self.kernel_size, self.output_size,
                                       self.output_ratio, self.return_indices,
                                       self._random_samples, self._n, type(self).__name__)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling (see :func:`gradkit.nn.functional.fractional_max_pool2d`).

    Args:
        kernel_size: window size.
        output_size: the output ``(H_out, W_out)``; or
        output_ratio: the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: also return the flat ``H * W`` indices. Default: False.
        _random_samples: fixed ``(N, C, 2)`` samples (a buffer, as in PyTorch).

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`

    Examples:
        >>> gradkit.nn.FractionalMaxPool2d(3, output_ratio=0.5)(gradkit.randn(1, 2, 10, 9)).shape
        gradkit.Size([1, 2, 5, 4])
    """

    _n = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling (see :func:`gradkit.nn.functional.fractional_max_pool3d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """

    _n = 3
