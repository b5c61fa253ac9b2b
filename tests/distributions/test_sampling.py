"""Samples: moments within a few standard errors for a fixed seed (deterministic), the same
samples after the same seed, implicit reparameterisation gradients of gamma samples against
torch, and rsample gradients of the reparameterised families."""

from __future__ import annotations

import numpy as np
import pytest
from _cases import CASES
from test_against_torch import build

import gradkit as gk
import gradkit.distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions

N = 20000
Z = 5.0  # standard errors allowed: deterministic for the fixed seed, and still a sharp test


R = np.random.default_rng(77)
# parameters whose fourth moments are moderate, so the sample variance has a usable error bar
OVERRIDES = {
    "lognormal": dict(loc=R.standard_normal((2, 3)), scale=R.uniform(0.2, 0.6, 3)),
    "pareto": dict(scale=R.uniform(0.5, 2, 3), alpha=R.uniform(5.0, 8.0, 3)),
}


def _moment_cases():
    out = []
    for cid, family, kwargs in CASES:
        if family in ("Cauchy", "HalfCauchy", "Categorical") or cid == "genpareto-heavy":
            continue  # no finite mean (Categorical: frequencies are checked below)
        out.append((cid, family, OVERRIDES.get(cid, kwargs)))
    return out


MOMENT_CASES = _moment_cases()


@pytest.mark.parametrize("cid,family,kwargs", MOMENT_CASES, ids=[c[0] for c in MOMENT_CASES])
def test_sample_moments(cid, family, kwargs):
    g, _, _ = build(family, kwargs)
    gk.manual_seed(2024)
    x = g.sample((N,)).detach().numpy().astype(np.float64)
    try:
        mean = g.mean.detach().numpy()
        var = g.variance.detach().numpy()
    except NotImplementedError:  # relaxed families: compare with torch's samples instead
        t = build(family, kwargs)[1]
        torch.manual_seed(0)
        ref = t.sample((N,)).numpy()
        mean, var = ref.mean(0), ref.var(0)
    mean = np.broadcast_to(mean, x.shape[1:])
    var = np.broadcast_to(var, x.shape[1:])
    if family == "VonMises":  # circular moments: E cos(x - loc) = 1 - var, E sin(x - loc) = 0
        for f, target in ((np.cos, 1 - var), (np.sin, 0 * var)):
            y = f(x - mean)
            se = y.std(0) / np.sqrt(N)
            assert np.all(np.abs(y.mean(0) - target) <= Z * se), (cid, y.mean(0), target)
        return
    ok = np.isfinite(mean) & np.isfinite(var)
    if family == "StudentT":
        df = np.broadcast_to(g.df.detach().numpy(), x.shape[1:])
        ok &= df > 4.5  # sample variance needs a finite fourth moment
    if family == "FisherSnedecor":
        ok &= np.broadcast_to(g.df2.detach().numpy(), x.shape[1:]) > 8
    if family == "Pareto":
        ok &= np.broadcast_to(g.alpha.detach().numpy(), x.shape[1:]) > 4
    assert ok.any(), "no finite moments to check"
    se_mean = np.sqrt(var / N)
    m = x.mean(0)
    bad = ok & (np.abs(m - mean) > Z * se_mean + 1e-12)
    assert not bad.any(), f"{cid}: sample mean {m[bad]} vs mean {mean[bad]} (se {se_mean[bad]})"
    c = x - m
    s2 = (c**2).mean(0)
    m4 = (c**4).mean(0)
    se_var = np.sqrt(np.maximum(m4 - s2**2, 0) / N)
    bad = ok & (np.abs(s2 - var) > Z * se_var + 1e-12)
    assert not bad.any(), f"{cid}: sample variance {s2[bad]} vs {var[bad]} (se {se_var[bad]})"


