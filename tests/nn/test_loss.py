"""Losses (module and functional) against PyTorch, finite differences, and error messages."""

import math
import warnings

import numpy as np
import pytest
from oracle import check_grad, t64

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


def test_cross_entropy_fused_rule_is_log_softmax_and_softmax_minus_onehot_bit_for_bit():
    # the fused node keeps exp(x - max) and its row sums; the loss and the gradient are still
    # exactly -log_softmax at the targets and (softmax - onehot) / n of those (NumPy's float32
    # passes for a batch of more than 16384 scores), and the value does not depend on whether
    # a backward follows
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((500, 40)) * 4).astype(np.float32)
    t = rng.integers(0, 40, 500)
    s = x - x.max(axis=1, keepdims=True)
    e = np.exp(s)
    se = e.sum(axis=1, keepdims=True)
    lse = np.log(se)
    want_loss = ((lse[:, 0] - s[np.arange(500), t]) * np.float32(1)).sum() / 500.0
    p = e / se
    p[np.arange(500), t] -= 1
    want_grad = p * np.float32(1.0 / 500)
    xg = gk.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xg, gk.tensor(t))
    with gk.no_grad():
        loss_ng = F.cross_entropy(gk.tensor(x), gk.tensor(t))
    loss.backward()
    assert loss.item() == pytest.approx(float(want_loss), rel=1e-6)
    assert loss.item() == loss_ng.item()
    np.testing.assert_array_equal(xg.grad.numpy(), want_grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_small_cross_entropy_bit_equal_to_torch(torch, reduction):
    # small batches (up to 256 scores) follow PyTorch's kernels: SLEEF's exp, its row sums,
    # nll_loss's cascade over the batch and its backward's rounding (larger ones keep NumPy's
    # float32 passes)
    rng = np.random.default_rng(8)
    loss_apart = grad_apart = total = rows = 0
    for _ in range(60):
        m, c = int(rng.integers(1, 17)), int(rng.integers(2, 17))  # (at most EXACT_MAX)
        x = (rng.standard_normal((m, c)) * 3).astype(np.float32)
        t = rng.integers(0, c, m)
        tx = torch.tensor(x, requires_grad=True)
        gx = gk.tensor(x, requires_grad=True)
        want = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction=reduction)
        got = F.cross_entropy(gx, gk.tensor(t), reduction=reduction)
        (want * 1.5).sum().backward()
        (got * 1.5).sum().backward()
        loss_apart += int((got.detach().numpy() != want.detach().numpy()).sum())
        grad_apart += int((gx.grad.numpy() != tx.grad.numpy()).sum())
        total += x.size
        rows += m
    # (a last bit apart where SLEEF's log and the correctly rounded one differ: rare)
    assert loss_apart <= (rows // 100 if reduction == "none" else 3)
    assert grad_apart <= total // 200


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
    with pytest.raises(RuntimeError, match=r"expected target of shape \[4\].*got target of shape "
                                         r"\[4, 1\]"):
        F.cross_entropy(x, gk.tensor([[0], [1], [2], [0]]))
    with pytest.raises(RuntimeError, match="found float32.*class probabilities.*shape"):
        F.cross_entropy(x, gk.randn(4))  # (read as class indices: PyTorch's order of checks)
    with pytest.raises(RuntimeError, match="expected scalar type Long but found float32"):
        F.nll_loss(x, gk.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x, gk.tensor([0, 1, 2, 0]), weight=gk.ones(4))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")(x, gk.tensor([0, 1, 2, 0]))  # (at the call)
    with pytest.raises(RuntimeError, match="label_smoothing"):  # (at the call, as PyTorch)
        nn.CrossEntropyLoss(label_smoothing=1.5)(x, gk.tensor([0, 1, 2, 0]))


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


_RED = ["none", "mean", "sum"]


_DT = ["float64", "float32"]


def _cmp(torch, g_fn, t_fn, arrays, grad, dtype):
    """Call both functions on the arrays (floating ones cast to ``dtype``); compare the values
    and the gradients of the arrays flagged in ``grad``."""
    tol = 1e-10 if dtype == "float64" else 1e-5
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    g_in = [gk.tensor(a, requires_grad=r) for a, r in zip(arrays, grad)]
    t_in = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, grad)]
    out_g, out_t = g_fn(*g_in), t_fn(*t_in)
    assert tuple(out_g.shape) == tuple(out_t.shape)
    assert str(out_g.dtype).endswith(dtype)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=tol,
                               atol=tol)
    u = np.random.default_rng(9).standard_normal(tuple(out_g.shape)).astype(dtype)
    wanted = [i for i, r in enumerate(grad) if r]
    gg = gk.autograd.grad(out_g, [g_in[i] for i in wanted], gk.tensor(u))
    tg = torch.autograd.grad(out_t, [t_in[i] for i in wanted], torch.tensor(u))
    for i, a, b in zip(wanted, gg, tg):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("dtype", _DT)
