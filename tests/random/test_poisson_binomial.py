"""poisson and binomial: PyTorch's CPU samplers on gradkit's generator (the same numbers after
the same seed, the generator left where PyTorch leaves it), their moments, and their errors."""

import numpy as np
import pytest

import gradkit as gk

R = np.random.default_rng(0)
RATES = np.concatenate([R.uniform(0, 10, 200), R.uniform(10, 400, 200), [0.0, 0.0, 5e3]])
COUNTS = np.floor(np.concatenate([R.uniform(0, 30, 200), R.uniform(20, 3000, 200),
                                  [0, -3, 5, 5]]))
PROBS = np.concatenate([R.uniform(0, 1, 400), [0.5, 0.5, -0.1, 1.2]])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_poisson_is_torchs_stream(torch, dtype):
    gk.manual_seed(3)
    torch.manual_seed(3)
    a = gk.poisson(gk.tensor(RATES, dtype=getattr(gk, dtype)))
    b = torch.poisson(torch.tensor(RATES, dtype=getattr(torch, dtype)))
    assert a.dtype == getattr(gk, dtype)
    np.testing.assert_array_equal(a.float().numpy(), b.float().numpy())
    assert gk.rand(3).tolist() == torch.rand(3).tolist()  # the generator advanced alike


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binomial_is_torchs_stream(torch, dtype):
    g, t = gk.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a = gk.binomial(gk.tensor(COUNTS, dtype=getattr(gk, dtype)),
                    gk.tensor(PROBS, dtype=getattr(gk, dtype)), generator=g)
    b = torch.binomial(torch.tensor(COUNTS, dtype=getattr(torch, dtype)),
                       torch.tensor(PROBS, dtype=getattr(torch, dtype)), generator=t)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert gk.rand(3, generator=g).tolist() == torch.rand(3, generator=t).tolist()


def test_binomial_broadcasts_prob(torch):
    gk.manual_seed(1)
    torch.manual_seed(1)
    a = gk.binomial(gk.full((3, 4), 20.0), gk.tensor([0.1, 0.5, 0.7, 0.95]))
    b = torch.binomial(torch.full((3, 4), 20.0), torch.tensor([0.1, 0.5, 0.7, 0.95]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("lam", [0.3, 4.0, 12.0, 250.0])
def test_poisson_moments(lam):
    s = gk.poisson(gk.full((20000,), lam, dtype=gk.float64), generator=gk.Generator()).numpy()
    se = np.sqrt(lam / s.size)
    assert abs(s.mean() - lam) < 5 * se
    assert abs(s.var() - lam) < 5 * lam * np.sqrt(2.0 / s.size) + 5 * se


@pytest.mark.parametrize("n, p", [(7, 0.2), (40, 0.5), (1000, 0.03), (300, 0.9)])
def test_binomial_moments(n, p):
    s = gk.binomial(gk.full((20000,), float(n), dtype=gk.float64),
                    gk.full((20000,), p, dtype=gk.float64), generator=gk.Generator()).numpy()
    mean, var = n * p, n * p * (1 - p)
    assert abs(s.mean() - mean) < 5 * np.sqrt(var / s.size)
    assert abs(s.var() - var) < 5 * var * np.sqrt(2.0 / s.size) + 0.05
    assert s.min() >= 0 and s.max() <= n


@pytest.mark.parametrize("fn", [
    lambda L: L.poisson(L.tensor([-1.0])),
    lambda L: L.poisson(L.tensor([float("nan")])),
    lambda L: L.poisson(L.tensor([1, 2])),
    lambda L: L.poisson([1.0]),
    lambda L: L.binomial(L.tensor([5, 10]), L.tensor([0.5, 0.3])),
    lambda L: L.binomial(L.tensor([5.0]), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.binomial(L.tensor([5.0]).half(), L.tensor([0.5]).half()),
    lambda L: L.binomial(L.tensor([5.0]), 0.5),
])
def test_errors_as_torch(torch, fn):
    def kind(L):
        try:
            fn(L)
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return type(e).__name__
        return None
    assert kind(gk) == kind(torch) is not None


def test_edge_values_as_torch(torch):
    c, p = [5.0, 5.0, 5.0, -5.0, 0.0], [-0.5, 1.5, float("nan"), 0.5, 0.5]
    assert gk.binomial(gk.tensor(c), gk.tensor(p)).tolist()[:2] == [0.0, 5.0]
    a = gk.binomial(gk.tensor(c), gk.tensor(p)).numpy()
    b = torch.binomial(torch.tensor(c), torch.tensor(p)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("huge", [float("inf"), 1e30, 1e20, 9e18, 1e10])
def test_poisson_of_infinite_and_huge_rates_as_torch(torch, dtype, huge):
    """A rate beyond int64's counts (or infinite, or overflowing float16) gives PyTorch's
    count -2**63 and draws what PyTorch draws (a raw ValueError before for inf)."""
    rates = np.array([huge, 2.0, 3.0, 5.0, 40.0])
    for seed in range(4):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        a = gk.poisson(gk.tensor(rates, dtype=getattr(gk, dtype)))
        b = torch.poisson(torch.tensor(rates, dtype=getattr(torch, dtype)))
        np.testing.assert_array_equal(a.double().numpy(), b.double().numpy())
        assert gk.rand(3).tolist() == torch.rand(3).tolist()
