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

__all__ = ["IMAGE_EXTENSIONS", "AugmentedImages", "ImageFolderError", "ImageStats", "decode_images",
           "image_files", "is_image_name", "load_image_folder"]

_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


class ImageFolderError(ValueError):
    """A folder does not have the class-folder layout, a class is empty, an image is
    unreadable."""


#: The file name endings read as images (any case): torchvision's ``IMG_EXTENSIONS`` and the
#: other still-image formats Pillow reads without plug-ins (GIF: its first frame).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp",
                    ".gif", ".jfif", ".pbm", ".pnm")


def is_image_name(name: str) -> bool:
    """Whether a file name ends with one of :data:`IMAGE_EXTENSIONS` (any case)."""
    return name.lower().endswith(IMAGE_EXTENSIONS)


def _walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """(image files, other files) under ``folder``, recursively and sorted, leaving out hidden
    files and folders (``.DS_Store``, ``.thumbnails/``, ``._photo.jpg``)."""
    images, others = [], []
    for p in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(folder).parts) or not p.is_file():
            continue
        (images if is_image_name(p.name) else others).append(p)
    return images, others


def image_files(path: str | os.PathLike) -> list[Path]:
    """``path`` itself if it is a file, else the image files under it (sorted, recursive,
    hidden files and folders left out)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return _walk(path)[0]


def _open(path: Path):
    from ..vision._pil import pil_image

    Image = pil_image()
    try:
        img = Image.open(path)
        img.load()
    except Exception as exc:  # Pillow raises several types for a bad file
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageFolderError(f"cannot read image {path}: {message}; replace the file, or "
                               f"delete it or move it out of the folder") from None
    return img


def decode_images(paths, size: int, channels: int | None = None) -> tuple[np.ndarray, int]:
    """Decode ``paths`` into uint8 ``(N, C, size, size)``; ``channels`` 1 or 3, or ``None`` for
    1 when every image is grayscale, else 3. Returns ``(images, channels)``."""
    from ..vision._pil import pil_image

    Image = pil_image()
    paths = [Path(p) for p in paths]
    if channels is None:  # from the headers alone: one decoded photo in memory at a time
        channels = 1 if all(_mode(p) in _GRAY_MODES for p in paths) else 3
    out = np.empty((len(paths), channels, size, size), dtype=np.uint8)
    for i, path in enumerate(paths):
        img = original = _open(path)
        if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit or float grayscale
            arr = np.asarray(img, dtype=np.float64)
            top = arr.max() or 1.0
            img = Image.fromarray((arr * (255.0 / top)).astype(np.uint8))
        img = img.convert("L" if channels == 1 else "RGB")
        img = img.resize((size, size), getattr(Image, "Resampling", Image).BILINEAR)
        arr = np.asarray(img, dtype=np.uint8)
        out[i] = arr[None] if channels == 1 else arr.transpose(2, 0, 1)
        original.close()  # a GIF or TIFF keeps its file open for the other frames
    return out, channels


def _mode(path: Path) -> str:
    """An image's mode from its header (the pixels are not decoded)."""
    from ..vision._pil import pil_image

    try:
        with pil_image().open(path) as img:
            return img.mode
    except Exception:  # noqa: BLE001 - _open reports the file with its fix
        return _open(path).mode


def load_image_folder(root: str | os.PathLike, size: int, channels: int | None = None, *,
                      notes: list[str] | None = None):
    """``(images uint8 (N, C, size, size), labels int64, classes, paths)`` of ``root/<class>/``
    (images in sub-folders of a class folder count for the class; hidden files and folders are
    left out). ``notes``, when given, receives a line about files that are not images.

    Raises:
        FileNotFoundError: ``root`` is not a folder.
        ImageFolderError: no class folders, a class folder without images, an unreadable image.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        loose = [p for p in root.iterdir() if p.is_file() and is_image_name(p.name)]
        extra = (f"; the {len(loose)} image(s) directly in {root} belong in a class folder"
                 if loose else "")
        have = "no class folders" if not classes else f"1 class folder ({classes[0]})"
        raise ImageFolderError(f"{root} has {have}; a classifier needs at least 2, one "
                               f"sub-folder of images per class ({root}/<class>/<image>){extra}")
    paths, labels, others, empty = [], [], [], []
    for label, name in enumerate(classes):
        found, rest = _walk(root / name)
        paths += found
        labels += [label] * len(found)
        others += rest
        if not found:
            empty.append(name)
    if empty:
        raise ImageFolderError(f"the class folder {root / empty[0]} holds no images "
                               f"({', '.join(IMAGE_EXTENSIONS)})"
                               + (f", nor do {len(empty) - 1} other(s)" if len(empty) > 1 else "")
                               + "; add images to it or remove it")
    loose = [p for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
    if notes is not None and (others or loose):
        skipped = others + loose
        shown = ", ".join(str(p.relative_to(root)) for p in skipped[:3])
        notes.append(f"{len(skipped)} file(s) in {root} are not images in a class folder and "
                     f"were left out: {shown}{', ...' if len(skipped) > 3 else ''}")
    images, _ = decode_images(paths, size, channels)
    return images, np.asarray(labels, dtype=np.int64), classes, paths


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
