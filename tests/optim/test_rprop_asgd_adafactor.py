"""Rprop, ASGD and Adafactor against torch.optim: trajectories (float64 and float32), every
option, state dicts both ways, convergence, and the errors of bad hyperparameters."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim

CASES = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.02, "maximize": True, "foreach": False, "capturable": False}),
    ("Rprop", {"lr": 0.5, "step_sizes": (0.01, 0.3)}),        # the upper bound clips at once
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "t0": 3, "lambd": 0.01, "alpha": 0.5}),
    ("ASGD", {"lr": 0.05, "t0": 0, "weight_decay": 0.1, "maximize": True}),
    ("ASGD", {"lr": 0.1, "lambd": 0.5, "alpha": 1.0, "t0": 5, "foreach": False}),
    ("Adafactor", {}),
    ("Adafactor", {"lr": 0.05, "weight_decay": 0.1, "d": 1.5}),
    ("Adafactor", {"lr": 0.05, "eps": (1e-4, 1e-2), "beta2_decay": -0.5}),
    ("Adafactor", {"lr": 0.5, "maximize": True, "foreach": False}),
    ("Adafactor", {"lr": 0.02, "eps": (None, 10.0), "d": 1.0}),  # eps2 above the RMS
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in CASES]


def _problem(seed=0, width=3):
    """Least squares with a weight matrix and a bias, plus a cubic term (see _grads)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((8, 5)) / 3
    y = rng.standard_normal((8, width))
    return a, y, rng.standard_normal((5, width)), rng.standard_normal(width)


def _grads(a, y, w, b):
    r = a @ w + b - y
    return a.T @ r + 0.05 * w * w, r.sum(0)


def _run(lib, name, kw, dtype, steps, prob):
    a, y, w0, b0 = (x.astype(dtype) for x in prob)
    w = lib.tensor(w0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    opt = getattr(lib.optim, name)([w, b], **kw)
    out = []
    for _ in range(steps):
        gw, gb = _grads(a, y, w.detach().numpy(), b.detach().numpy())
        w.grad, b.grad = lib.tensor(gw), lib.tensor(gb)
        opt.step()
        out.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return out


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_trajectory_float64(torch, name, kw):
    prob = _problem()
    ours, ref = _run(gk, name, kw, np.float64, 10, prob), _run(torch, name, kw, np.float64, 10,
                                                               prob)
    for step in (0, 1, 9):
        for x, r in zip(ours[step], ref[step]):
            np.testing.assert_allclose(x, r, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} {kw} after {step + 1} steps")


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_trajectory_float32(torch, name, kw):
    prob = _problem(1)
    ours, ref = _run(gk, name, kw, np.float32, 2, prob), _run(torch, name, kw, np.float32, 2,
                                                              prob)
    for step in (0, 1):
        for x, r in zip(ours[step], ref[step]):
            assert x.dtype == np.float32
            np.testing.assert_allclose(x, r, rtol=1e-6, atol=1e-7,
                                       err_msg=f"{name} {kw} after {step + 1} steps")


def _torch_state_dict(torch, sd):
    """A gradkit state dict with its tensors as torch tensors (what torch.save would carry)."""
    state = {k: {n: torch.tensor(np.asarray(v.numpy())) if isinstance(v, gk.Tensor) else v
                 for n, v in st.items()} for k, st in sd["state"].items()}
    return {"state": state, "param_groups": copy.deepcopy(sd["param_groups"])}


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_every_float32_step_from_torch_state(torch, name, kw):
    """Each of 10 float32 steps, started from torch's parameters and state, lands within
    float32 rounding of torch's step (two ulps of the parameter plus 16 epsilons of the
    largest update)."""
    a, y, w0, b0 = (x.astype(np.float32) for x in _problem(4))
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    topt = getattr(torch.optim, name)([tw, tb], **kw)
    eps = np.finfo(np.float32).eps
    for step in range(10):
        before = [tw.detach().numpy().copy(), tb.detach().numpy().copy()]
        w = gk.tensor(before[0].copy(), requires_grad=True)
        b = gk.tensor(before[1].copy(), requires_grad=True)
        opt = getattr(optim, name)([w, b], **kw)
        if step:
            opt.load_state_dict(copy.deepcopy(topt.state_dict()))
        gw, gb = _grads(a, y, *before)
        tw.grad, tb.grad = torch.tensor(gw), torch.tensor(gb)
        w.grad, b.grad = gk.tensor(gw), gk.tensor(gb)
        topt.step()
        opt.step()
        for x, r, r0 in ((w, tw, before[0]), (b, tb, before[1])):
            x, r = x.detach().numpy(), r.detach().numpy()
            tol = 2 * np.spacing(np.abs(r)) + 16 * eps * np.abs(r - r0).max()
            assert not (np.abs(x - r) > tol).any(), f"{name} {kw} step {step + 1}"


# ----------------------------------------------------------------- odd shapes and groups
EXTRA = [
    ("Rprop", dict(lr=0.03, etas=(0.4, 1.3), step_sizes=(1e-4, 1.0), maximize=True)),
    ("ASGD", dict(lr=0.03, t0=4, lambd=0.05, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.05, d=1.2)),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.3, eps=(1e-3, 1e-3), maximize=True)),
]


