"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``,
``ConvTranspose2d``, ``ConvTranspose3d``."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from ..._tensor.torch_function import ACTIVE as _TORCH_FUNCTION
from ...autograd import grad_mode
from .. import functional as F  # F.* at call time, as PyTorch's
from ..functional import conv as FC
from ..functional._faces import replaced
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
# the public faces the layers call, as PyTorch's (a program may replace them: a FLOP counter)
_CONV = (None, "conv1d", "conv2d", "conv3d")
_CONV_FACES = (None, F.conv1d, F.conv2d, F.conv3d)


def _ntuple(v, n, name, layer):
    if isinstance(v, bool):
        raise TypeError(f"{layer}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    if isinstance(v, numbers.Integral):
        return (int(v),) * n
    if not isinstance(v, (tuple, list)):
        # (PyTorch: torch.empty's TypeError for a float kernel_size)
        raise TypeError(f"{layer}: {name} must be an int or a tuple of {n} ints, got "
                        f"{type(v).__name__} {v!r}")
    t = tuple(v)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in t):
        raise ValueError(f"{layer}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    if len(t) == 1 and name != "kernel_size":  # (PyTorch's convolution expands one value)
        return t * n
    # a kernel_size, stride, padding or dilation of another length is kept (a kernel_size
    # shapes the weight): the forward refuses it, after the input's type ("expected stride to
    # be a single integer value or a list of 2 values to match the convolution dimensions",
    # RuntimeError), as PyTorch
    return t


class _ConvNd(Module):
    """Shared configuration, parameters and initialisation of the convolution layers."""

    _n = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None) -> None:
        super().__init__()
        layer = type(self).__name__
        n = self._n
        if transposed and padding_mode != "zeros":  # (PyTorch's first check)
            raise ValueError(f"{layer}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions, got {padding_mode!r}")
        # (NumPy integers count as ints, as in PyTorch)
        in_channels, out_channels, groups = (int(v) if isinstance(v, numbers.Integral) else v
                                             for v in (in_channels, out_channels, groups))
        sizes = (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups))
        for name, v in sizes:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"{layer}: {name} must be an int, got {type(v).__name__} {v!r}")
        if groups <= 0:
            raise ValueError(f"{layer}: groups must be a positive int, got {groups!r}")
        # (a float count, e.g. ``planes / 4``, passes the divisibility checks as in PyTorch, whose
        # torch.empty then refuses it with a TypeError)
        if in_channels % groups:
            raise ValueError(f"{layer}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups:
            raise ValueError(f"{layer}: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        for name, v in sizes:
            if not isinstance(v, int):
                raise TypeError(f"{layer}: {name} must be an int, got float {v!r} (sizes computed "
                                f"with / are floats: use // or int(...))")
        kernel_size = _ntuple(kernel_size, n, "kernel_size", layer)
        stride = _ntuple(stride, n, "stride", layer)
        dilation = _ntuple(dilation, n, "dilation", layer)
        # PyTorch's order: groups, divisibility, a padding string, padding_mode (ValueErrors),
        # then torch.empty's RuntimeError for a channel count <= 0, then the sizes
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{layer}: padding must be 'valid', 'same', an int or a tuple "
                                 f"of {n} ints, got {padding!r}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{layer}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            if transposed:
                raise ValueError(f"{layer}: padding must be an int or a tuple of ints, got "
                                 f"{padding!r}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{layer}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            # PyTorch: torch.empty's RuntimeError; no output channels is an empty weight that
            # the forward refuses; no input channels, a forward that returns no channels
            if v < 0:
                raise RuntimeError(f"{layer}: {name} must be a positive int, got {v!r} (Trying "
                                   f"to create tensor with negative dimension)")
        if any(v < 0 for v in kernel_size):  # (a stride, dilation or kernel <= 0: the forward's)
            raise RuntimeError(f"{layer}: kernel_size must be non-negative, got {kernel_size} "
                               f"(Trying to create tensor with negative dimension)")
        if not isinstance(padding, str):
            # (a negative padding is the forward's RuntimeError, after the input's type, as
            # PyTorch's)
            padding = _ntuple(padding, n, "padding", layer)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n, "output_padding", layer)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's flat (last dim first) form, as PyTorch keeps it: a module pickled by PyTorch
        # and loaded here pads the same
        if isinstance(padding, str):
            pads = []
            for k, d in zip(kernel_size, dilation):
                total = d * (k - 1) if padding == "same" else 0
                pads.append((total // 2, total - total // 2))
        else:
            pads = [(p, p) for p in padding]
        flat = [x for pair in reversed(pads) for x in pair]  # (a list for 'same'/'valid')
        self._reversed_padding_repeated_twice = flat if isinstance(padding, str) else tuple(flat)
        dt = np.dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        if transposed:
            shape = (in_channels, out_channels // groups) + kernel_size
        else:
            shape = (out_channels, in_channels // groups) + kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:  # built on the host, then moved
            self.to(device)

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in),
        1/sqrt(fan_in)), and the bias from the same range, with
        ``fan_in = weight.shape[1] * prod(kernel_size)``."""
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        if 0 in tuple(self.weight.shape):  # (kaiming_uniform_'s warning, as PyTorch's)
            warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        with grad_mode.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None and fan_in > 0:
                self.bias.uniform_(-bound, bound)
            elif self.bias is not None:  # (PyTorch leaves it as torch.empty gave it: zeros here)
                self.bias.zero_()

    def _who(self) -> str:
        return f"{type(self).__name__}(in_channels={self.in_channels})"

    def extra_repr(self) -> str:
        n = self._n
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _pad_input(self, x: Tensor) -> Tensor:
        """Non-zero padding modes: ``F.pad`` (reflect/replicate/circular) before the
        convolution, as PyTorch (so its checks, and their errors, come first)."""
        from ..functional import pad

        return pad(x, list(self._reversed_padding_repeated_twice), mode=self.padding_mode)


def _plain(t) -> bool:
    """Whether ``t`` is a Tensor or Parameter itself (no ``__torch_function__`` to honour)."""
    return type(t) is Parameter or type(t) is Tensor


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        """The convolution with the given ``weight`` and ``bias``: ``forward`` calls it with the
        layer's own, as PyTorch's, so a subclass that overrides it (Whisper's ``Conv1d`` casts
        them to the input's dtype) is honoured."""
        if _TORCH_FUNCTION[0] and (type(input) is not Tensor or not _plain(weight)) \
                or getattr(F, _CONV[self._n]) is not _CONV_FACES[self._n]:
            # a subclass (or vmap's), or a program's replaced F.conv<n>d (a FLOP counter's)
            return self._functional_forward(input, weight, bias)
        if self.padding_mode != "zeros":
            x = self._pad_input(input)
            return FC._conv_nd(x, weight, bias, self.stride, 0, self.dilation,
                               self.groups, self._n, self._who())
        return FC._conv_nd(input, weight, bias, self.stride, self.padding,
                           self.dilation, self.groups, self._n, self._who())

    def _functional_forward(self, input, weight, bias):
        """As PyTorch's: through ``F.conv{n}d`` (and ``F.pad``), which a Tensor subclass's
        ``__torch_function__`` sees."""
        from .. import functional as F

        conv = getattr(F, f"conv{self._n}d")
        if self.padding_mode != "zeros":
            return conv(self._pad_input(input), weight, bias, self.stride, 0,
                        self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation,
                    self.groups)


class Conv2d(_Conv):
    """2-D convolution layer: ``y = conv2d(x, weight) + bias`` (see
    :func:`gradkit.nn.functional.conv2d`).

    Args:
        in_channels: channels of the input.
        out_channels: channels produced.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows. Default: 1.
        padding: an int, a pair, ``'valid'`` or ``'same'``. Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: independent channel groups. Default: 1.
        bias: learn an additive bias. Default: True.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``, U(-sqrt(k), sqrt(k)) with
            ``k = groups / (in_channels * kH * kW)``.
        bias: ``(out_channels,)``, same range.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`,
          :math:`H_{out} = \\lfloor (H + 2p - d (k - 1) - 1) / s \\rfloor + 1`

    Examples:
        >>> conv = gradkit.nn.Conv2d(3, 8, 3, padding=1)
        >>> conv(gradkit.randn(2, 3, 16, 16)).shape
        gradkit.Size([2, 8, 16, 16])
    """

    _n = 2


class Conv1d(_Conv):
    """1-D convolution layer (see :class:`Conv2d`).

    Attributes:
        weight: ``(out_channels, in_channels / groups, k)``.
        bias: ``(out_channels,)``.

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`
    """

    _n = 1


class Conv3d(_Conv):
    """3-D convolution layer over volumes (see :class:`Conv2d` and
    :func:`gradkit.nn.functional.conv3d`).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kD, kH, kW)``.
        bias: ``(out_channels,)``.

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or :math:`(C_{in}, D, H, W)`
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or without the batch axis

    Examples:
        >>> conv = gradkit.nn.Conv3d(2, 4, 3, padding=1)
        >>> conv(gradkit.randn(1, 2, 4, 5, 5)).shape
        gradkit.Size([1, 4, 4, 5, 5])
    """

    _n = 3


class _ConvTransposeNd(_ConvNd):
    def _output_padding(self, input: Tensor, output_size, stride, padding, kernel_size,
                        num_spatial_dims: int, dilation=None) -> tuple:
        """The output padding that gives ``output_size`` (``self.output_padding`` without one).
        PyTorch's signature: a subclass's own ``forward`` (weight standardisation, say) calls
        it with the layer's stride, padding and kernel size before ``F.conv_transpose{n}d``."""
        if output_size is None:
            return self.output_padding
        n = num_spatial_dims
        dilation = (1,) * n if dilation is None else dilation
        x = input
        size = tuple(output_size)[-n:]
        if len(size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} or {n + 2} "
                             f"elements, got {output_size!r}")
        spatial = tuple(x.shape[-n:])
        out = []
        for i in range(n):
            smallest = ((spatial[i] - 1) * stride[i] - 2 * padding[i]
                        + dilation[i] * (kernel_size[i] - 1) + 1)
            extra = size[i] - smallest
            if extra < 0 or extra >= max(stride[i], dilation[i]):
                largest = smallest + max(stride[i], dilation[i]) - 1
                raise ValueError(f"{type(self).__name__}: requested output size {size} is not "
                                 f"reachable from input {spatial}: along axis {i} it must be "
                                 f"between {smallest} and {largest}")
            out.append(extra)
        return tuple(out)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        x = input
        FC.check_conv_input(x, self.weight, self._n, self._who(), self.in_channels)
        opad = self._output_padding(x, output_size, self.stride, self.padding,
                                    self.kernel_size, self._n, self.dilation)
        face = replaced(f"conv_transpose{self._n}d")
        if face is not None:  # (a program's F.conv_transpose<n>d, called as PyTorch's)
            return face(x, self.weight, self.bias, self.stride, self.padding, opad, self.groups,
                        self.dilation)
        return FC._conv_transpose_nd(x, self.weight, self.bias, self.stride, self.padding, opad,
                                     self.groups, self.dilation, self._n, self._who())


class _ConvTranspose(_ConvTransposeNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution layer (the gradient of :class:`Conv2d` with respect to its
    input; see :func:`gradkit.nn.functional.conv_transpose2d`).

    Args:
        in_channels: channels of the input.
        out_channels: channels produced.
        kernel_size: window size.
        stride: stride of the convolution this transposes. Default: 1.
        padding: ``dilation * (k - 1) - padding`` zeros are added to the input. Default: 0.
        output_padding: extra size on one side of the output. Default: 0.
        groups: independent channel groups. Default: 1.
        bias: learn an additive bias. Default: True.
        dilation: spacing between kernel elements. Default: 1.
        padding_mode: only ``'zeros'``.

    Attributes:
        weight: ``(in_channels, out_channels / groups, kH, kW)``.
        bias: ``(out_channels,)``.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = (H - 1) s - 2p + d (k - 1) + op + 1`
    """

    _n = 2


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution layer (see :class:`ConvTranspose2d`).

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`
    """

    _n = 1


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution layer (see :class:`ConvTranspose2d`).

    Attributes:
        weight: ``(in_channels, out_channels / groups, kD, kH, kW)``.
        bias: ``(out_channels,)``.

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or :math:`(C_{in}, D, H, W)`
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})`, each
          :math:`(n - 1) s - 2p + d (k - 1) + op + 1`
    """

    _n = 3
