"""kl_divergence against torch for every pair of families (the pairs PyTorch registers, its
dispatch to the most specific registered types, and NotImplementedError where it has none),
with gradients with respect to both distributions' parameters; register_kl overrides."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from test_against_torch import build, compare, compare_grads

import gradkit as gk
import gradkit.distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions

R = np.random.default_rng(99)


def _u(low, high, *shape):
    return R.uniform(low, high, size=shape)


# two parameter sets (p, q) per family, batch shape (3,) (multivariate: event size 2)
KL_PARAMS = {
    "Normal": [dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3)),
               dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3))],
    "LogNormal": [dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3)),
                  dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3))],
    "Uniform": [dict(low=_u(0.1, 0.3, 3), high=_u(0.6, 0.9, 3)),
                dict(low=_u(0.0, 0.1, 3), high=_u(0.9, 1.0, 3))],
    "Bernoulli": [dict(probs=_u(0.1, 0.9, 3)), dict(logits=_u(-2, 2, 3))],
    "Categorical": [dict(probs=np.array([[0.2, 0.3, 0.5]] * 3)),
                    dict(logits=R.normal(size=(3, 3)))],
    "OneHotCategorical": [dict(logits=R.normal(size=(3, 4))), dict(logits=R.normal(size=(3, 4)))],
    "Binomial": [dict(total_count=("float", 8.0), probs=_u(0.1, 0.9, 3)),
                 dict(total_count=("float", 8.0), probs=_u(0.1, 0.9, 3))],
    "Poisson": [dict(rate=_u(0.5, 4, 3)), dict(rate=_u(0.5, 4, 3))],
    "Beta": [dict(concentration1=_u(0.5, 3, 3), concentration0=_u(0.5, 3, 3)),
             dict(concentration1=_u(0.5, 3, 3), concentration0=_u(0.5, 3, 3))],
    "Gamma": [dict(concentration=_u(0.5, 3, 3), rate=_u(0.5, 3, 3)),
              dict(concentration=_u(0.5, 3, 3), rate=_u(0.5, 3, 3))],
    "Exponential": [dict(rate=_u(0.5, 3, 3)), dict(rate=_u(0.5, 3, 3))],
    "Dirichlet": [dict(concentration=_u(0.5, 3, 3, 4)), dict(concentration=_u(0.5, 3, 3, 4))],
    "Laplace": [dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3)),
                dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3))],
    "Cauchy": [dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3)),
               dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3))],
    "Geometric": [dict(probs=_u(0.1, 0.9, 3)), dict(probs=_u(0.1, 0.9, 3))],
    "Gumbel": [dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3)),
               dict(loc=_u(-1, 1, 3), scale=_u(0.5, 2, 3))],
    "HalfNormal": [dict(scale=_u(0.5, 2, 3)), dict(scale=_u(0.5, 2, 3))],
    "Chi2": [dict(df=_u(1, 5, 3)), dict(df=_u(1, 5, 3))],
    "Pareto": [dict(scale=_u(0.01, 0.05, 3), alpha=np.array([0.8, 1.5, 3.0])),
               dict(scale=_u(0.01, 0.05, 3), alpha=_u(1, 3, 3))],
    "ContinuousBernoulli": [dict(probs=_u(0.1, 0.9, 3)), dict(logits=_u(-2, 2, 3))],
    "MultivariateNormal": [
        dict(loc=R.normal(size=(3, 2)), covariance_matrix=np.array([[2.0, 0.3], [0.3, 1.0]])),
        dict(loc=R.normal(size=(2,)), scale_tril=np.array([[[1.2, 0.0], [0.4, 0.8]]] * 3))],
    "LowRankMultivariateNormal": [
        dict(loc=R.normal(size=(3, 2)), cov_factor=R.normal(size=(2, 1)),
             cov_diag=_u(0.5, 2, 3, 2)),
        dict(loc=R.normal(size=(2,)), cov_factor=R.normal(size=(3, 2, 2)),
             cov_diag=_u(0.5, 2, 2))],
    "Weibull": [dict(scale=_u(0.5, 2, 3), concentration=_u(1, 3, 3)),
                dict(scale=_u(0.5, 2, 3), concentration=_u(1, 3, 3))],
    "HalfCauchy": [dict(scale=_u(0.5, 2, 3)), dict(scale=_u(0.5, 2, 3))],
}

PAIRS = list(itertools.product(KL_PARAMS, KL_PARAMS))


def _torch_kl(tp, tq):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return td.kl_divergence(tp, tq)


@pytest.mark.parametrize("fp,fq", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_kl_against_torch(fp, fq):
    gp, tp, lp = build(fp, KL_PARAMS[fp][0])
    gq, tq, lq = build(fq, KL_PARAMS[fq][1])
    try:
        ref = _torch_kl(tp, tq)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            gd.kl_divergence(gp, gq)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = gd.kl_divergence(gp, gq)
    assert tuple(got.shape) == tuple(ref.shape)
    compare(got, ref, f"KL({fp} || {fq})", rtol=1e-6, atol=1e-8)
    finite = np.isfinite(ref.detach().numpy())
    if finite.all() and ref.requires_grad:
        compare_grads(got, ref, lp + lq, f"KL({fp} || {fq})", rtol=1e-5, atol=1e-7)


def test_kl_same_pair_is_zero_and_registry_covers_torch():
    torch_pairs = {(p.__name__, q.__name__) for p, q in td.kl._KL_REGISTRY}
    ours = {(p.__name__, q.__name__) for p, q in gd.kl._KL_REGISTRY}
    assert torch_pairs == ours
    g, _, _ = build("Gamma", KL_PARAMS["Gamma"][0])
    compare(gd.kl_divergence(g, g), np.zeros(3), "KL(p || p)")


def test_expfamily_bregman_fallback_matches_closed_form():
    for fam in ("Normal", "Gamma", "Poisson", "Beta", "Exponential", "Dirichlet"):
        gp, tp, _ = build(fam, KL_PARAMS[fam][0])
        gq, tq, _ = build(fam, KL_PARAMS[fam][1])
        got = gd.kl._kl_expfamily_expfamily(gp, gq)
        compare(got, td.kl_divergence(tp, tq), f"Bregman KL {fam}", rtol=1e-6)
        if fam in ("Normal", "Gamma", "Exponential"):  # those with a carrier measure
            compare(gd.ExponentialFamily.entropy(gp), tp.entropy(), f"Bregman entropy {fam}",
                    rtol=1e-6)


def test_independent_and_transformed_kl():
    gp, tp, _ = build("Normal", dict(loc=R.normal(size=(2, 3)), scale=_u(0.5, 2, 2, 3)))
    gq, tq, _ = build("Normal", dict(loc=R.normal(size=(2, 3)), scale=_u(0.5, 2, 2, 3)))
    got = gd.kl_divergence(gd.Independent(gp, 1), gd.Independent(gq, 1))
    ref = td.kl_divergence(td.Independent(tp, 1), td.Independent(tq, 1))
    compare(got, ref, "Independent KL")
    t = gd.AffineTransform(1.0, 2.0)
    got = gd.kl_divergence(gd.TransformedDistribution(gp, [t]),
                           gd.TransformedDistribution(gq, [t]))
    ref = td.kl_divergence(td.TransformedDistribution(tp, [td.AffineTransform(1.0, 2.0)]),
                           td.TransformedDistribution(tq, [td.AffineTransform(1.0, 2.0)]))
    compare(got, ref, "TransformedDistribution KL")


def test_register_kl_dispatches_to_most_specific():
    class MyNormal(gd.Normal):
        pass

    p = MyNormal(gk.tensor([0.0]), gk.tensor([1.0]))
    q = gd.Normal(gk.tensor([1.0]), gk.tensor([2.0]))
    base = gd.kl_divergence(p, q)
    compare(base, gd.kl_divergence(gd.Normal(gk.tensor([0.0]), gk.tensor([1.0])), q), "subclass")

    @gd.register_kl(MyNormal, gd.Normal)
    def _kl_mine(p, q):
        return gk.full((1,), 42.0)

    try:
        assert float(gd.kl_divergence(p, q)) == 42.0
        assert float(gd.kl_divergence(q, q)) == 0.0  # the parent's pair is untouched
    finally:
        del gd.kl._KL_REGISTRY[MyNormal, gd.Normal]
        gd.kl._KL_MEMOIZE.clear()
    compare(gd.kl_divergence(p, q), base, "after unregistering")
    with pytest.raises(NotImplementedError, match="No KL"):
        gd.kl_divergence(gd.Cauchy(0.0, 1.0), gd.Normal(0.0, 1.0))


@pytest.mark.parametrize("family", ["Beta", "Gamma", "Exponential", "Normal", "Gumbel"])
def test_uniform_from_zero_has_a_finite_kl(family):
    # Uniform(0, 1): x log x at x = 0 is 0 (xlogy), not 0 * -inf = nan
    q_args = {"Beta": (2.0, 2.0), "Gamma": (2.0, 1.0), "Exponential": (1.5,),
              "Normal": (0.0, 1.0), "Gumbel": (0.0, 1.0)}[family]
    got = gd.kl_divergence(gd.Uniform(0.0, 1.0), getattr(gd, family)(*q_args))
    ref = td.kl_divergence(td.Uniform(0.0, 1.0), getattr(td, family)(*q_args))
    assert np.isfinite(got.item()) == np.isfinite(ref.item())
    np.testing.assert_allclose(got.item(), ref.item(), rtol=1e-6)
