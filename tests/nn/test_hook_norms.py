"""The hook-based ``nn.utils.weight_norm`` / ``spectral_norm`` (PyTorch's older API) against
PyTorch: parameter and buffer names, the recomputed weight, outputs and gradients, removal."""

import numpy as np
import pytest

import gradkit as gk


def _pair(torch, make):
    t = make(torch)
    g = make(gk)
    g.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return g, t


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_as_torch(torch, dim):
    def make(lib):
        return lib.nn.utils.weight_norm(lib.nn.Linear(4, 3).double(), dim=dim)

    g, t = _pair(torch, make)
    assert sorted(n for n, _ in g.named_parameters()) == \
        sorted(n for n, _ in t.named_parameters()) == ["bias", "weight_g", "weight_v"]
    assert tuple(g.weight_g.shape) == tuple(t.weight_g.shape)
    x = np.random.default_rng(0).standard_normal((5, 4))
    yg, yt = g(gk.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    yg.sum().backward()
    yt.sum().backward()
    for name in ("weight_g", "weight_v", "bias"):
        np.testing.assert_allclose(getattr(g, name).grad.numpy(),
                                   getattr(t, name).grad.numpy(), rtol=1e-10, atol=1e-12)
    gk.nn.utils.remove_weight_norm(g)
    torch.nn.utils.remove_weight_norm(t)
    assert sorted(n for n, _ in g.named_parameters()) == ["bias", "weight"]
    np.testing.assert_allclose(g.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-12)


def test_weight_norm_twice_raises_as_torch(torch):
    for lib in (torch, gk):
        m = lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            lib.nn.utils.weight_norm(m)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(5, 4).double(),
    lambda lib: lib.nn.Conv2d(2, 3, 3).double(),
    lambda lib: lib.nn.ConvTranspose2d(2, 3, 3).double(),
], ids=["linear", "conv", "conv-transpose"])
def test_spectral_norm_as_torch(torch, make):
    def wrapped(lib):
        return lib.nn.utils.spectral_norm(make(lib), n_power_iterations=2)

    g, t = _pair(torch, wrapped)  # the same weight_orig, weight_u, weight_v
    assert sorted(g.state_dict()) == sorted(k for k in t.state_dict())
    shape = (2, 5) if isinstance(g, gk.nn.Linear) else (1, 2, 5, 5)
    x = np.random.default_rng(1).standard_normal(shape)
    for train in (True, True, False):
        g.train(train)
        t.train(train)
        yg, yt = g(gk.tensor(x)), t(torch.tensor(x))
        np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(g.weight_u.numpy(), t.weight_u.numpy(), rtol=1e-10)
    yg.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(g.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    gk.nn.utils.remove_spectral_norm(g)
    torch.nn.utils.remove_spectral_norm(t)
    assert sorted(g.state_dict()) == sorted(t.state_dict())
    np.testing.assert_allclose(g.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-10)
