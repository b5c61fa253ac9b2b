"""Tensor kernels of torchvision's photometric and geometric augmentations: invert, posterize,
solarize, sharpness, autocontrast, equalize, Gaussian blur, affine warps. Images are
``(..., C, H, W)`` gradkit tensors; each kernel follows torchvision's tensor definition (uint8
in, uint8 out; float images in [0, 1])."""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ..._tensor import Tensor
from ._functional_tensor import (
    _apply_grid_transform,
    _assert_channels,
    _blend,
    _cast_squeeze_in,
    _cast_squeeze_out,
    _gen_affine_grid,
    assert_image_tensor,
    get_dimensions,
    is_float,
    max_value,
)

__all__ = ["invert", "posterize", "solarize", "adjust_sharpness", "autocontrast", "equalize",
           "gaussian_blur", "affine"]


def _color_image(img, who: str, uint8: bool = False) -> None:
    assert_image_tensor(img, who)
    if img.ndim < 3:
        raise TypeError(f"{who}: input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    if uint8 and img.dtype != np.uint8:
        raise TypeError(f"{who}: only torch.uint8 image tensors are supported, but found "
                        f"{img.dtype}")
    _assert_channels(img, [1, 3], who)


def invert(img: Tensor) -> Tensor:
    _color_image(img, "invert")
    return max_value(img.dtype) - img


def posterize(img: Tensor, bits: int) -> Tensor:
    _color_image(img, "posterize", uint8=True)
    keep = np.uint8((0xFF << (8 - int(bits))) & 0xFF)  # the top `bits` bits
    return gk.bitwise_and(img, gk.tensor(keep, dtype=gk.uint8))


def solarize(img: Tensor, threshold: float) -> Tensor:
    _color_image(img, "solarize")
    if threshold > max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return gk.where(img >= threshold, invert(img), img)


def _smoothed(img: Tensor) -> Tensor:
    """PIL's SMOOTH filter (3x3, centre 5, the rest 1, /13) inside the border; the border kept."""
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    kernel = gk.ones((3, 3), dtype=dtype)
    kernel[1, 1] = 5.0
    kernel = (kernel / kernel.sum()).expand(img.shape[-3], 1, 3, 3)
    x, cast, squeeze, out_dtype = _cast_squeeze_in(img, (kernel.dtype,))
    x = gk.nn.functional.conv2d(x, kernel, groups=x.shape[-3])
    x = _cast_squeeze_out(x, cast, squeeze, out_dtype)
    out = img.clone()
    out[..., 1:-1, 1:-1] = x
    return out


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    assert_image_tensor(img, "adjust_sharpness")
    _assert_channels(img, [1, 3], "adjust_sharpness")
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return _blend(img, _smoothed(img), sharpness_factor)


def autocontrast(img: Tensor) -> Tensor:
    _color_image(img, "autocontrast")
    bound = max_value(img.dtype)
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    low = img.amin(dim=(-2, -1), keepdim=True).to(dtype=dtype)
    high = img.amax(dim=(-2, -1), keepdim=True).to(dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = bound / (high - low)
    flat = ~gk.isfinite(scale)  # a constant channel is left as it is
    low = gk.where(flat, gk.zeros_like(low), low)
    scale = gk.where(flat, gk.ones_like(scale), scale)
    return ((img - low) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(chan: np.ndarray) -> np.ndarray:
    hist = np.bincount(chan.reshape(-1), minlength=256)
    used = hist[hist != 0]
    step = int(used[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255).astype(np.uint8)
    return lut[chan]


def equalize(img: Tensor) -> Tensor:
    assert_image_tensor(img, "equalize")
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"equalize: input image tensor should have 3 or 4 dimensions, but found "
                        f"{img.ndim}")
    _color_image(img, "equalize", uint8=True)
    arr = img.detach().numpy()
    flat = arr.reshape(-1, *arr.shape[-2:])
    out = np.stack([_equalize_channel(c) for c in flat]).reshape(arr.shape)
    return gk.tensor(out)


def _gaussian_kernel1d(size: int, sigma: float, dtype) -> Tensor:
    half = (size - 1) * 0.5
    x = gk.linspace(-half, half, steps=size, dtype=dtype)
    pdf = gk.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: list, sigma: list) -> Tensor:
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    assert_image_tensor(img, "gaussian_blur")
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], dtype)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], dtype)
    kernel = gk.mm(ky[:, None], kx[None, :])
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    x, cast, squeeze, out_dtype = _cast_squeeze_in(img, (kernel.dtype,))
    pad = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    x = gk.nn.functional.pad(x, pad, mode="reflect")
    x = gk.nn.functional.conv2d(x, kernel, groups=x.shape[-3])
    return _cast_squeeze_out(x, cast, squeeze, out_dtype)


def affine(img: Tensor, matrix: list, interpolation: str = "nearest", fill=None) -> Tensor:
    """Warp by the inverse affine ``matrix`` (output pixel -> input pixel, centre-relative)."""
    assert_image_tensor(img, "affine")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"affine: interpolation mode {interpolation!r} is unsupported with "
                         f"Tensor input; use 'nearest' or 'bilinear'")
    c = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != c:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {c})")
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    theta = gk.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    h, w = int(img.shape[-2]), int(img.shape[-1])
    grid = _gen_affine_grid(theta, w=w, h=h, ow=w, oh=h)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)
