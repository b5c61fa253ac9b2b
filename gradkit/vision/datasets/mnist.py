"""``MNIST``, ``FashionMNIST`` and ``KMNIST`` as torchvision reads them: ``root/<Name>/raw/``.

The IDX files are read by ``gradkit.datasets.mnist.read_idx`` (plain or ``.gz``). Nothing is
downloaded; ``download=True`` with the files missing raises an error naming the folder and the
files to put there.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

from ..._tensor import wrap
from ...datasets.mnist import IDXFormatError, read_idx
from .._pil import pil_image
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST"]


class MNIST(VisionDataset):
    """MNIST digits: ``(PIL image "L" 28x28, int label)`` samples, as torchvision.

    Args:
        root: the folder holding ``MNIST/raw/`` (the IDX files, each plain or ``.gz``).
        train: the 60,000 training images (True) or the 10,000 test images.
        transform, target_transform: applied to the PIL image / the int label.
        download: gradkit downloads nothing; with the files present it is ignored, without them
            the error says where to put which files.

    Attributes:
        data: uint8 tensor ``(N, 28, 28)``; targets: int64 tensor ``(N,)``; classes;
        class_to_idx.
    """

    classes: ClassVar[list[str]] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
        "7 - seven", "8 - eight", "9 - nine"]
    _source: ClassVar[str] = "https://ossci-datasets.s3.amazonaws.com/mnist/ (or yann.lecun.com)"
    _files: ClassVar[tuple[str, ...]] = (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte")

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        prefix = "train" if train else "t10k"
        img_path = self._find(f"{prefix}-images-idx3-ubyte", download)
        lbl_path = self._find(f"{prefix}-labels-idx1-ubyte", download)
        images, labels = read_idx(img_path), read_idx(lbl_path)
        if images.ndim != 3:
            raise IDXFormatError(f"{img_path}: expected 3 dimensions (N, rows, cols) for images, "
                                 f"got shape {images.shape}")
        if labels.ndim != 1 or len(images) != len(labels):
            raise IDXFormatError(f"{img_path} holds {len(images)} images but {lbl_path} holds "
                                 f"labels of shape {labels.shape}")
        self.data = wrap(np.ascontiguousarray(images.astype(np.uint8, copy=False)))
        self.targets = wrap(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, base: str, download: bool) -> str:
        for name in (base, base + ".gz"):
            p = os.path.join(self.raw_folder, name)
            if os.path.isfile(p):
                return p
        files = ", ".join(self._files)
        if download:
            raise RuntimeError(
                f"{type(self).__name__}(download=True): gradkit downloads nothing (no network "
                f"access is assumed). Put the four IDX files {files} (each may be .gz) in "
                f"{os.path.abspath(self.raw_folder)} ; they are published at {self._source}.")
        raise RuntimeError(
            f"Dataset not found: {os.path.join(self.raw_folder, base)}[.gz] is missing. Put the "
            f"IDX files {files} (each may be .gz) in {os.path.abspath(self.raw_folder)} "
            f"(from {self._source}).")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().fromarray(self.data._data[index])
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: same layout, in ``root/FashionMNIST/raw/``."""

    classes: ClassVar[list[str]] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    _source: ClassVar[str] = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


class KMNIST(MNIST):
    """Kuzushiji-MNIST: same layout, in ``root/KMNIST/raw/``."""

    classes: ClassVar[list[str]] = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    _source: ClassVar[str] = "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"