@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(torch, name, reduction, dtype):
    # torch: weighted 'mean' of mse_loss and l1_loss is sum(w * loss) / sum(w); huber_loss's
    # is mean(w * loss)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    w = np.abs(rng.standard_normal((4, 3))) + 0.1
    _cmp(torch, lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
         lambda a, b, c: getattr(torch.nn.functional, name)(a, b, reduction=reduction,
                                                            weight=c),
         [x, y, w], [True, True, True], dtype)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses_weight_shape(torch, name):
    x, y = gk.randn(4, 3), gk.randn(4, 3)
    with pytest.raises(ValueError):
        getattr(torch.nn.functional, name)(torch.randn(4, 3), torch.randn(4, 3),
                                           weight=torch.ones(3))
    with pytest.raises(ValueError, match=name + r": weight of shape \(3,\).*input's shape "
                                                r"\(4, 3\)"):
        getattr(F, name)(x, y, weight=gk.ones(3))


@pytest.mark.parametrize("dtype", _DT)
@pytest.mark.parametrize("reduction", _RED)
def test_hinge_embedding_loss_targets_other_than_plus_minus_one(torch, reduction, dtype):
    # torch adds x where target != -1 and max(0, margin - x) where target != 1, so a target of
    # 0 or 2 gets both terms (gradkit gave 0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    y = np.array([[1.0, -1.0, 0.0], [2.0, 1.0, -1.0], [-1.0, 0.5, 1.0], [0.0, 0.0, -1.0]])
    _cmp(torch, lambda a, b: F.hinge_embedding_loss(a, b, margin=0.7, reduction=reduction),
         lambda a, b: torch.nn.functional.hinge_embedding_loss(a, b, margin=0.7,
                                                               reduction=reduction),
         [x, y], [True, False], dtype)


@pytest.mark.parametrize("dtype", _DT)
@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("shape,smoothing", [((5, 4), 0.0), ((2, 4, 3), 0.2), ((4,), 0.1)])
def test_cross_entropy_probabilities_weight_gradient(torch, shape, smoothing, reduction, dtype):
    # with class-probability targets torch's weight is an ordinary factor: the input, the
    # target and the weight all get gradients (gradkit's weight got none)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    p = np.abs(rng.standard_normal(shape))
    w = np.abs(rng.standard_normal(4)) + 0.1
    _cmp(torch, lambda a, b, c: F.cross_entropy(a, b, c, reduction=reduction,
                                                label_smoothing=smoothing),
         lambda a, b, c: torch.nn.functional.cross_entropy(a, b, c, reduction=reduction,
                                                           label_smoothing=smoothing),
         [x, p, w], [True, True, True], dtype)


def test_triplet_margin_loss_rejects_non_positive_margin(torch):
    # torch.nn.functional.triplet_margin_loss raises ValueError for margin <= 0 (gradkit's
    # functional form accepted it; only the module checked)
    a, p, n = gk.randn(3, 4), gk.randn(3, 4), gk.randn(3, 4)
    for margin in (0.0, -1.0):
        with pytest.raises(ValueError):
            torch.nn.functional.triplet_margin_loss(torch.randn(3, 4), torch.randn(3, 4),
                                                    torch.randn(3, 4), margin=margin)
        with pytest.raises(ValueError, match=r"triplet_margin_loss: margin must be greater "
                                             r"than 0, got " + str(margin)):
            F.triplet_margin_loss(a, p, n, margin=margin)


