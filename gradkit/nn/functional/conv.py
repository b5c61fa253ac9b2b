"""Convolutions: ``conv1d``, ``conv2d``, ``conv3d``, ``conv_transpose1d``,
``conv_transpose2d``, ``conv_transpose3d`` (``torch.nn.functional``).

All run on the rank-generic primitives in :mod:`gradkit.ops.conv` (im2col + one GEMM); the 1-D
forms view their input as ``(N, C, 1, L)``. Gradients of any order are supported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._dtype import promote_types
from ..._tensor import Size, Tensor, apply
from ..._warnings import warn_once
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import lower as _ac_lower
from ...autograd.graph import present
from ...ops import conv as C

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

_IntOr = int | Sequence[int]

# input dtypes PyTorch's CPU kernels lack: ``slow_conv2d`` has no bool kernel, the transposed
# ``slow_conv_transpose{2,3}d`` no bool, uint8 or int32 one (both raise NotImplementedError)
# input dtypes without a CPU kernel in PyTorch: every convolution, the dilated one
# (slow_conv_dilated: floating and int64 only), the transposed one
_NO_KERNEL = ("bool",)
_NO_KERNEL_DILATED = ("bool", "uint8", "int8", "int16", "int32")
_NO_KERNEL_T = ("bool", "uint8", "int8", "int16", "int32")
_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _dtname(t) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def _ints(v, name, who):
    """PyTorch's binding: an int or a sequence of ints (no bool, no float) -> a tuple."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return (int(v),)
    if isinstance(v, (tuple, list, Size)) and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in v):
        return tuple(int(a) for a in v)
    raise TypeError(f"{who}: argument '{name}' must be an int or a tuple of ints, got "
                    f"{type(v).__name__} {v!r}")


def _expand(t, n, name, who):
    """One value per spatial axis (a single value is repeated), as PyTorch's ``expand_param``."""
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"{who}: expected {name} to be a single integer value or a list of "
                           f"{n} values to match the convolution dimensions, but got "
                           f"{name}={list(t)}")
    return t


def _tensor_args(who, x, w, b):
    """PyTorch's TypeError for a non-Tensor input, weight or bias (a list is not converted)."""
    for pos, name, v in ((1, "input", x), (2, "weight", w), (3, "bias", b)):
        if v is not None and not isinstance(v, Tensor):
            raise TypeError(f"{who}: argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")


def check_conv_input(x: Tensor, w: Tensor, n: int, who: str, in_channels: int,
                     transposed: bool = False) -> None:
    """Raise PyTorch's RuntimeError when ``x`` does not fit a convolution with weight ``w``:
    ``n + 1`` (unbatched) or ``n + 2`` dimensions with ``in_channels`` channels."""
    spatial = _SPATIAL[n]
    expect = (f"(N, {in_channels}, {', '.join(spatial)}) or ({in_channels}, "
              f"{', '.join(spatial)})")
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{who} expects input of shape {expect}, got a {x.ndim}-D input of "
                           f"shape {tuple(x.shape)}")
    c = x.shape[1] if x.ndim == n + 2 else x.shape[0]
    if c != in_channels:
        raise RuntimeError(f"{who} expects input of shape {expect}, got input of shape "
                           f"{tuple(x.shape)} with {c} channels")


def _slow_transposed(x, w, groups, n):
    """Whether PyTorch's CPU runs a 1-D/2-D transposed convolution of ``x`` (batched or not)
    in its slow kernel rather than oneDNN: float64 always; float32 (``use_mkldnn``, taking
    more than one thread, as PyTorch's default) for one group, a batch of one, not both last
    kernel sizes above 3 and at most 20480 input elements."""
    dt = _dtname(x)
    if dt == "float64":
        return True
    if dt != "float32" or groups != 1 or not isinstance(w, Tensor) or w.ndim != n + 2:
        return False
    batch = x.shape[0] if x.ndim == n + 2 else 1
    kh, kw = (1,) + tuple(w.shape[2:]) if n == 1 else tuple(w.shape[2:])
    return batch == 1 and not (kh > 3 and kw > 3) and x.numel() <= 20480


