"""``import functorch`` under ``gradkit run``: the transforms and functional modules of the
package that preceded ``torch.func``, compared with PyTorch's."""

import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit.compat import functorch as gft
from gradkit.compat import hook


def _copy_weights(src, dst):
    for (_, p), (_, q) in zip(src.named_parameters(), dst.named_parameters()):
        q.data = gk.tensor(p.detach().numpy().copy())


def _models(lib, seed):
    lib.manual_seed(seed)
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(3), lib.nn.Tanh())


def test_hook_maps_functorch_to_the_shim():
    assert hook.target_of("functorch") == "gradkit.compat.functorch"
    assert gft.vmap is gk.func.vmap and gft.jvp is gk.func.jvp


def test_make_functional_runs_a_copy_with_given_parameters_as_torch():
    torch = pytest.importorskip("torch")
    functorch = pytest.importorskip("functorch")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    tm = torch.nn.Linear(4, 3)
    gm = gk.nn.Linear(4, 3)
    _copy_weights(tm, gm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf, tparams = functorch.make_functional(tm)
        tgrads = functorch.grad(lambda p, x: tf(p, x).square().sum())(tparams, torch.tensor(x))
        _, tjvp = functorch.jvp(lambda *p: tf(p, torch.tensor(x)), tuple(tparams),
                                tuple(torch.ones_like(p) for p in tparams))
    gf, gparams = gft.make_functional(gm)
    assert [tuple(p.shape) for p in gparams] == [tuple(p.shape) for p in tparams]
    assert all(p.requires_grad for p in gparams)
    assert all(p is not q for p, q in zip(gparams, gm.parameters()))  # the copy's own
    ggrads = gft.grad(lambda p, x: gf(p, x).square().sum())(gparams, gk.tensor(x))
    _, gjvp = gft.jvp(lambda *p: gf(p, gk.tensor(x)), tuple(gparams),
                      tuple(gk.ones_like(p) for p in gparams))
    for a, b in zip(ggrads, tgrads):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gjvp.detach().numpy(), tjvp.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="make_functional_with_buffers"):
        gft.make_functional(gk.nn.BatchNorm1d(3))
    with pytest.raises(RuntimeError, match="expected 2 parameters"):
        gf(gparams[:1], gk.tensor(x))


def test_combine_state_for_ensemble_under_vmap_as_torch():
    torch = pytest.importorskip("torch")
    functorch = pytest.importorskip("functorch")
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    tms = [_models(torch, s).eval() for s in range(3)]
    gms = [_models(gk, s).eval() for s in range(3)]
    for t, g in zip(tms, gms):
        _copy_weights(t, g)
        g[1].running_mean.copy_(gk.tensor(np.arange(3, dtype=np.float32)))
        t[1].running_mean.copy_(torch.arange(3, dtype=torch.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf, tparams, tbuffers = functorch.combine_state_for_ensemble(tms)
        tout = functorch.vmap(tf, (0, 0, None))(tparams, tbuffers, torch.tensor(x))
    gf, gparams, gbuffers = gft.combine_state_for_ensemble(gms)
    assert [tuple(p.shape) for p in gbuffers] == [tuple(b.shape) for b in tbuffers]
    assert not any(p.requires_grad for p in gparams)
    gout = gft.vmap(gf, (0, 0, None))(gparams, gbuffers, gk.tensor(x))
    np.testing.assert_allclose(gout.numpy(), tout.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        gft.combine_state_for_ensemble([gms[0], gms[1].train()])
