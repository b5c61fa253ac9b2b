"""``Digits``: the 1,797 real 8x8 handwritten digits that ship with scikit-learn (no download)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .._tensor import Tensor, wrap
from ._base import ImageLabelDataset

__all__ = ["Digits"]


@functools.lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "gradkit.datasets.Digits reads the digits bundled with scikit-learn, which is not "
            "installed. Install it with `pip install gradkit[train]` (or `pip install "
            "scikit-learn`).") from exc
    bunch = load_digits()
    images = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16.0))[:, None]
    labels = np.asarray(bunch.target, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _stratified_split(labels: np.ndarray, test_size: float, seed: int) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """Train and test indices with each class split in the same proportion (sorted)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        k = round(len(idx) * test_size)
        test.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class Digits(ImageLabelDataset):
    """Handwritten digits 0-9 as 8x8 grey images (UCI "optdigits" test set, via scikit-learn).

    Each sample is ``(image, label)``: a float32 tensor of shape ``(1, 8, 8)`` scaled to
    ``[0, 1]`` and an int64 label. The train/test split is fixed and stratified by class.

    Args:
        train: the training part (``True``) or the test part.
        transform: applied to each image tensor.
        target_transform: applied to each label.
        test_size: fraction of each class put in the test part (0 < test_size < 1).
        seed: seed of the split (the same seed gives the same split on every machine).

    Attributes:
        data: all images of this part, float32 ``(N, 1, 8, 8)`` (like torchvision's ``.data``).
        targets: the labels, int64 ``(N,)``.
        classes: ``['0', ..., '9']``.

    Raises:
        ImportError: scikit-learn is not installed (``pip install gradkit[train]``).

    Examples:
        >>> train = Digits(train=True)
        >>> loader = DataLoader(train, batch_size=64, shuffle=True)
    """

    classes: ClassVar[list[str]] = [str(i) for i in range(10)]

    def __init__(self, train: bool = True, transform: Callable[[Tensor], Any] | None = None,
                 target_transform: Callable[[Tensor], Any] | None = None,
                 test_size: float = 0.25, seed: int = 0) -> None:
        if not 0.0 < float(test_size) < 1.0:
            raise ValueError(f"Digits: test_size must be between 0 and 1, got {test_size}")
        images, labels = _load_digits()
        train_idx, test_idx = _stratified_split(labels, float(test_size), int(seed))
        idx = train_idx if train else test_idx
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self._images = images[idx]
        self._labels = labels[idx]
        self.data = wrap(self._images)
        self.targets = wrap(self._labels)

    def __repr__(self) -> str:
        return f"Digits(train={self.train}, samples={len(self)})"
