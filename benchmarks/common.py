"""Shared benchmark harness: timing, the BLAS report, and the ratio table.

Every benchmark runs the same workload in gradkit and (when installed) PyTorch in the same
process and prints medians and the ratio gradkit/torch. Absolute times on shared machines are
noise; the ratio is what we track. Import this module before NumPy: when the environment pins
OpenBLAS to an old kernel (``OPENBLAS_CORETYPE``), it unsets that together with
``OPENBLAS_L2_SIZE`` for this process only, and says so.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

UNSET = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
if "--keep-blas-env" not in sys.argv:
    for _k in UNSET:
        os.environ.pop(_k, None)
else:
    UNSET = []

# ``BENCH_THREADS`` pins NumPy's BLAS too (the benchmarks that do not set it through
# threadpoolctl ran OpenBLAS's two threads beside one torch thread, and under
# ``BENCH_CLOCK=cpu`` their spinning workers' time was counted: an LSTM step read 25x).
if os.environ.get("BENCH_THREADS") and "OPENBLAS_NUM_THREADS" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["BENCH_THREADS"]

import numpy as np  # noqa: E402

# ``BENCH_CLOCK=cpu``: time with the process's CPU time instead of the wall clock. On a shared
# machine under load (more runnable threads than cores) the wall clock mostly measures how long
# the scheduler kept the process waiting; with one thread per library (``BENCH_THREADS=1``) the
# CPU time is what the step itself costs. (With several threads it would count spinning BLAS or
# OpenMP workers too, so it is meant for single-threaded comparisons.)
CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter

__all__ = ["timeit", "blas_report", "report", "torch_or_none", "Row", "interleaved",
           "peak_growth_mib", "memory_rows", "memory_child"]


def torch_or_none():
    try:
        import torch

        # the same thread count as NumPy's BLAS: OMP_NUM_THREADS=1 limits OpenBLAS to one
        # thread, and torch too unless overridden here (cpu_count would give torch two)
        threads = next((os.environ[k] for k in ("BENCH_THREADS", "OPENBLAS_NUM_THREADS",
                                                "OMP_NUM_THREADS") if os.environ.get(k)), None)
        torch.set_num_threads(int(threads or os.cpu_count() or 1))
        return torch
    except ImportError:
        return None


def timeit(fn, *, repeat=30, warmup=5, min_time=0.0):
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < min_time:
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return statistics.median(times)


def blas_report() -> str:
    parts = [f"numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                parts.append(f"{info.get('internal_api')} {info.get('version')} "
                             f"kernel={info.get('architecture')} threads={info.get('num_threads')}")
    except ImportError:
        parts.append("threadpoolctl not installed (pip install threadpoolctl to see the kernel)")
    if "torch" in sys.modules:
        parts.append(f"torch threads={sys.modules['torch'].get_num_threads()}")
    if CLOCK is time.process_time:
        parts.append("clock=process CPU time")
    if UNSET:
        parts.append(f"unset for this process: {', '.join(UNSET)}")
    return "; ".join(parts)


class Row:
    def __init__(self, name, unit, gradkit_s, torch_s, scale=1.0):
        self.name, self.unit, self.g, self.t, self.scale = name, unit, gradkit_s, torch_s, scale


def report(title, rows):
    """Print a table: workload, gradkit median, torch median, ratio gradkit/torch."""
    print(f"\n## {title}")
    print(f"BLAS: {blas_report()}")
    print(f"{'workload':<40} {'gradkit':>12} {'torch':>12} {'ratio':>8}")
    for r in rows:
        g = f"{r.g * r.scale:.3f} {r.unit}"
        t = f"{r.t * r.scale:.3f} {r.unit}" if r.t is not None else "n/a"
        ratio = f"{r.g / r.t:.2f}x" if r.t else "n/a"
        print(f"{r.name:<40} {g:>12} {t:>12} {ratio:>8}")
    sys.stdout.flush()


def interleaved(g_fn, t_fn, repeat, block=10, settle=2, pause=0.25):
    """Medians of g_fn and t_fn, timed in alternating blocks of ``block`` calls.

    Alternating keeps load changes on a shared machine hitting both libraries alike. Blocks
    with a ``pause`` before each keep one library's idle worker threads from being timed against
    the other: OpenBLAS's workers spin for up to about 0.1 s after a parallel call, PyTorch's
    OpenMP workers for a shorter while, and on a 2-core machine a spinning thread takes a core
    from the other library. The first ``settle`` calls of each block are not timed.
    """
    for _ in range(settle):
        g_fn()
        if t_fn is not None:
            t_fn()
    tg, tt = [], []
    for _ in range(max(1, repeat // block)):
        for fn, times in ((g_fn, tg), (t_fn, tt)):
            if fn is None:
                continue
            time.sleep(pause)
            for i in range(block + settle):
                t0 = CLOCK()
                fn()
                if i >= settle:
                    times.append(CLOCK() - t0)
    return statistics.median(tg), (statistics.median(tt) if tt else None)


# ----------------------------------------------------------------------------- peak memory
# One method for every benchmark and both libraries: each (library, workload) pair runs in a
# fresh subprocess; after the model, data and optimizer are built (no step taken yet) the
# kernel's resident-set high-water mark is reset (``/proc/self/clear_refs``, Linux), the
# resident size is read, the steps run, and the high-water mark (``VmHWM``) minus that size is
# the peak growth: activations, gradients, optimizer state, every temporary, and whatever the
# allocator kept, for gradkit and PyTorch alike. ``tracemalloc`` would see NumPy's arrays
# (NumPy reports them to it) but not PyTorch's, so it serves only as a cross-check of
# gradkit's live bytes (``--traced``); RSS, not tracemalloc, is what the ratio compares. Where
# the high-water mark cannot be reset, ``ru_maxrss`` is used (then an import peak above the
# steps' peak hides growth: a lower bound, and said so). Before the baseline, glibc's
# ``malloc_trim(0)`` hands the heap's free pages back, so that neither library's steps reuse
# pages freed while the model was built (resident already, so invisible to the growth); gradkit
# asks glibc to keep up to 256 MiB of free heap (``gradkit._malloc``), which would otherwise
# hide that much of its growth.
def _status_kib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _trim_heap():
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def peak_growth_mib(step, steps=10, traced=False):
    """Peak resident growth in MiB over ``steps`` calls of ``step()`` (see the note above);
    with ``traced``, also tracemalloc's peak of traced bytes (NumPy arrays included)."""
    gc.collect()
    _trim_heap()
    reset = False
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        pass
    base = _status_kib("VmRSS:") if reset else None
    if base is None:
        reset = False
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        import tracemalloc

        tracemalloc.start()
        t0 = tracemalloc.get_traced_memory()[0]
    for _ in range(steps):
        step()
    peak = _status_kib("VmHWM:") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {"rss_mib": (peak - base) / 1024.0, "hwm_reset": reset}
    if traced:
        out["traced_mib"] = (tracemalloc.get_traced_memory()[1] - t0) / 2**20
        tracemalloc.stop()
    return out


