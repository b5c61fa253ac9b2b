"""``x ** number`` for the exponents PyTorch's pow kernel computes without pow (-0.5 as rsqrt,
3 as a product, -2 as a reciprocal of a product): gradkit gives PyTorch's bits at special
values (NaN at -inf and -inf at -0.0 for -0.5, where IEEE pow gives 0 and inf) and on random
data; a tensor exponent stays pow, as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

SPECIALS = [-np.inf, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5, np.inf, np.nan, 1e-40, -1e30]


def _same(got, want):
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [-0.5, 3, 3.0, -2, -2.0, 2.0, -1.0, 0.5])
def test_number_exponent_specials_as_torch(exponent, dtype):
    data = np.array(SPECIALS)
    g = gk.tensor(data, dtype=getattr(gk, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    _same(g ** exponent, t ** exponent)
    _same(gk.pow(g, exponent), torch.pow(t, exponent))
    _same(g.pow(exponent), t.pow(exponent))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [-0.5, 3.0, -2.0])
def test_number_exponent_rounding_as_torch(exponent, dtype):
    data = np.random.default_rng(3).standard_normal(2000) * 1e3
    if exponent == -0.5:
        data = np.abs(data)
    g = gk.tensor(data, dtype=getattr(gk, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    _same(g ** exponent, t ** exponent)


def test_rsqrt_exponent_gradient():
    x = gk.tensor([4.0, 0.25], requires_grad=True)
    (x ** -0.5).sum().backward()
    xt = torch.tensor([4.0, 0.25], requires_grad=True)
    (xt ** -0.5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
