"""TripletMarginLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss, GaussianNLLLoss,
MultiMarginLoss and their functional forms against PyTorch and finite differences."""

import numpy as np
import pytest
from helpers import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

_RED = ["none", "mean", "sum"]


def _run(torch, g_loss, t_loss, arrays, grad, atol=1e-5):
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
    out = _run(torch, g, t, [a, pos, neg], [True] * 3)
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
    _run(torch, g, t, [x, y], [True, False])
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
    _run(torch, g, t, [x, y], [True, False], atol=1e-4)
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
    _run(torch, g, t, [x, y, var], grads, atol=1e-4)
    xx, yy = t64(rng, 4, 3), t64(rng, 4, 3)
    vv = t64(rng, *((4, 3) if var_shape == "float" else var_shape), low=0.5, high=2.0)
    check_grad(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=full, reduction=reduction),
               [xx, yy, vv])


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
    _run(torch, g, t, [x, y], [True, False])
    xx = t64(rng, *x.shape)
    check_grad(lambda x: F.multi_margin_loss(x, gk.tensor(y), **kw), [xx])


def test_more_loss_errors():
    with pytest.raises(ValueError, match=r"triplet_margin_loss: expected anchor, positive and "
                                         r"negative of the same shape.*anchor \(3, 4\), "
                                         r"positive \(4,\)"):
        F.triplet_margin_loss(gk.randn(3, 4), gk.randn(4), gk.randn(3, 4))
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater "
                                         "than 0, got 0.0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: Using a target size "
                                         r"\(\[2, 4\]\).*input size \(\[2, 3\]\)"):
        nn.MultiLabelSoftMarginLoss()(gk.randn(2, 3), gk.zeros(2, 4))
    with pytest.raises(ValueError, match=r"var is of incorrect size.*got \(3, 2\)"):
        nn.GaussianNLLLoss()(gk.randn(4, 3), gk.randn(4, 3), gk.ones(3, 2))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(gk.randn(4, 3), gk.randn(4, 3), -gk.ones(4, 3))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"multi_margin_loss: expected a target of 2 class "
                                         r"index\(es\), of shape \(2,\), for input of shape "
                                         r"\[2, 3\], got target of shape \[3\]"):
        F.multi_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 1, 2])))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.multi_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 5])))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.PoissonNLLLoss(reduction="avg")


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
    _run(torch, g, t, [a, pos, neg], [True] * 3)
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
    out = _run(torch, g, t, [x, y], [True, False])
    if batched and reduction == "none":
        v = out.detach().numpy()
        assert v[1] == 0 and v[2] == 0 and v[0] > 0  # all classes listed; none listed
    xx = t64(rng, *x.shape)
    check_grad(lambda x: F.multilabel_margin_loss(x, gk.tensor(y), reduction=reduction), [xx])
    with pytest.raises(ValueError, match=r"multilabel_margin_loss: expected input of shape "
                                         r"\(N, C\).*target \(3,\)"):
        F.multilabel_margin_loss(gk.randn(2, 3), gk.tensor(np.array([0, 1, -1])))
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be "
                                         "greater than 0, got -1.0"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)


@pytest.mark.parametrize("name", ["poisson_nll_loss", "mse_loss", "soft_margin_loss"])
def test_target_shape_errors_name_the_loss(name):
    with pytest.raises(RuntimeError, match=name + r": the target's shape \(3, 3\) cannot be "
                                                  r"broadcast with the input's shape \(3, 2\)"):
        getattr(F, name)(gk.randn(3, 2), gk.randn(3, 3))
    with pytest.raises(RuntimeError, match=r"gaussian_nll_loss: the target's shape \(3, 3\)"):
        F.gaussian_nll_loss(gk.randn(3, 2), gk.randn(3, 3), gk.ones(3, 2))
