"""The tensor kernels of ``transforms.functional``: images are ``(..., C, H, W)`` gradkit tensors.

Each kernel follows torchvision's tensor definition (its ``_functional_tensor`` module) written
with gradkit's ops, so dtype promotion, rounding and clamping are PyTorch's and gradients flow
where they flow in torchvision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import gradkit as gk

from ..._tensor import Tensor

__all__ = []

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.uint16): 65535, np.dtype(np.int32): 2147483647,
            np.dtype(np.int64): 9223372036854775807}


def max_value(dtype) -> int:
    """The value of full intensity: the dtype's maximum for integers, 1 for floating images."""
    return _INT_MAX.get(np.dtype(dtype), 1)


def is_float(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def assert_image_tensor(img, who: str) -> None:
    if not isinstance(img, Tensor):
        raise TypeError(f"{who}: img should be a Tensor image, got {type(img).__name__}")
    if img.ndim < 2:
        raise TypeError(f"{who}: a tensor image needs at least 2 dimensions (..., H, W); got "
                        f"shape {tuple(img.shape)}")


def get_dimensions(img: Tensor) -> list[int]:
    assert_image_tensor(img, "get_dimensions")
    channels = 1 if img.ndim == 2 else int(img.shape[-3])
    return [channels, int(img.shape[-2]), int(img.shape[-1])]


def _assert_channels(img: Tensor, permitted: Sequence[int], who: str) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"{who}: input image tensor permitted channel values are "
                        f"{list(permitted)}, but found {c} (shape {tuple(img.shape)})")


