"""The order ``torch.sort(scores, 0, descending=True)`` gives on CPU, ties included.

torchvision's CPU ``nms`` visits the boxes in that order, and ATen sorts with ``std::sort``,
which is not stable: among equal scores the order is whatever introsort leaves (index order
only for 16 scores or fewer). ``gradkit.sort`` reproduces it (``stable=False``, the default);
``descending_order`` is that order on a NumPy array, for any number of scores (nms must visit
them in torch's order).
"""

from __future__ import annotations

import numpy as np

from ...functions.sorting import _unstable_argsort

__all__ = ["descending_order"]


def descending_order(keys: np.ndarray) -> np.ndarray:
    """Indices sorting the 1-D ``keys`` in decreasing order (NaN first), ties as ATen's CPU
    ``sort(descending=True)`` orders them."""
    keys = np.asarray(keys)
    if keys.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return _unstable_argsort(keys, 0, True, limit=None).astype(np.int64)