@pytest.mark.parametrize("dtype", _DT)
@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss_more_than_two_dims(torch, swap, reduction, dtype):
    # torch takes inputs of any (equal) rank, distances along the last dimension
    rng = np.random.default_rng(3)
    a, p, n = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    _cmp(torch, lambda *t: F.triplet_margin_loss(*t, p=3, swap=swap, reduction=reduction),
         lambda *t: torch.nn.functional.triplet_margin_loss(*t, p=3, swap=swap,
                                                             reduction=reduction),
         [a, p, n], [True, True, True], dtype)


def test_margin_ranking_loss_requires_equal_ranks(torch):
    # torch raises RuntimeError when input1, input2 and target differ in rank (gradkit
    # broadcast a (3,) target against (4, 3) inputs)
    with pytest.raises(RuntimeError):
        torch.nn.functional.margin_ranking_loss(torch.randn(4, 3), torch.randn(4, 3),
                                                torch.ones(3))
    with pytest.raises(RuntimeError, match=r"margin_ranking_loss: input1, input2 and target "
                                           r"must have the same number of dimensions, got "
                                           r"\(4, 3\), \(4, 3\) and \(3,\)"):
        F.margin_ranking_loss(gk.randn(4, 3), gk.randn(4, 3), gk.ones(3))


@pytest.mark.parametrize("kw", [{}, {"weight": [1.0, 2.0, 0.5, 1.0]}, {"label_smoothing": 0.1}],
                         ids=["plain", "weight", "smoothing"])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_a_batch_with_every_target_ignored_has_zero_gradient(torch, fn, kw):
    """Mean over no target: nan loss, but a zero gradient as PyTorch's (a nan one would ruin
    the parameters at the next optimizer step); a zero total weight of valid targets stays nan
    (as PyTorch)."""
    if fn == "nll_loss" and "label_smoothing" in kw:
        pytest.skip("nll_loss has no label smoothing")
    x = np.random.default_rng(0).standard_normal((3, 4))
    for t, expect_nan_grad in (([-100, -100, -100], False), ([0, 1, 2], True)):
        tkw = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, list) else v
               for k, v in kw.items()}
        gkw = {k: gk.tensor(np.array(v)) if isinstance(v, list) else v for k, v in kw.items()}
        if expect_nan_grad:           # every valid target weighted 0
            if "weight" not in kw:
                continue
            tkw["weight"] = torch.zeros(4, dtype=torch.float64)
            gkw["weight"] = gk.tensor(np.zeros(4))
        tx = torch.tensor(x, requires_grad=True)
        gx = gk.tensor(x, requires_grad=True)
        getattr(torch.nn.functional, fn)(tx, torch.tensor(t), **tkw).backward()
        loss = getattr(F, fn)(gx, gk.tensor(np.array(t)), **gkw)
        loss.backward()
        assert np.isnan(loss.item())
        np.testing.assert_array_equal(gx.grad.numpy(), tx.grad.numpy())


def _run_2(torch, g_loss, t_loss, arrays, grad, atol=1e-5):
    """Call both losses on the arrays; compare the value and the gradients of the arrays
    flagged in ``grad``."""
    g_in = [gk.tensor(a, requires_grad=r) if isinstance(a, np.ndarray) else a
            for a, r in zip(arrays, grad)]
    t_in = [torch.from_numpy(a.copy()).requires_grad_(r) if isinstance(a, np.ndarray) else a
            for a, r in zip(arrays, grad)]
    out_g, out_t = g_loss(*g_in), t_loss(*t_in)
    assert tuple(out_g.shape) == tuple(out_t.shape)  # assert_allclose broadcasts a 0-d side
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=atol,
                               rtol=1e-5)
    u = np.random.default_rng(9).standard_normal(tuple(out_g.shape)).astype(np.float32)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    for i, (a, b) in enumerate(zip(g_in, t_in)):
        if grad[i]:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-4,
                                       err_msg=f"gradient of argument {i}")
    return out_g


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("p,swap,batched", [(2.0, False, True), (1.0, True, True),
                                            (3.0, False, False)])