def _extra_run(lib, name, kw, steps=20, dtype=np.float64):
    """Two groups; a matrix, a 3-D tensor (Adafactor factors its last two dims), a vector, a
    0-d and (not for Adafactor, where torch divides by zero) an empty parameter; the vector
    has no gradient every 4th step."""
    rng = np.random.default_rng(1)
    w = lib.tensor(rng.standard_normal((4, 6)).astype(dtype), requires_grad=True)
    c = lib.tensor(rng.standard_normal((2, 3, 5)).astype(dtype), requires_grad=True)
    b = lib.tensor(rng.standard_normal(3).astype(dtype), requires_grad=True)
    s = lib.tensor(np.array(0.7, dtype=dtype), requires_grad=True)
    ps = [w, c, b, s]
    if name != "Adafactor":
        ps.append(lib.tensor(np.zeros((0, 3), dtype=dtype), requires_grad=True))
    opt = getattr(lib.optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.02}], **kw)
    out = []
    for t in range(steps):
        noise = np.random.default_rng(100 + t)
        for p in ps:
            x = p.detach().numpy()
            p.grad = lib.tensor((np.sin(3 * x) + 0.3 * noise.standard_normal(x.shape))
                                .astype(dtype))
        if t % 4 == 1:
            b.grad = None
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt


@pytest.mark.parametrize(("name", "kw"), EXTRA, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(EXTRA)])
def test_groups_and_shapes_match_torch(torch, name, kw):
    (ours, opt), (ref, topt) = _extra_run(gk, name, kw), _extra_run(torch, name, kw)
    for step in (0, 1, 19):
        for x, r in zip(ours[step], ref[step]):
            assert x.shape == r.shape
            np.testing.assert_allclose(x, r, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} {kw} after {step + 1} steps")
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for k, tst in tsd["state"].items():
        assert list(sd["state"][k]) == list(tst), "state entries and their order"
        for n, v in tst.items():
            mine = sd["state"][k][n]
            assert tuple(mine.shape) == tuple(v.shape), (k, n)
            assert str(mine.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], (k, n)
            np.testing.assert_allclose(mine.numpy(), v.numpy(), rtol=1e-10, atol=1e-12)


def test_adafactor_float32_eps1_follows_the_groups_first_parameter(torch):
    """With eps1=None PyTorch takes the machine epsilon of the first parameter's dtype and
    keeps it for the rest of the group (here a float32 parameter then a float64 one)."""
    def run(lib):
        rng = np.random.default_rng(0)
        p32 = lib.tensor(rng.standard_normal((3, 4)).astype(np.float32) * 1e-6,
                         requires_grad=True)
        p64 = lib.tensor(rng.standard_normal((3, 4)) * 1e-6, requires_grad=True)
        opt = lib.optim.Adafactor([p32, p64], lr=0.1)
        for t in range(3):
            p32.grad = lib.tensor(np.full((3, 4), 1e-5 * (t + 1), dtype=np.float32))
            p64.grad = lib.tensor(np.full((3, 4), 1e-9 * (t + 1)))
            opt.step()
        return p64.detach().numpy()

    np.testing.assert_allclose(run(gk), run(torch), rtol=1e-10, atol=1e-20)


