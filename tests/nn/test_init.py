"""nn.init: gains, fans, distributions, in-place semantics, generators."""

import math

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.nn import init


def test_calculate_gain_matches_torch(torch):
    for name in ["linear", "conv2d", "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"]:
        want = torch.nn.init.calculate_gain(name)
        assert init.calculate_gain(name) == pytest.approx(want)
        assert repr(init.calculate_gain(name)) == repr(want)  # (the linear ones: int 1)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))
    with pytest.raises(ValueError, match="Unsupported nonlinearity swish"):
        init.calculate_gain("swish")


def test_in_place_and_returns_same_tensor():
    w = nn.Parameter(gk.empty(30, 40))
    v = w._version
    out = init.kaiming_uniform_(w, a=math.sqrt(5))
    assert out is w and w.requires_grad and w.grad_fn is None and w._version > v
    assert w.dtype == gk.float32


@pytest.mark.parametrize("fn,kwargs,expected_std", [
    ("xavier_uniform_", {}, math.sqrt(2 / (200 + 100))),
    ("xavier_normal_", {"gain": 2.0}, 2 * math.sqrt(2 / (200 + 100))),
    ("kaiming_uniform_", {"nonlinearity": "relu"}, math.sqrt(2 / 100)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 200)),
    ("normal_", {"std": 0.3}, 0.3),
    ("uniform_", {"a": -1.0, "b": 1.0}, 1 / math.sqrt(3)),
    ("trunc_normal_", {"std": 1.0, "a": -2.0, "b": 2.0}, 0.8796),
])
def test_distribution_statistics(fn, kwargs, expected_std):
    gk.manual_seed(0)
    w = gk.empty(200, 100)
    getattr(init, fn)(w, **kwargs)
    arr = w.numpy()
    assert abs(arr.std() - expected_std) < 0.03 * expected_std + 1e-3
    if fn == "trunc_normal_":
        assert arr.min() >= -2 and arr.max() <= 2


def test_conv_fans():
    w = gk.empty(16, 8, 3, 3)
    gk.manual_seed(1)
    init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / (8 * 9))
    assert np.abs(w.numpy()).max() <= bound


def test_constant_ones_zeros_eye_dirac():
    w = gk.empty(3, 4)
    assert float(init.constant_(w, 2.5).sum()) == 30.0
    assert float(init.ones_(w).sum()) == 12.0
    assert float(init.zeros_(w).abs().sum()) == 0.0
    np.testing.assert_array_equal(init.eye_(w).numpy(), np.eye(3, 4))
    c = gk.empty(2, 2, 3)
    init.dirac_(c)
    assert c.numpy()[0, 0, 1] == 1 and c.numpy().sum() == 2
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(gk.empty(3))


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal(shape):
    w = gk.empty(*shape)
    init.orthogonal_(w, gain=2.0)
    m = w.numpy().reshape(shape[0], -1).astype(np.float64) / 2
    if m.shape[0] <= m.shape[1]:
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-5)
    else:
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-5)


def test_generator_and_manual_seed_reproducible():
    a, b = gk.empty(5, 5), gk.empty(5, 5)
    init.normal_(a, generator=gk.Generator().manual_seed(3))
    init.normal_(b, generator=gk.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    gk.manual_seed(7)
    m1 = nn.Linear(4, 4)
    gk.manual_seed(7)
    m2 = nn.Linear(4, 4)
    np.testing.assert_array_equal(m1.weight.detach().numpy(), m2.weight.detach().numpy())


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(gk.empty(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_normal_(gk.empty(2, 2), mode="fan_avg")


def test_private_fan_helpers_that_custom_layers_call(torch):
    # nn.Linear's reset_parameters, copied into custom layers, calls these private helpers
    for shape in [(3, 5), (8, 4, 3, 3), (0, 4), (4, 0, 3), (2, 3, 4)]:
        g, t = gk.empty(*shape), torch.empty(*shape)
        assert gk.nn.init._calculate_fan_in_and_fan_out(g) == \
            torch.nn.init._calculate_fan_in_and_fan_out(t)
        for mode in ("fan_in", "fan_out", "FAN_OUT"):
            assert gk.nn.init._calculate_correct_fan(g, mode) == \
                torch.nn.init._calculate_correct_fan(t, mode)
    for lib in (gk, torch):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(3))
        with pytest.raises(ValueError, match="Mode fan not supported"):
            lib.nn.init._calculate_correct_fan(lib.empty(2, 2), "fan")
