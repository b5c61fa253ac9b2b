"""Transforms (forward, inverse, log|det J|, shapes, sign) and the composite distributions
(TransformedDistribution, Independent, MixtureSameFamily) against torch; biject_to."""

from __future__ import annotations

import numpy as np
import pytest
from test_against_torch import compare, compare_grads

import gradkit as gk
import gradkit.distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions
R = np.random.default_rng(5)


def _pair(arr, grad=True):
    return (gk.tensor(arr, dtype=gk.float64, requires_grad=grad),
            torch.tensor(arr, dtype=torch.float64, requires_grad=grad))


def _transforms():
    loc, scale = R.standard_normal(3), R.uniform(0.5, 2, 3)
    gl, tl = _pair(loc)
    gs, ts = _pair(scale)
    ge, te = _pair(R.uniform(0.5, 2, 3))
    return [
        ("exp", gd.ExpTransform(), td.ExpTransform(), R.standard_normal((2, 3))),
        ("affine", gd.AffineTransform(gl, gs), td.AffineTransform(tl, ts),
         R.standard_normal((2, 3))),
        ("affine-numbers", gd.AffineTransform(1.5, -2.0), td.AffineTransform(1.5, -2.0),
         R.standard_normal((2, 3))),
        ("affine-event", gd.AffineTransform(gl, gs, event_dim=1),
         td.AffineTransform(tl, ts, event_dim=1), R.standard_normal((2, 3))),
        ("sigmoid", gd.SigmoidTransform(), td.SigmoidTransform(), R.standard_normal((2, 3))),
        ("tanh", gd.TanhTransform(), td.TanhTransform(), R.standard_normal((2, 3))),
        ("softplus", gd.SoftplusTransform(), td.SoftplusTransform(), R.standard_normal((4,))),
        ("power", gd.PowerTransform(ge), td.PowerTransform(te), R.uniform(0.5, 2, (2, 3))),
        ("abs", gd.AbsTransform(), td.AbsTransform(), R.standard_normal((2, 3))),
        ("softmax", gd.SoftmaxTransform(), td.SoftmaxTransform(), R.standard_normal((2, 4))),
        ("stickbreaking", gd.StickBreakingTransform(), td.StickBreakingTransform(),
         R.standard_normal((2, 3))),
        ("lowercholesky", gd.LowerCholeskyTransform(), td.LowerCholeskyTransform(),
         R.standard_normal((2, 3, 3))),
        ("compose", gd.ComposeTransform([gd.AffineTransform(gl, gs), gd.ExpTransform()]),
         td.ComposeTransform([td.AffineTransform(tl, ts), td.ExpTransform()]),
         R.standard_normal((2, 3))),
        ("inverse-exp", gd.ExpTransform().inv, td.ExpTransform().inv, R.uniform(0.5, 2, (3,))),
        ("independent", gd.IndependentTransform(gd.SigmoidTransform(), 1),
         td.IndependentTransform(td.SigmoidTransform(), 1), R.standard_normal((2, 3))),
        ("reshape", gd.ReshapeTransform((2, 3), (6,)), td.ReshapeTransform((2, 3), (6,)),
         R.standard_normal((4, 2, 3))),
        ("corrcholesky", gd.CorrCholeskyTransform(), td.CorrCholeskyTransform(),
         R.standard_normal((2, 6))),
        ("positivedefinite", gd.PositiveDefiniteTransform(), td.PositiveDefiniteTransform(),
         R.standard_normal((2, 3, 3))),
        ("cat", gd.CatTransform([gd.ExpTransform(), gd.AffineTransform(1.0, 3.0)], 1, [2, 1]),
         td.CatTransform([td.ExpTransform(), td.AffineTransform(1.0, 3.0)], 1, [2, 1]),
         R.standard_normal((2, 3))),
        ("stack", gd.StackTransform([gd.ExpTransform(), gd.SigmoidTransform()], 1),
         td.StackTransform([td.ExpTransform(), td.SigmoidTransform()], 1),
         R.standard_normal((3, 2))),
    ]


TRANSFORMS = _transforms()


@pytest.mark.parametrize("name,g,t,x", TRANSFORMS, ids=[c[0] for c in TRANSFORMS])
def test_transform_against_torch(name, g, t, x):
    gx, tx = _pair(x)
    gy, ty = g(gx), t(tx)
    compare(gy, ty, f"{name} forward")
    assert tuple(g.forward_shape(gx.shape)) == tuple(t.forward_shape(tx.shape))
    assert tuple(g.inverse_shape(gy.shape)) == tuple(t.inverse_shape(ty.shape))
    assert g.bijective == t.bijective
    if name not in ("cat", "stack"):
        assert repr(g.domain) == repr(t.domain) and repr(g.codomain) == repr(t.codomain)
    leaves = [("x", gx, tx)]
    compare_grads(gy, ty, leaves, f"{name} forward")
    if name in ("softmax", "abs", "positivedefinite"):
        return  # not bijective: PyTorch has no log|det J| for these
    gyd, tyd = _pair(ty.detach().numpy())
    compare(g.inv(gyd), t.inv(tyd), f"{name} inverse")
    if name == "lowercholesky":  # PyTorch has no log|det J| for it either
        with pytest.raises(NotImplementedError):
            g.log_abs_det_jacobian(gx, gy)
        return
    gj = g.log_abs_det_jacobian(gx, gy)
    tj = t.log_abs_det_jacobian(tx, ty)
    assert tuple(gj.shape) == tuple(tj.shape)
    compare(gj, tj, f"{name} log_abs_det_jacobian")
    compare_grads(gj, tj, leaves, f"{name} log_abs_det_jacobian")


