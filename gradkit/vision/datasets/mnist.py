"""``MNIST``, ``FashionMNIST`` and ``KMNIST`` as torchvision reads them: ``root/<Name>/raw/``.

The IDX files are read by ``gradkit.datasets.mnist.read_idx`` (plain or ``.gz``).
``download=True`` fetches missing files from torchvision's mirrors (MD5-checked, then unpacked
as torchvision unpacks them); without network access the error names the folder and the files
to put there.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

from ..._tensor import wrap
from ...datasets.mnist import IDXFormatError, read_idx
from .._pil import pil_image
from ._download import fetch_first, gunzip
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST"]


class MNIST(VisionDataset):
    """MNIST digits: ``(PIL image "L" 28x28, int label)`` samples, as torchvision.

    Args:
        root: the folder holding ``MNIST/raw/`` (the IDX files, each plain or ``.gz``).
        train: the 60,000 training images (True) or the 10,000 test images.
        transform, target_transform: applied to the PIL image / the int label.
        download: fetch missing files (torchvision's mirrors and MD5s) into ``raw/``.

    Attributes:
        data: uint8 tensor ``(N, 28, 28)``; targets: int64 tensor ``(N,)``; classes;
        class_to_idx.
    """

    classes: ClassVar[list[str]] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
        "7 - seven", "8 - eight", "9 - nine"]
    _source: ClassVar[str] = "https://ossci-datasets.s3.amazonaws.com/mnist/ (or yann.lecun.com)"
    mirrors: ClassVar[list[str]] = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                                    "http://yann.lecun.com/exdb/mnist/"]
    # torchvision's published MD5 of each .gz file
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
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
            by_hand = (f"put the four IDX files {files} (each may be .gz) in "
                       f"{os.path.abspath(self.raw_folder)} ; they are published at "
                       f"{self._source}.")
            md5 = dict(self.resources)[base + ".gz"]
            gz = fetch_first([m + base + ".gz" for m in self.mirrors],
                             os.path.join(self.raw_folder, base + ".gz"), md5,
                             what=type(self).__name__, by_hand=by_hand)
            return gunzip(gz)
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
    mirrors: ClassVar[list[str]] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: same layout, in ``root/KMNIST/raw/``."""

    classes: ClassVar[list[str]] = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    _source: ClassVar[str] = "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"
    mirrors: ClassVar[list[str]] = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
