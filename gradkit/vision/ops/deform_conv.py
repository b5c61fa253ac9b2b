"""torchvision.ops.deform_conv2d / DeformConv2d (deformable convolution, v1 and v2 with a mask).

As torchvision's CPU kernel (deform_conv2d_kernel.cpp): kernel tap ``(i, j)`` of output
position ``(oy, ox)`` samples the input at ``y = (oy * stride_h - pad_h) + i * dilation_h +
offset_h``, ``x`` likewise, bilinearly, a corner outside the image counting as zero (so a sample
at ``y <= -1`` or ``y >= H`` is zero), multiplied by the mask (v2); the columns so formed go
through one matrix product per weight group, plus the bias. Offsets and masks come in
``offset_groups`` groups, each shared by ``C_in / offset_groups`` consecutive input channels;
offset channel ``2 * (i * kW + j)`` of a group is the tap's ``offset_h``, the next its
``offset_w``.

The sampling is built from differentiable gradkit operations (a gather of the four corners, their
bilinear weights from ``offset - floor(offset)``, the mask product, a matmul), so the gradients
of input, offset, mask, weight and bias are the forward's own, the ones torchvision's backward
kernel computes, and differentiable again.
"""

from __future__ import annotations

import math

import numpy as np

import gradkit as gk

from ... import nn
from ..._tensor import Tensor
from ...nn.modules.utils import _pair
from .roi_align import _DTYPE_NAMES

__all__ = ["deform_conv2d", "DeformConv2d"]

_FLOATS = (gk.float16, gk.float32, gk.float64)


def _shape(t) -> tuple:
    return tuple(t.shape)