def _conv_checks(who, x, w, b, stride, padding, dilation, groups, output_padding, transposed,
                 n=None, batchify=True):
    """PyTorch's checks of a (transposed) convolution's arguments, in its order and with its
    exception types (TypeError for a bad argument type, NotImplementedError for an input dtype
    with no kernel, RuntimeError for the rest).

    ``n`` is the functional form's spatial rank (``None``: ``torch.convolution``, where the
    weight's rank decides and the input is never unbatched). Returns ``(x, w, b, stride,
    pads, dilation, output_padding, unbatched)`` with ``pads`` as ``(lo, hi)`` per axis and ``x``
    batched.
    """
    _tensor_args(who, x, w, b)
    stride = _ints(stride, "stride", who)
    dilation = _ints(dilation, "dilation", who)
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{who}: argument 'padding' must be tuple of ints, not str")
    else:
        padding = _ints(padding, "padding", who)
    output_padding = _ints(output_padding, "output_padding", who)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, (bool, np.bool_)):
        raise TypeError(f"{who}: argument 'groups' must be int, not {type(groups).__name__}")
    groups = int(groups)
    if _AUTOCAST[0]:  # autocast("cpu") region: bfloat16 inputs, float32 accumulation
        x, w, b = _ac_lower(x, w, b)
    # (of the transposed kernels, only PyTorch's 1-D/2-D slow one takes a bias of another
    # dtype, adding it afterwards: float64 always, float32 where oneDNN is not chosen; its
    # float16, bfloat16, oneDNN and 3-D ones refuse it; an input dtype with no transposed
    # kernel at all is refused first, below)
    if n is not None and b is not None and b.dtype != x.dtype and (
            not transposed or n == 3 or not _slow_transposed(x, w, groups, n)) and not (
            transposed and _dtname(x) in _NO_KERNEL_T):
        raise RuntimeError(f"{who}: Input type ({_dtname(x)}) and bias type ({_dtname(b)}) "
                           f"should be the same; cast the bias with .to(input.dtype)")
    unbatched = False
    if batchify and n is not None:
        if x.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"{who}: Expected {n + 1}D (unbatched) or {n + 2}D (batched) "
                               f"input, but got input of size: {list(x.shape)}")
        unbatched = x.ndim == n + 1
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise RuntimeError(f"{who}: Invalid padding string: {padding!r}; use 'valid', 'same', "
                           f"an int or a tuple of ints")
    if w.ndim < 3:
        raise RuntimeError(f"{who}: weight should have at least three dimensions, got weight "
                           f"of shape {tuple(w.shape)}")
    k = w.ndim - 2
    stride = _expand(stride, k, "stride", who)
    dilation = _expand(dilation, k, "dilation", who)
    output_padding = _expand(output_padding, k, "output_padding", who)
    if padding == "same" and any(s != 1 for s in stride):
        raise RuntimeError(f"{who}: padding='same' is not supported for strided convolutions "
                           f"(stride={stride}); use an explicit padding")
    if isinstance(padding, str):
        kernel = tuple(w.shape[2:])
        pads = [(0, 0)] * k if padding == "valid" else \
            [(d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2)
             for kk, d in zip(kernel, dilation)]
        if any(lo != hi for lo, hi in pads):  # (PyTorch's TORCH_WARN_ONCE)
            warn_once("conv same asymmetric", "Using padding='same' with even kernel lengths "
                      "and odd dilation may require a zero-padded copy of the input be created")
    else:
        pads = [(p, p) for p in _expand(padding, k, "padding", who)]
    if groups <= 0:
        raise RuntimeError(f"{who}: non-positive groups is not supported, got groups={groups}")
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise RuntimeError(f"{who}: negative padding is not supported, got padding={padding}")
    if any(o < 0 for o in output_padding):
        raise RuntimeError(f"{who}: negative output_padding is not supported, got "
                           f"output_padding={output_padding}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{who}: non-positive stride is not supported, got stride={stride}")
    if any(d < 0 for d in dilation):  # (0: refused below, by the kernel, as PyTorch's)
        raise RuntimeError(f"{who}: dilation should be greater than zero, got "
                           f"dilation={dilation}")
    xb = x.unsqueeze(0) if unbatched else x
    if xb.ndim != w.ndim:
        raise RuntimeError(f"{who}: Expected {w.ndim}-dimensional input for {w.ndim}-dimensional "
                           f"weight {list(w.shape)}, but got {x.ndim}-dimensional input of size "
                           f"{list(x.shape)} instead")
    if w.shape[0] < groups:
        raise RuntimeError(f"{who}: Given groups={groups}, expected weight to be at least "
                           f"{groups} at dimension 0, but got weight of size {list(w.shape)}")
    if w.shape[0] % groups:
        raise RuntimeError(f"{who}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {list(w.shape)}")
    c_in = w.shape[0] if transposed else w.shape[1] * groups
    if xb.shape[1] != c_in:
        tr = "transposed=1, " if transposed else f"groups={groups}, "
        raise RuntimeError(f"{who}: Given {tr}weight of size {list(w.shape)}, expected "
                           f"input{list(xb.shape)} to have {c_in} channels, but got "
                           f"{xb.shape[1]} channels instead")
    c_out = w.shape[1] * groups if transposed else w.shape[0]
    if b is not None and (b.ndim != 1 or b.shape[0] != c_out):
        raise RuntimeError(f"{who}: Given {'transposed=1, ' if transposed else ''}weight of size "
                           f"{list(w.shape)}, expected bias to be 1-dimensional with {c_out} "
                           f"elements, but got bias of size {list(b.shape)} instead")
    spatial = tuple(xb.shape[2:])
    kernel = tuple(w.shape[2:])
    if not transposed:
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        eff = tuple(d * (kk - 1) + 1 for kk, d in zip(kernel, dilation))
        if any(e > p for e, p in zip(eff, padded)):
            raise RuntimeError(f"{who}: Calculated padded input size per channel: {padded}. "
                               f"Kernel size: {eff} (dilated). Kernel size can't be greater "
                               f"than actual input size {spatial} plus padding; use a smaller "
                               f"kernel or more padding")
    if xb.shape[0] and xb.shape[1] and 0 in spatial:
        raise RuntimeError(f"{who}: Only zero batch or zero channel inputs are supported, but "
                           f"got input shape: {list(x.shape)}")
    if 0 in kernel or (transposed and w.shape[1] == 0):
        raise RuntimeError(f"{who}: kernel size should be greater than zero and the weight "
                           f"non-empty, but got weight of size {list(w.shape)}")
    if transposed:
        for o, s, d in zip(output_padding, stride, dilation):
            if o >= s and o >= d:
                raise RuntimeError(f"{who}: output padding must be smaller than either stride "
                                   f"or dilation, but got output_padding={output_padding}, "
                                   f"stride={stride}, dilation={dilation}")
        out = tuple((s - 1) * st - lo - hi + d * (kk - 1) + o + 1 for s, st, (lo, hi), d, kk, o
                    in zip(spatial, stride, pads, dilation, kernel, output_padding))
        if any(v <= 0 for v in out):
            raise RuntimeError(f"{who}: Given input size per channel: {spatial}. Calculated "
                               f"output size per channel: {out}. Output size is too small; "
                               f"reduce padding or enlarge the input")
    if 0 in dilation and xb.numel():  # (an empty input runs no kernel: no error, as PyTorch)
        raise RuntimeError(f"{who}: dilation should be greater than zero, got "
                           f"dilation={dilation}")
    if xb.numel() == 0:  # PyTorch's empty path: no kernel runs, the dtypes promote
        dt = promote_types(x.dtype, w.dtype)
        xb, w = xb.to(dt), w.to(dt)
        return xb, w, None if b is None else b.to(dt), stride, pads, dilation, \
            output_padding, unbatched
    dilated = any(d != 1 for d in dilation)
    bad = _NO_KERNEL_T if transposed else _NO_KERNEL_DILATED if dilated else _NO_KERNEL
    if _dtname(x) in bad:
        raise NotImplementedError(f"{who}: not implemented for input dtype {x.dtype}; convert "
                                  f"the input to a floating dtype")
    if w.dtype != x.dtype:
        raise RuntimeError(f"{who}: expected scalar type {x.dtype} but found {w.dtype} (input "
                           f"dtype {x.dtype}, weight dtype {w.dtype}); they must be the same")
    if b is not None and b.dtype != x.dtype:
        # the transposed 1-D/2-D kernels and torch.convolution add the bias in the input's
        # dtype (an integer input cannot take a floating bias); conv_transpose3d needs the same
        if (k == 3 and transposed) or (x.dtype.is_floating_point is False
                                       and b.dtype.is_floating_point):
            raise RuntimeError(f"{who}: expected scalar type {x.dtype} but found bias dtype "
                               f"{b.dtype}; cast the bias with .to(input.dtype)")
        b = b.to(x.dtype)
    return xb, w, b, stride, pads, dilation, output_padding, unbatched


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, n, who, batchify=True):
    x, w, b, stride, pads, dilation, _, unbatched = _conv_checks(
        who, input, weight, bias, stride, padding, dilation, groups, 0, False,
        n if batchify else None, batchify)
    n = w.ndim - 2
    if x.shape[1] == 0:
        # no input channels: PyTorch returns the input's (empty) channels over the output's
        # positions, neither out_channels nor the bias (Conv1d(0, 4, 3) on (2, 0, 5): (2, 0, 3))
        size = tuple((s + lo + hi - d * (kk - 1) - 1) // st + 1 for s, (lo, hi), d, kk, st
                     in zip(x.shape[2:], pads, dilation, w.shape[2:], stride))
        y = x.reshape((x.shape[0], 0) + size) + w.sum() * 0
        y = present(y if b is None else y + b.sum() * 0, "ConvolutionBackward0", (x, w, b))
        return y.squeeze(0) if unbatched else y
    if n == 3:
        onednn = C.onednn_3d(x._data.dtype, x.shape, w.shape, stride, dilation, groups)
        y = apply(C.CONV3, (x, w, b), (stride, pads[0] + pads[1] + pads[2], dilation, groups,
                                       onednn))
        return y.squeeze(0) if unbatched else y
    x1, w1 = x, w
    if n == 1:
        # PyTorch's conv1d output is row-major whatever the input's layout; a (N, L, C) tensor
        # transposed to (N, C, L) would look channels-last once unsqueezed, and its output
        # would keep that layout (a dropout after it then draws its mask in another order)
        x = (x if x.is_contiguous() else x.contiguous()).unsqueeze(2)
        w = (w if w.is_contiguous() else w.contiguous()).unsqueeze(2)
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
                       n, who, output_size=None, batchify=True):
    x, w, b, stride, pads, dilation, opad, unbatched = _conv_checks(
        who, input, weight, bias, stride, padding, dilation, groups, output_padding, True,
        n if batchify else None, batchify)
    n = w.ndim - 2
    pad = tuple(lo for lo, _ in pads)
    kernel = tuple(w.shape[2:])
    spatial = tuple(x.shape[2:])
    out = tuple((s - 1) * st - 2 * p + d * (k - 1) + o + 1
                for s, st, p, d, k, o in zip(spatial, stride, pad, dilation, kernel, opad))
    if n == 3:
        onednn = C.onednn_3d(x._data.dtype, x.shape, w.shape, stride, dilation, groups, opad)
        geo = (stride, (pad[0], pad[0], pad[1], pad[1], pad[2], pad[2]), dilation, groups, out,
               onednn)
        y = apply(C.CONV3_T, (x, w, b), geo)
        return y.squeeze(0) if unbatched else y
    x1, w1 = x, w
    if n == 1:
        x = x.unsqueeze(2)
        w = w.unsqueeze(2)
        stride, dilation = (1,) + stride, (1,) + dilation
        geo_pad = (0, 0, pad[0], pad[0])
        out = (1,) + out
    else:
        geo_pad = (pad[0], pad[0], pad[1], pad[1])
    y = apply(C.CONV_T, (x, w, b), (stride, geo_pad, dilation, groups, out))
    if n == 1:  # one node in PyTorch
        y = present(y.squeeze(2), "ConvolutionBackward0", (x1, w1, b))
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
