"""utils.data: more checks against torch.utils.data (worker errors, worker init, exports,
collate messages)."""

import threading

import numpy as np
import pytest

import gradkit.utils.data as gd
from gradkit.utils.data import DataLoader


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
            seen.append((i, gd.get_worker_info().id, gd.get_worker_info().num_workers))

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


def test_distributed_sampler_is_a_sampler_exported_from_utils_data():
    # torch: ``from torch.utils.data import DistributedSampler`` and it subclasses Sampler;
    # gradkit only had gradkit.utils.data.distributed.DistributedSampler, not a Sampler
    torch = pytest.importorskip("torch")
    assert issubclass(torch.utils.data.DistributedSampler, torch.utils.data.Sampler)
    from gradkit.utils.data.distributed import DistributedSampler

    assert gd.DistributedSampler is DistributedSampler
    assert issubclass(gd.DistributedSampler, gd.Sampler)
    s = gd.DistributedSampler(list(range(10)), num_replicas=3, rank=1, shuffle=False)
    assert list(s) == list(torch.utils.data.DistributedSampler(
        list(range(10)), num_replicas=3, rank=1, shuffle=False))


def test_collate_ragged_arrays_name_the_offending_entry():
    # torch: "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at
    # entry 2"; gradkit listed the set of shapes without saying which sample differs
    batch = [np.ones(2), np.ones(2), np.ones(3)]
    with pytest.raises(RuntimeError, match=r"got \[2\] at entry 0 and \[3\] at entry 2"):
        gd.default_collate(batch)
