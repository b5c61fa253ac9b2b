"""torch.fx.experimental.optimization against PyTorch: fuse folds conv/linear + BatchNorm
pairs (same graph and module tree as PyTorch's, same outputs as the unfused model);
remove_dropout drops Dropout calls."""

import importlib

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _model(lib):
    nn = lib.nn

    class ConvLinearBN(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 4, 3)
            self.b1 = nn.BatchNorm2d(4)
            self.l = nn.Linear(4, 5)
            self.b2 = nn.BatchNorm1d(5)
            self.d = nn.Dropout(0.5)
            self.c2 = nn.Conv1d(2, 2, 1)
            self.b3 = nn.BatchNorm1d(2)

        def forward(self, x):
            y = self.b1(self.c1(x)).mean((2, 3))
            z = self.c2(y.view(-1, 2, 2))
            return self.d(self.b2(self.l(y))), self.b3(z), z  # z is also returned: kept

    return ConvLinearBN()


def _trained_like(model):
    for m in model.modules():
        if "BatchNorm" in type(m).__name__:
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model.eval()


def test_fuse_and_remove_dropout_match_pytorch():
    gk.manual_seed(0)
    g_model, t_model = _trained_like(_model(gk)), _model(torch).eval()
    t_model.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g_model.state_dict().items()})
    g_opt = importlib.import_module("gradkit.fx.experimental.optimization")
    t_opt = importlib.import_module("torch.fx.experimental.optimization")
    g, t = g_opt.fuse(g_model), t_opt.fuse(t_model)
    assert g.code == t.code and str(g) == str(t)
    assert "b1" not in g.code and "b2" not in g.code and "b3" in g.code
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    for a, b, c in zip(g(gk.tensor(x)), t(torch.tensor(x)), g_model(gk.tensor(x))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert g_opt.remove_dropout(g).code == t_opt.remove_dropout(t).code
    assert "self.d(" not in g_opt.remove_dropout(g).code
    assert g_model.b1 is not None and isinstance(g_model.b1, gk.nn.BatchNorm2d)  # copied
