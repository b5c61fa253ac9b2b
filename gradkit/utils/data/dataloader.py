"""``DataLoader``: batches from a dataset, optionally prefetched by background worker threads.

Differences from PyTorch:

* ``num_workers > 0`` starts *threads* by default, not processes. Datasets and ``collate_fn``
  need not be picklable, and NumPy releases the GIL in its array work, so prefetching overlaps
  loading with training. Batches come back in sampler order, and batch ``k`` of an epoch is
  loaded by worker ``k % num_workers``, as in PyTorch. Each worker thread loads from its own
  shallow copy of the dataset (tensors and arrays stay shared), so what ``worker_init_fn`` sets
  on ``get_worker_info().dataset`` stays that worker's, as with PyTorch's worker processes.
  ``pin_memory`` pins nothing (it warns as PyTorch does without an accelerator).
* ``multiprocessing_context='spawn'`` / ``'fork'`` / ``'forkserver'`` (or a context object) uses
  worker *processes* instead, for per-sample Python work that holds the GIL; then the dataset,
  ``collate_fn`` and ``worker_init_fn`` must be picklable (``'spawn'``) and batches are pickled
  back. Each process seeds ``random`` and gradkit's default generator with ``base_seed +
  worker_id``, and NumPy's global RNG as PyTorch does (a SeedSequence of the base seed and
  the worker id). Map-style datasets only. A worker *thread* has its own default
  generator seeded the same way, so ``gradkit.rand`` & co. in a dataset draw PyTorch's worker
  numbers and leave the main program's stream alone; ``random`` and NumPy's global RNG are
  shared with the main thread.
* An ``IterableDataset`` is read by ``num_workers`` threads, each iterating its own copy of the
  dataset, batches taken round-robin as PyTorch's processes give them: shard it with
  ``get_worker_info()``; one that no worker shards yields every sample once per worker, as in
  PyTorch, and gradkit warns once when it sees that.
* Where threads cannot be started (Pyodide/WebAssembly, or a process at its thread limit:
  ``RuntimeError: can't start new thread``), ``num_workers > 0`` loads in the calling thread as
  ``num_workers=0`` does, with one ``RuntimeWarning`` per loader.
* Fast path: when ``collate_fn`` is ``default_collate`` and the dataset defines
  ``_batch_fetch(indices)`` (``TensorDataset``, ``Subset`` of one, gradkit's datasets without
  transforms), a batch is one fancy index per array instead of one call per sample.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import copy
import itertools
import math
import multiprocessing
import os
import queue
import random
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from ...random import Generator, _gen, _set_thread_default, random_full
from ._loader_iters import (  # noqa: F401 - PyTorch's names, which libraries import from here
    _BaseDataLoaderIter,
    _DatasetKind,
    _MultiProcessingDataLoaderIter,
    _SingleProcessDataLoaderIter,
)
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, T_co
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "WorkerInfo", "get_worker_info"]

# the type aliases PyTorch's module defines and libraries annotate with (``_collate_fn_t``)
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
_collate_fn_t = Callable[[list[_T]], Any]
_worker_init_fn_t = Callable[[int], None]

_local = threading.local()


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker thread knows about itself (see ``get_worker_info``)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """The calling worker's ``WorkerInfo``, or ``None`` in the main thread."""
    info = getattr(_local, "info", None)
    if info is not None:
        _local.asked = True
    return info


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: the sampler of an ``IterableDataset``."""

    def __iter__(self):
        while True:
            yield None


def _positive_int_or_none(value, name):
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value <= 0):
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; ``None`` turns automatic batching off.
        shuffle: reshuffle the indices every epoch (a ``RandomSampler``).
        sampler: the order of indices (excludes ``shuffle``).
        batch_sampler: yields lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler``, ``drop_last``).
        num_workers: background threads that prefetch batches (0: load in the calling thread).
        collate_fn: merges a list of samples into a batch (default ``default_collate``, or
            ``default_convert`` without automatic batching).
        pin_memory: accepted for compatibility (warns as PyTorch without an accelerator).
        drop_last: drop the last incomplete batch.
        timeout: seconds to wait for a batch from the workers (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread.
        multiprocessing_context: ``None`` (or ``'thread'``): worker threads; a start method
            (``'spawn'``, ``'fork'``, ``'forkserver'``) or a ``multiprocessing`` context: worker
            processes (map-style datasets only).
        generator: random stream for ``RandomSampler`` (with ``shuffle=True``).
        prefetch_factor: batches prefetched per worker (default 2 when ``num_workers > 0``).
        persistent_workers: keep the worker threads alive between epochs.
        pin_memory_device: ignored.
        in_order: accepted; batches are always returned in order.

    Examples:
        >>> ds = TensorDataset(gradkit.randn(10, 3), gradkit.arange(10))
        >>> for x, y in DataLoader(ds, batch_size=4, shuffle=True):
        ...     pass
    """

    _frozen_attrs = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                     "persistent_workers")

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            if num_workers == 0:
                raise ValueError(
                    f"multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={num_workers}")
            if isinstance(multiprocessing_context, str):
                valid = ["thread", *multiprocessing.get_all_start_methods()]
                if multiprocessing_context not in valid:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method in "
                        f"{valid!r}, but got multiprocessing_context={multiprocessing_context!r}")
            elif not hasattr(multiprocessing_context, "Pool"):
                raise TypeError(
                    f"multiprocessing_context option should be a valid context object or a "
                    f"string specifying the start method, but got "
                    f"multiprocessing_context={multiprocessing_context!r}")
            if multiprocessing_context != "thread" and isinstance(dataset, IterableDataset):
                raise ValueError(
                    "gradkit's DataLoader reads an IterableDataset with a background thread; "
                    "worker processes (multiprocessing_context) need a map-style dataset")

        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        else:
            _positive_int_or_none(batch_size, "batch_size")

        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._pool = None
        self._epoch = 0
        self._initialized = True
        self.check_worker_number_rationality()

    def check_worker_number_rationality(self) -> None:
        """PyTorch's warning when ``num_workers`` exceeds the CPUs this process may use (given
        at construction and at each iterator, as PyTorch gives it); none where no worker can
        be started (Pyodide: the loader warns that it loads in the calling thread instead)."""
        if not self.num_workers or _NO_THREADS:
            return
        cpuset_checked = hasattr(os, "sched_getaffinity")
        try:
            suggest = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
        except OSError:
            suggest = os.cpu_count()
        if suggest is not None and self.num_workers <= suggest:
            return
        if suggest is None:
            advice = ("DataLoader is not able to compute a suggested max number of worker in "
                      "current system.")
        else:
            advice = (f"Our suggested max number of worker in current system is {suggest}"
                      f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, "
                      f"which is smaller than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                      f"total. {advice} Please be aware that excessive worker creation might get "
                      f"DataLoader running slow or even freeze, lower the worker number to avoid "
                      f"potential slowness/freeze if necessary.", stacklevel=3)

    def __setattr__(self, name, value):
        if getattr(self, "_initialized", False) and name in self._frozen_attrs:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _dataset_kind(self) -> int:
        return (_DatasetKind.Iterable if isinstance(self.dataset, IterableDataset)
                else _DatasetKind.Map)

    _IterableDataset_len_called = None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)

    # ------------------------------------------------------------------ fetching
    def _fetcher(self) -> Callable:
        return _make_fetcher(self.dataset, self.collate_fn, self._auto_collation)

    def _base_seed(self) -> int:
        self._epoch += 1
        # PyTorch's: one int64 random_() of the loader's generator (or the default one) for
        # every iterator, before the sampler's first draw
        return int(random_full(_gen(self.generator), 1, np.int64)[0])

    def _worker_pool(self, base_seed):
        if self._pool is not None:
            return self._pool
        n, ds, init = self.num_workers, self.dataset, self.worker_init_fn

        # every worker is started up front, as in torch: worker_init_fn(its id) runs once in
        # each worker's own thread; an error in it is kept in that start's future and raised by
        # the iterator (an initializer= error would only break the pool, losing the message)
        collate, auto = self.collate_fn, self._auto_collation
        fetchers: list = [None] * n

        # each worker loads from its own shallow copy of the dataset, as each of PyTorch's worker
        # processes has its own: attributes worker_init_fn sets on get_worker_info().dataset
        # (a shard, an opened file) stay that worker's and never reach the main program's
        def start_worker(wid):
            worker_ds = _worker_copy(ds)
            _local.info = WorkerInfo(wid, n, base_seed + wid, worker_ds)
            _set_thread_default(Generator().manual_seed(base_seed + wid))
            fetchers[wid] = _make_fetcher(worker_ds, collate, auto)
            if init is not None:
                init(wid)

        pool = _ThreadWorkers(n, start_worker, fetchers)
        if self.persistent_workers:
            super().__setattr__("_pool", pool)
        return pool

    @property
    def _uses_processes(self) -> bool:
        return self.multiprocessing_context not in (None, "thread")

    def _process_pool(self, base_seed):
        if self._pool is not None:
            return self._pool
        ctx = self.multiprocessing_context
        if isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        pool = _ProcessWorkers(ctx, self.num_workers, lambda wid, started: (
            self.dataset, self.collate_fn, self._auto_collation, self.worker_init_fn, base_seed,
            self.num_workers, wid, started))
        if self.persistent_workers:
            super().__setattr__("_pool", pool)
        return pool

    def _pin_memory_warnings(self) -> None:
        """PyTorch's warnings for ``pin_memory=True`` (at each iterator, as it gives them)."""
        from ... import _backend

        if self.pin_memory_device:
            warnings.warn("pin_memory_device is deprecated, the current accelerator will be used "
                          f"as the device,ignore pin_memory_device='{self.pin_memory_device}'.",
                          stacklevel=3)
        if not _backend.has_cupy():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)

    def __iter__(self) -> Iterator:
        if self.pin_memory:
            self._pin_memory_warnings()
        if self.num_workers == 0:
            return _SingleThreadIter(self)
        self.check_worker_number_rationality()
        if _NO_THREADS:
            return self._in_calling_thread("this platform has no threads or processes "
                                           f"({sys.platform})", draw_seed=True)
        try:
            if isinstance(self.dataset, IterableDataset):
                return _IterableThreadIter(self)
            return _PoolIter(self)
        except RuntimeError as e:
            if not _cannot_start_thread(e):
                raise
            # the iterator drew its base seed before its first thread failed to start
            return self._in_calling_thread(f"a worker thread could not be started ({e})",
                                           draw_seed=False)

    def _in_calling_thread(self, why: str, draw_seed: bool) -> _SingleThreadIter:
        """The ``num_workers=0`` iterator, used where workers cannot be started; warns once per
        loader."""
        if not self.__dict__.get("_warned_no_workers"):
            super().__setattr__("_warned_no_workers", True)
            warnings.warn(f"DataLoader(num_workers={self.num_workers}): {why}; loading in the "
                          f"calling thread instead, as with num_workers=0", RuntimeWarning,
                          stacklevel=3)
        return _SingleThreadIter(self, draw_seed=draw_seed)

    def __del__(self):
        pool = self.__dict__.get("_pool")
        if pool is not None:
            with contextlib.suppress(Exception):
                _stop_pool(pool)


