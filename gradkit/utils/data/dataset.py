"""Datasets: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``ConcatDataset``, ``Subset`` and
``random_split``, as in ``torch.utils.data``.

A map-style dataset may also define ``_batch_fetch(indices)`` returning an already collated batch
(what ``default_collate`` would make of ``[self[i] for i in indices]``). The ``DataLoader`` uses it
when its ``collate_fn`` is ``default_collate``: ``TensorDataset`` implements it with one fancy
index per tensor instead of one Python call and one ``stack`` per sample.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ..._tensor import Tensor, wrap
from ...random import Generator, _gen
from ...random import randperm as _randperm

# the sample type: ``Dataset[T]`` and ``class MyData(Dataset[tuple[Tensor, int]])`` work as in
# PyTorch, whose datasets, samplers and DataLoader are ``typing.Generic``
T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset(Generic[T_co]):
    """A map-style dataset: ``dataset[i]`` gives the i-th sample; ``len(dataset)`` its size.

    Subclasses override ``__getitem__`` and usually ``__len__``. ``a + b`` concatenates.
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset read as a stream: subclasses implement ``__iter__``.

    Note:
        gradkit's thread workers share one iterator (see ``DataLoader``), so an iterable dataset
        is read once per epoch whatever ``num_workers`` is; there is no per-worker replica to
        shard with ``get_worker_info``.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _row(t: Tensor, index):
    """``t[index]`` for an int index; a cheap view when no gradient is tracked."""
    if t.requires_grad:
        return t[index]
    return wrap(t._data[index, ...])


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension.

    Args:
        *tensors: tensors with the same size in dimension 0.

    Examples:
        >>> ds = TensorDataset(gradkit.randn(100, 3), gradkit.arange(100))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors: Tensor) -> None:
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset expects Tensors, but argument {i} is {type(t).__name__}")
            if t.ndim == 0:  # (PyTorch's types: IndexError here, its assert's AssertionError below)
                raise IndexError(f"TensorDataset: tensor {i} is 0-dimensional; it has no rows "
                                 f"(Dimension specified as 0 but tensor has no dimensions)")
        if tensors and any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            sizes = [t.shape[0] for t in tensors]
            raise AssertionError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return tuple(_row(t, int(index)) for t in self.tensors)
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0

    def _batch_fetch(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx[(idx >= n) | (idx < -n)][0])
            raise IndexError(f"index {bad} is out of bounds for a TensorDataset of size {n}")
        out = []
        for t in self.tensors:
            if t.requires_grad:
                out.append(t[wrap(idx)])
            else:
                out.append(wrap(t._data[idx]))
        return out  # a list, as default_collate makes of tuple samples


class StackDataset(Dataset[T_co]):
    """Several same-length datasets side by side: sample ``i`` is a tuple (positional
    arguments) or a dict (keyword arguments) of their ``i``-th samples.

    Examples:
        >>> ds = StackDataset(image=images, text=captions)
        >>> ds[0]  # {"image": images[0], "text": captions[0]}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("At least one dataset should be passed")
        length = len(parts[0])
        if any(len(d) != length for d in parts):
            raise ValueError("Size mismatch between datasets")
        self._length = length
        self.datasets = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[T_co]):
    """Several map-style datasets one after another.

    Args:
        datasets: the datasets to join (not iterable datasets).
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:  # (PyTorch's asserts: AssertionError, here and below)
            raise AssertionError("datasets should not be an empty iterable (ConcatDataset)")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset (use "
                                     "ChainDataset to join iterable datasets)")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        idx = int(idx)
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        if idx >= len(self):
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of size {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset[T_co]):
    """Several iterable datasets read one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            _chainable(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            total += len(_chainable(d))
        return total


def _chainable(d):
    if not isinstance(d, IterableDataset):  # (PyTorch's assert: AssertionError)
        raise AssertionError(f"ChainDataset only supports IterableDataset, got "
                             f"{type(d).__name__} (use ConcatDataset for map-style datasets)")
    return d


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: positions in ``dataset``.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        inner = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)

    def __getattr__(self, name):
        # only ``_batch_fetch`` is forwarded, and only when the wrapped dataset has it
        if name == "_batch_fetch":
            inner = getattr(self.__dict__.get("dataset"), "_batch_fetch", None)
            if inner is not None:
                indices = self.__dict__["indices"]
                return lambda idx: inner([indices[i] for i in idx])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset`` s.

    Args:
        dataset: the dataset to split.
        lengths: sizes of the parts, or fractions summing to 1 (the remainder after flooring is
            handed out one by one from the first part, as PyTorch does).
        generator: the random stream (default: gradkit's global generator). The same seed gives
            the same split; the permutation is gradkit's, not PyTorch's.

    Returns:
        one ``Subset`` per entry of ``lengths``.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        remainder = n - sum(sizes)
        for i in range(remainder):
            sizes[i % len(sizes)] += 1
        for i, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                              f"dataset.", stacklevel=2)
        lengths = sizes
    for x in lengths:
        if not isinstance(x, (int, np.integer)) or x < 0:
            raise ValueError(
                f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                f"got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input "
            f"dataset ({n})!")
    perm = _randperm(_gen(generator), n).tolist()  # PyTorch's randperm
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + int(length)]))
        offset += int(length)
    return out
