"""optim.swa_utils against torch.optim.swa_utils: AveragedModel (SWA and EMA, with and without
buffers, avg_fn and multi_avg_fn), SWALR's learning rates and update_bn."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit.optim import swa_utils


def _models(torch, dtype=np.float64):
    """The same Linear-BatchNorm1d-ReLU-Linear model in gradkit and torch."""
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
                             torch.nn.Linear(5, 2)).to(getattr(torch, np.dtype(dtype).name))
    gm = gk.nn.Sequential(gk.nn.Linear(4, 5), gk.nn.BatchNorm1d(5), gk.nn.ReLU(),
                          gk.nn.Linear(5, 2)).to(getattr(gk, np.dtype(dtype).name))
    _copy_into(gm, tm)
    return gm, tm


def _copy_into(gm, tm):
    """gradkit model ``gm`` takes torch model ``tm``'s parameters and buffers."""
    mine = dict(gm.named_parameters()) | dict(gm.named_buffers())
    theirs = dict(tm.named_parameters()) | dict(tm.named_buffers())
    assert mine.keys() == theirs.keys()
    for k, t in theirs.items():
        mine[k]._data[...] = t.detach().numpy()


def _perturb_and_train(gm, tm, torch, seed):
    """Move both models' parameters the same way and run one training-mode forward (which
    updates BatchNorm's running statistics)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype))
    _copy_into(gm, tm)
    x = rng.standard_normal((6, 4))
    tm.train()
    gm.train()
    tm(torch.tensor(x, dtype=next(tm.parameters()).dtype))
    gm(gk.tensor(x, dtype=next(gm.parameters()).dtype))


def _assert_same_model(ga, ta, rtol=1e-12, atol=1e-14):
    mine = dict(ga.named_parameters()) | dict(ga.named_buffers())
    theirs = dict(ta.named_parameters()) | dict(ta.named_buffers())
    assert mine.keys() == theirs.keys()
    for k, t in theirs.items():
        m = mine[k].detach().numpy()
        assert m.dtype == t.detach().numpy().dtype, k
        np.testing.assert_allclose(m, t.detach().numpy(), rtol=rtol, atol=atol, err_msg=k)


AVERAGERS = {
    "swa-default": lambda su: {},
    "swa-avg_fn": lambda su: {"avg_fn": su.get_swa_avg_fn()},
    "swa-multi_avg_fn": lambda su: {"multi_avg_fn": su.get_swa_multi_avg_fn()},
    "ema-avg_fn": lambda su: {"avg_fn": su.get_ema_avg_fn(0.9)},
    "ema-multi_avg_fn": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.7)},
    "ema-multi-decay1": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(1.0)},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", list(AVERAGERS))
def test_averaged_model_matches_torch(torch, kind, use_buffers, dtype):
    from torch.optim import swa_utils as tsu

    gm, tm = _models(torch, dtype)
    ga = swa_utils.AveragedModel(gm, use_buffers=use_buffers, **AVERAGERS[kind](swa_utils))
    ta = tsu.AveragedModel(tm, use_buffers=use_buffers, **AVERAGERS[kind](tsu))
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    if kind == "swa-multi_avg_fn" and use_buffers:
        # torch's foreach average refuses BatchNorm's int64 num_batches_tracked (addcdiv)
        for avg, m in ((ta, tm), (ga, gm)):
            avg.update_parameters(m)
            with pytest.raises(RuntimeError, match="addcdiv"):
                avg.update_parameters(m)
        return
    for step in range(6):
        _perturb_and_train(gm, tm, torch, step)
        ga.update_parameters(gm)
        ta.update_parameters(tm)
        # float32: BatchNorm's running mean near 0 carries the forward's rounding
        _assert_same_model(ga, ta, rtol, 1e-14 if dtype == np.float64 else 1e-7)
        assert int(ga.n_averaged.item()) == int(ta.n_averaged.item()) == step + 1
    assert ga.n_averaged.dtype == gk.int64
    x = np.random.default_rng(9).standard_normal((3, 4))
    ga.eval()
    ta.eval()
    np.testing.assert_allclose(
        ga(gk.tensor(x, dtype=getattr(gk, np.dtype(dtype).name))).detach().numpy(),
        ta(torch.tensor(x, dtype=getattr(torch, np.dtype(dtype).name))).detach().numpy(),
        rtol=rtol * 10, atol=1e-6 if dtype == np.float32 else 1e-12)


def test_averaged_model_is_a_copy_and_checks_its_arguments():
    model = gk.nn.Linear(3, 2)
    avg = swa_utils.AveragedModel(model)
    assert avg.module is not model
    assert avg.module.weight is not model.weight
    assert "n_averaged" in dict(avg.named_buffers())
    assert "n_averaged" in avg.state_dict()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


@pytest.mark.parametrize("name", ["get_ema_avg_fn", "get_ema_multi_avg_fn"])
@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_bad_decay_raises_as_torch(torch, name, decay):
    from torch.optim import swa_utils as tsu

    with pytest.raises(ValueError) as ref:
        getattr(tsu, name)(decay)
    with pytest.raises(ValueError) as ours:
        getattr(swa_utils, name)(decay)
    assert str(ours.value) == str(ref.value)


def test_averaged_model_gradients_flow_through_forward():
    model = gk.nn.Linear(3, 1)
    avg = swa_utils.AveragedModel(model)
    avg.update_parameters(model)
    avg(gk.ones(2, 3)).sum().backward()
    assert avg.module.weight.grad is not None


# ----------------------------------------------------------------- SWALR
SCHEDULES = [
    dict(swa_lr=0.05),
    dict(swa_lr=0.05, anneal_epochs=0),
    dict(swa_lr=0.05, anneal_epochs=1, anneal_strategy="linear"),
    dict(swa_lr=[0.01, 0.2], anneal_epochs=30, anneal_strategy="cos"),
    dict(swa_lr=0.3, anneal_epochs=7, anneal_strategy="linear"),
]


def _sched_run(lib, su, kw, steps=100, chained=False):
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    opt = lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}], lr=0.1)
    sched = su.SWALR(opt, **kw)
    other = lib.optim.lr_scheduler.StepLR(opt, step_size=9, gamma=0.7) if chained else None
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        if other is not None:
            other.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return np.array(lrs), sched


@pytest.mark.parametrize("chained", [False, True])
@pytest.mark.parametrize("kw", SCHEDULES, ids=[str(k) for k in SCHEDULES])
def test_swalr_lr_sequence_matches_torch(torch, kw, chained):
    from torch.optim import swa_utils as tsu

    ours, sched = _sched_run(gk, swa_utils, kw, chained=chained)
    ref, tsched = _sched_run(torch, tsu, kw, chained=chained)
    assert ours.shape == (101, 2)
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=0)
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-13)
    assert sched.state_dict().keys() == tsched.state_dict().keys()


def test_swalr_state_dict_round_trip():
    lrs, sched = _sched_run(gk, swa_utils, dict(swa_lr=0.05, anneal_epochs=20), steps=5)
    sd = sched.state_dict()
    assert "anneal_func" not in sd and "optimizer" not in sd
    opt = gk.optim.SGD([gk.zeros(1, requires_grad=True)], lr=0.1)
    other = swa_utils.SWALR(opt, swa_lr=1.0, anneal_strategy="linear")
    other.load_state_dict(sd)
    assert other.anneal_epochs == 20 and other._anneal_strategy == "cos"
    assert other.anneal_func(0.5) == pytest.approx(0.5) and other.anneal_func(0.25) < 0.25


BAD_SWALR = [dict(swa_lr=0.1, anneal_strategy="exp"), dict(swa_lr=0.1, anneal_epochs=-1),
             dict(swa_lr=0.1, anneal_epochs=2.5), dict(swa_lr=[0.1, 0.2, 0.3])]


@pytest.mark.parametrize("kw", BAD_SWALR, ids=[str(k) for k in BAD_SWALR])
def test_swalr_bad_arguments_raise_as_torch(torch, kw):
    from torch.optim import swa_utils as tsu

    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    opt = gk.optim.SGD([gk.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError) as ref:
        tsu.SWALR(topt, **kw)
    with pytest.raises(ValueError) as ours:
        swa_utils.SWALR(opt, **kw)
    assert str(ours.value) == str(ref.value)


# ----------------------------------------------------------------- update_bn
@pytest.mark.parametrize("batches", ["tensors", "tuples"])
def test_update_bn_matches_torch(torch, batches):
    from torch.optim import swa_utils as tsu

    gm, tm = _models(torch)
    for m in (gm, tm):
        m[1].momentum = 0.3
        m.eval()
    rng = np.random.default_rng(5)
    data = [rng.standard_normal((n, 4)) * 2 + 1 for n in (7, 3, 5)]
    with torch.no_grad():   # stale statistics that update_bn must throw away
        tm[1].running_mean.fill_(4.0)
    gm[1].running_mean._data[...] = 4.0

    def loader(lib):
        for x in data:
            t = lib.tensor(x)
            yield (t, lib.zeros(len(x))) if batches == "tuples" else t

    swa_utils.update_bn(loader(gk), gm)
    tsu.update_bn(loader(torch), tm)
    _assert_same_model(gm, tm)
    assert gm[1].momentum == 0.3 and not gm.training
    assert int(gm[1].num_batches_tracked.item()) == 3
    # the cumulative average over the batches, not a momentum average
    feats = [np.asarray(gm[0](gk.tensor(x)).detach().numpy()) for x in data]
    np.testing.assert_allclose(gm[1].running_mean.numpy(),
                               np.mean([f.mean(0) for f in feats], axis=0), rtol=1e-12)


def test_update_bn_without_batchnorm_does_nothing():
    model = gk.nn.Linear(2, 2)
    model.eval()
    swa_utils.update_bn([gk.ones(1, 2)], model)
    assert not model.training


def test_update_bn_on_an_averaged_model(torch):
    from torch.optim import swa_utils as tsu

    gm, tm = _models(torch)
    ga, ta = swa_utils.AveragedModel(gm), tsu.AveragedModel(tm)
    for step in range(3):
        _perturb_and_train(gm, tm, torch, step)
        ga.update_parameters(gm)
        ta.update_parameters(tm)
    data = [np.random.default_rng(k).standard_normal((4, 4)) for k in range(4)]
    swa_utils.update_bn([gk.tensor(x) for x in data], ga)
    tsu.update_bn([torch.tensor(x) for x in data], ta)
    _assert_same_model(ga, ta)
