"""Image files to and from uint8 ``(C, H, W)`` tensors, as ``torchvision.io`` defines them.

PNG decodes to exactly torchvision's values (colour conversions follow libpng's, as
torchvision's decoder does); JPEG is decoded and encoded by Pillow's libjpeg, whose version may
differ from torchvision's bundled libjpeg-turbo in the last values of some pixels (typically
off by one or two), and encoded files are not byte-for-byte torchvision's.
"""

from __future__ import annotations

import io as _bytesio
import os
from enum import Enum

import numpy as np

import gradkit as gk

from ..._tensor import Tensor
from .._pil import pil_image

__all__ = [
    "ImageReadMode", "read_file", "write_file", "decode_png", "encode_png", "write_png",
    "decode_jpeg", "encode_jpeg", "write_jpeg", "decode_gif", "decode_webp", "decode_image",
    "read_image",
]


class ImageReadMode(Enum):
    """The channels a decoder returns; functions also take the names as strings (``"RGB"``).

    * ``UNCHANGED``: as stored (a palette PNG gives its palette indices, one channel);
    * ``GRAY``, ``GRAY_ALPHA``: one channel, or gray and alpha;
    * ``RGB``, ``RGB_ALPHA`` (alias ``RGBA``): three channels, or four with alpha.
    """

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def _mode(mode, op: str) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise KeyError(f"{op}: unknown mode {mode!r}; use one of "
                           f"{', '.join(ImageReadMode.__members__)}") from None
    raise TypeError(f"{op}: mode must be an ImageReadMode or its name as a string, got "
                    f"{type(mode).__name__}")


# ---------------------------------------------------------------- files

def read_file(path) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D uint8 tensor.

    Raises:
        RuntimeError: the file is missing or unreadable (``[Errno 2] No such file or
            directory: 'path'``, as torchvision), or empty.
    """
    path = os.fspath(path)
    try:
        size = os.stat(path).st_size
    except OSError as e:
        raise RuntimeError(f"[Errno {e.errno}] {e.strerror}: '{path}'") from None
    if size <= 0:
        raise RuntimeError(f"read_file: Expected a non empty file, got an empty file '{path}'")
    with open(path, "rb") as f:
        data = f.read()
    return gk.from_numpy(np.frombuffer(bytearray(data), dtype=np.uint8))


def _byte_tensor(data, op: str, what: str = "Input tensor") -> np.ndarray:
    if not isinstance(data, Tensor):
        raise TypeError(f"{op}: expected a 1-D uint8 tensor of the file's bytes, got "
                        f"{type(data).__name__}")
    if data.dtype != gk.uint8:
        raise RuntimeError(f"{op}: Expected a torch.uint8 tensor, got {data.dtype}; "
                           f"{what} must hold the file's bytes (see read_file)")
    if data.dim() != 1:
        raise RuntimeError(f"{op}: Expected a 1-dimensional tensor, got shape {tuple(data.shape)}")
    return np.ascontiguousarray(data.numpy())


def write_file(filename, data: Tensor) -> None:
    """Write the 1-D uint8 tensor ``data`` to ``filename`` as raw bytes."""
    arr = _byte_tensor(data, "write_file")
    with open(os.fspath(filename), "wb") as f:
        f.write(arr.tobytes())


# ---------------------------------------------------------------- decoding

def _open(arr: np.ndarray, op: str):
    Image = pil_image()
    try:
        im = Image.open(_bytesio.BytesIO(arr.tobytes()))
        im.load()
    except Exception as e:  # Pillow raises many types for corrupt data
        raise RuntimeError(f"{op}: could not decode the image ({e}); the bytes are corrupted "
                           f"or not an image of this format") from None
    return im


def _exif(im, apply: bool):
    if not apply:
        return im
    from PIL import ImageOps
    return ImageOps.exif_transpose(im)


def _chw(a: np.ndarray) -> Tensor:
    if a.ndim == 2:
        a = a[:, :, None]
    return gk.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


# libpng's rgb_to_gray with torchvision's weights (0.2989, 0.587): 15-bit fixed point
_GRAY_R, _GRAY_G = 29890 * 32768 // 100000, 58700 * 32768 // 100000
_GRAY_B = 32768 - _GRAY_R - _GRAY_G


def _rgb_to_gray(rgb: np.ndarray) -> np.ndarray:
    wide = rgb.astype(np.int64)
    gray = (_GRAY_R * wide[..., 0] + _GRAY_G * wide[..., 1] + _GRAY_B * wide[..., 2]) >> 15
    same = (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])
    return np.where(same, rgb[..., 0], gray).astype(rgb.dtype)


def _png_header(arr: np.ndarray, op: str) -> tuple[int, int]:
    if arr.size < 8:
        raise RuntimeError(f"{op}: Content is too small for png! ({arr.size} bytes)")
    if arr[:8].tobytes() != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError(f"{op}: Content is not png! (the bytes do not start with PNG's "
                           f"signature)")
    if arr.size < 26:
        raise RuntimeError(f"{op}: Could not read image metadata from content (truncated)")
    return int(arr[24]), int(arr[25])  # IHDR bit depth, colour type


def decode_png(input: Tensor, mode=ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes (a 1-D uint8 tensor) into a ``(C, H, W)`` tensor.

    uint8, or uint16 for a 16-bit grayscale PNG, as torchvision. ``mode`` converts as
    torchvision's libpng decoder does: ``GRAY`` from colour uses ITU-R 601 weights in libpng's
    fixed point; a palette's transparency becomes alpha; added alpha is opaque.

    Differs from torchvision: 16-bit colour PNGs raise NotImplementedError (Pillow keeps only
    8 bits of them).
    """
    op = "decode_png"
    mode = _mode(mode, op)
    arr = _byte_tensor(input, op)
    bit_depth, color_type = _png_header(arr, op)
    if bit_depth == 16 and color_type != 0:
        raise NotImplementedError(f"{op}: 16-bit colour PNGs are not supported by gradkit "
                                  f"(colour type {color_type}); convert the file to 8 bits")
    im = _exif(_open(arr, op), apply_exif_orientation)
    palette = im.mode == "P"
    if im.mode == "1":
        im = im.convert("L")
    if im.mode in ("I", "I;16", "I;16B", "I;16L"):
        a = np.asarray(im).astype(np.uint16)
    elif palette and mode is not ImageReadMode.UNCHANGED:
        has_trns = "transparency" in im.info
        a = np.asarray(im.convert("RGBA" if has_trns else "RGB"))
    else:
        a = np.asarray(im)
    top = np.iinfo(a.dtype).max
    if a.ndim == 2:
        a = a[:, :, None]
    channels = a.shape[2]
    src_color = channels >= 3
    src_alpha = channels in (2, 4)
    if mode is ImageReadMode.UNCHANGED:
        return _chw(a)
    want_color = mode in (ImageReadMode.RGB, ImageReadMode.RGB_ALPHA)
    want_alpha = mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA)
    base = a[..., :-1] if src_alpha else a
    alpha = a[..., -1:] if src_alpha else np.full(a.shape[:2] + (1,), top, a.dtype)
    if want_color and not src_color:
        base = np.repeat(base, 3, axis=2)
    elif not want_color and src_color:
        base = _rgb_to_gray(base)[..., None]
    out = np.concatenate([base, alpha], axis=2) if want_alpha else base
    return _chw(out)


