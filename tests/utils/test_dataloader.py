"""DataLoader: batching, len, drop_last, samplers, workers, errors (PyTorch as the oracle)."""

import functools
import multiprocessing
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
)


class Records(Dataset):
    """Map-style dataset of (array, int, dict) samples (per-sample collate path)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32), i, {"sq": float(i * i)}


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n = n
        self.with_len = with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


def _np(batch):
    if isinstance(batch, gk.Tensor):
        return batch.numpy()
    if isinstance(batch, dict):
        return {k: _np(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_np(b) for b in batch]
    return batch


def _tnp(batch):
    if hasattr(batch, "numpy") and not isinstance(batch, np.ndarray):
        return batch.numpy()
    if isinstance(batch, dict):
        return {k: _tnp(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_tnp(b) for b in batch]
    return batch


def _assert_batches_equal(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a, b = _np(a), _tnp(b)
        flat_a, flat_b = _flatten(a), _flatten(b)
        assert len(flat_a) == len(flat_b)
        for x, y in zip(flat_a, flat_b):
            np.testing.assert_array_equal(x, y)
            assert np.asarray(x).dtype == np.asarray(y).dtype


def _flatten(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _flatten(x[k])]
    if isinstance(x, list):
        return [v for item in x for v in _flatten(item)]
    return [x]


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (4, False), (4, True), (10, True),
                                                  (3, True), (16, False)])
@pytest.mark.parametrize("num_workers", [0, 2])
def test_tensor_dataset_batches_match_torch(torch, batch_size, drop_last, num_workers):
    x = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    y = np.arange(10)
    ours = DataLoader(TensorDataset(gk.tensor(x), gk.tensor(y)), batch_size=batch_size,
                      drop_last=drop_last, num_workers=num_workers)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=batch_size,
        drop_last=drop_last)
    assert len(ours) == len(theirs)
    _assert_batches_equal(list(ours), list(theirs))


@pytest.mark.parametrize("num_workers", [0, 3])
def test_records_batches_match_torch(torch, num_workers):
    ours = list(DataLoader(Records(7), batch_size=3, num_workers=num_workers))
    theirs = list(torch.utils.data.DataLoader(Records(7), batch_size=3))
    _assert_batches_equal(ours, theirs)


def test_same_sampler_same_batches_as_torch(torch):
    order = [5, 1, 7, 0, 3, 2, 6, 4]
    x = np.arange(16, dtype=np.float32).reshape(8, 2)
    ours = DataLoader(TensorDataset(gk.tensor(x)), batch_size=3, sampler=order)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x)),
                                         batch_size=3, sampler=order)
    _assert_batches_equal(list(ours), list(theirs))
    bs = [[0, 1], [7], [2, 3, 4]]
    ours = DataLoader(TensorDataset(gk.tensor(x)), batch_sampler=bs)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x)),
                                         batch_sampler=bs)
    _assert_batches_equal(list(ours), list(theirs))


def test_no_auto_batching_matches_torch(torch):
    ours = list(DataLoader(Records(3), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Records(3), batch_size=None))
    _assert_batches_equal(ours, theirs)
    assert isinstance(ours[0], list)  # tuples become lists in default_convert, as in PyTorch


def test_fast_path_equals_per_sample_path():
    rng = np.random.default_rng(1)
    ds = TensorDataset(gk.tensor(rng.standard_normal((50, 2, 3))),
                       gk.tensor(rng.integers(0, 9, 50)))
    g1, g2 = gk.Generator().manual_seed(4), gk.Generator().manual_seed(4)
    fast = list(DataLoader(ds, batch_size=8, shuffle=True, generator=g1))
    slow = list(DataLoader(ds, batch_size=8, shuffle=True, generator=g2,
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 7
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
    # a Subset of a TensorDataset takes the fast path too, with the same result
    sub = Subset(ds, [3, 1, 4, 1, 5])
    a = list(DataLoader(sub, batch_size=2))
    b = list(DataLoader(sub, batch_size=2, collate_fn=lambda s: default_collate(s)))
    for (ax, _), (bx, _) in zip(a, b):
        np.testing.assert_array_equal(ax.numpy(), bx.numpy())


def test_fast_path_batches_are_copies():
    x = gk.zeros(4, 2)
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=2)))
    xb.fill_(1.0)
    assert x.sum().item() == 0.0


def test_shuffle_each_epoch_and_reproducible_with_generator():
    ds = TensorDataset(gk.arange(20))

    def epochs(seed):
        dl = DataLoader(ds, batch_size=5, shuffle=True, generator=gk.Generator().manual_seed(seed))
        return [[b[0].tolist() for b in dl] for _ in range(2)]

    a = epochs(0)
    assert a == epochs(0)
    assert a[0] != a[1]
    assert sorted(i for batch in a[0] for i in batch) == list(range(20))


def test_shuffle_order_does_not_depend_on_num_workers():
    ds = TensorDataset(gk.arange(30))
    orders = []
    for nw in (0, 2):
        dl = DataLoader(ds, batch_size=4, shuffle=True, num_workers=nw,
                        generator=gk.Generator().manual_seed(11))
        orders.append([b[0].tolist() for b in dl])
    assert orders[0] == orders[1]


def _torch_stream(torch, n):
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n

    return TorchStream()


def test_iterable_dataset(torch):
    for bs, drop in [(3, False), (3, True), (None, False)]:
        for nw in (0, 1, 2):
            ours = list(DataLoader(Stream(10), batch_size=bs, drop_last=drop, num_workers=nw))
            loader = _forked(torch) if nw else torch.utils.data.DataLoader
            theirs = list(loader(_torch_stream(torch, 10), batch_size=bs, drop_last=drop,
                                 num_workers=nw))
            _assert_batches_equal(ours, theirs)
            assert len(DataLoader(Stream(10), batch_size=bs, drop_last=drop)) == len(
                torch.utils.data.DataLoader(_torch_stream(torch, 10), batch_size=bs,
                                            drop_last=drop))
    with pytest.raises(TypeError):
        len(DataLoader(Stream(10, with_len=False)))


def test_workers_run_in_threads_and_init_fn():
    seen, inits = set(), []

    class Who(Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = get_worker_info()
            seen.add((info.id, info.num_workers, threading.current_thread().name))
            time.sleep(0.001)
            return i

    dl = DataLoader(Who(), batch_size=2, num_workers=3, worker_init_fn=inits.append)
    assert [b.tolist() for b in dl] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    assert {s[1] for s in seen} == {3}
    assert {s[0] for s in seen} <= {0, 1, 2}
    assert sorted(inits) == sorted({s[0] for s in seen}) or len(inits) <= 3
    assert get_worker_info() is None


def test_persistent_workers_reuse_pool():
    inits = []
    dl = DataLoader(TensorDataset(gk.arange(8)), batch_size=2, num_workers=2,
                    persistent_workers=True, worker_init_fn=inits.append)
    for _ in range(3):
        assert [b[0].tolist() for b in dl] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert len(inits) <= 2


def test_worker_exception_propagates():
    class Bad(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise KeyError("sample 3 is broken")
            return i

    for nw in (0, 2):
        with pytest.raises(KeyError, match="sample 3 is broken"):
            list(DataLoader(Bad(), batch_size=2, num_workers=nw))


def test_timeout():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return i

    with pytest.raises(RuntimeError, match="timed out after 0.05 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.05))


def test_len_and_attributes():
    ds = TensorDataset(gk.zeros(10))
    dl = DataLoader(ds, batch_size=3)
    assert len(dl) == 4 and isinstance(dl.sampler, SequentialSampler)
    assert isinstance(dl.batch_sampler, BatchSampler)
    assert len(DataLoader(ds, batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(ds, batch_size=None)) == 10
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 5
    it = iter(dl)
    assert len(it) == 4


@pytest.mark.parametrize("kwargs", [
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"sampler": [0], "shuffle": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"batch_size": 0},
])
def test_option_errors_match_torch(torch, kwargs):
    data = list(range(4))
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(data, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        DataLoader(TensorDataset(gk.arange(4)), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]},
                                    {"batch_sampler": [[0]]}])
def test_iterable_dataset_option_errors(kwargs):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
        DataLoader(Stream(3), **kwargs)


class _WhoProc(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 7:
            raise KeyError("sample 7 is broken")
        info = get_worker_info()
        return i, os.getpid(), info.id, info.num_workers


@pytest.mark.parametrize("ctx", ["spawn", "fork"])
def test_process_workers(ctx):
    if ctx not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{ctx} start method unavailable")
    x = gk.tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    ds = TensorDataset(x, gk.arange(10))
    dl = DataLoader(ds, batch_size=3, num_workers=2, multiprocessing_context=ctx)
    batches = list(dl)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    np.testing.assert_array_equal(batches[1][0].numpy(), x.numpy()[3:6])
    assert batches[0][0].dtype == gk.float32


def test_process_workers_info_and_errors():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("fork unavailable")
    dl = DataLoader(_WhoProc(), batch_size=2, num_workers=2, multiprocessing_context="fork",
                    sampler=range(7))
    out = list(dl)
    pids = {p for b in out for p in b[1].tolist()}
    assert os.getpid() not in pids
    assert {n for b in out for n in b[3].tolist()} == {2}
    assert {w for b in out for w in b[2].tolist()} <= {0, 1}
    with pytest.raises(KeyError, match="sample 7 is broken"):
        list(DataLoader(_WhoProc(), batch_size=2, num_workers=2, multiprocessing_context="fork"))


def test_multiprocessing_context_errors(torch):
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(list(range(3)), multiprocessing_context="spawn")
    with pytest.raises(ValueError) as ours:
        DataLoader(TensorDataset(gk.arange(3)), multiprocessing_context="spawn")
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="valid start method"):
        DataLoader(TensorDataset(gk.arange(3)), num_workers=1, multiprocessing_context="nope")
    with pytest.raises(ValueError, match="need a map-style dataset"):
        DataLoader(Stream(3), num_workers=1, multiprocessing_context="spawn")


def test_abandoned_iterable_iterator_stops_its_thread():
    import gc

    class Endless(IterableDataset):
        def __iter__(self):
            i = 0
            while True:
                yield i
                i += 1

    before = threading.active_count()
    for _ in range(3):
        it = iter(DataLoader(Endless(), batch_size=2, num_workers=1))
        assert next(it).tolist() == [0, 1]
        del it
        gc.collect()
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def _bad_init(worker_id):
    raise ValueError(f"worker init failed in worker {worker_id}")


def test_worker_init_error_surfaces_with_its_message_threads():
    # torch re-raises the worker's ValueError in the main process; gradkit's thread pool
    # raised BrokenThreadPool("A thread initializer failed ...") and lost the message
    dl = DataLoader(list(range(6)), batch_size=2, num_workers=2, worker_init_fn=_bad_init,
                    timeout=20)
    with pytest.raises(ValueError, match="worker init failed in worker"):
        list(dl)


def test_worker_init_fn_runs_once_for_every_worker_threads():
    # torch starts num_workers workers and calls worker_init_fn(i) for each i, however few
    # batches there are; gradkit's lazily grown thread pool only initialised the threads it
    # happened to start (1 of 4 for a single batch)
    seen, lock = [], threading.Lock()

    def init(i):
        with lock:
            seen.append((i, get_worker_info().id, get_worker_info().num_workers))

    dl = DataLoader(list(range(2)), batch_size=2, num_workers=4, worker_init_fn=init)
    assert len(list(dl)) == 1
    assert sorted(seen) == [(i, i, 4) for i in range(4)]
    seen.clear()
    dl = DataLoader(list(range(40)), batch_size=1, num_workers=3, worker_init_fn=init,
                    persistent_workers=True)
    for _ in range(2):
        assert len(list(dl)) == 40
    assert sorted(seen) == [(i, i, 3) for i in range(3)]  # persistent: initialised once


def test_worker_init_error_surfaces_with_its_message_processes():
    # a failing initializer made multiprocessing.Pool respawn workers forever: the loader hung
    # (or timed out) instead of raising the worker's error as torch does
    dl = DataLoader(list(range(6)), batch_size=2, num_workers=2, worker_init_fn=_bad_init,
                    multiprocessing_context="fork", timeout=30)
    with pytest.raises(ValueError, match="worker init failed in worker"):
        list(dl)


class _KillsItsWorker(Dataset):
    """Item 5 kills the worker process that loads it (as the kernel's OOM killer would)."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.float32(i)


class _ExitsWhileStarting(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.float32(i)


def _exit_at_start(worker_id):
    os._exit(3)


def _fork_or_skip():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("fork unavailable")


def test_a_killed_worker_process_raises_instead_of_hanging():
    _fork_or_skip()
    dl = DataLoader(_KillsItsWorker(), batch_size=2, num_workers=2, multiprocessing_context="fork")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal: "
                                           r"SIGKILL"):
        list(dl)
    # detected by polling the workers, not by a timeout (none was set)
    assert time.monotonic() - start < 30


def test_a_worker_process_that_dies_while_starting_raises():
    _fork_or_skip()
    dl = DataLoader(_ExitsWhileStarting(), batch_size=2, num_workers=2,
                    multiprocessing_context="fork", worker_init_fn=_exit_at_start)
    with pytest.raises(RuntimeError, match=r"exited unexpectedly \(exit code 3\)"):
        list(dl)


def test_pin_memory_without_an_accelerator_warns_as_pytorch():
    # PyTorch warns at each iterator that pinned memory is not used without an accelerator (the
    # DDP tutorial passes pin_memory=True); gradkit was silent
    import warnings

    from gradkit import _backend

    torch = pytest.importorskip("torch")
    if _backend.has_cupy() or torch.accelerator.is_available():
        pytest.skip("an accelerator is present")

    def messages(mod, **kw):
        ds = mod.utils.data.TensorDataset(mod.arange(4.0))
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            list(mod.utils.data.DataLoader(ds, batch_size=2, **kw))
        return [str(w.message) for w in got if issubclass(w.category, UserWarning)]

    for kw in ({"pin_memory": True}, {"pin_memory": True, "pin_memory_device": "cuda"}, {}):
        got, want = messages(gk, **kw), messages(torch, **kw)
        assert got == want, kw
    assert len(messages(gk, pin_memory=True)) == 1


class _WhichWorker:
    """Map-style dataset returning (index, id of the worker that loaded it); works for both
    libraries (each passes its own get_worker_info)."""

    def __init__(self, info_fn, n=14):
        self.info_fn, self.n = info_fn, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i, self.info_fn().id


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("num_workers", [2, 3])
def test_batches_are_dealt_to_workers_round_robin_as_torch(torch, num_workers, persistent):
    # torch deals batch k of every epoch to worker k % num_workers; gradkit's shared thread
    # pool gave each batch to whichever thread was free (all four batches of a program came
    # from worker 1), so per-worker state set up by worker_init_fn applied to other batches
    def worker_ids(lib, loader_cls, info_fn):
        dl = loader_cls(_WhichWorker(info_fn), batch_size=3, shuffle=True, num_workers=num_workers,
                        persistent_workers=persistent,
                        generator=lib.Generator().manual_seed(5))
        return [[(b[0].tolist(), b[1].tolist()) for b in dl] for _ in range(2)]

    ours = worker_ids(gk, DataLoader, get_worker_info)
    theirs = worker_ids(torch, torch.utils.data.DataLoader, torch.utils.data.get_worker_info)
    assert ours == theirs


def _forked(torch):
    """PyTorch's DataLoader with fork-started workers: the datasets of these tests are local
    classes, which workers started by "spawn" (the start method an earlier test of the run may
    have left as the default) cannot unpickle."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method for PyTorch's worker processes")
    return functools.partial(torch.utils.data.DataLoader, multiprocessing_context="fork")


class _RandomAugment:
    """Map-style dataset drawing from the default generator in __getitem__ (random crops/flips
    as transforms do), also reporting initial_seed() as the worker sees it."""

    def __init__(self, lib, n=10):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.lib.rand(2), self.lib.randint(0, 100, (1,)), self.lib.initial_seed()


@pytest.mark.parametrize("num_workers", [1, 2])
def test_worker_threads_draw_from_their_own_seeded_generator_as_torch(torch, num_workers):
    # torch seeds each worker's default generator with base_seed + worker_id; gradkit's worker
    # threads drew from the main generator: different augmentations, initial_seed() of the main
    # program, and the main program's own next draws moved by the workers' draws
    def run(lib, loader_cls):
        lib.manual_seed(3)
        batches = [[(b[0].tolist(), b[1].tolist(), b[2].tolist()) for b in
                    loader_cls(_RandomAugment(lib), batch_size=3, num_workers=num_workers)]
                   for _ in range(2)]
        return batches, lib.rand(3).tolist(), lib.initial_seed()

    assert run(gk, DataLoader) == run(torch, _forked(torch))


def test_iterable_worker_thread_draws_from_its_own_seeded_generator(torch):
    class Noisy:
        def __init__(self, lib):
            self.lib = lib

        def __iter__(self):
            return iter([self.lib.rand(1).item() for _ in range(4)])

    def run(lib, iterable_cls, loader_cls):
        ds = type("NoisyStream", (Noisy, iterable_cls), {})(lib)
        lib.manual_seed(8)
        batches = [b.tolist() for b in loader_cls(ds, batch_size=2, num_workers=1)]
        return batches, lib.rand(2).tolist()

    assert run(gk, IterableDataset, DataLoader) == \
        run(torch, torch.utils.data.IterableDataset, _forked(torch))


class _Sharded:
    """Map-style dataset whose worker_init_fn gives each worker its own offset (as per-worker
    shards or opened files are set up on get_worker_info().dataset)."""

    offset = 0

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return i + self.offset


@pytest.mark.parametrize("persistent", [False, True])
def test_worker_init_fn_state_on_the_dataset_stays_per_worker_as_torch(torch, persistent):
    # torch's workers each hold their own copy of the dataset; gradkit's worker threads shared
    # the loader's: the last worker's offset applied to every batch and leaked into the main
    # program's dataset
    def run(lib, loader_cls, info_fn):
        ds = type("Sharded", (_Sharded, lib.utils.data.Dataset), {})()

        def init(wid):
            info_fn().dataset.offset = 100 * (wid + 1)

        dl = loader_cls(ds, batch_size=2, num_workers=2, worker_init_fn=init,
                        persistent_workers=persistent)
        return [[b.tolist() for b in dl] for _ in range(2)], ds.offset

    assert run(gk, DataLoader, get_worker_info) == \
        run(torch, _forked(torch), torch.utils.data.get_worker_info)


def test_iterable_worker_init_fn_shards_a_copy_of_the_dataset(torch):
    # PyTorch's documented sharding: worker_init_fn narrows get_worker_info().dataset's range
    # and opens the worker's file; that happens to the worker's copy and the main program's
    # dataset is left as it was (gradkit's worker thread changed the loader's own dataset)
    class Range:
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            return iter(range(self.start, self.end))

    def run(lib, loader_cls, info_fn):
        ds = type("RangeStream", (Range, lib.utils.data.IterableDataset), {})(3, 9)

        def init(_):
            info = info_fn()
            per_worker = -(-(9 - 3) // info.num_workers)
            info.dataset.start = 3 + info.id * per_worker
            info.dataset.end = min(info.dataset.start + per_worker, 9)
            info.dataset.handle = f"shard-{info.id}.bin"  # a file each worker opens for itself

        out = sorted(x for b in loader_cls(ds, batch_size=2, num_workers=1, worker_init_fn=init)
                     for x in b.tolist())
        return out, (ds.start, ds.end), getattr(ds, "handle", None)

    assert run(gk, DataLoader, get_worker_info) == \
        run(torch, _forked(torch), torch.utils.data.get_worker_info)


def _plain(batch):
    """A batch of either library as Python lists and numbers (and its container's type)."""
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [_plain(b) for b in batch]
    return batch.tolist() if hasattr(batch, "tolist") else batch


class _Shards:
    """An IterableDataset body sharding itself by worker, the workers' streams of unequal
    length (worker w yields w + 2 items), each item drawn with the worker's generator."""

    def __init__(self, lib, info_fn):
        self.lib, self.info_fn = lib, info_fn

    def __iter__(self):
        info = self.info_fn()
        wid = 0 if info is None else info.id
        return iter([(wid, k, round(self.lib.rand(1).item(), 6)) for k in range(wid + 2)])


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("workers,batch", [(2, 2), (3, 1), (3, None), (4, 3)])
def test_iterable_workers_shard_and_interleave_as_torch(torch, workers, batch, persistent):
    # one background thread read an IterableDataset whatever num_workers said
    # (get_worker_info().num_workers was 1): a dataset sharding itself by worker lost its other
    # shards' order, and its batches came in another order than PyTorch's round-robin merge
    def run(lib, loader_cls, info_fn):
        ds = type("Shards", (_Shards, lib.utils.data.IterableDataset), {})(lib, info_fn)
        lib.manual_seed(5)
        dl = loader_cls(ds, batch_size=batch, num_workers=workers, persistent_workers=persistent)
        return [[_plain(b) for b in dl] for _ in range(2)], lib.rand(1).item()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sharded dataset gets no warning
        # (but PyTorch's, as PyTorch, where the workers outnumber this machine's CPUs)
        warnings.filterwarnings("ignore", message="This DataLoader will create")
        ours = run(gk, DataLoader, get_worker_info)
    theirs = run(torch, _forked(torch), torch.utils.data.get_worker_info)
    assert ours == theirs


def test_iterable_dataset_no_worker_shards_warns_once(torch):
    # PyTorch silently gives every sample once per worker here; gradkit gives the same batches
    # and says why, once per loader
    dl = DataLoader(Stream(5), batch_size=2, num_workers=2)
    with pytest.warns(UserWarning, match="no worker called torch.utils.data.get_worker_info"):
        ours = [b.tolist() for b in dl]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [b.tolist() for b in dl] == ours
    theirs = [b.tolist() for b in _forked(torch)(_torch_stream(torch, 5), batch_size=2,
                                                  num_workers=2)]
    assert ours == theirs


@pytest.mark.parametrize("workers,persistent", [(0, False), (2, False), (2, True)])
def test_eager_batch_sampler_draws_before_the_base_seed_as_torch(workers, persistent):
    # a batch sampler whose __iter__ returns an iterator (not a generator) draws as soon as the
    # loader's iterator is made; PyTorch does that before drawing its base seed, gradkit did it
    # after, so every batch differed from PyTorch's (with workers, PyTorch calls it once more
    # after the seed, when its iterator resets for the first epoch)
    torch = pytest.importorskip("torch")

    def batches(lib):
        class Eager(lib.utils.data.Sampler):
            def __iter__(self):
                order = lib.randperm(12).tolist()
                return iter([order[:5], order[5:]])

        lib.manual_seed(0)
        loader = lib.utils.data.DataLoader(list(range(12)), batch_sampler=Eager(),
                                           num_workers=workers, persistent_workers=persistent)
        return [b.tolist() for _ in range(2) for b in loader] + [lib.rand(2).tolist()]

    assert batches(gk) == batches(torch)


class _NumpyAndRandomDraws:
    def __len__(self):
        return 6

    def __getitem__(self, i):
        import random

        return np.array([i, np.random.randint(0, 10 ** 6), random.randint(0, 10 ** 6)])


def test_worker_processes_seed_numpy_and_random_as_torch(torch):
    # a dataset drawing random masks with np.random in a worker process got other numbers than
    # under PyTorch, which seeds each worker's NumPy from a SeedSequence of the base seed
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")

    def run(lib):
        lib.manual_seed(3)
        return [b.tolist() for b in lib.utils.data.DataLoader(
            _NumpyAndRandomDraws(), batch_size=2, num_workers=2, multiprocessing_context="fork")]

    assert run(gk) == run(torch)


def test_module_type_aliases_as_torch(torch):
    # libraries annotate collate functions with the module's private aliases (Opacus imports
    # ``_collate_fn_t`` at load time)
    from gradkit.utils.data import dataloader as ours

    theirs = pytest.importorskip("torch.utils.data.dataloader")
    for name in ("_collate_fn_t", "_worker_init_fn_t", "_T", "_T_co"):
        assert repr(getattr(ours, name)) == repr(getattr(theirs, name)), name


def test_too_many_workers_warns_as_torch(torch):
    """More workers than usable CPUs: PyTorch's UserWarning, word for word, when the loader is
    built (none for a sane count)."""
    import os as _os

    n = (len(_os.sched_getaffinity(0)) if hasattr(_os, "sched_getaffinity")
         else _os.cpu_count()) + 1

    def messages(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.utils.data.DataLoader(list(range(4)), num_workers=n)
            lib.utils.data.DataLoader(list(range(4)), num_workers=1)
        return [(w.category, str(w.message)) for w in caught]

    want = messages(torch)
    assert len(want) == 1 and "will create" in want[0][1]
    assert messages(gk) == want