def test_transform_caching_and_equality():
    t = gd.ExpTransform(cache_size=1)
    x = gk.tensor([0.5])
    y = t(x)
    assert t.inv(y) is x
    assert gd.ExpTransform() == gd.ExpTransform()
    assert gd.AffineTransform(1.0, 2.0) == gd.AffineTransform(1.0, 2.0)
    assert gd.AffineTransform(1.0, 2.0) != gd.AffineTransform(1.0, 3.0)
    assert gd.ExpTransform().inv.inv == gd.ExpTransform()
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        gd.ExpTransform(cache_size=2)


@pytest.mark.parametrize("cname", ["real", "positive", "unit_interval", "simplex",
                                   "greater_than", "interval", "lower_cholesky", "less_than",
                                   "corr_cholesky", "positive_definite"])
def test_biject_and_transform_to(cname):
    gc = getattr(gd.constraints, cname)
    tc = getattr(td.constraints, cname)
    if cname in ("greater_than", "less_than"):
        gc, tc = gc(1.5), tc(1.5)
    if cname == "interval":
        gc, tc = gc(-1.0, 3.0), tc(-1.0, 3.0)
    shape = {"lower_cholesky": (2, 3, 3), "positive_definite": (2, 3, 3),
             "corr_cholesky": (2, 6)}.get(cname, (2, 4))
    x = R.standard_normal(shape)
    for reg_g, reg_t in ((gd.transform_to, td.transform_to), (gd.biject_to, td.biject_to)):
        if cname in ("lower_cholesky", "positive_definite") and reg_g is gd.biject_to:
            continue
        gt, tt = reg_g(gc), reg_t(tc)
        gy = gt(gk.tensor(x))
        compare(gy, tt(torch.tensor(x)), f"{cname} {reg_g}")
        assert bool(gc.check(gy).all())


def test_transformed_distribution_against_torch():
    gl, tl = _pair(R.standard_normal(3))
    gs, ts = _pair(R.uniform(0.5, 2, 3))
    cases = [
        (lambda L, S, m: m.TransformedDistribution(m.Normal(L, S), [m.TanhTransform()]),
         R.uniform(-0.9, 0.9, (2, 3))),
        (lambda L, S, m: m.TransformedDistribution(
            m.Normal(L, S), [m.AffineTransform(L, S), m.ExpTransform()]),
         R.uniform(0.2, 3, (2, 3))),
        (lambda L, S, m: m.TransformedDistribution(
            m.Independent(m.Normal(L, S), 1), [m.StickBreakingTransform()]),
         np.array([[0.1, 0.2, 0.3, 0.4]])),
        (lambda L, S, m: m.TransformedDistribution(m.Uniform(L * 0, S), [m.SigmoidTransform()]),
         R.uniform(0.52, 0.6, (2, 3))),
    ]
    for i, (make, v) in enumerate(cases):
        g, t = make(gl, gs, gd), make(tl, ts, td)
        assert tuple(g.batch_shape) == tuple(t.batch_shape)
        assert tuple(g.event_shape) == tuple(t.event_shape)
        gv, tv = gk.tensor(v), torch.tensor(v)
        lp_g, lp_t = g.log_prob(gv), t.log_prob(tv)
        compare(lp_g, lp_t, f"transformed {i} log_prob")
        compare_grads(lp_g, lp_t, [("loc", gl, tl), ("scale", gs, ts)], f"transformed {i}")
        gk.manual_seed(0)
        assert tuple(g.rsample((5,)).shape) == tuple(t.rsample((5,)).shape)
        if i in (0, 1, 3):
            compare(g.cdf(gv), t.cdf(tv), f"transformed {i} cdf")
            q = R.uniform(0.1, 0.9, (2, 3))
            compare(g.icdf(gk.tensor(q)), t.icdf(torch.tensor(q)), f"transformed {i} icdf")


def test_independent_against_torch():
    gl, tl = _pair(R.standard_normal((2, 3, 4)))
    gs, ts = _pair(R.uniform(0.5, 2, (2, 3, 4)))
    for n in (0, 1, 2):
        g = gd.Independent(gd.Normal(gl, gs), n)
        t = td.Independent(td.Normal(tl, ts), n)
        assert tuple(g.batch_shape) == tuple(t.batch_shape)
        assert tuple(g.event_shape) == tuple(t.event_shape)
        v = R.standard_normal((5, 2, 3, 4))
        compare(g.log_prob(gk.tensor(v)), t.log_prob(torch.tensor(v)), f"Independent {n}")
        compare(g.entropy(), t.entropy(), f"Independent {n} entropy")
        assert repr(g.support) == repr(t.support)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        gd.Independent(gd.Normal(gl, gs), 4)


