"""LBFGS against torch.optim.LBFGS on Rosenbrock and a least-squares problem."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim


def _rosen(lib, x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _run(lib, opt_cls, x0, steps, **kw):
    if lib is gk:
        x = gk.tensor(x0, requires_grad=True)
    else:
        x = lib.tensor(x0, requires_grad=True)
    opt = opt_cls([x], **kw)
    losses = []

    def closure():
        opt.zero_grad()
        loss = _rosen(lib, x)
        loss.backward()
        return loss

    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
    return x.detach().numpy().copy(), losses, opt


@pytest.mark.parametrize("kw", [
    {"lr": 0.1, "max_iter": 5},
    {"lr": 1, "max_iter": 10, "history_size": 3, "line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "max_iter": 7, "max_eval": 9, "tolerance_change": 1e-12},
], ids=["fixed", "wolfe-short-history", "wolfe-default", "max-eval"])
def test_lbfgs_matches_torch(torch, kw):
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    ours, losses, opt = _run(gk, optim.LBFGS, x0, 4, **kw)
    ref, tlosses, topt = _run(torch, torch.optim.LBFGS, x0, 4, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(losses, tlosses, rtol=1e-9, atol=1e-14)
    st = opt.state[opt.param_groups[0]["params"][0]]
    tst = topt.state[topt.param_groups[0]["params"][0]]
    assert st["func_evals"] == tst["func_evals"]
    assert st["n_iter"] == tst["n_iter"]


def test_lbfgs_converges_on_rosenbrock():
    x, _losses, _ = _run(gk, optim.LBFGS, np.array([-1.2, 1.0]), 10,
                        line_search_fn="strong_wolfe")
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-4)


def test_lbfgs_errors():
    x = gk.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([x], lr=-1)
    y = gk.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [y]}])
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([x]).step()


def test_lbfgs_state_dict_resume():
    x0 = np.array([-1.2, 1.0, 0.3])

    def closure_for(x, opt):
        def closure():
            opt.zero_grad()
            loss = _rosen(gk, x)
            loss.backward()
            return loss
        return closure

    x = gk.tensor(x0, requires_grad=True)
    opt = optim.LBFGS([x], max_iter=3, line_search_fn="strong_wolfe")
    for _ in range(2):
        opt.step(closure_for(x, opt))
    import copy
    saved = copy.deepcopy(opt.state_dict())
    saved_x = x.detach().numpy().copy()
    for _ in range(2):
        opt.step(closure_for(x, opt))
    x2 = gk.tensor(saved_x, requires_grad=True)
    opt2 = optim.LBFGS([x2], max_iter=3, line_search_fn="strong_wolfe")
    opt2.load_state_dict(saved)
    for _ in range(2):
        opt2.step(closure_for(x2, opt2))
    np.testing.assert_array_equal(x.detach().numpy(), x2.detach().numpy())


def _lsq_problem(lib):
    """Two parameters (a matrix and a bias) of a regularized least-squares problem; returns
    ``(params, f)``."""
    rng = np.random.default_rng(0)
    a, y = lib.tensor(rng.standard_normal((12, 6))), lib.tensor(rng.standard_normal((12, 2)))
    w = lib.tensor(np.full((6, 2), 0.1), requires_grad=True)
    b = lib.tensor(np.zeros(2), requires_grad=True)

    def f():
        r = a @ w + b - y
        return (r * r).sum() * 0.5 + (w ** 4).sum() * 0.1
    return [w, b], f


def _logged(lib, params, f, **kw):
    """An LBFGS over ``params`` and a closure that records the parameters at each call."""
    opt = (optim.LBFGS if lib is gk else lib.optim.LBFGS)(params, **kw)
    log = []

    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        log.append([p.detach().numpy().copy() for p in params])
        return loss
    return opt, closure, log


@pytest.mark.parametrize("max_eval", [8, 3, 1])
def test_lbfgs_line_search_respects_max_eval(torch, max_eval):
    """torch bounds each strong-Wolfe search by the evaluations left (``max_eval`` minus those
    made in this step); the closure is called at the same points, as often."""
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 0.3])
    runs = []
    for lib in (gk, torch):
        x = lib.tensor(x0, requires_grad=True)
        opt, closure, log = _logged(lib, [x], lambda x=x, lib=lib: _rosen(lib, x),
                                    line_search_fn="strong_wolfe", max_eval=max_eval)
        for _ in range(3):
            opt.step(closure)
        runs.append((log, opt.state[x]))
    (ours, st), (ref, tst) = runs
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
    assert (st["func_evals"], st["n_iter"]) == (tst["func_evals"], tst["n_iter"])


@pytest.mark.parametrize("kw", [{"lr": 0.2, "history_size": 3},
                                {"line_search_fn": "strong_wolfe", "history_size": 3}],
                         ids=["fixed", "wolfe"])
def test_lbfgs_loads_torch_state_dict(torch, kw):
    """A torch LBFGS state dict (torch tensors, lists of them) loads and continues as torch."""
    tparams, tf = _lsq_problem(torch)
    topt, tclosure, _ = _logged(torch, tparams, tf, **kw)
    for _ in range(2):
        topt.step(tclosure)
    params, f = _lsq_problem(gk)
    for p, q in zip(params, tparams):
        p._data[...] = q.detach().numpy()
    opt, closure, _ = _logged(gk, params, f, **kw)
    opt.load_state_dict(topt.state_dict())
    for _ in range(2):
        opt.step(closure)
        topt.step(tclosure)
    for p, q in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)


def test_lbfgs_state_dict_holds_tensors(torch):
    """As torch's, the history in ``state_dict()`` is tensors (lists of tensors), so that a
    checkpoint can be converted tensor by tensor."""
    params, f = _lsq_problem(gk)
    opt, closure, _ = _logged(gk, params, f, history_size=3)
    opt.step(closure)
    st = opt.state_dict()["state"][0]
    for key in ("d", "prev_flat_grad"):
        assert isinstance(st[key], gk.Tensor), key
    for key in ("old_dirs", "old_stps"):
        assert st[key] and all(isinstance(v, gk.Tensor) for v in st[key]), key


def test_state_keys_match_torch(torch):
    """The per-parameter state PyTorch's LBFGS keeps (programs print and checkpoint it)."""
    def keys(lib):
        w = lib.nn.Parameter(lib.tensor(np.array([1.5, -0.5])))
        opt = lib.optim.LBFGS([w], lr=0.5, max_iter=3, history_size=4)

        def closure():
            opt.zero_grad()
            loss = ((w - 1) ** 2).sum() + (w ** 4).sum()
            loss.backward()
            return loss

        for _ in range(2):
            opt.step(closure)
        state = opt.state[w]
        return sorted(state), len(state["al"]), state["n_iter"]

    assert keys(gk) == keys(torch)


