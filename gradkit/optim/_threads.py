"""The threads that share an optimizer step's elementwise work between CPU cores.

NumPy's ufuncs release the GIL while they compute, so Python threads can update different
slices of a large parameter at the same time. Two things stand in the way on Linux, both
measured on a 2-core VM (Adam over the 1.86M float32 parameters of an MLP 784-1024-1024-10):

* The scheduler places a thread woken by another on the waker's core when that core is about to
  idle, so a pool thread and the thread that handed it work often shared one core while the
  other idled: the step then took 2.6-2.8 ms on 2 threads, as long as on one. ``WorkerPool``
  keeps each of its threads to its own block of the process's CPUs (one CPU each on 2 cores),
  and the calling thread takes the share of the block it runs on.
* Each ufunc call takes the GIL to start. A thread that finds it held sleeps until the holder
  releases it, but the holder often takes it back first (its next call comes sooner than a
  sleeping thread on another core wakes, ~20 us here), and the sleeper then waits out the whole
  switch interval (5 ms by default, longer than a step): the threads ran one after the other in
  about a third of the steps. While the pool runs, ``sys.setswitchinterval`` is lowered to
  100 us, so a waiting thread asks the holder to let go in time; it is restored afterwards.

With both: 1.5-1.7 ms per step (ufunc kernels), two threads each doing half the work at the
speed of one.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable

__all__ = ["NO_THREADS", "CountedSetting", "WorkerPool", "short_gil_waits", "usable_cpus"]

# Pyodide (Emscripten) and WASI builds of Python start no threads and have no ctypes-reachable
# C library: the optimizers then run on the calling thread alone, with their ufunc kernels.
NO_THREADS = sys.platform in ("emscripten", "wasi")

# How long a thread waits for the GIL before asking its holder to let go, while the pool runs.
GIL_WAIT = 1e-4


def usable_cpus() -> list[int] | None:
    """The CPUs this process may run on (its affinity mask), or None where the platform does
    not say."""
    if NO_THREADS:
        return None
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def _sched_getcpu() -> Callable[[], int] | None:
    """The C library's ``sched_getcpu`` (the CPU the calling thread runs on), or None."""
    if NO_THREADS:
        return None
    try:
        import ctypes

        fn = ctypes.CDLL(None).sched_getcpu
        fn.restype = ctypes.c_int
        fn.argtypes = []
        return fn if fn() >= 0 else None
    except (OSError, AttributeError, TypeError):
        return None


class CountedSetting:
    """A process-wide setting changed while any of several overlapping users needs it.

    ``with setting:`` reads the current value with ``get()`` and installs ``value(current)``
    with ``put`` when the first user enters; the last user out puts the saved value back.
    Users may nest or come from several threads (two optimizers stepping at once).
    """

    def __init__(self, get: Callable[[], object], put: Callable[[object], None],
                 value: Callable[[object], object]) -> None:
        self._get, self._put, self._value = get, put, value
        self._lock = threading.Lock()
        self._inside = 0
        self._saved: object = None

    def __enter__(self) -> None:
        with self._lock:
            if self._inside == 0:
                self._saved = self._get()
                wanted = self._value(self._saved)
                if wanted != self._saved:
                    self._put(wanted)
            self._inside += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0 and self._get() != self._saved:
                self._put(self._saved)

    def reset_after_fork(self) -> None:
        """In a forked child no one is inside, whatever the parent was doing: restore the
        saved value if it was changed, and start with a fresh lock."""
        if self._inside and self._get() != self._saved:
            self._put(self._saved)
        self._lock = threading.Lock()
        self._inside = 0


# The switch interval is lowered to GIL_WAIT while any pool runs (see the module docstring).
short_gil_waits = CountedSetting(sys.getswitchinterval, sys.setswitchinterval,
                                 lambda current: min(current, GIL_WAIT))


class WorkerPool:
    """``size`` threads, thread ``i`` kept to block ``i`` of the process's CPUs.

    ``run(fn, n)`` calls ``fn(0)`` ... ``fn(n - 1)`` in parallel and returns when all are done,
    re-raising the first exception. The calling thread takes the share of the block it is
    running on; pool threads take the others. Each block is a disjoint part of the affinity
    mask, so the scheduler still balances within a block. Where threads cannot be pinned (not
    Linux, fewer CPUs than threads), the caller takes share 0 and the threads float.
    The threads are daemons, blocked on their queues between steps.
    """

    def __init__(self, size: int, cpus: list[int] | None) -> None:
        self.size = size
        self._inboxes: list[queue.SimpleQueue] = []
        self._block_of: dict[int, int] = {}
        self._getcpu = None
        blocks: list = [None] * size
        if cpus and len(cpus) >= size and hasattr(os, "sched_setaffinity"):
            k = len(cpus)
            blocks = [cpus[i * k // size:(i + 1) * k // size] for i in range(size)]
            self._block_of = {c: i for i, block in enumerate(blocks) for c in block}
            self._getcpu = _sched_getcpu()
        for i, block in enumerate(blocks):
            inbox: queue.SimpleQueue = queue.SimpleQueue()
            self._inboxes.append(inbox)
            threading.Thread(target=self._serve, args=(inbox, block), daemon=True,
                             name=f"gradkit-optim-{i}").start()

    def _serve(self, inbox: queue.SimpleQueue, block: list[int] | None) -> None:
        if block:
            try:
                os.sched_setaffinity(0, block)  # on Linux, the calling thread only
            except OSError:
                pass
        while True:
            fn, arg, done = inbox.get()
            if fn is None:
                return
            try:
                fn(arg)
                done.put(None)
            except BaseException as e:  # handed to the caller, which re-raises it
                done.put(e)

    def run(self, fn: Callable[[int], None], n: int) -> None:
        """Run ``fn(i)`` for ``i`` in ``range(n)`` (``n <= size``), one share per thread."""
        mine = 0
        if self._getcpu is not None:
            mine = self._block_of.get(self._getcpu(), 0) % n
        others = [i for i in range(n) if i != mine]
        error = None
        done: queue.SimpleQueue = queue.SimpleQueue()   # this run's replies (runs may overlap)
        with short_gil_waits:
            for i in others:
                self._inboxes[i].put((fn, i, done))
            try:
                fn(mine)
            except BaseException as e:
                error = e
            finally:
                pending = len(others)
                while pending:  # every share ends before this returns, even on Ctrl-C
                    try:
                        e = done.get()
                    except BaseException as interrupt:
                        error = error or interrupt
                        continue
                    pending -= 1
                    error = error or e
        if error is not None:
            raise error

    def close(self) -> None:
        """Let the threads end (they finish what they were given first)."""
        for inbox in self._inboxes:
            inbox.put((None, None, None))
