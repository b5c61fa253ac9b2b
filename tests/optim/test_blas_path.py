"""The BLAS paths (NumPy's own OpenBLAS through ctypes) of SGD, Adam and AdamW against their
ufunc fallback and torch.

The BLAS path only runs for parameters of at least ``_BLAS_MIN`` elements; these tests lower the
threshold so that the small problems of ``test_optimizers_vs_torch`` take it, and hold it to the
same checks as the ufunc path: 25-step float64 trajectories, the first two float32 steps, and
every float32 step from torch's state to within rounding. The problems are 40 wide (a 5 x 40
weight, a bias of 40): OpenBLAS fuses its multiply-adds in blocks of 32 elements and rounds
shorter calls as ufuncs do, so narrower parameters would not reach the fused code.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_optimizers_vs_torch import CASES, IDS, _check_float32_steps, _problem, _run

import gradkit as gk
from gradkit import optim
from gradkit.optim import _blas, _runner

BLAS_CASES = [(n, kw) for n, kw in CASES if n in ("SGD", "Adam", "AdamW")]
BLAS_IDS = [i for (n, _), i in zip(CASES, IDS) if n in ("SGD", "Adam", "AdamW")]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-6, atol=1e-7)}
WIDTH = 40


def _have_blas():
    return _blas._blas_routines(np.dtype(np.float32)) is not None


@pytest.fixture
def fast(monkeypatch):
    """Every parameter takes the BLAS path (skips where NumPy's BLAS is not reachable); returns
    ``count(name)``, how often optimizer ``name``'s BLAS kernel has run."""
    if not _have_blas():
        pytest.skip("NumPy's OpenBLAS symbols not found: only the ufunc path exists here")
    monkeypatch.setattr(_runner, "_BLAS_MIN", 0)
    calls = {}
    for name in ("SGD", "Adam", "AdamW"):
        cls = getattr(optim, name)
        real = cls._blas_kernel

        def counting(*args, name=name, real=real):
            calls[name] = calls.get(name, 0) + 1
            return real(*args)

        monkeypatch.setattr(cls, "_blas_kernel", staticmethod(counting))
    return lambda name: calls.get(name, 0)


def _fallback(monkeypatch):
    monkeypatch.setattr(_blas, "_BLAS", [None])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "kw"), BLAS_CASES, ids=BLAS_IDS)
def test_blas_and_ufunc_paths_follow_torch(torch, fast, monkeypatch, dtype, name, kw):
    """float64: 25 steps; float32: the first two (later float32 steps: the next test)."""
    steps = 25 if dtype == np.float64 else 2
    prob = _problem(1, WIDTH)
    blas = _run(gk, name, kw, dtype, steps, *prob)
    assert fast(name) >= 2 * steps, "the BLAS kernel did not run on every parameter and step"
    _fallback(monkeypatch)
    ufunc = _run(gk, name, kw, dtype, steps, *prob)
    ref = _run(torch, name, kw, dtype, steps, *prob)
    for step in sorted({0, 1, steps - 1}):
        for b, u, r in zip(blas[step], ufunc[step], ref[step]):
            assert b.dtype == dtype
            msg = f"{name} {kw} after {step + 1} steps"
            np.testing.assert_allclose(b, r, **TOL[dtype], err_msg="BLAS vs torch: " + msg)
            np.testing.assert_allclose(u, r, **TOL[dtype], err_msg="ufunc vs torch: " + msg)
            np.testing.assert_allclose(b, u, **TOL[dtype], err_msg="BLAS vs ufunc: " + msg)


@pytest.mark.parametrize(("name", "kw"), BLAS_CASES, ids=BLAS_IDS)
def test_every_float32_blas_step_matches_torch_to_rounding(torch, fast, name, kw):
    _check_float32_steps(torch, name, kw, _problem(1, WIDTH))
    assert fast(name) >= 2 * 25