def convert_image_dtype(image: Tensor, dtype=gk.float32) -> Tensor:
    dtype = np.dtype(dtype)
    if image.dtype == dtype:
        return image
    if is_float(image.dtype):
        if is_float(dtype):
            return image.to(dtype=dtype)
        if (image.dtype == np.float32 and dtype in (np.int32, np.int64)) or (
                image.dtype == np.float64 and dtype == np.int64):
            raise RuntimeError(f"convert_image_dtype: the cast from {image.dtype} to {dtype} "
                               f"cannot be performed safely (the float type cannot hold every "
                               f"integer of the target range); convert to a wider float first")
        # max + 1 - eps spreads [0, 1] evenly over the integers (1.0 maps to max)
        return image.mul(float(max_value(dtype)) + 1.0 - 1e-3).to(dtype=dtype)
    input_max = float(max_value(image.dtype))
    if is_float(dtype):
        return image.to(dtype=dtype) / input_max
    output_max = float(max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return gk.div(image, factor, rounding_mode="floor").to(dtype=dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype=dtype) * factor


def hflip(img: Tensor) -> Tensor:
    assert_image_tensor(img, "hflip")
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    assert_image_tensor(img, "vflip")
    return img.flip(-2)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    assert_image_tensor(img, "crop")
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    if img.ndim < 3:
        raise TypeError(f"rgb_to_grayscale: input image tensor should have at least 3 dimensions "
                        f"(..., C, H, W), but found {img.ndim}")
    _assert_channels(img, [1, 3], "rgb_to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels should be either 1 or 3, got "
                         f"{num_output_channels}")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    assert_image_tensor(img, "adjust_brightness")
    _assert_channels(img, [1, 3], "adjust_brightness")
    return _blend(img, gk.zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    assert_image_tensor(img, "adjust_contrast")
    _assert_channels(img, [1, 3], "adjust_contrast")
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = gk.mean(gray.to(dtype=dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    assert_image_tensor(img, "adjust_saturation")
    _assert_channels(img, [1, 3], "adjust_saturation")
    if get_dimensions(img)[0] == 1:  # as PIL: nothing to saturate
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = gk.amax(img, dim=-3)
    minc = gk.amin(img, dim=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = gk.ones_like(maxc)
    s = cr / gk.where(eqc, ones, maxc)
    cr_divisor = gk.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r).to(img.dtype) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)).to(img.dtype) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)).to(img.dtype) * (4.0 + gc - rc)
    h = gk.fmod(((hr + hg + hb) / 6.0 + 1.0), 1.0)
    return gk.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    i = gk.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(gk.int32)
    p = gk.clamp(v * (1.0 - s), 0.0, 1.0)
    q = gk.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = gk.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == gk.arange(6).view(-1, 1, 1)
    a1 = gk.stack((v, q, p, p, t, v), dim=-3)
    a2 = gk.stack((t, v, v, q, p, p), dim=-3)
    a3 = gk.stack((p, p, t, v, v, q), dim=-3)
    a4 = gk.stack((a1, a2, a3), dim=-4)
    return gk.einsum("...ijk, ...xijk -> ...xjk", mask.to(img.dtype), a4)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    assert_image_tensor(img, "adjust_hue")
    _assert_channels(img, [1, 3], "adjust_hue")
    if get_dimensions(img)[0] == 1:  # as PIL
        return img
    orig_dtype = img.dtype
    hsv = _rgb2hsv(convert_image_dtype(img, gk.float32))
    h, s, v = hsv.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    return convert_image_dtype(_hsv2rgb(gk.stack((h, s, v), dim=-3)), orig_dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    assert_image_tensor(img, "adjust_gamma")
    _assert_channels(img, [1, 3], "adjust_gamma")
    if gamma < 0:
        raise ValueError(f"adjust_gamma: gamma should be a non-negative real number, got {gamma}")
    dtype = img.dtype
    result = img if is_float(dtype) else convert_image_dtype(img, gk.float32)
    result = (gain * result ** gamma).clamp(0, 1)
    return convert_image_dtype(result, dtype)


def _parse_pad_padding(padding) -> list[int]:
    """(left, right, top, bottom) from an int or a 1, 2 (lr, tb) or 4 (l, t, r, b) sequence."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img: Tensor, padding: list[int]) -> Tensor:
    if min(padding) < 0:
        cl, cr, ct, cb = (-min(x, 0) for x in padding)
        img = img[..., ct:img.shape[-2] - cb, cl:img.shape[-1] - cr]
        padding = [max(x, 0) for x in padding]
    h, w = int(img.shape[-2]), int(img.shape[-1])
    x_idx = list(range(padding[0] - 1, -1, -1)) + list(range(w)) + \
        [w - 1 - i for i in range(padding[1])]
    y_idx = list(range(padding[2] - 1, -1, -1)) + list(range(h)) + \
        [h - 1 - i for i in range(padding[3])]
    if max(padding[0], padding[1]) > w or max(padding[2], padding[3]) > h:
        raise ValueError(f"pad: symmetric padding {padding} (left, right, top, bottom) is larger "
                         f"than the image ({h}x{w}); each side can mirror at most the whole image")
    xi = gk.tensor(x_idx, dtype=gk.int64)
    yi = gk.tensor(y_idx, dtype=gk.int64)
    return img.index_select(-2, yi).index_select(-1, xi)


def pad(img: Tensor, padding, fill=0, padding_mode: str = "constant") -> Tensor:
    assert_image_tensor(img, "pad")
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError(f"pad: padding should be an int or a sequence of 1, 2 or 4 ints, got "
                        f"{type(padding).__name__}")
    if not isinstance(fill, (int, float)):
        raise TypeError(f"pad: fill should be a number for tensor images, got {fill!r}")
    if not isinstance(padding, int) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got "
                         f"{padding_mode!r}")
    p = _parse_pad_padding(list(padding) if isinstance(padding, tuple) else padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = mode != "constant" and out_dtype not in (np.float32, np.float64)
    if cast:
        x = x.to(gk.float32)
    if mode == "constant":
        x = gk.nn.functional.pad(x, p, mode="constant", value=float(fill))
    else:
        x = gk.nn.functional.pad(x, p, mode=mode)
    if squeeze:
        x = x.squeeze(0)
    return x.to(out_dtype) if cast else x


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear",
           antialias: bool | None = True) -> Tensor:
    assert_image_tensor(img, "resize")
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False  # irrelevant for the other modes, as torchvision documents
    x, cast, squeeze, out_dtype = _cast_squeeze_in(img, (np.float32, np.float64))
    align = False if interpolation in ("bilinear", "bicubic") else None
    x = gk.nn.functional.interpolate(x, size=list(size), mode=interpolation, align_corners=align,
                                     antialias=antialias)
    if interpolation == "bicubic" and out_dtype == np.uint8:
        x = x.clamp(min=0, max=255)
    return _cast_squeeze_out(x, cast, squeeze, out_dtype)


def _cast_squeeze_in(img: Tensor, req_dtypes):
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(0)
    out_dtype = img.dtype
    cast = out_dtype not in req_dtypes
    if cast:
        img = img.to(req_dtypes[0])
    return img, cast, squeeze, out_dtype


def _cast_squeeze_out(img: Tensor, cast: bool, squeeze: bool, out_dtype) -> Tensor:
    if squeeze:
        img = img.squeeze(0)
    if cast:
        if out_dtype.kind in "iu":
            img = gk.round(img)
        img = img.to(out_dtype)
    return img


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    assert_image_tensor(tensor, "normalize")
    if not is_float(tensor.dtype):
        raise TypeError(f"normalize: input tensor should be a float tensor, got {tensor.dtype}; "
                        f"convert it first (ToTensor, ConvertImageDtype or ToDtype(scale=True))")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = gk.as_tensor(mean, dtype=dtype)
    std = gk.as_tensor(std, dtype=dtype)
    if bool((std == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division "
                         f"by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v, inplace: bool = False) -> Tensor:
    if not inplace:
        img = img.clone()
    if isinstance(v, Tensor) and v.dtype != img.dtype:
        v = v.to(img.dtype)  # PyTorch's assignment casts the value
    img[..., i:i + h, j:j + w] = v
    return img


# -- rotation: an inverse affine grid sampled as torchvision's tensor backend does --------------

def _gen_affine_grid(theta: Tensor, w: int, h: int, ow: int, oh: int) -> Tensor:
    d = 0.5
    xs = gk.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, steps=ow, dtype=theta.dtype)
    ys = gk.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, steps=oh, dtype=theta.dtype)
    rescaled = theta.transpose(1, 2) / gk.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    # [x, y, 1] @ rescaled, written out as PyTorch's bmm computes it for this shape (products
    # summed in order, rounded each step), so sampling positions agree to the bit
    x = xs.view(1, ow, 1).expand(oh, ow, 1)
    y = ys.view(oh, 1, 1).expand(oh, ow, 1)
    return (x * rescaled[0, 0] + y * rescaled[0, 1] + rescaled[0, 2]).view(1, oh, ow, 2)


def _apply_grid_transform(img: Tensor, grid: Tensor, mode: str, fill) -> Tensor:
    x, cast, squeeze, out_dtype = _cast_squeeze_in(img, (grid.dtype,))
    if x.shape[0] > 1:
        grid = grid.expand(x.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        mask = gk.ones((x.shape[0], 1, x.shape[2], x.shape[3]), dtype=x.dtype)
        x = gk.cat((x, mask), dim=1)
    x = gk.nn.functional.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = x[:, -1:, :, :]
        x = x[:, :-1, :, :]
        mask = mask.expand_as(x)
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = gk.tensor(fill_list, dtype=x.dtype).view(1, len(fill_list), 1, 1).expand_as(x)
        if mode == "nearest":
            x = gk.where(mask < 0.5, fill_img, x)
        else:
            x = x * mask + (1.0 - mask) * fill_img
    return _cast_squeeze_out(x, cast, squeeze, out_dtype)


def _compute_affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    min_vals = new_pts.min(axis=0) + np.array((w * 0.5, h * 0.5), dtype=np.float32)
    max_vals = new_pts.max(axis=0) + np.array((w * 0.5, h * 0.5), dtype=np.float32)
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False,
           fill=None) -> Tensor:
    assert_image_tensor(img, "rotate")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"rotate: interpolation mode {interpolation!r} is unsupported with Tensor "
                         f"input; use 'nearest' or 'bilinear'")
    c = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != c:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {c})")
    w, h = int(img.shape[-1]), int(img.shape[-2])
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if is_float(img.dtype) else gk.float32
    theta = gk.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def inverse_affine_matrix(center, angle, translate, scale, shear) -> list[float]:
    """The inverse of ``T * C * RSS * C^-1`` as torchvision's ``_get_inverse_affine_matrix``."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m