def _jpeg_check(arr: np.ndarray, op: str) -> None:
    if arr.size < 3 or arr[:3].tobytes() != b"\xff\xd8\xff":
        head = " ".join(f"0x{b:02x}" for b in arr[:2])
        raise RuntimeError(f"{op}: Not a JPEG file: starts with {head or 'nothing'}")


def _decode_jpeg_one(arr: np.ndarray, mode: ImageReadMode, exif: bool, op: str) -> Tensor:
    _jpeg_check(arr, op)
    Image = pil_image()
    try:
        im = Image.open(_bytesio.BytesIO(arr.tobytes()))
        if mode is ImageReadMode.GRAY and im.mode != "L":
            # libjpeg's own grayscale output (the luma plane), as torchvision asks libjpeg for
            im.draft("L", im.size)
        im.load()
    except Exception as e:  # Pillow raises many types for corrupt data
        raise RuntimeError(f"{op}: could not decode the JPEG ({e}); the bytes are corrupted") \
            from None
    im = _exif(im, exif)
    if mode is ImageReadMode.RGB and im.mode != "RGB":
        im = im.convert("RGB")
    elif mode is ImageReadMode.GRAY and im.mode != "L":
        im = im.convert("L")
    return _chw(np.asarray(im))


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",
                apply_exif_orientation: bool = False):
    """Decode JPEG bytes (a 1-D uint8 tensor, or a list of them) into uint8 ``(C, H, W)``.

    ``mode``: ``UNCHANGED``, ``GRAY`` or ``RGB`` (JPEG has no alpha). Decoded by Pillow's
    libjpeg: values may differ from torchvision's libjpeg-turbo in the last digit of some
    pixels. Only ``device="cpu"``.
    """
    op = "decode_jpeg"
    mode = _mode(mode, op)
    if str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"{op}: gradkit decodes on the CPU only, got device={device!r}")
    if mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
        raise RuntimeError(f"{op}: The provided mode is not supported for JPEG files "
                           f"({mode.name}); use UNCHANGED, GRAY or RGB")
    if isinstance(input, list):
        if not input:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [_decode_jpeg_one(_byte_tensor(t, op), mode, apply_exif_orientation, op)
                for t in input]
    return _decode_jpeg_one(_byte_tensor(input, op), mode, apply_exif_orientation, op)


