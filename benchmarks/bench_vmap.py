"""``func.vmap`` against PyTorch's ``torch.func.vmap``, in the same run, and against gradkit's
own entry-by-entry loop (what vmap did before it ran ``func`` once on batched tensors):

- per-sample gradients, ``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)``, batch 64, of
  an MLP 64-128-10 and of a small CNN (conv 1->8 3x3, relu, conv 8->8 3x3, relu, linear);
- the Jacobian of an MLP 512-256-16 at one input, ``vmap(vjp_fn)(I)`` (rows by batched
  cotangents) and ``jacrev``;
- the Hessian of a small function of 32 inputs (``hessian``: a Jacobian of the gradient, its
  rows by batched cotangents through the double-backward graph).

Prints the median of each and the ratios; the loop column is gradkit's entry-by-entry run
(for jacrev and hessian: one backward pass per row). ``BENCH_THREADS=1`` gives each library
one thread (the comparison to use on a shared machine). Run: python benchmarks/bench_vmap.py
[--quick]
"""

# ruff: noqa: I001  (common must be imported before NumPy: it sets the BLAS environment)
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import torch_or_none  # noqa: E402  (BLAS env first)

import numpy as np  # noqa: E402

import gradkit as gk  # noqa: E402
from gradkit import _vmap  # noqa: E402

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 7


def median_time(fn):
    fn()
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def mlp_case(lib):
    F = lib.nn.functional
    r = np.random.default_rng(0)
    shapes = {"w1": (128, 64), "b1": (128,), "w2": (10, 128), "b2": (10,)}
    params = {k: lib.tensor(r.standard_normal(s).astype(np.float32) * 0.1)
              for k, s in shapes.items()}
    x = lib.tensor(r.standard_normal((64, 64)).astype(np.float32))
    y = lib.tensor(r.integers(0, 10, 64))

    def loss(p, xi, yi):
        h = F.relu(F.linear(xi, p["w1"], p["b1"]))
        return F.cross_entropy(F.linear(h, p["w2"], p["b2"]).unsqueeze(0), yi.unsqueeze(0))

    return loss, params, x, y


def cnn_case(lib):
    F = lib.nn.functional
    r = np.random.default_rng(0)
    shapes = {"c1": (8, 1, 3, 3), "c2": (8, 8, 3, 3), "w": (10, 8 * 10 * 10), "b": (10,)}
    params = {k: lib.tensor(r.standard_normal(s).astype(np.float32) * 0.1)
              for k, s in shapes.items()}
    x = lib.tensor(r.standard_normal((64, 1, 14, 14)).astype(np.float32))
    y = lib.tensor(r.integers(0, 10, 64))

    def loss(p, xi, yi):
        h = F.relu(F.conv2d(xi.unsqueeze(0), p["c1"]))
        h = F.relu(F.conv2d(h, p["c2"]))
        return F.cross_entropy(F.linear(h.flatten(1), p["w"], p["b"]), yi.unsqueeze(0))

    return loss, params, x, y


def jac_case(lib):
    r = np.random.default_rng(0)
    w1 = lib.tensor(r.standard_normal((256, 512)).astype(np.float32) * 0.05)
    w2 = lib.tensor(r.standard_normal((16, 256)).astype(np.float32) * 0.05)
    x = lib.tensor(r.standard_normal(512).astype(np.float32))

    def f(v):
        return (w2 @ (w1 @ v).tanh()).tanh()

    return f, x


def hess_case(lib):
    r = np.random.default_rng(0)
    w = lib.tensor(r.standard_normal((32, 32)).astype(np.float32) * 0.1)
    x = lib.tensor(r.standard_normal(32).astype(np.float32))

    def f(v):
        return ((w @ v).tanh() ** 2).sum() + (v.sin() * v).sum()

    return f, x


def hess(lib):
    f, x = hess_case(lib)
    return lambda: lib.func.hessian(f)(x)


def per_sample(lib, case):
    loss, params, x, y = case(lib)
    return lambda: lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)


def jac_by_vjp(lib):
    f, x = jac_case(lib)

    def run():
        _, fn = lib.func.vjp(f, x)
        return lib.func.vmap(fn)(lib.eye(16))

    return run


def jac_rev(lib):
    f, x = jac_case(lib)
    return lambda: lib.func.jacrev(f)(x)


def main():
    torch = torch_or_none()
    rows = []
    for name, make in (("per-sample grads, MLP 64-128-10, batch 64", lambda L: per_sample(
            L, mlp_case)), ("per-sample grads, CNN 2 conv + linear, batch 64",
                            lambda L: per_sample(L, cnn_case)),
                       ("Jacobian of MLP 512-256-16, vmap(vjp_fn)(I)", jac_by_vjp),
                       ("Jacobian of MLP 512-256-16, jacrev", jac_rev),
                       ("Hessian of a 32-input function, hessian", hess)):
        _vmap.MODE[0] = "batched"
        before = dict(_vmap.STATS)
        batched = median_time(make(gk))
        ran_batched = _vmap.STATS["batched"] - before["batched"]
        _vmap.MODE[0] = "loop"
        loop = median_time(make(gk))
        _vmap.MODE[0] = "batched"
        theirs = median_time(make(torch)) if torch is not None else float("nan")
        rows.append((name, batched, loop, theirs, ran_batched))
    print(f"{'workload':50s} {'gradkit':>10s} {'loop':>10s} {'torch':>10s} "
          f"{'loop/gk':>8s} {'gk/torch':>9s}")
    for name, b, lo, t, n in rows:
        print(f"{name:50s} {b * 1e3:9.2f}ms {lo * 1e3:9.2f}ms {t * 1e3:9.2f}ms {lo / b:8.1f} "
              f"{b / t:9.2f}" + ("" if n else "  (ran entry by entry)"))


if __name__ == "__main__":
    main()