# ----------------------------------------------------------------- state dicts
@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_state_dict_both_ways(torch, name, kw):
    """torch's state dict (5 steps) loads into gradkit, gradkit's (5 more) into torch, and the
    three runs end together."""
    a, y, w0, b0 = _problem(3)

    def step(lib, ps, opt):
        gw, gb = _grads(a, y, ps[0].detach().numpy(), ps[1].detach().numpy())
        ps[0].grad, ps[1].grad = lib.tensor(gw), lib.tensor(gb)
        opt.step()

    def make(lib, src=(w0, b0)):
        ps = [lib.tensor(np.array(x, copy=True), requires_grad=True) for x in src]
        return ps, getattr(lib.optim, name)(ps, **kw)

    tps, topt = make(torch)
    for _ in range(5):
        step(torch, tps, topt)
    ps, opt = make(gk, [p.detach().numpy() for p in tps])
    opt.load_state_dict(copy.deepcopy(topt.state_dict()))
    for _ in range(5):
        step(gk, ps, opt)
        step(torch, tps, topt)
    back_ps, back = make(torch, [p.detach().numpy() for p in ps])
    back.load_state_dict(_torch_state_dict(torch, opt.state_dict()))
    for _ in range(5):
        step(gk, ps, opt)
        step(torch, tps, topt)
        step(torch, back_ps, back)
    for p, tp, bp in zip(ps, tps, back_ps):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        np.testing.assert_allclose(bp.detach().numpy(), tp.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    assert opt.state_dict()["param_groups"] == [
        {k: v for k, v in g.items()} for g in topt.state_dict()["param_groups"]]


@pytest.mark.parametrize(("name", "kw"), CASES[::2], ids=IDS[::2])
def test_resume_bit_identical(name, kw):
    a, y, w0, b0 = _problem(2)

    def make():
        ps = [gk.tensor(w0, requires_grad=True), gk.tensor(b0, requires_grad=True)]
        return ps, getattr(optim, name)(ps, **kw)

    def run(ps, opt, n):
        for _ in range(n):
            gw, gb = _grads(a, y, ps[0].detach().numpy(), ps[1].detach().numpy())
            ps[0].grad, ps[1].grad = gk.tensor(gw), gk.tensor(gb)
            opt.step()

    ps, opt = make()
    run(ps, opt, 7)
    saved = copy.deepcopy(opt.state_dict())
    saved_ps = [p.detach().numpy().copy() for p in ps]
    run(ps, opt, 7)
    ps2, opt2 = make()
    for p, arr in zip(ps2, saved_ps):
        p.data.copy_(gk.tensor(arr))
    opt2.load_state_dict(saved)
    run(ps2, opt2, 7)
    for p, q in zip(ps, ps2):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


# ----------------------------------------------------------------- convergence
CONVERGE = [
    ("Rprop", dict(lr=0.01), 300),
    ("ASGD", dict(lr=0.05, t0=50), 800),
    ("Adafactor", dict(lr=0.05), 800),
]


@pytest.mark.parametrize(("name", "kw", "steps"), CONVERGE, ids=[c[0] for c in CONVERGE])
def test_converges_on_a_quadratic(name, kw, steps):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((4, 4))
    h = q @ q.T + np.eye(4)                      # positive definite
    target = rng.standard_normal((4, 1))
    x = gk.tensor(np.zeros((4, 1)), requires_grad=True)
    opt = getattr(optim, name)([x], **kw)
    for _ in range(steps):
        opt.zero_grad()
        d = x - gk.tensor(target)
        loss = 0.5 * (d * (gk.tensor(h) @ d)).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), target, atol=2e-2)


ROSEN = [
    ("Rprop", dict(lr=0.01), 4000, 1e-2),
    ("ASGD", dict(lr=2e-3, t0=1e9), 20000, 1e-2),
    ("Adafactor", dict(lr=0.05, eps=(None, 1e-2)), 20000, 2e-2),  # steps shrink as 1/sqrt(t)
]


