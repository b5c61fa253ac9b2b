"""F.pdist against PyTorch, including zero distances, ties for p = inf, and central
differences."""

import numpy as np
import pytest
from oracle import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F


@pytest.mark.parametrize("p", [0, 0.5, 1, 2, 3.5, float("inf")])
def test_pdist_matches_torch(torch, p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3))
    x[2] = x[1]  # a zero distance
    x[3, 0] = x[4, 0]  # a zero coordinate difference
    x[0, 1] = x[0, 2] + (x[3, 1] - x[3, 2])  # some ties in |difference|
    tx = torch.tensor(x, requires_grad=True)
    gx = gk.tensor(x, requires_grad=True)
    ty, gy = torch.nn.functional.pdist(tx, p), F.pdist(gx, p)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    assert gy.requires_grad == ty.requires_grad  # p = 0 too: a zero gradient, as torch
    u = rng.standard_normal(tuple(ty.shape))
    (ty * torch.from_numpy(u)).sum().backward()
    (gy * gk.tensor(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_pdist_float64_gradient_and_errors():
    x = t64(np.random.default_rng(1), 4, 3)
    for p in (1.5, 2, 3):
        check_grad(lambda x, p=p: F.pdist(x, p), [x])
    assert F.pdist(gk.randn(1, 3)).shape == (0,)
    assert not F.pdist(gk.randn(3, 2), 0).requires_grad
    with pytest.raises(RuntimeError, match=r"pdist only supports 2D tensors, got: 3D \(shape "
                                           r"\(2, 3, 4\)\)"):
        F.pdist(gk.randn(2, 3, 4))


@pytest.mark.parametrize("fn", [lambda L: L.pdist(L.ones(2, 3, 4)),
                                lambda L: L.pdist(L.ones(5, 3, dtype=L.uint8)),
                                lambda L: L.pdist(L.ones(2, 3), -1.0)],
                         ids=["3d", "uint8", "negative-p"])
def test_pdist_errors_are_pytorch_types(torch, fn):
    kinds = []
    for lib in (torch, gk):
        with pytest.raises(Exception) as e:  # noqa: PT011 - the type is compared
            fn(lib)
        kinds.append(type(e.value))
    assert kinds[1] is kinds[0] is RuntimeError


@pytest.mark.parametrize("p", [1, 2, 3, float("inf")])
def test_pdist_backward_scatters_without_add_at(monkeypatch, p):
    import gradkit._backend as B

    def no_add_at(*args, **kwargs):
        raise AssertionError("pdist's backward went through np.add.at")

    monkeypatch.setattr(B, "_index_add_numpy", no_add_at)
    x = gk.randn(6, 3, requires_grad=True)
    F.pdist(x, p).sum().backward()
    assert x.grad.shape == (6, 3)


def test_pdist_second_order():
    x = t64(np.random.default_rng(2), 5, 3)

    def grad_of(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.pdist(x) ** 3).sum(), [x], create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("shape", [(3, 0), (2, 0), (1, 0)])  # (torch crashes on 0 rows)
def test_pdist_of_rows_without_coordinates_as_torch(torch, p, shape):
    # rows of no coordinates are at distance 0 (p=inf took the max of nothing: NumPy's error)
    from oracle import same_as_torch

    def run(L):
        x = L.ones(*shape, dtype=L.float64, requires_grad=True)
        y = L.nn.functional.pdist(x, p)
        y.sum().backward()
        return y, x.grad

    same_as_torch(torch, run)
