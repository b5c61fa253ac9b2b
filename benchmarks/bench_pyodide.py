"""Training-step speed of three small models, run natively and inside Pyodide (WebAssembly).

``bash benchmarks/bench_pyodide.sh`` runs this file twice on the same machine — natively with one
BLAS thread, then in Pyodide under Node (``tests/pyodide/run.sh`` sets Pyodide up) — and prints
the ratio per workload. Run alone, it prints one JSON line with steps/s per workload for the
interpreter it runs in: one over the 10th percentile of single steps' times, which a shared
machine's preemptions do not move (``--profile NAME [--rows N]`` prints a cProfile of that workload
instead: its N most expensive functions by own time, default 25; ``--phases [NAMES]`` prints
the time of each phase of a step and of the matrix products in it).

Workloads (float32, Adam, cross-entropy; shapes fixed so both runs do the same work):
- ``mlp``: MLP 20-64-64-4, batch 64 (the Pyodide issue's reference model);
- ``cnn``: the browser page's digits CNN (Conv2d(1,16,3)+pool, Linear 256-64-10) on 8x8, batch 32;
- ``lstm``: a char-LSTM (Embedding 65x32, LSTM 32->128, Linear 128->65), batch 16, 32 steps.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def _models(gk):
    nn = gk.nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(65, 32)
            self.lstm = nn.LSTM(32, 128, batch_first=True)
            self.head = nn.Linear(128, 65)

        def forward(self, x):
            h, _ = self.lstm(self.emb(x))
            return self.head(h).reshape(-1, 65)

    rng = np.random.default_rng(0)
    work = {}
    gk.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                        nn.Linear(64, 4))
    work["mlp"] = (mlp, gk.tensor(rng.standard_normal((64, 20), dtype=np.float32)),
                   gk.tensor(rng.integers(0, 4, 64)), 400)
    cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(16 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))
    work["cnn"] = (cnn, gk.tensor(rng.random((32, 1, 8, 8), dtype=np.float32)),
                   gk.tensor(rng.integers(0, 10, 32)), 200)
    lstm = CharLSTM()
    work["lstm"] = (lstm, gk.tensor(rng.integers(0, 65, (16, 32))),
                    gk.tensor(rng.integers(0, 65, 16 * 32)), 20)
    return work


def _stepper(gk, model, x, y):
    opt = gk.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = gk.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def measure(names=None) -> dict:
    """Steps/s per workload: one over the 10th percentile of the single steps' times. Each
    step is timed on its own so that a shared machine's preemptions (which land in the upper
    percentiles) do not count; on a quiet machine it is within a few % of the mean."""
    import gradkit as gk

    out = {}
    pc = time.perf_counter
    for name, (model, x, y, steps) in _models(gk).items():
        if names and name not in names:
            continue
        step = _stepper(gk, model, x, y)
        for _ in range(max(3, steps // 20)):  # warm up
            step()
        times = []
        for _ in range(steps):
            t0 = pc()
            step()
            times.append(pc() - t0)
        out[name] = round(1.0 / float(np.percentile(times, 10)), 1)
    return out


def profile(name: str, rows: int = 25) -> None:
    """cProfile of ``steps // 4`` training steps of one workload: its ``rows`` most expensive
    functions by own time, in microseconds per step (cProfile's own cost per call inflates
    Python functions, more so in Pyodide)."""
    import cProfile
    import pstats

    import gradkit as gk

    model, x, y, steps = _models(gk)[name]
    step = _stepper(gk, model, x, y)
    for _ in range(3):
        step()
    n = steps // 4
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    for _ in range(n):
        step()
    pr.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(pr).stats
    total = sum(v[2] for v in stats.values())
    print(f"{name} on {sys.platform}: {wall / n * 1e6:.0f} us per step under cProfile "
          f"({total / n * 1e6:.0f} us in the functions below and the rest), {n} steps")
    print(f"{'own us/step':>12}{'cum us/step':>12}{'calls/step':>11}  function")
    for (file, line, func), (_cc, nc, tt, ct, _callers) in sorted(
            stats.items(), key=lambda kv: -kv[1][2])[:rows]:
        where = func if file == "~" else f"{file.split('gradkit/')[-1]}:{line}({func})"
        print(f"{tt / n * 1e6:12.1f}{ct / n * 1e6:12.1f}{nc / n:11.1f}  {where}")


def phases(names=None) -> None:
    """Where a step's time goes: zero_grad, forward, loss, backward, optimizer step, and the
    matrix products within them (10th percentile of each over many steps, in microseconds: a
    shared machine's preemptions land in the upper percentiles)."""
    import gradkit as gk
    from gradkit import _backend

    pc = time.perf_counter
    product = _backend.NumpyNamespace.matmul
    spent = [0.0]

    def timed(a, b, out=None):
        t0 = pc()
        r = product(a, b) if out is None else product(a, b, out=out)
        spent[0] += pc() - t0
        return r

    _backend.NumpyNamespace.matmul = staticmethod(timed)
    try:
        for name, (model, x, y, steps) in _models(gk).items():
            if names and name not in names:
                continue
            opt = gk.optim.Adam(model.parameters(), lr=1e-3)
            loss_fn = gk.nn.CrossEntropyLoss()
            rec: dict = {k: [] for k in ("zero_grad", "forward", "loss", "backward", "step",
                                         "products", "total")}
            for i in range(steps + 3):
                spent[0] = 0.0
                t0 = pc()
                opt.zero_grad()
                t1 = pc()
                out = model(x)
                t2 = pc()
                loss = loss_fn(out, y)
                t3 = pc()
                loss.backward()
                t4 = pc()
                opt.step()
                t5 = pc()
                if i >= 3:
                    for k, v in zip(rec, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, spent[0],
                                          t5 - t0)):
                        rec[k].append(v)
            print(f"PHASES {sys.platform} {name} " + " ".join(
                f"{k}={np.percentile(v, 10) * 1e6:.0f}" for k, v in rec.items()) + " (us)")
    finally:
        _backend.NumpyNamespace.matmul = staticmethod(product)


