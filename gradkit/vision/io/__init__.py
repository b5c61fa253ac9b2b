"""``torchvision.io`` for images: read, decode, encode and write PNG and JPEG files as uint8
``(C, H, W)`` tensors (GIF and WebP decode too), with torchvision's names, modes and errors.

Decoding and encoding go through Pillow (``pip install 'gradkit[vision]'``), imported on first
use. Video and audio io (``read_video``, ``write_video``, ``VideoReader``) are not provided; they
raise NotImplementedError saying so.
"""

from .image import (
    ImageReadMode,
    decode_gif,
    decode_image,
    decode_jpeg,
    decode_png,
    decode_webp,
    encode_jpeg,
    encode_png,
    read_file,
    read_image,
    write_file,
    write_jpeg,
    write_png,
)
from .video import VideoReader, read_video, read_video_timestamps, write_video

__all__ = [
    "ImageReadMode", "decode_image", "decode_jpeg", "decode_png", "decode_webp", "decode_gif",
    "encode_jpeg", "encode_png", "read_file", "read_image", "write_file", "write_jpeg",
    "write_png", "read_video", "read_video_timestamps", "write_video", "VideoReader",
]
