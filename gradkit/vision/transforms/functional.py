"""``transforms.functional``: torchvision's functional transforms on PIL images and tensors.

Every function takes a PIL image or a ``(..., C, H, W)`` gradkit tensor where torchvision takes
both, and dispatches to Pillow's own operation or to the tensor kernel that torchvision defines.
Pillow is imported only when a PIL image (or an image file) is involved.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from enum import Enum

import numpy as np

import gradkit as gk

from ..._tensor import Tensor
from .._pil import is_pil_image, pil_image
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t
from . import _tensor_photometric as F_aug

__all__ = [
    "InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
    "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize",
    "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip", "rgb_to_grayscale",
    "to_grayscale", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
    "adjust_gamma", "rotate", "erase", "affine", "invert", "posterize", "solarize",
    "adjust_sharpness", "autocontrast", "equalize", "gaussian_blur", "five_crop", "ten_crop",
]


class InterpolationMode(Enum):
    """Interpolation modes; the value is the name ``interpolate`` uses for tensors."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # PIL images only
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling constants (Image.Resampling): NEAREST 0, LANCZOS 1, BILINEAR 2, BICUBIC 3,
# BOX 4, HAMMING 5
pil_modes_mapping = {
    InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
    InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
    InterpolationMode.HAMMING: 5, InterpolationMode.LANCZOS: 1,
}
_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
             3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING,
             1: InterpolationMode.LANCZOS}
_TENSOR_MODES = (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                 InterpolationMode.BILINEAR, InterpolationMode.BICUBIC)


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    if i not in _FROM_INT:
        raise ValueError(f"interpolation {i} is not a Pillow resampling constant; use one of "
                         f"{sorted(_FROM_INT)} or an InterpolationMode")
    return _FROM_INT[i]


def _check_interpolation(interpolation, who: str = "interpolation") -> InterpolationMode:
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        return _interpolation_modes_from_int(interpolation)
    raise TypeError(f"{who}: argument interpolation should be an InterpolationMode or a "
                    f"corresponding Pillow integer constant, got {interpolation!r}")


def _check_image(img, who: str) -> None:
    if not (isinstance(img, Tensor) or is_pil_image(img)):
        raise TypeError(f"{who}: img should be a PIL Image or a Tensor, got {type(img).__name__}")


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]`` of a PIL image or a tensor image."""
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    return F_pil.get_dimensions(img)


def get_image_size(img) -> list[int]:
    """``[width, height]``."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


# -- conversions -----------------------------------------------------------------------------

def to_tensor(pic) -> Tensor:
    """PIL image or ``(H, W[, C])`` ndarray -> ``(C, H, W)`` tensor; uint8 scaled to [0, 1]."""
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"to_tensor: pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in (2, 3):
        raise ValueError(f"to_tensor: pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    default = gk.get_default_dtype()
    if isinstance(pic, np.ndarray):
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = gk.from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
        return img.to(default).div(255) if img.dtype == np.uint8 else img
    nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
              "F": np.float32}.get(pic.mode, np.uint8)
    arr = np.array(pic, nptype, copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.size[1], pic.size[0], get_image_num_channels(pic))
    img = gk.from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))
    return img.to(default).div(255) if img.dtype == np.uint8 else img


def pil_to_tensor(pic) -> Tensor:
    """PIL image -> ``(C, H, W)`` tensor of the image's own dtype (no scaling)."""
    if not is_pil_image(pic):
        raise TypeError(f"pil_to_tensor: pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], get_image_num_channels(pic))
    return gk.from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))