# Pyodide (Emscripten) and WASI builds of Python can start neither threads nor processes.
_NO_THREADS = sys.platform in ("emscripten", "wasi")


def _cannot_start_thread(e: RuntimeError) -> bool:
    """Whether ``e`` is CPython's error for a thread that could not be started."""
    return "can't start new thread" in str(e)


def _worker_copy(dataset):
    """A worker thread's own dataset: a shallow copy (arrays and tensors stay shared), or the
    dataset itself where it cannot be copied."""
    try:
        return copy.copy(dataset)
    except Exception:  # noqa: BLE001 - an object that refuses copying is shared, as before
        return dataset


def _stop_pool(pool) -> None:
    """Stop a worker pool: terminate processes, or cancel a thread pool's queued work (a worker
    still waiting for the others to start is released)."""
    if hasattr(pool, "terminate"):
        pool.terminate()
        return
    pool.shutdown(wait=False, cancel_futures=True)


class _ThreadWorkers:
    """``num_workers`` worker threads, each with its own queue of batches. As PyTorch deals the
    batches of an epoch out round-robin (batch ``k`` to worker ``k % num_workers``, from worker 0
    every epoch), each batch here is loaded by that same worker, so ``get_worker_info().id``, and
    whatever ``worker_init_fn`` set up for that worker, are PyTorch's for every batch (one shared
    pool handed them to whichever thread was free)."""

    def __init__(self, n: int, start_worker: Callable[[int], None], fetchers: list):
        self._fetchers = fetchers  # worker i's fetcher, set by its start before its first batch
        self._executors: list[concurrent.futures.ThreadPoolExecutor] = []
        try:
            for wid in range(n):
                self._executors.append(concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"gradkit-dataloader-{wid}"))
            self._gradkit_started = [ex.submit(start_worker, wid)
                                     for wid, ex in enumerate(self._executors)]
        except RuntimeError:  # a thread could not be started: release those that were
            self.shutdown(wait=False, cancel_futures=True)
            raise

    def __len__(self) -> int:
        return len(self._executors)

    def submit(self, worker_id: int, index):
        """Load batch ``index`` in worker ``worker_id`` (after that worker's start)."""
        return self._executors[worker_id].submit(self._fetch, worker_id, index)

    def _fetch(self, worker_id: int, index):
        return self._fetchers[worker_id](index)

    def shutdown(self, wait: bool = False, cancel_futures: bool = True) -> None:
        for ex in self._executors:
            ex.shutdown(wait=wait, cancel_futures=cancel_futures)