_WARNING_PROBE = """
import warnings
import {lib} as torch
counts = []
for kw in ({{"line_search_fn": "strong_wolfe"}}, {{"max_iter": 1}}, {{"max_iter": 3}}):
    p = torch.nn.Parameter(torch.tensor([1.5, -0.5]))
    opt = torch.optim.LBFGS([p], **kw)
    def closure():
        opt.zero_grad()
        loss = ((p - 1) ** 4).sum()
        loss.backward()
        return loss
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        opt.step(closure)
    counts.append(sum("requires_grad=True to a scalar" in str(w.message) for w in seen))
print(counts)
"""


def _lbfgs_warning_counts(lib):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, PYTHONPATH=str(Path(gk.__file__).parents[1]))
    done = subprocess.run([sys.executable, "-c", _WARNING_PROBE.format(lib=lib)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_lbfgs_step_runs_under_no_grad_as_torch(torch):
    # PyTorch's step is a no_grad function (only the closure records): its float(loss) gives
    # no "Converting a tensor with requires_grad=True to a scalar" warning, the re-evaluation
    # of a step without line search (max_iter > 1) included: its loss is read out of grad mode
    assert _lbfgs_warning_counts("gradkit") == _lbfgs_warning_counts("torch") == "[0, 0, 0]\n"
