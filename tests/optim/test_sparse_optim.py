"""Optimizers on sparse gradients (nn.Embedding(sparse=True)) against torch.optim: SparseAdam,
SGD and Adagrad's sparse paths over several steps (only the rows present move), the errors
PyTorch raises for optimizers without a sparse path and for SparseAdam's requirements, and
SparseAdam's state_dict round trip."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import gradkit as gk

BATCHES = [[[1, 2, 4], [4, 3, 1]], [[0, 5, 5]], [[2, 2, 2], [1, 0, 3]], [[7, 1]]]


@pytest.fixture
def torch(torch):
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")
    return torch


def train(lib, opt_name, kw, steps=6, padding_idx=None, n=8, d=3, dtype="float32"):
    """The embedding's weight after ``steps`` sparse-gradient steps, and the optimizer."""
    w = np.random.default_rng(0).standard_normal((n, d)).astype(dtype)
    emb = lib.nn.Embedding(n, d, sparse=True, padding_idx=padding_idx, _weight=lib.tensor(w))
    opt = getattr(lib.optim, opt_name)(emb.parameters(), **kw)
    for i in range(steps):
        opt.zero_grad()
        (emb(lib.tensor(BATCHES[i % len(BATCHES)])) ** 2).sum().backward()
        opt.step()
    return emb.weight.detach().numpy(), opt


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.5}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-5}),
    ("Adagrad", {"lr": 0.3, "maximize": True}),
    ("SparseAdam", {}),
    ("SparseAdam", {"lr": 0.1}),
    ("SparseAdam", {"lr": 0.1, "betas": (0.5, 0.8), "eps": 1e-3, "maximize": True}),
]


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_sparse_trajectory_matches_torch(torch, name, kw, padding_idx):
    w0, _ = train(gk, name, kw, steps=0, padding_idx=padding_idx)
    g, gopt = train(gk, name, kw, padding_idx=padding_idx)
    t, topt = train(torch, name, kw, padding_idx=padding_idx)
    # PyTorch's CPU kernels round a few entries differently (its sqrt and fused multiply-adds):
    # agreement to float32 resolution over the steps
    np.testing.assert_allclose(g, t, rtol=1e-5, atol=1e-6)
    untouched = [6] if padding_idx is None else [2, 6]  # never looked up / padding: unchanged
    np.testing.assert_array_equal(g[untouched], w0[untouched])
    assert not np.allclose(g[[1, 3]], w0[[1, 3]])
    gp, tp = gopt.param_groups[0]["params"][0], topt.param_groups[0]["params"][0]
    for key, tv in topt.state[tp].items():
        gv = gopt.state[gp][key]
        if key == "step":
            assert float(gv) == float(tv)
        elif tv.is_sparse:  # SGD's momentum buffer of sparse gradients is sparse, as PyTorch's
            assert gv.is_sparse
            np.testing.assert_allclose(gv.to_dense().numpy(), tv.to_dense().numpy(), rtol=1e-5,
                                       atol=1e-6)
        else:
            np.testing.assert_allclose(gv.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)


def test_sgd_plain_sparse_steps_are_bit_identical_to_torch(torch):
    """SGD without momentum: ``param.add_(grad, alpha=-lr)`` entry by entry, PyTorch's rounding
    (a fused multiply-add per entry) reproduced exactly."""
    g, _ = train(gk, "SGD", {"lr": 0.1}, steps=8)
    t, _ = train(torch, "SGD", {"lr": 0.1}, steps=8)
    np.testing.assert_array_equal(g, t)


def test_sparse_adam_float64(torch):
    g, _ = train(gk, "SparseAdam", {"lr": 0.1}, dtype="float64")
    t, _ = train(torch, "SparseAdam", {"lr": 0.1}, dtype="float64")
    np.testing.assert_allclose(g, t, rtol=1e-12)


@pytest.mark.parametrize("name, kw", [
    ("Adam", {}), ("AdamW", {}), ("RMSprop", {}), ("Adadelta", {}), ("Adamax", {}),
    ("NAdam", {}), ("RAdam", {}), ("ASGD", {}), ("Rprop", {}), ("Adafactor", {}),
    ("SGD", {"weight_decay": 0.1}), ("Adagrad", {"weight_decay": 0.1}),
])
def test_optimizers_without_a_sparse_path_raise_as_torch(torch, name, kw):
    with pytest.raises(RuntimeError) as te:
        train(torch, name, kw, steps=1)
    w0, _ = train(gk, name, kw, steps=0)
    with pytest.raises(RuntimeError) as ge:
        train(gk, name, kw, steps=1)
    assert str(te.value) in str(ge.value)


def test_muon_refuses_sparse_gradients():
    emb = gk.nn.Embedding(6, 6, sparse=True)
    opt = gk.optim.Muon(emb.parameters())
    emb(gk.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="Muon does not support sparse gradients"):
        opt.step()


