"""Wishart with a ``scale_tril`` against torch.distributions: log_prob, its gradient wrt the
lower triangle (PyTorch's cholesky_solve backward also fills the upper triangle, which is not a
parameter of a lower Cholesky factor), entropy, sample moments."""

import numpy as np
import pytest

import gradkit as gk


def test_wishart_scale_tril_log_prob_and_lower_gradient(torch):
    rng = np.random.default_rng(5)
    L = np.tril(rng.standard_normal((2, 3, 3)) * 0.5)
    L[..., np.arange(3), np.arange(3)] = rng.uniform(0.5, 2.0, (2, 3))
    df = np.array([3.5, 6.0])
    X = rng.standard_normal((2, 3, 3))
    X = X @ np.swapaxes(X, -1, -2) + np.eye(3)
    res = []
    for lib in (torch, gk):
        lt = lib.tensor(L, requires_grad=True)
        d = lib.distributions.Wishart(lib.tensor(df, requires_grad=True), scale_tril=lt)
        lp = d.log_prob(lib.tensor(X))
        (g,) = lib.autograd.grad(lp.sum(), [lt])
        res.append((lp.detach().numpy(), np.tril(g.numpy()), d.entropy().detach().numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("df", [3.0, 7.5])
def test_wishart_sample_moments(df):
    gk.manual_seed(0)
    S = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    d = gk.distributions.Wishart(df, covariance_matrix=gk.tensor(S))
    s = d.sample((20000,)).numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    # the standard error of each mean entry is sqrt(var / n)
    assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / s.shape[0]))
    np.testing.assert_allclose(s.var(0), var, rtol=0.1)


def test_wishart_rejects_small_df():
    with pytest.raises(ValueError, match="greater than ndim - 1"):
        gk.distributions.Wishart(1.5, covariance_matrix=gk.eye(3, dtype=gk.float64))
