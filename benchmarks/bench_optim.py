# ruff: noqa: I001  (common must be imported before NumPy)
"""One optimizer step (Adam, AdamW, SGD with momentum) over MLP parameters: gradkit vs torch.

Usage: python benchmarks/bench_optim.py [--keep-blas-env] [--no-memory] [--traced]

Both libraries update the same float32 parameters of an MLP 784-1024-1024-10 and of an MLP
784-128-10 (weights and biases) with gradients present; torch uses ``torch.optim`` with its
default choice, which on CPU is the per-parameter loop (``foreach`` is for CUDA only), each op
using torch's intra-op threads. The ratio gradkit/torch is what to read. Each number is the best
of 5 medians (20 steps each), the libraries taking turns, each block after a short pause.
A last table times whole training steps (forward, cross-entropy, backward, Adam) of the large
MLP on a batch of 64, where the optimizer shares the cores with the matrix products.

gradkit splits the two big weights between threads kept on separate cores
(``gradkit.optim._threads``) and updates them with NumPy's own BLAS where a multiply-add fuses
(``axpy``/``axpby``, see ``gradkit.optim._blas``); ``GRADKIT_OPTIM_BLAS=0`` times its ufunc
kernels instead.
Threads: ``BENCH_THREADS=1 GRADKIT_OPTIM_THREADS=1 OMP_NUM_THREADS=1`` for one thread everywhere.

Peak memory: the peak resident growth over 10 Adam training steps of the large MLP at batch 64
and 512, each library in a fresh subprocess (``common.peak_growth_mib``; ``--traced`` adds
gradkit's tracemalloc peak, ``--no-memory`` skips it).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import itertools
import time

from common import (Row, memory_child, memory_rows, report, timeit,  # before NumPy
                    torch_or_none)

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
    if "--memory-child" in sys.argv:
        memory_child(_memory_step)
        return
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
    rows = [_training_step(torch, rng)]
    if torch is not None and "--no-memory" not in sys.argv:
        rows += memory_rows(__file__, [f"MLP 784-1024-1024-10 b{b}, Adam" for b in (64, 512)])
    report("training step: MLP 784-1024-1024-10, batch 64, cross-entropy, Adam", rows)


def _memory_step(lib, name):
    batch = int(name.split()[2][1:].rstrip(","))
    return _build_step(lib, lib.from_numpy, np.random.default_rng(0), batch)


def _training_step(torch, rng) -> Row:
    """Forward, loss, backward and Adam step of the large MLP in both libraries."""
    g_step = _build_step(gk, gk.tensor, np.random.default_rng(1), 64)
    t_step = (_build_step(torch, torch.from_numpy, np.random.default_rng(1), 64)
              if torch is not None else None)
    g_times, t_times = [], []
    for _ in range(ROUNDS):
        time.sleep(PAUSE)
        g_times.append(timeit(g_step, repeat=20, warmup=3))
        if t_step is not None:
            time.sleep(PAUSE)
            t_times.append(timeit(t_step, repeat=20, warmup=3))
    return Row("Adam training step, MLP 784-1024-1024-10", "ms", min(g_times),
               min(t_times) if t_times else None, scale=1e3)


def _build_step(lib, tensor, rng, batch):
    """Forward, loss, backward and Adam step of the large MLP (same weights and data for a
    given ``rng``) in ``lib``."""
    sizes = MLPS["MLP 784-1024-1024-10"]
    weights = _arrays(sizes, rng)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)

    def build(lib, tensor):
        layers = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            lin = lib.nn.Linear(fan_in, fan_out)
            with lib.no_grad():
                lin.weight.copy_(tensor(weights[2 * i].copy()))
                lin.bias.copy_(tensor(weights[2 * i + 1].copy()))
            layers += [lin, lib.nn.ReLU()]
        model = lib.nn.Sequential(*layers[:-1])
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = tensor(x), tensor(y)

        def step():
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(xt), yt).backward()
            opt.step()
        return step

    return build(lib, tensor)


if __name__ == "__main__":
    main()