def test_triplet_margin_loss(torch, reduction, p, swap, batched):
    rng = np.random.default_rng(0)
    shape = (6, 5) if batched else (5,)
    a, pos, neg = (rng.standard_normal(shape).astype(np.float32) for _ in range(3))
    if batched:  # rows 0-2: positive near, negative far (zero loss); rows 3-5: random
        pos[:3] = a[:3] + 0.1 * pos[:3]
        neg[:3] = a[:3] + 3.0
    kw = dict(margin=1.5, p=p, swap=swap, reduction=reduction)
    g, t = nn.TripletMarginLoss(**kw), torch.nn.TripletMarginLoss(**kw)
    assert repr(g) == repr(t)
    out = _run_2(torch, g, t, [a, pos, neg], [True] * 3)
    if reduction == "none" and batched:
        assert 0 < int((out.detach().numpy() > 0).sum()) < 6  # both sides of the hinge
    x = [t64(rng, *shape) for _ in range(3)]
    check_grad(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=1.5, p=p, swap=swap,
                                                     reduction=reduction), x)


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("weighted,batched", [(False, True), (True, True), (True, False)])
def test_multilabel_soft_margin_loss(torch, reduction, weighted, batched):
    rng = np.random.default_rng(1)
    shape = (4, 3) if batched else (3,)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    y = (rng.random(shape) < 0.5).astype(np.float32)
    w = rng.uniform(0.5, 2, 3).astype(np.float32) if weighted else None
    g = nn.MultiLabelSoftMarginLoss(weight=None if w is None else gk.tensor(w),
                                    reduction=reduction)
    t = torch.nn.MultiLabelSoftMarginLoss(weight=None if w is None else torch.tensor(w),
                                          reduction=reduction)
    assert list(g.state_dict()) == list(t.state_dict())
    _run_2(torch, g, t, [x, y], [True, False])
    xx = t64(rng, *shape)
    check_grad(lambda x: F.multilabel_soft_margin_loss(x, gk.tensor(y.astype(np.float64)),
                                                       reduction=reduction), [xx])


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_poisson_nll_loss(torch, reduction, log_input, full):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    if not log_input:
        x = np.abs(x) + 0.1
    y = rng.poisson(2.0, (4, 5)).astype(np.float32)
    kw = dict(log_input=log_input, full=full, reduction=reduction)
    g, t = nn.PoissonNLLLoss(**kw), torch.nn.PoissonNLLLoss(**kw)
    _run_2(torch, g, t, [x, y], [True, False], atol=1e-4)
    xx = gk.tensor(x.astype(np.float64), requires_grad=True)
    check_grad(lambda x: F.poisson_nll_loss(x, gk.tensor(y.astype(np.float64)), **kw), [xx])


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("var_shape,full", [((4, 3), False), ((4,), True), ((4, 1), False),
                                            ("float", True)])
