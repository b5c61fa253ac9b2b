"""Gradients of the normalisations and convolutions at special values (inf/NaN weights, an
empty batch) against PyTorch's, NaN and inf placed as its kernels place them."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _grads(fn, arrays):
    out = []
    for lib in (gk, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *xs)
        u = np.random.default_rng(0).standard_normal(tuple(y.shape))
        gs = lib.autograd.grad(y, xs, lib.tensor(u), allow_unused=True)
        out.append([np.zeros(a.shape) if g is None else g.numpy() for g, a in zip(gs, arrays)])
    return out


def _assert_same(g, t):
    for a, b in zip(g, t):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True)


X = np.random.default_rng(1).standard_normal((2, 3, 4))


@pytest.mark.parametrize("w", [[0.256, -np.inf, -0.452, 1.873], [0.256, 1e30, -0.452, np.inf],
                               [0.3, np.nan, 1.0, 2.0], [0.3, 0.5, 1.0, 2.0]])
def test_layer_norm_input_gradient_with_an_inf_weight(w):
    w = np.array(w)
    b = np.array([1.451, 0.758, -0.076, 0.365])
    g, t = _grads(lambda L, x, w, b: L.nn.functional.layer_norm(x, [4], w, b, 1e-5), [X, w, b])
    _assert_same(g, t)


@pytest.mark.parametrize("w", [[3e38, np.inf, 0.495], [-1.088, np.inf, 0.495],
                               [1.0, -np.inf, np.nan]])
@pytest.mark.parametrize("use_bias", [True, False])
def test_instance_norm_gradients_with_an_inf_weight(w, use_bias):
    x = np.random.default_rng(2).standard_normal((2, 3, 5))
    w, b = np.array(w), np.array([1.241, -0.044, -0.238])

    def fn(L, x, w, b):
        return L.nn.functional.instance_norm(x, None, None, w, b if use_bias else None)
    g, t = _grads(fn, [x, w, b])
    _assert_same(g, t)


@pytest.mark.parametrize("w", [[1.0, np.inf, -2.0], [0.5, 1.0, 2.0]])
def test_batch_norm_training_gradients_with_an_inf_weight(w):
    x = np.random.default_rng(3).standard_normal((4, 3, 2))
    w, b = np.array(w), np.array([0.1, 0.2, 0.3])

    def fn(L, x, w, b):
        return L.nn.functional.batch_norm(x, None, None, w, b, True)
    g, t = _grads(fn, [x, w, b])
    _assert_same(g, t)


@pytest.mark.parametrize("op,k", [("conv1d", 1), ("conv2d", 2), ("conv3d", 3),
                                  ("conv_transpose2d", 2)])
def test_grouped_convolution_of_an_empty_batch_has_gradients(op, k):
    x = np.zeros((0, 4) + (4,) * k)
    w = np.ones((4, 2) + (3,) * k)

    def fn(L, x, w):
        f = getattr(L.nn.functional, op)
        return f(x, w, None, 1, 1, 0, 2) if "transpose" in op else f(x, w, None, 1, 1, 1, 2)
    g, t = _grads(fn, [x, w])
    for a, b in zip(g, t):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
