"""PyTorch's private DataLoader iterator classes, which libraries import and drive themselves.

``torch.utils.data.dataloader`` defines ``_DatasetKind``, ``_BaseDataLoaderIter``,
``_SingleProcessDataLoaderIter`` and ``_MultiProcessingDataLoaderIter``; libraries with their
own loader (fastai's ``DataLoader`` builds a stand-in loader object and iterates it with
``_SingleProcessDataLoaderIter(fake_loader)``) or their own iterator subclass import them by
name. Here they read the attributes PyTorch's iterators read from the loader they are given
(``dataset``, ``_dataset_kind``, ``_auto_collation``, ``_index_sampler``, ``collate_fn``,
``drop_last``, ``num_workers``, ``generator``, ...), so any object that carries those works, and
they draw the iterator's base seed from the loader's generator (or the default one) as
PyTorch's do, keeping the random streams of the program in step with PyTorch's.

``_MultiProcessingDataLoaderIter`` over a gradkit ``DataLoader`` is that loader's own worker
iterator (threads, see ``dataloader``). Over another loader-like object it loads in the calling
thread, with one ``RuntimeWarning``: gradkit's workers are threads that share the objects a
worker process would have copied, so a ``worker_init_fn`` that shards by writing to the
dataset's shared state (fastai's) cannot run safely in them. A map-style dataset, or an
iterable one that shards only inside workers, gives the same batches in the same order as
PyTorch's in-order workers.
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from ...random import _gen, random_full

__all__ = ["_BaseDataLoaderIter", "_DatasetKind", "_MultiProcessingDataLoaderIter",
           "_SingleProcessDataLoaderIter"]


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """A batch (or, without automatic batching, one sample) read by index."""

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [self.dataset[i] for i in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """The next batch (or sample) read from one iterator over an iterable dataset."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _DatasetKind:
    """A loader's kind of dataset: ``Map`` (indexed) or ``Iterable``."""

    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        cls = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


class _BaseDataLoaderIter:
    """The state PyTorch's loader iterators read from their loader; ``__next__`` calls
    ``_next_data()``, which subclasses define."""

    def __init__(self, loader) -> None:
        self._dataset = loader.dataset
        self._shared_seed = None
        self._pg = None
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._world_size, self._rank = 1, 0
        self._pin_memory = False  # (no accelerator memory to pin into)
        self._pin_memory_device = None
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # PyTorch's: one int64 random_() of the loader's generator (or the default one)
        self._base_seed = int(random_full(_gen(loader.generator), 1, np.int64)[0])
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0
        self._profile_name = f"enumerate(DataLoader)#{type(self).__name__}.__next__"

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Batches loaded in the calling thread, as a loader with ``num_workers=0`` gives them."""

    def __init__(self, loader) -> None:
        super().__init__(loader)
        if self._timeout != 0:
            raise ValueError(f"_SingleProcessDataLoaderIter: timeout must be 0 without "
                             f"workers; got timeout={self._timeout}")
        if self._num_workers != 0:
            raise ValueError(f"_SingleProcessDataLoaderIter: the loader has "
                             f"num_workers={self._num_workers}; use "
                             f"_MultiProcessingDataLoaderIter (or iter(loader)) for workers")
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


_WARNED: weakref.WeakSet = weakref.WeakSet()


def _first_time(loader) -> bool:
    """Whether ``loader`` is seen here for the first time (one warning per loader)."""
    try:
        if loader in _WARNED:
            return False
        _WARNED.add(loader)
    except TypeError:  # (not weakly referable or not hashable: warn every time)
        pass
    return True


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """A loader's batches from its workers: a gradkit ``DataLoader``'s own worker threads, or,
    for another loader-like object, the calling thread (see the module's docstring)."""

    def __init__(self, loader) -> None:
        from .dataloader import DataLoader

        if isinstance(loader, DataLoader):  # its own worker iterator draws the base seed
            self._own = iter(loader)
            self._index_sampler = loader._index_sampler
            self._num_yielded = 0
            return
        super().__init__(loader)
        self._own = None
        if _first_time(loader):
            warnings.warn(
                f"_MultiProcessingDataLoaderIter over {type(loader).__name__} (not a "
                f"DataLoader) with num_workers={self._num_workers}: gradkit's workers are "
                f"threads sharing the loader's objects, so its batches are loaded in the "
                f"calling thread instead (the same batches, in order)", RuntimeWarning,
                stacklevel=2)
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        if self._own is not None:
            return next(self._own)
        return self._dataset_fetcher.fetch(self._next_index())

    def _shutdown_workers(self):
        shutdown = getattr(self._own, "_shutdown", None)
        if shutdown is not None:
            shutdown()
