"""``Tensor.set_``: geoopt writes projected points with ``p.set_(manifold.projx(p))`` (its tests
and StereographicLayer); gradkit had no ``set_``."""

import numpy as np
import pytest

import gradkit as gk


def _both(fn):
    torch = pytest.importorskip("torch")
    return fn(gk), fn(torch)


def test_set_shares_memory_shape_and_strides_as_torch():
    def run(lib):
        x = lib.zeros(3)
        y = lib.arange(6.0).reshape(2, 3)
        r = x.set_(y)
        y[0, 0] = 7.0
        x.add_(1.0)
        t = lib.zeros(4).set_(lib.arange(6.0).reshape(2, 3).t())
        e = lib.ones(3).set_()
        s = lib.zeros(1).set_(lib.arange(6.0).untyped_storage(), 1, (2, 2), (2, 1))
        return (r is x, tuple(x.shape), x._version, y.tolist(), tuple(t.shape), t.stride(),
                t.tolist(), tuple(e.shape), s.tolist())

    g, t = _both(run)
    assert g == t


def test_set_on_a_parameter_under_no_grad_as_torch():
    def run(lib):
        p = lib.nn.Parameter(lib.zeros(3))
        with lib.no_grad():
            p.set_(lib.ones(2) * 2)
        return type(p).__name__, p.requires_grad, p.tolist()

    g, t = _both(run)
    assert g == t


@pytest.mark.parametrize("case", ["leaf", "dtype", "not_a_tensor"])
def test_set_refusals_as_torch(case):
    def run(lib):
        if case == "leaf":
            return lib.zeros(3, requires_grad=True).set_(lib.ones(2))
        if case == "dtype":
            return lib.zeros(3).set_(lib.zeros(2, dtype=lib.float64))
        return lib.ones(3).set_(3)

    exc = TypeError if case == "not_a_tensor" else RuntimeError
    for lib in _both(lambda lib: lib):
        with pytest.raises(exc):
            run(lib)


def test_set_source_that_requires_grad_is_refused_with_a_fix():
    # PyTorch records a node whose backward is not implemented; gradkit refuses at once
    with pytest.raises(RuntimeError, match="detach"):
        gk.zeros(3).set_(gk.ones(2, requires_grad=True) * 2)
    x = gk.zeros(3)
    with gk.no_grad():
        x.set_(gk.ones(2, requires_grad=True) * 2)
    np.testing.assert_array_equal(x.numpy(), [2.0, 2.0])
