"""Muon against torch.optim.Muon: the bfloat16 Newton-Schulz iteration bit for bit,
trajectories (float64 and float32), state dicts both ways, convergence and errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim
from gradkit.optim.muon import _bf16, _zeropower_via_newtonschulz

CASES = [
    {},
    {"lr": 0.02, "nesterov": False, "momentum": 0.5, "weight_decay": 0.01},
    {"lr": 0.05, "adjust_lr_fn": "match_rms_adamw", "ns_steps": 3, "eps": 1e-3},
    {"lr": 0.05, "adjust_lr_fn": "original", "ns_coefficients": (2.0, -1.5, 0.5)},
    {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "ns_steps": 0},
]
IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) or "default" for kw in CASES]


def test_bf16_rounding_matches_torch(torch):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(2000).astype(np.float32) * 10.0 ** rng.integers(
        -30, 30, 2000), [0.0, -0.0, np.inf, -np.inf, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8]])
    x = x.astype(np.float32)
    ref = torch.tensor(x).bfloat16().float().numpy()
    np.testing.assert_array_equal(_bf16(x), ref)
    assert np.isnan(_bf16(np.array([np.nan], np.float32))).all()


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (16, 16), (24, 12), (1, 7)])
def test_newton_schulz_is_torchs_bit_for_bit(torch, shape):
    from torch.optim._muon import _zeropower_via_newtonschulz as ref_ns

    g = np.random.default_rng(sum(shape)).standard_normal(shape)
    coeffs = (3.4445, -4.7750, 2.0315)
    ref = ref_ns(torch.tensor(g), coeffs, 5, 1e-7).float().numpy()
    np.testing.assert_array_equal(_zeropower_via_newtonschulz(g, coeffs, 5, 1e-7), ref)


def test_newton_schulz_of_a_larger_matrix(torch):
    """Longer float32 sums in the bfloat16 products: PyTorch's CPU GEMM adds them in its own
    order, which can put one in a few thousand products on the other side of a bfloat16
    rounding (measured on an AMD EPYC with AVX2: one entry at the fourth step of a 64x32
    matrix), and the iteration carries it on; the result stays within a few bfloat16 units."""
    from torch.optim._muon import _zeropower_via_newtonschulz as ref_ns

    g = np.random.default_rng(96).standard_normal((64, 32))
    coeffs = (3.4445, -4.7750, 2.0315)
    ref = ref_ns(torch.tensor(g), coeffs, 5, 1e-7).float().numpy()
    got = _zeropower_via_newtonschulz(g, coeffs, 5, 1e-7)
    np.testing.assert_allclose(got, ref, rtol=0, atol=2 ** -6 * np.abs(ref).max())
    assert np.mean(got == ref) > 0.5


def _run(lib, kw, dtype, steps):
    rng = np.random.default_rng(0)
    ps = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
          for s in ((5, 3), (4, 6))]
    opt = lib.optim.Muon([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.03}], **kw)
    out = []
    for t in range(steps):
        for p in ps:
            x = p.detach().numpy()
            p.grad = lib.tensor((np.sin(3 * x) + 0.1 * t).astype(dtype))
        if t == 3:
            ps[1].grad = None
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt


@pytest.mark.parametrize("kw", CASES, ids=IDS)
def test_trajectory_float64(torch, kw):
    (ours, opt), (ref, topt) = _run(gk, kw, np.float64, 10), _run(torch, kw, np.float64, 10)
    for step in (0, 1, 9):
        for x, r in zip(ours[step], ref[step]):
            np.testing.assert_allclose(x, r, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    for k, st in tsd["state"].items():
        assert list(sd["state"][k]) == list(st) == ["momentum_buffer"]
        np.testing.assert_allclose(sd["state"][k]["momentum_buffer"].numpy(),
                                   st["momentum_buffer"].numpy(), rtol=1e-10)


@pytest.mark.parametrize("kw", CASES, ids=IDS)
def test_trajectory_float32(torch, kw):
    ours, _ = _run(gk, kw, np.float32, 2)
    ref, _ = _run(torch, kw, np.float32, 2)
    for step in (0, 1):
        for x, r in zip(ours[step], ref[step]):
            assert x.dtype == np.float32
            np.testing.assert_allclose(x, r, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kw", CASES[:3], ids=IDS[:3])
def test_state_dict_both_ways(torch, kw):
    def step(lib, p, opt, t):
        p.grad = lib.tensor(np.cos(2 * p.detach().numpy()) + 0.05 * t)
        opt.step()

    w0 = np.random.default_rng(1).standard_normal((4, 3))
    tp = torch.tensor(w0, requires_grad=True)
    topt = torch.optim.Muon([tp], **kw)
    for t in range(4):
        step(torch, tp, topt, t)
    p = gk.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.Muon([p], **kw)
    opt.load_state_dict(copy.deepcopy(topt.state_dict()))
    for t in range(4, 8):
        step(gk, p, opt, t)
        step(torch, tp, topt, t)
    bp = torch.tensor(p.detach().numpy().copy(), requires_grad=True)
    back = torch.optim.Muon([bp], **kw)
    sd = opt.state_dict()
    back.load_state_dict({"param_groups": copy.deepcopy(sd["param_groups"]), "state": {
        k: {n: torch.tensor(v.numpy()) for n, v in st.items()} for k, st in sd["state"].items()}})
    for t in range(8, 12):
        step(gk, p, opt, t)
        step(torch, tp, topt, t)
        step(torch, bp, back, t)
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(bp.detach().numpy(), tp.detach().numpy(), rtol=1e-10)


def test_converges_on_a_quadratic():
    rng = np.random.default_rng(0)
    target = rng.standard_normal((4, 3))
    x = gk.zeros(4, 3, dtype=gk.float64, requires_grad=True)
    opt = optim.Muon([x], lr=0.02, weight_decay=0)
    for _ in range(500):
        opt.zero_grad()
        (0.5 * ((x - gk.tensor(target)) ** 2).sum()).backward()
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), target, atol=2e-2)


def test_converges_on_rosenbrock():
    xy = gk.tensor(np.array([[-1.0, 1.5]]), requires_grad=True)
    opt = optim.Muon([xy], lr=2e-3, weight_decay=0)
    for _ in range(5000):
        x, y = xy.detach().numpy()[0]
        xy.grad = gk.tensor(np.array([[-2 * (1 - x) - 400 * x * (y - x * x),
                                       200 * (y - x * x)]]))
        opt.step()
    np.testing.assert_allclose(xy.detach().numpy()[0], [1.0, 1.0], atol=1e-2)


BAD = [dict(lr=-1.0), dict(momentum=-0.1), dict(weight_decay=-0.1), dict(adjust_lr_fn="rms")]


@pytest.mark.parametrize("kw", BAD, ids=[str(k) for k in BAD])
def test_bad_hyperparameters_raise_as_torch(torch, kw):
    with pytest.raises(ValueError) as ref:
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as ours:
        optim.Muon([gk.zeros(2, 2, requires_grad=True)], **kw)
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("kw", [dict(ns_steps=100), dict(ns_coefficients=(1.0, 2.0))])
def test_bad_iteration_settings_raise_at_step_as_torch(torch, kw):
    for lib, mod in ((torch, torch.optim), (gk, optim)):
        p = lib.zeros(2, 2, requires_grad=True)
        opt = mod.Muon([p], **kw)
        p.grad = lib.ones(2, 2)
        with pytest.raises(ValueError, match="less than 100|exactly 3"):
            opt.step()


def test_only_2d_parameters(torch):
    with pytest.raises(ValueError) as ref:
        torch.optim.Muon([torch.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as ours:
        optim.Muon([gk.zeros(3, requires_grad=True)])
    assert type(ours.value) is type(ref.value)
    opt = optim.Muon([gk.zeros(2, 2, requires_grad=True)])
    with pytest.raises(ValueError, match="2D"):
        opt.add_param_group({"params": [gk.zeros(2, 2, 2, requires_grad=True)]})