@pytest.mark.parametrize(("name", "kw", "steps", "tol"), ROSEN, ids=[c[0] for c in ROSEN])
def test_converges_on_rosenbrock(name, kw, steps, tol):
    """From (-1, 1.5) to the minimum (1, 1) of (1 - x)^2 + 100 (y - x^2)^2 (gradient written
    out, so that the many steps stay quick)."""
    xy = gk.tensor(np.array([-1.0, 1.5]), requires_grad=True)
    opt = getattr(optim, name)([xy], **kw)
    for _ in range(steps):
        x, y = xy.detach().numpy()
        xy.grad = gk.tensor(np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]))
        opt.step()
    np.testing.assert_allclose(xy.detach().numpy(), [1.0, 1.0], atol=tol)


# ----------------------------------------------------------------- bad hyperparameters
BAD = [
    ("Rprop", dict(lr=-0.1)),
    ("Rprop", dict(etas=(1.5, 1.2))),
    ("Rprop", dict(etas=(0.0, 1.2))),
    ("Rprop", dict(etas=(0.5, 1.0))),
    ("ASGD", dict(lr=-1.0)),
    ("ASGD", dict(weight_decay=-0.1)),
    ("Adafactor", dict(lr=-1.0)),
    ("Adafactor", dict(beta2_decay=0.5)),
    ("Adafactor", dict(eps=(-1e-3, 1e-3))),
    ("Adafactor", dict(eps=(None, -1.0))),
    ("Adafactor", dict(d=0.5)),
    ("Adafactor", dict(weight_decay=-0.1)),
]


@pytest.mark.parametrize(("name", "kw"), BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_bad_hyperparameters_raise_as_torch(torch, name, kw):
    with pytest.raises(Exception) as ref:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(type(ref.value)) as ours:
        getattr(optim, name)([gk.zeros(2, requires_grad=True)], **kw)
    assert str(ref.value) == str(ours.value)
    with pytest.raises(type(ref.value)):   # a group that sets its own bad value
        getattr(optim, name)([{"params": [gk.zeros(2, requires_grad=True)], **kw}])


def test_lr_tensor_and_rprop_ignores_later_lr(torch):
    """A 1-element Tensor lr works as in torch; Rprop reads lr only when it makes the state."""
    def run(lib):
        w = lib.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        opt = lib.optim.Rprop([w], lr=lib.tensor(0.1))
        for t in range(4):
            w.grad = lib.tensor(np.array([1.0, -1.0, (-1.0) ** t]))
            opt.step()
            opt.param_groups[0]["lr"] = lib.tensor(5.0)
        return w.detach().numpy()

    np.testing.assert_allclose(run(gk), run(torch), rtol=1e-12)
    with pytest.raises(ValueError, match="1-element"):
        optim.ASGD([gk.zeros(2, requires_grad=True)], lr=gk.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_differentiable_is_refused(name):
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(optim, name)([gk.zeros(2, requires_grad=True)], differentiable=True)


def test_torch_optim_names_all_present(torch):
    """Every name torch.optim exports exists in gradkit.optim, but two left out on purpose:
    SparseAdam refuses dense gradients (gradkit has no sparse gradients), and
    swap_in_optimizer_params_and_state serves FX tracing of a step with fake tensors."""
    skipped = {"SparseAdam", "swap_in_optimizer_params_and_state"}
    missing = [n for n in torch.optim.__all__ if n not in skipped and not hasattr(optim, n)]
    assert missing == []


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor"])
def test_large_parameter_split_between_threads_matches_torch(torch, name):
    """A parameter of 2**18 + 3 elements (cut into slices that threads update in parallel by
    the kernel runner) follows torch."""
    kw = {"ASGD": dict(t0=1, lambd=0.01)}.get(name, {})
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2 ** 9 + 3, 2 ** 9)).astype(np.float32)
    grads = [rng.standard_normal(x0.shape).astype(np.float32) for _ in range(3)]

    def run(lib):
        p = lib.tensor(x0.copy(), requires_grad=True)
        opt = getattr(lib.optim, name)([p], **kw)
        for g in grads:
            p.grad = lib.tensor(g)
            opt.step()
        return p.detach().numpy()

    np.testing.assert_allclose(run(gk), run(torch), rtol=1e-6, atol=1e-6)
