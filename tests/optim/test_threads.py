"""The worker pool behind the parallel optimizer step (gradkit.optim._threads)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim
from gradkit.optim import _runner, _threads


def test_each_share_runs_once_on_its_own_thread():
    pool = _threads.WorkerPool(3, None)
    seen = {}
    lock = threading.Lock()

    def fn(i):
        with lock:
            seen.setdefault(i, []).append(threading.get_ident())

    pool.run(fn, 3)
    pool.run(fn, 2)
    assert sorted(seen) == [0, 1, 2]
    assert [len(seen[i]) for i in range(3)] == [2, 2, 1]
    first_round = {seen[i][0] for i in range(3)}
    assert len(first_round) == 3                       # three threads, the caller among them
    assert threading.get_ident() in first_round
    pool.close()


def test_an_error_in_a_pool_thread_reaches_the_caller_and_the_pool_goes_on():
    pool = _threads.WorkerPool(2, None)
    caller = threading.get_ident()

    def fn(i):
        if threading.get_ident() != caller:
            raise ValueError(f"share {i} failed")

    with pytest.raises(ValueError, match="failed"):
        pool.run(fn, 2)
    done = []
    pool.run(lambda i: done.append(i), 2)
    assert sorted(done) == [0, 1]
    pool.close()


def test_switch_interval_is_short_while_running_and_restored_after():
    before = sys.getswitchinterval()
    pool = _threads.WorkerPool(2, None)
    during = []
    pool.run(lambda i: during.append(sys.getswitchinterval()), 2)
    assert during == pytest.approx([_threads.GIL_WAIT] * 2)   # stored in microseconds
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError):
        pool.run(lambda i: (_ for _ in ()).throw(RuntimeError("x")), 2)
    assert sys.getswitchinterval() == before
    pool.close()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs thread affinity and two CPUs")
def test_pool_threads_keep_to_disjoint_cpu_blocks():
    cpus = sorted(os.sched_getaffinity(0))
    pool = _threads.WorkerPool(2, cpus)
    masks = {}
    caller = threading.get_ident()

    def fn(i):
        if threading.get_ident() != caller:
            masks[i] = os.sched_getaffinity(0)

    for _ in range(50):    # the caller may sit on either block: try to see both pool threads
        pool.run(fn, 2)
        if len(masks) == 2:
            break
    assert masks, "no share ran on a pool thread"
    for i, mask in masks.items():
        assert mask == set(cpus[i * len(cpus) // 2:(i + 1) * len(cpus) // 2])
    assert os.sched_getaffinity(0) == set(cpus)        # the caller is never pinned
    pool.close()


def _step_in_child(queue):
    w = gk.tensor(np.ones(300_000, np.float32), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = gk.tensor(np.ones(300_000, np.float32))
    opt.step()
    queue.put(float(w.detach().numpy().sum()))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_forked_child_makes_its_own_pool(monkeypatch):
    monkeypatch.setattr(_runner, "_THREADS", 2)
    w = gk.tensor(np.ones(300_000, np.float32), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = gk.tensor(np.ones(300_000, np.float32))
    opt.step()                                          # the parent's pool exists now
    assert _runner._POOL[0] is not None
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    child = ctx.Process(target=_step_in_child, args=(q,))
    child.start()
    total = q.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0
    assert total == pytest.approx(300_000 * 0.9)


def test_optimizers_stepping_in_two_threads_at_once_match_serial_steps(monkeypatch):
    """Two optimizers stepped from two threads share the pool; each run waits for its own
    shares only."""
    monkeypatch.setattr(_runner, "_THREADS", 2)
    rng = np.random.default_rng(0)
    w0 = [rng.standard_normal(300_000).astype(np.float32) for _ in range(2)]
    grads = [[rng.standard_normal(300_000).astype(np.float32) for _ in range(5)] for _ in w0]

    def train(k, out):
        w = gk.tensor(w0[k], requires_grad=True)
        opt = optim.Adam([w], lr=0.01)
        for g in grads[k]:
            w.grad = gk.tensor(g)
            opt.step()
        out[k] = w.detach().numpy().copy()

    serial = {}
    for k in range(2):
        train(k, serial)
    for _ in range(3):
        together = {}
        threads = [threading.Thread(target=train, args=(k, together)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in range(2):
            np.testing.assert_array_equal(together[k], serial[k])


@pytest.mark.parametrize(("env", "expected"), [
    ({"GRADKIT_OPTIM_THREADS": "3", "OMP_NUM_THREADS": "1"}, 3),
    ({"OMP_NUM_THREADS": "1"}, 1),
    ({"OMP_NUM_THREADS": "2,1"}, 2),        # OpenMP's nested form: the outer level counts
    ({"GRADKIT_OPTIM_THREADS": "64"}, 8),   # at most 8
    ({"GRADKIT_OPTIM_THREADS": "0"}, 1),
])
def test_thread_count_follows_the_environment(monkeypatch, env, expected):
    for name in ("GRADKIT_OPTIM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _runner._thread_count() == expected


def test_thread_count_defaults_to_the_usable_cpus(monkeypatch):
    for name in ("GRADKIT_OPTIM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "many")          # not ours to judge: ignored
    expected = min(len(_runner._CPUS) if _runner._CPUS else os.cpu_count() or 1, 8)
    assert _runner._thread_count() == expected


def test_a_bad_thread_count_is_named(monkeypatch):
    monkeypatch.setenv("GRADKIT_OPTIM_THREADS", "two")
    with pytest.raises(ValueError, match=r"GRADKIT_OPTIM_THREADS='two'.*whole number"):
        _runner._thread_count()


def test_ctrl_c_while_the_caller_waits_lets_every_share_finish_first(monkeypatch):
    """A KeyboardInterrupt reaches the caller only once no pool thread is still writing.

    The interrupt is raised by the caller's wait itself (its queue's first ``get``), which is
    where Ctrl-C lands while the other shares run: no signal and no timing, so a loaded machine
    can neither make the test fail nor hang it."""
    real = _threads.queue.SimpleQueue

    class InterruptedOnce:
        def __init__(self):
            self._q = real()
            self._interrupted = False

        def put(self, item):
            self._q.put(item)

        def get(self):
            if not self._interrupted:
                self._interrupted = True
                raise KeyboardInterrupt
            return self._q.get()

    pool = _threads.WorkerPool(2, None)
    main = threading.get_ident()
    finished = []
    started = threading.Event()

    def fn(i):
        if threading.get_ident() == main:
            started.wait(30)                         # the other share is running
            return                                   # the caller waits from now on
        started.set()
        time.sleep(0.2)                              # still writing when the interrupt lands
        finished.append(i)

    monkeypatch.setattr(_threads.queue, "SimpleQueue", InterruptedOnce)
    with pytest.raises(KeyboardInterrupt):
        pool.run(fn, 2)
    monkeypatch.undo()
    assert len(finished) == 1
    assert sys.getswitchinterval() != _threads.GIL_WAIT
    pool.close()


def _report_after_fork(queue):
    from gradkit.optim import _blas

    queue.put((sys.getswitchinterval(), _threads.short_gil_waits._inside,
               _blas._one_blas_thread._inside, _runner._POOL[0] is None))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_child_forked_during_a_parallel_step_starts_clean():
    before = sys.getswitchinterval()
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    with _threads.short_gil_waits:                   # as if a step were running in the parent
        child = ctx.Process(target=_report_after_fork, args=(q,))
        child.start()
    interval, inside_gil, inside_blas, no_pool = q.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0
    assert interval == pytest.approx(before)
    assert (inside_gil, inside_blas, no_pool) == (0, 0, True)
