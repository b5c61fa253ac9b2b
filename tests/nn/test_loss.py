"""Losses (module and functional) against PyTorch, finite differences, and error messages."""

import numpy as np
import pytest
from helpers import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

REDUCTIONS = ["none", "mean", "sum"]


def _run(torch, g_loss, t_loss, x, target, *, target_grad=False, atol=1e-5, rtol=1e-5):
    """Compare loss value and input (and target) gradients."""
    gx = gk.tensor(x, requires_grad=True)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    float_t = target.dtype.kind == "f"
    gt = gk.tensor(target, requires_grad=target_grad and float_t)
    tt = torch.from_numpy(target.copy()).requires_grad_(target_grad and float_t)
    lg = g_loss(gx, gt)
    lt = t_loss(tx, tt)
    np.testing.assert_allclose(lg.detach().numpy(), lt.detach().numpy(), atol=atol, rtol=rtol)
    u = np.random.default_rng(5).standard_normal(tuple(lg.shape)).astype(x.dtype)
    (lg * gk.tensor(u)).sum().backward()
    (lt * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=atol, rtol=rtol)
    if target_grad and float_t:
        np.testing.assert_allclose(gt.grad.numpy(), tt.grad.numpy(), atol=atol, rtol=rtol)


# ------------------------------------------------------------------ cross entropy / nll
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 2, 2), (5,)])
def test_cross_entropy_indices(torch, reduction, weighted, smoothing, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32) * 2
    c = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, c, tshape).astype(np.int64)
    if t.ndim:
        t.reshape(-1)[0] = -100  # one ignored target
    w = rng.uniform(0.5, 2.0, c).astype(np.float32) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    g = nn.CrossEntropyLoss(weight=None if w is None else gk.tensor(w), **kw)
    tl = torch.nn.CrossEntropyLoss(weight=None if w is None else torch.from_numpy(w), **kw)
    _run(torch, g, tl, x, t)


@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_cross_entropy_ignore_index_functional(torch, ignore_index):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    t = np.array([0, 1, 2, 3, 2, 2, 1, 0], dtype=np.int64)
    _run(torch, lambda a, b: F.cross_entropy(a, b, ignore_index=ignore_index),
         lambda a, b: torch.nn.functional.cross_entropy(a, b, ignore_index=ignore_index), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(torch, reduction, smoothing, weighted):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    p = rng.uniform(size=(4, 3, 2)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, 3).astype(np.float32) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    g = nn.CrossEntropyLoss(weight=None if w is None else gk.tensor(w), **kw)
    tl = torch.nn.CrossEntropyLoss(weight=None if w is None else torch.from_numpy(w), **kw)
    _run(torch, g, tl, x, p, target_grad=True)


def test_cross_entropy_float64_grad_and_second_order():
    rng = np.random.default_rng(3)
    x = t64(rng, 5, 4)
    t = gk.tensor([0, 3, 1, 1, 2])
    w = gk.tensor([1.0, 2.0, 0.5, 1.5], dtype=gk.float64)
    check_grad(lambda x: F.cross_entropy(x, t), [x])
    check_grad(lambda x: F.cross_entropy(x, t, weight=w, label_smoothing=0.3,
                                         reduction="none"), [x])

    def grad_of(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad(F.cross_entropy(x, t, weight=w, label_smoothing=0.1), [x],
                                    create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


def test_cross_entropy_stable_for_huge_logits(torch):
    x = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 5.0]], dtype=np.float32)
    t = np.array([1, 0], dtype=np.int64)
    _run(torch, F.cross_entropy, torch.nn.functional.cross_entropy, x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3)])