def decode_gif(input: Tensor) -> Tensor:
    """Decode GIF bytes into uint8 RGB: ``(3, H, W)``, or ``(N, 3, H, W)`` for N frames."""
    op = "decode_gif"
    arr = _byte_tensor(input, op)
    if arr[:6].tobytes() not in (b"GIF87a", b"GIF89a"):
        raise RuntimeError(f"{op}: Content is not a GIF (no GIF87a/GIF89a signature)")
    im = _open(arr, op)
    frames = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        frames.append(np.asarray(im.convert("RGB")).transpose(2, 0, 1))
    out = frames[0] if len(frames) == 1 else np.stack(frames)
    return gk.from_numpy(np.ascontiguousarray(out))


def decode_webp(input: Tensor, mode=ImageReadMode.UNCHANGED) -> Tensor:
    """Decode WebP bytes into uint8 RGB or RGBA ``(C, H, W)`` (``mode``: UNCHANGED, RGB, RGBA)."""
    op = "decode_webp"
    mode = _mode(mode, op)
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.RGB, ImageReadMode.RGB_ALPHA):
        raise RuntimeError(f"{op}: Unsupported mode {mode.name} for WebP; use UNCHANGED, RGB "
                           f"or RGBA")
    im = _open(_byte_tensor(input, op), op)
    if mode is ImageReadMode.UNCHANGED:
        target = "RGBA" if "A" in im.getbands() else "RGB"
    else:
        target = "RGB" if mode is ImageReadMode.RGB else "RGBA"
    return _chw(np.asarray(im.convert(target)))


def decode_image(input, mode=ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode a JPEG, PNG, GIF or WebP image (bytes as a 1-D uint8 tensor, or a path) into
    a ``(C, H, W)`` tensor; the format is told from the bytes, as torchvision does."""
    op = "decode_image"
    if not isinstance(input, Tensor):
        input = read_file(input)
    mode = _mode(mode, op)
    arr = _byte_tensor(input, op)
    head = arr[:15].tobytes()
    if head[:3] == b"\xff\xd8\xff":
        return decode_jpeg(input, mode, apply_exif_orientation=apply_exif_orientation)
    if head[:4] == b"\x89PNG":
        return decode_png(input, mode, apply_exif_orientation=apply_exif_orientation)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return decode_gif(input)
    if head[:4] == b"RIFF" and head[8:15] == b"WEBPVP8":
        return decode_webp(input, mode)
    raise RuntimeError(f"{op}: Unsupported image file. Only jpeg, png, gif and webp are "
                       f"currently supported (the bytes start with {head[:8]!r})")


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Read a JPEG, PNG, GIF or WebP file into a uint8 ``(C, H, W)`` tensor.

    Example::

        >>> img = read_image("cat.png", mode=ImageReadMode.RGB)  # (3, H, W) uint8
    """
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)


# ---------------------------------------------------------------- encoding

def _image_array(input, op: str) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a uint8 (C, H, W) tensor, got {type(input).__name__}")
    if input.dtype != gk.uint8:
        raise RuntimeError(f"{op}: Input tensor dtype should be uint8, got {input.dtype} "
                           f"(convert with (x * 255).round().to(torch.uint8))")
    if input.dim() != 3:
        raise RuntimeError(f"{op}: Input data should be a 3-dimensional tensor (C, H, W), got "
                           f"shape {tuple(input.shape)}")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"{op}: The number of channels should be 1 or 3, got: "
                           f"{input.shape[0]}")
    a = input.numpy().transpose(1, 2, 0)
    return np.ascontiguousarray(a[:, :, 0] if a.shape[2] == 1 else a)


def _encode(a: np.ndarray, fmt: str, **opts) -> Tensor:
    buf = _bytesio.BytesIO()
    pil_image().fromarray(a).save(buf, format=fmt, **opts)
    return gk.from_numpy(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """Encode a uint8 ``(C, H, W)`` tensor (C = 1 or 3) as PNG bytes (a 1-D uint8 tensor)."""
    op = "encode_png"
    if not 0 <= compression_level <= 9:
        raise RuntimeError(f"{op}: Compression level should be between 0 and 9, got "
                           f"{compression_level}")
    return _encode(_image_array(input, op), "PNG", compress_level=int(compression_level))


def write_png(input: Tensor, filename, compression_level: int = 6) -> None:
    """Encode ``input`` as PNG (see ``encode_png``) and write it to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality: int = 75):
    """Encode a uint8 ``(C, H, W)`` tensor (C = 1 or 3), or a list of them, as JPEG bytes.

    Encoded by Pillow's libjpeg: the bytes (and so the decoded values) may differ slightly
    from torchvision's libjpeg-turbo output.
    """
    op = "encode_jpeg"
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is "
                             "passed")
        return [_encode(_image_array(t, op), "JPEG", quality=int(quality)) for t in input]
    return _encode(_image_array(input, op), "JPEG", quality=int(quality))


def write_jpeg(input: Tensor, filename, quality: int = 75) -> None:
    """Encode ``input`` as JPEG (see ``encode_jpeg``) and write it to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))
