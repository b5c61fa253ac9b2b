"""Learning-rate schedules against torch.optim.lr_scheduler, and the warm-up + plateau design."""

# torch warns when a scheduler steps before its optimizer; these tests only compare schedules.
# ruff: noqa: C408

from __future__ import annotations

import math

import numpy as np
import pytest

import gradkit as gk
from gradkit import optim
from gradkit.optim import lr_scheduler as sch

pytestmark = pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")


def _pair(torch, opt_name="SGD", **opt_kw):
    """The same two-group optimizer in gradkit and torch."""
    opt_kw = opt_kw or {"lr": 0.1, "momentum": 0.9}
    a = gk.tensor(np.ones(3), requires_grad=True)
    b = gk.tensor(np.ones(2), requires_grad=True)
    ta = torch.ones(3, requires_grad=True)
    tb = torch.ones(2, requires_grad=True)
    ours = getattr(optim, opt_name)([{"params": [a]}, {"params": [b], "lr": 0.05}], **opt_kw)
    ref = getattr(torch.optim, opt_name)([{"params": [ta]}, {"params": [tb], "lr": 0.05}],
                                         **opt_kw)
    return ours, ref


SCHEDULES = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.97 ** e + 0.01 * (e % 3))),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95 if e % 2 else 1.01)),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 60], gamma=0.3)),
    ("ConstantLR", dict(factor=0.25, total_iters=13)),
    ("LinearLR", dict(start_factor=0.05, end_factor=0.9, total_iters=20)),
    ("ExponentialLR", dict(gamma=0.96)),
    ("PolynomialLR", dict(total_iters=40, power=2.0)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=17)),
    ("CosineAnnealingWarmRestarts", dict(T_0=10, T_mult=2, eta_min=1e-3)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=8)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5, step_size_down=9,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.98)),
    ("OneCycleLR", dict(max_lr=0.2, total_steps=101)),
    ("OneCycleLR", dict(max_lr=[0.2, 0.1], epochs=10, steps_per_epoch=11, pct_start=0.25,
                        anneal_strategy="linear", three_phase=True)),
]


def _momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g.get("momentum"))
    return out


@pytest.mark.parametrize(("name", "kw"), SCHEDULES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_lr_sequence_matches_torch(torch, name, kw, opt_name):
    if opt_name == "Adam":
        ours, ref = _pair(torch, "Adam", lr=0.1)
    else:
        ours, ref = _pair(torch)
    s = getattr(sch, name)(ours, **kw)
    t = getattr(torch.optim.lr_scheduler, name)(ref, **kw)
    seq, tseq = [s.get_last_lr()], [t.get_last_lr()]
    mom, tmom = [_momenta(ours)], [_momenta(ref)]
    for _ in range(100):
        ours.step()
        ref.step()
        s.step()
        t.step()
        seq.append(s.get_last_lr())
        tseq.append(t.get_last_lr())
        mom.append(_momenta(ours))
        tmom.append(_momenta(ref))
        assert [g["lr"] for g in ours.param_groups] == seq[-1]
    np.testing.assert_allclose(np.array(seq, float), np.array(tseq, float), rtol=1e-13, atol=0)
    np.testing.assert_allclose(np.array(mom, float), np.array(tmom, float), rtol=1e-13)


@pytest.mark.parametrize("build", [
    lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=4),
                                    m.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=3),
                                    m.CosineAnnealingLR(o, T_max=20),
                                    m.StepLR(o, step_size=5)], milestones=[10, 40]),
    lambda m, o: m.ChainedScheduler([m.LinearLR(o, start_factor=0.2, total_iters=10),
                                     m.ExponentialLR(o, gamma=0.97)]),
    lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=5),
                                     m.MultiStepLR(o, milestones=[20, 50])]),
], ids=["seq-linear-exp", "seq-three", "chain-linear-exp", "chain-const-multistep"])
def test_composite_sequences_match_torch(torch, build):
    ours, ref = _pair(torch)
    s = build(sch, ours)
    t = build(torch.optim.lr_scheduler, ref)
    seq, tseq = [s.get_last_lr()], [t.get_last_lr()]
    for _ in range(100):
        s.step()
        t.step()
        seq.append(s.get_last_lr())
        tseq.append(t.get_last_lr())
    np.testing.assert_allclose(np.array(seq, float), np.array(tseq, float), rtol=1e-13)


METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
           0.49995, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7] * 3


@pytest.mark.parametrize("kw", [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.5, cooldown=2, min_lr=[0.02, 0.001]),
    dict(mode="max", patience=2, threshold=0.01),
    dict(patience=0, threshold_mode="abs", threshold=0.05, min_lr=0.004),
    dict(patience=1, factor=0.9, eps=0.01),
])
def test_reduce_on_plateau_matches_torch(torch, kw):
    ours, ref = _pair(torch)
    s = sch.ReduceLROnPlateau(ours, **kw)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(ref, **kw)
    for m in METRICS:
        s.step(m)
        t.step(m)
        assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-14)
        assert s.num_bad_epochs == t.num_bad_epochs
        assert s.best == t.best


def _sgd():
    return optim.SGD([gk.tensor(np.ones(2), requires_grad=True)], lr=1.0)


def test_every_scheduler_accepts_metrics_keyword():
    opt = _sgd()
    scheds = [sch.StepLR(opt, 3), sch.LinearLR(opt), sch.CosineAnnealingLR(opt, 10),
              sch.ReduceLROnPlateau(opt), sch.CosineAnnealingWarmRestarts(opt, 4),
              sch.OneCycleLR(opt, max_lr=1.0, total_steps=50)]
    for s in scheds:
        s.step(metrics=0.5)


def test_warmup_then_plateau_sequential():
    opt = _sgd()
    warm = sch.LinearLR(opt, start_factor=0.1, total_iters=5)
    plateau = sch.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    s = sch.SequentialLR(opt, [warm, plateau], milestones=[5])
    lrs = [s.get_last_lr()[0]]
    metrics = [5, 4, 3, 2, 1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    for m in metrics:
        s.step(metrics=m)
        lrs.append(opt.param_groups[0]["lr"])
    # warm-up ramps up from 0.1 over 5 steps, ignoring the metrics; at step 5 the plateau
    # scheduler takes over from the base lr 1.0
    np.testing.assert_allclose(lrs[:5], [0.1, 0.28, 0.46, 0.64, 0.82])
    # the plateau scheduler sees 1.0, 0.9 (improving), 0.9, 0.9 (2 bad > patience 1) ...
    np.testing.assert_allclose(lrs[5:], [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25])
    with pytest.raises(TypeError, match="needs the monitored metric"):
        s.step()


def test_warmup_chained_with_plateau():
    opt = _sgd()
    s = sch.ChainedScheduler([sch.LinearLR(opt, start_factor=0.5, total_iters=2),
                              sch.ReduceLROnPlateau(opt, factor=0.1, patience=0)])
    s.step(metrics=1.0)        # warm-up 0.5 -> 0.75, plateau: first metric is an improvement
    assert opt.param_groups[0]["lr"] == pytest.approx(0.75)
    s.step(metrics=2.0)        # warm-up -> 1.0, then the plateau cuts to 0.1
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_scheduler_state_dict_round_trip():
    opt = _sgd()
    s = sch.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        s.step()
    state = s.state_dict()
    assert "optimizer" not in state
    opt2 = _sgd()
    s2 = sch.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(state)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    for _ in range(5):
        s.step()
        s2.step()
        assert s.get_last_lr() == s2.get_last_lr()


def test_sequential_state_dict_round_trip():
    def build(opt):
        return sch.SequentialLR(opt, [sch.LinearLR(opt, start_factor=0.1, total_iters=3),
                                      sch.ExponentialLR(opt, gamma=0.5)], milestones=[3])

    opt, opt2 = _sgd(), _sgd()
    s, s2 = build(opt), build(opt2)
    for _ in range(5):
        s.step()
    s2.load_state_dict(s.state_dict())
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    for _ in range(3):
        s.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()


def test_scheduler_errors():
    opt = _sgd()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sch.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        sch.ReduceLROnPlateau(opt, mode="foo")
    with pytest.raises(ValueError, match="start_factor=0"):
        sch.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        sch.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="T_0"):
        sch.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="number of milestones"):
        sch.SequentialLR(opt, [sch.StepLR(opt, 2), sch.StepLR(opt, 3)], milestones=[])
    with pytest.raises(TypeError, match="not an Optimizer"):
        sch.StepLR(object(), 2)
    with pytest.raises(KeyError, match="initial_lr"):
        sch.StepLR(_sgd(), 2, last_epoch=3)
    one = sch.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        one.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one.step()


