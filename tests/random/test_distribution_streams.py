"""Every torch.distributions family draws PyTorch's samples after the same seed, and leaves the
generator where PyTorch leaves it: gamma and Dirichlet by ATen's CPU sampler reproduced on
PyTorch's stream, the others through PyTorch's in-place samplers (exponential_, cauchy_, ...) and
the same rejection loops (von Mises, Wishart)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

ALPHAS = [[1.0] * 6, [0.5] * 6, [3.0, 0.2, 7.5, 1.0, 0.01, 100.0], [0.3, 2.0], [1e-3, 0.0, 5.0]]


def _same(a, b):
    return np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alphas", ALPHAS)
def test_standard_gamma_and_the_stream_after_it(dtype, alphas):
    for seed in range(4):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        ours = gk._standard_gamma(gk.tensor(alphas, dtype=getattr(gk, dtype)))
        theirs = torch._standard_gamma(torch.tensor(alphas, dtype=getattr(torch, dtype)))
        assert _same(ours, theirs), (seed, ours.tolist(), theirs.tolist())
        # the generator is left where PyTorch leaves it (incl. Box-Muller's cached normal)
        assert _same(gk.randn(5), torch.randn(5)) and _same(gk.rand(3), torch.rand(3))


def test_standard_gamma_special_concentrations_do_not_hang():
    out = gk._standard_gamma(gk.tensor([0.0, float("nan"), -1.0]))
    assert out[0].item() == np.finfo(np.float32).tiny and np.isnan(out[1:].numpy()).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_dirichlet(dtype):
    a = [[0.5, 1.0, 2.0], [3.0, 0.1, 1.0]]
    for seed in range(4):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        assert _same(gk._sample_dirichlet(gk.tensor(a, dtype=getattr(gk, dtype))),
                     torch._sample_dirichlet(torch.tensor(a, dtype=getattr(torch, dtype))))


def _distributions(m, dt):
    t = lambda v: m.tensor(v, dtype=getattr(m, dt))  # noqa: E731
    d = m.distributions
    cov = t([[2.0, 0.3], [0.3, 1.0]])
    return {
        "Normal": d.Normal(t([0.0, 1.0]), t([1.0, 2.0])), "LogNormal": d.LogNormal(t(0.0), t(0.5)),
        "Uniform": d.Uniform(t(-1.0), t(2.0)), "Bernoulli": d.Bernoulli(probs=t([0.3, 0.8])),
        "Categorical": d.Categorical(probs=t([0.2, 0.5, 0.3])),
        "OneHotCategorical": d.OneHotCategorical(probs=t([0.2, 0.5, 0.3])),
        "Multinomial": d.Multinomial(5, probs=t([0.2, 0.5, 0.3])),
        "Exponential": d.Exponential(t([1.0, 3.0])), "Laplace": d.Laplace(t(0.0), t(1.0)),
        "Cauchy": d.Cauchy(t(0.0), t(1.0)), "Gumbel": d.Gumbel(t(0.0), t(1.0)),
        "Geometric": d.Geometric(probs=t(0.3)), "HalfNormal": d.HalfNormal(t(1.0)),
        "HalfCauchy": d.HalfCauchy(t(1.0)), "Weibull": d.Weibull(t(1.0), t(1.5)),
        "Pareto": d.Pareto(t(1.0), t(2.0)), "VonMises": d.VonMises(t(0.5), t(2.0)),
        "Kumaraswamy": d.Kumaraswamy(t(2.0), t(3.0)),
        "ContinuousBernoulli": d.ContinuousBernoulli(probs=t(0.3)),
        "RelaxedBernoulli": d.RelaxedBernoulli(t(0.5), probs=t(0.3)),
        "RelaxedOneHotCategorical": d.RelaxedOneHotCategorical(t(0.5), probs=t([0.2, 0.8])),
        "MultivariateNormal": d.MultivariateNormal(t([0.0, 1.0]), covariance_matrix=cov),
        "LowRankMultivariateNormal": d.LowRankMultivariateNormal(t([0.0, 1.0]), t([[1.0], [0.5]]),
                                                                 t([1.0, 2.0])),
        "LKJCholesky": d.LKJCholesky(3, t(2.0)),
        "Wishart": d.Wishart(t(4.0), covariance_matrix=cov),
        "LogisticNormal": d.LogisticNormal(t([0.0, 1.0]), t([1.0, 0.5])),
        "MixtureSameFamily": d.MixtureSameFamily(d.Categorical(probs=t([0.3, 0.7])),
                                                 d.Normal(t([0.0, 5.0]), t([1.0, 1.0]))),
        "Gamma": d.Gamma(t([2.0, 0.4]), t([3.0, 1.0])),
        "Dirichlet": d.Dirichlet(t([[0.5, 1.0, 2.0], [3.0, 0.1, 1.0]])),
        "Beta": d.Beta(t(2.0), t(0.7)),
        "Chi2": d.Chi2(t([3.0, 0.5])),
        "StudentT": d.StudentT(t(4.0), t(0.5), t(1.5)),
        "FisherSnedecor": d.FisherSnedecor(t(3.0), t(5.0)),
        "Poisson": d.Poisson(t([1.0, 20.0])),
        "Binomial": d.Binomial(10, t(0.3)),
        "NegativeBinomial": d.NegativeBinomial(t(5.0), probs=t(0.3)),
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(_distributions(gk, "float32")))
def test_distribution_samples_match_pytorch(dtype, name):
    import warnings

    for seed in range(3):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        ours = _distributions(gk, dtype)[name].sample((4,))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's Wishart warns on every sample
            theirs = _distributions(torch, dtype)[name].sample((4,))
        # the same values up to the last bits of transcendental functions, and the same draws
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-7)
        assert gk.rand(1).item() == torch.rand(1).item(), name


def test_gamma_rsample_stays_differentiable():
    conc = gk.tensor([2.0, 0.5], requires_grad=True)
    gk.manual_seed(0)
    x = gk.distributions.Gamma(conc, gk.tensor(1.0)).rsample((3,))
    x.sum().backward()
    assert conc.grad is not None and np.isfinite(conc.grad.numpy()).all()


@pytest.mark.parametrize("batch", [(2, 3), (17,)])
def test_one_hot_categorical_sample_is_row_major(torch, batch):
    """Categorical samples of a batch are a transposed view (PyTorch's multinomial of the
    flattened rows); one_hot of them is a new row-major tensor in PyTorch (it kept the
    indices' layout)."""
    p = np.random.default_rng(1).random(batch + (4,))

    def run(lib):
        lib.manual_seed(0)
        d = lib.distributions.OneHotCategorical(lib.tensor(p))
        return d.sample((16,)), lib.nn.functional.one_hot(lib.arange(6).reshape(2, 3).t(), 6)

    for want, got in zip(run(torch), run(gk)):
        assert got.stride() == want.stride()
        np.testing.assert_array_equal(got.numpy(), want.numpy())
