"""``torchvision.io``'s video functions: not provided by gradkit; each raises a clear error."""

from __future__ import annotations

__all__ = ["read_video", "read_video_timestamps", "write_video", "VideoReader"]


def _missing(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"torchvision.io.{name}: gradkit does not provide video or audio io (only images: "
        f"read_image, decode_image, encode_png/jpeg, ...). Decode the video with another "
        f"library (e.g. PyAV or imageio) and pass the frames as tensors.")


def read_video(*args, **kwargs):
    """Not provided: raises NotImplementedError (gradkit has image io only)."""
    raise _missing("read_video")


def read_video_timestamps(*args, **kwargs):
    """Not provided: raises NotImplementedError (gradkit has image io only)."""
    raise _missing("read_video_timestamps")


def write_video(*args, **kwargs):
    """Not provided: raises NotImplementedError (gradkit has image io only)."""
    raise _missing("write_video")


class VideoReader:
    """Not provided: constructing one raises NotImplementedError (gradkit has image io only)."""

    def __init__(self, *args, **kwargs):
        raise _missing("VideoReader")