def summarise(path: str) -> None:
    """Median steps/s per platform and workload from RESULT lines, and native / Pyodide."""
    runs: dict = {}
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                rec = json.loads(line[7:])
                plat = rec.pop("platform")
                for name, value in rec.items():
                    runs.setdefault(name, {}).setdefault(plat, []).append(value)
    print(f"{'workload':10}{'native steps/s':>16}{'Pyodide steps/s':>17}"
          f"{'native/Pyodide':>16}  runs")
    for name, by in runs.items():
        nat = float(np.median(by.get("linux", [np.nan])))
        wasm = float(np.median(by.get("emscripten", [np.nan])))
        print(f"{name:10}{nat:16.1f}{wasm:17.1f}{nat / wasm:15.2f}x  "
              f"{len(by.get('linux', []))}+{len(by.get('emscripten', []))}")


def main(argv) -> int:
    if "--summarise" in argv:
        summarise(argv[argv.index("--summarise") + 1])
        return 0
    if "--phases" in argv:
        phases([a for a in argv if not a.startswith("-")])
        return 0
    if "--profile" in argv:
        rows = int(argv[argv.index("--rows") + 1]) if "--rows" in argv else 25
        profile(argv[argv.index("--profile") + 1], rows)
        return 0
    names = [a for a in argv if not a.startswith("-")]
    print("RESULT " + json.dumps({"platform": sys.platform, **measure(names)}))
    return 0


_IN_PYODIDE_RUNNER = "SUITE_ARGS" in globals()  # run by tests/pyodide/run_in_pyodide.mjs
if __name__ == "__main__" and not _IN_PYODIDE_RUNNER:
    raise SystemExit(main(sys.argv[1:]))
exit_code = main(list(SUITE_ARGS)) if _IN_PYODIDE_RUNNER else 0  # noqa: F821
exit_code  # noqa: B018 (the runner's exit code is the file's last value)
