"""Gamma, Dirichlet and the distributions built on them (Beta, Chi2, StudentT, FisherSnedecor,
NegativeBinomial; Poisson and Binomial through torch.poisson/binomial) draw PyTorch's samples
after the same seed: ATen's CPU samplers reproduced on PyTorch's stream."""

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
    return {
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
    for seed in range(3):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        ours = _distributions(gk, dtype)[name].sample((4,))
        theirs = _distributions(torch, dtype)[name].sample((4,))
        assert _same(ours, theirs), (name, seed, ours.tolist(), theirs.tolist())


def test_gamma_rsample_stays_differentiable():
    conc = gk.tensor([2.0, 0.5], requires_grad=True)
    gk.manual_seed(0)
    x = gk.distributions.Gamma(conc, gk.tensor(1.0)).rsample((3,))
    x.sum().backward()
    assert conc.grad is not None and np.isfinite(conc.grad.numpy()).all()
