"""``default_collate`` and ``default_convert``: turning samples into batches of tensors.

The rules follow ``torch.utils.data.default_collate``: tensors and NumPy arrays are stacked along a
new first dimension, Python floats give a float64 tensor and ints an int64 tensor, strings stay a
list, and mappings, named tuples and sequences are collated field by field (a tuple of fields
gives a *list* of batches, as in PyTorch).
"""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Tensor, wrap
from ...factories import tensor
from ...functions import stack

__all__ = ["default_collate", "default_convert"]

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _numpy_to_tensor(arr: np.ndarray) -> Tensor:
    if arr.dtype.kind not in "biuf":
        raise TypeError(_ERR.format(arr.dtype))
    return wrap(np.asarray(arr))


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch.

    Args:
        batch: a non-empty sequence of samples with the same structure.

    Returns:
        the batch: tensors stacked on a new dimension 0, numbers as 1-D tensors, containers
        collated element by element.

    Examples:
        >>> default_collate([(gradkit.tensor([1., 2.]), 0), (gradkit.tensor([3., 4.]), 1)])
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind not in "biuf":
            raise TypeError(_ERR.format(elem.dtype))
        for i, b in enumerate(batch):
            if b.shape != elem.shape:  # the first sample that differs, named as torch does
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(elem.shape)} "
                    f"at entry 0 and {list(b.shape)} at entry {i}")
        return wrap(np.stack(batch))
    if isinstance(elem, (np.bool_, np.number)):
        return _numpy_to_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):  # bools too: all-bool gives bool, a float among ints float32
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _like_mapping(elem, {key: default_collate([d[key] for d in batch])
                                    for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # tuples, as in PyTorch (strings stay a tuple)
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        return _like_sequence(elem, [default_collate(s) for s in transposed])
    raise TypeError(_ERR.format(type(elem)))


def _like_mapping(original, items: dict) -> Any:
    """``items`` in ``original``'s mapping type: a shallow copy updated in place when mutable,
    else ``type(original)(items)``, else a plain dict."""
    if isinstance(original, collections.abc.MutableMapping):
        clone = copy.copy(original)
        clone.update(items)
        return clone
    try:
        return type(original)(items)
    except TypeError:
        return items


def _like_sequence(original, items: list) -> Any:
    """``items`` in ``original``'s sequence type: a shallow copy filled in place when mutable,
    else ``type(original)(items)``, else a plain list."""
    if isinstance(original, collections.abc.MutableSequence):
        clone = copy.copy(original)
        for i, item in enumerate(items):
            clone[i] = item
        return clone
    try:
        return type(original)(items)
    except TypeError:
        return items


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars in ``data`` into tensors, keeping the structure.

    Used as ``collate_fn`` when automatic batching is off (``batch_size=None``). Tuples become
    lists, as in PyTorch.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return _numpy_to_tensor(data) if data.dtype.kind in "biuf" else data
    if isinstance(data, (np.bool_, np.number)):
        return _numpy_to_tensor(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _like_mapping(data, {key: default_convert(data[key]) for key in data})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        return _like_sequence(data, [default_convert(d) for d in data])
    return data