def test_lbfgs_takes_a_sparse_gradient_dense(torch):
    out = []
    for lib in (gk, torch):
        w = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
        emb = lib.nn.Embedding(8, 3, sparse=True, _weight=lib.tensor(w))
        opt = lib.optim.LBFGS(emb.parameters(), max_iter=3)

        def closure(lib=lib, emb=emb, opt=opt):
            opt.zero_grad()
            loss = ((emb(lib.tensor(BATCHES[0])) - 0.5) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        out.append(emb.weight.detach().numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-4, atol=1e-5)


def test_sparse_adam_errors_as_torch(torch):
    for lib in (gk, torch):
        w = lib.nn.Parameter(lib.ones(3, 2))
        opt = lib.optim.SparseAdam([w])
        (w * 2).sum().backward()
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, "
                                               "please consider Adam instead"):
            opt.step()
        sp = lib.ones(3, 2).to_sparse().requires_grad_()
        with pytest.raises(ValueError, match=r"Sparse params at indices \[\[0, 0\]\]: "
                                             r"SparseAdam requires dense parameter tensors"):
            lib.optim.SparseAdam([sp])
        for kw, msg in [({"lr": 0}, "Invalid learning rate: 0"),
                        ({"eps": 0.0}, "Invalid epsilon value: 0.0"),
                        ({"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
                        ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1")]:
            with pytest.raises(ValueError, match=msg.replace("[", r"\[")):
                lib.optim.SparseAdam([w], **kw)


def test_sparse_adam_repr_and_empty_gradient(torch):
    assert repr(gk.optim.SparseAdam([gk.nn.Parameter(gk.ones(2))])) == \
        repr(torch.optim.SparseAdam([torch.nn.Parameter(torch.ones(2))]))
    emb = gk.nn.Embedding(4, 2, sparse=True, padding_idx=0)
    before = emb.weight.detach().numpy().copy()
    opt = gk.optim.SparseAdam(emb.parameters())
    emb(gk.tensor([0, 0])).sum().backward()  # only padding: an empty sparse gradient
    opt.step()
    assert opt.state[emb.weight]["step"] == 1  # counted, as PyTorch's
    np.testing.assert_array_equal(emb.weight.detach().numpy(), before)


def test_sparse_adam_state_dict_round_trip(torch):
    _, gopt = train(gk, "SparseAdam", {"lr": 0.1}, steps=3)
    _, topt = train(torch, "SparseAdam", {"lr": 0.1}, steps=3)
    gs, ts = gopt.state_dict(), topt.state_dict()
    assert gs["param_groups"] == ts["param_groups"]
    assert type(gs["state"][0]["step"]) is int and gs["state"][0]["step"] == ts["state"][0]["step"]
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(gs["state"][0][key].numpy(), ts["state"][0][key].numpy(),
                                   rtol=1e-5, atol=1e-7)
    # resume: a fresh optimizer loading the state continues as the original does
    w = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    a = gk.nn.Embedding(8, 3, sparse=True, _weight=gk.tensor(w))
    b = copy.deepcopy(a)
    opt_a = gk.optim.SparseAdam(a.parameters(), lr=0.1)
    for batch in BATCHES[:2]:
        opt_a.zero_grad()
        a(gk.tensor(batch)).pow(2).sum().backward()
        opt_a.step()
    b.load_state_dict(a.state_dict())
    opt_b = gk.optim.SparseAdam(b.parameters(), lr=0.1)
    opt_b.load_state_dict(copy.deepcopy(opt_a.state_dict()))
    for m, o in ((a, opt_a), (b, opt_b)):
        o.zero_grad()
        m(gk.tensor(BATCHES[2])).pow(2).sum().backward()
        o.step()
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    assert opt_b.state[b.weight]["step"] == 3
    # a PyTorch state dict (converted tensors) loads too
    opt_c = gk.optim.SparseAdam(b.parameters(), lr=0.1)
    opt_c.load_state_dict({"state": {0: {"step": ts["state"][0]["step"],
                                         "exp_avg": gk.tensor(ts["state"][0]["exp_avg"].numpy()),
                                         "exp_avg_sq": gk.tensor(
                                             ts["state"][0]["exp_avg_sq"].numpy())}},
                           "param_groups": ts["param_groups"]})
    assert opt_c.state[b.weight]["step"] == 3


def test_sparse_and_dense_parameters_in_one_sgd(torch):
    """An embedding with sparse gradients beside a dense layer in one SGD with momentum."""
    out = []
    for lib in (gk, torch):
        w = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
        emb = lib.nn.Embedding(8, 3, sparse=True, _weight=lib.tensor(w))
        lin = lib.nn.Linear(3, 1)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[0.5, -0.25, 0.125]]))
            lin.bias.fill_(0.1)
        opt = lib.optim.SGD(list(emb.parameters()) + list(lin.parameters()), lr=0.05,
                            momentum=0.9)
        for batch in BATCHES * 2:
            opt.zero_grad()
            lin(emb(lib.tensor(batch))).pow(2).sum().backward()
            opt.step()
        out.append((emb.weight.detach().numpy(), lin.weight.detach().numpy()))
    for g, t in zip(*out):
        np.testing.assert_allclose(g, t, rtol=1e-5, atol=1e-6)
