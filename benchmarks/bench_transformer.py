# ruff: noqa: I001  (common must be imported before NumPy)
"""Transformer and small-op-loop training steps against PyTorch, in the same run.

Workloads (ms per training step, both libraries from the same weights and data):

- transformer: Embedding(256, 128) + 2 x TransformerEncoderLayer(128, 4 heads, ff 512,
  norm_first, batch_first, dropout 0), a causal mask, sequence 64, batch 16, a linear head to
  256 tokens, cross-entropy, AdamW;
- gpt block: LayerNorm -> q/k/v projections -> F.scaled_dot_product_attention(is_causal=True)
  -> output projection -> LayerNorm -> GELU MLP (128, 4 heads, ff 512), same shapes, AdamW;
- cell loop: 2 x LSTMCell (1 -> 51 -> 51) unrolled over 100 steps, batch 97, float64, a linear
  readout, MSE, SGD (the time-series tutorial's model), and the same model under LBFGS
  (one step = up to 20 closure calls);

and, with ``--memory``, the peak resident memory growth over 10 steps of each workload, each
(library, workload) pair in a fresh subprocess (``common.peak_growth_mib``: the high-water
mark reset once the model and optimizer are built, so one workload's peak cannot hide the
next one's, and the first step's gradients and optimizer state count for both libraries).

Timing: medians of alternating blocks (``common.interleaved``); the CPU model is printed.
Run: python benchmarks/bench_transformer.py [--quick] [--memory] [--only "transformer,gpt block"]
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (Row, interleaved, memory_child, memory_rows, report,  # before NumPy
                    torch_or_none)

import numpy as np

import gradkit as gk

QUICK = "--quick" in sys.argv
VOCAB, D, HEADS, FF, T, B = 256, 128, 4, 512, 64, 16


def _tokens():
    rng = np.random.default_rng(0)
    return rng.integers(0, VOCAB, size=(B, T + 1))


class _Gpt:
    """The same GPT-style block written against either library (``lib`` = gradkit or torch)."""

    def __init__(self, lib):
        nn = lib.nn
        self.lib = lib
        self.emb = nn.Embedding(VOCAB, D)
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, FF), nn.Linear(FF, D)
        self.head = nn.Linear(D, VOCAB)
        self.mods = [self.emb, self.ln1, self.ln2, self.qkv, self.proj, self.fc1, self.fc2,
                     self.head]

    def parameters(self):
        return [p for m in self.mods for p in m.parameters()]

    def __call__(self, x):
        F = self.lib.nn.functional
        h = self.emb(x)
        q, k, v = self.qkv(self.ln1(h)).split(D, dim=-1)
        q, k, v = (t.reshape(B, T, HEADS, D // HEADS).transpose(1, 2) for t in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        h = h + self.proj(a.transpose(1, 2).reshape(B, T, D))
        h = h + self.fc2(F.gelu(self.fc1(self.ln2(h))))
        return self.head(h)


class _Encoder:
    def __init__(self, lib):
        nn = lib.nn
        self.lib = lib
        self.emb = nn.Embedding(VOCAB, D)
        self.enc = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True,
                                       norm_first=True), 2, enable_nested_tensor=False)
        self.head = nn.Linear(D, VOCAB)
        self.mask = lib.triu(lib.full((T, T), float("-inf")), 1)

    def parameters(self):
        return [p for m in (self.emb, self.enc, self.head) for p in m.parameters()]

    def __call__(self, x):
        return self.head(self.enc(self.emb(x), mask=self.mask, is_causal=True))


def _copy_weights(src, dst, torch):
    for a, b in zip(src.parameters(), dst.parameters()):
        with torch.no_grad():
            b.copy_(torch.from_numpy(a.detach().numpy().copy()))


def _lm_step(lib, model, tokens):
    x, y = lib.tensor(tokens[:, :-1]), lib.tensor(tokens[:, 1:])
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


class _Cells:
    """2 x LSTMCell(1 -> 51 -> 51) unrolled over the sequence, a linear readout."""

    def __init__(self, lib):
        nn = lib.nn
        self.lib = lib
        self.c1, self.c2 = nn.LSTMCell(1, 51).double(), nn.LSTMCell(51, 51).double()
        self.out = nn.Linear(51, 1).double()

    def parameters(self):
        return [p for m in (self.c1, self.c2, self.out) for p in m.parameters()]

    def __call__(self, x):
        lib = self.lib
        n = x.shape[0]
        h1 = c1 = lib.zeros(n, 51, dtype=lib.float64)
        h2 = c2 = lib.zeros(n, 51, dtype=lib.float64)
        outs = []
        for t in range(x.shape[1]):
            h1, c1 = self.c1(x[:, t:t + 1], (h1, c1))
            h2, c2 = self.c2(h1, (h2, c2))
            outs.append(self.out(h2))
        return lib.cat(outs, dim=1)


def _sine_data():
    rng = np.random.default_rng(0)
    t = np.arange(101)[None, :] + rng.integers(-80, 80, size=(97, 1))
    wave = np.sin(t / 20.0)
    return wave[:, :-1].copy(), wave[:, 1:].copy()


def _cell_step(lib, model, lbfgs=False):
    xs, ys = _sine_data()
    x, y = lib.tensor(xs), lib.tensor(ys)
    F = lib.nn.functional
    if lbfgs:
        opt = lib.optim.LBFGS(model.parameters(), lr=0.8, max_iter=20)

        def closure():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss

        return lambda: opt.step(closure)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)

    def step():
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _workloads(lib, torch=None, twins=None):
    """name -> step function; with ``twins`` (gradkit models) the torch models copy their
    weights, so both libraries start from the same point."""
    tokens = _tokens()
    made = {"transformer": _Encoder(lib), "gpt block": _Gpt(lib), "cell loop": _Cells(lib),
            "cell loop, LBFGS": _Cells(lib)}
    if twins is not None:
        for name, model in made.items():
            _copy_weights(twins[name], model, torch)
    steps = {"transformer": _lm_step(lib, made["transformer"], tokens),
             "gpt block": _lm_step(lib, made["gpt block"], tokens),
             "cell loop": _cell_step(lib, made["cell loop"]),
             "cell loop, LBFGS": _cell_step(lib, made["cell loop, LBFGS"], lbfgs=True)}
    return made, steps


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_step(lib, name):
    """One workload's step, built in a memory subprocess (``common.memory_child``)."""
    if lib is not gk:
        lib = torch_or_none()  # the harness's thread count
    return _workloads(lib)[1][name]


MEMORY = ("transformer", "gpt block", "cell loop")


def main():
    if "--memory-child" in sys.argv:
        memory_child(_memory_step)
        return
    torch = torch_or_none()
    print(f"CPU: {_cpu_model()}")
    gk.manual_seed(0)
    models, g_steps = _workloads(gk)
    t_steps = _workloads(torch, torch, models)[1] if torch is not None else {}
    rows = []
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    for name, g_step in g_steps.items():
        if only is not None and name not in only:
            continue
        t_step = t_steps.get(name)
        if t_step is not None:  # same weights and data: the first losses agree
            lg, lt = float(g_step().item()), float(t_step().item())
            if abs(lg - lt) > 1e-3 * max(1.0, abs(lt)):
                print(f"warning: {name}: first losses differ: gradkit {lg} torch {lt}")
        repeat = 4 if "LBFGS" in name else (10 if QUICK else 30)
        tg, tt = interleaved(g_step, t_step, repeat, block=2 if "LBFGS" in name else 5)
        rows.append(Row(name, "ms", tg, tt, 1e3))
    if "--memory" in sys.argv and torch is not None:
        rows += memory_rows(__file__, MEMORY)
    report("Transformer and small-op loops: training steps", rows)


if __name__ == "__main__":
    main()
