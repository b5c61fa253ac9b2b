"""Test helpers shared by every test file.

``check_grad`` compares the analytical gradient of ``fn`` with central differences in float64,
projected on a random direction (cheap, and exact enough to catch any wrong rule).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import gradkit as gk


def t64(rng, *shape, requires_grad=True, low=None, high=None):
    """A float64 tensor of standard-normal (or uniform [low, high)) values."""
    if low is not None:
        arr = rng.uniform(low, high, size=shape)
    else:
        arr = rng.standard_normal(shape)
    return gk.tensor(arr, dtype=gk.float64, requires_grad=requires_grad)


def check_grad(fn, inputs, *, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0, create_graph=False):
    """Assert d<u, fn(inputs)>/d inputs matches central differences along random directions.

    ``fn`` maps a list of float64 tensors to one tensor. Each input that requires grad is
    checked along its own random direction v: (f(x + eps v) - f(x - eps v)) / 2 eps . u
    against <grad, v>.
    """
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    u = rng.standard_normal(out.shape)
    targets = [x for x in inputs if isinstance(x, gk.Tensor) and x.requires_grad]
    grads = gk.autograd.grad(out, targets, gk.tensor(u, dtype=out.dtype), allow_unused=True,
                             create_graph=create_graph)
    for x, g in zip(targets, grads):
        v = rng.standard_normal(x.shape)
        orig = x.detach().numpy().copy()
        with gk.no_grad():
            x.data.copy_(gk.tensor(orig + eps * v))
            plus = fn(*inputs).numpy().copy()  # a view would change with x
            x.data.copy_(gk.tensor(orig - eps * v))
            minus = fn(*inputs).numpy().copy()
            x.data.copy_(gk.tensor(orig))
        numeric = float(((plus - minus) / (2 * eps) * u).sum())
        analytic = 0.0 if g is None else float((g.detach().numpy() * v).sum())
        assert abs(numeric - analytic) <= atol + rtol * abs(numeric), (
            f"gradient mismatch: numeric {numeric!r} vs analytic {analytic!r}")
    return grads


def to_torch(torch, x, requires_grad=None):
    """A torch tensor with the same values (and requires_grad) as gradkit tensor ``x``."""
    arr = x.detach().numpy().copy()
    t = torch.from_numpy(arr)
    rg = x.requires_grad if requires_grad is None else requires_grad
    return t.requires_grad_(rg) if rg else t


def assert_close(a, b, atol=1e-5, rtol=1e-5):
    """Compare gradkit/torch/numpy values."""
    def arr(v):
        if isinstance(v, gk.Tensor):
            return v.detach().numpy()
        if hasattr(v, "detach"):
            return v.detach().cpu().numpy()
        return np.asarray(v)

    np.testing.assert_allclose(arr(a), arr(b), atol=atol, rtol=rtol)


def mpiexec() -> str:
    """The ``mpiexec`` next to this Python (else on PATH); skips the test without one."""
    pytest.importorskip("mpi4py")
    exe = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if exe is None:
        pytest.skip("mpiexec not found (pip install mpich)")
    return exe


def final_accuracy(out: str) -> float:
    """The number after "test accuracy" in a ``gradkit train``/``eval`` printout."""
    line = next(s for s in out.splitlines() if "test accuracy" in s)
    return float(line.split("test accuracy")[1].split()[0])