def test_cosine_closed_form_is_pure():
    opt = _sgd()
    s = sch.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    for _ in range(7):
        s.step()
    closed = s._get_closed_form_lr()[0]
    assert closed == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * 7 / 10)) / 2)
    assert opt.param_groups[0]["lr"] == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize("build", [
    lambda m, o: m.ExponentialLR(o, gamma=0.5),
    lambda m, o: m.CosineAnnealingLR(o, T_max=4),
    lambda m, o: m.ReduceLROnPlateau(o, patience=0),
], ids=["exp", "cos", "plateau"])
def test_get_last_lr_copies_tensor_lrs(torch, build):
    """With a Tensor lr, get_last_lr() returns copies (PyTorch clones), not group["lr"] itself."""
    p = gk.tensor(np.ones(2), requires_grad=True)
    ours = optim.SGD([p], lr=gk.tensor(0.1))
    ref = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=torch.tensor(0.1))
    s, t = build(sch, ours), build(torch.optim.lr_scheduler, ref)
    history, thistory = [], []
    for m in [1.0, 2.0, 3.0, 4.0]:
        history.append(s.get_last_lr())
        thistory.append(t.get_last_lr())
        if isinstance(s, sch.ReduceLROnPlateau):
            s.step(m)
            t.step(m)
        else:
            s.step()
            t.step()
    assert history[0][0] is not ours.param_groups[0]["lr"]
    np.testing.assert_allclose([float(h[0]) for h in history],
                               [float(h[0]) for h in thistory], rtol=1e-7)


def test_cyclic_lr_leaves_tensor_bounds_alone(torch):
    """A Tensor base_lr is copied (as PyTorch's _format_param does), not written into."""
    base = gk.tensor(0.01)
    opt = optim.SGD([gk.tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    s = sch.CyclicLR(opt, base, 0.1, step_size_up=4)
    for _ in range(6):
        s.step()
    assert float(base) == pytest.approx(0.01)


@pytest.mark.parametrize("lr_lambda", [0.5, [0.5, lambda e: 1.0]], ids=["one", "list"])
def test_multiplicative_lr_rejects_non_callable(torch, lr_lambda):
    ours, ref = _pair(torch)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        torch.optim.lr_scheduler.MultiplicativeLR(ref, lr_lambda)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        sch.MultiplicativeLR(ours, lr_lambda)


class _Decay:
    """A callable object with state, as a CyclicLR scale_fn or an lr_lambda."""

    def __init__(self, base=0.5):
        self.base = base

    def __call__(self, x):
        return self.base ** x


def test_cyclic_lr_state_dict_keeps_callable_scale_fn_state(torch):
    """Like torch, state_dict() keeps a callable object's __dict__ (a plain function is dropped)."""
    def run(m, ours_opt):
        fn = _Decay()
        s = m.CyclicLR(ours_opt, 0.01, 0.1, step_size_up=3, scale_fn=fn, scale_mode="cycle")
        for _ in range(7):
            s.step()
        fn.base = 0.8
        state = s.state_dict()
        saved = state["_scale_fn_custom"]   # (torch's load_state_dict pops it from state)
        fresh = m.CyclicLR(ours_opt, 0.01, 0.1, step_size_up=3, scale_fn=_Decay(),
                           scale_mode="cycle")
        fresh.load_state_dict(state)
        out = []
        for _ in range(12):
            fresh.step()
            out.append(fresh.get_last_lr())
        assert fresh._scale_fn_custom.base == 0.8
        return saved, out

    ours, ref = _pair(torch)
    st, seq = run(sch, ours)
    tst, tseq = run(torch.optim.lr_scheduler, ref)
    assert st == tst == {"base": 0.8}
    np.testing.assert_allclose(np.array(seq, float), np.array(tseq, float), rtol=1e-13)
    plain = sch.CyclicLR(_sgd(), 0.01, 0.1, scale_fn=lambda x: 1.0).state_dict()
    assert plain["_scale_fn_custom"] is None


@pytest.mark.parametrize("name", ["OneCycleLR", "CosineAnnealingWarmRestarts"])
def test_state_dict_keys_match_torch(torch, name):
    """The keys PyTorch's state_dict has (programs print and edit them)."""
    def keys(mod, lin, optim):
        opt = optim.SGD(lin(2, 2).parameters(), lr=0.1, momentum=0.9)
        s = mod.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy="linear") \
            if name == "OneCycleLR" else mod.CosineAnnealingWarmRestarts(opt, 3)
        for _ in range(3):
            opt.step()
            s.step()
        return s.state_dict()

    ours = keys(sch, gk.nn.Linear, gk.optim)
    theirs = keys(torch.optim.lr_scheduler, torch.nn.Linear, torch.optim)
    assert sorted(ours) == sorted(theirs)
    if name == "OneCycleLR":
        assert ours["_anneal_func_type"] == theirs["_anneal_func_type"] == "linear"


def test_old_base_class_name_for_custom_schedulers(torch):
    # schedulers written before PyTorch 2.0 derive from _LRScheduler and override get_lr()
    def run(lib):
        class Warmup(lib.optim.lr_scheduler._LRScheduler):
            def __init__(self, optimizer, warmup, last_epoch=-1):
                self.warmup = warmup
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                f = min(1.0, (self.last_epoch + 1) / self.warmup)
                return [base_lr * f for base_lr in self.base_lrs]

        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.3)
        s = Warmup(opt, 4)
        lrs = [s.get_last_lr()[0]]
        for _ in range(5):
            opt.step()
            s.step()
            lrs.append(s.get_last_lr()[0])
        assert isinstance(s, lib.optim.lr_scheduler.LRScheduler)
        assert not issubclass(lib.optim.lr_scheduler.StepLR, lib.optim.lr_scheduler._LRScheduler)
        return lrs

    assert run(gk) == run(torch)