def test_mixture_same_family_against_torch():
    glog, tlog = _pair(R.standard_normal((2, 3)))
    gl, tl = _pair(R.standard_normal((2, 3)))
    gs, ts = _pair(R.uniform(0.5, 2, (2, 3)))
    g = gd.MixtureSameFamily(gd.Categorical(logits=glog), gd.Normal(gl, gs))
    t = td.MixtureSameFamily(td.Categorical(logits=tlog), td.Normal(tl, ts))
    leaves = [("logits", glog, tlog), ("loc", gl, tl), ("scale", gs, ts)]
    v = R.standard_normal((4, 2))
    for what in ("log_prob", "cdf"):
        a = getattr(g, what)(gk.tensor(v))
        b = getattr(t, what)(torch.tensor(v))
        compare(a, b, f"mixture {what}")
        compare_grads(a, b, leaves, f"mixture {what}")
    for what in ("mean", "variance"):
        compare(getattr(g, what), getattr(t, what), f"mixture {what}")
        compare_grads(getattr(g, what), getattr(t, what), leaves, f"mixture {what}")
    gk.manual_seed(0)
    assert tuple(g.sample((7,)).shape) == (7, 2)
    # multivariate components
    gm, tm = _pair(R.standard_normal((3, 2)))
    g = gd.MixtureSameFamily(gd.Categorical(logits=glog[0]),
                             gd.Independent(gd.Normal(gm, gk.ones(3, 2, dtype=gk.float64)), 1))
    t = td.MixtureSameFamily(td.Categorical(logits=tlog[0]),
                             td.Independent(td.Normal(tm, torch.ones(3, 2, dtype=torch.float64)),
                                            1))
    v = R.standard_normal((4, 2))
    compare(g.log_prob(gk.tensor(v)), t.log_prob(torch.tensor(v)), "mixture mv")
    compare(g.mean, t.mean, "mixture mv mean")
    compare(g.variance, t.variance, "mixture mv variance")
    assert tuple(g.sample((5,)).shape) == (5, 2)
    with pytest.raises(ValueError):
        gd.MixtureSameFamily(gd.Normal(0.0, 1.0), gd.Normal(gl, gs))


def test_enumerate_support_against_torch():
    cases = [
        (gd.Bernoulli(gk.tensor([0.3, 0.6])), td.Bernoulli(torch.tensor([0.3, 0.6]))),
        (gd.Categorical(gk.ones(2, 3)), td.Categorical(torch.ones(2, 3))),
        (gd.OneHotCategorical(gk.ones(2, 3)), td.OneHotCategorical(torch.ones(2, 3))),
        (gd.Binomial(4, gk.tensor([0.3, 0.6])), td.Binomial(4, torch.tensor([0.3, 0.6]))),
    ]
    for g, t in cases:
        for expand in (True, False):
            a, b = g.enumerate_support(expand), t.enumerate_support(expand)
            assert tuple(a.shape) == tuple(b.shape)
            compare(a, b, f"{type(g).__name__} enumerate_support")


def test_one_hot_straight_through():
    gl, tl = _pair(R.standard_normal((2, 3)))
    g = gd.OneHotCategoricalStraightThrough(logits=gl)
    gk.manual_seed(0)
    s = g.rsample((4,))
    assert tuple(s.shape) == (4, 2, 3)
    (grad,) = gk.autograd.grad((s * gk.arange(3.0, dtype=gk.float64)).sum(), [gl])
    t = td.OneHotCategoricalStraightThrough(logits=tl)
    ts = torch.tensor(s.detach().numpy())
    tref = (ts + (t.probs - t.probs.detach())) * torch.arange(3.0, dtype=torch.float64)
    (tg,) = torch.autograd.grad(tref.sum(), [tl])
    compare(grad, tg, "straight-through gradient")


def test_public_names_cover_torch_distributions():
    missing = sorted(set(td.__all__) - set(gd.__all__))
    assert missing == [], missing
    # every name of torch.distributions.transforms, the block/matrix ones included
    # (``from torch.distributions.transforms import CatTransform, StackTransform``)
    assert not set(td.transforms.__all__) - set(dir(gd.transforms))
    assert not set(td.transforms.__all__) - set(gd.transforms.__all__)
    from gradkit.distributions.transforms import CatTransform, CorrCholeskyTransform
    for name in ("CatTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform",
                 "StackTransform"):
        assert getattr(gd, name) is getattr(gd.transforms, name)
    assert (CatTransform, CorrCholeskyTransform) == (gd.CatTransform, gd.CorrCholeskyTransform)