def to_pil_image(pic, mode: str | None = None):
    """``(C, H, W)`` tensor or ``(H, W, C)`` ndarray -> PIL image (float scaled by 255)."""
    Image = pil_image()
    if isinstance(pic, Tensor):
        if pic.ndim == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.detach().cpu().numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"to_pil_image: pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"to_pil_image: pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"to_pil_image: pic should not have > 4 channels. Got {pic.shape[-1]} "
                         f"channels (a tensor is (C, H, W), an ndarray (H, W, C)).")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L",
                    np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. "
                             f"Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 4: ["RGBA", "CMYK", "RGBX"], 3: ["RGB", "YCbCr", "HSV"]}
        allowed = permitted[npimg.shape[2]]
        if mode is not None and mode not in allowed:
            raise ValueError(f"Only modes {allowed} are supported for {npimg.shape[2]}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = allowed[0]
    if mode is None:
        raise TypeError(f"to_pil_image: input type {npimg.dtype} is not supported")
    return _fromarray(Image, npimg, mode)


def _fromarray(Image, arr: np.ndarray, mode: str):
    arr = np.ascontiguousarray(arr)
    if mode in ("L", "RGB", "RGBA", "LA", "F", "I"):
        img = Image.fromarray(arr)
        if img.mode != mode:
            img = img.convert(mode)
        return img
    if mode.startswith("I;16"):
        return Image.frombuffer(mode, (arr.shape[1], arr.shape[0]), arr.astype("<u2").tobytes(),
                                "raw", mode, 0, 1)
    return Image.frombuffer(mode, (arr.shape[1], arr.shape[0]), arr.tobytes(), "raw", mode, 0, 1)


def convert_image_dtype(image: Tensor, dtype=gk.float32) -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values (uint8 255 <-> float 1.0)."""
    if not isinstance(image, Tensor):
        raise TypeError(f"convert_image_dtype: input img should be Tensor Image, got "
                        f"{type(image).__name__}")
    return F_t.convert_image_dtype(image, dtype)


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """``(x - mean[c]) / std[c]`` per channel of a float tensor image."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean, std, inplace)


# -- geometry ---------------------------------------------------------------------------------

def _compute_resized_output_size(image_size, size, max_size=None) -> list[int]:
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        requested = size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
           antialias: bool | None = True):
    """Resize to ``size`` ((h, w), or an int: the shorter side, keeping the aspect ratio)."""
    interpolation = _check_interpolation(interpolation, "resize")
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the "
                             "smaller edge, i.e. size should be an int or a sequence of length 1")
    elif not isinstance(size, int):
        raise TypeError(f"resize: size should be an int or a sequence, got {size!r}")
    _check_image(img, "resize")
    _, h, w = get_dimensions(img)
    size = [size] if isinstance(size, int) else list(size)
    out = _compute_resized_output_size((h, w), size, max_size)
    if [h, w] == out:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument "
                          "antialias is ignored.", stacklevel=2)
        return F_pil.resize(img, out, pil_modes_mapping[interpolation])
    if interpolation not in _TENSOR_MODES:
        raise ValueError(f"resize: interpolation mode {interpolation} is unsupported with Tensor "
                         f"input; use NEAREST, NEAREST_EXACT, BILINEAR or BICUBIC (or a PIL "
                         f"image)")
    return F_t.resize(img, out, interpolation.value, antialias)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad every border: ``padding`` is an int, (lr, tb) or (left, top, right, bottom)."""
    _check_image(img, "pad")
    if isinstance(img, Tensor):
        return F_t.pad(img, padding, fill, padding_mode)
    return F_pil.pad(img, padding, fill, padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The box at (top, left) of size (height, width); outside the image reads as zeros."""
    _check_image(img, "crop")
    if isinstance(img, Tensor):
        return F_t.crop(img, top, left, height, width)
    return F_pil.crop(img, top, left, height, width)


def center_crop(img, output_size):
    """The centred crop of ``output_size`` (int or (h, w)); a smaller image is zero-padded first."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, ih, iw = get_dimensions(img)
    ch, cw = output_size
    if cw > iw or ch > ih:
        padding_ltrb = [(cw - iw) // 2 if cw > iw else 0, (ch - ih) // 2 if ch > ih else 0,
                        (cw - iw + 1) // 2 if cw > iw else 0, (ch - ih + 1) // 2 if ch > ih else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, ih, iw = get_dimensions(img)
        if cw == iw and ch == ih:
            return img
    top = int(round((ih - ch) / 2.0))
    left = int(round((iw - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    """``crop`` then ``resize``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    _check_image(img, "hflip")
    return F_t.hflip(img) if isinstance(img, Tensor) else F_pil.hflip(img)


def vflip(img):
    _check_image(img, "vflip")
    return F_t.vflip(img) if isinstance(img, Tensor) else F_pil.vflip(img)


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees around ``center`` (default: the middle)."""
    interpolation = _check_interpolation(interpolation, "rotate")
    if not isinstance(angle, (int, float)):
        raise TypeError(f"rotate: argument angle should be int or float, got {angle!r}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError(f"rotate: argument center should be a sequence, got {center!r}")
    _check_image(img, "rotate")
    if not isinstance(img, Tensor):
        return F_pil.rotate(img, angle, pil_modes_mapping[interpolation], expand, center, fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, h, w = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = F_t.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix, interpolation.value, expand, fill)


# -- colour -----------------------------------------------------------------------------------

def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (ITU-R 601-2) with 1 or 3 output channels."""
    _check_image(img, "rgb_to_grayscale")
    if not isinstance(img, Tensor):
        return F_pil.to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img, num_output_channels: int = 1):
    """PIL images only (torchvision's ``to_grayscale``); use ``rgb_to_grayscale`` for both."""
    if is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError(f"to_grayscale: input should be a PIL Image, got {type(img).__name__}; use "
                    f"rgb_to_grayscale for tensors")


