# ruff: noqa: I001  (common must be imported before NumPy)
"""LSTM training step against PyTorch, in the same run.

Workload: a 1-layer LSTM (input 64, hidden 128) over 32 time steps, batch 32; the last hidden
state goes through a linear layer to 10 classes; cross-entropy; backward; a plain SGD update
(ms per step). Both frameworks start from the same weights and data.

Also reported: the same step for GRU, and the LSTM forward alone under no_grad.

gradkit and torch are timed in alternating blocks of calls (medians), so load on a shared
machine hits both alike while neither library's spinning worker threads are timed against the
other (a user runs one library, not both in turn). For a single-thread comparison (much
steadier on a loaded 2-core machine) run with ``OPENBLAS_NUM_THREADS=1 BENCH_THREADS=1``.

Peak memory: the peak resident growth over 10 training steps of each, each library in a fresh
subprocess (``common.peak_growth_mib``; ``--traced`` adds gradkit's tracemalloc peak,
``--no-memory`` skips it).

Run: python benchmarks/bench_lstm.py [--quick] [--no-memory] [--traced]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (Row, interleaved, memory_child, memory_rows, report,  # before NumPy
                    torch_or_none)

import numpy as np

import gradkit as gk

QUICK = "--quick" in sys.argv
T, B, I, H, C = 32, 32, 64, 128, 10
LR = 0.01


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    y = rng.integers(0, C, size=B)
    k = 1 / np.sqrt(H)
    w_out = rng.uniform(-k, k, size=(C, H)).astype(np.float32)
    b_out = rng.uniform(-k, k, size=(C,)).astype(np.float32)
    return x, y, w_out, b_out


def _cross_entropy_gk(logits, y):
    """Mean negative log-likelihood from log_softmax (nn.functional.cross_entropy if present)."""
    ce = getattr(gk.nn.functional, "cross_entropy", None)
    if ce is not None:
        return ce(logits, y)
    logp = gk.log_softmax(logits, 1)
    return -gk.gather(logp, 1, y.reshape(-1, 1)).mean()


def gradkit_step(kind):
    x_np, y_np, w_out, b_out = _data()
    gk.manual_seed(0)
    rnn = getattr(gk.nn, kind)(I, H)
    w = gk.tensor(w_out, requires_grad=True)
    b = gk.tensor(b_out, requires_grad=True)
    params = list(rnn.parameters()) + [w, b]
    x = gk.tensor(x_np)
    y = gk.tensor(y_np)

    def step():
        _, h = rnn(x)
        h_n = h[0] if kind == "LSTM" else h
        logits = gk.matmul(h_n[0], w.t()) + b
        loss = _cross_entropy_gk(logits, y)
        loss.backward()
        with gk.no_grad():
            for p in params:
                p._data -= LR * p.grad._data
                p.grad = None
        return loss

    return rnn, step


def torch_step(torch, kind, rnn_gk):
    x_np, y_np, w_out, b_out = _data()
    rnn = getattr(torch.nn, kind)(I, H)
    rnn.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                         for k, v in rnn_gk.state_dict().items()})
    w = torch.tensor(w_out, requires_grad=True)
    b = torch.tensor(b_out, requires_grad=True)
    params = list(rnn.parameters()) + [w, b]
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np)

    def step():
        _, h = rnn(x)
        h_n = h[0] if kind == "LSTM" else h
        logits = h_n[0] @ w.t() + b
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return step


def _memory_step(lib, name):
    kind = name.split()[0]
    rnn, g_step = gradkit_step(kind)
    if lib.__name__ == "gradkit":
        return g_step
    return torch_step(lib, kind, rnn)


def main():
    if "--memory-child" in sys.argv:
        memory_child(_memory_step)
        return
    torch = torch_or_none()
    repeat = 10 if QUICK else 60
    rows = []
    for kind in ("LSTM", "GRU"):
        rnn, g_step = gradkit_step(kind)
        t_step = torch_step(torch, kind, rnn) if torch is not None else None
        if t_step is not None:  # same weights, same data: the first losses agree
            lg, lt = float(g_step().item()), float(t_step().item())
            if abs(lg - lt) > 1e-4 * max(1.0, abs(lt)):
                print(f"warning: {kind} first-step losses differ: gradkit {lg} torch {lt}")
        tg, tt = interleaved(g_step, t_step, repeat)
        rows.append(Row(f"{kind} train step T={T} B={B} {I}->{H}", "ms", tg, tt, 1e3))
    x_np = _data()[0]
    lstm = gk.nn.LSTM(I, H)
    xg = gk.tensor(x_np)

    def g_fwd():
        with gk.no_grad():
            lstm(xg)

    if torch is not None:
        tl = torch.nn.LSTM(I, H)
        xt = torch.from_numpy(x_np)

        def t_fwd():
            with torch.no_grad():
                tl(xt)

    else:
        t_fwd = None
    tg, tf = interleaved(g_fwd, t_fwd, repeat)
    rows.append(Row("LSTM forward (no_grad)", "ms", tg, tf, 1e3))
    if torch is not None and "--no-memory" not in sys.argv:
        rows += memory_rows(__file__, [f"{k} T={T} B={B} {I}->{H}, SGD" for k in ("LSTM", "GRU")])
    report("LSTM / GRU training step", rows)


if __name__ == "__main__":
    main()