@pytest.mark.parametrize("cid", ["categorical-probs", "categorical-logits"])
def test_categorical_frequencies(cid):
    family, kwargs = {c[0]: c[1:] for c in CASES}[cid]
    g, _, _ = build(family, kwargs)
    gk.manual_seed(11)
    x = g.sample((N,)).numpy()
    p = g.probs.detach().numpy()
    k = p.shape[-1]
    freq = np.stack([(x == i).mean(0) for i in range(k)], -1)
    se = np.sqrt(p * (1 - p) / N)
    assert np.all(np.abs(freq - p) <= Z * se), (freq, p)


@pytest.mark.parametrize("cid,family,kwargs", CASES[::4], ids=[c[0] for c in CASES[::4]])
def test_same_seed_same_samples(cid, family, kwargs):
    g, _, _ = build(family, kwargs)
    gk.manual_seed(5)
    a = g.sample((4,)).numpy()
    gk.manual_seed(5)
    b = g.sample((4,)).numpy()
    c = g.sample((4,)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) or family in ("Categorical",)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_reparameterisation_gradient_is_torchs(dtype):
    # PyTorch's _standard_gamma_grad (Taylor / saddle-point / rational branches), bit for bit
    rng = np.random.default_rng(4)
    alpha = np.concatenate([rng.uniform(0.01, 3, 400), rng.uniform(3, 40, 400),
                            [0.3, 0.9, 1.0, 2.5, 7.0, 8.5, 40.0]]).astype(dtype)
    torch.manual_seed(1)
    x = torch._standard_gamma(torch.tensor(alpha))
    ref = torch._standard_gamma_grad(torch.tensor(alpha), x).numpy()
    a = gk.tensor(alpha, requires_grad=True)
    gk.manual_seed(1)
    xs = gd.gamma.standard_gamma(a)
    np.testing.assert_array_equal(xs.detach().numpy(), x.numpy())
    (g,) = gk.autograd.grad(xs.sum(), [a])
    np.testing.assert_array_equal(g.numpy(), ref)
    np.testing.assert_array_equal(gk._standard_gamma_grad(a, xs).numpy(), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet_and_beta_rsample_gradients_are_torchs(dtype):
    rng = np.random.default_rng(5)
    conc = np.concatenate([rng.uniform(0.05, 3, (200, 3)), rng.uniform(0.05, 20, (200, 3))])
    conc = conc.astype(dtype)
    torch.manual_seed(2)
    x = torch._sample_dirichlet(torch.tensor(conc))
    total = torch.tensor(conc).sum(-1, True).expand(x.shape)
    ref = torch._dirichlet_grad(x, torch.tensor(conc), total).numpy()
    got = gk._dirichlet_grad(gk.tensor(x.numpy()), gk.tensor(conc), gk.tensor(total.numpy()))
    # float64 bit for bit; float32 runs PyTorch's float series, within a few units of the last
    # place where its compiler orders a float operation otherwise
    rtol = 0 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got.numpy(), ref, rtol=rtol, atol=0)
    # through Beta.rsample and Dirichlet.rsample, with PyTorch's node names
    a = np.array([0.3, 1.5, 4.0, 12.0], dtype)
    b = np.array([2.0, 0.7, 5.0, 9.0], dtype)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    torch.manual_seed(3)
    gk.manual_seed(3)
    tx, gx = td.Beta(ta, tb).rsample((3,)), gd.Beta(ga, gb).rsample((3,))
    np.testing.assert_array_equal(gx.detach().numpy(), tx.detach().numpy())
    (tx * torch.arange(1.0, 5.0, dtype=tx.dtype)).sum().backward()
    (gx * gk.arange(1.0, 5.0, dtype=gx.dtype)).sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=rtol)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=rtol)
    assert type(gd.Dirichlet(ga.unsqueeze(0)).rsample().grad_fn).__name__ == "_DirichletBackward"
    assert gd.Gamma(ga, gb).rsample().grad_fn.name() == "DivBackward0"


