"""What the in-memory image data sets share: indexing, transforms, and the batched fast path."""

from __future__ import annotations

import numpy as np

from .._tensor import wrap
from ..utils.data.dataset import Dataset

__all__ = ["ImageLabelDataset"]


class ImageLabelDataset(Dataset):
    """Images and integer labels held as arrays (``_images``, ``_labels``).

    Subclasses set those arrays, ``transform`` and ``target_transform``, and may override
    ``_image(rows)`` to turn stored rows into float images (the identity by default). Without
    transforms, ``_batch_fetch`` lets the DataLoader take a whole batch in one fancy index.
    """

    def _image(self, rows: np.ndarray) -> np.ndarray:
        return rows

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int):
        img = wrap(self._image(self._images[index]))
        target = wrap(self._labels[index, ...])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getattr__(self, name):
        if name == "_batch_fetch" and self.__dict__.get("transform") is None \
                and self.__dict__.get("target_transform") is None:
            def fetch(indices):
                idx = np.asarray(indices, dtype=np.int64)
                return [wrap(self._image(self._images[idx])), wrap(self._labels[idx])]
            return fetch
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