def _check(input, offset, weight, bias, mask, stride, padding, dilation):
    """torchvision's wrapper and kernel checks, in their order and with their exception types;
    returns ``(groups, offset_groups, out_h, out_w)``."""
    for name, t in (("input", input), ("offset", offset), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"deform_conv2d(): {name} must be a Tensor, but got "
                            f"{type(t).__name__}")
    if input.dim() != 4:
        # torchvision's wrapper unpacks ``_, n_in_channels, _, _ = input.shape``
        raise ValueError(f"deform_conv2d(): input must be a 4-D (N, C, H, W) tensor, but got "
                         f"shape {_shape(input)}")
    if weight.dim() < 2:
        raise ValueError(f"deform_conv2d(): weight must be a 4-D (C_out, C_in / groups, kH, kW) "
                         f"tensor, but got shape {_shape(weight)}")
    if offset.dim() < 2:
        raise IndexError(f"deform_conv2d(): offset must be a 4-D (N, 2 * offset_groups * kH * "
                         f"kW, H_out, W_out) tensor, but got shape {_shape(offset)}")
    kh, kw = weight.shape[-2:]
    channels = input.shape[1]
    offset_groups = offset.shape[1] // (2 * kh * kw) if kh * kw else 0
    if offset_groups == 0:
        raise RuntimeError(f"the shape of the offset tensor at dimension 1 is not valid. It "
                           f"should be a multiple of 2 * weight.size[2] * weight.size[3].\n"
                           f"Got offset.shape[1]={offset.shape[1]}, while 2 * weight.size[2] * "
                           f"weight.size[3]={2 * kh * kw}")
    groups = channels // weight.shape[1] if weight.shape[1] else 0
    for name, t in (("offset", offset), ("weight", weight)) + \
            ((("mask", mask),) if mask is not None else ()):
        if t.dim() != 4:
            raise RuntimeError(f"deform_conv2d(): {name} must be a 4-D tensor, but got shape "
                               f"{_shape(t)}")
    if input.dtype not in _FLOATS:
        dtype = str(input.dtype).replace("gradkit.", "")
        raise RuntimeError(f'"deformable_im2col" not implemented for '
                           f"'{_DTYPE_NAMES.get(dtype, dtype)}'; deform_conv2d() takes floating "
                           f"point tensors")
    for name, t in (("offset", offset), ("weight", weight), ("mask", mask), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(f"deform_conv2d(): expected {name} of the input's dtype "
                               f"{input.dtype}, but found {t.dtype}; convert it with "
                               f".to(input.dtype)")
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"deform_conv2d(): stride must be positive, but got stride_h: {sh} "
                           f"stride_w: {sw}")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"deform_conv2d(): padding must be non-negative, but got pad_h: {ph} "
                           f"pad_w: {pw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"deform_conv2d(): dilation must be positive, but got dilation_h: "
                           f"{dh} dilation_w: {dw}")
    if groups == 0 or weight.shape[1] * groups != channels or weight.shape[0] % groups != 0:
        raise RuntimeError(f"deform_conv2d(): weight of shape {_shape(weight)} does not fit an "
                           f"input of {channels} channels: weight.shape[1] * groups must be the "
                           f"input's channels and weight.shape[0] a multiple of groups "
                           f"({groups})")
    taps = kh * kw
    if offset.shape[1] != offset_groups * 2 * taps:
        raise RuntimeError(f"offset.shape[1] is not valid: got: {offset.shape[1]} expected: "
                           f"{offset_groups * 2 * taps}")
    if mask is not None and mask.shape[1] != offset_groups * taps:
        raise RuntimeError(f"mask.shape[1] is not valid: got: {mask.shape[1]} expected: "
                           f"{offset_groups * taps}")
    if channels % offset_groups != 0:
        raise RuntimeError(f"deform_conv2d(): the input's {channels} channels must be a "
                           f"multiple of offset_groups ({offset_groups})")
    out_h = (input.shape[2] + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    out_w = (input.shape[3] + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    if offset.shape[0] != input.shape[0]:
        raise RuntimeError(f"invalid batch size of offset: {offset.shape[0]} for an input of "
                           f"{input.shape[0]} images")
    if offset.shape[2:] != (out_h, out_w):
        raise RuntimeError(f"offset output dims: ({offset.shape[2]}, {offset.shape[3]}) - "
                           f"computed output dims: ({out_h}, {out_w})")
    if mask is not None and mask.shape[0] != input.shape[0]:
        raise RuntimeError(f"invalid batch size of mask: {mask.shape[0]} for an input of "
                           f"{input.shape[0]} images")
    if mask is not None and mask.shape[2:] != (out_h, out_w):
        raise RuntimeError(f"mask output dims: ({mask.shape[2]}, {mask.shape[3]}) - computed "
                           f"output dims: ({out_h}, {out_w})")
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"Calculated output size too small - out_h: {out_h} out_w: {out_w}")
    if bias is not None and bias.numel() != weight.shape[0]:
        raise RuntimeError(f"deform_conv2d(): bias must have {weight.shape[0]} elements (one "
                           f"per output channel), but got shape {_shape(bias)}")
    return groups, offset_groups, out_h, out_w


def _tap_grid(k: int, out: int, stride: int, pad: int, dilation: int) -> np.ndarray:
    """``(k, out)``: the undeformed coordinate of tap ``i`` at output position ``o``."""
    return (np.arange(out) * stride - pad)[None, :] + (np.arange(k) * dilation)[:, None]


def _deform_conv2d(input, offset, weight, bias, mask, stride, padding, dilation, groups,
                   offset_groups, out_h, out_w):
    n, channels, height, width = input.shape
    c_out, _, kh, kw = weight.shape
    taps, size = kh * kw, out_h * out_w
    npdt = np.dtype(str(input.dtype).replace("gradkit.", ""))
    if n == 0:
        # torchvision returns its zero buffer (no bias) for an empty batch
        return gk.zeros((0, c_out, out_h, out_w), dtype=input.dtype) + \
            (input.reshape(-1)[:0].sum() + offset.reshape(-1)[:0].sum() +
             weight.reshape(-1)[:0].sum())
    base_y = np.broadcast_to(_tap_grid(kh, out_h, stride[0], padding[0], dilation[0])
                             [:, None, :, None], (kh, kw, out_h, out_w)).reshape(taps, size)
    base_x = np.broadcast_to(_tap_grid(kw, out_w, stride[1], padding[1], dilation[1])
                             [None, :, None, :], (kh, kw, out_h, out_w)).reshape(taps, size)
    off = offset.reshape(n, offset_groups, taps, 2, size)
    y = off[:, :, :, 0] + gk.from_numpy(base_y.astype(npdt))   # (N, G, K, L)
    x = off[:, :, :, 1] + gk.from_numpy(base_x.astype(npdt))
    with np.errstate(invalid="ignore"):
        y0 = np.floor(y.detach().numpy())
        x0 = np.floor(x.detach().numpy())
    ly = y - gk.from_numpy(y0)
    lx = x - gk.from_numpy(x0)
    hy, hx = 1 - ly, 1 - lx
    # a non-finite coordinate samples nothing (its bilinear weights stay NaN, as the kernel's)
    bound = max(height, width) + 2
    y0 = np.nan_to_num(y0, nan=-bound, posinf=bound, neginf=-bound).clip(-bound, bound)
    x0 = np.nan_to_num(x0, nan=-bound, posinf=bound, neginf=-bound).clip(-bound, bound)
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    hw = height * width
    idx = []
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        yy, xx = y0 + dy, x0 + dx
        inside = (yy >= 0) & (yy < height) & (xx >= 0) & (xx < width)
        idx.append(np.where(inside, yy * width + xx, hw))  # hw: the zero pixel appended below
    per_group = channels // offset_groups
    index = np.stack(idx, axis=2).reshape(n, offset_groups, 4 * taps * size)
    # pixels as rows of their group's channels, plus the zero pixel: gathering whole rows is
    # far faster than an element-wise gather through an index expanded over the channels
    rows = input.reshape(n, offset_groups, per_group, hw).transpose(2, 3)
    rows = gk.cat([rows, gk.zeros((n, offset_groups, 1, per_group), dtype=input.dtype)], 2)
    bi = gk.from_numpy(np.arange(n).reshape(n, 1, 1))
    gi = gk.from_numpy(np.arange(offset_groups).reshape(1, offset_groups, 1))
    corners = rows[bi, gi, gk.from_numpy(index)]        # (N, G, 4 * K * L, C/G)
    v = corners.reshape(n, offset_groups, 4, taps * size, per_group).unbind(2)
    w = [(a * b).reshape(n, offset_groups, taps * size, 1)
         for a, b in ((hy, hx), (hy, lx), (ly, hx), (ly, lx))]
    val = w[0] * v[0] + w[1] * v[1] + w[2] * v[2] + w[3] * v[3]   # (N, G, K * L, C/G)
    if mask is not None:
        val = mask.reshape(n, offset_groups, taps * size, 1) * val
    # the kernel's columns: row c * K + k, column l
    columns = val.reshape(n, offset_groups, taps, size, per_group).permute(0, 1, 4, 2, 3)
    columns = columns.reshape(n, groups, channels // groups * taps, size)
    kernel = weight.reshape(groups, c_out // groups, channels // groups * taps)
    out = gk.matmul(kernel, columns).reshape(n, c_out, out_h, out_w)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1)
    return out


def deform_conv2d(input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | None = None,
                  stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                  mask: Tensor | None = None) -> Tensor:
    """Deformable convolution (v2 when ``mask`` is given, else v1).

    Args:
        input: ``(N, C_in, H, W)``.
        offset: ``(N, 2 * offset_groups * kH * kW, H_out, W_out)``, the (dy, dx) of every
            kernel tap at every output position.
        weight: ``(C_out, C_in / groups, kH, kW)``; ``groups`` is ``C_in / weight.shape[1]``.
        bias: ``(C_out,)`` or None.
        stride, padding, dilation: int or pair, as for ``conv2d``.
        mask: ``(N, offset_groups * kH * kW, H_out, W_out)`` or None.

    Returns:
        ``(N, C_out, H_out, W_out)``.

    Example:
        >>> x = gk.randn(1, 3, 6, 6)
        >>> offset = gk.zeros(1, 2 * 3 * 3, 4, 4)
        >>> deform_conv2d(x, offset, gk.randn(5, 3, 3, 3)).shape  # zero offsets: a conv2d
        gradkit.Size([1, 5, 4, 4])
    """
    stride, padding, dilation = (tuple(int(v) for v in _pair(a))
                                 for a in (stride, padding, dilation))
    groups, offset_groups, out_h, out_w = _check(input, offset, weight, bias, mask, stride,
                                                 padding, dilation)
    return _deform_conv2d(input, offset, weight, bias, mask, stride, padding, dilation, groups,
                          offset_groups, out_h, out_w)


class DeformConv2d(nn.Module):
    """See :func:`deform_conv2d`; ``forward(input, offset, mask=None)``.

    Shape:
        - input: ``(N, in_channels, H, W)``; offset ``(N, 2 * G * kH * kW, H_out, W_out)``;
          mask ``(N, G * kH * kW, H_out, W_out)`` for any offset group count ``G``.
        - output: ``(N, out_channels, H_out, W_out)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.weight = nn.Parameter(gk.empty(out_channels, in_channels // groups,
                                            self.kernel_size[0], self.kernel_size[1]))
        if bias:
            self.bias = nn.Parameter(gk.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's: ``kaiming_uniform_(weight, a=sqrt(5))`` and the bias from
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor, offset: Tensor, mask: Tensor | None = None) -> Tensor:
        return deform_conv2d(input, offset, self.weight, self.bias, stride=self.stride,
                             padding=self.padding, dilation=self.dilation, mask=mask)

    def __repr__(self) -> str:
        s = (f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
             f"kernel_size={self.kernel_size}, stride={self.stride}")
        s += f", padding={self.padding}" if self.padding != (0, 0) else ""
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        s += f", groups={self.groups}" if self.groups != 1 else ""
        s += ", bias=False" if self.bias is None else ""
        return s + ")"