def test_gaussian_nll_loss(torch, reduction, var_shape, full):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((4, 3)).astype(np.float32)
    if var_shape == "float":
        var, grads = 0.7, [True, True, False]
    else:
        var = rng.uniform(0.2, 2, var_shape).astype(np.float32)
        var.reshape(-1)[0] = 1e-8  # below eps: clamped, the gradient still flows
        grads = [True, True, True]
    g = nn.GaussianNLLLoss(full=full, reduction=reduction)
    t = torch.nn.GaussianNLLLoss(full=full, reduction=reduction)
    _run_2(torch, g, t, [x, y, var], grads, atol=1e-4)
    xx, yy = t64(rng, 4, 3), t64(rng, 4, 3)
    vv = t64(rng, *((4, 3) if var_shape == "float" else var_shape), low=0.5, high=2.0)
    check_grad(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=full, reduction=reduction),
               [xx, yy, vv])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_gaussian_nll_loss_nan_eps_as_torch(torch, dtype):
    """A NaN eps: PyTorch clamps var in place with min=NaN, which makes every variance, loss
    and gradient NaN (gradkit's comparison var < NaN clamped nothing: finite losses)."""
    def run(lib):
        x = lib.tensor([[0.5, 1.0], [-0.3, 2.0]], dtype=getattr(lib, dtype), requires_grad=True)
        v = lib.tensor([[0.9, 1.5], [1e-9, 3.0]], dtype=getattr(lib, dtype), requires_grad=True)
        loss = lib.nn.functional.gaussian_nll_loss(x, lib.zeros(2, 2, dtype=x.dtype), v,
                                                   eps=float("nan"), reduction="none")
        gx, gv = lib.autograd.grad(loss.sum(), (x, v))
        return [a.detach().float().numpy() for a in (loss, gx, gv)]
    for a, b in zip(run(gk), run(torch)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("p,weighted,shapes", [
    (1, False, ((6, 4), (6,))), (2, True, ((6, 4), (6,))), (1, True, ((4,), ())),
    (2, False, ((4,), (1,))), (1, False, ((1, 4), ())), (1, False, ((1, 4), (1,)))], ids=str)
def test_multi_margin_loss(torch, reduction, p, weighted, shapes):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shapes[0]).astype(np.float32)
    y = rng.integers(0, 4, shapes[1]).astype(np.int64)
    w = rng.uniform(0.5, 2, 4).astype(np.float32) if weighted else None
    kw = dict(p=p, margin=0.8, reduction=reduction)
    g = nn.MultiMarginLoss(weight=None if w is None else gk.tensor(w), **kw)
    t = torch.nn.MultiMarginLoss(weight=None if w is None else torch.tensor(w), **kw)
    assert list(g.state_dict()) == list(t.state_dict())
    _run_2(torch, g, t, [x, y], [True, False])
    xx = t64(rng, *x.shape)
    check_grad(lambda x: F.multi_margin_loss(x, gk.tensor(y), **kw), [xx])


def test_more_loss_errors():
    with pytest.raises(RuntimeError, match=r"triplet_margin_loss: The anchor, positive, and "
                                           r"negative tensors are expected to have the same "
                                           r"number of dimensions, but got: anchor 2D, "
                                           r"positive 1D"):
        F.triplet_margin_loss(gk.randn(3, 4), gk.randn(4), gk.randn(3, 4))
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater "
                                         "than 0, got 0.0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(RuntimeError, match=r"shapes \(2, 4\) and \(2, 3\) cannot be "
                                           r"broadcast"):  # (PyTorch's broadcasting error)
        nn.MultiLabelSoftMarginLoss()(gk.randn(2, 3), gk.zeros(2, 4))
    with pytest.raises(ValueError, match=r"var is of incorrect size.*got \(3, 2\)"):
        nn.GaussianNLLLoss()(gk.randn(4, 3), gk.randn(4, 3), gk.ones(3, 2))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(gk.randn(4, 3), gk.randn(4, 3), -gk.ones(4, 3))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: expected a target of 2 class "
                                         r"index\(es\), of shape \(2,\), for input of shape "
                                         r"\[2, 3\], got target of shape \[3\]"):
        F.multi_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 1, 2])))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.multi_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 5])))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.PoissonNLLLoss(reduction="avg")(gk.randn(2), gk.rand(2))  # (at the call)


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("custom,swap", [(False, False), (True, True)])
def test_triplet_margin_with_distance_loss(torch, reduction, custom, swap):
    rng = np.random.default_rng(5)
    a, pos, neg = (rng.standard_normal((5, 4)).astype(np.float32) for _ in range(3))

    def cos_g(x, y):
        return 1 - F.cosine_similarity(x, y)

    def cos_t(x, y):
        return 1 - torch.nn.functional.cosine_similarity(x, y)

    g = nn.TripletMarginWithDistanceLoss(distance_function=cos_g if custom else None,
                                         margin=0.7, swap=swap, reduction=reduction)
    t = torch.nn.TripletMarginWithDistanceLoss(distance_function=cos_t if custom else None,
                                               margin=0.7, swap=swap, reduction=reduction)
    if not custom:
        assert repr(g) == repr(t)
    _run_2(torch, g, t, [a, pos, neg], [True] * 3)
    x = [t64(rng, 5, 4) for _ in range(3)]
    check_grad(lambda a, b, c: F.triplet_margin_with_distance_loss(
        a, b, c, distance_function=cos_g if custom else None, margin=0.7, swap=swap), x)


