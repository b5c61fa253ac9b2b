"""The PIL kernels of ``transforms.functional``: Pillow's operations, as torchvision uses them."""

from __future__ import annotations

import numpy as np

from .._pil import is_pil_image, pil_image

__all__ = []


def _check(img, who: str) -> None:
    if not is_pil_image(img):
        raise TypeError(f"{who}: img should be a PIL Image, got {type(img).__name__}")


def get_dimensions(img) -> list[int]:
    _check(img, "get_dimensions")
    channels = len(img.getbands()) if hasattr(img, "getbands") else img.channels
    width, height = img.size
    return [channels, height, width]


def hflip(img):
    _check(img, "hflip")
    return img.transpose(pil_image().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img, "vflip")
    return img.transpose(pil_image().Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    _check(img, "crop")
    return img.crop((left, top, left + width, top + height))


def resize(img, size: list[int], interpolation: int):
    _check(img, "resize")
    return img.resize(tuple(size[::-1]), interpolation)


def _parse_fill(fill, img, name: str = "fillcolor") -> dict:
    num_channels = get_dimensions(img)[0]
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * num_channels
        elif len(fill) != num_channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    _check(img, "pad")
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError(f"pad: padding should be an int or a sequence, got "
                        f"{type(padding).__name__}")
    if fill is not None and not isinstance(fill, (int, float, tuple, list, str)):
        raise TypeError(f"pad: inappropriate fill {fill!r}")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got "
                         f"{padding_mode!r}")
    if isinstance(padding, int):
        p = [padding] * 4
    elif len(padding) == 1:
        p = [padding[0]] * 4
    elif len(padding) == 2:
        p = [padding[0], padding[1], padding[0], padding[1]]
    else:
        p = list(padding)
    Image = pil_image()
    if padding_mode == "constant":
        from PIL import ImageOps
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            out = ImageOps.expand(img, border=tuple(p), **opts)
            out.putpalette(palette)
            return out
        return ImageOps.expand(img, border=tuple(p), **opts)
    crop_l, crop_t, crop_r, crop_b = (-min(x, 0) for x in p)
    if crop_l or crop_t or crop_r or crop_b:
        img = img.crop((crop_l, crop_t, img.width - crop_r, img.height - crop_b))
    left, top, right, bottom = (max(x, 0) for x in p)
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    width = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
    out = Image.fromarray(np.pad(arr, width, padding_mode))
    if palette is not None:
        out.putpalette(palette)  # an "L" image with a palette becomes "P" again
    return out


def to_grayscale(img, num_output_channels: int = 1):
    _check(img, "to_grayscale")
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        arr = np.array(img.convert("L"), dtype=np.uint8)
        return pil_image().fromarray(np.dstack([arr, arr, arr]))
    raise ValueError(f"to_grayscale: num_output_channels should be either 1 or 3, got "
                     f"{num_output_channels}")


def adjust_brightness(img, brightness_factor: float):
    _check(img, "adjust_brightness")
    from PIL import ImageEnhance
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    _check(img, "adjust_contrast")
    from PIL import ImageEnhance
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    _check(img, "adjust_saturation")
    from PIL import ImageEnhance
    return ImageEnhance.Color(img).enhance(saturation_factor)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img, "adjust_hue")
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    Image = pil_image()
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # the hue channel is uint8 and wraps around: the shift truncates toward zero, then wraps
    np_h += np.uint8(int(hue_factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(np_h), s, v)).convert(mode)


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    _check(img, "adjust_gamma")
    if gamma < 0:
        raise ValueError(f"adjust_gamma: gamma should be a non-negative real number, got {gamma}")
    mode = img.mode
    img = img.convert("RGB")
    gamma_map = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.point(gamma_map).convert(mode)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False, center=None,
           fill=None):
    _check(img, "rotate")
    opts = _parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def _ops():
    from PIL import ImageOps

    return ImageOps


def invert(img):
    _check(img, "invert")
    return _ops().invert(img)


def posterize(img, bits: int):
    _check(img, "posterize")
    return _ops().posterize(img, bits)


def solarize(img, threshold: int):
    _check(img, "solarize")
    return _ops().solarize(img, threshold)


def adjust_sharpness(img, sharpness_factor: float):
    from PIL import ImageEnhance

    _check(img, "adjust_sharpness")
    return ImageEnhance.Sharpness(img).enhance(sharpness_factor)


def autocontrast(img):
    _check(img, "autocontrast")
    return _ops().autocontrast(img)


def equalize(img):
    _check(img, "equalize")
    return _ops().equalize(img)


def affine(img, matrix: list, interpolation: int = 0, fill=None):
    """Pillow's AFFINE transform with the inverse ``matrix`` (output -> input coordinates)."""
    _check(img, "affine")
    opts = _parse_fill(fill, img)
    return img.transform(img.size, pil_image().Transform.AFFINE, matrix, interpolation, **opts)
