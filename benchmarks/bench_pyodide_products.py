"""Which NumPy primitive computes each matrix product of the Pyodide benchmarks fastest.

Records the float products (shapes and memory layouts) that one training step of each workload
of ``benchmarks/bench_pyodide.py`` computes, then times every candidate kernel on each of them:
``np.matmul``, ``np.dot``, ``np.tensordot``, einsum's "dot" form (both operands contiguous
along the reduction) and "axpy" form (the right operand contiguous by rows), and gradkit's
choice (``gradkit._noblas.matmul``). Run natively or in Pyodide:

    python benchmarks/bench_pyodide_products.py [mlp cnn lstm]
    node tests/pyodide/run_in_pyodide.mjs DIST SRC_OR_WHEEL benchmarks/bench_pyodide_products.py

Prints one line per distinct product: microseconds per call of each candidate (best of 5).
"""

from __future__ import annotations

import sys
import time

import numpy as np


def _layout(a):
    if a.flags.c_contiguous:
        return "C"
    if a.flags.f_contiguous:
        return "F"
    return "S"


def _make(shape, layout, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "S":
        x = np.ascontiguousarray(rng.standard_normal(shape[:-1] + (shape[-1] + 3,))
                                 .astype(dtype))[..., : shape[-1]]
    return x


def record(names):
    """The distinct (a.shape, a layout, b.shape, b layout, dtype) of the float products that a
    training step of each named workload computes, with how often per step."""
    import os

    here = os.path.dirname(globals().get("__file__") or "/mnt/src/benchmarks/x")
    sys.path.insert(0, here)  # in Pyodide: the source tree mounted by run_in_pyodide.mjs
    import bench_pyodide

    import gradkit as gk
    from gradkit import _backend

    seen: dict = {}
    original = _backend.NumpyNamespace.matmul

    def spy(a, b, out=None):
        if getattr(a, "dtype", None) is not None and a.dtype.kind == "f":
            key = (tuple(a.shape), _layout(a), tuple(b.shape), _layout(b), str(a.dtype))
            seen[key] = seen.get(key, 0) + 1
        return original(a, b) if out is None else original(a, b, out=out)

    out = {}
    for name, (model, x, y, _steps) in bench_pyodide._models(gk).items():
        if names and name not in names:
            continue
        step = bench_pyodide._stepper(gk, model, x, y)
        step()
        seen.clear()
        _backend.NumpyNamespace.matmul = staticmethod(spy)
        try:
            step()
        finally:
            _backend.NumpyNamespace.matmul = staticmethod(original)
        out[name] = dict(seen)
    return out


def _best(fn, reps):
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best * 1e6


def candidates(a, b):
    from gradkit import _noblas

    c = np.ascontiguousarray
    two_d = a.ndim == 2 and b.ndim == 2
    bt = b.T if two_d else b.swapaxes(-1, -2)
    out = {
        "matmul": lambda: np.matmul(a, b),
        "einsum_dot": lambda: np.einsum("...ik,...jk->...ij", c(a), c(bt)),
        "einsum_axpy": lambda: np.einsum("...ik,...kj->...ij", c(a), c(b)),
        "gradkit": lambda: _noblas.matmul(a, b),
    }
    if two_d:
        out["dot"] = lambda: np.dot(a, b)
        out["dot_cc"] = lambda: np.dot(c(a), c(b))
        out["tensordot"] = lambda: np.tensordot(a, b, axes=1)
        out["matmul_cc"] = lambda: np.matmul(c(a), c(b))
        out["matmul_c_bT"] = lambda: np.matmul(c(a), c(bt).T)
    return out


def main(argv):
    names = [x for x in argv if not x.startswith("-")]
    rng = np.random.default_rng(0)
    print(f"platform {sys.platform}, numpy {np.__version__}")
    for name, seen in record(names).items():
        print(f"== {name}")
        for (ash, al, bsh, bl, dt), count in sorted(seen.items(), key=lambda kv: str(kv[0])):
            a = _make(ash, al, dt, rng)
            b = _make(bsh, bl, dt, rng)
            want = np.matmul(a.astype(np.float64), b)
            macs = int(np.prod(np.broadcast_shapes(ash[:-2], bsh[:-2]) or (1,))) * (
                ash[-2] * ash[-1] * bsh[-1])
            reps = max(3, min(300, 2_000_000 // max(macs, 1)))
            times = {}
            for cand, fn in candidates(a, b).items():
                got = fn()
                assert np.allclose(got, want, rtol=1e-3, atol=1e-3), cand
                times[cand] = _best(fn, reps)
            fastest = min(times, key=times.get)
            print(f"{dt} {ash}{al} @ {bsh}{bl} x{count} macs={macs}: " + " ".join(
                f"{k}={v:.0f}" for k, v in times.items()) + f"  -> {fastest}")
    return 0


_IN_PYODIDE_RUNNER = "SUITE_ARGS" in globals()  # run by tests/pyodide/run_in_pyodide.mjs
if __name__ == "__main__" and not _IN_PYODIDE_RUNNER:
    raise SystemExit(main(sys.argv[1:]))
exit_code = main(list(SUITE_ARGS)) if _IN_PYODIDE_RUNNER else 0  # noqa: F821
exit_code  # noqa: B018 (the runner's exit code is the file's last value)
