# ruff: noqa: I001  (common must be imported before NumPy)
"""One optimizer step (Adam, AdamW, SGD with momentum) over MLP parameters: gradkit vs torch.

Usage: python benchmarks/bench_optim.py [--keep-blas-env]

Both libraries update the same float32 parameters of an MLP 784-1024-1024-10 and of an MLP
784-128-10 (weights and biases) with gradients present; torch uses ``torch.optim`` with its
default choice, which on CPU is the per-parameter loop (``foreach`` is for CUDA only), each op
using torch's intra-op threads. The ratio gradkit/torch is what to read. Each number is the best
of 5 medians (20 steps each), the libraries taking turns, each block after a short pause.

gradkit's SGD updates the two big weights with NumPy's own BLAS (``axpy``/``scal``, see
``gradkit.optim.optimizer``); ``GRADKIT_OPTIM_BLAS=0`` times its ufunc path instead.
Threads: ``BENCH_THREADS=1 GRADKIT_OPTIM_THREADS=1 OMP_NUM_THREADS=1`` for one thread everywhere.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import itertools
import time

from common import Row, report, timeit, torch_or_none  # before NumPy: it sets the BLAS env first

import numpy as np

import gradkit as gk
import gradkit.optim as gopt

MLPS = {"MLP 784-1024-1024-10": [784, 1024, 1024, 10], "MLP 784-128-10": [784, 128, 10]}
ROUNDS = 5
PAUSE = 0.25  # seconds before each timed block
OPTIMIZERS = [
    ("Adam", {"lr": 1e-3}),
    ("AdamW", {"lr": 1e-3}),
    ("SGD momentum", {"lr": 1e-2, "momentum": 0.9}),
]


def _arrays(sizes, rng):
    arrays = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        arrays.append(rng.standard_normal((fan_out, fan_in)).astype(np.float32) * 0.05)
        arrays.append(rng.standard_normal(fan_out).astype(np.float32) * 0.05)
    return arrays


def main() -> None:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    rows = []
    for mlp_name, sizes in MLPS.items():
        weights = _arrays(sizes, rng)
        grads = [rng.standard_normal(w.shape).astype(np.float32) * 0.01 for w in weights]
        for opt_name, kw in OPTIMIZERS:
            cls_name = opt_name.split()[0]
            params = [gk.nn.Parameter(gk.tensor(w.copy())) for w in weights]
            for p, g in zip(params, grads):
                p.grad = gk.tensor(g)
            opt = getattr(gopt, cls_name)(params, **kw)
            topt = None
            if torch is not None:
                tparams = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in weights]
                for p, g in zip(tparams, grads):
                    p.grad = torch.from_numpy(g.copy())
                topt = getattr(torch.optim, cls_name)(tparams, **kw)
            # Alternate the two libraries over several rounds and keep each one's best median:
            # on a shared machine a burst of load then hits both alike. A pause before each
            # block lets the other library's idle threads stop spinning (PyTorch's OpenMP
            # workers and OpenBLAS's both spin a while after parallel work; on 2 cores a
            # spinning thread takes the core the next block's threads need).
            g_times, t_times = [], []
            for _ in range(ROUNDS):
                time.sleep(PAUSE)
                g_times.append(timeit(opt.step, repeat=20, warmup=3))
                if topt is not None:
                    time.sleep(PAUSE)
                    t_times.append(timeit(topt.step, repeat=20, warmup=3))
            rows.append(Row(f"{opt_name} step, {mlp_name}", "ms", min(g_times),
                            min(t_times) if t_times else None, scale=1e3))
    report("optimizer step (float32, gradients present)", rows)


if __name__ == "__main__":
    main()
