"""Dropout layers: scaling, eval identity, reproducibility, channel masks, validation."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.9])
def test_dropout_scaling_and_gradient(p):
    gk.manual_seed(0)
    x = gk.ones(200, 50, requires_grad=True)
    m = nn.Dropout(p)
    y = m(x)
    arr = y.detach().numpy()
    kept = arr != 0
    np.testing.assert_allclose(arr[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), arr)  # d(x * mask)/dx = mask
    assert y.dtype == gk.float32


def test_dropout_eval_is_identity_and_p1_zeroes():
    x = gk.randn(4, 5)
    m = nn.Dropout(0.5).eval()
    assert m(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0


def test_dropout_reproducible_with_manual_seed():
    x = gk.ones(100)
    gk.manual_seed(123)
    a = F.dropout(x, 0.5).numpy()
    gk.manual_seed(123)
    b = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)
    g = gk.Generator().manual_seed(5)
    c = F.dropout(x, 0.5, generator=g).numpy()
    g.manual_seed(5)
    np.testing.assert_array_equal(c, F.dropout(x, 0.5, generator=g).numpy())


@pytest.mark.parametrize("shape", [(8, 6, 5, 5), (8, 6, 7)])
def test_dropout2d_zeroes_whole_channels(shape):
    gk.manual_seed(1)
    x = gk.ones(*shape)
    y = nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert (per_channel == 0).all(-1).any() and (per_channel == 2.0).all(-1).any()
    assert nn.Dropout2d(0.5).eval()(x) is x


def test_dropout1d_3d_shapes():
    gk.manual_seed(2)
    y = nn.Dropout1d(0.5)(gk.ones(4, 6, 9)).numpy()
    assert np.all((y == 0).all(-1) | (y == 2).all(-1))
    assert nn.Dropout3d(0.5)(gk.ones(2, 3, 2, 2, 2)).shape == (2, 3, 2, 2, 2)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_validates_p(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(gk.ones(2), p)


def test_dropout_repr_matches_torch(torch):
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
    assert repr(nn.Dropout2d()) == repr(torch.nn.Dropout2d())


@pytest.mark.parametrize("shape", [(3, 4), (2, 2, 2, 2, 2)], ids=["2-D", "5-D"])
def test_dropout2d_outside_3d_4d_warns_and_matches_torch(torch, shape):
    x = np.ones(shape, np.float32)
    gk.manual_seed(0)
    with pytest.warns(UserWarning, match="Received a"):
        a = gk.nn.functional.dropout2d(gk.tensor(x), 0.5)
    torch.manual_seed(0)
    with pytest.warns(UserWarning):
        b = torch.nn.functional.dropout2d(torch.tensor(x), 0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gk.nn.functional.dropout2d(gk.ones(4), 0.5)