@pytest.mark.parametrize("reduction", _RED)
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_loss(torch, reduction, batched):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 0, 4], [-1, 1, 2, 0, 0], [4, 4, 1, -1, -1]])
    if not batched:
        x, y = x[0], y[0]
    g = nn.MultiLabelMarginLoss(reduction=reduction)
    t = torch.nn.MultiLabelMarginLoss(reduction=reduction)
    out = _run_2(torch, g, t, [x, y], [True, False])
    if batched and reduction == "none":
        v = out.detach().numpy()
        assert v[1] == 0 and v[2] == 0 and v[0] > 0  # all classes listed; none listed
    xx = t64(rng, *x.shape)
    check_grad(lambda x: F.multilabel_margin_loss(x, gk.tensor(y), reduction=reduction), [xx])
    with pytest.raises(RuntimeError, match=r"multilabel_margin_loss: inconsistent target size: "
                                           r"\[3\] for input of size: \[2, 3\]"):
        F.multilabel_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 1, -1])))
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be "
                                         "greater than 0, got -1.0"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)


@pytest.mark.parametrize("name", ["mse_loss", "soft_margin_loss"])
def test_target_shape_errors_name_the_loss(name):
    with pytest.raises(RuntimeError, match=name + r": The size of tensor a \(2\) must match the "
                                                  r"size of tensor b \(3\) at non-singleton "
                                                  r"dimension 1"):
        getattr(F, name)(gk.randn(3, 2), gk.randn(3, 3))
    with pytest.raises(RuntimeError, match=r"gaussian_nll_loss: The size of tensor a \(2\) "
                                           r"must match the size of tensor b \(3\)"):
        F.gaussian_nll_loss(gk.randn(3, 2), gk.randn(3, 3), gk.ones(3, 2))


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_inf_weight_of_a_target_weighs_only_the_violations(torch, p):
    # an inf weight of the target class multiplied the non-violating classes' zeros too (NaN
    # loss and gradient); PyTorch adds only the violations
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([[-0.793, 0.921, 0.894], [0.1, 0.2, 0.3]], dtype=L.float64,
                     requires_grad=True)
        w = L.tensor([math.inf, 0.175, math.inf], dtype=L.float64)
        y = L.nn.functional.multi_margin_loss(x, L.tensor([2, 0]), p=p, margin=0.5, weight=w,
                                              reduction="none")
        y.backward(L.tensor([1.0, 0.5], dtype=L.float64))
        return y, x.grad

    same_as_torch(torch, run)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [math.inf, -math.inf])
def test_multi_margin_loss_infinite_margin_leaves_the_target_class_out(torch, p, margin):
    # an infinite margin makes the target class's own term inf: times its zero weight the loss
    # was NaN (and p=2's gradient at the target NaN) where PyTorch leaves the class out
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([[-0.79, 0.92, 0.89, 0.1], [0.1, 0.2, 0.3, -2.0]], dtype=L.float64,
                     requires_grad=True)
        w = L.tensor([1.08, 0.19, 1.62, 0.79], dtype=L.float64)
        y = L.nn.functional.multi_margin_loss(x, L.tensor([1, 3]), p=p, margin=margin, weight=w,
                                              reduction="none")
        y.backward(L.tensor([1.0, 0.5], dtype=L.float64))
        return y, x.grad

    same_as_torch(torch, run)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_multilabel_margin_loss_nan_score_adds_nothing_as_torch(torch, reduction):
    # a NaN score makes z = 1 - x_j + x_i NaN: PyTorch adds a pair only where z > 0 (the
    # clamp at 0 kept the NaN: the loss was NaN)
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([[-1.36, -0.81, -0.79, 0.78], [0.17, -0.0, math.nan, 0.27],
                      [math.nan, 0.5, 0.2, 0.1]], dtype=L.float64, requires_grad=True)
        y = L.nn.functional.multilabel_margin_loss(
            x, L.tensor([[3, 1, 1, 3], [2, 2, 2, 2], [1, 2, -1, 0]]), reduction=reduction)
        y.sum().backward()
        return y, x.grad

    same_as_torch(torch, run)


