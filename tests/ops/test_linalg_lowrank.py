"""torch.svd_lowrank / torch.pca_lowrank: the same random basis as PyTorch's (one randn(n, q) from
the global generator), so a seeded call gives PyTorch's U, S, V; centring, wide inputs, M=,
gradients, and the argument errors."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return gk.tensor(a), torch.tensor(a)


def _close(ours, theirs, atol=1e-8):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol)


def _same_svd(ours, theirs):
    """S equal; U and V equal up to one sign per singular pair (LAPACK builds differ in the
    signs they pick, NumPy's as MKL's, so PyTorch's own results carry no fixed sign)."""
    (U, S, V), (tU, tS, tV) = [[x.detach().numpy() for x in r] for r in (ours, theirs)]
    assert U.shape == tU.shape and S.shape == tS.shape and V.shape == tV.shape
    np.testing.assert_allclose(S, tS, atol=1e-8)
    sign = np.sign(np.sum(U * tU, axis=-2, keepdims=True))
    np.testing.assert_allclose(U * sign, tU, atol=1e-8)
    np.testing.assert_allclose(V * sign, tV, atol=1e-8)


@pytest.mark.parametrize("shape", [(12, 5), (4, 9), (3, 7, 5)])
def test_svd_lowrank_matches_torch_seeded(shape):
    a, ta = _pair(shape)
    gk.manual_seed(3)
    torch.manual_seed(3)
    _same_svd(gk.svd_lowrank(a, q=3, niter=2), torch.svd_lowrank(ta, q=3, niter=2))
    # the generator moved as PyTorch's did
    _close(gk.randn(3), torch.randn(3, dtype=torch.float64).float())


def test_svd_lowrank_with_mean_and_pca_lowrank():
    a, ta = _pair((10, 4), seed=1)
    m, tm = _pair((1, 4), seed=2)
    gk.manual_seed(0)
    torch.manual_seed(0)
    _same_svd(gk.svd_lowrank(a, q=4, M=m), torch.svd_lowrank(ta, q=4, M=tm))
    for center in (True, False):
        _same_svd(gk.pca_lowrank(a, q=2, center=center, niter=3),
                  torch.pca_lowrank(ta, q=2, center=center, niter=3))
    gk.manual_seed(0)
    assert gk.pca_lowrank(a)[1].shape == (4,)  # q defaults to min(6, m, n)


def test_svd_lowrank_gradient_matches_torch():
    a, ta = _pair((8, 5), seed=4)
    a.requires_grad_(True)
    ta.requires_grad_(True)
    gk.manual_seed(1)
    torch.manual_seed(1)
    gk.svd_lowrank(a, q=5)[1].sum().backward()
    torch.svd_lowrank(ta, q=5)[1].sum().backward()
    _close(a.grad, ta.grad, atol=1e-7)


def test_pca_lowrank_errors_match_torch():
    a, ta = _pair((5, 3))
    for kwargs in ({"q": 4}, {"q": -1}, {"niter": -1}):
        with pytest.raises(ValueError) as theirs:
            torch.pca_lowrank(ta, **kwargs)
        with pytest.raises(ValueError) as ours:
            gk.pca_lowrank(a, **kwargs)
        assert str(ours.value) == str(theirs.value)
