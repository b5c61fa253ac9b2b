"""Samplers: the order in which a ``DataLoader`` reads a map-style dataset (``torch.utils.data``).

Random samplers draw PyTorch's streams: without a generator, ``RandomSampler`` seeds a fresh
one per epoch from a 64-bit draw of the default generator (as PyTorch does), so after the same
``manual_seed`` the orders are PyTorch's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic

import numpy as np

from ... import random as _random
from ..._tensor import Tensor
from ...random import Generator, _gen
from .dataset import T_co

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


class Sampler(Generic[T_co]):
    """Base class: an iterable of dataset indices (or of index lists, for batch samplers)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _seeded_rng(generator):
    """The stream for one epoch: ``generator`` itself, or a fresh one seeded from a 64-bit draw
    of the default generator when none was given (PyTorch's ``RandomSampler``)."""
    if generator is not None:
        return generator
    seed = int(_random.random_full(_gen(None), 1, np.int64)[0])
    return Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """Indices in random order.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (indices may repeat).
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement a larger value chains several permutations.
        generator: the random stream (default: a fresh stream seeded from the global one).
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) \
                or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    # with replacement, indices are drawn lazily in blocks of this many (a multiple of
    # PyTorch's 32, and the draws are sequential, so the stream is PyTorch's whatever the block)
    _BLOCK = 32 * 256

    def _replacement_indices(self, n: int) -> Iterator[int]:
        rng = _seeded_rng(self.generator)
        left = self.num_samples
        if n == 0 and left > 0:  # PyTorch's randint(high=0) refuses it the same way
            raise RuntimeError("random_ expects 'from' to be less than 'to', but got from=0 "
                               ">= to=0: RandomSampler(replacement=True) cannot draw from an "
                               "empty dataset")
        while left > 0:
            k = min(left, self._BLOCK)
            yield from _random.random_from_to(rng, k, 0, n).tolist()
            left -= k

    def _permutations(self) -> Iterator[np.ndarray]:
        """The epoch's permutations, each drawn when its first index is read (PyTorch's
        ``__iter__`` is a generator: an epoch left part-way draws no more, and the generator
        stands where PyTorch's does for the next epoch)."""
        n = len(self.data_source)
        rng = _seeded_rng(self.generator)  # (the seed is drawn before PyTorch's check)
        if n == 0:  # PyTorch's num_samples // n fails the same way
            raise ZeroDivisionError(f"RandomSampler: cannot draw num_samples="
                                    f"{self.num_samples} indices without replacement from an "
                                    f"empty dataset")
        reps, rest = divmod(self.num_samples, n)
        # as PyTorch: one more permutation after the whole ones, cut to ``rest`` (even to 0)
        for _ in range(reps):
            yield _random.randperm(rng, n)
        yield _random.randperm(rng, n)[:rest]

    def _without_replacement(self) -> Iterator[int]:
        for perm in self._permutations():
            yield from perm.tolist()

    def __iter__(self) -> Iterator[int]:
        if self.replacement:  # PyTorch's randint(n) in chunks of 32, drawn as they are read
            return self._replacement_indices(len(self.data_source))
        return self._without_replacement()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in random order, without replacement.

    Args:
        indices: a sequence of dataset indices.
        generator: the random stream.
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        order = _random.randperm(_gen(self.generator), len(self.indices))
        for i in order.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to 1).
        num_samples: how many indices per epoch.
        replacement: with replacement (default); without, ``num_samples`` must not exceed the
            number of non-zero weights.
        generator: the random stream.
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise RuntimeError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > int((w > 0).sum()):
            raise RuntimeError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without "
                f"replacement from {int((w > 0).sum())} non-zero weights")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from ..._tensor.tensor import wrap
        from ...factories import multinomial  # PyTorch's torch.multinomial over the weights

        # drawn at the first read, as PyTorch's (a generator function)
        draw = multinomial(wrap(self.weights), self.num_samples, self.replacement,
                           generator=self.generator)
        yield from draw._data.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Examples:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        bs = self.batch_size
        if type(self.sampler) is SequentialSampler:  # fast paths: same order, fewer calls
            n = len(self.sampler)
            stop = n - n % bs if self.drop_last else n
            for start in range(0, stop, bs):
                yield list(range(start, min(start + bs, n)))
            return
        if type(self.sampler) is RandomSampler and not self.sampler.replacement:
            pending = None  # a batch reads the next permutation only when it needs it
            for perm in self.sampler._permutations():
                pending = perm if pending is None else np.concatenate([pending, perm])
                while len(pending) >= bs:
                    yield pending[:bs].tolist()
                    pending = pending[bs:]
            if len(pending) and not self.drop_last:
                yield pending.tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == bs:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def __getattr__(name):
    # ``gradkit.utils.data.sampler.DistributedSampler`` (exported from here before): imported on
    # first use because distributed.py subclasses Sampler from this module
    if name == "DistributedSampler":
        from .distributed import DistributedSampler

        return DistributedSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
