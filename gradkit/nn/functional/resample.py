"""Resampling (PyTorch's "vision functions"): ``interpolate`` (and the deprecated ``upsample*``
aliases), ``pad``, ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``, ``unfold``,
``fold``, ``affine_grid`` and ``grid_sample`` (``torch.nn.functional``).

Interpolation is separable: one :data:`gradkit.ops.resample.RESAMPLE` node per spatial axis, each
a gather of one (nearest) or two (linear) taps whose indices and weights follow PyTorch's CPU
kernels (same index rules, weights computed in the input's precision). ``unfold``/``fold`` are
the im2col/col2im kernels of the convolutions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ... import _memory_format as MF
from ... import functions as _F
from ..._backend import namespace_of, to_host
from ..._tensor import Tensor, apply1, as_tensor_arg, wrap
from ..._tensor.tensor import _shape_arg
from ..._warnings import warn
from ...autograd.graph import present
from ...functions._args import _check_fill_value, _const_like, _tensor_attr_arg
from ...ops import resample as RS
from . import _grid_kernel as _GK
from . import _node_names as _NN
from ._resample_sizes import _sizes, check_size_arity
from ._resample_taps import aa_taps, bilinear_lanes, cubic_taps, linear_taps, nearest_taps
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["affine_grid", "channel_shuffle", "fold", "grid_sample", "interpolate",
           "native_channel_shuffle", "pad", "pixel_shuffle", "pixel_unshuffle", "unfold",
           "upsample", "upsample_bilinear", "upsample_nearest"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")
_LINEAR_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_SHAPES = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def _tensor(input, name="input"):
    return input if isinstance(input, Tensor) else as_tensor_arg(input, name=name)


def _laid_out_as_kernel(y, x):
    """``y`` (composed of views, gathers and copies) laid out as PyTorch's kernel writes it: in
    the memory format ``x`` suggests, so a channels-last input gives a channels-last result
    (a dropout after it then draws PyTorch's mask); a no-op for any other input."""
    if y.ndim != x.ndim or x.is_contiguous():  # (the common case; a traced input too)
        return y
    fmt = MF.suggest(x._data)
    if fmt is MF.contiguous_format:
        return y
    return y.contiguous(memory_format=fmt)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize a batch of signals, images or volumes to ``size`` or by ``scale_factor``.

    Output position ``j`` of an axis of length ``n_in`` resized to ``n_out`` reads, with
    ``r = n_in / n_out`` (or ``1 / scale_factor`` when the scale factor is given and not
    recomputed):

    - ``'nearest'``: ``floor(j r)``; ``'nearest-exact'``: ``floor((j + 0.5) r)``;
    - ``'linear'``/``'bilinear'``/``'trilinear'``: the two neighbours of
      ``max(r (j + 0.5) - 0.5, 0)`` (or ``j (n_in - 1) / (n_out - 1)`` with ``align_corners``),
      weighted linearly, one axis after the other;
    - ``'bicubic'``: the four neighbours of ``r (j + 0.5) - 0.5`` (indices clamped to the
      image), weighted by the cubic convolution kernel with ``A = -0.75``, one axis after the
      other (may overshoot the input's range, as in PyTorch);
    - ``'area'``: adaptive average pooling.

    Args:
        input: ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: output spatial size (an int for every axis, or one per axis).
        scale_factor: multiplier of the spatial size (one, or one per axis); the output size is
            ``floor(n_in * scale_factor)``.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D), ``'bilinear'`` (4-D),
            ``'bicubic'`` (4-D), ``'trilinear'`` (5-D) or ``'area'``.
        align_corners: linear modes only: map the corner pixels' centres onto each other.
            Default: False.
        recompute_scale_factor: with ``scale_factor``, compute the sampling ratio from the
            output size instead of the given factor.
        antialias: bilinear and bicubic only: when downsampling, widen the filter by the
            ratio so every input pixel contributes (as PIL and PyTorch do).

    Returns:
        ``(N, C, *size)``.

    Shape:
        - Input: :math:`(N, C, *)` with one, two or three spatial axes
        - Output: :math:`(N, C, *\\text{size})`

    Examples:
        >>> x = gradkit.randn(1, 3, 4, 4)
        >>> interpolate(x, scale_factor=2, mode="bilinear").shape
        gradkit.Size([1, 3, 8, 8])
    """
    return _interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                        antialias, "interpolate()")


@_NN.named(_NN.interpolate_name)
def _interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                 antialias, who):
    x = _tensor(input)
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(f"{who}: align_corners option can only be set with the "
                         f"interpolating modes: linear | bilinear | bicubic | trilinear "
                         f"(got mode={mode!r})")
    # PyTorch's order: align_corners, the sizes' arity, then the mode and the rank
    check_size_arity(x, size, scale_factor, recompute_scale_factor, who)
    if mode not in _MODES:
        # (PyTorch's interpolate ends in NotImplementedError for a mode it does not know)
        raise NotImplementedError(f"{who}: mode must be one of "
                                  f"{', '.join(repr(m) for m in _MODES)}, got {mode!r}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(f"{who}: align_corners option can only be set with the "
                             f"interpolating modes: linear | bilinear | bicubic | trilinear "
                             f"(got mode={mode!r})")
    elif align_corners is None:
        align_corners = False
    if x.ndim not in (3, 4, 5):  # ("Input Error: Only 3D, 4D and 5D input Tensors supported")
        raise NotImplementedError(f"{who} expects a 3-D {_SHAPES[3]}, 4-D {_SHAPES[4]} or 5-D "
                                  f"{_SHAPES[5]} input, got a {x.ndim}-D input of shape "
                                  f"{tuple(x.shape)}")
    if antialias and not (mode in ("bilinear", "bicubic") and x.ndim == 4):
        raise ValueError(f"{who}: anti-alias option is restricted to bilinear and bicubic modes "
                         f"and requires a 4-D input (N, C, H, W), got mode={mode!r} and input "
                         f"of shape {tuple(x.shape)}")
    rank = _LINEAR_RANK.get(mode)
    if rank is not None and x.ndim != rank:
        raise NotImplementedError(f"{who}: mode {mode!r} needs a {rank}-D input "
                                  f"{_SHAPES[rank]}, got a {x.ndim}-D input of shape "
                                  f"{tuple(x.shape)}")
    dim = x.ndim - 2
    if mode == "area" and scale_factor is not None:
        recompute_scale_factor = True
    out, scales = _sizes(x, size, scale_factor, recompute_scale_factor, dim, who,
                         area=mode == "area")
    if x._data.dtype == np.uint8 and mode in ("bilinear", "bicubic"):  # (PyTorch's own kernel)
        from ._resample_uint8 import interpolate_uint8

        res = interpolate_uint8(to_host(x._data), out, scales, mode, align_corners, antialias)
        return wrap(_const_like(x, res))
    if mode != "area" and x.dtype.kind != "f" and not (
            x._data.dtype == np.uint8 and mode in ("nearest", "nearest-exact")):
        # (after the sizes, as PyTorch's kernels; area's pooling checks its own)
        raise NotImplementedError(f"{who}: not implemented for {x.dtype}: expects a "
                                  f"floating-point input (or uint8 for the nearest, bilinear and "
                                  f"bicubic modes, e.g. "
                                  f"an image or a label mask); convert it with .float()")
    if mode == "area":
        if dim == 1:
            return adaptive_avg_pool1d(x, out[0])
        if dim == 2:
            return adaptive_avg_pool2d(x, tuple(out))
        return adaptive_avg_pool3d(x, tuple(out))
    dtype = x._data.dtype if x.dtype.kind == "f" else np.dtype(np.float32)  # (uint8)
    if mode == "bilinear" and not antialias:
        scale = (None, None) if scales is None else scales
        taps = [(n, *linear_taps(n, o, s, align_corners, dtype))
                for n, o, s in zip(x.shape[2:], out, scale)]
        return _laid_out_as_kernel(apply1(RS.BILINEAR, x, (*taps, bilinear_lanes(x, out))), x)
    y = x
    # (PyTorch's generic kernels interpolate the innermost axis first)
    for k in reversed(range(dim)) if mode in ("linear", "trilinear") and not antialias \
            else range(dim):
        n_in, n_out = x.shape[2 + k], out[k]
        scale = None if scales is None else scales[k]
        if mode in ("nearest", "nearest-exact"):
            idx = nearest_taps(n_in, n_out, scale, mode == "nearest-exact", dtype)
            if n_in == n_out and bool((idx == np.arange(n_in)).all()):
                continue
            taps = ((idx,), None)
        elif antialias:
            if n_in == n_out:  # PyTorch's separable antialiased kernel skips such an axis
                continue
            taps = aa_taps(n_in, n_out, scale, align_corners, mode == "bicubic", dtype)
        elif mode == "bicubic":
            taps = cubic_taps(n_in, n_out, scale, align_corners, dtype)
        else:
            taps = linear_taps(n_in, n_out, scale, align_corners, dtype) + (True,)
        y = apply1(RS.RESAMPLE, y, (2 + k, n_in) + taps)
    if y is x:  # PyTorch returns a new tensor even when no axis changes size
        y = x * 1 if x._data.dtype.kind == "f" else wrap(x._data.copy())
    return _laid_out_as_kernel(y, x)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (kept, as in PyTorch)."""
    warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``."""
    warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` "
         "instead.")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)``."""
    warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` "
         "instead.")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- pixel shuffle
def _factor(v, name, who):
    """PyTorch's checks of a shuffle's factor: an int (TypeError), positive (RuntimeError)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{who}: argument '{name}' (position 2) must be int, not "
                        f"{type(v).__name__}")
    if v <= 0:
        raise RuntimeError(f"{who}: {name} must be positive, but got {v}")
    return int(v)


def _strict_tensor(input, who, name="input"):
    """PyTorch's TypeError for a non-Tensor argument (a list is not converted)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: argument '{name}' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel convolution).

    ``out[..., c, h r + i, w r + j] = in[..., c r^2 + i r + j, h, w]``.

    Args:
        input: at least 3-D, ``(*, C r^2, H, W)``.
        upscale_factor: ``r``.

    Shape:
        - Input: :math:`(*, C r^2, H, W)`
        - Output: :math:`(*, C, H r, W r)`
    """
    return _pixel_shuffle(input, upscale_factor, "pixel_shuffle()")


@_NN.named("PixelShuffleBackward0")
def _pixel_shuffle(input, upscale_factor, who):
    x = _strict_tensor(input, who)
    r = _factor(upscale_factor, "upscale_factor", who)
    if x.ndim < 3:
        raise RuntimeError(f"{who} expects an input of shape (*, C * {r}^2, H, W) (at least 3-D), "
                         f"got shape {tuple(x.shape)}")
    *b, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"{who} expects an input of shape (*, C * {r}^2, H, W): the channel "
                         f"size {c} of input shape {tuple(x.shape)} is not divisible by "
                         f"upscale_factor^2 = {r * r}")
    k = len(b)
    y = x.reshape(tuple(b) + (c // (r * r), r, r, h, w))
    y = y.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return _laid_out_as_kernel(y.reshape(tuple(b) + (c // (r * r), h * r, w * r)), x)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)`` (the inverse of
    :func:`pixel_shuffle`).

    Shape:
        - Input: :math:`(*, C, H r, W r)`
        - Output: :math:`(*, C r^2, H, W)`
    """
    return _pixel_unshuffle(input, downscale_factor, "pixel_unshuffle()")


@_NN.named("PixelUnshuffleBackward0")
def _pixel_unshuffle(input, downscale_factor, who):
    x = _strict_tensor(input, who)
    r = _factor(downscale_factor, "downscale_factor", who)
    if x.ndim < 3:
        raise RuntimeError(f"{who} expects an input of shape (*, C, H * {r}, W * {r}) (at least "
                         f"3-D), got shape {tuple(x.shape)}")
    *b, c, h, w = x.shape
    if h % r or w % r:
        raise RuntimeError(f"{who} expects an input of shape (*, C, H * {r}, W * {r}): the "
                         f"height and width of input shape {tuple(x.shape)} must be divisible "
                         f"by downscale_factor {r}")
    if x.numel() == 0:  # PyTorch returns an empty input as it is
        return x
    k = len(b)
    y = x.reshape(tuple(b) + (c, h // r, r, w // r, r))
    y = y.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return _laid_out_as_kernel(y.reshape(tuple(b) + (c * r * r, h // r, w // r)), x)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` groups (ShuffleNet): ``(N, g * k, *)`` viewed as
    ``(N, g, k, *)``, transposed to ``(N, k, g, *)`` and flattened back.

    Shape:
        - Input: :math:`(N, C, *)` with ``C`` divisible by ``groups``
        - Output: same as the input
    """
    return _channel_shuffle(input, groups, "channel_shuffle()")


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """:func:`channel_shuffle` (PyTorch's non-composite spelling)."""
    return _channel_shuffle(input, groups, "native_channel_shuffle()")


def _channel_shuffle(input, groups, who):
    x = _strict_tensor(input, who)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{who}: argument 'groups' (position 2) must be int, not "
                        f"{type(groups).__name__}")
    if x.ndim < 3:
        raise RuntimeError(f"{who} expects an input of shape (N, C, *) with at least 3 "
                           f"dimensions, got shape {tuple(x.shape)}")
    g = _factor(groups, "groups", who)
    n, c, *rest = x.shape
    if c % g:
        raise RuntimeError(f"{who} expects the number of channels to be divisible by groups "
                         f"({g}), got input of shape {tuple(x.shape)} with {c} channels")
    y = x.reshape((n, g, c // g) + tuple(rest)).transpose(1, 2)
    return _laid_out_as_kernel(y.reshape(tuple(x.shape)), x)


# ----------------------------------------------------------------------------- unfold / fold
def _pair(v, name, who, minimum):
    if isinstance(v, bool):
        raise TypeError(f"{who}: {name} must be an int or a tuple of 2 ints, got {v!r}")
    if isinstance(v, (int, np.integer)):
        t = (int(v), int(v))
    else:
        try:
            t = tuple(int(a) for a in v)
        except TypeError:
            raise TypeError(f"{who}: {name} must be an int or a tuple of 2 ints, got "
                            f"{v!r}") from None
        if len(t) != 2:  # (PyTorch's im2col/col2im: RuntimeError)
            raise RuntimeError(f"{who}: It is expected {name} equals to 2, but got size "
                               f"{len(t)}: pass an int or a tuple of 2 ints, got {v!r}")
    return t


def _at_least(t, name, who, minimum):
    if any(a < minimum for a in t):  # (PyTorch's im2col/col2im checks: RuntimeError)
        bound = "positive" if minimum == 1 else "non-negative"
        raise RuntimeError(f"{who}: {name} must be {bound}, got {t}")


def _geometry(kernel_size, dilation, padding, stride, who, output_size=None):
    """The four (five with fold's output_size) pairs in PyTorch's order: every length first,
    then the bounds."""
    hw = _pair(output_size, "output_size", who, 1) if output_size is not None else None
    k = _pair(kernel_size, "kernel_size", who, 1)
    d = _pair(dilation, "dilation", who, 1)
    p = _pair(padding, "padding", who, 0)
    s = _pair(stride, "stride", who, 1)
    for t, name, lo in ((hw, "output_size", 1), (k, "kernel_size", 1), (s, "stride", 1),
                        (d, "dilation", 1), (p, "padding", 0)):
        if t is not None:
            _at_least(t, name, who, lo)
    return (k, d, p, s) if hw is None else (hw, k, d, p, s)


def _blocks(hw, k, d, p, s):
    return tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                 for n, kk, dd, pp, ss in zip(hw, k, d, p, s))


def unfold(input: Tensor, kernel_size: int | Sequence[int], dilation: int | Sequence[int] = 1,
           padding: int | Sequence[int] = 0, stride: int | Sequence[int] = 1) -> Tensor:
    """Extract sliding local blocks (im2col): ``(N, C, H, W) -> (N, C kh kw, L)``.

    Column ``l`` holds the block at output position ``l`` (row-major over the
    ``L = H_out W_out`` positions); rows are ordered ``(c, i, j)``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: block size.
        dilation: spacing between block elements.
        padding: zeros added on both sides of each spatial axis.
        stride: step between blocks.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C k_h k_w, L)` or :math:`(C k_h k_w, L)`
    """
    return _unfold(input, kernel_size, dilation, padding, stride, "unfold()")


@_NN.named("Im2ColBackward0")
def _unfold(input, kernel_size, dilation, padding, stride, who):
    x = _tensor(input)
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride, who)
    if x.ndim not in (3, 4):  # (PyTorch reads a dimension a small input lacks: IndexError)
        raise (IndexError if x.ndim < 3 else RuntimeError)(
            f"{who} expects an input of shape (N, C, H, W) or (C, H, W), got a {x.ndim}-D "
            f"input of shape {tuple(x.shape)}")
    if 0 in tuple(x.shape)[x.ndim - 3:]:  # (only the batch may be empty)
        raise RuntimeError(f"{who}: Expected 3D or 4D (batch mode) tensor with possibly 0 batch "
                           f"size and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    out_hw = _blocks(x.shape[2:], k, d, p, s)
    if any(o <= 0 for o in out_hw):
        raise RuntimeError(f"{who}: the padded input of shape {tuple(x.shape)} (padding {p}) is "
                         f"smaller than the dilated kernel {k} (dilation {d}): no block fits; "
                         f"got {out_hw} blocks")
    params = (tuple(x.shape), k, out_hw, s, (p[0], p[0], p[1], p[1]), d)
    y = apply1(RS.UNFOLD, x, params).contiguous()  # PyTorch's layout
    return y.squeeze(0) if unbatched else y


def fold(input: Tensor, output_size: int | Sequence[int], kernel_size: int | Sequence[int],
         dilation: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
         stride: int | Sequence[int] = 1) -> Tensor:
    """Sum sliding local blocks into a tensor (col2im), the adjoint of :func:`unfold`:
    ``(N, C kh kw, L) -> (N, C, *output_size)``; overlapping values add up.

    Args:
        input: ``(N, C kh kw, L)`` or ``(C kh kw, L)``, ``L`` the number of blocks that fit
            ``output_size``.
        output_size: ``(H, W)`` of the result (an int for both).
        kernel_size, dilation, padding, stride: as in :func:`unfold`.

    Shape:
        - Input: :math:`(N, C k_h k_w, L)` or :math:`(C k_h k_w, L)`
        - Output: :math:`(N, C, H, W)` or :math:`(C, H, W)`
    """
    return _fold(input, output_size, kernel_size, dilation, padding, stride, "fold()")


@_NN.named("Col2ImBackward0")
def _fold(input, output_size, kernel_size, dilation, padding, stride, who):
    x = _tensor(input)
    hw, k, d, p, s = _geometry(kernel_size, dilation, padding, stride, who, output_size)
    if x.ndim not in (2, 3) or 0 in tuple(x.shape)[x.ndim - 2:]:  # (only N may be 0)
        raise RuntimeError(f"{who} expects an input of shape (N, C * kh * kw, L) or "
                           f"(C * kh * kw, L) with non-zero sizes but N, got input of shape "
                           f"{tuple(x.shape)}")
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    ck = x.shape[1]
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"{who} expects an input of shape (N, C * {k[0]} * {k[1]}, L): size "
                         f"{ck} of dimension 1 of input shape {tuple(input.shape)} is not "
                         f"divisible by the kernel size product {k[0] * k[1]}")
    out_hw = _blocks(hw, k, d, p, s)
    if any(o <= 0 for o in out_hw) or x.shape[2] != out_hw[0] * out_hw[1]:
        raise RuntimeError(f"{who}: given output_size={hw}, kernel_size={k}, dilation={d}, "
                         f"padding={p}, stride={s}, expected an input of shape "
                         f"(N, {ck}, {out_hw[0]} * {out_hw[1]} = {out_hw[0] * out_hw[1]}) (the "
                         f"number of sliding blocks), got input of shape {tuple(input.shape)}")
    x_shape = (x.shape[0], ck // (k[0] * k[1])) + hw
    params = (x_shape, k, out_hw, s, (p[0], p[0], p[1], p[1]), d)
    y = apply1(RS.FOLD, x, params)
    return y.squeeze(0) if unbatched else y


# ----------------------------------------------------------------------------- affine_grid
_DEFAULT_ALIGN = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _base_coords(n, align_corners, dtype):
    if n <= 1:
        return np.zeros(max(n, 1), dtype=dtype)
    if np.dtype(dtype).kind in "iu":
        return _int_base_coords(n, align_corners, np.dtype(dtype))
    r = np.linspace(-1, 1, n, dtype=np.float64)
    if not align_corners:
        r = r * (n - 1) / n
    return r.astype(dtype)


def _int_base_coords(n, align_corners, dtype):
    """PyTorch's ``linspace(-1, 1, n)`` in an integer dtype (start ``-1`` cast to the dtype, a
    float64 step, the first half counted from the start and the rest from the end, each value
    truncated), then without ``align_corners`` times ``n - 1`` in the dtype (wrapping) and
    true-divided by ``n`` in float32, truncated back: ``affine_grid_generator``'s base grid of
    an integer theta."""
    start = float(np.array(-1, dtype=np.int64).astype(dtype))
    step = (1.0 - start) / (n - 1)
    i = np.arange(n)
    r = np.trunc(np.where(i < n // 2, start + step * i, 1.0 - step * (n - i - 1)))
    r = r.astype(np.int64).astype(dtype)
    if not align_corners:
        r = (r.astype(np.int64) * (n - 1)).astype(dtype)
        r = np.trunc(r.astype(np.float32) / np.float32(n)).astype(np.int64).astype(dtype)
    return r


def _affine_grid(t, size, align_corners):
    """The grid of a checked theta ``(N, nd, nd + 1)`` for ``size``, in theta's dtype."""
    nd = len(size) - 2
    n, sp = size[0], size[2:]
    dt = t._data.dtype
    base = np.empty(sp + (nd + 1,), dtype=dt)
    for k in range(nd):  # component k (x, y, z) runs along spatial axis nd - 1 - k
        axis = nd - 1 - k
        shape = [1] * nd
        shape[axis] = sp[axis]
        base[..., k] = _base_coords(sp[axis], bool(align_corners), dt).reshape(shape)
    base[..., nd] = 1
    base = namespace_of(t._data).asarray(base.reshape(1, -1, nd + 1))
    grid = wrap(base) @ t.transpose(1, 2)  # (N, prod(sp), nd)
    return present(grid.reshape(n, *sp, nd), "AffineGridGeneratorBackward0", (t,))


@_NN.named("AffineGridGeneratorBackward0")
def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of 2-D affine transforms, for :func:`grid_sample`.

    ``grid[n, h, w] = theta[n] @ (x_w, y_h, 1)`` where ``x``/``y`` run over ``[-1, 1]`` (pixel
    centres when ``align_corners`` is False, corner pixels' centres when True).

    Args:
        theta: ``(N, 2, 3)`` affine matrices (``(N, 3, 4)`` for a 5-D size).
        size: the target ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: as in :func:`grid_sample`. Default: False.

    Returns:
        ``(N, H, W, 2)`` ``(x, y)`` coordinates (``(N, D, H, W, 3)``, ``(x, y, z)``).
    """
    who = "affine_grid()"
    if align_corners is None:  # (PyTorch warns first, before any check)
        warn(_DEFAULT_ALIGN)
    t = _tensor_attr_arg(theta, "affine_grid", "theta")
    if not t.is_floating_point():  # (bfloat16 is one; PyTorch's error is a ValueError)
        raise ValueError(f"{who}: expected theta to have a floating point dtype, got {t.dtype}")
    size = tuple(int(v) for v in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"{who}: affine_grid only supports 4D and 5D sizes, for 2D "
                                  f"and 3D affine transforms, respectively. Got size {size}.")
    nd = len(size) - 2
    if t.ndim != 3 or tuple(t.shape[1:]) != (nd, nd + 1):
        raise ValueError(f"{who}: Expected a batch of {nd}D affine matrices of shape "
                         f"Nx{nd}x{nd + 1} for size {size}. Got {tuple(t.shape)}.")
    if align_corners and min(size[2:]) == 1:  # (and then, as PyTorch's, no size check)
        warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
             "align_corners=True. This is not an intended use case of affine_grid. See the "
             "documentation of affine_grid for details.")
    elif min(size) <= 0:
        raise ValueError(f"{who}: expected a positive output size, got {size}")
    if t.shape[0] != size[0]:  # (PyTorch's kernel, after its Python checks: RuntimeError)
        raise RuntimeError(f"{who}: Expected {size[0]} affine matrices (the size's batch) but "
                           f"got theta of shape {tuple(t.shape)}")
    return _affine_grid(t, size, align_corners)


# ----------------------------------------------------------------------------- grid_sample
def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    """PyTorch's ``reflect_coordinates`` (differentiable: the fold count is a constant)."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    a = _F.abs(coord - low)
    flips = np.floor(a._data / span)
    # a mod span exactly (fmod, as PyTorch; a - flips * span loses every digit for a huge a),
    # with the gradient of a
    extra = wrap(np.fmod(a._data, span).astype(a._data.dtype)) + (a - a.detach())
    return _F.where(wrap((flips % 2) == 0), extra + low, (extra * -1) + (span + low))


def _clip(c, size):
    """PyTorch's ``clip_coordinates``: ``c`` clamped to ``[0, size - 1]`` (a NaN becomes
    ``size - 1``, as its ``min(size - 1, max(c, 0))``), its gradient zero on and beyond either
    bound."""
    d = c._data
    dev = namespace_of(d)
    with np.errstate(invalid="ignore"):
        inside = (d > 0) & (d < size - 1)
    if inside.all():
        return c
    clipped = dev.where(dev.isnan(d), size - 1, dev.clip(d, 0, size - 1)).astype(d.dtype)
    if bool(dev.isfinite(d).all()):
        # PyTorch multiplies the coordinate's gradient by 0 or 1 (an inf or NaN gradient of a
        # clipped coordinate stays NaN): c * inside + (clipped - c * inside), exact
        m = inside.astype(d.dtype)
        return c * wrap(m) + wrap(clipped - d * m)
    return _F.where(wrap(dev.asarray(inside)), c, wrap(clipped))


def _source_coord(coord, size, padding_mode, align_corners):
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        c = _clip(c, size)
    elif padding_mode == "reflection":
        if align_corners:
            c = _reflect(c, 0, 2 * (size - 1))
        else:
            c = _reflect(c, -1, 2 * size - 1)
        c = _clip(c, size)
    return c


def _floor_host(coord):
    """``floor`` of a coordinate Tensor on the host, in float64 (a huge coordinate has no int64;
    NaN and inf: far outside the input)."""
    c = to_host(coord._data)
    return np.floor(np.where(np.isfinite(c), c, -4.0)).astype(np.float64)


def _bicubic_tap(i, size, padding_mode, align_corners):
    """The integer tap positions ``i`` of bicubic sampling, padded as PyTorch's
    ``get_value_bounded``: unchanged ('zeros': outside reads 0), clamped ('border'), or
    reflected about the edges then clamped ('reflection')."""
    if padding_mode == "zeros":  # (float positions: any outside stays outside)
        return np.clip(i, -2, size + 1).astype(np.int64)
    c = i.astype(np.float64)
    if padding_mode == "reflection":
        lo, hi = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if lo == hi:
            c = np.zeros_like(c)
        else:
            mn, span = lo / 2, (hi - lo) / 2
            c = np.abs(c - mn)
            extra, flips = np.fmod(c, span), np.floor(c / span)
            c = np.where(flips % 2 == 0, extra + mn, span - extra + mn)
    return np.clip(c, 0, size - 1).astype(np.int64)


def _cubic_weights(t, a=-0.75):
    """The four weights of PyTorch's cubic convolution (A = -0.75) at fraction ``t``."""
    def near(d):  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _grid_out_empty(x, g):
    """Whether ``grid_sampler``'s output ``(N, C, *grid.shape[1:-1])`` has no elements."""
    return x.shape[0] * x.shape[1] * int(np.prod(g.shape[1:-1])) == 0


def _grid_checks(x, g, who):
    """ATen's checks of ``grid_sampler``, in its order: the batch sizes, the grid's last size,
    non-empty spatial input axes, 4-D input and grid (RuntimeError; IndexError for a 0-D one),
    a floating input (NotImplementedError), a grid of the input's dtype (RuntimeError)."""
    _strict_tensor(x, who)
    _strict_tensor(g, who, "grid")
    if x.ndim == 0 or g.ndim == 0:
        raise IndexError(f"{who}: Dimension specified as 0 but tensor has no dimensions (input "
                         f"of shape {tuple(x.shape)}, grid of shape {tuple(g.shape)})")
    if x.shape[0] != g.shape[0]:
        raise RuntimeError(f"{who}: expected grid and input to have same batch size, but got "
                           f"input with sizes {list(x.shape)} and grid with sizes "
                           f"{list(g.shape)}")
    if g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"{who}: expected grid to have size {x.ndim - 2} in last dimension, "
                           f"but got grid with sizes {list(g.shape)}")
    for i in range(2, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"{who}: expected input to have non-empty spatial dimensions, "
                               f"but input has sizes {list(x.shape)} with dimension {i} being "
                               f"empty")
    if x.ndim not in (4, 5) or g.ndim != x.ndim:
        raise RuntimeError(f"{who}: expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(x.shape)} and grid with "
                           f"sizes {list(g.shape)}")
    if _grid_out_empty(x, g):  # ATen's kernel checks the dtypes; it does not run on no output
        return
    if not x.is_floating_point():
        raise NotImplementedError(f'{who}: "grid_sampler_2d_cpu_kernel_impl" not implemented '
                                  f"for {x.dtype}; convert the input with .float()")
    if g.dtype != x.dtype:
        raise RuntimeError(f"{who}: expected scalar type {x.dtype} but found {g.dtype} (the "
                           f"grid must have the input's dtype)")


@_NN.named(_NN.grid_name)
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` at the ``(x, y)`` locations of ``grid`` (spatial transformer networks).

    ``grid[n, h, w] = (x, y)`` in ``[-1, 1]`` addresses ``input[n]``: ``-1`` is the left/top
    edge (the centre of the first pixel with ``align_corners``), ``+1`` the right/bottom one.

    Args:
        input: ``(N, C, H_in, W_in)``.
        grid: ``(N, H_out, W_out, 2)``, the input's dtype.
        mode: ``'bilinear'``, ``'nearest'`` (round half to even) or ``'bicubic'`` (PyTorch's
            cubic convolution, A = -0.75, over 4x4 taps, each padded as ``padding_mode``).
        padding_mode: outside locations read ``'zeros'``, the ``'border'`` pixels, or the
            image ``'reflection'``.
        align_corners: see above. Default: False.

    Returns:
        ``(N, C, H_out, W_out)``. Differentiable in ``input`` and (bilinear, bicubic) ``grid``.

    Note:
        A 5-D input ``(N, C, D, H, W)`` takes a grid ``(N, D_out, H_out, W_out, 3)`` of
        ``(x, y, z)``: trilinear ('bilinear') or nearest sampling, as PyTorch.
    """
    who = "grid_sample()"
    x, g = input, grid
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"{who}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{who}: expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: {padding_mode!r}")
    if align_corners is None:  # (after the mode checks, before the kernel's, as PyTorch)
        warn(_DEFAULT_ALIGN)
    for i, (name, v) in enumerate((("input", x), ("grid", g))):  # (then PyTorch's binding)
        if isinstance(v, (list, tuple, int, float)):
            raise TypeError(f"grid_sampler(): argument '{name}' (position {i + 1}) must be "
                            f"Tensor, not {type(v).__name__}; make one with gradkit.tensor(...)")
    _grid_checks(x, g, who)
    if mode == "bicubic" and x.ndim == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if _grid_out_empty(x, g) and (not x.is_floating_point() or g.dtype != x.dtype):
        # no output: PyTorch runs no kernel, so neither dtype is checked
        if not x.is_floating_point():
            from ...factories import zeros

            return zeros((x.shape[0], x.shape[1], *g.shape[1:-1]), dtype=x.dtype)
        g = g.to(x.dtype)
    n, c = x.shape[:2]
    sizes = tuple(x.shape[2:])  # (H, W) or (D, H, W); grid[..., k] addresses sizes[-1 - k]
    nd = len(sizes)
    out_sp = tuple(g.shape[1:-1])
    ac = bool(align_corners)
    if mode == "bicubic":  # the padding applies to each of the 4x4 taps, not to the point
        coords = [_unnormalize(g[..., nd - 1 - a], sizes[a], ac) for a in range(nd)]
    else:
        coords = [_source_coord(g[..., nd - 1 - a], sizes[a], padding_mode, ac)
                  for a in range(nd)]  # one (N, *out) Tensor per input axis, in axis order
    total = int(np.prod(sizes))
    rows = x.permute(0, *range(2, 2 + nd), 1).reshape(n * total, c)
    base = (np.arange(n) * total).reshape((n,) + (1,) * nd)
    strides = [int(np.prod(sizes[a + 1:])) for a in range(nd)]
    dev = namespace_of(x._data)

    def const(a):  # a host array as a constant Tensor on the input's device
        return wrap(dev.asarray(a))

    def pick(idx):
        """Rows of ``rows`` at integer positions ``idx`` (one array per axis, clamped) and the
        in-bounds mask."""
        ok = np.ones(idx[0].shape, dtype=bool)
        lin = base
        for i, size, stride in zip(idx, sizes, strides):
            ok &= (i >= 0) & (i < size)
            lin = lin + np.clip(i, 0, size - 1) * stride
        v = apply1(RS.RESAMPLE, rows, (0, n * total, (lin.reshape(-1),), None))
        return v, ok.reshape(-1, 1)

    dt = x._data.dtype
    zero = const(np.zeros((), dt))
    if mode == "nearest":
        v, ok = pick(_GK.nearest_index(coords, g, sizes, padding_mode, ac))
        # an out-of-bounds (or NaN) position contributes nothing, as PyTorch's kernel
        out = _F.where(const(ok), v, zero) if not ok.all() else v
        if g.requires_grad:  # the grid is an input of PyTorch's node: its gradient is zeros
            out = _F.where(const(np.zeros((1, 1), dtype=bool)), g[..., 0].reshape(-1, 1), out)
    else:
        bicubic = mode == "bicubic"
        with np.errstate(invalid="ignore"):  # an inf/NaN coordinate: any index, masked below
            lows = [_floor_host(cd) if bicubic else np.floor(to_host(cd._data)).astype(np.int64)
                    for cd in coords]
        fracs = [(cd - const(lo.astype(dt))).reshape(-1, 1) for cd, lo in zip(coords, lows)]
        # per axis: (tap offset, weight) pairs, 4 cubic taps or 2 linear ones
        taps = [list(zip((-1, 0, 1, 2), _cubic_weights(f))) if bicubic else
                [(0, 1 - f), (1, f)] for f in fracs]
        out = None
        for combo in itertools.product(*taps):
            idx = [lo + off for lo, (off, _) in zip(lows, combo)]
            if bicubic:
                idx = [_bicubic_tap(i, size, padding_mode, ac) for i, size in zip(idx, sizes)]
            v, ok = pick(idx)
            if not ok.all():  # PyTorch's 2-D kernels: an out-of-bounds corner reads 0 (times
                # its weight: an inf coordinate's NaN weight gives NaN) and gets no gradient
                v = _F.where(const(ok), v, zero)
            # its 3-D kernel skips such a corner altogether (no NaN from its weight, value or
            # gradient): each factor is masked
            skip = nd == 3 and not ok.all()
            weight = None
            for _, wgt in combo:
                if skip:
                    wgt = _F.where(const(ok), wgt, zero)
                weight = wgt if weight is None else weight * wgt
            term = v * weight
            out = term if out is None else out + term
        if nd == 2 and not bicubic and dt == np.float32:  # ATen's FMAs (_grid_kernel)
            out = _GK.bilinear_exact(out, x, g, padding_mode, ac)
    out = out.reshape(n, *out_sp, c).permute(0, nd + 1, *range(1, nd + 1))
    return present(out, f"GridSampler{nd}DBackward0", (x, g))


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@_NN.named(_NN.pad_name)
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions: ``pad = (left, right, top, bottom, ...)``,
    starting from the last dimension.

    Args:
        input: the tensor (for the non-constant modes, the ``k`` padded dimensions plus one or
            two leading ones: ``(C, *)`` or ``(N, C, *)``).
        pad: pairs of (before, after) amounts, last dimension first. Negative amounts crop:
            ``'constant'`` and ``'circular'`` crop first, ``'reflect'`` and ``'replicate'``
            pad about the input's own edges, then crop (as PyTorch).
        mode: ``'constant'``, ``'reflect'`` (each amount below the size), ``'replicate'`` or
            ``'circular'`` (each amount at most the size: it wraps around once).
        value: fill value for ``'constant'`` (default 0).

    Examples:
        >>> F.pad(gradkit.ones(2, 3), (1, 1)).shape
        gradkit.Size([2, 5])
    """
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    if not isinstance(pad, (tuple, list)):  # (a Tensor too: PyTorch's pad is an int list)
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type(pad).__name__}; pass e.g. (1, 1)")
    pad = list(_shape_arg((pad,), "pad"))  # (a float amount: TypeError, as PyTorch)
    if isinstance(value, (complex, np.complexfloating)):  # (PyTorch's ``float? value``)
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not "
                        f"{type(value).__name__}; pass a real value")
    if mode not in ("constant", *_PAD_MODES):  # (the mode is parsed first, as PyTorch)
        raise NotImplementedError(
            f"pad: Unrecognised padding mode {mode!r}; use 'constant', 'reflect', 'replicate' "
            f"or 'circular'"
        )
    if len(pad) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"pad: padding length {len(pad)} is too large for a {x.ndim}-D input (at most "
            f"{2 * x.ndim})"
        )
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if mode != "constant" and x.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
        k = len(pad) // 2
        raise NotImplementedError(  # PyTorch's type for an unsupported size/rank combination
            f"pad: mode {mode!r} with {len(pad)} padding values pads the last {k} dimension(s) "
            f"of an input with {k + 1} or {k + 2} dimensions (batch and channel first), got a "
            f"{x.ndim}-D input of shape {tuple(x.shape)}"
        )
    if mode in ("reflect", "replicate") and 0 in tuple(x.shape)[x.ndim - len(pad) // 2 - 1:]:
        k = len(pad) // 2
        raise RuntimeError(f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with "
                           f"possibly 0 batch size and other non-zero dimensions for input, but "
                           f"got: {list(x.shape)} ({mode} mode)")
    if mode in ("reflect", "replicate") and pad:
        out = [x.shape[-1 - k] + pad[2 * k] + pad[2 * k + 1] for k in range(len(pad) // 2)]
        if max(out) < 1:
            raise RuntimeError(
                f"pad: padding {tuple(pad)} in {mode} mode leaves no element of input "
                f"{tuple(x.shape)} (output sizes {tuple(reversed(out))} of the padded dimensions)"
            )
    pairs = [(x.shape[-1 - k], pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)]
    if mode in ("reflect", "replicate") and x._data.dtype.kind == "b" and not any(
            n + lo + hi < 0 or mode == "reflect" and (lo >= n or hi >= n)
            for n, lo, hi in pairs):  # (after its shape checks, which the loop below makes)
        kernel = {"reflect": "reflection", "replicate": "replication"}[mode]
        raise NotImplementedError(f'"{kernel}_pad{len(pad) // 2}d" not implemented for '
                                  f"'Bool': pad: convert the input, e.g. x.float()")
    fill = 0 if value is None else value
    if fill.__class__ is int and not -2 ** 53 <= fill <= 2 ** 53:
        fill = float(fill)  # (PyTorch's ``float value``: a big int is taken as its float)
    original = x
    if mode == "constant" and any(p > 0 for p in pad):  # PyTorch's checked fill of the border
        _check_fill_value(fill, x._data.dtype, "pad", scalar=False)
    for k in range(len(pad) // 2):
        d = x.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        if not lo and not hi:
            continue
        n = x.shape[d]
        crop_first = mode in ("constant", "circular")  # reflect/replicate: pad, then crop
        if n + lo + hi < 0 or (crop_first and max(-lo, 0) + max(-hi, 0) > n):
            raise RuntimeError(
                f"pad: padding ({lo}, {hi}) crops dimension {d} (size {n}) of input "
                f"{tuple(input.shape)} below zero size"
            )
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"pad: padding size should be less than the corresponding input dimension "
                f"for reflect mode, but got padding ({lo}, {hi}) at dimension {d} of input "
                f"{tuple(input.shape)}"
            )
        if crop_first and (lo < 0 or hi < 0):
            start, stop = max(-lo, 0), n - max(-hi, 0)
            x = _F.narrow(x, d, start, stop - start)
            n, lo, hi = stop - start, max(lo, 0), max(hi, 0)
            if not lo and not hi:
                continue
        if mode == "constant":
            parts = []
            shape = list(x.shape)
            if lo:
                shape[d] = lo
                parts.append(_full(shape, fill, x))
            parts.append(x)
            if hi:
                shape[d] = hi
                parts.append(_full(shape, fill, x))
            x = _F.cat(parts, d)
            continue
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(
                f"pad: padding ({pad[2 * k]}, {pad[2 * k + 1]}) in circular mode wraps around "
                f"dimension {d} of input {tuple(input.shape)} more than once; use at most {n} "
                f"(after cropping)"
            )
        if n == 0:
            raise ValueError(
                f"pad: mode {mode!r} cannot pad dimension {d} of input {tuple(input.shape)}: "
                f"it is empty"
            )
        # reflect/replicate pad about the input's own edges, then crop (as torch); one gather
        # along the axis whose backward (RESAMPLE_T) sums repeated sources over sorted runs,
        # not with np.add.at as index_select's would
        idx = np.pad(np.arange(n), (max(lo, 0), max(hi, 0)), mode=_PAD_MODES[mode])
        idx = idx[max(-lo, 0): idx.size - max(-hi, 0)]
        x = apply1(RS.RESAMPLE, x, (d, n, (idx,), None))
    if mode != "circular":  # (PyTorch's circular pad is row-major whatever the input)
        x = _laid_out_as_kernel(x, original)
    if mode == "constant":  # one node in PyTorch
        return present(x, "ConstantPadNdBackward0", (input,), input)
    return x


def _full(shape, value, like):
    from ..._backend import namespace_of
    from ..._tensor import wrap

    dt = like._data.dtype  # a value checked by the caller, converted as C (-1 -> 255 in uint8)
    return wrap(namespace_of(like._data).full(shape, np.array(value).astype(dt), dtype=dt))
