"""CNN training step against PyTorch, in the same run.

The model (LeNet-like, float32, batch 64 on 1x28x28 inputs)::

    conv(1->16, k5) ReLU maxpool2 -> conv(16->32, k5) ReLU maxpool2 -> linear(512->128) ReLU
    -> linear(128->10)

One step: forward, cross-entropy, backward, plain SGD update (ms per step). Also reported: the
forward alone and the conv layers alone (forward + backward), to show where the time goes, and a
CIFAR-sized step: conv(3->64, 3x3, pad 1) ReLU conv(64->64, 3x3, pad 1) ReLU maxpool2 ->
linear(16384->10) on 3x32x32 inputs, batch 64, cross-entropy, Adam.

Peak memory: the peak resident growth over 10 steps of the LeNet step and of the CIFAR-sized
step, each library in a fresh subprocess (``common.peak_growth_mib``: the high-water mark reset
after the model is built; ``--traced`` adds gradkit's tracemalloc peak as a cross-check;
``--no-memory`` skips it).

Timing: the libraries take turns in blocks after a pause (``common.interleaved``), medians.

Threads: ``BENCH_THREADS`` (default: all cores) sets both PyTorch's intra-op threads and, through
threadpoolctl, NumPy's BLAS threads, so both libraries get the same number. On a shared 2-core
machine under load, two BLAS threads often stall (a worker waits for a core), so compare with
``BENCH_THREADS=1`` as well.

``--phases``: instead, the LeNet step's phases one by one (each conv, relu and pool forward,
the head, the whole backward, the update), both libraries step by step in turn, medians in ms:
where the step's time goes on each side.

Run: python benchmarks/bench_cnn.py [--quick] [--no-memory] [--traced] [--phases]
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, interleaved, memory_child, memory_rows, report, torch_or_none  # noqa: I001, E501  (BLAS env first)

import numpy as np

import gradkit as gk
import gradkit.nn.functional as F

QUICK = "--quick" in sys.argv
BATCH = 64
LR = 0.01


def _params(rng):
    def u(shape, fan_in):
        b = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-b, b, size=shape).astype(np.float32)

    return {
        "c1.w": u((16, 1, 5, 5), 25), "c1.b": u((16,), 25),
        "c2.w": u((32, 16, 5, 5), 400), "c2.b": u((32,), 400),
        "f1.w": u((128, 512), 512), "f1.b": u((128,), 512),
        "f2.w": u((10, 128), 128), "f2.b": u((10,), 128),
    }


def _data(rng):
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH).astype(np.int64)
    return x, y


def _gk_linear(x, w, b):
    if hasattr(F, "linear"):
        return F.linear(x, w, b)
    return x @ w.t() + b


def _gk_loss(logits, y):
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, y)
    logp = logits.log_softmax(1)
    return -(logp * gk.tensor(np.eye(10, dtype=np.float32)[y._data])).sum() / logits.shape[0]


def gradkit_model(params, x, y):
    p = {k: gk.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    xt, yt = gk.tensor(x), gk.tensor(y)

    def forward():
        h = F.max_pool2d(F.conv2d(xt, p["c1.w"], p["c1.b"]).relu(), 2)
        h = F.max_pool2d(F.conv2d(h, p["c2.w"], p["c2.b"]).relu(), 2)
        h = _gk_linear(h.reshape(BATCH, -1), p["f1.w"], p["f1.b"]).relu()
        return _gk_loss(_gk_linear(h, p["f2.w"], p["f2.b"]), yt)

    def step():
        loss = forward()
        loss.backward()
        for t in p.values():
            t._data -= LR * t.grad._data
            t.grad = None
        return loss

    def fwd():
        with gk.no_grad():
            forward()

    def convs():
        h = F.max_pool2d(F.conv2d(xt, p["c1.w"], p["c1.b"]).relu(), 2)
        h = F.max_pool2d(F.conv2d(h, p["c2.w"], p["c2.b"]).relu(), 2)
        h.sum().backward()
        for t in p.values():
            t.grad = None

    return step, fwd, convs


def torch_model(torch, params, x, y):
    tf = torch.nn.functional
    p = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def forward():
        h = tf.max_pool2d(tf.conv2d(xt, p["c1.w"], p["c1.b"]).relu(), 2)
        h = tf.max_pool2d(tf.conv2d(h, p["c2.w"], p["c2.b"]).relu(), 2)
        h = tf.linear(h.reshape(BATCH, -1), p["f1.w"], p["f1.b"]).relu()
        return tf.cross_entropy(tf.linear(h, p["f2.w"], p["f2.b"]), yt)

    def step():
        loss = forward()
        loss.backward()
        with torch.no_grad():
            for t in p.values():
                t.sub_(LR * t.grad)
                t.grad = None
        return loss

    def fwd():
        with torch.no_grad():
            forward()

    def convs():
        h = tf.max_pool2d(tf.conv2d(xt, p["c1.w"], p["c1.b"]).relu(), 2)
        h = tf.max_pool2d(tf.conv2d(h, p["c2.w"], p["c2.b"]).relu(), 2)
        h.sum().backward()
        for t in p.values():
            t.grad = None

    return step, fwd, convs


def _blas_threads(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas")


def main():
    if "--memory-child" in sys.argv:
        with _blas_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))):
            memory_child(_memory_step)
        return
    with _blas_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))):
        _run()


def _cifar_arrays():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH).astype(np.int64)
    return x, y


def cifar_step(lib, twin=None):
    """The CIFAR-sized CNN step (Adam) in ``lib``; ``twin``: a gradkit model to copy weights
    from (so both libraries start from the same point). Returns (model, step)."""
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 16 * 16, 10))
    if twin is not None:
        with lib.no_grad():
            for a, b in zip(twin.parameters(), model.parameters()):
                b.copy_(lib.from_numpy(a.detach().numpy().copy()))
    x, y = _cifar_arrays()
    xt, yt = lib.from_numpy(x), lib.from_numpy(y)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return model, step


def _memory_step(lib, name):
    if name == "LeNet b64, SGD":
        rng = np.random.default_rng(0)
        params = _params(rng)
        x, y = _data(rng)
        if lib is gk:
            return gradkit_model(params, x, y)[0]
        return torch_model(lib, params, x, y)[0]
    return cifar_step(lib)[1]


MEMORY = ("LeNet b64, SGD", "2xConv(64, 3x3) 3x32x32 b64, Adam")


PHASES = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "head+loss", "backward",
          "update")


def _phased_step(lib, params, x, y):
    """The LeNet training step of ``lib`` (gradkit or torch), returning the CPU/wall time of each
    of :data:`PHASES` (``common.CLOCK``)."""
    from common import CLOCK

    fn = F if lib is gk else lib.nn.functional
    p = {k: lib.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step():
        t = [CLOCK()]
        h = fn.conv2d(xt, p["c1.w"], p["c1.b"])
        t.append(CLOCK())
        h = h.relu()
        t.append(CLOCK())
        h = fn.max_pool2d(h, 2)
        t.append(CLOCK())
        h = fn.conv2d(h, p["c2.w"], p["c2.b"])
        t.append(CLOCK())
        h = h.relu()
        t.append(CLOCK())
        h = fn.max_pool2d(h, 2)
        t.append(CLOCK())
        h = fn.linear(h.reshape(BATCH, -1), p["f1.w"], p["f1.b"]).relu()
        loss = fn.cross_entropy(fn.linear(h, p["f2.w"], p["f2.b"]), yt)
        t.append(CLOCK())
        loss.backward()
        t.append(CLOCK())
        with lib.no_grad():
            for v in p.values():
                v.sub_(LR * v.grad)
                v.grad = None
        t.append(CLOCK())
        return np.diff(t)

    return step


def _phases():
    rng = np.random.default_rng(0)
    params = _params(rng)
    x, y = _data(rng)
    torch = torch_or_none()
    steps = {"gradkit": _phased_step(gk, params, x, y)}
    if torch is not None:
        steps["torch"] = _phased_step(torch, params, x, y)
    times = {k: [] for k in steps}
    for i in range(10 + (20 if QUICK else 60)):
        for name, fn in steps.items():
            d = fn()
            if i >= 10:
                times[name].append(d)
    med = {k: np.median(np.array(v), axis=0) * 1e3 for k, v in times.items()}
    print(f"\n## LeNet step by phase, ms (batch {BATCH}, float32)")
    print(f"{'phase':<12}" + "".join(f"{k:>10}" for k in med))
    for i, ph in enumerate(PHASES):
        print(f"{ph:<12}" + "".join(f"{v[i]:>10.3f}" for v in med.values()))
    print(f"{'total':<12}" + "".join(f"{v.sum():>10.3f}" for v in med.values()))


def _run():
    if "--phases" in sys.argv:
        _phases()
        return
    rng = np.random.default_rng(0)
    params = _params(rng)
    x, y = _data(rng)
    repeat = 10 if QUICK else 40
    g_step, g_fwd, g_conv = gradkit_model(params, x, y)
    torch = torch_or_none()
    # same start, same data: the losses after a few steps must agree
    if torch is not None:
        t_step, t_fwd, t_conv = torch_model(torch, params, x, y)
        for _ in range(3):
            lg, lt = float(g_step().item()), float(t_step().item())
        if abs(lg - lt) > 1e-3 * max(1.0, abs(lt)):
            print(f"WARNING: losses differ after 3 steps: gradkit {lg:.6f} vs torch {lt:.6f}")
    rows = []
    for name, g, t in (("train step (fwd+CE+bwd+SGD)", g_step, "step"),
                       ("forward only (no_grad)", g_fwd, "fwd"),
                       ("2x(conv+relu+pool) fwd+bwd", g_conv, "conv")):
        t_fn = None if torch is None else {"step": t_step, "fwd": t_fwd, "conv": t_conv}[t]
        gt, tt = interleaved(g, t_fn, repeat, block=5)
        rows.append(Row(name, "ms", gt, tt, scale=1e3))
    g_model, g_cifar = cifar_step(gk)
    t_cifar = cifar_step(torch, g_model)[1] if torch is not None else None
    if t_cifar is not None:
        lg, lt = float(g_cifar().item()), float(t_cifar().item())
        if abs(lg - lt) > 1e-3 * max(1.0, abs(lt)):
            print(f"WARNING: CIFAR-sized step losses differ: gradkit {lg:.6f} vs torch {lt:.6f}")
    gt, tt = interleaved(g_cifar, t_cifar, max(4, repeat // 4), block=2)
    rows.append(Row("2xConv(64,3x3) 3x32x32 step (Adam)", "ms", gt, tt, scale=1e3))
    if torch is not None and "--no-memory" not in sys.argv:
        rows += memory_rows(__file__, MEMORY)
    report(f"CNN, batch {BATCH}, float32 (LeNet on 1x28x28 unless named)", rows)


if __name__ == "__main__":
    main()
