"""Pooling: F.max/avg/adaptive pools and their layers, against PyTorch and central differences."""

import numpy as np
import pytest
from helpers import check_grad

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _both(torch, name, x, *args, **kw):
    gx = gk.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y = getattr(F, name)(gx, *args, **kw)
    ty = getattr(torch.nn.functional, name)(tx, *args, **kw)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        assert y[1].dtype == gk.int64
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    u = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * gk.tensor(u)).sum().backward()
    (ty * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


MAX2D = [
    (2, {}),
    (2, {"stride": 1}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 1), "dilation": (2, 1)}),
    (2, {"ceil_mode": True}),
    (3, {"stride": 3, "dilation": 2, "ceil_mode": True}),
]


@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize(("k", "kw"), MAX2D, ids=str)
def test_max_pool2d_matches_torch(torch, rng, k, kw, return_indices):
    _both(torch, "max_pool2d", rng.standard_normal((2, 3, 9, 8)), k,
          return_indices=return_indices, **kw)


@pytest.mark.parametrize(("k", "kw"), [(2, {}), (3, {"stride": 2, "padding": 1,
                                                     "ceil_mode": True}),
                                       (3, {"dilation": 2, "stride": 1})], ids=str)
def test_max_pool1d_matches_torch(torch, rng, k, kw):
    _both(torch, "max_pool1d", rng.standard_normal((2, 3, 11)), k, return_indices=True, **kw)


def test_max_pool_ties_go_to_first_element(torch):
    x = np.ones((1, 1, 4, 4))
    _both(torch, "max_pool2d", x, 2)
    _both(torch, "max_pool2d", x, 3, stride=1, padding=1)


def test_max_pool_unbatched_and_float32(torch, rng):
    _both(torch, "max_pool2d", rng.standard_normal((3, 6, 6)), 2, return_indices=True)
    y = F.max_pool2d(gk.randn(1, 2, 4, 4), 2)
    assert y.dtype == gk.float32


AVG2D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 0), "divisor_override": 3}),
]


@pytest.mark.parametrize(("k", "kw"), AVG2D, ids=str)
def test_avg_pool2d_matches_torch(torch, rng, k, kw):
    _both(torch, "avg_pool2d", rng.standard_normal((2, 3, 9, 8)), k, **kw)


@pytest.mark.parametrize(("k", "kw"), [(2, {}), (4, {"stride": 3, "padding": 2, "ceil_mode": True,
                                                     "count_include_pad": False})], ids=str)
def test_avg_pool1d_matches_torch(torch, rng, k, kw):
    _both(torch, "avg_pool1d", rng.standard_normal((2, 3, 10)), k, **kw)


@pytest.mark.parametrize(("shape", "out"), [((9, 7), (4, 3)), ((8, 6), (4, 3)), ((8, 6), (None, 5)),
                                            ((5, 5), 1), ((3, 4), (5, 6))], ids=str)
def test_adaptive_pools_2d_match_torch(torch, rng, shape, out):
    x = rng.standard_normal((2, 3) + shape)
    _both(torch, "adaptive_avg_pool2d", x, out)
    _both(torch, "adaptive_max_pool2d", x, out, return_indices=True)


def test_adaptive_pools_1d_match_torch(torch, rng):
    x = rng.standard_normal((2, 3, 9))
    _both(torch, "adaptive_avg_pool1d", x, 4)
    _both(torch, "adaptive_max_pool1d", x, 4, return_indices=True)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.adaptive_max_pool2d(x, (3, 2)),
])
def test_pool_gradcheck_and_second_order(rng, fn):
    x = gk.tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    check_grad(lambda x: fn(x) ** 2, [x])

    def grad_of(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((fn(x) ** 3).sum(), [x], create_graph=True)
        return g * g

    check_grad(grad_of, [x])


MODULES = [
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("MaxPool2d", (2,), {"return_indices": True}),
    ("MaxPool1d", (3,), {"stride": 2}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool1d", (3,), {"stride": 2, "ceil_mode": True}),
    ("AdaptiveAvgPool2d", ((3, 2),), {}),
    ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveMaxPool2d", ((3, None),), {"return_indices": True}),
    ("AdaptiveMaxPool1d", (4,), {}),
]


@pytest.mark.parametrize(("name", "args", "kw"), MODULES, ids=str)
def test_modules_match_torch(torch, rng, name, args, kw):
    m = getattr(nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm)
    assert m.state_dict() == {}
    x = rng.standard_normal((2, 3, 9) if name.endswith("1d") else (2, 3, 9, 8))
    y, ty = m(gk.tensor(x)), tm(torch.tensor(x))
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match=r"MaxPool2d expects input of shape \(N, C, H, W\) or "
                                         r"\(C, H, W\), got a 2-D input of shape \(4, 4\)"):
        nn.MaxPool2d(2)(gk.randn(4, 4))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.max_pool2d(gk.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="at most half"):
        F.avg_pool2d(gk.randn(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ValueError, match="positive"):
        F.max_pool2d(gk.randn(1, 1, 8, 8), 0)
    with pytest.raises(ValueError, match="output_size must be positive"):
        F.adaptive_avg_pool2d(gk.randn(1, 1, 8, 8), (0, 2))


def test_max_pool_nan_propagates_like_torch(torch, rng):
    x = rng.standard_normal((1, 2, 4, 4))
    x[0, 0, 1, 1] = np.nan
    x[0, 1, 2, 3] = np.nan
    # assert_allclose treats NaN == NaN; the gradient must go where torch sends it
    _both(torch, "max_pool2d", x, 2)
    _both(torch, "max_pool2d", x, 3, stride=1, padding=1)
