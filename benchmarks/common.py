"""Shared benchmark harness: timing, the BLAS report, and the ratio table.

Every benchmark runs the same workload in gradkit and (when installed) PyTorch in the same
process and prints medians and the ratio gradkit/torch. Absolute times on shared machines are
noise; the ratio is what we track. Import this module before NumPy: when the environment pins
OpenBLAS to an old kernel (``OPENBLAS_CORETYPE``), it unsets that together with
``OPENBLAS_L2_SIZE`` for this process only, and says so.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

UNSET = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
if "--keep-blas-env" not in sys.argv:
    for _k in UNSET:
        os.environ.pop(_k, None)
else:
    UNSET = []

import numpy as np  # noqa: E402

__all__ = ["timeit", "blas_report", "report", "torch_or_none", "Row", "interleaved"]


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
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
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
                t0 = time.perf_counter()
                fn()
                if i >= settle:
                    times.append(time.perf_counter() - t0)
    return statistics.median(tg), (statistics.median(tt) if tt else None)
