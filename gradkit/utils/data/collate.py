"""``default_collate`` and ``default_convert``: turning samples into batches of tensors.

The rules follow ``torch.utils.data.default_collate``: tensors and NumPy arrays are stacked along a
new first dimension, Python floats give a float64 tensor and ints an int64 tensor, strings stay a
list, and mappings, named tuples and sequences are collated field by field (a tuple of fields
gives a *list* of batches, as in PyTorch).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Tensor, wrap
from ...factories import tensor
from ...functions import stack

__all__ = ["collate", "collate_float_fn", "collate_int_fn", "collate_numpy_array_fn",
           "collate_numpy_scalar_fn", "collate_str_fn", "collate_tensor_fn", "default_collate",
           "default_collate_err_msg_format", "default_collate_fn_map", "default_convert",
           "np_str_obj_array_pattern"]

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    "found {}")
_ERR = default_collate_err_msg_format
# NumPy dtype strings of bytes, strings, unicode and objects: arrays that cannot become tensors
np_str_obj_array_pattern = re.compile("[SaUO]")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _numpy_to_tensor(arr: np.ndarray) -> Tensor:
    if arr.dtype.kind not in "biuf":
        raise TypeError(_ERR.format(arr.dtype))
    return wrap(np.asarray(arr))


def collate(batch: Sequence[Any], *, collate_fn_map: dict | None = None) -> Any:
    """Merge a list of samples into a batch, dispatching on the first sample's type.

    ``collate_fn_map`` maps a type (or a tuple of types) to a function
    ``fn(batch, *, collate_fn_map)``; the exact type is looked up first, then each key in
    insertion order with ``isinstance``. Mappings, named tuples and sequences not in the map are
    collated field by field with the same map. As ``torch.utils.data._utils.collate.collate``.

    Args:
        batch: a non-empty sequence of samples with the same structure.
        collate_fn_map: the per-type collate functions (``default_collate_fn_map`` for
            ``default_collate``); ``None`` handles only containers.

    Returns:
        the batch.
    """
    elem = batch[0]
    if collate_fn_map is not None:
        fn = collate_fn_map.get(type(elem))
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _like_mapping(elem, {key: collate([d[key] for d in batch],
                                                 collate_fn_map=collate_fn_map)
                                    for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # tuples, as in PyTorch (strings stay a tuple)
        items = [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
        return items if isinstance(elem, tuple) else _like_sequence(elem, items)
    raise TypeError(default_collate_err_msg_format.format(type(elem)))


def collate_tensor_fn(batch: Sequence[Tensor], *, collate_fn_map: dict | None = None) -> Tensor:
    """Stack tensors along a new dimension 0."""
    return stack(list(batch), 0)


def collate_numpy_array_fn(batch: Sequence[np.ndarray], *,
                           collate_fn_map: dict | None = None) -> Any:
    """Stack NumPy arrays of numbers (or bools) into a tensor; strings and objects are refused."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None or \
            elem.dtype.kind not in "biuf":
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    for i, b in enumerate(batch):
        if b.shape != elem.shape:  # the first sample that differs, named as torch does
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(elem.shape)} "
                f"at entry 0 and {list(b.shape)} at entry {i}")
    return collate([wrap(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: Sequence[Any], *, collate_fn_map: dict | None = None) -> Tensor:
    """NumPy scalars become a 1-D tensor of their dtype."""
    return _numpy_to_tensor(np.asarray(batch))


def collate_float_fn(batch: Sequence[float], *, collate_fn_map: dict | None = None) -> Tensor:
    """Python floats become a float64 tensor."""
    return wrap(np.asarray(batch, dtype=np.float64))


def collate_int_fn(batch: Sequence[int], *, collate_fn_map: dict | None = None) -> Tensor:
    """Python ints become an int64 tensor (all bools a bool tensor)."""
    return tensor(batch)


def collate_str_fn(batch: Sequence[Any], *, collate_fn_map: dict | None = None) -> Any:
    """Strings and bytes stay the batch they came in."""
    return batch


default_collate_fn_map: dict = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch.

    ``collate`` with ``default_collate_fn_map``, which a program may extend in place to teach
    it a new sample type, as in PyTorch.

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
    return collate(batch, collate_fn_map=default_collate_fn_map)


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
