"""PyTorch's top-level linear-algebra functions and Tensor methods (gradkit.det, x.inverse(),
...) are wired to gradkit.linalg and agree with torch, gradients included."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _warnings

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
SPD = A @ np.swapaxes(A, -1, -2) + np.eye(3)


@pytest.mark.parametrize("name,data", [
    ("det", A), ("inverse", A), ("logdet", SPD), ("matrix_exp", A), ("cholesky", SPD),
    ("pinverse", A), ("slogdet", A),
])
@pytest.mark.parametrize("form", ["function", "method"])
def test_matches_torch_with_gradients(name, data, form):
    x = gk.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    out = getattr(gk, name)(x) if form == "function" else getattr(x, name)()
    tout = getattr(torch, name)(t) if form == "function" else getattr(t, name)()
    outs = list(out) if isinstance(out, tuple) else [out]
    touts = list(tout) if isinstance(tout, tuple) else [tout]
    loss, tloss = 0, 0
    for o, to in zip(outs, touts):
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=1e-9,
                                   atol=1e-10)
        if o.requires_grad:
            w = RNG.standard_normal(tuple(o.shape))
            loss = loss + (o * gk.tensor(w)).sum()
            tloss = tloss + (to * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_matrix_power_cross_svd_qr_and_names():
    x = gk.tensor(A[0])
    t = torch.tensor(A[0])
    np.testing.assert_allclose(x.matrix_power(-2).numpy(), t.matrix_power(-2).numpy(), rtol=1e-10)
    b = RNG.standard_normal((4, 3))
    np.testing.assert_allclose(gk.cross(gk.tensor(b), gk.tensor(b[::-1].copy()), dim=1).numpy(),
                               torch.cross(torch.tensor(b), torch.tensor(b[::-1].copy()),
                                           dim=1).numpy())
    s = gk.svd(x)[1]
    np.testing.assert_allclose(s.numpy(), torch.svd(t)[1].numpy(), rtol=1e-10)
    r = gk.qr(x)[1]
    np.testing.assert_allclose(np.abs(r.numpy()), np.abs(torch.linalg.qr(t)[1].numpy()),
                               rtol=1e-10)
    # the same inverse under both names (gk.inverse's face shows PyTorch's grad_fn name)
    np.testing.assert_array_equal(gk.inverse(x).numpy(), gk.linalg.inv(x).numpy())
    for name in ("det", "inverse", "logdet", "cholesky", "linalg"):
        assert name in gk.__all__


def test_cross_without_dim_names_shapes_that_do_not_broadcast():
    _warnings._WARNED.discard("deprecated cross")  # (PyTorch warns once per process)
    with pytest.warns(UserWarning, match="dim"), \
            pytest.raises(RuntimeError, match=r"cross: the shapes of input \(2, 3\) and other "
                                              r"\(4, 3\) cannot be broadcast"):
        gk.cross(gk.ones(2, 3), gk.ones(4, 3))