def test_warm_restarts_state_dict_equals_torch(torch):
    # torch's CosineAnnealingWarmRestarts.step never counts _step_count; its state_dict shows 0
    def run(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        states = [s.state_dict()]
        for epoch in (None, None, 4.5, None):
            opt.step()
            s.step(epoch)
            states.append(s.state_dict())
        return states

    assert run(gk) == run(torch)


def test_plateau_state_dict_prints_as_torch(torch):
    # printed state_dicts list the keys in PyTorch's order
    def run(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, cooldown=1)
        for v in (1.0, 0.5, 0.4):
            s.step(v)
        return list(s.state_dict().items())

    assert run(gk) == run(torch)


@pytest.mark.parametrize("lib_name", ["gradkit", "torch"])
def test_plateau_private_hooks_replaced_by_a_library(lib_name):
    """ignite's ReduceLROnPlateauScheduler replaces ``scheduler._reduce_lr`` with a function of
    the epoch, and subclasses override ``_is_better``: step() calls both by PyTorch's names."""
    lib = gk if lib_name == "gradkit" else pytest.importorskip("torch")
    p = lib.nn.Parameter(lib.zeros(1))
    opt = lib.optim.SGD([p], lr=1.0)
    s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    calls = []

    def reduce_lr(epoch):
        calls.append(epoch)
        opt.param_groups[0]["lr"] /= 10

    s._reduce_lr = reduce_lr
    for v in (1.0, 2.0, 3.0):
        s.step(v)
    assert calls == [2, 3] and opt.param_groups[0]["lr"] == pytest.approx(0.01)

    class NeverBetter(lib.optim.lr_scheduler.ReduceLROnPlateau):
        def _is_better(self, a, best):
            return False

    s = NeverBetter(opt, patience=1, factor=0.5)
    for v in (1.0, 0.5, 0.25):
        s.step(v)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.005)


@pytest.mark.parametrize("kind", ["ChainedScheduler", "SequentialLR"])
def test_composite_of_other_optimizers_names_them_as_torch(torch, kind):
    """The refused member's optimizer is printed whole, as PyTorch's message prints it."""
    def message(lib):
        a = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        b = lib.optim.Adam([lib.nn.Parameter(lib.zeros(1))], lr=0.5)
        members = [lib.optim.lr_scheduler.StepLR(a, 1), lib.optim.lr_scheduler.StepLR(b, 1)]
        with pytest.raises(ValueError) as info:
            if kind == "ChainedScheduler":
                lib.optim.lr_scheduler.ChainedScheduler(members)
            else:
                lib.optim.lr_scheduler.SequentialLR(a, members, milestones=[1])
        return str(info.value)

    want = message(torch)
    assert "which is different from SGD" in want and message(gk) == want