# ---------------------------------------------------------------------- process workers
_process_fetch = None


def _make_fetcher(dataset, collate_fn, auto_collation):
    if not auto_collation:
        return lambda index: collate_fn(dataset[index])
    fast = getattr(dataset, "_batch_fetch", None) if collate_fn is default_collate else None
    if fast is not None:
        return fast
    getitems = getattr(dataset, "__getitems__", None)
    if callable(getitems):
        return lambda indices: collate_fn(getitems(indices))
    return lambda indices: collate_fn([dataset[i] for i in indices])


def _numpy_worker_state(base_seed: int, wid: int) -> np.ndarray:
    """The NumPy seed PyTorch gives worker ``wid``: four words of NumPy's own SeedSequence over
    (worker id, low and high 32 bits of the base seed, 0), so a dataset drawing from
    ``np.random`` in a worker process gets PyTorch's numbers."""
    words = [wid, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(words).generate_state(4)


class _ProcessWorkers:
    """``num_workers`` worker processes, one single-process Pool each, so that batch ``k`` is
    loaded by worker ``k % num_workers`` as in PyTorch (one shared Pool handed each batch to
    whichever process was free, so a dataset drawing from ``np.random`` or ``random``, seeded
    per worker, gave other numbers from run to run)."""

    def __init__(self, ctx, n: int, initargs):
        started = ctx.SimpleQueue()
        self._pools = []
        for wid in range(n):
            self._pools.append(ctx.Pool(1, initializer=_process_worker_init,
                                        initargs=initargs(wid, started)))
        self._gradkit_started = _ProcessStarts(started, n, self)
        # the worker processes as started: a Pool quietly replaces one that dies (and its task
        # is lost), so waiting polls these to report a killed worker instead of hanging
        self._gradkit_workers = [p for pool in self._pools for p in pool._pool]

    def __len__(self) -> int:
        return len(self._pools)

    def apply_async(self, wid: int, fn, args):
        return self._pools[wid].apply_async(fn, args)

    def terminate(self) -> None:
        for pool in self._pools:
            pool.terminate()


def _process_worker_init(dataset, collate_fn, auto_collation, init_fn, base_seed, num_workers,
                         wid, started):
    """Worker process ``wid``'s start; it reports ``None`` or the error of ``worker_init_fn``
    on ``started`` instead of raising (a Pool whose initializer raises respawns it forever)."""
    global _process_fetch
    from ...random import manual_seed

    seed = base_seed + wid
    random.seed(seed)
    np.random.seed(_numpy_worker_state(base_seed, wid))
    manual_seed(seed % 2 ** 63)
    _local.info = WorkerInfo(wid, num_workers, seed, dataset)
    _process_fetch = _make_fetcher(dataset, collate_fn, auto_collation)
    error = None
    if init_fn is not None:
        try:
            init_fn(wid)
        except Exception as exc:  # noqa: BLE001 - handed to the main process
            error = exc
    try:
        started.put(error)
    except Exception:  # noqa: BLE001 - an error that does not pickle
        started.put(RuntimeError(f"worker_init_fn failed in DataLoader worker process {wid}: "
                                 f"{error!r}"))


class _ProcessStarts:
    """The start reports of a process pool's workers, read once; ``result`` raises the first
    worker_init_fn error (again on later epochs of a persistent pool)."""

    def __init__(self, reports, n, pool):
        self._reports, self._left, self._error, self._pool = reports, n, None, pool

    def result(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._left:
            while self._reports.empty():
                _check_workers_alive(self._pool)
                if deadline is not None and time.monotonic() > deadline:
                    raise multiprocessing.TimeoutError
                time.sleep(0.01)
            error = self._reports.get()
            self._left -= 1
            if error is not None and self._error is None:
                self._error = error
        if self._error is not None:
            raise self._error


def _process_worker_fetch(index):
    return _process_fetch(index)


_POLL = 0.05  # seconds between checks of the worker processes while waiting for a batch


def _check_workers_alive(pool) -> None:
    """Raise PyTorch's error when a worker process has died (killed, or exited while starting):
    its batch would never come."""
    dead = [p for p in getattr(pool, "_gradkit_workers", ()) if p.exitcode is not None]
    if not dead:
        return
    p = dead[0]
    if p.exitcode < 0:
        try:
            how = f"is killed by signal: {signal.Signals(-p.exitcode).name}"
        except ValueError:
            how = f"is killed by signal {-p.exitcode}"
        raise RuntimeError(f"DataLoader worker (pid {p.pid}) {how}. It may have run out of "
                           f"memory (check dmesg), or something killed it; num_workers=0 "
                           f"loads in the main process")
    pids = ", ".join(str(q.pid) for q in dead)
    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code "
                       f"{p.exitcode}). Run with num_workers=0 to see the error in the main "
                       f"process")


def _process_result(fut, pool, timeout):
    """A process pool's batch, checking that the workers live while waiting."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            return fut.get(_POLL)
        except multiprocessing.TimeoutError:
            pass
        _check_workers_alive(pool)
        if deadline is not None and time.monotonic() > deadline:
            raise multiprocessing.TimeoutError


class _BaseIter:
    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._length = None

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)



def _iterable_batches(loader: DataLoader, dataset=None) -> Iterator:
    """Batches (collated) read from a fresh iterator over the loader's iterable dataset (or
    ``dataset``, a worker's copy of it)."""
    it = iter(loader.dataset if dataset is None else dataset)
    collate = loader.collate_fn
    if not loader._auto_collation:
        for item in it:
            yield collate(item)
        return
    bs, drop_last = loader.batch_size, loader.drop_last
    while True:
        batch = list(itertools.islice(it, bs))
        if not batch or (len(batch) < bs and drop_last):
            return
        yield collate(batch)
        if len(batch) < bs:
            return


class _SingleThreadIter(_BaseIter):
    def __init__(self, loader, draw_seed: bool = True):
        super().__init__(loader)
        # PyTorch's iterator calls iter(sampler) first, then draws the base seed: a sampler
        # whose __iter__ draws at once (a plain function returning an iterator, not a
        # generator) takes its numbers before the seed
        indices = None
        if not isinstance(loader.dataset, IterableDataset):
            indices = iter(loader._index_sampler)
        if draw_seed:  # drawn (and unused) as PyTorch does, keeping the streams in step
            loader._base_seed()
        if indices is None:
            self._gen = _iterable_batches(loader)
        else:
            fetch = loader._fetcher()
            self._gen = (fetch(idx) for idx in indices)

    def __next__(self):
        return next(self._gen)


def _timeout_error(seconds):
    return RuntimeError(f"DataLoader timed out after {seconds} seconds waiting for a batch from "
                        f"its worker threads")


class _PoolIter(_BaseIter):
    """Map-style dataset: batches fetched by a thread pool, returned in sampler order."""

    def __init__(self, loader):
        super().__init__(loader)
        self._processes = loader._uses_processes
        # a persistent pool's iterator is reset, not rebuilt, in PyTorch: no new base seed is
        # drawn after the first epoch (so the sampler's draws stay PyTorch's)
        # a new pool: PyTorch's worker iterator calls iter(sampler) before its base seed (as
        # the single-thread one) and again when it resets itself for the first epoch, using
        # the second; a kept (persistent) pool is only reset
        fresh = loader._pool is None
        if fresh:
            iter(loader._index_sampler)
        seed = loader._base_seed() if fresh else None
        self._indices = iter(loader._index_sampler)
        self._pool = loader._process_pool(seed) if self._processes else loader._worker_pool(seed)
        self._owns_pool = not loader.persistent_workers
        started = getattr(self._pool, "_gradkit_started", ())
        self._started = [started] if self._processes else list(started)
        self._pending = collections.deque()
        self._depth = loader.num_workers * max(loader.prefetch_factor, 1)
        self._done = False
        self._next_worker = 0  # PyTorch's round-robin restarts at worker 0 every epoch
        self._fill()

    def _fill(self):
        while not self._done and len(self._pending) < self._depth:
            try:
                idx = next(self._indices)
            except StopIteration:
                self._done = True
                break
            if self._processes:
                self._pending.append(self._pool.apply_async(self._next_worker,
                                                            _process_worker_fetch, (idx,)))
            else:
                self._pending.append(self._pool.submit(self._next_worker, idx))
            self._next_worker = (self._next_worker + 1) % len(self._pool)

    def __next__(self):
        if not self._pending:
            self._shutdown()
            raise StopIteration
        timeout = self._loader.timeout or None
        try:
            while self._started:  # the workers' start (worker_init_fn) before the first batch
                self._started[0].result(timeout=timeout)
                self._started.pop(0)
            fut = self._pending.popleft()
            batch = (_process_result(fut, self._pool, timeout) if self._processes
                     else fut.result(timeout=timeout))
        except (concurrent.futures.TimeoutError, multiprocessing.TimeoutError):
            self._shutdown()
            raise _timeout_error(self._loader.timeout) from None
        except BaseException:
            self._shutdown()
            raise
        self._fill()
        return batch

    def _shutdown(self):
        if not self._processes:
            for fut in self._pending:
                fut.cancel()
        self._pending.clear()
        self._done = True
        if self._owns_pool and self._pool is not None:
            _stop_pool(self._pool)
            self._pool = None

    def __del__(self):
        with contextlib.suppress(Exception):  # at interpreter shutdown
            self._shutdown()



class _IterableThreadIter(_BaseIter):
    """Iterable dataset: ``num_workers`` producer threads, each iterating its own copy of the
    dataset into its own bounded queue, as PyTorch's worker processes do. Batches are taken
    round-robin from worker 0 every epoch (a worker whose iterator ended drops out of the
    turn), so a dataset that shards itself with ``get_worker_info()`` gives PyTorch's batches in
    PyTorch's order, and one that does not gives every sample once per worker, as in PyTorch
    (with a warning, see ``_warn_unsharded``).

    The threads hold no reference to this iterator, so an abandoned iterator is collected and
    its ``__del__`` stops them.
    """

    def __init__(self, loader):
        super().__init__(loader)
        n = loader.num_workers
        # persistent workers keep their dataset copy and generator between epochs (no new base
        # seed is drawn and worker_init_fn runs once, as PyTorch resets its living workers)
        kept = loader.__dict__.get("_iterable_workers")
        if kept is None:
            base = loader._base_seed()
            kept = [(WorkerInfo(w, n, base + w, _worker_copy(loader.dataset)),
                     Generator().manual_seed(base + w)) for w in range(n)]
            init_fn = loader.worker_init_fn
            if loader.persistent_workers:
                super(DataLoader, loader).__setattr__("_iterable_workers", kept)
        else:
            init_fn = None
        depth = max(loader.prefetch_factor, 1)
        self._queues = [queue.Queue(maxsize=depth) for _ in range(n)]
        self._stop = threading.Event()
        self._alive = [True] * n
        self._asked: list = [None] * n  # per worker: whether it called get_worker_info()
        self._turn = 0
        self._threads = []
        for (info, gen), q in zip(kept, self._queues):
            t = threading.Thread(target=_produce, daemon=True,
                                 name=f"gradkit-dataloader-iterable-{info.id}",
                                 args=(loader, init_fn, info, gen, q, self._stop))
            t.start()
            self._threads.append(t)

    def __next__(self):
        if not self._threads:
            raise StopIteration
        n = len(self._queues)
        while any(self._alive):
            w = self._turn
            self._turn = (w + 1) % n
            if not self._alive[w]:
                continue
            try:
                kind, value, asked = self._queues[w].get(timeout=self._loader.timeout or None)
            except queue.Empty:
                self._close()
                raise _timeout_error(self._loader.timeout) from None
            if kind == "error":
                self._alive[w] = False
                self._close()
                raise value
            if self._asked[w] is None:  # the worker's first answer: a batch or its end
                self._asked[w] = asked
                self._warn_unsharded()
            if kind == "ok":
                return value
            self._alive[w] = False
        self._close()
        raise StopIteration

    def _warn_unsharded(self):
        """Once every worker has answered and none of them asked ``get_worker_info()`` (in the
        dataset's ``__iter__`` or in ``worker_init_fn``), each worker reads the whole dataset:
        PyTorch gives every sample ``num_workers`` times then, silently; gradkit does the same
        and says so, once per loader."""
        loader = self._loader
        if None in self._asked or loader.__dict__.get("_checked_sharding"):
            return
        # decided on the loader's first epoch (a persistent worker's init_fn runs only then)
        super(DataLoader, loader).__setattr__("_checked_sharding", True)
        if len(self._asked) < 2 or any(self._asked):
            return
        warnings.warn(
            f"DataLoader(num_workers={len(self._asked)}) over the IterableDataset "
            f"{type(loader.dataset).__name__}: no worker called "
            f"torch.utils.data.get_worker_info(), so each of the {len(self._asked)} workers "
            f"yields the whole dataset and every sample comes {len(self._asked)} times (as in "
            f"PyTorch). Shard it in __iter__ or worker_init_fn with get_worker_info().id and "
            f".num_workers, or use num_workers=1", UserWarning, stacklevel=3)

    def _close(self):
        self._stop.set()
        self._threads = []

    def __del__(self):
        with contextlib.suppress(Exception):
            self._stop.set()


def _produce(loader, init_fn, info, gen, out: queue.Queue, stop: threading.Event) -> None:
    """A producer thread of ``_IterableThreadIter``: worker ``info.id``'s batches, then
    ``("end", ...)`` or ``("error", exc)``; each item says whether the worker has asked
    ``get_worker_info()`` so far."""

    def put(kind, value):
        item = (kind, value, getattr(_local, "asked", False))
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    _local.info = info
    _set_thread_default(gen)
    try:
        if init_fn is not None:
            init_fn(info.id)
        for batch in _iterable_batches(loader, info.dataset):
            if not put("ok", batch):
                return
        put("end", None)
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer
        put("error", exc)
