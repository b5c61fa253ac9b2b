"""Convolutions: ``conv1d``, ``conv2d``, ``conv3d``, ``conv_transpose1d``,
``conv_transpose2d``, ``conv_transpose3d`` (``torch.nn.functional``).

All run on the rank-generic primitives in :mod:`gradkit.ops.conv` (im2col + one GEMM); the 1-D
forms view their input as ``(N, C, 1, L)``. Gradients of any order are supported.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..._tensor import Tensor, apply, as_tensor_arg
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import lower as _ac_lower
from ...autograd.graph import present
from ...ops import conv as C

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

_IntOr = int | Sequence[int]


def _pair(v, n, name, who):
    if isinstance(v, bool):
        raise TypeError(f"{who}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    if isinstance(v, int):
        return (v,) * n
    try:
        t = tuple(int(a) for a in v)
    except TypeError:
        raise TypeError(f"{who}: {name} must be an int or a tuple of {n} ints, got {v!r}") from None
    if len(t) != n:
        raise ValueError(f"{who}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    return t


def _positive(t, name, who, minimum=1):
    if any(v < minimum for v in t):
        bound = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be {bound}, got {t}")
    return t


def _padding(padding, kernel, dilation, stride, n, who):
    """Normalise ``padding`` to ``(lo, hi)`` per spatial axis."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{who}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride}); use an explicit padding")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(f"{who}: padding must be 'valid', 'same', an int or a tuple of {n} "
                         f"ints, got {padding!r}")
    p = _positive(_pair(padding, n, "padding", who), "padding", who, minimum=0)
    return [(v, v) for v in p]


def check_conv_input(x: Tensor, w: Tensor, n: int, who: str, in_channels: int,
                     transposed: bool = False) -> None:
    """Raise a clear error when ``x`` does not fit a convolution with weight ``w``."""
    spatial = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}[n]
    expect = (f"(N, {in_channels}, {', '.join(spatial)}) or ({in_channels}, "
              f"{', '.join(spatial)})")
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{who} expects input of shape {expect}, got a {x.ndim}-D input of "
                         f"shape {tuple(x.shape)}")
    c = x.shape[1] if x.ndim == n + 2 else x.shape[0]
    if c != in_channels:
        raise ValueError(f"{who} expects input of shape {expect}, got input of shape "
                         f"{tuple(x.shape)} with {c} channels")