def test_triplet_margin_with_distance_loss_adds_the_margin_first_as_torch(torch):
    # PyTorch computes margin + d(a, p) first: in bfloat16 that sum rounds (0.5 + 3.734 is
    # 4.25), so d_pos - d_neg + margin gave 0.3125 where PyTorch gives 0.328125
    from oracle import same_as_torch

    def run(L):
        a = L.tensor([[-1.064, 0.323, -0.75]], dtype=L.bfloat16)
        p = L.tensor([[0.564, -1.31, 2.192]], dtype=L.bfloat16)
        n = L.tensor([[2.318, -1.539, -0.0]], dtype=L.bfloat16)
        return L.nn.functional.triplet_margin_with_distance_loss(a, p, n, margin=0.5,
                                                                 reduction="none").float()

    same_as_torch(torch, run)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_size_mismatch_warns_as_pytorch(torch, name, recwarn):
    """A (N, 1) prediction against an (N,) target broadcasts to N * N pairs: PyTorch warns at
    the caller's line (skorch's tests watch for this warning), and so does gradkit."""
    import warnings

    warnings.simplefilter("always")
    seen = {}
    for lib in (gk, torch):
        recwarn.clear()
        getattr(lib.nn.functional, name)(lib.zeros(4, 1), lib.zeros(4))
        getattr(lib.nn.functional, name)(lib.zeros(4), lib.zeros(4))
        msgs = [w for w in recwarn.list if "different to the input size" in str(w.message)]
        assert len(msgs) == 1 and msgs[0].filename == __file__
        seen[lib] = str(msgs[0].message).replace("gradkit.Size", "torch.Size")
    assert seen[gk] == seen[torch]


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target", [[0, 0, 0], [0, 2, 0]])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ignored_targets_take_no_gradient_even_from_a_nan_upstream_as_torch(
        torch, fn, target, reduction, weighted):
    # PyTorch's backward writes the rows of valid targets only, so a NaN upstream gradient (the
    # derivative at a mean over no targets, which is NaN) leaves ignored rows 0; gradkit
    # multiplied the upstream by a zero mask (0 * NaN), in first and second order
    x = np.random.default_rng(5).standard_normal((3, 4))
    w = np.array([0.5, 1.5, 2.0, 0.7])
    res = []
    for L in (torch, gk):
        xt = L.tensor(x, requires_grad=True)
        kw = {"ignore_index": 0, "reduction": reduction}
        if weighted:
            kw["weight"] = L.tensor(w)
        o = getattr(L.nn.functional, fn)(xt, L.tensor(target), **kw)
        g1, = L.autograd.grad((o * o).sum() + o.sin().sum(), xt, create_graph=True)
        g2, = L.autograd.grad((g1 * g1).sum() + g1.sum(), xt)
        res.append((g1.detach().numpy(), g2.numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
                                  "soft_margin_loss"])
def test_pointwise_loss_mean_of_empty_batch_is_quiet_nan_as_torch(torch, name):
    """The mean of a loss over no elements is NaN without a warning, as PyTorch's (NumPy's
    mean warned 'Mean of empty slice')."""
    outs = []
    for lib in (gk, torch):
        x = lib.zeros(0, 3, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = getattr(lib.nn.functional, name)(x, lib.zeros(0, 3, dtype=lib.float64))
            out.backward()
        outs.append((out.item(), tuple(x.grad.shape)))
    assert np.isnan(outs[0][0]) and np.isnan(outs[1][0]) and outs[0][1] == outs[1][1]
