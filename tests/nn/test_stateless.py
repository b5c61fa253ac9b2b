"""``nn.utils.stateless._reparametrize_module``: the block libraries (zuko's Bayesian layers)
use to run a module with other weights, against PyTorch's."""

import numpy as np
import pytest

import gradkit as gk


def _run(lib, weight, bias, x, *, fail=False):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
    w = lib.tensor(weight, requires_grad=True)
    params = {"0.weight": w, "0.bias": lib.tensor(bias), "1.running_mean": lib.ones(2)}
    m.eval()
    inside = None
    try:
        with lib.nn.utils.stateless._reparametrize_module(m, params):
            inside = m(lib.tensor(x))
            inside.sum().backward()
            if fail:
                raise KeyError("inside")
    except KeyError:
        pass
    after = m(lib.tensor(x))
    return (inside.detach().numpy(), w.grad.numpy(), after.detach().numpy(),
            m[1].running_mean.numpy())


def test_reparametrize_module_matches_torch_and_restores():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((2, 3)).astype(np.float32)
    bias = rng.standard_normal(2).astype(np.float32)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    for fail in (False, True):
        ours = _run(gk, weight, bias, x, fail=fail)
        theirs = _run(torch, weight, bias, x, fail=fail)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_reparametrize_module_unknown_name():
    m = gk.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="Unexpected key.*'wieght'"):
        with gk.nn.utils.stateless._reparametrize_module(m, {"wieght": gk.zeros(2, 3)}):
            pass
    assert m.weight.shape == (2, 3)
