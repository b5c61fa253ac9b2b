"""``CIFAR10`` and ``CIFAR100`` from the python pickle batches, read without running code."""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

from .._pil import pil_image
from ._download import fetch_first, untar
from ._safe_pickle import safe_load
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(VisionDataset):
    """CIFAR-10: ``(PIL image RGB 32x32, int label)`` samples, as torchvision.

    Args:
        root: the folder holding ``cifar-10-batches-py/`` (``data_batch_1`` ... ``data_batch_5``,
            ``test_batch``, ``batches.meta``: the python version of the data set, extracted).
        train: the training batches (True) or the test batch.
        transform, target_transform: applied to the PIL image / the int label.
        download: fetch and unpack the archive (torchvision's URL and MD5) when files are
            missing.

    Attributes:
        data: uint8 ndarray ``(N, 32, 32, 3)``; targets: list of ints; classes; class_to_idx.

    The batches are pickles: they are read with a restricted unpickler that admits only plain
    containers, numbers, strings and NumPy arrays.
    """

    base_folder: ClassVar[str] = "cifar-10-batches-py"
    url: ClassVar[str] = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename: ClassVar[str] = "cifar-10-python.tar.gz"
    tgz_md5: ClassVar[str] = "c58f30108f718f92721af3b95e74349a"
    train_list: ClassVar[list[str]] = [f"data_batch_{i}" for i in range(1, 6)]
    test_list: ClassVar[list[str]] = ["test_batch"]
    meta: ClassVar[dict[str, str]] = {"filename": "batches.meta", "key": "label_names"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        folder = os.path.join(self.root, self.base_folder)
        names = (self.train_list if train else self.test_list) + [self.meta["filename"]]
        missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        where = (f"Put the files {', '.join(names)} (the python version, {self.url}, "
                 f"extracted) in {os.path.abspath(folder)}")
        if missing and download:
            archive = fetch_first([self.url], os.path.join(self.root, self.filename),
                                  self.tgz_md5, what=type(self).__name__, by_hand=where + ".")
            untar(archive, self.root)
            missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise RuntimeError(f"Dataset not found: {', '.join(missing)} missing. {where}. "
                               f"You can use download=True to download it.")
        data, targets = [], []
        for name in self.train_list if train else self.test_list:
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                entry = safe_load(fh, encoding="latin1")
            if not isinstance(entry, dict) or "data" not in entry:
                raise RuntimeError(f"{path}: not a CIFAR batch (expected a dict with 'data' and "
                                   f"'labels' or 'fine_labels')")
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        arr = np.vstack(data)
        if arr.size % (3 * 32 * 32):
            raise RuntimeError(f"{folder}: the batches hold {arr.size} bytes of pixels, not a "
                               f"whole number of 3x32x32 images")
        self.data = arr.reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # HWC
        self.targets = [int(t) for t in targets]
        if len(self.targets) != len(self.data):
            raise RuntimeError(f"{folder}: {len(self.data)} images but {len(self.targets)} labels")
        self._load_meta(os.path.join(folder, self.meta["filename"]))

    def _load_meta(self, path: str) -> None:
        with open(path, "rb") as fh:
            data = safe_load(fh, encoding="latin1")
        self.classes = list(data[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = pil_image().fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels): ``root/cifar-100-python/`` with ``train``, ``test``, ``meta``."""

    base_folder: ClassVar[str] = "cifar-100-python"
    url: ClassVar[str] = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename: ClassVar[str] = "cifar-100-python.tar.gz"
    tgz_md5: ClassVar[str] = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list: ClassVar[list[str]] = ["train"]
    test_list: ClassVar[list[str]] = ["test"]
    meta: ClassVar[dict[str, str]] = {"filename": "meta", "key": "fine_label_names"}