def test_gamma_reparameterisation_gradient_approximates_the_exact_one():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    a = np.array([0.3, 2.5, 7.0, 0.05, 12.0])
    x = np.array([0.7, 2.0, 6.5, 1e-3, 11.0])
    got = gk._standard_gamma_grad(gk.tensor(a), gk.tensor(x)).numpy()
    for ai, xi, gi in zip(a, x, got):
        d = mp.diff(lambda aa, xi=xi: mp.gammainc(aa, 0, xi, regularized=True), ai)
        pdf = mp.exp((ai - 1) * mp.log(xi) - xi - mp.loggamma(ai))
        np.testing.assert_allclose(gi, float(-d / pdf), rtol=2e-3)


def test_rsample_gradients_of_mean_estimates():
    """d/dtheta E[f(x)] by rsample agrees with the exact derivative of the mean."""
    gk.manual_seed(3)
    conc = gk.tensor([0.7, 2.0, 5.0], dtype=gk.float64, requires_grad=True)
    rate = gk.tensor([1.5, 0.5, 2.0], dtype=gk.float64, requires_grad=True)
    est = gd.Gamma(conc, rate).rsample((40000,)).mean(0)
    gc, gr = gk.autograd.grad(est.sum(), [conc, rate])
    np.testing.assert_allclose(gc.numpy(), 1 / rate.detach().numpy(), rtol=0.03)
    np.testing.assert_allclose(gr.numpy(), -(conc / rate**2).detach().numpy(), rtol=0.03)
    a = gk.tensor([0.8, 3.0], dtype=gk.float64, requires_grad=True)
    b = gk.tensor([2.0, 1.5], dtype=gk.float64, requires_grad=True)
    est = gd.Beta(a, b).rsample((40000,)).mean(0)
    ga, gb = gk.autograd.grad(est.sum(), [a, b])
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(ga.numpy(), bn / (an + bn) ** 2, rtol=0.05)
    np.testing.assert_allclose(gb.numpy(), -an / (an + bn) ** 2, rtol=0.05)
    loc = gk.tensor([0.5], dtype=gk.float64, requires_grad=True)
    scale = gk.tensor([2.0], dtype=gk.float64, requires_grad=True)
    x = gd.Normal(loc, scale).rsample((10,))
    gl, gs = gk.autograd.grad(x.sum(), [loc, scale])
    assert float(gl) == 10.0
    np.testing.assert_allclose(float(gs), float(((x - loc) / scale).sum()), rtol=1e-12)


