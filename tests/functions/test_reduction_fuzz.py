"""Reductions: the fuzzer's findings (tests/fuzz), each checked against PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X = np.random.default_rng(3).standard_normal((2, 3, 4))


def same_error(fn, *arrays):
    """``fn(lib, *tensors)`` raises in PyTorch and gradkit the same exception type."""
    with pytest.raises(Exception) as te:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(te.value)):
        fn(gk, *[gk.tensor(a) for a in arrays])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "median", "nanmedian"])
@pytest.mark.parametrize("keepdim", [True, False])
@pytest.mark.parametrize("face", ["function", "method"])
def test_keepdim_without_dim_is_a_type_error(name, keepdim, face):
    if face == "function":
        same_error(lambda m, x: getattr(m, name)(x, keepdim=keepdim), X)
    else:
        same_error(lambda m, x: getattr(x, name)(keepdim=keepdim), X)


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_keepdim_with_dim_none_reduces_everything(name):
    g = getattr(gk, name)(gk.tensor(X), None, True)
    t = getattr(torch, name)(torch.tensor(X), None, True)
    assert tuple(g.shape) == tuple(t.shape) == (1, 1, 1)
    np.testing.assert_allclose(g.numpy(), t.numpy())


def test_mean_of_int_with_keepdim_only_raises_type_error_first():
    same_error(lambda m, x: m.mean(x, keepdim=True), X.astype(np.int32))