@pytest.mark.parametrize(("name", "kw", "states"), [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), ["momentum_buffer"]),
    ("Adam", dict(lr=0.01, weight_decay=0.01, amsgrad=True),
     ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
    ("AdamW", dict(lr=0.01, betas=(0.3, 0.9)), ["exp_avg", "exp_avg_sq"]),
], ids=["SGD", "Adam", "AdamW"])
def test_blas_path_on_a_large_parameter_matches_torch(torch, name, kw, states):
    """At the real threshold, a 600x500 float32 weight takes the BLAS path by default (split
    between the threads, in chunks), within a few roundings of torch after 4 steps."""
    if not _have_blas():
        pytest.skip("NumPy's OpenBLAS symbols not found")
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((600, 500)).astype(np.float32)
    assert w0.size >= _runner._BLAS_MIN
    grads = [rng.standard_normal(w0.shape).astype(np.float32) for _ in range(4)]
    w = gk.tensor(w0, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    opt, topt = getattr(optim, name)([w], **kw), getattr(torch.optim, name)([tw], **kw)
    for g in grads:
        w.grad, tw.grad = gk.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    ours, ref = w.detach().numpy(), tw.detach().numpy()
    tol = 16 * np.finfo(np.float32).eps * (np.abs(w0) + 1)   # operands are O(|w0| + 1)
    assert (np.abs(ours - ref) <= tol).all(), np.abs(ours - ref).max()
    for state in states:
        s_ours, s_ref = opt.state[w][state].numpy(), topt.state[tw][state].numpy()
        np.testing.assert_allclose(s_ours, s_ref, rtol=1e-6, atol=1e-6 * np.abs(s_ref).max(),
                                   err_msg=state)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
@pytest.mark.parametrize(("name", "kw"), [
    ("SGD", dict(lr=0.0, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=1.0)),
    ("Adam", dict(lr=0.0)),                      # a warm-up schedule's first step
    ("Adam", dict(lr=0.1, betas=(0.0, 0.9))),    # lerp with weight 1: (w - 1) * (g - m)
    ("AdamW", dict(lr=0.1, betas=(0.9, 0.0))),   # v = 0 * v + g * g
], ids=["SGD-lr0", "SGD-dampening1", "Adam-lr0", "Adam-beta1=0", "AdamW-beta2=0"])
def test_blas_path_keeps_nan_of_zero_times_inf(torch, fast, name, kw):
    """BLAS skips ``0 * x`` outright; the kernels fall back to ufuncs then (torch gives nan)."""
    w0 = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    w, tw = gk.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt, topt = getattr(optim, name)([w], **kw), getattr(torch.optim, name)([tw], **kw)
    for g in ([1.0, 1.0, 1.0, 1.0], [np.inf, 1.0, np.nan, -np.inf], [1.0, 1.0, 1.0, 1.0]):
        g = np.array(g, np.float32)
        w.grad, tw.grad = gk.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert fast(name) > 0
    np.testing.assert_array_equal(w.detach().numpy(), tw.detach().numpy())
    for key, value in topt.state[tw].items():
        if key != "step":
            np.testing.assert_array_equal(opt.state[w][key].numpy(), value.numpy(),
                                          err_msg=key)


def test_blas_ready_refuses_arrays_it_cannot_update_in_place():
    a = np.zeros(8, np.float32)
    assert _blas._blas_ready(a, [np.ones(8, np.float32)])
    assert not _blas._blas_ready(a, [np.ones(8, np.float64)])        # another dtype
    assert not _blas._blas_ready(a, [np.ones(16, np.float32)[::2]])  # not contiguous
    ro = np.ones(8, np.float32)
    ro.flags.writeable = False
    assert not _blas._blas_ready(a, [ro])
    assert not _blas._blas_ready(np.zeros((4, 2), np.float32).T, [])


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_other_dtypes_and_strided_parameters_take_the_ufunc_path(fast, dtype):
    """float16 has no BLAS routine; a transposed (non-contiguous) parameter cannot be handed
    to BLAS either. Both run the ufunc kernel and still update in place."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((6, 4)).astype(dtype)
    w = gk.tensor(w0, requires_grad=True)
    if dtype == np.float32:
        w._data = np.asfortranarray(w._data)    # strided storage, as after an in-place transpose
    ref = gk.tensor(w0, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_blas, "_BLAS", [None])
        ropt = optim.SGD([ref], lr=0.1, momentum=0.9)
        for _ in range(3):
            ref.grad = gk.tensor(np.ones((6, 4), dtype))
            ropt.step()
    for _ in range(3):
        w.grad = gk.tensor(np.ones((6, 4), dtype))
        opt.step()
    assert fast("SGD") == 0
    np.testing.assert_array_equal(w.detach().numpy(), ref.detach().numpy())