def test_nll_loss(torch, reduction, weighted, shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    t = rng.integers(0, 4, (shape[0],) + shape[2:]).astype(np.int64)
    t.reshape(-1)[1] = 1
    w = rng.uniform(0.5, 2, 4).astype(np.float32) if weighted else None
    g = nn.NLLLoss(weight=None if w is None else gk.tensor(w), reduction=reduction,
                   ignore_index=1)
    tl = torch.nn.NLLLoss(weight=None if w is None else torch.from_numpy(w),
                          reduction=reduction, ignore_index=1)
    _run(torch, g, tl, x, t)
    check_grad(lambda x: F.nll_loss(x, gk.tensor(t), reduction=reduction),
               [t64(rng, *shape)])


def test_class_target_errors():
    x = gk.randn(4, 3)
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds.*\[0, 2\]"):
        F.cross_entropy(x, gk.tensor([0, 1, 3, 0]))
    with pytest.raises(IndexError, match="Target -2"):
        F.nll_loss(x, gk.tensor([0, 1, -2, 0]))
    with pytest.raises(ValueError, match=r"expected target of shape \[4\].*got target of shape "
                                         r"\[4, 1\]"):
        F.cross_entropy(x, gk.tensor([[0], [1], [2], [0]]))
    with pytest.raises(ValueError, match="class probabilities.*shape"):
        F.cross_entropy(x, gk.randn(4))
    with pytest.raises(TypeError, match="integer dtype"):
        F.nll_loss(x, gk.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x, gk.tensor([0, 1, 2, 0]), weight=gk.ones(4))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


# ------------------------------------------------------------------ regression losses
REGRESSION = [
    ("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"beta": 0.0}), ("HuberLoss", {}), ("HuberLoss", {"delta": 2.0}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", REGRESSION, ids=[f"{n}{k}" for n, k in REGRESSION])
def test_regression_losses(torch, name, kwargs, reduction):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((4, 5)) * 2).astype(np.float32)
    y = (rng.standard_normal((4, 5)) * 2).astype(np.float32)
    g = getattr(nn, name)(reduction=reduction, **kwargs)
    t = getattr(torch.nn, name)(reduction=reduction, **kwargs)
    _run(torch, g, t, x, y, target_grad=True)
    xs, ys = t64(rng, 3, 4), t64(rng, 3, 4)
    check_grad(lambda a, b: g(a, b), [xs, ys])


# ------------------------------------------------------------------ binary losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(torch, reduction, weighted):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.02, 0.98, (4, 3)).astype(np.float32)
    y = rng.uniform(0, 1, (4, 3)).astype(np.float32)
    w = rng.uniform(0.5, 2, (3,)).astype(np.float32) if weighted else None
    g = nn.BCELoss(weight=None if w is None else gk.tensor(w), reduction=reduction)
    t = torch.nn.BCELoss(weight=None if w is None else torch.from_numpy(w), reduction=reduction)
    _run(torch, g, t, x, y, target_grad=True, atol=1e-4)


def test_bce_clamps_log_like_torch(torch):
    x = np.array([0.0, 1.0, 0.5, 1e-30], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    _run(torch, F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, x, y,
         atol=1e-3, rtol=1e-4)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(gk.tensor([1.5]), gk.tensor([1.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(gk.tensor([0.5, 0.5]), gk.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits(torch, reduction, pos_weight, weighted):
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((5, 3)) * 4).astype(np.float32)
    x[0, 0] = 200.0
    x[0, 1] = -200.0
    y = rng.uniform(0, 1, (5, 3)).astype(np.float32)
    pw = rng.uniform(0.5, 3, 3).astype(np.float32) if pos_weight else None
    w = rng.uniform(0.5, 2, (5, 1)).astype(np.float32) if weighted else None
    g = nn.BCEWithLogitsLoss(weight=None if w is None else gk.tensor(w), reduction=reduction,
                             pos_weight=None if pw is None else gk.tensor(pw))
    t = torch.nn.BCEWithLogitsLoss(weight=None if w is None else torch.from_numpy(w),
                                   reduction=reduction,
                                   pos_weight=None if pw is None else torch.from_numpy(pw))
    _run(torch, g, t, x, y, target_grad=True, atol=1e-4)
    xs, ys = t64(rng, 3, 3), t64(rng, 3, 3, low=0.0, high=1.0)
    pwt = None if pw is None else gk.tensor(pw.astype(np.float64))
    check_grad(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pwt), [xs, ys])


# ------------------------------------------------------------------ KL divergence and others
@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, reduction, log_target):
    rng = np.random.default_rng(9)
    x = np.log(rng.dirichlet(np.ones(4), size=3)).astype(np.float32)
    y = rng.dirichlet(np.ones(4), size=3).astype(np.float32)
    if log_target:
        y = np.log(y).astype(np.float32)
    g = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    t = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    _run(torch, g, t, x, y, target_grad=True)
    if not log_target:  # a zero target contributes 0 (xlogy), with a finite input gradient
        y[0, 0] = 0.0
        _run(torch, g, t, x, y)


@pytest.mark.parametrize("name,extra", [("CosineEmbeddingLoss", {"margin": 0.2}),
                                        ("MarginRankingLoss", {"margin": 0.1}),
                                        ("HingeEmbeddingLoss", {}), ("SoftMarginLoss", {})])
def test_margin_losses(torch, name, extra):
    rng = np.random.default_rng(10)
    g = getattr(nn, name)(**extra)
    t = getattr(torch.nn, name)(**extra)
    y = np.where(rng.uniform(size=4) > 0.5, 1.0, -1.0).astype(np.float32)
    if name == "CosineEmbeddingLoss":
        a = rng.standard_normal((4, 3)).astype(np.float32)
        b = rng.standard_normal((4, 3)).astype(np.float32)
    else:
        a = rng.standard_normal(4).astype(np.float32)
        b = rng.standard_normal(4).astype(np.float32)
    if name in ("HingeEmbeddingLoss", "SoftMarginLoss"):
        _run(torch, g, t, a, y)
        return
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    ta = torch.from_numpy(a).requires_grad_(True)
    tb = torch.from_numpy(b).requires_grad_(True)
    lg, lt = g(ga, gb, gk.tensor(y)), t(ta, tb, torch.from_numpy(y))
    np.testing.assert_allclose(lg.detach().numpy(), lt.detach().numpy(), rtol=1e-5, atol=1e-6)
    lg.backward()
    lt.backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_legacy_size_average_reduce():
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    assert nn.L1Loss(size_average=True, reduce=True).reduction == "mean"


def test_loss_state_dict_has_weight_buffer(torch):
    w = gk.tensor([1.0, 2.0])
    assert list(nn.CrossEntropyLoss(weight=w).state_dict()) == list(
        torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0])).state_dict())


@pytest.mark.parametrize("name", ["bce", "bce_logits", "nll", "mse", "huber", "kl"])
def test_loss_second_order(name):
    rng = np.random.default_rng(12)
    x = t64(rng, 3, 4, low=0.1, high=0.9) if name == "bce" else t64(rng, 3, 4)
    y = t64(rng, 3, 4, low=0.0, high=1.0, requires_grad=False)
    idx = gk.tensor([0, 3, 1])
    fns = {
        "bce": lambda x: F.binary_cross_entropy(x, y),
        "bce_logits": lambda x: F.binary_cross_entropy_with_logits(
            x, y, pos_weight=gk.tensor([1.0, 2.0, 0.5, 3.0], dtype=gk.float64)),
        "nll": lambda x: F.nll_loss(F.log_softmax(x, 1), idx, reduction="sum"),
        "mse": lambda x: F.mse_loss(x, y),
        "huber": lambda x: F.huber_loss(x, y, delta=0.5),
        "kl": lambda x: F.kl_div(F.log_softmax(x, 1), y, reduction="batchmean"),
    }
    fn = fns[name]

    def grad_of(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad(fn(x), [x], create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])
