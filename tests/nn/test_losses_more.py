"""Loss-function edge cases checked against PyTorch (values and gradients of every
differentiable input, float64 and float32, each reduction)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

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
