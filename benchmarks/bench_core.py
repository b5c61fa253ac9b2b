"""Core engine benchmarks against PyTorch, in the same run.

- overhead: a chain of 200 tiny elementwise ops on a 16-element tensor, then backward (µs per op,
  forward and backward together).
- mlp: an MLP 784-128-10, batch 64, written with raw ops (matmul, add, relu, log_softmax) and a
  hand-written Adam update: forward, cross-entropy, backward, update (ms per step).

Run: python benchmarks/bench_core.py [--quick]
"""

# ruff: noqa: I001  (common must be imported before NumPy: it sets the BLAS environment)
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, interleaved, report, timeit, torch_or_none  # noqa: E402  (BLAS env first)

import numpy as np  # noqa: E402

import gradkit as gk  # noqa: E402

QUICK = "--quick" in sys.argv
N_OPS = 200


def _overhead_chain(x):
    """The same chain of tiny ops for either library (x: a 16-element leaf requiring grad)."""

    def step():
        y = x
        for _ in range(N_OPS // 4):
            y = y * 1.0001
            y = y + 0.001
            y = y.tanh()
            y = y - 0.0001
        y.sum().backward()
        x.grad = None

    return step


def overhead_gradkit():
    return _overhead_chain(
        gk.tensor(np.linspace(0.1, 1.0, 16, dtype=np.float32), requires_grad=True))


def overhead_torch(torch):
    return _overhead_chain(
        torch.linspace(0.1, 1.0, 16, dtype=torch.float32, requires_grad=True))


def _mlp_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    w1 = (rng.standard_normal((784, 128)) * 0.05).astype(np.float32)
    b1 = np.zeros(128, np.float32)
    w2 = (rng.standard_normal((128, 10)) * 0.05).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    return x, y, [w1, b1, w2, b2]


def mlp_gradkit():
    x, y, params = _mlp_data()
    xt = gk.from_numpy(x)
    onehot = np.zeros((64, 10), np.float32)
    onehot[np.arange(64), y] = 1.0 / 64
    target = gk.from_numpy(onehot)
    ps = [gk.tensor(p, requires_grad=True) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
    lr, b1_, b2_, eps = 1e-3, 0.9, 0.999, 1e-8
    state = {"t": 0}

    def step():
        w1, b1, w2, b2 = ps
        h = (xt @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = -(logits.log_softmax(1) * target).sum()
        loss.backward()
        state["t"] += 1
        t = state["t"]
        c1 = 1 - b1_ ** t
        c2 = 1 - b2_ ** t
        for p, mi, vi, ti in zip(ps, m, v, tmp):
            g = p.grad._data
            mi *= b1_
            mi += (1 - b1_) * g
            np.multiply(g, g, out=ti)
            vi *= b2_
            ti *= 1 - b2_
            vi += ti
            np.sqrt(vi, out=ti)
            ti /= np.sqrt(c2)
            ti += eps
            np.divide(mi, ti, out=ti)
            ti *= lr / c1
            p._data -= ti
            p.grad = None

    return step


def mlp_torch(torch):
    x, y, params = _mlp_data()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.Adam(ps, lr=1e-3)
    F = torch.nn.functional

    def step():
        w1, b1, w2, b2 = ps
        h = (xt @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = F.cross_entropy(logits, yt)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def main():
    torch = torch_or_none()
    rep = 10 if QUICK else 40
    rows = []
    # medians of alternating blocks (common.interleaved): on a shared machine, timing one
    # library after the other puts a load change on one side only
    pairs = [(f"overhead: {N_OPS} ops on 16 elems + backward", "us/op", 1e6 / N_OPS,
              overhead_gradkit(), overhead_torch(torch) if torch else None, rep, 0.0),
             ("mlp 784-128-10 b64 raw ops + Adam", "ms", 1e3, mlp_gradkit(),
              mlp_torch(torch) if torch else None, rep * 5, 0.25)]
    for name, unit, scale, g_step, t_step, repeat, pause in pairs:
        if t_step is None:
            rows.append(Row(name, unit, timeit(g_step, repeat=repeat), None, scale=scale))
            continue
        g, t = interleaved(g_step, t_step, repeat, block=5, pause=pause)
        rows.append(Row(name, unit, g, t, scale=scale))
    report("core: engine overhead and a raw-op MLP step", rows)


if __name__ == "__main__":
    main()
