"""MLP training steps against PyTorch, in the same run: issue 18's two MLP workloads.

- MLP 784-128-10, batch 64
- MLP 784-1024-1024-10, batch 512

Each step: ``zero_grad``, forward through ``nn.Linear``/``nn.ReLU`` layers, ``cross_entropy``,
backward, ``optim.Adam`` (lr 1e-3); float32, the same weights and data in both libraries (the
losses after the first steps are compared). Timing: the libraries take turns in blocks after a
pause (``common.interleaved``), medians. ``BENCH_CLOCK=cpu BENCH_THREADS=1`` times CPU time with
one thread per library (the comparison to use on a shared machine).

Run: python benchmarks/bench_mlp.py [--quick]
"""

# ruff: noqa: I001  (common must be imported before NumPy: it sets the BLAS environment)
from __future__ import annotations

import contextlib
import itertools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, interleaved, report, torch_or_none  # noqa: E402  (BLAS env first)

import numpy as np  # noqa: E402

import gradkit as gk  # noqa: E402

QUICK = "--quick" in sys.argv
WORKLOADS = (("MLP 784-128-10, batch 64, Adam", [784, 128, 10], 64),
             ("MLP 784-1024-1024-10, batch 512, Adam", [784, 1024, 1024, 10], 512))


def build_step(lib, sizes, batch, seed=0):
    """The training step of an MLP of ``sizes`` in ``lib`` (same weights and data per seed)."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        lin = lib.nn.Linear(fan_in, fan_out)
        b = 1.0 / np.sqrt(fan_in)
        with lib.no_grad():
            lin.weight.copy_(lib.from_numpy(
                rng.uniform(-b, b, (fan_out, fan_in)).astype(np.float32)))
            lin.bias.copy_(lib.from_numpy(rng.uniform(-b, b, fan_out).astype(np.float32)))
        layers += [lin, lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.from_numpy(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, sizes[-1], batch).astype(np.int64))

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _blas_threads(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas")


def main():
    torch = torch_or_none()
    rows = []
    with _blas_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))):
        for name, sizes, batch in WORKLOADS:
            g = build_step(gk, sizes, batch)
            t = build_step(torch, sizes, batch) if torch is not None else None
            if t is not None:
                lg, lt = float(g().item()), float(t().item())
                if abs(lg - lt) > 1e-3 * max(1.0, abs(lt)):
                    print(f"WARNING: {name}: losses differ: gradkit {lg:.6f} vs torch {lt:.6f}")
            repeat = 20 if QUICK else 60
            if batch >= 512:
                repeat //= 2
            gt, tt = interleaved(g, t, repeat, block=5)
            rows.append(Row(name, "ms", gt, tt, scale=1e3))
        report("MLP training steps (float32, cross-entropy, Adam)", rows)


if __name__ == "__main__":
    main()