def _prepare(input, weight, bias, n, who):
    x = input if isinstance(input, Tensor) else as_tensor_arg(input, name="input")
    w = weight if isinstance(weight, Tensor) else as_tensor_arg(weight, name="weight")
    if w.ndim != n + 2:
        raise ValueError(f"{who}: weight must be {n + 2}-D, got shape {tuple(w.shape)}")
    b = None
    if bias is not None:
        b = bias if isinstance(bias, Tensor) else as_tensor_arg(bias, name="bias")
    if _AUTOCAST[0]:  # autocast("cpu") region: bfloat16 inputs, float32 accumulation
        x, w, b = _ac_lower(x, w, b)
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{who}: input dtype {x.dtype} and {name} dtype {t.dtype} should be "
                            f"the same")
    return x, w, b


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, n, who):
    x, w, b = _prepare(input, weight, bias, n, who)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    c_in = w.shape[1] * groups
    check_conv_input(x, w, n, who, c_in)
    if w.shape[0] % groups:
        raise ValueError(f"{who}: out_channels ({w.shape[0]}) must be divisible by groups "
                         f"({groups})")
    if b is not None and tuple(b.shape) != (w.shape[0],):
        raise ValueError(f"{who}: bias must have shape ({w.shape[0]},), got {tuple(b.shape)}")
    kernel = tuple(w.shape[2:])
    stride = _positive(_pair(stride, n, "stride", who), "stride", who)
    dilation = _positive(_pair(dilation, n, "dilation", who), "dilation", who)
    pads = _padding(padding, kernel, dilation, stride, n, who)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x.unsqueeze(0)
    spatial = tuple(x.shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > p for e, p in zip(eff, padded)):
        raise ValueError(f"{who}: kernel size {kernel} (dilated: {eff}) is larger than the padded "
                         f"input size {padded} (input {spatial} plus padding); use a smaller "
                         f"kernel or more padding")
    if n == 3:
        y = apply(C.CONV3, (x, w, b), (stride, pads[0] + pads[1] + pads[2], dilation, groups))
        return y.squeeze(0) if unbatched else y
    x1, w1 = x, w
    if n == 1:
        x = x.unsqueeze(2)
        w = w.unsqueeze(2)
        stride, dilation = (1,) + stride, (1,) + dilation
        geo_pad = (0, 0) + pads[0]
    else:
        geo_pad = pads[0] + pads[1]
    y = apply(C.CONV, (x, w, b), (stride, geo_pad, dilation, groups))
    if n == 1:  # one node in PyTorch
        y = present(y.squeeze(2), "ConvolutionBackward0", (x1, w1, b))
    return y.squeeze(0) if unbatched else y


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: _IntOr = 1,
           padding: str | _IntOr = 0, dilation: _IntOr = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over an input of several planes.

    .. math:: y[n, o] = b[o] + \\sum_{c} w[o, c] \\star x[n, g(o) \\cdot C/G + c]

    Args:
        input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: step between windows, an int or ``(sH, sW)``.
        padding: zeros added on both sides: an int, ``(pH, pW)``, ``'valid'`` (none) or
            ``'same'`` (output size equals input size; stride 1 only, may be asymmetric).
        dilation: spacing between kernel elements.
        groups: split input and output channels into this many independent groups.

    Returns:
        The output, ``(N, C_out, H_out, W_out)`` with
        ``H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1``.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`

    Note:
        Unlike PyTorch, the output is a strided view whose memory is batch-last
        (``(C_out, H_out, W_out, N)``), so ``is_contiguous()`` is False: that layout lets the
        next convolution and the backward pass skip transposing copies. Values, shapes and
        gradients are the same; call ``.contiguous()`` if you need NCHW memory.

    Examples:
        >>> x = gradkit.randn(2, 3, 8, 8)
        >>> w = gradkit.randn(4, 3, 3, 3)
        >>> conv2d(x, w, padding=1).shape
        gradkit.Size([2, 4, 8, 8])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d()")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: _IntOr = 1,
           padding: str | _IntOr = 0, dilation: _IntOr = 1, groups: int = 1) -> Tensor:
    """1-D convolution over an input of several channels (see :func:`conv2d`).

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation, groups: as in :func:`conv2d`, one value per axis.

    Returns:
        ``(N, C_out, L_out)`` with ``L_out = floor((L + 2p - d (k - 1) - 1) / s) + 1``.

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d()")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                       n, who, output_size=None):
    x, w, b = _prepare(input, weight, bias, n, who)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    check_conv_input(x, w, n, who, w.shape[0], transposed=True)
    if w.shape[0] % groups:
        raise ValueError(f"{who}: in_channels ({w.shape[0]}) must be divisible by groups "
                         f"({groups})")
    c_out = w.shape[1] * groups
    if b is not None and tuple(b.shape) != (c_out,):
        raise ValueError(f"{who}: bias must have shape ({c_out},), got {tuple(b.shape)}")
    kernel = tuple(w.shape[2:])
    stride = _positive(_pair(stride, n, "stride", who), "stride", who)
    dilation = _positive(_pair(dilation, n, "dilation", who), "dilation", who)
    if isinstance(padding, str):
        raise TypeError(f"{who}: padding must be an int or a tuple of ints, got {padding!r}")
    pad = _positive(_pair(padding, n, "padding", who), "padding", who, minimum=0)
    opad = _positive(_pair(output_padding, n, "output_padding", who), "output_padding", who,
                     minimum=0)
    for o, s, d in zip(opad, stride, dilation):
        if o >= s and o >= d:
            raise ValueError(f"{who}: output_padding {opad} must be smaller than either stride "
                             f"{stride} or dilation {dilation}")
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x.unsqueeze(0)
    spatial = tuple(x.shape[2:])
    out = tuple((s - 1) * st - 2 * p + d * (k - 1) + o + 1
                for s, st, p, d, k, o in zip(spatial, stride, pad, dilation, kernel, opad))
    if any(v <= 0 for v in out):
        raise ValueError(f"{who}: the output size {out} computed from input {spatial} is not "
                         f"positive; reduce padding or enlarge the input")
    if n == 3:
        geo = (stride, (pad[0], pad[0], pad[1], pad[1], pad[2], pad[2]), dilation, groups, out)
        y = apply(C.CONV3_T, (x, w, b), geo)
        return y.squeeze(0) if unbatched else y
    if n == 1:
        x = x.unsqueeze(2)
        w = w.unsqueeze(2)
        stride, dilation = (1,) + stride, (1,) + dilation
        geo_pad = (0, 0, pad[0], pad[0])
        out = (1,) + out
    else:
        geo_pad = (pad[0], pad[0], pad[1], pad[1])
    y = apply(C.CONV_T, (x, w, b), (stride, geo_pad, dilation, groups, out))
    if n == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: _IntOr = 1, padding: _IntOr = 0, output_padding: _IntOr = 0,
                     groups: int = 1, dilation: _IntOr = 1) -> Tensor:
    """2-D transposed convolution (the gradient of :func:`conv2d` with respect to its input).

    Args:
        input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: stride of the convolution this transposes.
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides of the input.
        output_padding: extra size added to one side of the output (less than stride or
            dilation); picks among the input sizes the forward convolution maps to one size.
        groups: independent channel groups.
        dilation: spacing between kernel elements.

    Returns:
        ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1``.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2, "conv_transpose2d()")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: _IntOr = 1, padding: _IntOr = 0, output_padding: _IntOr = 0,
                     groups: int = 1, dilation: _IntOr = 1) -> Tensor:
    """1-D transposed convolution (see :func:`conv_transpose2d`).

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`
        - Output: :math:`(N, C_{out}, L_{out})` with
          :math:`L_{out} = (L - 1) s - 2p + d (k - 1) + op + 1`
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1, "conv_transpose1d()")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: _IntOr = 1,
           padding: str | _IntOr = 0, dilation: _IntOr = 1, groups: int = 1) -> Tensor:
    """3-D convolution over an input of several volumes (see :func:`conv2d`).

    Args:
        input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.
        weight: ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation, groups: as in :func:`conv2d`, one value per axis.

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or :math:`(C_{in}, D, H, W)`
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})`, each
          :math:`\\lfloor (n + 2p - d (k - 1) - 1) / s \\rfloor + 1`

    Examples:
        >>> conv3d(gradkit.randn(1, 2, 5, 6, 6), gradkit.randn(4, 2, 3, 3, 3)).shape
        gradkit.Size([1, 4, 3, 4, 4])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d()")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: _IntOr = 1, padding: _IntOr = 0, output_padding: _IntOr = 0,
                     groups: int = 1, dilation: _IntOr = 1) -> Tensor:
    """3-D transposed convolution (see :func:`conv_transpose2d`).

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or :math:`(C_{in}, D, H, W)`
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})`, each
          :math:`(n - 1) s - 2p + d (k - 1) + op + 1`
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 3, "conv_transpose3d()")