def adjust_brightness(img, brightness_factor: float):
    _check_image(img, "adjust_brightness")
    if not isinstance(img, Tensor):
        return F_pil.adjust_brightness(img, brightness_factor)
    return F_t.adjust_brightness(img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    _check_image(img, "adjust_contrast")
    if not isinstance(img, Tensor):
        return F_pil.adjust_contrast(img, contrast_factor)
    return F_t.adjust_contrast(img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    _check_image(img, "adjust_saturation")
    if not isinstance(img, Tensor):
        return F_pil.adjust_saturation(img, saturation_factor)
    return F_t.adjust_saturation(img, saturation_factor)


def adjust_hue(img, hue_factor: float):
    _check_image(img, "adjust_hue")
    if not isinstance(img, Tensor):
        return F_pil.adjust_hue(img, hue_factor)
    return F_t.adjust_hue(img, hue_factor)


def adjust_gamma(img, gamma: float, gain: float = 1):
    _check_image(img, "adjust_gamma")
    if not isinstance(img, Tensor):
        return F_pil.adjust_gamma(img, gamma, gain)
    return F_t.adjust_gamma(img, gamma, gain)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v, inplace: bool = False) -> Tensor:
    """Set the box (i, j, h, w) of a tensor image to ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"erase: img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace)


# -- augmentations: affine warps, photometric operations, blur, multi-crops ----------------

def affine(img, angle: float, translate, scale: float, shear,
           interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate by ``angle`` degrees (clockwise), translate, scale and shear about the centre
    (or ``center``), as torchvision's ``affine``."""
    interpolation = _check_interpolation(interpolation, "affine")
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    angle = float(angle)
    translate = list(translate)
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_image(img, "affine")
    _, height, width = get_dimensions(img)
    if not isinstance(img, Tensor):
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = F_t.inverse_affine_matrix(center, angle, translate, scale, shear)
        return F_pil.affine(img, matrix, pil_modes_mapping[interpolation], fill)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale,
                                       shear)
    return F_aug.affine(img, matrix, interpolation.value, fill)


def _photometric(name: str, doc: str):
    def op(img, *args):
        _check_image(img, name)
        kernel = getattr(F_aug if isinstance(img, Tensor) else F_pil, name)
        return kernel(img, *args)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


invert = _photometric("invert", "The negative of the image (``max - img``).")
posterize = _photometric("posterize", "Keep the top ``bits`` bits of each channel (uint8).")
solarize = _photometric("solarize", "Invert the pixels at or above ``threshold``.")
adjust_sharpness = _photometric("adjust_sharpness", "Blend with PIL's smoothed image: 0 blurs, "
                                                    "1 is the original, 2 doubles the sharpness.")
autocontrast = _photometric("autocontrast", "Stretch each channel to the full intensity range.")
equalize = _photometric("equalize", "Equalize each channel's histogram (uint8).")


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel ``kernel_size`` (odd, ``(kx, ky)`` or one int) of ``sigma``
    (default ``0.15 * k + 0.35``); PIL images are blurred as tensors, as torchvision does."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got "
                        f"{type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    _check_image(img, "gaussian_blur")
    if isinstance(img, Tensor):
        return F_aug.gaussian_blur(img, kernel_size, sigma)
    out = F_aug.gaussian_blur(pil_to_tensor(img), kernel_size, sigma)
    return to_pil_image(out, mode=img.mode)


def _crop_pair(size):
    """``(h, w)`` from a number, a one-element sequence or a pair, as torchvision reads it."""
    if isinstance(size, numbers.Number):
        return (int(size), int(size))
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return tuple(size)


def five_crop(img, size):
    """The four corner crops and the central crop of ``size``."""
    size = _crop_pair(size)
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {tuple(size)} is bigger than input size "
                         f"{(image_height, image_width)}")
    return (crop(img, 0, 0, crop_height, crop_width),
            crop(img, 0, image_width - crop_width, crop_height, crop_width),
            crop(img, image_height - crop_height, 0, crop_height, crop_width),
            crop(img, image_height - crop_height, image_width - crop_width, crop_height,
                 crop_width),
            center_crop(img, [crop_height, crop_width]))


def ten_crop(img, size, vertical_flip: bool = False):
    """``five_crop`` of the image and of its horizontal (or vertical) flip."""
    size = _crop_pair(size)
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)
