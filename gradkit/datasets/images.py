"""Folders of image files, one sub-folder per class (torchvision's ImageFolder layout), decoded
once with Pillow into arrays a small network trains on quickly.

:func:`load_image_folder` lists the classes and files through ``gradkit.vision.datasets`` and
decodes, converts (grayscale when every image is, else RGB) and resizes every image;
:class:`ImageStats` holds the per-channel normalisation learnt from the training images (saved
with a ``gradkit train --data images`` run); :class:`AugmentedImages` is the training set with a
light augmentation (a random shift of up to an eighth of the side, through
``gradkit.vision.transforms.RandomCrop``).

Examples:
    >>> images, labels, classes, paths = load_image_folder("flowers", size=32)
    >>> stats = ImageStats.fit(images[train])
    >>> x = stats.normalize(images)               # float32 (N, C, 32, 32)
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .._tensor import wrap
from ..utils.data.dataset import Dataset

__all__ = ["AugmentedImages", "ImageFolderError", "ImageStats", "decode_images", "image_files",
           "load_image_folder"]

_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


class ImageFolderError(ValueError):
    """A folder does not have the class-folder layout, a class is empty, an image is
    unreadable."""


def image_files(path: str | os.PathLike) -> list[Path]:
    """``path`` itself if it is a file, else the image files under it (sorted, recursive)."""
    from ..vision.datasets.folder import is_image_file

    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and is_image_file(p.name)
                  and not any(part.startswith(".") for part in p.relative_to(path).parts))


def _open(path: Path):
    from ..vision._pil import pil_image

    Image = pil_image()
    try:
        img = Image.open(path)
        img.load()
    except Exception as exc:  # Pillow raises several types for a bad file
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageFolderError(f"cannot read image {path}: {message}") from None
    return img


def decode_images(paths, size: int, channels: int | None = None) -> tuple[np.ndarray, int]:
    """Decode ``paths`` into uint8 ``(N, C, size, size)``; ``channels`` 1 or 3, or ``None`` for
    1 when every image is grayscale, else 3. Returns ``(images, channels)``."""
    from ..vision._pil import pil_image

    Image = pil_image()
    opened = [_open(Path(p)) for p in paths]
    if channels is None:
        channels = 1 if all(img.mode in _GRAY_MODES for img in opened) else 3
    out = np.empty((len(opened), channels, size, size), dtype=np.uint8)
    for i, img in enumerate(opened):
        if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit or float grayscale
            arr = np.asarray(img, dtype=np.float64)
            top = arr.max() or 1.0
            img = Image.fromarray((arr * (255.0 / top)).astype(np.uint8))
        img = img.convert("L" if channels == 1 else "RGB")
        img = img.resize((size, size), getattr(Image, "Resampling", Image).BILINEAR)
        arr = np.asarray(img, dtype=np.uint8)
        out[i] = arr[None] if channels == 1 else arr.transpose(2, 0, 1)
    return out, channels


def load_image_folder(root: str | os.PathLike, size: int, channels: int | None = None):
    """``(images uint8 (N, C, size, size), labels int64, classes, paths)`` of ``root/<class>/``.

    Raises:
        FileNotFoundError: ``root`` is not a folder.
        ImageFolderError: no class folders, a class folder without images, an unreadable image.
    """
    from ..vision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    try:
        classes, class_to_idx = find_classes(root)
    except FileNotFoundError:
        raise ImageFolderError(f"{root} has no class folders; expected one sub-folder of images "
                               f"per class ({root}/<class>/<image>)") from None
    classes = [c for c in classes if not c.startswith(".")]
    class_to_idx = {c: i for i, c in enumerate(classes)}
    if len(classes) < 2:
        raise ImageFolderError(f"{root} has {len(classes)} class folder; a classifier needs at "
                               f"least 2 ({root}/<class>/<image>)")
    samples = make_dataset(root, class_to_idx, extensions=IMG_EXTENSIONS, allow_empty=True)
    found = {label for _, label in samples}
    empty = [c for c in classes if class_to_idx[c] not in found]
    if empty:
        raise ImageFolderError(f"the class folder {root / empty[0]} holds no images "
                               f"({', '.join(IMG_EXTENSIONS)})"
                               + (f", nor do {len(empty) - 1} other(s)" if len(empty) > 1
                                  else ""))
    paths = [Path(p) for p, _ in samples]
    images, _ = decode_images(paths, size, channels)
    labels = np.asarray([label for _, label in samples], dtype=np.int64)
    return images, labels, classes, paths


@dataclass
class ImageStats:
    """Per-channel mean and standard deviation of training images scaled to [0, 1]."""

    mean: list
    std: list

    @classmethod
    def fit(cls, images: np.ndarray) -> ImageStats:
        x = images.astype(np.float64) / 255.0
        mean = x.mean(axis=(0, 2, 3))
        std = x.std(axis=(0, 2, 3))
        return cls([float(m) for m in mean], [float(s) if s > 1e-6 else 1.0 for s in std])

    def normalize(self, images: np.ndarray) -> np.ndarray:
        mean = np.asarray(self.mean, dtype=np.float32)[None, :, None, None]
        std = np.asarray(self.std, dtype=np.float32)[None, :, None, None]
        return ((images.astype(np.float32) / 255.0) - mean) / std

    def state_dict(self) -> dict:
        return asdict(self)


class AugmentedImages(Dataset):
    """Normalised images with a light training augmentation: a random shift of up to
    ``shift`` pixels (zero padding, then a random crop back to the size).

    ``gradkit.vision.transforms.RandomCrop`` draws from gradkit's default generator, so a run's
    checkpoint, which holds that generator's state, resumes the same augmentation.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, shift: int | None = None):
        from ..vision import transforms as T

        self.images = np.ascontiguousarray(images, dtype=np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)
        size = self.images.shape[-1]
        self.shift = max(1, size // 8) if shift is None else int(shift)
        self.transform = T.RandomCrop(size, padding=self.shift) if self.shift else None

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        x = wrap(self.images[index])
        if self.transform is not None:
            x = self.transform(x)
        return x, wrap(self.labels[index, ...])
