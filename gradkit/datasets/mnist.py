"""``MNIST`` and ``FashionMNIST`` read from the standard IDX files in a folder you name.

Nothing is downloaded. Put the four files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
optionally ``.gz``) in a folder, or point ``root`` at a torchvision-style tree
(``root/MNIST/raw/...``).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .._tensor import Tensor, wrap
from ._base import ImageLabelDataset

__all__ = ["MNIST", "FashionMNIST", "IDXFormatError", "read_idx"]

# IDX type codes -> big-endian NumPy dtypes
_IDX_TYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


class IDXFormatError(ValueError):
    """An IDX file is malformed or truncated (the message names the file)."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    Args:
        path: the file; a name ending in ``.gz`` is decompressed.

    Raises:
        IDXFormatError: bad magic number, unknown type code, or a size that does not match the
            dimensions in the header.
    """
    path = os.fspath(path)
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IDXFormatError(f"{path}: the gzip stream is truncated or corrupted ({exc})") from None
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: file is too short for an IDX header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise IDXFormatError(
            f"{path}: bad magic number 0x{int.from_bytes(raw[:4], 'big'):08x}; an IDX file starts "
            f"with 0x0000 then a type code (0x08 for uint8) and the number of dimensions")
    dtype = _IDX_TYPES[raw[2]]
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise IDXFormatError(f"{path}: file is truncated inside its header ({ndim} dimensions "
                             f"need {head} bytes, got {len(raw)})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - head != expected:
        raise IDXFormatError(
            f"{path}: size mismatch: the header gives shape {shape} ({expected} bytes of data) "
            f"but the file holds {len(raw) - head} bytes"
            + (" (truncated)" if len(raw) - head < expected else ""))
    arr = np.frombuffer(raw, dtype=dtype, offset=head).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


class MNIST(ImageLabelDataset):
    """The MNIST handwritten digits (28x28, 60,000 train / 10,000 test) from local IDX files.

    Each sample is ``(image, label)``: a float32 tensor of shape ``(1, 28, 28)`` scaled to
    ``[0, 1]`` and an int64 label. (torchvision gives a PIL image; gradkit has no PIL.)

    Args:
        root: a folder holding the IDX files (``name`` or ``name.gz``), directly or under
            ``<root>/<ClassName>/raw/``.
        train: read ``train-*`` (True) or ``t10k-*`` (False).
        transform: applied to each image tensor.
        target_transform: applied to each label.
        download: must be False: gradkit downloads nothing.

    Attributes:
        data: uint8 images ``(N, 28, 28)``; targets: int64 labels ``(N,)`` (as in torchvision).

    Raises:
        FileNotFoundError: a file is missing (the message lists where it looked).
        IDXFormatError: a file is malformed or truncated, or images and labels disagree.
    """

    classes: ClassVar[list[str]] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
        "7 - seven", "8 - eight", "9 - nine"
    ]
    _source = "https://yann.lecun.com/exdb/mnist/ (or a mirror such as ossci-datasets.s3)"

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable[[Tensor], Any] | None = None,
                 target_transform: Callable[[Tensor], Any] | None = None,
                 download: bool = False) -> None:
        name = type(self).__name__
        if download:
            raise RuntimeError(
                f"{name}(download=True): gradkit downloads nothing. Get the four IDX files "
                f"(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from {self._source}, "
                f"put them in a folder and pass it as root.")
        self.root = os.fspath(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        img_path = self._find(f"{prefix}-images-idx3-ubyte")
        lbl_path = self._find(f"{prefix}-labels-idx1-ubyte")
        images = read_idx(img_path)
        labels = read_idx(lbl_path)
        if images.ndim != 3:
            raise IDXFormatError(f"{img_path}: expected 3 dimensions (N, rows, cols) for images, "
                                 f"got shape {images.shape}")
        if labels.ndim != 1:
            raise IDXFormatError(f"{lbl_path}: expected 1 dimension for labels, got shape "
                                 f"{labels.shape}")
        if len(images) != len(labels):
            raise IDXFormatError(f"{img_path} holds {len(images)} images but {lbl_path} holds "
                                 f"{len(labels)} labels")
        self._images = images.astype(np.uint8, copy=False)
        self._labels = labels.astype(np.int64)
        self.data = wrap(self._images)
        self.targets = wrap(self._labels)

    def _find(self, base: str) -> str:
        folders = [self.root, os.path.join(self.root, type(self).__name__, "raw"),
                   os.path.join(self.root, "raw")]
        tried = []
        for folder in folders:
            for name in (base, base + ".gz"):
                p = os.path.join(folder, name)
                tried.append(p)
                if os.path.isfile(p):
                    return p
        raise FileNotFoundError(
            f"{type(self).__name__}: {base}[.gz] not found; looked for: {', '.join(tried)}. "
            f"gradkit downloads nothing: get the IDX files from {self._source}.")

    def _image(self, rows: np.ndarray) -> np.ndarray:
        return rows.astype(np.float32)[..., None, :, :] * np.float32(1 / 255)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(root={self.root!r}, train={self.train}, samples={len(self)})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (same IDX layout and sizes as ``MNIST``), from local files."""

    classes: ClassVar[list[str]] = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
        "Bag", "Ankle boot"
    ]
    _source = "https://github.com/zalandoresearch/fashion-mnist (data/fashion)"
