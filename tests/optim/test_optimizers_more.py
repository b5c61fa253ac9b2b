"""Optimizer options, checkpoints and helpers beyond test_optimizers_vs_torch's CASES."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim


# ----------------------------------------------------------------- EarlyStopping
def test_early_stopping_rejects_nan_min_delta():
    """A NaN min_delta makes every comparison false: no metric would ever count as an
    improvement and training would stop after ``patience`` evaluations whatever happens."""
    with pytest.raises(ValueError, match="min_delta"):
        optim.EarlyStopping(min_delta=float("nan"))


def test_early_stopping_takes_numpy_integer_patience():
    stopper = optim.EarlyStopping(patience=np.int64(1))
    assert stopper.patience == 1 and type(stopper.patience) is int
    assert [stopper.step(m) for m in (1.0, 0.5, 0.7)] == [False, False, True]
    with pytest.raises(ValueError, match="patience"):
        optim.EarlyStopping(patience=np.float64(1.5))


# ----------------------------------------------------------------- options outside CASES
# (test_optimizers_vs_torch.CASES); each run: 2 groups, a 0-d and an empty parameter, a
# parameter without a gradient every 4th step, 35 float64 steps.
EXTRA = [
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1, maximize=True,
                     foreach=False, capturable=False)),
    ("RMSprop", dict(lr=0.01, alpha=0.0, momentum=0.3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.2, initial_accumulator_value=0.3,
                     maximize=True)),
    ("Adadelta", dict(lr=0.3, rho=0.0)),
    ("Adadelta", dict(lr=0.5, rho=1.0, weight_decay=0.1, maximize=True, eps=1e-4)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True, betas=(0.0, 0.5))),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True,
                   momentum_decay=0.1)),
    ("NAdam", dict(lr=0.05, betas=(0.0, 0.5), momentum_decay=0.0)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.7))),   # rectification switches on at step 4
]


def _extra_run(lib, name, kw, steps=35):
    rng = np.random.default_rng(1)
    w = lib.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    b = lib.tensor(rng.standard_normal(3), requires_grad=True)
    s = lib.tensor(np.array(0.7), requires_grad=True)
    e = lib.tensor(np.zeros((0, 3)), requires_grad=True)
    opt = getattr(lib.optim, name)([{"params": [w, s]}, {"params": [b, e], "lr": 0.02}], **kw)
    out = []
    for t in range(steps):
        noise = np.random.default_rng(100 + t)
        for p in (w, b, s, e):
            x = p.detach().numpy()
            p.grad = lib.tensor(np.sin(3 * x) + 0.3 * noise.standard_normal(x.shape))
        if t % 4 == 1:
            b.grad = None
        opt.step()
        out.append([p.detach().numpy().copy() for p in (w, b, s)])
    return out


@pytest.mark.parametrize(("name", "kw"), EXTRA,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXTRA)])
def test_extra_options_match_torch_float64(torch, name, kw):
    ours, ref = _extra_run(gk, name, kw), _extra_run(torch, name, kw)
    for step in (0, 4, 34):
        for x, r in zip(ours[step], ref[step]):
            np.testing.assert_allclose(x, r, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} {kw} after {step + 1} steps")


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"])
def test_torch_state_dict_continues_as_torch(torch, name):
    """A torch state dict taken mid-run (``step`` and NAdam's ``mu_product`` as 0-d tensors)
    loads into gradkit, which then continues as torch does."""
    kw = {"RMSprop": dict(centered=True, momentum=0.9), "Adagrad": dict(lr_decay=0.05),
          "NAdam": dict(momentum_decay=0.1),
          "RAdam": dict(weight_decay=0.1, decoupled_weight_decay=True)}.get(name, {})

    def make(lib):
        rng = np.random.default_rng(1)
        ps = [lib.tensor(rng.standard_normal((4, 6)), requires_grad=True),
              lib.tensor(rng.standard_normal(3), requires_grad=True)]
        return ps, getattr(lib.optim, name)([{"params": ps[:1]},
                                              {"params": ps[1:], "lr": 0.02}], **kw)

    def run(lib, ps, opt, first, n):
        for t in range(first, first + n):
            for p in ps:
                x = p.detach().numpy()
                p.grad = lib.tensor(np.sin(3 * x) + 0.1 * t)
            opt.step()

    tps, topt = make(torch)
    run(torch, tps, topt, 0, 7)
    ps, opt = make(gk)
    for p, tp in zip(ps, tps):
        p._data[...] = tp.detach().numpy()
    opt.load_state_dict(topt.state_dict())
    run(gk, ps, opt, 7, 20)
    run(torch, tps, topt, 7, 20)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