def memory_child(make_step):
    """In a subprocess started by :func:`memory_rows`: ``make_step(lib, name)`` builds one
    workload's step (no step taken); print its peak growth as JSON."""
    i = sys.argv.index("--memory-child")
    which, name = sys.argv[i + 1], sys.argv[i + 2]
    if which == "torch":
        import torch as lib

        lib.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    else:
        import gradkit as lib
    lib.manual_seed(0)
    step = make_step(lib, name)
    print(json.dumps(peak_growth_mib(step, traced=which == "gradkit" and "--traced" in sys.argv)))


def memory_rows(script, names, steps=10):
    """Rows of peak resident growth over ``steps`` steps, gradkit vs torch, each pair measured
    in a fresh ``python script --memory-child LIB NAME`` (see :func:`memory_child`)."""
    rows = []
    extra = ["--traced"] if "--traced" in sys.argv else []
    for name in names:
        res = {}
        for which in ("gradkit", "torch"):
            proc = subprocess.run([sys.executable, script, "--memory-child", which, name, *extra],
                                  capture_output=True, text=True, timeout=900)
            if proc.returncode != 0:
                print(f"memory run of {name} ({which}) failed:\n{proc.stderr[-2000:]}")
                break
            res[which] = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            g, t = res["gradkit"], res["torch"]
            label = f"peak RSS growth, {steps} steps: {name}"
            if not g["hwm_reset"]:
                label += " (ru_maxrss: lower bound)"
            rows.append(Row(label, "MiB", g["rss_mib"], t["rss_mib"]))
            if "traced_mib" in g:
                print(f"  {name}: gradkit tracemalloc peak {g['traced_mib']:.1f} MiB")
    return rows
