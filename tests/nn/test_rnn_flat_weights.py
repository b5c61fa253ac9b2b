"""An RNN/LSTM/GRU computes with its ``_flat_weights`` list, which may be assigned (as higher's
``monkeypatch`` does to run the layer on fast weights), is kept in step by ``setattr`` of one
weight, and is rebuilt from the parameters by ``.to()``/``.double()``: PyTorch's behaviour."""

import numpy as np
import pytest

import gradkit as gk


@pytest.mark.parametrize("cls,bias", [("RNN", True), ("LSTM", True), ("GRU", True),
                                      ("LSTM", False)])
def test_assigned_flat_weights_are_used_and_differentiable(cls, bias):
    gk.manual_seed(0)
    m = getattr(gk.nn, cls)(3, 4, num_layers=2, bias=bias)
    x = gk.randn(5, 2, 3)
    fast = [w.detach().clone().mul(2.0).requires_grad_() for w in m._flat_weights]
    m._flat_weights = fast
    out = m(x)[0]
    ref = getattr(gk.nn, cls)(3, 4, num_layers=2, bias=bias)
    with gk.no_grad():
        for name, w in zip(m._flat_weights_names, fast):
            getattr(ref, name).copy_(w)
    np.testing.assert_allclose(out.detach().numpy(), ref(x)[0].detach().numpy(), rtol=1e-6)
    grads = gk.autograd.grad(out.sum(), fast)
    assert all(g is not None and float(g.abs().sum()) > 0 for g in grads)
    assert all(p.grad is None for p in m.parameters())


def test_setattr_updates_entry_and_apply_rebuilds():
    m = gk.nn.LSTM(2, 3)
    doubled = [w.detach() * 2 for w in m._flat_weights]
    m._flat_weights = doubled
    m.weight_ih_l0 = gk.nn.Parameter(gk.zeros(12, 2))
    fw = m._flat_weights
    assert fw[0] is m.weight_ih_l0 and fw[1] is doubled[1]
    m.double()
    fw = m._flat_weights
    assert fw[1] is m.weight_hh_l0 and fw[1].dtype == gk.float64


def test_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.nn.LSTM(2, 3)
    g = gk.nn.LSTM(2, 3)
    g.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 1, 2)
    t._flat_weights = [w * 2 for w in t._flat_weights]
    g._flat_weights = [w * 2 for w in g._flat_weights]
    np.testing.assert_allclose(g(gk.tensor(x))[0].detach().numpy(),
                               t(torch.tensor(x))[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    # a weight set afterwards: PyTorch's forward goes back to the weight attributes
    t.weight_ih_l0 = torch.nn.Parameter(torch.zeros(12, 2))
    g.weight_ih_l0 = gk.nn.Parameter(gk.zeros(12, 2))
    np.testing.assert_allclose(g(gk.tensor(x))[0].detach().numpy(),
                               t(torch.tensor(x))[0].detach().numpy(), rtol=1e-5, atol=1e-6)