def test_sample_n_warns_and_samples():
    d = gd.Normal(gk.zeros(2), gk.ones(2))
    with pytest.warns(UserWarning, match="sample_n will be deprecated"):
        s = d.sample_n(4)
    assert tuple(s.shape) == (4, 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_family_samples_are_torchs_for_a_seed(dtype):
    # PyTorch's CPU gamma kernel reads the generator element by element (scalar uniforms and
    # Box-Muller normals with the cached second value): the same seed gives the same samples in
    # Gamma (alpha above and below 1), Chi2, StudentT, Beta and Dirichlet, and leaves the
    # generator where the next draw expects it
    def draws(lib):
        lib.manual_seed(5)
        dt = getattr(lib, dtype)
        D = lib.distributions
        t = lambda *v: lib.tensor(v, dtype=dt)  # noqa: E731
        out = [D.Gamma(t(3.0, 0.5, 1e-3), t(2.0, 1.0, 1.0)).sample((50,)),
               lib.randn(3, dtype=dt),
               D.Chi2(t(1.0, 4.0)).sample((20,)),
               D.StudentT(t(3.0), t(1.0), t(2.0)).sample((20,)),
               D.Beta(t(0.5, 2.0), t(5.0, 0.7)).sample((20,)),
               D.Dirichlet(t(0.3, 1.0, 4.0)).sample((10,)),
               lib.randn(5, dtype=dt)]
        return [o.numpy() for o in out]

    eps = np.finfo(dtype).eps
    for i, (ours, theirs) in enumerate(zip(draws(gk), draws(torch))):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        # StudentT's loc + scale * x * rsqrt(z / df) may round its last bit differently
        np.testing.assert_allclose(ours, theirs, rtol=4 * eps if i == 3 else 0, atol=0)


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("family", ["gamma32", "gamma64", "Beta", "Dirichlet", "Gamma", "Chi2"])
def test_gamma_family_samples_are_torch_stream(family, seed):
    """manual_seed(s) then a gamma-based sample gives PyTorch's numbers bit for bit (the mixup
    recipe draws its lam from Beta), alpha below and above 1, and the stream after it agrees."""
    alpha = [0.3, 0.05, 1.0, 2.5, 0.999, 30.0, 0.0, 1.5]

    def draw(lib):
        lib.manual_seed(seed)
        if family.startswith("gamma"):
            dt = lib.float32 if family == "gamma32" else lib.float64
            out = lib._standard_gamma(lib.tensor(alpha, dtype=dt)) if lib is torch else \
                gd._sampling.standard_gamma(lib.tensor(alpha, dtype=dt))
        elif family == "Beta":
            out = lib.distributions.Beta(lib.tensor([0.4, 2.0, 1.0]),
                                         lib.tensor([0.4, 3.0, 0.2])).sample((5,))
        elif family == "Dirichlet":
            out = lib.distributions.Dirichlet(lib.tensor([[0.5, 1.0, 2.0],
                                                         [0.1, 0.1, 5.0]])).sample((3,))
        elif family == "Gamma":
            out = lib.distributions.Gamma(lib.tensor([0.5, 3.0]), lib.tensor([2.0, 1.0])).rsample(
                (4,))
        else:
            out = lib.distributions.Chi2(lib.tensor([1.0, 4.0])).sample((4,))
        return out.detach().numpy(), lib.rand(3).numpy()

    (ours, after_ours), (theirs, after_theirs) = draw(gk), draw(torch)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(after_ours, after_theirs)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("family", ["Exponential", "Cauchy", "Poisson", "Binomial",
                                    "NegativeBinomial", "Weibull", "VonMises", "Exp64"])
def test_samplers_draw_torch_stream(family, seed):
    """Each family draws what PyTorch's draws after the same manual_seed (its exponential_,
    cauchy_, poisson, binomial, gamma-then-Poisson and Best-Fisher rejection streams), and the
    generator is left where PyTorch leaves it."""
    def draw(lib):
        D = lib.distributions
        lib.manual_seed(seed)
        out = {
            "Exponential": lambda: D.Exponential(lib.tensor([1.0, 2.0])).sample((3,)),
            "Exp64": lambda: D.Exponential(lib.tensor([0.5], dtype=lib.float64)).sample((4,)),
            "Cauchy": lambda: D.Cauchy(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])).rsample(
                (2,)),
            "Poisson": lambda: D.Poisson(lib.tensor([3.0, 20.0, 0.5])).sample((2,)),
            "Binomial": lambda: D.Binomial(10, lib.tensor([0.3, 0.9])).sample((3,)),
            "NegativeBinomial": lambda: D.NegativeBinomial(lib.tensor([5.0, 0.0]),
                                                           lib.tensor([0.4, 0.5])).sample((3,)),
            "Weibull": lambda: D.Weibull(1.0, 2.0).sample((3,)),
            "VonMises": lambda: D.VonMises(lib.zeros(3), lib.tensor([0.5, 2.0, 1e-3])).sample(
                (4,)),
        }[family]()
        return out.numpy(), lib.rand(3).numpy()

    (ours, after_ours), (theirs, after_theirs) = draw(gk), draw(torch)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(after_ours, after_theirs)


def test_private_standard_normal_takes_device_and_draws_torchs_numbers():
    # GPyTorch calls torch.distributions.utils._standard_normal(shape, dtype=, device=)
    from torch.distributions.utils import _standard_normal as torch_draw

    from gradkit.distributions.utils import _standard_normal as draw

    gk.manual_seed(3)
    torch.manual_seed(3)
    ours = draw((2, 3), dtype=gk.float64, device=gk.device("cpu"))
    theirs = torch_draw((2, 3), dtype=torch.float64, device=torch.device("cpu"))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert draw(gk.Size([4]), dtype=gk.float32, device="cpu").dtype == gk.float32
